// CREATE with CREATE-SPECIAL-USE (RFC 9051 §6.3.4, RFC 6154 §3), DELETE (§6.3.5), RENAME
// (§6.3.6), SUBSCRIBE and UNSUBSCRIBE (§6.3.7, §6.3.8). Response codes: RFC 5530 §3
// (ALREADYEXISTS, NONEXISTENT, CANNOT), RFC 6154 §6 (USEATTR).
// The selected mailbox deleted or renamed by this session: the command succeeds and the session
// ends with "* BYE" at the next command, as Dovecot does (it sends the BYE at once): the view's
// UIDs no longer name anything (RFC 9051 §2.3.1.1), and refresh_selected says so.
// SECURITY: mailbox names are untrusted; name_from_client() decodes them strictly and
// normalises them (length, depth, control characters, "." and "..") before the store sees them.
// Every store call runs off the io thread or through the async_* wrappers.
#include "core/ascii.hpp"
#include "core/log.hpp"
#include "imap/protocol/mailbox_name.hpp"
#include "imap/server/session_state.hpp"
#include "store/awaitable.hpp"

namespace harbor::imap::server {
namespace {

using net::Awaitable;

// The one spelling the store keeps ("\sent" is "\Sent": attributes are case-insensitive,
// RFC 9051 §9 "mbx-list-flags"); nullopt for a use Harbor does not know.
std::optional<std::string> known_special_use(std::string_view written)
{
    for (const char* known : store::special_use_names) {
        if (iequals(written, known)) {
            return std::string(known);
        }
    }
    return std::nullopt;
}

bool is_same_or_inferior(std::string_view name, std::string_view parent)
{
    return name == parent || (name.size() > parent.size() && name.starts_with(parent) &&
                              name[parent.size()] == hierarchy_separator);
}

}  // namespace

Awaitable<void> Session::on_create(const Command& command)
{
    const auto& args = std::get<CreateArgs>(command.args);
    std::string_view sent = args.mailbox;
    // RFC 9051 §6.3.4: a trailing separator declares that inferiors will be created; Harbor
    // needs no such declaration, so it is ignored (once: "a//" stays an empty level).
    if (!sent.empty() && sent.back() == hierarchy_separator) {
        sent.remove_suffix(1);
    }
    Result<std::string> name = name_from_client(sent);
    if (!name) {
        tagged(command.tag, "NO", "[CANNOT] " + name.error().detail);
        co_return;
    }
    if (is_inbox(*name)) {
        // RFC 9051 §6.3.4: "It is an error to attempt to create INBOX".
        tagged(command.tag, "NO", "[ALREADYEXISTS] INBOX always exists");
        co_return;
    }
    std::string special_use;
    if (args.special_use.size() > 1) {
        // RFC 6154 §3: the store keeps one use per mailbox; refuse rather than drop one.
        tagged(command.tag, "NO", "[USEATTR] Only one special use per mailbox");
        co_return;
    }
    if (!args.special_use.empty()) {
        std::optional<std::string> use = known_special_use(args.special_use.front());
        if (!use) {
            tagged(command.tag, "NO", "[USEATTR] Unknown special use " + args.special_use.front());
            co_return;
        }
        special_use = std::move(*use);
    }
    Result<store::Mailbox> created = co_await store::async_create_mailbox(
        handler_.store(), account_->id, *name, std::move(special_use), boost::asio::use_awaitable);
    if (!created) {
        const Errc code = created.error().code;
        if (code == Errc::Exists) {
            tagged(command.tag, "NO", "[ALREADYEXISTS] Mailbox already exists");
        } else if (code == Errc::Invalid) {
            tagged(command.tag, "NO", "[CANNOT] " + created.error().detail);
        } else {
            log::warn("imap.create.failed",
                      {{"cid", context_.cid}, {"error", created.error().to_string()}});
            tagged(command.tag, "NO", unavailable_text);
        }
        co_return;
    }
    tagged(command.tag, "OK", "CREATE completed");
}

Awaitable<void> Session::on_delete(const Command& command)
{
    const auto& args = std::get<MailboxArgs>(command.args);
    Result<std::string> name = name_from_client(args.mailbox);
    if (!name) {
        tagged(command.tag, "NO", "[NONEXISTENT] " + name.error().detail);
        co_return;
    }
    if (is_inbox(*name)) {
        // RFC 9051 §6.3.5: "It is an error to attempt to delete INBOX".
        tagged(command.tag, "NO", "[CANNOT] INBOX cannot be deleted");
        co_return;
    }
    store::Store& store = handler_.store();
    std::function<Result<store::Mailbox>()> work = [&store, account = account_->id,
                                                    mailbox = *name]() -> Result<store::Mailbox> {
        return store.find_mailbox(account, mailbox);
    };
    Result<store::Mailbox> found =
        co_await store::off_io_thread(handler_.blocking().messages, std::move(work));
    if (!found && found.error().code == Errc::NotFound) {
        // No mailbox: perhaps a \Noselect name (RFC 9051 §6.3.5), which goes unless names are
        // below it ("It is an error to attempt to delete a name that has inferior hierarchical
        // names and also has the \Noselect attribute").
        Result<void> gone = co_await store::async_delete_noselect_name(store, account_->id, *name,
                                                                       boost::asio::use_awaitable);
        if (gone) {
            tagged(command.tag, "OK", "DELETE completed");
        } else if (gone.error().code == Errc::Permission) {
            tagged(command.tag, "NO", "[CANNOT] Name has inferior hierarchical names");
        } else if (gone.error().code == Errc::NotFound) {
            tagged(command.tag, "NO", "[NONEXISTENT] No such mailbox");
        } else {
            log::warn("imap.delete.failed",
                      {{"cid", context_.cid}, {"error", gone.error().to_string()}});
            tagged(command.tag, "NO", unavailable_text);
        }
        co_return;
    }
    if (!found) {
        log::warn("imap.delete.failed",
                  {{"cid", context_.cid}, {"error", found.error().to_string()}});
        tagged(command.tag, "NO", unavailable_text);
        co_return;
    }
    const store::MailboxId id = found->id;
    Result<void> deleted =
        co_await store::async_delete_mailbox(store, id, boost::asio::use_awaitable);
    if (!deleted) {
        if (deleted.error().code == Errc::NotFound) {
            tagged(command.tag, "NO", "[NONEXISTENT] No such mailbox");
        } else {
            log::warn("imap.delete.failed",
                      {{"cid", context_.cid}, {"error", deleted.error().to_string()}});
            tagged(command.tag, "NO", unavailable_text);
        }
        co_return;
    }
    if (selected_ && selected_->mailbox.id == id) {
        // See the top of the file: the next command finds the mailbox gone and says BYE. Set
        // here too, so that it does not depend on the change feed's timing.
        signal_->must_look = true;
    }
    tagged(command.tag, "OK", "DELETE completed");
}

Awaitable<void> Session::on_rename(const Command& command)
{
    const auto& args = std::get<RenameArgs>(command.args);
    Result<std::string> from = name_from_client(args.from);
    if (!from) {
        tagged(command.tag, "NO", "[NONEXISTENT] " + from.error().detail);
        co_return;
    }
    Result<std::string> to = name_from_client(args.to);
    if (!to) {
        tagged(command.tag, "NO", "[CANNOT] " + to.error().detail);
        co_return;
    }
    if (is_inbox(*to)) {
        // RFC 9051 §6.3.6: renaming onto an existing name is an error, and INBOX always exists.
        tagged(command.tag, "NO", "[ALREADYEXISTS] INBOX always exists");
        co_return;
    }
    Result<store::Mailbox> renamed = co_await store::async_rename_mailbox(
        handler_.store(), account_->id, *from, *to, boost::asio::use_awaitable);
    if (!renamed) {
        const Errc code = renamed.error().code;
        if (code == Errc::NotFound) {
            tagged(command.tag, "NO", "[NONEXISTENT] No such mailbox");
        } else if (code == Errc::Exists) {
            tagged(command.tag, "NO", "[ALREADYEXISTS] Mailbox already exists");
        } else if (code == Errc::Invalid) {
            tagged(command.tag, "NO", "[CANNOT] " + renamed.error().detail);
        } else {
            log::warn("imap.rename.failed",
                      {{"cid", context_.cid}, {"error", renamed.error().to_string()}});
            tagged(command.tag, "NO", unavailable_text);
        }
        co_return;
    }
    // The selected mailbox moved (a new UIDVALIDITY) or, for INBOX, lost its messages: the
    // next command tells the client (see the top of the file; expunges for INBOX).
    if (selected_ && (is_inbox(*from) ? is_inbox(selected_->mailbox.name)
                                      : is_same_or_inferior(selected_->mailbox.name, *from))) {
        signal_->must_look = true;
    }
    tagged(command.tag, "OK", "RENAME completed");
}

Awaitable<void> Session::on_subscribe(const Command& command)
{
    const auto& args = std::get<MailboxArgs>(command.args);
    const bool subscribe = command.name == CommandName::Subscribe;
    const std::string verb = subscribe ? "SUBSCRIBE" : "UNSUBSCRIBE";
    Result<std::string> name = name_from_client(args.mailbox);
    if (!name) {
        tagged(command.tag, "NO", "[CANNOT] " + name.error().detail);
        co_return;
    }
    // RFC 9051 §6.3.7: a name may be subscribed whether or not it exists (it may come back,
    // or be created later), so nothing is looked up first.
    store::Store& store = handler_.store();
    Result<void> done;
    if (subscribe) {
        done =
            co_await store::async_subscribe(store, account_->id, *name, boost::asio::use_awaitable);
    } else {
        done = co_await store::async_unsubscribe(store, account_->id, *name,
                                                 boost::asio::use_awaitable);
        if (!done && done.error().code == Errc::NotFound) {
            // Not subscribed: nothing changes and the answer is OK, as Dovecot answers; what
            // the client asked for (the name not subscribed) holds.
            done = Result<void>{};
        }
    }
    if (!done) {
        if (done.error().code == Errc::Invalid) {
            tagged(command.tag, "NO", "[CANNOT] " + done.error().detail);
        } else {
            log::warn("imap.subscribe.failed",
                      {{"cid", context_.cid}, {"error", done.error().to_string()}});
            tagged(command.tag, "NO", unavailable_text);
        }
        co_return;
    }
    tagged(command.tag, "OK", verb + " completed");
}

}  // namespace harbor::imap::server
