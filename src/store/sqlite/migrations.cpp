// The schema steps of the embedded store and the code that applies them (PRAGMA user_version).
// COLLATE NOCASE folds ASCII only: local parts are compared case-insensitively for ASCII and
// exactly otherwise, which RFC 5321 §2.4 permits (local parts are case-sensitive in principle).
#include "store/sqlite/migrations.hpp"

#include <string>

namespace harbor::store::sqlite {
namespace {

constexpr Migration steps[] = {
    {1, "directory", R"sql(
CREATE TABLE domains (
    id    INTEGER PRIMARY KEY,
    name  TEXT NOT NULL UNIQUE
);
CREATE TABLE accounts (
    id                INTEGER PRIMARY KEY,
    domain_id         INTEGER NOT NULL REFERENCES domains(id) ON DELETE RESTRICT,
    local_part        TEXT NOT NULL,
    display_name      TEXT NOT NULL DEFAULT '',
    password_hash     TEXT NOT NULL DEFAULT '',
    scram_sha256      TEXT NOT NULL DEFAULT '',
    role              INTEGER NOT NULL DEFAULT 0 CHECK (role BETWEEN 0 AND 2),
    right_imap        INTEGER NOT NULL DEFAULT 1,
    right_pop3        INTEGER NOT NULL DEFAULT 1,
    right_submission  INTEGER NOT NULL DEFAULT 1,
    quota_bytes       INTEGER NOT NULL DEFAULT 0 CHECK (quota_bytes >= 0),
    disabled          INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX accounts_by_address ON accounts (domain_id, local_part COLLATE NOCASE);
CREATE TABLE aliases (
    id         INTEGER PRIMARY KEY,
    domain_id  INTEGER NOT NULL REFERENCES domains(id) ON DELETE RESTRICT,
    source     TEXT NOT NULL COLLATE NOCASE,
    target     TEXT NOT NULL COLLATE NOCASE,
    UNIQUE (source, target)
);
CREATE INDEX aliases_by_domain ON aliases (domain_id);
CREATE TABLE "groups" (
    id         INTEGER PRIMARY KEY,
    domain_id  INTEGER NOT NULL REFERENCES domains(id) ON DELETE RESTRICT,
    address    TEXT NOT NULL UNIQUE COLLATE NOCASE
);
CREATE INDEX groups_by_domain ON "groups" (domain_id);
CREATE TABLE group_members (
    group_id  INTEGER NOT NULL REFERENCES "groups"(id) ON DELETE CASCADE,
    member    TEXT NOT NULL COLLATE NOCASE,
    PRIMARY KEY (group_id, member)
) WITHOUT ROWID;
)sql"},
    {2, "mail", R"sql(
CREATE TABLE blobs (
    sha256    TEXT PRIMARY KEY,
    size      INTEGER NOT NULL,
    refcount  INTEGER NOT NULL DEFAULT 0 CHECK (refcount >= 0)
) WITHOUT ROWID;
CREATE TABLE mailboxes (
    id             INTEGER PRIMARY KEY,
    account_id     INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    uidvalidity    INTEGER NOT NULL,
    uidnext        INTEGER NOT NULL DEFAULT 1,
    highestmodseq  INTEGER NOT NULL DEFAULT 1,
    UNIQUE (account_id, name)
);
CREATE TABLE messages (
    mailbox_id     INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
    uid            INTEGER NOT NULL,
    modseq         INTEGER NOT NULL,
    blob           TEXT NOT NULL REFERENCES blobs(sha256) ON DELETE RESTRICT,
    size           INTEGER NOT NULL,
    internal_date  INTEGER NOT NULL,
    flags          TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (mailbox_id, uid)
) WITHOUT ROWID;
)sql"},
    // Reference counts move from application code into triggers, so that every way a message
    // row goes (expunge, mailbox or account removal by cascade) releases its blob. The counts
    // are recomputed once, repairing any drift left by older code.
    {3, "blob_refcount_triggers", R"sql(
CREATE INDEX messages_by_blob ON messages (blob);
CREATE INDEX blobs_unreferenced ON blobs (sha256) WHERE refcount = 0;
UPDATE blobs SET refcount = (SELECT count(*) FROM messages WHERE messages.blob = blobs.sha256);
CREATE TRIGGER messages_take_blob AFTER INSERT ON messages BEGIN
    UPDATE blobs SET refcount = refcount + 1 WHERE sha256 = NEW.blob;
END;
CREATE TRIGGER messages_release_blob AFTER DELETE ON messages BEGIN
    UPDATE blobs SET refcount = refcount - 1 WHERE sha256 = OLD.blob;
END;
)sql"},
    // Small message bodies move into the database (inline_blob_max in sqlite_store.hpp): their
    // bytes become durable with the batch's one WAL commit, not through a file, a rename and
    // directory fsyncs of their own. Blobs written as files before this step stay files.
    // A table of its own rather than a bytes column on blobs: blobs is WITHOUT ROWID, which
    // SQLite advises against for rows of many kilobytes, and every refcount change (the step 3
    // triggers) would rewrite a row that carried the bytes; here they are written once and
    // deleted once. A rowid table, for the same reason. The cascade deletes the bytes in the
    // transaction that deletes the blob row (the last reference gone, or the sweep at open).
    {4, "inline_blob_data", R"sql(
CREATE TABLE blob_data (
    sha256  TEXT PRIMARY KEY REFERENCES blobs(sha256) ON DELETE CASCADE,
    bytes   BLOB NOT NULL
);
)sql"},
    // SMTP delivery (issue 4): a copy's own header lines (Delivered-To) live with its row, so
    // all recipients share one blob; the outbound queue holds what leaves this server, each
    // entry a reference to its blob like a message row.
    {5, "delivery_and_queue", R"sql(
ALTER TABLE messages ADD COLUMN prefix BLOB NOT NULL DEFAULT '';
CREATE TABLE queue (
    id             INTEGER PRIMARY KEY,
    blob           TEXT NOT NULL REFERENCES blobs(sha256) ON DELETE RESTRICT,
    envelope_from  TEXT NOT NULL,
    params         TEXT NOT NULL DEFAULT '',
    created        INTEGER NOT NULL,
    next_attempt   INTEGER NOT NULL
);
CREATE INDEX queue_by_blob ON queue (blob);
CREATE INDEX queue_by_next_attempt ON queue (next_attempt);
CREATE TABLE queue_recipients (
    queue_id    INTEGER NOT NULL REFERENCES queue(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    address     TEXT NOT NULL,
    params      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (queue_id, position)
) WITHOUT ROWID;
CREATE TRIGGER queue_take_blob AFTER INSERT ON queue BEGIN
    UPDATE blobs SET refcount = refcount + 1 WHERE sha256 = NEW.blob;
END;
CREATE TRIGGER queue_release_blob AFTER DELETE ON queue BEGIN
    UPDATE blobs SET refcount = refcount - 1 WHERE sha256 = OLD.blob;
END;
)sql"},
    // IMAP (RFC 9051, RFC 7162, RFC 6154, RFC 9208). Counters on mailboxes and accounts kept by
    // triggers, so STATUS (§6.3.11, RFC 8438 SIZE) and the quota check cost the same for a
    // million messages as for one; every way a message row comes, goes or changes flags (append,
    // delivery, COPY, STORE, EXPUNGE, the INBOX rename, cascades) moves them. Flags stay
    // space-separated atoms (join_flags); a flag test pads both sides with a space, so only the
    // whole word counts ("\SeenX" and "NotSeen" are not \Seen). last_uidvalidity makes every
    // new UIDVALIDITY of an account larger than all before it, even within one second
    // (RFC 9051 §2.3.1.1). Tombstones of expunged messages answer QRESYNC's VANISHED
    // (RFC 7162 §3.2.5.1, §3.2.10); subscriptions name mailboxes that need not exist (RFC 9051
    // §6.3.7). Accounts that exist get the special-use mailboxes new ones are created with.
    {6, "imap", R"sql(
ALTER TABLE mailboxes ADD COLUMN special_use TEXT NOT NULL DEFAULT '';
ALTER TABLE mailboxes ADD COLUMN message_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mailboxes ADD COLUMN unseen_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mailboxes ADD COLUMN deleted_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mailboxes ADD COLUMN total_size INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN used_bytes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN last_uidvalidity INTEGER NOT NULL DEFAULT 0;
CREATE INDEX messages_by_modseq ON messages (mailbox_id, modseq);
CREATE TABLE expunged (
    mailbox_id  INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
    uid         INTEGER NOT NULL,
    modseq      INTEGER NOT NULL,
    PRIMARY KEY (mailbox_id, uid)
) WITHOUT ROWID;
CREATE INDEX expunged_by_modseq ON expunged (mailbox_id, modseq);
CREATE TABLE subscriptions (
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    PRIMARY KEY (account_id, name)
) WITHOUT ROWID;

UPDATE mailboxes SET special_use = CASE name
    WHEN 'Sent' THEN '\Sent' WHEN 'Drafts' THEN '\Drafts' WHEN 'Trash' THEN '\Trash'
    WHEN 'Junk' THEN '\Junk' WHEN 'Archive' THEN '\Archive' ELSE '' END;
UPDATE accounts SET last_uidvalidity =
    (SELECT coalesce(max(uidvalidity), 0) FROM mailboxes WHERE account_id = accounts.id);
INSERT INTO mailboxes (account_id, name, uidvalidity, special_use)
    SELECT a.id, d.column1,
           max(CAST(strftime('%s', 'now') AS INTEGER), a.last_uidvalidity + 1), d.column2
    FROM accounts a, (VALUES ('INBOX', ''), ('Sent', '\Sent'), ('Drafts', '\Drafts'),
                             ('Trash', '\Trash'), ('Junk', '\Junk'), ('Archive', '\Archive')) d
    WHERE true
    ON CONFLICT (account_id, name) DO NOTHING;
UPDATE accounts SET last_uidvalidity =
    (SELECT coalesce(max(uidvalidity), 0) FROM mailboxes WHERE account_id = accounts.id);
INSERT OR IGNORE INTO subscriptions (account_id, name) SELECT account_id, name FROM mailboxes;

UPDATE mailboxes SET
    message_count = (SELECT count(*) FROM messages m WHERE m.mailbox_id = mailboxes.id),
    unseen_count = (SELECT count(*) FROM messages m WHERE m.mailbox_id = mailboxes.id
                        AND instr(' ' || m.flags || ' ', ' \Seen ') = 0),
    deleted_count = (SELECT count(*) FROM messages m WHERE m.mailbox_id = mailboxes.id
                         AND instr(' ' || m.flags || ' ', ' \Deleted ') > 0),
    total_size = (SELECT coalesce(sum(m.size), 0) FROM messages m
                      WHERE m.mailbox_id = mailboxes.id);
UPDATE accounts SET used_bytes =
    (SELECT coalesce(sum(b.total_size), 0) FROM mailboxes b WHERE b.account_id = accounts.id);

CREATE TRIGGER messages_count_insert AFTER INSERT ON messages BEGIN
    UPDATE mailboxes SET
        message_count = message_count + 1,
        unseen_count = unseen_count + (instr(' ' || NEW.flags || ' ', ' \Seen ') = 0),
        deleted_count = deleted_count + (instr(' ' || NEW.flags || ' ', ' \Deleted ') > 0),
        total_size = total_size + NEW.size
    WHERE id = NEW.mailbox_id;
    UPDATE accounts SET used_bytes = used_bytes + NEW.size
    WHERE id = (SELECT account_id FROM mailboxes WHERE id = NEW.mailbox_id);
END;
CREATE TRIGGER messages_count_delete AFTER DELETE ON messages BEGIN
    UPDATE mailboxes SET
        message_count = message_count - 1,
        unseen_count = unseen_count - (instr(' ' || OLD.flags || ' ', ' \Seen ') = 0),
        deleted_count = deleted_count - (instr(' ' || OLD.flags || ' ', ' \Deleted ') > 0),
        total_size = total_size - OLD.size
    WHERE id = OLD.mailbox_id;
    UPDATE accounts SET used_bytes = used_bytes - OLD.size
    WHERE id = (SELECT account_id FROM mailboxes WHERE id = OLD.mailbox_id);
END;
CREATE TRIGGER messages_count_flags AFTER UPDATE OF flags ON messages
WHEN OLD.mailbox_id = NEW.mailbox_id BEGIN
    UPDATE mailboxes SET
        unseen_count = unseen_count + (instr(' ' || NEW.flags || ' ', ' \Seen ') = 0)
                                    - (instr(' ' || OLD.flags || ' ', ' \Seen ') = 0),
        deleted_count = deleted_count + (instr(' ' || NEW.flags || ' ', ' \Deleted ') > 0)
                                      - (instr(' ' || OLD.flags || ' ', ' \Deleted ') > 0)
    WHERE id = NEW.mailbox_id;
END;
CREATE TRIGGER messages_count_move AFTER UPDATE OF mailbox_id ON messages
WHEN OLD.mailbox_id <> NEW.mailbox_id BEGIN
    UPDATE mailboxes SET
        message_count = message_count - 1,
        unseen_count = unseen_count - (instr(' ' || OLD.flags || ' ', ' \Seen ') = 0),
        deleted_count = deleted_count - (instr(' ' || OLD.flags || ' ', ' \Deleted ') > 0),
        total_size = total_size - OLD.size
    WHERE id = OLD.mailbox_id;
    UPDATE mailboxes SET
        message_count = message_count + 1,
        unseen_count = unseen_count + (instr(' ' || NEW.flags || ' ', ' \Seen ') = 0),
        deleted_count = deleted_count + (instr(' ' || NEW.flags || ' ', ' \Deleted ') > 0),
        total_size = total_size + NEW.size
    WHERE id = NEW.mailbox_id;
    UPDATE accounts SET used_bytes = used_bytes - OLD.size
    WHERE id = (SELECT account_id FROM mailboxes WHERE id = OLD.mailbox_id);
    UPDATE accounts SET used_bytes = used_bytes + NEW.size
    WHERE id = (SELECT account_id FROM mailboxes WHERE id = NEW.mailbox_id);
END;
)sql"},
    // Historical (step 8 removes it): the full-text index in the main database. FTS5 with the
    // trigram tokenizer, so any substring of three or more characters is an index lookup, case
    // sensitive because the text arrives already folded. One row per blob, through text_blobs
    // (blobs is WITHOUT ROWID and FTS5 rows need an integer key); the trigger removes both in
    // the transaction that deletes the blob row (its last reference gone, or the sweep at
    // open).
    {7, "text_index", R"sql(
CREATE TABLE text_blobs (
    id      INTEGER PRIMARY KEY,
    sha256  TEXT NOT NULL UNIQUE
);
CREATE VIRTUAL TABLE text_fts USING fts5(header, body, tokenize = 'trigram case_sensitive 1');
CREATE TRIGGER blobs_release_text AFTER DELETE ON blobs BEGIN
    DELETE FROM text_fts WHERE rowid = (SELECT id FROM text_blobs WHERE sha256 = OLD.sha256);
    DELETE FROM text_blobs WHERE sha256 = OLD.sha256;
END;
)sql"},
    // The full-text index moved to a database of its own (store/text/text_index.hpp): derived
    // data, rebuilt from the mail, written by its own thread rather than the writer that
    // commits deliveries. Step 7's tables and trigger go; their entries are simply indexed
    // again there.
    {8, "text_index_moved_out", R"sql(
DROP TRIGGER IF EXISTS blobs_release_text;
DROP TABLE IF EXISTS text_fts;
DROP TABLE IF EXISTS text_blobs;
)sql"},
    // Inline blobs get serial names (blob_store.hpp) instead of their SHA-256: with hash keys
    // each small message dirtied a random leaf page of blobs, blob_data and messages_by_blob,
    // about eleven WAL frames per message for the one writer thread. The last serial handed
    // out is kept here, so a name is never given twice, even after its blob is gone (the
    // full-text index may still hold that blob's summary until its indexer prunes it).
    {9, "serial_blob_names", R"sql(
CREATE TABLE blob_serial (
    id    INTEGER PRIMARY KEY CHECK (id = 0),
    last  INTEGER NOT NULL
);
INSERT INTO blob_serial (id, last) VALUES (0, 0);
)sql"},
    // RFC 9051 §6.3.5: DELETE of a mailbox with inferiors removes its messages and leaves the
    // name with the \Noselect attribute, until it is deleted itself. Such names have no
    // mailbox row (nothing can be selected, appended to or counted); they live here.
    {10, "noselect_names", R"sql(
CREATE TABLE noselect_names (
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    PRIMARY KEY (account_id, name)
) WITHOUT ROWID;
)sql"},
    // The outbound queue's runner (issue 7): where each recipient stands and what was last heard
    // of it, how often the entry was tried, whether it is held and whether the sender was told
    // of the delay (RFC 3464 "delayed", once). Due entries are found by (held, next_attempt).
    {11, "queue_state", R"sql(
ALTER TABLE queue ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE queue ADD COLUMN held INTEGER NOT NULL DEFAULT 0;
ALTER TABLE queue ADD COLUMN delay_warned INTEGER NOT NULL DEFAULT 0;
ALTER TABLE queue_recipients ADD COLUMN state INTEGER NOT NULL DEFAULT 0;
ALTER TABLE queue_recipients ADD COLUMN last_reply TEXT NOT NULL DEFAULT '';
ALTER TABLE queue_recipients ADD COLUMN remote TEXT NOT NULL DEFAULT '';
DROP INDEX queue_by_next_attempt;
CREATE INDEX queue_due ON queue (held, next_attempt);
)sql"},
    // Where the queue sends a domain's mail instead of its MX ("*": everything remote).
    {12, "routes", R"sql(
CREATE TABLE routes (
    domain        TEXT PRIMARY KEY,
    host          TEXT NOT NULL,
    port          INTEGER NOT NULL,
    tls           INTEGER NOT NULL,
    auth_user     TEXT NOT NULL DEFAULT '',
    auth_password TEXT NOT NULL DEFAULT ''
);
)sql"},
    // `harbor queue retry` marks an entry until its next attempt is recorded, so the runner
    // lifts a suspension of its destinations (as Postfix's `postqueue -f` revives dead ones).
    {13, "queue_retry_requested", R"sql(
ALTER TABLE queue ADD COLUMN retry_requested INTEGER NOT NULL DEFAULT 0;
)sql"},
    // MTA-STS policies as fetched (RFC 8461 §5.1): kept for their max_age across restarts, so
    // an attacker who blocks the policy fetch after a restart gains nothing.
    {14, "mta_sts_policies", R"sql(
CREATE TABLE mta_sts_policies (
    domain     TEXT PRIMARY KEY,
    policy_id  TEXT NOT NULL,
    policy     TEXT NOT NULL,
    fetched    INTEGER NOT NULL,
    expires    INTEGER NOT NULL
);
)sql"},
    // DKIM signing keys of local domains (RFC 6376 §3.6), the active one per domain signs.
    {15, "dkim_keys", R"sql(
CREATE TABLE dkim_keys (
    domain      TEXT NOT NULL,
    selector    TEXT NOT NULL,
    algorithm   TEXT NOT NULL,
    private_pem TEXT NOT NULL,
    created     INTEGER NOT NULL,
    active      INTEGER NOT NULL,
    PRIMARY KEY (domain, selector)
);
)sql"},
    // DMARC results kept for aggregate reports (RFC 7489 §7.2, Appendix C): a row per evaluated
    // message, its signatures' results beside it. Written with the delivery, so one index only
    // (by time: the report period and expiry both ask for a range of it); a domain's rows are
    // found within the range.
    {16, "dmarc_results", R"sql(
CREATE TABLE dmarc_results (
    id                INTEGER PRIMARY KEY,
    received          INTEGER NOT NULL,
    policy_domain     TEXT NOT NULL,
    rua               TEXT NOT NULL,
    policy            TEXT NOT NULL,
    subdomain_policy  TEXT NOT NULL,
    adkim             TEXT NOT NULL,
    aspf              TEXT NOT NULL,
    pct               INTEGER NOT NULL,
    fo                TEXT NOT NULL,
    source_ip         TEXT NOT NULL,
    header_from       TEXT NOT NULL,
    envelope_from     TEXT NOT NULL,
    spf_scope         TEXT NOT NULL,
    spf_result        TEXT NOT NULL,
    spf_aligned       INTEGER NOT NULL,
    dkim_aligned      INTEGER NOT NULL,
    result            TEXT NOT NULL,
    requested         TEXT NOT NULL,
    disposition       TEXT NOT NULL,
    sampled_out       INTEGER NOT NULL
);
CREATE INDEX dmarc_results_by_received ON dmarc_results (received);
CREATE TABLE dmarc_result_dkim (
    result_id  INTEGER NOT NULL REFERENCES dmarc_results(id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    domain     TEXT NOT NULL,
    selector   TEXT NOT NULL,
    result     TEXT NOT NULL,
    PRIMARY KEY (result_id, position)
) WITHOUT ROWID;
)sql"},
    // A queue entry's own header lines, sent before its blob (the Authentication-Results field
    // a gateway passes on, RFC 8601 §5), as a mailbox copy has its prefix (step 5).
    {17, "queue_prefix", R"sql(
ALTER TABLE queue ADD COLUMN prefix BLOB NOT NULL DEFAULT '';
)sql"},
    // Placed blob names (blob_store.hpp): each open of the store takes the next block, so a
    // name is never given twice, by this process or any before it.
    {18, "placed_blob_blocks", R"sql(
CREATE TABLE placed_blob_block (
    id    INTEGER PRIMARY KEY CHECK (id = 0),
    last  INTEGER NOT NULL
);
INSERT INTO placed_blob_block (id, last) VALUES (0, 0);
)sql"},
};

}  // namespace

std::span<const Migration> migrations()
{
    return steps;
}

int latest_schema_version()
{
    return steps[std::size(steps) - 1].version;
}

Result<void> apply_migrations(Connection& db, int target)
{
    if (target < 0) {
        target = latest_schema_version();
    }
    Result<std::int64_t> current = db.query_int64("PRAGMA user_version");
    HARBOR_TRY(current);
    if (*current > latest_schema_version()) {
        return unexpected(Errc::Unsupported, "database schema version " + std::to_string(*current) +
                                                 " is newer than this harbor knows");
    }
    for (const Migration& step : steps) {
        if (step.version <= *current || step.version > target) {
            continue;
        }
        // BEGIN IMMEDIATE: two processes opening the same fresh data dir cannot both migrate.
        HARBOR_TRY(db.exec("BEGIN IMMEDIATE"));
        // Re-read inside the write lock in case another opener migrated meanwhile.
        Result<std::int64_t> now = db.query_int64("PRAGMA user_version");
        if (!now) {
            (void)db.exec("ROLLBACK");
            return unexpected(std::move(now).error());
        }
        if (*now >= step.version) {
            HARBOR_TRY(db.exec("COMMIT"));
            continue;
        }
        std::string sql(step.sql);
        sql += "PRAGMA user_version = " + std::to_string(step.version) + ";";
        if (Result<void> applied = db.exec(sql); !applied) {
            (void)db.exec("ROLLBACK");
            Error error = std::move(applied).error();
            error.detail = "migration " + std::to_string(step.version) + " (" +
                           std::string(step.name) + "): " + error.detail;
            return unexpected(std::move(error));
        }
        HARBOR_TRY(db.exec("COMMIT"));
    }
    return ok();
}

}  // namespace harbor::store::sqlite
