// `harbor queue list`: the outbound queue as the store holds it (messages accepted for remote
// recipients, waiting for the queue runner of issue 7). Read-only; works next to a running
// `harbor serve` on the same data directory (see OpenDirectory).
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/context.hpp"
#include "cli/format.hpp"

namespace harbor::cli {
namespace {

// The SMTP layer stores parameters as a JSON object (RFC 3461 ENVID/RET/NOTIFY/ORCPT, BODY,
// SMTPUTF8, REQUIRETLS); shown as that object, or as the raw text if it is something else.
nlohmann::json parse_params(const std::string& text)
{
    if (text.empty()) {
        return nlohmann::json::object();
    }
    nlohmann::json parsed = nlohmann::json::parse(text, nullptr, false);
    return parsed.is_discarded() ? nlohmann::json(text) : parsed;
}

nlohmann::json describe_queued(const store::QueuedMessage& queued)
{
    nlohmann::json recipients = nlohmann::json::array();
    for (const store::QueuedRecipient& recipient : queued.recipients) {
        recipients.push_back(
            {{"address", recipient.address}, {"params", parse_params(recipient.params)}});
    }
    return {{"id", queued.id},
            {"sender", queued.envelope_from},
            {"recipients", std::move(recipients)},
            {"size", queued.size},
            {"blob", queued.blob.sha256},
            {"params", parse_params(queued.params)},
            {"created", queued.created},
            {"next_attempt", queued.next_attempt}};
}

std::string compact(const nlohmann::json& value)
{
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// "7 from=<a@b> size=812 created=... next=... params={"body":"8BITMIME"}" then one
// "  to=<c@d> {...}" line per recipient still to reach.
void print_queued(const nlohmann::json& queued)
{
    std::cout << queued["id"].get<std::int64_t>() << " from=<"
              << queued["sender"].get<std::string>() << "> size="
              << queued["size"].get<std::uint64_t>()
              << " created=" << format_utc(queued["created"].get<std::int64_t>())
              << " next=" << format_utc(queued["next_attempt"].get<std::int64_t>())
              << " params=" << compact(queued["params"]) << "\n";
    for (const auto& recipient : queued["recipients"]) {
        std::cout << "  to=<" << recipient["address"].get<std::string>() << "> "
                  << compact(recipient["params"]) << "\n";
    }
}

}  // namespace

void add_queue_commands(CLI::App& app, Context& context)
{
    auto* queue = app.add_subcommand("queue", "look into the outbound queue");
    queue->require_subcommand(1);
    auto json = std::make_shared<bool>(false);

    auto* list = queue->add_subcommand("list", "list queued messages, oldest first");
    list->add_flag("--json", *json, "print JSON instead of text");
    list->callback([&context, json] {
        context.run_with_store([&](OpenDirectory& opened) -> Result<void> {
            Result<std::vector<store::QueuedMessage>> queued = opened.store->list_queue();
            HARBOR_TRY(queued);
            nlohmann::json listing = nlohmann::json::array();
            for (const store::QueuedMessage& message : *queued) {
                listing.push_back(describe_queued(message));
            }
            if (*json) {
                std::cout << format_json(listing) << "\n";
                return ok();
            }
            for (const auto& message : listing) {
                print_queued(message);
            }
            return ok();
        });
    });
}

}  // namespace harbor::cli
