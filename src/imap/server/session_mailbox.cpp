// Authenticated-state commands: ENABLE (RFC 9051 §6.3.1, RFC 5161), ID (RFC 2971), NAMESPACE
// (RFC 9051 §6.3.10, RFC 2342), SELECT and EXAMINE (§6.3.2, §6.3.3; CONDSTORE and QRESYNC,
// RFC 7162 §3.1.8, §3.2.5), STATUS (§6.3.11).
// SECURITY: mailbox names are untrusted: decoded strictly (decode_mutf7) and normalised
// (normalize_mailbox_name) before they reach the store.
#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <set>

#include "core/log.hpp"
#include "imap/fetch/imap_string.hpp"
#include "imap/protocol/mailbox_name.hpp"
#include "imap/server/session_state.hpp"
#include "store/awaitable.hpp"

namespace harbor::imap::server {
namespace {

using net::Awaitable;

// What SELECT needs of a mailbox before its responses.
struct OpenedMailbox {
    MailboxState state;
    std::shared_ptr<const MailboxSnapshot> snapshot;
    std::uint64_t generation = 0;  // the account's (MailboxStates) before the state was read
};

// An unchanged mailbox whose list another session (or this one) holds: no store read at all,
// so no trip to the store's threads (mailbox_states.hpp). Called on the io thread.
std::optional<OpenedMailbox> held_mailbox(MailboxViews& views, MailboxStates& states,
                                          store::AccountId account, const std::string& name)
{
    const std::uint64_t generation = states.generation(account);
    std::optional<MailboxState> kept = states.find(account, name);
    if (!kept) {
        return std::nullopt;
    }
    auto snapshot =
        views.find(kept->mailbox.id, kept->status.uidvalidity, kept->status.highest_modseq);
    if (!snapshot) {
        return std::nullopt;
    }
    return OpenedMailbox{std::move(*kept), std::move(snapshot), generation};
}

// The mailbox from the store, its state then kept and its list published for the next SELECT.
// The status before the messages: every change up to its highest_modseq is in the list, so the
// view may start from it (see refresh_selected). A list loaded at the same status by any
// session is the same list (mailbox_views.hpp). Blocking: off the io thread.
Result<OpenedMailbox> read_mailbox(store::Store& store, MailboxViews& views, MailboxStates& states,
                                   store::AccountId account, const std::string& name)
{
    OpenedMailbox opened;
    opened.generation = states.generation(account);
    Result<store::Mailbox> box = store.find_mailbox(account, name);
    HARBOR_TRY(box);
    opened.state.mailbox = *box;
    // For the attributes of the LIST response (RFC 9051 §6.3.2: "MUST be accurate").
    Result<std::vector<store::Mailbox>> all = store.list_mailboxes(account);
    HARBOR_TRY(all);
    const std::string prefix = box->name + "/";
    opened.state.has_children =
        std::any_of(all->begin(), all->end(),
                    [&](const store::Mailbox& other) { return other.name.starts_with(prefix); });
    Result<store::MailboxStatus> status = store.mailbox_status(box->id);
    HARBOR_TRY(status);
    opened.state.status = *status;
    states.keep(account, opened.generation, opened.state);
    opened.snapshot = views.find(box->id, status->uidvalidity, status->highest_modseq);
    if (opened.snapshot) {
        return opened;
    }
    Result<std::vector<store::MessageRecord>> messages = store.list_messages(box->id);
    HARBOR_TRY(messages);
    auto loaded = std::make_shared<MailboxSnapshot>();
    loaded->uidvalidity = status->uidvalidity;
    loaded->highest_modseq = status->highest_modseq;
    std::sort(messages->begin(), messages->end(),
              [](const auto& a, const auto& b) { return a.uid < b.uid; });
    loaded->messages = store::MessageList(std::move(*messages));
    for (const store::MessageRecord& message : loaded->messages) {
        for (const std::string& flag : message.flags) {
            if (!flag.starts_with("\\")) {
                loaded->keywords.insert(flag);
            }
        }
    }
    opened.snapshot = loaded;
    views.publish(box->id, std::move(loaded));
    return opened;
}

}  // namespace

// RFC 9051 §7.3.3 status-att-val, in the order asked.
std::string format_status_items(const std::vector<StatusItem>& items,
                                const store::MailboxStatus& status, std::uint64_t append_limit)
{
    std::string text;
    for (const StatusItem item : items) {
        if (!text.empty()) {
            text += ' ';
        }
        if (item == StatusItem::Messages) {
            text += "MESSAGES " + std::to_string(status.messages);
        } else if (item == StatusItem::UidNext) {
            text += "UIDNEXT " + std::to_string(status.uidnext);
        } else if (item == StatusItem::UidValidity) {
            text += "UIDVALIDITY " + std::to_string(status.uidvalidity);
        } else if (item == StatusItem::Unseen) {
            text += "UNSEEN " + std::to_string(status.unseen);
        } else if (item == StatusItem::Deleted) {
            text += "DELETED " + std::to_string(status.deleted);
        } else if (item == StatusItem::Recent) {
            text += "RECENT 0";
        } else if (item == StatusItem::Size) {
            text += "SIZE " + std::to_string(status.size);
        } else if (item == StatusItem::AppendLimit) {
            text += "APPENDLIMIT " + std::to_string(append_limit);
        } else {
            text += "HIGHESTMODSEQ " + std::to_string(status.highest_modseq);  // RFC 7162
        }
    }
    return text;
}

Result<std::string> Session::name_from_client(std::string_view sent) const
{
    if (utf8_names()) {
        return normalize_mailbox_name(sent);
    }
    Result<std::string> decoded = decode_mutf7(sent);
    if (!decoded) {
        return unexpected(Errc::Invalid, "mailbox name is not modified UTF-7");
    }
    return normalize_mailbox_name(*decoded);
}

std::string Session::name_for_client(std::string_view name) const
{
    if (utf8_names()) {
        return std::string(name);
    }
    Result<std::string> encoded = encode_mutf7(name);
    return encoded ? *encoded : std::string(name);
}

void Session::on_enable(const Command& command)
{
    const auto& args = std::get<EnableArgs>(command.args);
    std::string enabled;
    for (const std::string& name : args.capabilities) {
        // RFC 5161 §3.1: only what we support is listed; the rest is ignored.
        if (name == "UTF8=ACCEPT" && !utf8_accept_) {
            utf8_accept_ = true;
            enabled += " UTF8=ACCEPT";
        } else if (name == "IMAP4REV2" && !imap4rev2_) {
            imap4rev2_ = true;
            enabled += " IMAP4rev2";
        } else if (name == "CONDSTORE" && !condstore_) {
            condstore_ = true;  // RFC 7162 §3.1: ENABLE CONDSTORE is an enabling command
            enabled += " CONDSTORE";
        } else if (name == "QRESYNC" && !qresync_) {
            // RFC 7162 §3.2.3: QRESYNC implies CONDSTORE; enabling it while a mailbox is
            // selected would change the EXPUNGE/VANISHED contract mid-view, which §3.2.3
            // forbids the client from asking.
            qresync_ = true;
            enabled += " QRESYNC";
        }
    }
    untagged("ENABLED" + enabled);
    tagged(command.tag, "OK", "ENABLE completed");
}

void Session::on_id(const Command& command)
{
    // RFC 2971 §3.2: the server's own fields; nothing of the client's is kept but the log.
    const auto& args = std::get<IdArgs>(command.args);
    if (args.fields) {
        for (const auto& [key, value] : *args.fields) {
            if (key == "name" || key == "version") {
                log::debug("imap.id", {{"cid", context_.cid}, {key, value.value_or("NIL")}});
            }
        }
    }
    untagged("ID (\"name\" \"Harbor\")");
    tagged(command.tag, "OK", "ID completed");
}

void Session::on_namespace(const Command& command)
{
    // RFC 2342 §5 / RFC 9051 §6.3.10: one personal namespace "" with separator "/".
    untagged("NAMESPACE ((\"\" \"/\")) NIL NIL");
    tagged(command.tag, "OK", "NAMESPACE completed");
}

Awaitable<void> Session::on_select(const Command& command)
{
    const auto& args = std::get<SelectArgs>(command.args);
    const bool examine = command.name == CommandName::Examine;
    // RFC 9051 §6.3.2: a SELECT deselects first, even when it then fails. Under QRESYNC the
    // client learns so from [CLOSED] (RFC 7162 §3.2.11).
    const bool was_selected = selected_.has_value();
    leave_selected();
    if (was_selected && (qresync_ || imap4rev2_)) {
        // RFC 9051 §6.3.2, §7.1; RFC 7162 §3.2.11 for IMAP4rev1 clients with QRESYNC.
        untagged("OK [CLOSED] Previous mailbox closed");
    }
    if (args.qresync && !qresync_) {
        // RFC 7162 §3.2.5: QRESYNC parameters before ENABLE QRESYNC are a BAD.
        refuse(command.tag, "QRESYNC is not enabled");
        co_return;
    }
    if (args.condstore) {
        condstore_ = true;  // RFC 7162 §3.1.8: SELECT (CONDSTORE) enables it
    }
    Result<std::string> name = name_from_client(args.mailbox);
    if (!name) {
        tagged(command.tag, "NO", "[NONEXISTENT] " + name.error().detail);
        co_return;
    }
    store::Store& store = handler_.store();
    MailboxViews& views = handler_.views();
    MailboxStates& states = handler_.mailbox_states();
    const store::AccountId account = account_->id;
    Result<OpenedMailbox> found = OpenedMailbox{};
    if (std::optional<OpenedMailbox> held = held_mailbox(views, states, account, *name)) {
        found = std::move(*held);
    } else {
        std::function<Result<OpenedMailbox>()> work = [&store, &views, &states, account,
                                                       mailbox = *name] {
            return read_mailbox(store, views, states, account, mailbox);
        };
        found = co_await store::off_io_thread(handler_.blocking().messages, std::move(work));
    }
    if (!found) {
        if (found.error().code == Errc::NotFound) {
            tagged(command.tag, "NO", "[NONEXISTENT] No such mailbox");
        } else {
            log::warn("imap.select.failed",
                      {{"cid", context_.cid}, {"error", found.error().to_string()}});
            tagged(command.tag, "NO", unavailable_text);
        }
        co_return;
    }
    SelectedMailbox opened;
    opened.read_only = examine;
    opened.mailbox = found->state.mailbox;
    opened.mailbox.uidnext = found->state.status.uidnext;
    opened.mailbox.uidvalidity = found->state.status.uidvalidity;
    opened.known_modseq = found->state.status.highest_modseq;
    opened.keywords = found->snapshot->keywords;
    opened.messages = SelectedMessages(std::move(found->snapshot));
    untagged(std::to_string(opened.messages.size()) + " EXISTS");
    if (!imap4rev2_) {
        untagged("0 RECENT");  // RFC 3501 §6.3.1 requires it of IMAP4rev1 servers
    }
    untagged("OK [UIDVALIDITY " + std::to_string(opened.mailbox.uidvalidity) + "] UIDs valid");
    untagged("OK [UIDNEXT " + std::to_string(opened.mailbox.uidnext) + "] Predicted next UID");
    untagged(flags_line(opened.keywords));
    // RFC 9051 §7.1: \* — any keyword may be created and is kept (issue 5: keywords per
    // mailbox). EXAMINE changes nothing, so nothing is permanent there.
    untagged(examine
                 ? std::string("OK [PERMANENTFLAGS ()] Read-only mailbox")
                 : "OK [PERMANENTFLAGS (" + std::string(system_flags) + " \\*)] Flags permitted");
    // RFC 7162 §3.1.2.1: with every successful SELECT, since modseqs are kept for good.
    untagged("OK [HIGHESTMODSEQ " + std::to_string(opened.known_modseq) + "] Highest");
    std::string list = found->state.has_children ? "LIST (\\HasChildren" : "LIST (\\HasNoChildren";
    if (!opened.mailbox.special_use.empty()) {
        list += " " + opened.mailbox.special_use;
    }
    list += ") \"/\" ";
    append_string(list, name_for_client(opened.mailbox.name));
    untagged(list);  // RFC 9051 §6.3.2: the mailbox's name as the server spells it
    if (args.qresync && args.qresync->uid_validity == opened.mailbox.uidvalidity) {
        // RFC 7162 §3.2.5.1: what changed since the client's modseq, as VANISHED (EARLIER)
        // and FETCH, limited to the UIDs it says it knows.
        const QresyncParams& params = *args.qresync;
        std::function<Result<std::vector<std::uint32_t>>()> vanished_work =
            [&store, id = opened.mailbox.id, since = params.mod_seq] {
                return store.list_expunged_since(id, since);
            };
        Result<std::vector<std::uint32_t>> vanished =
            co_await store::off_io_thread(handler_.blocking().messages, std::move(vanished_work));
        if (!vanished) {
            tagged(command.tag, "NO", unavailable_text);
            co_return;
        }
        std::vector<ResolvedRange> known;
        if (params.known_uids) {
            Result<std::vector<ResolvedRange>> resolved =
                resolve(*params.known_uids, 0xffffffffu, SequenceKind::Uids);
            if (resolved) {
                known = std::move(*resolved);
            }
        }
        std::vector<std::uint32_t> reported;
        for (const std::uint32_t uid : *vanished) {
            if (!params.known_uids || contains(known, uid)) {
                reported.push_back(uid);
            }
        }
        const std::string ranges = format_number_runs(reported);
        if (!ranges.empty()) {
            untagged("VANISHED (EARLIER) " + ranges);
        }
        for (std::size_t i = 0; i < opened.messages.size(); ++i) {
            const store::MessageRecord& message = opened.messages[i];
            if (message.modseq > params.mod_seq &&
                (!params.known_uids || contains(known, message.uid))) {
                untagged(flags_response(i, message, true));
            }
        }
    }
    enter_selected(std::move(opened));
    // A change committed after the state was read but before the watch above began would go
    // unannounced until the next one; the account's generation tells, and the next command
    // then catches up (refresh_selected).
    if (states.generation(account) != found->generation) {
        signal_->must_look = true;
    }
    tagged(command.tag, "OK",
           std::string(examine ? "[READ-ONLY]" : "[READ-WRITE]") + " " +
               (examine ? "EXAMINE" : "SELECT") + " completed");
}

Awaitable<void> Session::on_status(const Command& command)
{
    const auto& args = std::get<StatusArgs>(command.args);
    Result<std::string> name = name_from_client(args.mailbox);
    if (!name) {
        tagged(command.tag, "NO", "[NONEXISTENT] " + name.error().detail);
        co_return;
    }
    // The store keeps the counts (migration 6): STATUS reads one row, whatever the size.
    store::Store& store = handler_.store();
    std::function<Result<store::MailboxStatus>()> work =
        [&store, id = account_->id, mailbox = *name]() -> Result<store::MailboxStatus> {
        Result<store::Mailbox> box = store.find_mailbox(id, mailbox);
        HARBOR_TRY(box);
        return store.mailbox_status(box->id);
    };
    Result<store::MailboxStatus> status =
        co_await store::off_io_thread(handler_.blocking().messages, std::move(work));
    if (!status) {
        const bool missing = status.error().code == Errc::NotFound;
        tagged(command.tag, "NO", missing ? "[NONEXISTENT] No such mailbox" : unavailable_text);
        co_return;
    }
    const std::string items = format_status_items(args.items, *status, settings_.max_append);
    std::string line = "STATUS ";
    append_string(line, name_for_client(*name));
    untagged(line + " (" + items + ")");
    tagged(command.tag, "OK", "STATUS completed");
}

}  // namespace harbor::imap::server
