// Message changes in SQLite for IMAP: STORE with CONDSTORE's UNCHANGEDSINCE (RFC 9051 §6.4.6,
// RFC 7162 §3.1.3), EXPUNGE and UID EXPUNGE with QRESYNC tombstones (RFC 9051 §6.4.3, RFC 4315
// §2.1, RFC 7162 §3.2.10), COPY with COPYUID (RFC 9051 §6.4.7, RFC 4315 §3), MOVE (RFC 6851
// §3.3), and the CHANGEDSINCE / VANISHED reads. Every change gets its own modseq, the
// mailbox's highest plus one (RFC 7162 §3.1); a STORE that changes nothing moves none.
// SECURITY: UID sets come from clients. They are walked as ranges against the rows that exist,
// a bounded chunk at a time, so 1:4294967295 costs what the mailbox holds; flags are checked
// to be atoms before they are stored.
#include <algorithm>
#include <limits>

#include "core/ascii.hpp"
#include "store/flag_change.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace harbor::store::sqlite {
namespace {

// Rows read per query while walking a range: bounds memory, not the work.
constexpr std::int64_t rows_per_chunk = 512;

// Sorted, merged, each first <= last ("4:2" is "2:4", RFC 9051 §9 seq-range); UID 0 is none.
UidSet normalize(UidSet uids)
{
    for (UidRange& range : uids) {
        if (range.first > range.last) {
            std::swap(range.first, range.last);
        }
        range.first = std::max<std::uint32_t>(range.first, 1);
    }
    std::erase_if(uids, [](const UidRange& range) { return range.last == 0; });
    std::sort(uids.begin(), uids.end(),
              [](const UidRange& a, const UidRange& b) { return a.first < b.first; });
    UidSet out;
    for (const UidRange& range : uids) {
        if (!out.empty() && std::int64_t{range.first} <= std::int64_t{out.back().last} + 1) {
            out.back().last = std::max(out.back().last, range.last);
        } else {
            out.push_back(range);
        }
    }
    return out;
}

// Consecutive UIDs as ranges.
UidSet ranges_of(const std::vector<std::uint32_t>& sorted)
{
    UidSet out;
    for (std::uint32_t uid : sorted) {
        if (!out.empty() && std::int64_t{out.back().last} + 1 == uid) {
            out.back().last = uid;
        } else {
            out.push_back(UidRange{uid, uid});
        }
    }
    return out;
}

struct MailboxState {
    AccountId account;
    std::int64_t uidnext = 1;
    std::uint64_t highest_modseq = 1;
    std::uint32_t uidvalidity = 0;
};

Result<MailboxState> load_state(Connection& db, MailboxId mailbox)
{
    Result<Statement> stmt = db.prepare(
        "SELECT account_id, uidnext, highestmodseq, uidvalidity FROM mailboxes WHERE id = ?");
    HARBOR_TRY(stmt);
    Result<bool> row = stmt->bind(1, mailbox.value).step();
    HARBOR_TRY(row);
    if (!*row) {
        return unexpected(Errc::NotFound, "no mailbox " + std::to_string(mailbox.value));
    }
    return MailboxState{AccountId{stmt->column_int64(0)}, stmt->column_int64(1),
                        static_cast<std::uint64_t>(stmt->column_int64(2)),
                        static_cast<std::uint32_t>(stmt->column_int64(3))};
}

Result<void> save_highest_modseq(WriteContext& ctx, MailboxId mailbox, const MailboxState& state)
{
    Result<Statement> bump = ctx.db.prepare("UPDATE mailboxes SET highestmodseq = ? WHERE id = ?");
    HARBOR_TRY(bump);
    HARBOR_TRY(bump->bind(1, static_cast<std::int64_t>(state.highest_modseq))
                   .bind(2, mailbox.value)
                   .run());
    ctx.changes.push_back(MailboxChange{state.account, mailbox, state.highest_modseq});
    return ok();
}

constexpr std::string_view system_flags[] = {"\\Seen", "\\Answered", "\\Flagged", "\\Deleted",
                                             "\\Draft"};

bool is_system_flag(std::string_view flag)
{
    return std::any_of(std::begin(system_flags), std::end(system_flags),
                       [&](std::string_view system) { return iequals(flag, system); });
}

// RFC 9051 §9: flag = "\Answered" / "\Flagged" / "\Deleted" / "\Seen" / "\Draft" /
// flag-keyword / flag-extension. Keywords are atoms; a flag-extension ("\" atom) is reserved
// for future RFCs, and \Recent is gone from IMAP4rev2 (Appendix E), so neither can be set.
// Returns the flags with system flags in their stored spelling, each once.
Result<std::vector<std::string>> check_flags(const std::vector<std::string>& flags)
{
    std::vector<std::string> out;
    for (const std::string& flag : flags) {
        if (flag.empty()) {
            return unexpected(Errc::Invalid, "empty flag");
        }
        for (std::size_t i = 0; i < flag.size(); ++i) {
            const auto c = static_cast<unsigned char>(flag[i]);
            // atom-specials (RFC 9051 §9): "(" ")" "{" SP CTL "%" "*" DQUOTE "\" "]"; 8-bit too.
            const bool special = c <= 0x20 || c >= 0x7f || c == '(' || c == ')' || c == '{' ||
                                 c == '%' || c == '*' || c == '"' || c == ']' ||
                                 (c == '\\' && i != 0);
            if (special) {
                return unexpected(Errc::Invalid, "bad flag: " + flag);
            }
        }
        if (flag.front() == '\\' && !is_system_flag(flag)) {
            return unexpected(Errc::Invalid, "flag cannot be set: " + flag);
        }
        std::string_view canonical = canonical_flag(flag);
        const bool known = std::any_of(out.begin(), out.end(), [&](const std::string& earlier) {
            return iequals(earlier, canonical);
        });
        if (!known) {
            out.emplace_back(canonical);
        }
    }
    return out;
}

struct FlagRow {
    std::uint32_t uid = 0;
    std::uint64_t modseq = 0;
    std::string flags;
};

// The next rows of [from, last] in `mailbox`, at most rows_per_chunk.
Result<std::vector<FlagRow>> next_flag_rows(Connection& db, MailboxId mailbox, std::int64_t from,
                                            std::int64_t last)
{
    Result<Statement> stmt = db.prepare(
        "SELECT uid, modseq, flags FROM messages WHERE mailbox_id = ? AND uid BETWEEN ? AND ? "
        "ORDER BY uid LIMIT ?");
    HARBOR_TRY(stmt);
    stmt->bind(1, mailbox.value).bind(2, from).bind(3, last).bind(4, rows_per_chunk);
    std::vector<FlagRow> rows;
    for (;;) {
        Result<bool> row = stmt->step();
        HARBOR_TRY(row);
        if (!*row) {
            return rows;
        }
        rows.push_back(FlagRow{static_cast<std::uint32_t>(stmt->column_int64(0)),
                               static_cast<std::uint64_t>(stmt->column_int64(1)),
                               stmt->column_text(2)});
    }
}

Result<StoreFlagsResult> store_flags_in(WriteContext& ctx, const StoreFlagsRequest& request,
                                        const std::vector<std::string>& flags)
{
    Result<MailboxState> state = load_state(ctx.db, request.mailbox);
    HARBOR_TRY(state);
    const std::uint64_t first_modseq = state->highest_modseq;
    Result<Statement> update = ctx.db.prepare(
        "UPDATE messages SET flags = ?, modseq = ? WHERE mailbox_id = ? AND uid = ?");
    HARBOR_TRY(update);
    StoreFlagsResult result;
    for (const UidRange& range : normalize(request.uids)) {
        std::int64_t from = range.first;
        while (from <= range.last) {
            Result<std::vector<FlagRow>> rows =
                next_flag_rows(ctx.db, request.mailbox, from, range.last);
            HARBOR_TRY(rows);
            if (rows->empty()) {
                break;
            }
            for (FlagRow& row : *rows) {
                // RFC 7162 §3.1.3: changed since the client looked: left alone, reported.
                if (request.unchanged_since && row.modseq > *request.unchanged_since) {
                    result.modified.push_back(row.uid);
                    continue;
                }
                std::vector<std::string> current = split_flags(row.flags);
                std::optional<std::vector<std::string>> next =
                    apply_flags(current, request.mode, flags);
                if (!next) {
                    result.updated.push_back(
                        FlagUpdate{row.uid, row.modseq, std::move(current), false});
                    continue;
                }
                Result<std::string> joined = join_flags(*next);
                HARBOR_TRY(joined);
                state->highest_modseq += 1;
                HARBOR_TRY(update->reset()
                               .bind(1, *joined)
                               .bind(2, static_cast<std::int64_t>(state->highest_modseq))
                               .bind(3, request.mailbox.value)
                               .bind(4, std::int64_t{row.uid})
                               .run());
                result.updated.push_back(
                    FlagUpdate{row.uid, state->highest_modseq, std::move(*next), true});
            }
            from = std::int64_t{rows->back().uid} + 1;
        }
    }
    if (state->highest_modseq != first_modseq) {
        HARBOR_TRY(save_highest_modseq(ctx, request.mailbox, *state));
    }
    result.highest_modseq = state->highest_modseq;
    return result;
}

Result<ExpungeResult> expunge_in(WriteContext& ctx, MailboxId mailbox, const UidSet& uids,
                                 ExpungeScope scope)
{
    Result<MailboxState> state = load_state(ctx.db, mailbox);
    HARBOR_TRY(state);
    Result<Statement> select = ctx.db.prepare(
        "SELECT uid FROM messages WHERE mailbox_id = ? AND uid BETWEEN ? AND ? "
        "AND (? = 0 OR instr(' ' || flags || ' ', ' \\Deleted ') > 0) ORDER BY uid LIMIT ?");
    HARBOR_TRY(select);
    Result<Statement> remove =
        ctx.db.prepare("DELETE FROM messages WHERE mailbox_id = ? AND uid = ?");
    HARBOR_TRY(remove);
    Result<Statement> tombstone = ctx.db.prepare(
        "INSERT OR REPLACE INTO expunged (mailbox_id, uid, modseq) VALUES (?, ?, ?)");
    HARBOR_TRY(tombstone);
    const std::int64_t deleted_only = scope == ExpungeScope::DeletedOnly ? 1 : 0;
    ExpungeResult result;
    for (const UidRange& range : normalize(uids)) {
        std::int64_t from = range.first;
        for (;;) {
            select->reset()
                .bind(1, mailbox.value)
                .bind(2, from)
                .bind(3, std::int64_t{range.last})
                .bind(4, deleted_only)
                .bind(5, rows_per_chunk);
            std::vector<std::uint32_t> chunk;
            for (;;) {
                Result<bool> row = select->step();
                HARBOR_TRY(row);
                if (!*row) {
                    break;
                }
                chunk.push_back(static_cast<std::uint32_t>(select->column_int64(0)));
            }
            select->reset();
            if (chunk.empty()) {
                break;
            }
            for (std::uint32_t uid : chunk) {
                state->highest_modseq += 1;
                HARBOR_TRY(remove->reset().bind(1, mailbox.value).bind(2, std::int64_t{uid}).run());
                HARBOR_TRY(tombstone->reset()
                               .bind(1, mailbox.value)
                               .bind(2, std::int64_t{uid})
                               .bind(3, static_cast<std::int64_t>(state->highest_modseq))
                               .run());
                result.uids.push_back(uid);
            }
            from = std::int64_t{chunk.back()} + 1;
        }
    }
    if (!result.uids.empty()) {
        HARBOR_TRY(save_highest_modseq(ctx, mailbox, *state));
        HARBOR_TRY(collect_released_blobs(ctx));
    }
    result.highest_modseq = state->highest_modseq;
    return result;
}

enum class QuotaCheck { Apply, Skip };

Result<CopyResult> copy_in(WriteContext& ctx, MailboxId source, const UidSet& uids,
                           MailboxId destination, QuotaCheck quota)
{
    Result<MailboxState> from = load_state(ctx.db, source);
    HARBOR_TRY(from);
    Result<MailboxState> to = load_state(ctx.db, destination);
    HARBOR_TRY(to);
    // The originals first, before any copy exists: a COPY into its own mailbox must not see
    // its copies inside a range such as 1:*.
    Result<Statement> select = ctx.db.prepare(
        "SELECT uid, size FROM messages WHERE mailbox_id = ? AND uid BETWEEN ? AND ? "
        "ORDER BY uid");
    HARBOR_TRY(select);
    std::vector<std::uint32_t> originals;
    std::uint64_t bytes = 0;
    for (const UidRange& range : normalize(uids)) {
        select->reset()
            .bind(1, source.value)
            .bind(2, std::int64_t{range.first})
            .bind(3, std::int64_t{range.last});
        for (;;) {
            Result<bool> row = select->step();
            HARBOR_TRY(row);
            if (!*row) {
                break;
            }
            originals.push_back(static_cast<std::uint32_t>(select->column_int64(0)));
            bytes += static_cast<std::uint64_t>(select->column_int64(1));
        }
    }
    select->reset();
    CopyResult result;
    result.uidvalidity = to->uidvalidity;
    if (originals.empty()) {
        result.highest_modseq = to->highest_modseq;
        return result;
    }
    if (quota == QuotaCheck::Apply) {
        HARBOR_TRY(check_quota(ctx.db, to->account, bytes));  // all or nothing
    }
    if (to->uidnext + static_cast<std::int64_t>(originals.size()) > max_uid) {
        return unexpected(Errc::Limit, "destination mailbox ran out of UIDs");
    }
    // The copy shares the blob: the messages_take_blob trigger counts one more reference.
    Result<Statement> insert = ctx.db.prepare(
        "INSERT INTO messages (mailbox_id, uid, modseq, blob, size, internal_date, flags, prefix) "
        "SELECT ?, ?, ?, blob, size, internal_date, flags, prefix FROM messages "
        "WHERE mailbox_id = ? AND uid = ?");
    HARBOR_TRY(insert);
    for (std::uint32_t uid : originals) {
        const auto copy = static_cast<std::uint32_t>(to->uidnext++);
        to->highest_modseq += 1;
        HARBOR_TRY(insert->reset()
                       .bind(1, destination.value)
                       .bind(2, std::int64_t{copy})
                       .bind(3, static_cast<std::int64_t>(to->highest_modseq))
                       .bind(4, source.value)
                       .bind(5, std::int64_t{uid})
                       .run());
        result.uids.push_back(UidPair{uid, copy});
    }
    Result<Statement> bump =
        ctx.db.prepare("UPDATE mailboxes SET uidnext = ?, highestmodseq = ? WHERE id = ?");
    HARBOR_TRY(bump);
    HARBOR_TRY(bump->bind(1, to->uidnext)
                   .bind(2, static_cast<std::int64_t>(to->highest_modseq))
                   .bind(3, destination.value)
                   .run());
    ctx.changes.push_back(MailboxChange{to->account, destination, to->highest_modseq});
    result.highest_modseq = to->highest_modseq;
    result.source_highest_modseq = from->highest_modseq;
    return result;
}

}  // namespace

void SqliteStore::store_flags_async(StoreFlagsRequest request, Done<StoreFlagsResult> done)
{
    writer_->submit<StoreFlagsResult>(
        [request = std::move(request)](WriteContext& ctx) -> Result<StoreFlagsResult> {
            Result<std::vector<std::string>> flags = check_flags(request.flags);
            HARBOR_TRY(flags);
            return store_flags_in(ctx, request, *flags);
        },
        std::move(done));
}

void SqliteStore::expunge_async(MailboxId mailbox, UidSet uids, ExpungeScope scope,
                                Done<ExpungeResult> done)
{
    writer_->submit<ExpungeResult>(
        [mailbox, uids = std::move(uids), scope](WriteContext& ctx) -> Result<ExpungeResult> {
            return expunge_in(ctx, mailbox, uids, scope);
        },
        std::move(done));
}

void SqliteStore::copy_async(MailboxId source, UidSet uids, MailboxId destination,
                             Done<CopyResult> done)
{
    writer_->submit<CopyResult>(
        [source, uids = std::move(uids), destination](WriteContext& ctx) -> Result<CopyResult> {
            return copy_in(ctx, source, uids, destination, QuotaCheck::Apply);
        },
        std::move(done));
}

void SqliteStore::move_async(MailboxId source, UidSet uids, MailboxId destination,
                             Done<CopyResult> done)
{
    writer_->submit<CopyResult>(
        [source, uids = std::move(uids), destination](WriteContext& ctx) -> Result<CopyResult> {
            Result<MailboxState> from = load_state(ctx.db, source);
            HARBOR_TRY(from);
            Result<MailboxState> to = load_state(ctx.db, destination);
            HARBOR_TRY(to);
            // Within one account a move adds no bytes: the expunge below gives them back.
            const QuotaCheck quota =
                from->account == to->account ? QuotaCheck::Skip : QuotaCheck::Apply;
            Result<CopyResult> copied = copy_in(ctx, source, uids, destination, quota);
            HARBOR_TRY(copied);
            std::vector<std::uint32_t> originals;
            for (const UidPair& pair : copied->uids) {
                originals.push_back(pair.source);
            }
            Result<ExpungeResult> expunged =
                expunge_in(ctx, source, ranges_of(originals), ExpungeScope::Listed);
            HARBOR_TRY(expunged);
            copied->source_highest_modseq = expunged->highest_modseq;
            if (source == destination) {
                copied->highest_modseq = expunged->highest_modseq;
            }
            return copied;
        },
        std::move(done));
}

Result<std::vector<MessageRecord>> SqliteStore::list_changed_since(MailboxId mailbox,
                                                                   std::uint64_t modseq)
{
    // Small: this runs right after a change (a session catching up), the one moment a mapped
    // reader is sure to drop and remap the whole file; the rows changed are usually a few.
    Result<Reader> db = reader(ReadSize::Small);
    HARBOR_TRY(db);
    Result<ReadTransaction> snapshot = ReadTransaction::begin(**db);
    HARBOR_TRY(snapshot);
    Result<MailboxState> state = load_state(**db, mailbox);
    HARBOR_TRY(state);
    // messages_by_modseq (step 6) finds the rows; a million untouched ones are not read. Named:
    // left to itself SQLite walks the whole mailbox in uid order to spare the sort.
    Result<Statement> stmt = (*db)->prepare(
        "SELECT mailbox_id, uid, modseq, blob, size, internal_date, flags, prefix FROM messages "
        "INDEXED BY messages_by_modseq WHERE mailbox_id = ? AND modseq > ? ORDER BY uid");
    HARBOR_TRY(stmt);
    stmt->bind(1, mailbox.value).bind(2, static_cast<std::int64_t>(modseq));
    return read_message_rows(*stmt, state->uidvalidity);
}

Result<std::vector<std::uint32_t>> SqliteStore::list_expunged_since(MailboxId mailbox,
                                                                    std::uint64_t modseq)
{
    Result<Reader> db = reader();
    HARBOR_TRY(db);
    Result<ReadTransaction> snapshot = ReadTransaction::begin(**db);
    HARBOR_TRY(snapshot);
    HARBOR_TRY(load_state(**db, mailbox));
    Result<Statement> stmt = (*db)->prepare(
        "SELECT uid FROM expunged INDEXED BY expunged_by_modseq "
        "WHERE mailbox_id = ? AND modseq > ? ORDER BY uid");
    HARBOR_TRY(stmt);
    stmt->bind(1, mailbox.value).bind(2, static_cast<std::int64_t>(modseq));
    std::vector<std::uint32_t> out;
    for (;;) {
        Result<bool> row = stmt->step();
        HARBOR_TRY(row);
        if (!*row) {
            return out;
        }
        out.push_back(static_cast<std::uint32_t>(stmt->column_int64(0)));
    }
}

}  // namespace harbor::store::sqlite
