// Mailboxes in SQLite for IMAP: CREATE (RFC 9051 §6.3.4, RFC 6154 §5.3 special-use), DELETE
// (§6.3.5), RENAME with inferiors and the INBOX case (§6.3.6), SUBSCRIBE/UNSUBSCRIBE/LSUB data
// (§6.3.7, §6.3.8), lookup by name and STATUS from counters (§6.3.11, RFC 8438), and the
// mailboxes every new account starts with (RFC 6154). UIDVALIDITY comes from a per-account
// high-water mark, so a name used again never sees an old (uidvalidity, uid) pair (§2.3.1.1).
// SECURITY: names come from clients; check_mailbox_name() bounds their length and bytes, and
// every value reaches SQL through bind().
#include <algorithm>
#include <ctime>
#include <limits>

#include "core/ascii.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace harbor::store::sqlite {
namespace {

#define HARBOR_MAILBOX_SELECT                                                             \
    "SELECT id, account_id, name, uidvalidity, uidnext, highestmodseq, special_use FROM " \
    "mailboxes "

Mailbox mailbox_from_row(const Statement& stmt)
{
    Mailbox box;
    box.id = MailboxId{stmt.column_int64(0)};
    box.account = AccountId{stmt.column_int64(1)};
    box.name = stmt.column_text(2);
    box.uidvalidity = static_cast<std::uint32_t>(stmt.column_int64(3));
    box.uidnext = static_cast<std::uint32_t>(stmt.column_int64(4));
    box.highest_modseq = static_cast<std::uint64_t>(stmt.column_int64(5));
    box.special_use = stmt.column_text(6);
    return box;
}

Result<Mailbox> load_mailbox(Connection& db, AccountId account, std::string_view name)
{
    Result<Statement> stmt = db.prepare(HARBOR_MAILBOX_SELECT "WHERE account_id = ? AND name = ?");
    HARBOR_TRY(stmt);
    Result<bool> row = stmt->bind(1, account.value).bind(2, name).step();
    HARBOR_TRY(row);
    if (!*row) {
        return unexpected(Errc::NotFound, "no mailbox " + std::string(name));
    }
    return mailbox_from_row(*stmt);
}

Result<Mailbox> load_mailbox(Connection& db, MailboxId id)
{
    Result<Statement> stmt = db.prepare(HARBOR_MAILBOX_SELECT "WHERE id = ?");
    HARBOR_TRY(stmt);
    Result<bool> row = stmt->bind(1, id.value).step();
    HARBOR_TRY(row);
    if (!*row) {
        return unexpected(Errc::NotFound, "no mailbox " + std::to_string(id.value));
    }
    return mailbox_from_row(*stmt);
}

Result<void> check_special_use(std::string_view special_use)
{
    if (special_use.empty()) {
        return ok();
    }
    for (const char* known : special_use_names) {
        if (special_use == known) {
            return ok();
        }
    }
    // RFC 6154 §5.3: the session answers NO [USEATTR].
    return unexpected(Errc::Invalid, "unknown special-use " + std::string(special_use));
}

// A UIDVALIDITY above every one the account has had: the clock when it is ahead, else the last
// one plus one (two mailboxes made within one second).
Result<std::uint32_t> allocate_uidvalidity(Connection& db, AccountId account)
{
    Result<Statement> last = db.prepare("SELECT last_uidvalidity FROM accounts WHERE id = ?");
    HARBOR_TRY(last);
    Result<bool> row = last->bind(1, account.value).step();
    HARBOR_TRY(row);
    if (!*row) {
        return unexpected(Errc::NotFound, "no account " + std::to_string(account.value));
    }
    const std::int64_t next =
        std::max(static_cast<std::int64_t>(std::time(nullptr)), last->column_int64(0) + 1);
    if (next > std::numeric_limits<std::uint32_t>::max()) {
        return unexpected(Errc::Limit, "account ran out of UIDVALIDITY values");
    }
    Result<Statement> keep = db.prepare("UPDATE accounts SET last_uidvalidity = ? WHERE id = ?");
    HARBOR_TRY(keep);
    HARBOR_TRY(keep->bind(1, next).bind(2, account.value).run());
    return static_cast<std::uint32_t>(next);
}

// RFC 9051 §6.3.4: "the server SHOULD create any superior hierarchical names that are needed".
// A superior that is a \Noselect name is there already and stays so: it was deleted on purpose.
// Each one made is reported as a change: its account's other mailboxes may have gained a child.
Result<void> create_superiors(WriteContext& ctx, AccountId account, std::string_view name)
{
    Connection& db = ctx.db;
    for (std::size_t slash = name.find('/'); slash != std::string_view::npos;
         slash = name.find('/', slash + 1)) {
        std::string_view superior = name.substr(0, slash);
        Result<Mailbox> found = load_mailbox(db, account, superior);
        if (found) {
            continue;
        }
        if (found.error().code != Errc::NotFound) {
            return unexpected(std::move(found).error());
        }
        Result<bool> noselect = is_noselect_name(db, account, superior);
        HARBOR_TRY(noselect);
        if (*noselect) {
            continue;
        }
        Result<Mailbox> created = insert_mailbox(db, account, superior, "");
        HARBOR_TRY(created);
        ctx.changes.push_back(MailboxChange{account, created->id, created->highest_modseq});
    }
    return ok();
}

struct DefaultMailbox {
    const char* name;
    const char* special_use;
};

// RFC 6154 §2 attributes on the names clients look for first.
constexpr DefaultMailbox default_mailboxes[] = {
    {"INBOX", ""},        {"Sent", "\\Sent"}, {"Drafts", "\\Drafts"},
    {"Trash", "\\Trash"}, {"Junk", "\\Junk"}, {"Archive", "\\Archive"},
};

}  // namespace

std::string canonical_mailbox_name(std::string_view name)
{
    if (iequals(name, "INBOX")) {
        return "INBOX";
    }
    return std::string(name);
}

Result<void> check_mailbox_name(std::string_view name)
{
    if (name.empty() || name.size() > max_mailbox_name) {
        return unexpected(Errc::Invalid, "mailbox name empty or too long");
    }
    for (char c : name) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
            return unexpected(Errc::Invalid, "control character in a mailbox name");
        }
    }
    if (name.front() == '/' || name.back() == '/' || name.find("//") != std::string_view::npos) {
        return unexpected(Errc::Invalid, "empty hierarchy level in " + std::string(name));
    }
    return ok();
}

Result<Mailbox> insert_mailbox(Connection& db, AccountId account, std::string_view name,
                               std::string_view special_use)
{
    Result<std::uint32_t> uidvalidity = allocate_uidvalidity(db, account);
    HARBOR_TRY(uidvalidity);
    Result<Statement> insert = db.prepare(
        "INSERT INTO mailboxes (account_id, name, uidvalidity, special_use) VALUES (?, ?, ?, ?)");
    HARBOR_TRY(insert);
    HARBOR_TRY(insert->bind(1, account.value)
                   .bind(2, name)
                   .bind(3, std::int64_t{*uidvalidity})
                   .bind(4, special_use)
                   .run());
    Mailbox box;
    box.id = MailboxId{db.last_insert_rowid()};
    box.account = account;
    box.name = std::string(name);
    box.uidvalidity = *uidvalidity;
    box.special_use = std::string(special_use);
    return box;
}

Result<void> create_default_mailboxes(Connection& db, AccountId account)
{
    Result<Statement> subscribe =
        db.prepare("INSERT OR IGNORE INTO subscriptions (account_id, name) VALUES (?, ?)");
    HARBOR_TRY(subscribe);
    for (const DefaultMailbox& box : default_mailboxes) {
        HARBOR_TRY(insert_mailbox(db, account, box.name, box.special_use));
        HARBOR_TRY(subscribe->reset().bind(1, account.value).bind(2, box.name).run());
    }
    return ok();
}

Result<Mailbox> SqliteStore::find_mailbox(AccountId account, std::string_view name)
{
    Result<Reader> db = reader();
    HARBOR_TRY(db);
    return load_mailbox(**db, account, canonical_mailbox_name(name));
}

Result<MailboxStatus> SqliteStore::mailbox_status(MailboxId mailbox)
{
    Result<Reader> db = reader();
    HARBOR_TRY(db);
    Result<Statement> stmt = (*db)->prepare(
        "SELECT message_count, unseen_count, deleted_count, total_size, uidnext, uidvalidity, "
        "highestmodseq FROM mailboxes WHERE id = ?");
    HARBOR_TRY(stmt);
    Result<bool> row = stmt->bind(1, mailbox.value).step();
    HARBOR_TRY(row);
    if (!*row) {
        return unexpected(Errc::NotFound, "no mailbox " + std::to_string(mailbox.value));
    }
    MailboxStatus status;
    status.id = mailbox;
    status.messages = static_cast<std::uint32_t>(stmt->column_int64(0));
    status.unseen = static_cast<std::uint32_t>(stmt->column_int64(1));
    status.deleted = static_cast<std::uint32_t>(stmt->column_int64(2));
    status.size = static_cast<std::uint64_t>(stmt->column_int64(3));
    status.uidnext = static_cast<std::uint32_t>(stmt->column_int64(4));
    status.uidvalidity = static_cast<std::uint32_t>(stmt->column_int64(5));
    status.highest_modseq = static_cast<std::uint64_t>(stmt->column_int64(6));
    return status;
}

Result<std::vector<std::string>> read_account_names(Connection& db, const char* sql,
                                                    AccountId account)
{
    Result<Statement> stmt = db.prepare(sql);
    HARBOR_TRY(stmt);
    stmt->bind(1, account.value);
    std::vector<std::string> out;
    for (;;) {
        Result<bool> row = stmt->step();
        HARBOR_TRY(row);
        if (!*row) {
            return out;
        }
        out.push_back(stmt->column_text(0));
    }
}

Result<std::vector<std::string>> SqliteStore::list_subscriptions(AccountId account)
{
    Result<Reader> db = reader();
    HARBOR_TRY(db);
    return read_account_names(
        **db, "SELECT name FROM subscriptions WHERE account_id = ? ORDER BY name", account);
}

void SqliteStore::create_mailbox_async(AccountId account, std::string name, std::string special_use,
                                       Done<Mailbox> done)
{
    writer_->submit<Mailbox>(
        [account, name = canonical_mailbox_name(name),
         special_use = std::move(special_use)](WriteContext& ctx) -> Result<Mailbox> {
            HARBOR_TRY(check_mailbox_name(name));
            HARBOR_TRY(check_special_use(special_use));
            Result<Mailbox> existing = load_mailbox(ctx.db, account, name);
            if (existing) {
                return unexpected(Errc::Exists, "mailbox " + name + " exists");
            }
            if (existing.error().code != Errc::NotFound) {
                return unexpected(std::move(existing).error());
            }
            HARBOR_TRY(forget_noselect_name(ctx.db, account, name));  // a mailbox again
            HARBOR_TRY(create_superiors(ctx, account, name));
            Result<Mailbox> created = insert_mailbox(ctx.db, account, name, special_use);
            HARBOR_TRY(created);
            ctx.changes.push_back(MailboxChange{account, created->id, created->highest_modseq});
            return created;
        },
        std::move(done));
}

void SqliteStore::delete_mailbox_async(MailboxId mailbox, Done<void> done)
{
    writer_->submit<void>(
        [mailbox](WriteContext& ctx) -> Result<void> {
            Result<Mailbox> box = load_mailbox(ctx.db, mailbox);
            HARBOR_TRY(box);
            // Messages first, while their mailbox row still names the account: the step 6
            // triggers take their size off accounts.used_bytes, the step 3 ones release blobs.
            Result<Statement> messages =
                ctx.db.prepare("DELETE FROM messages WHERE mailbox_id = ?");
            HARBOR_TRY(messages);
            HARBOR_TRY(messages->bind(1, mailbox.value).run());
            Result<Statement> row = ctx.db.prepare("DELETE FROM mailboxes WHERE id = ?");
            HARBOR_TRY(row);
            HARBOR_TRY(row->bind(1, mailbox.value).run());  // tombstones go by cascade
            // RFC 9051 §6.3.5: with inferiors, "the name will acquire the \Noselect attribute".
            Result<bool> below = has_inferior_names(ctx.db, box->account, box->name);
            HARBOR_TRY(below);
            if (*below) {
                HARBOR_TRY(keep_noselect_name(ctx.db, box->account, box->name));
            }
            ctx.changes.push_back(MailboxChange{box->account, mailbox, 0});
            return collect_released_blobs(ctx);
        },
        std::move(done));
}

namespace {

// RFC 9051 §6.3.6: "Renaming INBOX is permitted ... moves all messages in INBOX to a new
// mailbox with the given name, leaving INBOX empty". The moved messages keep their UIDs under
// the new mailbox's new UIDVALIDITY; INBOX keeps its UIDVALIDITY and UIDNEXT, and records each
// moved UID as expunged for QRESYNC clients.
Result<Mailbox> rename_inbox(WriteContext& ctx, const Mailbox& inbox, const std::string& to)
{
    HARBOR_TRY(forget_noselect_name(ctx.db, inbox.account, to));
    HARBOR_TRY(create_superiors(ctx, inbox.account, to));
    Result<Mailbox> target = insert_mailbox(ctx.db, inbox.account, to, "");
    HARBOR_TRY(target);
    const std::int64_t modseq = static_cast<std::int64_t>(inbox.highest_modseq) + 1;
    Result<Statement> state =
        ctx.db.prepare("UPDATE mailboxes SET uidnext = ?, highestmodseq = ? WHERE id = ?");
    HARBOR_TRY(state);
    HARBOR_TRY(state->bind(1, std::int64_t{inbox.uidnext})
                   .bind(2, modseq)
                   .bind(3, target->id.value)
                   .run());
    HARBOR_TRY(state->reset()
                   .bind(1, std::int64_t{inbox.uidnext})
                   .bind(2, modseq)
                   .bind(3, inbox.id.value)
                   .run());
    Result<Statement> move =
        ctx.db.prepare("UPDATE messages SET mailbox_id = ? WHERE mailbox_id = ?");
    HARBOR_TRY(move);
    HARBOR_TRY(move->bind(1, target->id.value).bind(2, inbox.id.value).run());
    Result<Statement> tombstones = ctx.db.prepare(
        "INSERT OR REPLACE INTO expunged (mailbox_id, uid, modseq) "
        "SELECT ?, uid, ? FROM messages WHERE mailbox_id = ?");
    HARBOR_TRY(tombstones);
    HARBOR_TRY(tombstones->bind(1, inbox.id.value).bind(2, modseq).bind(3, target->id.value).run());
    ctx.changes.push_back(
        MailboxChange{inbox.account, inbox.id, static_cast<std::uint64_t>(modseq)});
    ctx.changes.push_back(
        MailboxChange{inbox.account, target->id, static_cast<std::uint64_t>(modseq)});
    return load_mailbox(ctx.db, target->id);
}

struct Renamed {
    MailboxId id;
    std::string from;
    std::string to;
    std::uint64_t highest_modseq = 0;
};

// `from` and its inferiors become `to` and its inferiors. `source` is the mailbox named `from`,
// or null for a \Noselect name (RFC 9051 §6.3.5), whose inferiors and name move all the same.
Result<Mailbox> rename_hierarchy(WriteContext& ctx, AccountId account, const std::string& from,
                                 const Mailbox* source, const std::string& to)
{
    // The mailbox and its inferiors ("a/b" with "a"); substr() and length() both count
    // characters, so the prefix test is exact for any UTF-8 name.
    Result<Statement> select = ctx.db.prepare(
        "SELECT id, name, highestmodseq FROM mailboxes WHERE account_id = ?1 "
        "AND (name = ?2 OR substr(name, 1, length(?2) + 1) = ?2 || '/')");
    HARBOR_TRY(select);
    select->bind(1, account.value).bind(2, from);
    std::vector<Renamed> renamed;
    for (;;) {
        Result<bool> row = select->step();
        HARBOR_TRY(row);
        if (!*row) {
            break;
        }
        std::string name = select->column_text(1);
        std::string target = to + name.substr(from.size());
        renamed.push_back(Renamed{MailboxId{select->column_int64(0)}, std::move(name),
                                  std::move(target),
                                  static_cast<std::uint64_t>(select->column_int64(2))});
    }
    select->reset();
    for (const Renamed& r : renamed) {
        HARBOR_TRY(check_mailbox_name(r.to));
        Result<Mailbox> taken = load_mailbox(ctx.db, account, r.to);
        if (taken) {
            return unexpected(Errc::Exists, "mailbox " + r.to + " exists");
        }
        if (taken.error().code != Errc::NotFound) {
            return unexpected(std::move(taken).error());
        }
    }
    HARBOR_TRY(create_superiors(ctx, account, to));
    // The modseq moves too: every change a session must hear of carries a new one, so a
    // session that has seen up to a modseq has seen everything (imap/server ChangeSignal).
    Result<Statement> update = ctx.db.prepare(
        "UPDATE mailboxes SET name = ?, uidvalidity = ?, highestmodseq = highestmodseq + 1 "
        "WHERE id = ?");
    HARBOR_TRY(update);
    Result<Statement> subscription = ctx.db.prepare(
        "UPDATE OR IGNORE subscriptions SET name = ? WHERE account_id = ? AND name = ?");
    HARBOR_TRY(subscription);
    for (const Renamed& r : renamed) {
        // The new name may have been used before: a new UIDVALIDITY (RFC 9051 §2.3.1.1).
        Result<std::uint32_t> uidvalidity = allocate_uidvalidity(ctx.db, account);
        HARBOR_TRY(uidvalidity);
        HARBOR_TRY(update->reset()
                       .bind(1, r.to)
                       .bind(2, std::int64_t{*uidvalidity})
                       .bind(3, r.id.value)
                       .run());
        HARBOR_TRY(
            subscription->reset().bind(1, r.to).bind(2, account.value).bind(3, r.from).run());
        ctx.changes.push_back(MailboxChange{account, r.id, r.highest_modseq + 1});
    }
    HARBOR_TRY(move_noselect_names(ctx.db, account, from, to));
    if (source != nullptr) {
        return load_mailbox(ctx.db, source->id);
    }
    Mailbox moved;  // a \Noselect name has no mailbox of its own
    moved.account = account;
    moved.name = to;
    return moved;
}

Result<Mailbox> rename_noselect(WriteContext& ctx, AccountId account, const std::string& from,
                                const std::string& to)
{
    if (to == from) {
        return unexpected(Errc::Exists, "mailbox " + to + " exists");
    }
    if (to.size() > from.size() && to.compare(0, from.size(), from) == 0 &&
        to[from.size()] == '/') {
        return unexpected(Errc::Invalid, "cannot rename " + from + " into itself");
    }
    Result<Mailbox> taken = load_mailbox(ctx.db, account, to);
    if (taken) {
        return unexpected(Errc::Exists, "mailbox " + to + " exists");
    }
    if (taken.error().code != Errc::NotFound) {
        return unexpected(std::move(taken).error());
    }
    Result<bool> kept = is_noselect_name(ctx.db, account, to);
    HARBOR_TRY(kept);
    if (*kept) {
        return unexpected(Errc::Exists, "mailbox " + to + " exists");
    }
    Result<Mailbox> moved = rename_hierarchy(ctx, account, from, nullptr, to);
    HARBOR_TRY(moved);
    // The name itself stays \Noselect, under its new name.
    HARBOR_TRY(forget_noselect_name(ctx.db, account, from));
    HARBOR_TRY(keep_noselect_name(ctx.db, account, to));
    return moved;
}

}  // namespace

void SqliteStore::rename_mailbox_async(AccountId account, std::string from, std::string to,
                                       Done<Mailbox> done)
{
    writer_->submit<Mailbox>(
        [account, from = canonical_mailbox_name(from),
         to = canonical_mailbox_name(to)](WriteContext& ctx) -> Result<Mailbox> {
            HARBOR_TRY(check_mailbox_name(to));
            Result<Mailbox> source = load_mailbox(ctx.db, account, from);
            if (!source && source.error().code == Errc::NotFound) {
                // A \Noselect name (kept by DELETE for its inferiors) is renamed with them, as
                // Dovecot does; RFC 9051 §6.3.6 renames the inferiors of any name.
                Result<bool> noselect = is_noselect_name(ctx.db, account, from);
                HARBOR_TRY(noselect);
                if (*noselect) {
                    return rename_noselect(ctx, account, from, to);
                }
            }
            HARBOR_TRY(source);
            if (to == from) {
                return unexpected(Errc::Exists, "mailbox " + to + " exists");
            }
            if (from == "INBOX") {
                Result<Mailbox> taken = load_mailbox(ctx.db, account, to);
                if (taken) {
                    return unexpected(Errc::Exists, "mailbox " + to + " exists");
                }
                return rename_inbox(ctx, *source, to);
            }
            if (to.size() > from.size() && to.compare(0, from.size(), from) == 0 &&
                to[from.size()] == '/') {
                return unexpected(Errc::Invalid, "cannot rename " + from + " into itself");
            }
            return rename_hierarchy(ctx, account, from, &*source, to);
        },
        std::move(done));
}

void SqliteStore::subscribe_async(AccountId account, std::string name, Done<void> done)
{
    writer_->submit<void>(
        [account, name = canonical_mailbox_name(name)](WriteContext& ctx) -> Result<void> {
            HARBOR_TRY(check_mailbox_name(name));
            Result<Statement> known = ctx.db.prepare("SELECT 1 FROM accounts WHERE id = ?");
            HARBOR_TRY(known);
            Result<bool> found = known->bind(1, account.value).step();
            HARBOR_TRY(found);
            if (!*found) {
                return unexpected(Errc::NotFound, "no account " + std::to_string(account.value));
            }
            Result<Statement> insert = ctx.db.prepare(
                "INSERT OR IGNORE INTO subscriptions (account_id, name) VALUES (?, ?)");
            HARBOR_TRY(insert);
            return insert->bind(1, account.value).bind(2, name).run();
        },
        std::move(done));
}

void SqliteStore::unsubscribe_async(AccountId account, std::string name, Done<void> done)
{
    writer_->submit<void>(
        [account, name = canonical_mailbox_name(name)](WriteContext& ctx) -> Result<void> {
            Result<Statement> remove =
                ctx.db.prepare("DELETE FROM subscriptions WHERE account_id = ? AND name = ?");
            HARBOR_TRY(remove);
            HARBOR_TRY(remove->bind(1, account.value).bind(2, name).run());
            if (ctx.db.changes() == 0) {
                return unexpected(Errc::NotFound, "not subscribed to " + name);
            }
            return ok();
        },
        std::move(done));
}

}  // namespace harbor::store::sqlite
