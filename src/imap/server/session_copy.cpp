// COPY, MOVE, UID COPY and UID MOVE (RFC 9051 §6.4.7, §6.4.8, RFC 6851), with COPYUID
// (RFC 4315 §3) and [OVERQUOTA] (RFC 9208 §4.3). The store copies or moves in one
// transaction: the whole set goes or nothing does.
// SECURITY: the destination name is decoded and normalised like every mailbox name; message
// sets are resolved against the view and sent to the store as UID ranges.
#include "core/log.hpp"
#include "imap/server/session_state.hpp"
#include "store/awaitable.hpp"

namespace harbor::imap::server {
namespace {

using net::Awaitable;

// "4:6,9" from UIDs in the order given (COPYUID keeps source and copy sets in step, so the
// ranges are only merged where both sides run on: RFC 4315 §3).
std::string format_uid_list(const std::vector<store::UidPair>& pairs, bool copies)
{
    std::string out;
    for (std::size_t i = 0; i < pairs.size();) {
        std::size_t j = i;
        while (j + 1 < pairs.size() && pairs[j + 1].source == pairs[j].source + 1 &&
               pairs[j + 1].copy == pairs[j].copy + 1) {
            ++j;
        }
        const std::uint32_t first = copies ? pairs[i].copy : pairs[i].source;
        const std::uint32_t last = copies ? pairs[j].copy : pairs[j].source;
        out += (out.empty() ? "" : ",") + std::to_string(first);
        if (last != first) {
            out += ":" + std::to_string(last);
        }
        i = j + 1;
    }
    return out;
}

}  // namespace

Awaitable<void> Session::on_copy(const Command& command)
{
    const auto& args = std::get<CopyArgs>(command.args);
    const bool move = command.name == CommandName::Move;
    const std::string verb = std::string(command.uid ? "UID " : "") + (move ? "MOVE" : "COPY");
    if (move && selected_->read_only) {
        // RFC 6851 §3.3: MOVE expunges, which EXAMINE does not allow.
        tagged(command.tag, "NO", "[READ-ONLY] The mailbox is open read-only (EXAMINE)");
        co_return;
    }
    Result<std::vector<std::size_t>> indexes = selected_indexes(args.set, command.uid);
    if (!indexes) {
        refuse(command.tag, indexes.error().detail);
        co_return;
    }
    Result<std::string> name = name_from_client(args.mailbox);
    if (!name) {
        tagged(command.tag, "NO", "[TRYCREATE] " + name.error().detail);
        co_return;
    }
    store::Store& store = handler_.store();
    std::function<Result<store::Mailbox>()> find = [&store, account = account_->id,
                                                    mailbox = *name] {
        return store.find_mailbox(account, mailbox);
    };
    Result<store::Mailbox> destination =
        co_await store::off_io_thread(handler_.blocking().messages, std::move(find));
    if (!destination) {
        const bool missing = destination.error().code == Errc::NotFound;
        // RFC 9051 §6.4.7: [TRYCREATE] when the destination does not exist.
        tagged(command.tag, "NO", missing ? "[TRYCREATE] No such mailbox" : unavailable_text);
        co_return;
    }
    if (indexes->empty()) {
        tagged(command.tag, "OK", verb + " completed (no messages)");
        co_return;
    }
    store::UidSet uids = uid_set_of(*indexes);
    const store::MailboxId source = selected_->mailbox.id;
    // Two statements, not a conditional expression: GCC 12 and co_await.
    Result<store::CopyResult> result = unexpected(Errc::Internal, "not run");
    if (move) {
        result = co_await store::async_move(store, source, std::move(uids), destination->id,
                                            boost::asio::use_awaitable);
    } else {
        result = co_await store::async_copy(store, source, std::move(uids), destination->id,
                                            boost::asio::use_awaitable);
    }
    if (!result) {
        const Errc code = result.error().code;
        if (code == Errc::Quota) {
            tagged(command.tag, "NO", "[OVERQUOTA] Quota exceeded");
        } else if (code == Errc::Limit) {
            tagged(command.tag, "NO", "[LIMIT] The destination mailbox is full");
        } else if (code == Errc::NotFound) {
            tagged(command.tag, "NO", "[TRYCREATE] No such mailbox");
        } else {
            log::warn("imap.copy.failed",
                      {{"cid", context_.cid}, {"error", result.error().to_string()}});
            tagged(command.tag, "NO", unavailable_text);
        }
        co_return;
    }
    std::string copyuid;
    if (!result->uids.empty()) {
        copyuid = "[COPYUID " + std::to_string(result->uidvalidity) + " " +
                  format_uid_list(result->uids, false) + " " + format_uid_list(result->uids, true) +
                  "] ";
    }
    if (move) {
        // RFC 6851 §4.3: COPYUID in an untagged OK before the expunges, so that a client that
        // loses the connection halfway still learns the new UIDs.
        if (!copyuid.empty()) {
            untagged("OK " + copyuid + "Moved");
        }
        std::vector<std::uint32_t>& pending = selected_->pending_expunges;
        for (const store::UidPair& pair : result->uids) {
            pending.push_back(pair.source);
        }
        std::sort(pending.begin(), pending.end());
        pending.erase(std::unique(pending.begin(), pending.end()), pending.end());
        announce_expunges();
        if (destination->id != source) {
            // One modseq per message the source lost (sqlite_messages.cpp expunge_in).
            note_own_changes(result->source_highest_modseq, result->uids.size());
        }
    }
    if (destination->id == source) {
        const bool more = co_await refresh_selected(true, true);  // EXISTS for the copies
        if (!more) {
            co_return;
        }
    }
    tagged(command.tag, "OK", (move ? std::string() : copyuid) + verb + " completed");
}

}  // namespace harbor::imap::server
