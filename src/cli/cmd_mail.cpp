// `harbor mail list|show`: what an account's mailboxes hold, read straight from the store (the
// operator's view and the interop tests' oracle for what SMTP delivered). Read-only; works next
// to a running `harbor serve` on the same data directory (see OpenDirectory).
// SECURITY: the messages are untrusted bytes; only their header is parsed, through mime's
// bounded parser (parse_message/read_envelope, fuzzed by fuzz_mime), and printed text is JSON-
// escaped so a Subject cannot forge lines of the listing.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/context.hpp"
#include "cli/format.hpp"
#include "mime/envelope.hpp"
#include "mime/message.hpp"

namespace harbor::cli {
namespace {

struct MailArgs {
    std::string address;
    std::string mailbox = "INBOX";
    std::uint32_t uid = 0;
    bool json = false;
};

// What the listing shows of one stored copy; the header fields come from prefix + blob, so a
// Subject the sender never wrote cannot appear and one we prepend would.
nlohmann::json describe_message(store::Store& store, const store::MessageRecord& record)
{
    nlohmann::json flags = nlohmann::json::array();
    for (const std::string& flag : record.flags) {
        flags.push_back(flag);
    }
    nlohmann::json out = {{"uid", record.uid},
                          {"size", record.size},
                          {"internal_date", record.internal_date},
                          {"flags", std::move(flags)},
                          {"subject", nullptr},
                          {"message_id", nullptr}};
    Result<std::string> bytes = store.read_message(record);
    if (!bytes) {
        // One unreadable blob should not hide the rest of the mailbox.
        out["error"] = bytes.error().to_string();
        return out;
    }
    const mime::Message message = mime::parse_message(*bytes);
    const mime::Envelope envelope = mime::read_envelope(message.root.fields);
    if (mime::find_field(message.root.fields, "Subject") != nullptr) {
        out["subject"] = envelope.subject;
    }
    if (envelope.message_id) {
        out["message_id"] = *envelope.message_id;
    }
    return out;
}

// The one-line text form: "uid=1 size=812 date=2026-11-29T08:15:00Z flags=\Seen
// message-id=<a@b> subject="Hello"". Strings are JSON-quoted (escapes, no raw controls).
std::string format_message_line(const nlohmann::json& message)
{
    std::string flags;
    for (const auto& flag : message["flags"]) {
        flags += flags.empty() ? "" : ",";
        flags += flag.get<std::string>();
    }
    std::string line = "uid=" + std::to_string(message["uid"].get<std::uint32_t>()) +
                       " size=" + std::to_string(message["size"].get<std::uint64_t>()) +
                       " date=" + format_utc(message["internal_date"].get<std::int64_t>()) +
                       " flags=" + (flags.empty() ? "-" : flags);
    if (!message["message_id"].is_null()) {
        line += " message-id=<" + message["message_id"].get<std::string>() + ">";
    }
    if (!message["subject"].is_null()) {
        line += " subject=" + message["subject"].dump(-1, ' ', false,
                                                      nlohmann::json::error_handler_t::replace);
    }
    if (message.contains("error")) {
        line += " error=" + message["error"].get<std::string>();
    }
    return line;
}

Result<nlohmann::json> describe_account(OpenDirectory& opened, const std::string& address)
{
    Result<store::Account> account = opened.directory->find_user(address);
    HARBOR_TRY(account);
    Result<std::vector<store::Mailbox>> mailboxes = opened.store->list_mailboxes(account->id);
    HARBOR_TRY(mailboxes);
    nlohmann::json listed = nlohmann::json::array();
    for (const store::Mailbox& mailbox : *mailboxes) {
        Result<std::vector<store::MessageRecord>> records =
            opened.store->list_messages(mailbox.id);
        HARBOR_TRY(records);
        nlohmann::json messages = nlohmann::json::array();
        for (const store::MessageRecord& record : *records) {
            messages.push_back(describe_message(*opened.store, record));
        }
        listed.push_back({{"name", mailbox.name},
                          {"uidvalidity", mailbox.uidvalidity},
                          {"uidnext", mailbox.uidnext},
                          {"messages", std::move(messages)}});
    }
    return nlohmann::json{{"address", account->address}, {"mailboxes", std::move(listed)}};
}

// RFC 9051 §5.1: INBOX is case-insensitive; every other name is matched exactly.
bool names_mailbox(const store::Mailbox& mailbox, const std::string& name)
{
    if (mailbox.name == name) {
        return true;
    }
    return mime::iequals(name, "INBOX") && mime::iequals(mailbox.name, "INBOX");
}

Result<std::string> read_stored_message(OpenDirectory& opened, const MailArgs& args)
{
    Result<store::Account> account = opened.directory->find_user(args.address);
    HARBOR_TRY(account);
    Result<std::vector<store::Mailbox>> mailboxes = opened.store->list_mailboxes(account->id);
    HARBOR_TRY(mailboxes);
    for (const store::Mailbox& mailbox : *mailboxes) {
        if (!names_mailbox(mailbox, args.mailbox)) {
            continue;
        }
        Result<std::vector<store::MessageRecord>> records =
            opened.store->list_messages(mailbox.id);
        HARBOR_TRY(records);
        for (const store::MessageRecord& record : *records) {
            if (record.uid == args.uid) {
                return opened.store->read_message(record);
            }
        }
        return unexpected(Errc::NotFound, "no message with uid " + std::to_string(args.uid) +
                                              " in " + mailbox.name);
    }
    return unexpected(Errc::NotFound, account->address + " has no mailbox " + args.mailbox);
}

}  // namespace

void add_mail_commands(CLI::App& app, Context& context)
{
    auto* mail = app.add_subcommand("mail", "look into the stored mail of an account");
    mail->require_subcommand(1);
    auto args = std::make_shared<MailArgs>();

    auto* list = mail->add_subcommand(
        "list", "list an account's mailboxes and messages (uid, size, date, flags, Message-ID, "
                "Subject)");
    list->add_option("address", args->address, "local@domain")->required();
    list->add_flag("--json", args->json, "print JSON instead of text");
    list->callback([&context, args] {
        context.run_with_store([&](OpenDirectory& opened) -> Result<void> {
            Result<nlohmann::json> listing = describe_account(opened, args->address);
            HARBOR_TRY(listing);
            if (args->json) {
                std::cout << format_json(*listing) << "\n";
                return ok();
            }
            for (const auto& mailbox : (*listing)["mailboxes"]) {
                std::cout << mailbox["name"].get<std::string>() << ": "
                          << mailbox["messages"].size() << " messages (uidvalidity "
                          << mailbox["uidvalidity"].get<std::uint32_t>() << ", uidnext "
                          << mailbox["uidnext"].get<std::uint32_t>() << ")\n";
                for (const auto& message : mailbox["messages"]) {
                    std::cout << "  " << format_message_line(message) << "\n";
                }
            }
            return ok();
        });
    });

    auto* show = mail->add_subcommand("show", "print one stored message, byte for byte");
    show->add_option("address", args->address, "local@domain")->required();
    show->add_option("uid", args->uid, "the message's UID in the mailbox")->required();
    show->add_option("--mailbox", args->mailbox, "mailbox name")->capture_default_str();
    show->callback([&context, args] {
        context.run_with_store([&](OpenDirectory& opened) -> Result<void> {
            Result<std::string> bytes = read_stored_message(opened, *args);
            HARBOR_TRY(bytes);
            std::cout.write(bytes->data(), static_cast<std::streamsize>(bytes->size()));
            std::cout.flush();
            if (!std::cout) {
                return unexpected(Errc::Io, "writing to standard output failed");
            }
            return ok();
        });
    });
}

}  // namespace harbor::cli
