// The selected mailbox's view and how it follows the store: message sets resolved against the
// view (RFC 9051 §2.3.1, §9 sequence-set; "$" RFC 5182 §2), and the untagged updates that tell
// the client what others changed (RFC 9051 §7.3.1 EXISTS, §7.4.1 EXPUNGE, §7.5.2 FETCH;
// RFC 7162 §3.1.4 MODSEQ, §3.2.10 VANISHED).
// The store's change feed marks the view stale; the next command that may carry updates reads
// the changes since known_modseq. An EXPUNGE is held back while the RFC forbids it (FETCH,
// STORE, SEARCH), so sequence numbers never shift under a client that cannot expect it.
// SECURITY: sequence sets are resolved as ranges (binary search per range), never expanded.
#include <algorithm>

#include <boost/asio/post.hpp>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "imap/server/session_state.hpp"
#include "store/awaitable.hpp"

namespace harbor::imap::server {
namespace {

using net::Awaitable;

// What one look at the store found: the mailbox's state, then everything past known_modseq.
struct MailboxChanges {
    store::MailboxStatus status;
    std::vector<store::MessageRecord> changed;
    std::vector<std::uint32_t> expunged;
};

// docs/metrics.md: how often sessions follow others' changes (a thread hop and three reads).
metrics::Counter& view_refreshes()
{
    static metrics::Counter& counted =
        metrics::counter("harbor_imap_view_refreshes_total",
                         "Reads of a selected mailbox's changes from the store by IMAP sessions.");
    return counted;
}

}  // namespace

std::string format_flags(const std::vector<std::string>& flags)
{
    std::string out = "(";
    for (std::size_t i = 0; i < flags.size(); ++i) {
        if (i > 0) {
            out += ' ';
        }
        out += flags[i];
    }
    out += ')';
    return out;
}

std::string flags_line(const std::set<std::string>& keywords)
{
    std::string line = "FLAGS (" + std::string(system_flags);
    for (const std::string& keyword : keywords) {
        line += " " + keyword;
    }
    return line + ")";
}

void Session::note_keywords(const std::vector<std::string>& flags)
{
    bool added = false;
    for (const std::string& flag : flags) {
        if (!flag.starts_with('\\')) {
            added = selected_->keywords.insert(flag).second || added;
        }
    }
    if (added) {
        untagged(flags_line(selected_->keywords));
    }
}

void Session::enter_selected(SelectedMailbox opened)
{
    signal_->looked();
    // The feed calls on the store's writer thread; the signal is set on this session's own
    // executor, where the session reads it. The weak pointer ends with the session.
    auto executor = connection_.executor();
    opened.watch = handler_.changes().watch(
        opened.mailbox.id,
        [executor, weak = std::weak_ptr<ChangeSignal>(signal_)](std::uint64_t highest_modseq) {
            boost::asio::post(executor, [weak, highest_modseq] {
                if (auto signal = weak.lock()) {
                    if (highest_modseq == 0) {
                        signal->must_look = true;  // deleted
                    } else {
                        signal->heard_modseq = std::max(signal->heard_modseq, highest_modseq);
                    }
                    if (signal->idling) {
                        signal->connection->wake();
                    }
                }
            });
        });
    selected_ = std::move(opened);
    state_ = SessionState::Selected;
}

void Session::leave_selected()
{
    selected_.reset();  // drops the watch
    signal_->looked();
    if (state_ == SessionState::Selected) {
        state_ = SessionState::Authenticated;
    }
}

Result<std::vector<std::size_t>> Session::selected_indexes(const SequenceSet& set, bool uid) const
{
    const store::MessageList& messages = selected_->messages;
    std::vector<std::size_t> indexes;
    const auto add_uid_range = [&](std::uint32_t low, std::uint32_t high) {
        auto first = std::lower_bound(messages.begin(), messages.end(), low,
                                      [](const store::MessageRecord& message, std::uint32_t value) {
                                          return message.uid < value;
                                      });
        for (auto it = first; it != messages.end() && it->uid <= high; ++it) {
            indexes.push_back(static_cast<std::size_t>(it - messages.begin()));
        }
    };
    std::vector<ResolvedRange> ranges;
    if (!set.ranges.empty()) {
        if (messages.empty()) {
            if (!uid) {
                // RFC 9051 §6.4.5 ff.: no message number is valid in an empty mailbox.
                return unexpected(Errc::Invalid, "No messages in the mailbox");
            }
        } else {
            const std::uint32_t max =
                uid ? messages.back().uid : static_cast<std::uint32_t>(messages.size());
            Result<std::vector<ResolvedRange>> resolved =
                resolve(SequenceSet{set.ranges, false}, max,
                        uid ? SequenceKind::Uids : SequenceKind::MessageNumbers);
            if (!resolved) {
                return unexpected(Errc::Invalid, "Invalid message sequence number");
            }
            ranges = std::move(*resolved);
        }
    }
    for (const ResolvedRange& range : ranges) {
        if (uid) {
            add_uid_range(range.low, range.high);
        } else {
            for (std::uint64_t n = range.low; n <= range.high; ++n) {
                indexes.push_back(static_cast<std::size_t>(n - 1));
            }
        }
    }
    if (set.saved_result) {
        // RFC 5182 §2.1: "$" names the saved messages whichever of UID or sequence form the
        // command uses; those expunged since are simply gone.
        for (const std::uint32_t saved : selected_->saved_result) {
            add_uid_range(saved, saved);
        }
        std::sort(indexes.begin(), indexes.end());
        indexes.erase(std::unique(indexes.begin(), indexes.end()), indexes.end());
    }
    return indexes;
}

store::UidSet Session::uid_set_of(const std::vector<std::size_t>& indexes) const
{
    store::UidSet uids;
    for (const std::size_t index : indexes) {
        const std::uint32_t uid = selected_->messages[index].uid;
        if (!uids.empty() && uids.back().last + 1 == uid) {
            uids.back().last = uid;
        } else {
            uids.push_back(store::UidRange{uid, uid});
        }
    }
    return uids;
}

std::string Session::flags_response(std::size_t index, const store::MessageRecord& message,
                                    bool with_uid) const
{
    std::string line = std::to_string(index + 1) + " FETCH (";
    if (with_uid) {
        line += "UID " + std::to_string(message.uid) + " ";
    }
    line += "FLAGS " + format_flags(message.flags);
    if (condstore()) {
        line += " MODSEQ (" + std::to_string(message.modseq) + ")";  // RFC 7162 §3.1.4
    }
    return line + ")";
}

void Session::announce_expunges()
{
    SelectedMailbox& view = *selected_;
    if (view.pending_expunges.empty()) {
        return;
    }
    store::MessageList& messages = view.messages.edit();
    if (qresync_) {
        // RFC 7162 §3.2.10: one VANISHED for all, in UID terms; no sequence numbers shift
        // until the client applies it.
        untagged("VANISHED " + format_number_runs(view.pending_expunges));
    }
    // Highest sequence number first, so each number sent is still right after the client has
    // applied the ones before it (RFC 9051 §7.4.1).
    const auto gone = [&view](const store::MessageRecord& message) {
        return std::binary_search(view.pending_expunges.begin(), view.pending_expunges.end(),
                                  message.uid);
    };
    if (!qresync_) {
        for (std::size_t i = messages.size(); i > 0; --i) {
            if (gone(messages[i - 1])) {
                untagged(std::to_string(i) + " EXPUNGE");
            }
        }
    }
    // One pass: erasing one at a time moved the rest of a large mailbox's list per message.
    messages.erase_if(gone);
    view.pending_expunges.clear();
}

void Session::note_own_changes(std::uint64_t highest_modseq, std::size_t count)
{
    SelectedMailbox& view = *selected_;
    if (highest_modseq == view.known_modseq + count) {
        view.known_modseq = highest_modseq;
    }
}

Awaitable<bool> Session::refresh_selected(bool expunges_allowed, bool force)
{
    if (!selected_) {
        co_return true;
    }
    SelectedMailbox& view = *selected_;
    if (!signal_->news_past(view.known_modseq) && !force) {
        if (expunges_allowed) {
            announce_expunges();
        }
        co_return true;
    }
    signal_->looked();
    view_refreshes().add();
    store::Store& store = handler_.store();
    // The status first: every change up to its highest_modseq is visible to the two reads
    // that follow (one writer, commits in modseq order), so known_modseq may move to it even
    // though the reads are separate snapshots. Later changes may be seen twice; applying one
    // twice changes nothing.
    std::function<Result<MailboxChanges>()> work =
        [&store, id = view.mailbox.id, since = view.known_modseq]() -> Result<MailboxChanges> {
        MailboxChanges changes;
        Result<store::MailboxStatus> status = store.mailbox_status(id);
        HARBOR_TRY(status);
        changes.status = *status;
        Result<std::vector<store::MessageRecord>> changed = store.list_changed_since(id, since);
        HARBOR_TRY(changed);
        changes.changed = std::move(*changed);
        Result<std::vector<std::uint32_t>> expunged = store.list_expunged_since(id, since);
        HARBOR_TRY(expunged);
        changes.expunged = std::move(*expunged);
        return changes;
    };
    Result<MailboxChanges> changes =
        co_await store::off_io_thread(handler_.blocking().messages, std::move(work));
    if (!changes) {
        if (changes.error().code == Errc::NotFound) {
            co_await close_with_bye("Selected mailbox was deleted");
            co_return false;
        }
        log::warn("imap.refresh.failed",
                  {{"cid", context_.cid}, {"error", changes.error().to_string()}});
        signal_->must_look = true;  // try again with the next command
        co_return true;
    }
    if (changes->status.uidvalidity != view.mailbox.uidvalidity) {
        // Renamed away (a new UIDVALIDITY, store.hpp rename_mailbox): the view's UIDs mean
        // nothing any more and RFC 9051 §2.3.1.1 has no way to say so mid-session.
        co_await close_with_bye("Selected mailbox was renamed");
        co_return false;
    }
    if (changes->changed.empty() && changes->expunged.empty()) {
        // Nothing for the list (a change already seen): keep sharing it.
        view.known_modseq = std::max(view.known_modseq, changes->status.highest_modseq);
        view.mailbox.uidnext = std::max(view.mailbox.uidnext, changes->status.uidnext);
        if (expunges_allowed) {
            announce_expunges();
        }
        co_return true;
    }
    store::MessageList& messages = view.messages.edit();
    // The index of the message with `uid`, or the list's size.
    const auto find = [&](std::uint32_t uid) {
        auto it = std::lower_bound(messages.begin(), messages.end(), uid,
                                   [](const store::MessageRecord& message, std::uint32_t value) {
                                       return message.uid < value;
                                   });
        return static_cast<std::size_t>(
            (it != messages.end() && it->uid == uid ? it : messages.end()) - messages.begin());
    };
    for (const std::uint32_t uid : changes->expunged) {
        if (find(uid) != messages.size()) {
            view.pending_expunges.push_back(uid);
        }
    }
    std::sort(view.pending_expunges.begin(), view.pending_expunges.end());
    view.pending_expunges.erase(
        std::unique(view.pending_expunges.begin(), view.pending_expunges.end()),
        view.pending_expunges.end());
    const std::uint32_t last_uid = messages.empty() ? 0 : messages.back().uid;
    bool arrived = false;
    for (store::MessageRecord& record : changes->changed) {
        if (record.uid > last_uid) {
            note_keywords(record.flags);
            messages.push_back(std::move(record));
            arrived = true;
            continue;
        }
        const std::size_t index = find(record.uid);
        if (index == messages.size() ||
            std::binary_search(view.pending_expunges.begin(), view.pending_expunges.end(),
                               record.uid)) {
            continue;
        }
        note_keywords(record.flags);
        // This session's own STORE already updated its copy: nothing to tell, nothing to copy.
        const store::MessageRecord& shown = messages[index];
        if (shown.flags == record.flags && shown.modseq == record.modseq) {
            continue;
        }
        const bool news =
            shown.flags != record.flags || (condstore() && shown.modseq != record.modseq);
        store::MessageRecord& known = messages.modify(index);
        known.flags = std::move(record.flags);
        known.modseq = record.modseq;
        if (news) {
            // RFC 9051 §7.5.2: UID is included once the client has shown it works with UIDs;
            // CONDSTORE clients want it to match MODSEQ to a message (RFC 7162 §3.1.4).
            untagged(flags_response(index, known, condstore()));
        }
    }
    view.known_modseq = std::max(view.known_modseq, changes->status.highest_modseq);
    view.mailbox.uidnext = std::max(view.mailbox.uidnext, changes->status.uidnext);
    if (expunges_allowed) {
        announce_expunges();
    }
    if (arrived) {
        // RFC 9051 §7.3.1: the new size, after any expunges just announced.
        untagged(std::to_string(messages.size()) + " EXISTS");
    }
    co_return true;
}

}  // namespace harbor::imap::server
