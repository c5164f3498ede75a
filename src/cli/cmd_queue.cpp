// `harbor queue list|show|hold|release|retry|delete|bounce`: the outbound queue as the store holds
// it (messages accepted for remote recipients, each recipient with its state and last reply), and
// the administrator's actions on an entry. Works next to a running `harbor serve` on the same
// data directory (see OpenDirectory): the queue runner reads the entries' state from the store
// before each attempt, so a hold or a retry takes effect without a restart.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <charconv>
#include <ctime>
#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/context.hpp"
#include "cli/control_client.hpp"
#include "cli/format.hpp"
#include "core/config.hpp"
#include "smtp/queue/bounce_entry.hpp"

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

std::string_view state_name(store::RecipientState state)
{
    switch (state) {
        case store::RecipientState::Pending:
            return "pending";
        case store::RecipientState::Delivered:
            return "delivered";
        case store::RecipientState::Failed:
            return "failed";
    }
    return "unknown";
}

nlohmann::json describe_queued(const store::QueuedMessage& queued)
{
    nlohmann::json recipients = nlohmann::json::array();
    for (const store::QueuedRecipient& recipient : queued.recipients) {
        recipients.push_back({{"address", recipient.address},
                              {"params", parse_params(recipient.params)},
                              {"state", state_name(recipient.state)},
                              {"last_reply", recipient.last_reply},
                              {"remote", recipient.remote}});
    }
    return {{"id", queued.id},
            {"sender", queued.envelope_from},
            {"recipients", std::move(recipients)},
            {"size", queued.size},
            {"blob", queued.blob.sha256},
            {"params", parse_params(queued.params)},
            {"created", queued.created},
            {"next_attempt", queued.next_attempt},
            {"attempts", queued.attempts},
            {"held", queued.held},
            {"delay_warned", queued.delay_warned}};
}

std::string compact(const nlohmann::json& value)
{
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// "7 from=<a@b> size=812 created=... next=... attempts=2 params={"body":"8BITMIME"}" (and
// " held"), then a "  to=<c@d> {...} pending" line per recipient, with its last reply quoted.
void print_queued(const nlohmann::json& queued)
{
    std::cout << queued["id"].get<std::int64_t>() << " from=<"
              << queued["sender"].get<std::string>()
              << "> size=" << queued["size"].get<std::uint64_t>()
              << " created=" << format_utc(queued["created"].get<std::int64_t>())
              << " next=" << format_utc(queued["next_attempt"].get<std::int64_t>())
              << " attempts=" << queued["attempts"].get<std::uint32_t>()
              << " params=" << compact(queued["params"])
              << (queued["held"].get<bool>() ? " held" : "") << "\n";
    for (const auto& recipient : queued["recipients"]) {
        std::cout << "  to=<" << recipient["address"].get<std::string>() << "> "
                  << compact(recipient["params"]) << " " << recipient["state"].get<std::string>();
        if (!recipient["last_reply"].get<std::string>().empty()) {
            // JSON-quoted: a remote reply is untrusted text and must not break the line.
            std::cout << " last=" << compact(recipient["last_reply"]);
        }
        std::cout << "\n";
    }
}

// A running daemon's queue runner looks at the store again now instead of at its next poll
// (a retried entry goes out at once). Without a daemon the change waits for the next start.
void wake_daemon_queue(const Context& context)
{
    auto socket = control_socket_for(context, "");
    if (socket) {
        (void)control_request(*socket, "POST", "/v1/queue/wake");
    }
}

// Registers `harbor queue NAME ID` for an action on one entry ("all" too for retry).
void add_action(CLI::App& queue, Context& context, const char* name, const char* help,
                store::QueueAction action)
{
    auto* command = queue.add_subcommand(name, help);
    auto target = std::make_shared<std::string>();
    command
        ->add_option(
            "ID", *target,
            action == store::QueueAction::RetryNow ? "queue entry id, or all" : "queue entry id")
        ->required();
    command->callback([&context, target, action] {
        context.run_with_store([&](OpenDirectory& opened) -> Result<void> {
            const auto now = static_cast<std::int64_t>(std::time(nullptr));
            std::vector<std::int64_t> ids;
            if (*target == "all" && action == store::QueueAction::RetryNow) {
                Result<std::vector<store::QueuedMessage>> queued = opened.store->list_queue();
                HARBOR_TRY(queued);
                for (const store::QueuedMessage& message : *queued) {
                    ids.push_back(message.id);
                }
            } else {
                std::int64_t id = 0;
                const auto [end, ec] =
                    std::from_chars(target->data(), target->data() + target->size(), id);
                if (ec != std::errc{} || end != target->data() + target->size() || id <= 0) {
                    return unexpected(Errc::Invalid, "not a queue entry id: " + *target);
                }
                ids.push_back(id);
            }
            for (const std::int64_t id : ids) {
                HARBOR_TRY(opened.store->change_queue_entry(id, action, now));
            }
            wake_daemon_queue(context);
            return ok();
        });
    });
}

}  // namespace

void add_queue_commands(CLI::App& app, Context& context)
{
    auto* queue = app.add_subcommand("queue", "look into and act on the outbound queue");
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

    auto* show = queue->add_subcommand("show", "show one queued message and its recipients");
    auto shown = std::make_shared<std::int64_t>(0);
    show->add_option("ID", *shown, "queue entry id")->required();
    show->add_flag("--json", *json, "print JSON instead of text");
    auto message = std::make_shared<bool>(false);
    show->add_flag("--message", *message, "print the message as it will be sent, nothing else");
    show->callback([&context, json, shown, message] {
        context.run_with_store([&](OpenDirectory& opened) -> Result<void> {
            Result<store::QueuedMessage> queued = opened.store->find_queue_entry(*shown);
            HARBOR_TRY(queued);
            if (*message) {
                Result<std::string> bytes = opened.store->read_queued_message(*queued);
                HARBOR_TRY(bytes);
                std::cout << *bytes;
                return ok();
            }
            const nlohmann::json described = describe_queued(*queued);
            if (*json) {
                std::cout << format_json(described) << "\n";
            } else {
                print_queued(described);
            }
            return ok();
        });
    });

    add_action(*queue, context, "hold", "keep an entry from being attempted",
               store::QueueAction::Hold);
    add_action(*queue, context, "release", "let a held entry be attempted again",
               store::QueueAction::Release);
    add_action(*queue, context, "retry", "make an entry (or all) due now",
               store::QueueAction::RetryNow);
    add_action(*queue, context, "delete", "drop an entry without telling the sender",
               store::QueueAction::Delete);

    auto* bounce = queue->add_subcommand(
        "bounce", "give up on an entry: its pending recipients fail and the sender is told");
    auto bounced = std::make_shared<std::int64_t>(0);
    auto hostname = std::make_shared<std::string>(default_hostname());
    bounce->add_option("ID", *bounced, "queue entry id")->required();
    bounce->add_option("--hostname", *hostname, "the Reporting-MTA of the notice")
        ->capture_default_str();
    bounce->callback([&context, bounced, hostname] {
        context.run_with_store([&](OpenDirectory& opened) -> Result<void> {
            const auto now = static_cast<std::int64_t>(std::time(nullptr));
            Result<std::size_t> failed = smtp::queue::bounce_queue_entry(
                *opened.store, *opened.directory, *bounced, *hostname, now);
            HARBOR_TRY(failed);
            std::cout << "bounced " << *failed << " recipient(s) of " << *bounced << "\n";
            return ok();
        });
    });
}

}  // namespace harbor::cli
