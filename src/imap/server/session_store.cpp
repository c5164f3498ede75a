// STORE and UID STORE (RFC 9051 §6.4.6, §6.4.9; UNCHANGEDSINCE and MODSEQ, RFC 7162 §3.1.3),
// EXPUNGE and UID EXPUNGE (RFC 9051 §6.4.3, RFC 4315 §2.1; VANISHED under QRESYNC, RFC 7162
// §3.2.10), CLOSE and UNSELECT (RFC 9051 §6.4.1, §6.4.2).
// SECURITY: message sets are resolved against the view (session_selected.cpp) and handed to
// the store as UID ranges; flags are validated by the store (atoms, known system flags).
#include "core/log.hpp"
#include "imap/server/session_state.hpp"
#include "store/awaitable.hpp"
#include "store/flag_change.hpp"

namespace harbor::imap::server {
namespace {

using net::Awaitable;

store::FlagMode flag_mode(StoreMode mode)
{
    if (mode == StoreMode::Add) {
        return store::FlagMode::Add;
    }
    if (mode == StoreMode::Remove) {
        return store::FlagMode::Remove;
    }
    return store::FlagMode::Replace;
}

}  // namespace

Awaitable<void> Session::on_store(const Command& command)
{
    const auto& args = std::get<StoreArgs>(command.args);
    const std::string verb = std::string(command.uid ? "UID " : "") + "STORE";
    if (selected_->read_only) {
        tagged(command.tag, "NO", "[READ-ONLY] The mailbox is open read-only (EXAMINE)");
        co_return;
    }
    Result<std::vector<std::size_t>> indexes = selected_indexes(args.set, command.uid);
    if (!indexes) {
        refuse(command.tag, indexes.error().detail);
        co_return;
    }
    if (args.unchanged_since) {
        condstore_ = true;  // RFC 7162 §3.1: UNCHANGEDSINCE is a CONDSTORE enabling command
    }
    if (indexes->empty()) {
        tagged(command.tag, "OK", verb + " completed");
        co_return;
    }
    store::StoreFlagsRequest request;
    request.mailbox = selected_->mailbox.id;
    request.uids = uid_set_of(*indexes);
    const store::FlagMode request_mode = flag_mode(args.mode);
    request.mode = request_mode;
    request.flags = args.flags;
    request.unchanged_since = args.unchanged_since;
    Result<store::StoreFlagsResult> result = co_await store::async_store_flags(
        handler_.store(), std::move(request), boost::asio::use_awaitable);
    if (!result) {
        if (result.error().code == Errc::Invalid) {
            refuse(command.tag, "Invalid flag: " + result.error().detail);
        } else {
            log::warn("imap.store.failed",
                      {{"cid", context_.cid}, {"error", result.error().to_string()}});
            tagged(command.tag, "NO", unavailable_text);
        }
        co_return;
    }
    // The view takes the new flags; each message's response is built from it. A message
    // expunged by another session meanwhile is simply not in `updated`.
    store::MessageList& messages = selected_->messages.edit();
    for (const store::FlagUpdate& update : result->updated) {
        note_keywords(update.flags);  // a new keyword: FLAGS before the FETCH responses
    }
    auto next = indexes->begin();
    std::size_t shown_changes = 0;
    for (const store::FlagUpdate& update : result->updated) {
        while (next != indexes->end() && messages[*next].uid < update.uid) {
            ++next;
        }
        if (next == indexes->end() || messages[*next].uid != update.uid) {
            continue;
        }
        shown_changes += update.changed ? 1 : 0;
        // RFC 9051 §6.4.6: a change from elsewhere is told even under .SILENT. The view is
        // current up to the refresh before this command; a commit between that and this
        // STORE's own shows in flags other than the view's copy with this STORE applied.
        // (Without .SILENT every message's flags are sent anyway.)
        const std::vector<std::string>& shown = messages[*next].flags;
        const bool from_elsewhere =
            args.silent &&
            !store::same_flags(store::apply_flags(shown, request_mode, args.flags).value_or(shown),
                               update.flags);
        store::MessageRecord& message = messages.modify(*next);
        message.flags = update.flags;
        message.modseq = update.modseq;
        if (!args.silent || from_elsewhere) {
            untagged(flags_response(*next, message, command.uid || condstore()));
        } else if (condstore() && update.changed) {
            // RFC 7162 §3.1.3: .SILENT still reports the new MODSEQ of what changed, and
            // §3.1: with UID, as every untagged FETCH once CONDSTORE is on.
            untagged(std::to_string(*next + 1) + " FETCH (UID " + std::to_string(message.uid) +
                     " MODSEQ (" + std::to_string(message.modseq) + "))");
        }
    }
    // Its own news need not be read back by the next command (one modseq per changed message).
    note_own_changes(result->highest_modseq, shown_changes);
    if (!result->modified.empty()) {
        // RFC 7162 §3.1.3: the messages that failed UNCHANGEDSINCE, as the command named them.
        std::vector<std::uint32_t> numbers;
        for (const std::uint32_t uid : result->modified) {
            if (command.uid) {
                numbers.push_back(uid);
                continue;
            }
            const auto it = std::lower_bound(
                messages.begin(), messages.end(), uid,
                [](const store::MessageRecord& m, std::uint32_t value) { return m.uid < value; });
            if (it != messages.end() && it->uid == uid) {
                numbers.push_back(static_cast<std::uint32_t>(it - messages.begin() + 1));
            }
        }
        tagged(command.tag, "OK",
               "[MODIFIED " + format_number_runs(numbers) + "] Conditional " + verb + " failed");
        co_return;
    }
    tagged(command.tag, "OK", verb + " completed");
}

Awaitable<void> Session::on_expunge(const Command& command)
{
    const auto& args = std::get<ExpungeArgs>(command.args);
    const std::string verb = std::string(command.uid ? "UID " : "") + "EXPUNGE";
    if (selected_->read_only) {
        tagged(command.tag, "NO", "[READ-ONLY] The mailbox is open read-only (EXAMINE)");
        co_return;
    }
    store::UidSet uids = store::all_uids();
    if (args.uids) {
        // RFC 4315 §2.1: only the named messages that have \Deleted.
        Result<std::vector<std::size_t>> indexes = selected_indexes(*args.uids, true);
        if (!indexes) {
            refuse(command.tag, indexes.error().detail);
            co_return;
        }
        if (indexes->empty()) {
            tagged(command.tag, "OK", verb + " completed");
            co_return;
        }
        uids = uid_set_of(*indexes);
    }
    Result<store::ExpungeResult> result =
        co_await store::async_expunge(handler_.store(), selected_->mailbox.id, std::move(uids),
                                      store::ExpungeScope::DeletedOnly, boost::asio::use_awaitable);
    if (!result) {
        log::warn("imap.expunge.failed",
                  {{"cid", context_.cid}, {"error", result.error().to_string()}});
        tagged(command.tag, "NO", unavailable_text);
        co_return;
    }
    std::vector<std::uint32_t>& pending = selected_->pending_expunges;
    pending.insert(pending.end(), result->uids.begin(), result->uids.end());
    std::sort(pending.begin(), pending.end());
    pending.erase(std::unique(pending.begin(), pending.end()), pending.end());
    announce_expunges();  // RFC 9051 §6.4.3: an EXPUNGE response for each
    note_own_changes(result->highest_modseq, result->uids.size());  // one modseq each
    tagged(command.tag, "OK", verb + " completed");
}

Awaitable<void> Session::on_close(const Command& command)
{
    if (command.name == CommandName::Close && !selected_->read_only) {
        // RFC 9051 §6.4.1: \Deleted messages go, silently (no EXPUNGE responses).
        Result<store::ExpungeResult> result = co_await store::async_expunge(
            handler_.store(), selected_->mailbox.id, store::all_uids(),
            store::ExpungeScope::DeletedOnly, boost::asio::use_awaitable);
        if (!result) {
            log::warn("imap.close.failed",
                      {{"cid", context_.cid}, {"error", result.error().to_string()}});
        }
    }
    leave_selected();
    tagged(command.tag, "OK", std::string(command_name_text(command.name)) + " completed");
}

}  // namespace harbor::imap::server
