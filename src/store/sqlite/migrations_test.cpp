// Each migration step is tested on a database built by the steps before it: build at N-1, put
// data in with that version's schema, open with the current code, check the data survived and
// the new step works.
#include "store/sqlite/migrations.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include "store/blob_store.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/test_support.hpp"

namespace harbor::store::sqlite {
namespace {

namespace fs = std::filesystem;
using testing::append_request;
using testing::open_or_fail;
using testing::TempDir;

constexpr std::string_view directory_seed = R"sql(
INSERT INTO domains (id, name) VALUES (1, 'example.org');
INSERT INTO accounts (id, domain_id, local_part, display_name, password_hash, scram_sha256,
                      role, right_imap, right_pop3, right_submission, quota_bytes, disabled)
    VALUES (7, 1, 'Alice', 'Alice A.', 'hash', 'scram', 2, 1, 0, 1, 0, 0);
INSERT INTO aliases (domain_id, source, target)
    VALUES (1, 'postmaster@example.org', 'alice@example.org');
INSERT INTO "groups" (id, domain_id, address) VALUES (3, 1, 'team@example.org');
INSERT INTO group_members (group_id, member) VALUES (3, 'alice@example.org');
)sql";

const std::string shared_body = "Subject: from version 2\r\n\r\nhello\r\n";
const std::string queued_blob = "s00000000000000a1";  // an inline blob's serial name

void check_directory(Store& store)
{
    Result<Account> alice = store.find_account("alice", "example.org");
    ASSERT_TRUE(alice) << alice.error().to_string();
    EXPECT_EQ(alice->id.value, 7);
    EXPECT_EQ(alice->display_name, "Alice A.");
    EXPECT_EQ(alice->credentials.password_hash, "hash");
    EXPECT_EQ(alice->role, Role::Admin);
    EXPECT_FALSE(alice->rights.pop3);
    Result<std::vector<Alias>> aliases = store.find_aliases("postmaster@example.org");
    ASSERT_TRUE(aliases);
    EXPECT_EQ(aliases->size(), 1u);
    Result<Group> team = store.find_group("team@example.org");
    ASSERT_TRUE(team);
    EXPECT_EQ(team->members, std::vector<std::string>{"alice@example.org"});
}

struct Case {
    int previous;  // the database is built with steps 1..previous
    std::function<void(Connection&, const fs::path& data_dir)> seed;
    std::function<void(Store&, const fs::path& data_dir)> check;
};

// Version 3 kept every body as a file, small ones too.
const std::string small_file_body = "Subject: from version 3\r\n\r\nsmall, but a file\r\n";

// The directory, and queue entry 4 (a blob of its own, recipients r1 and r2 pending) due at
// `next_attempt`; for schemas from version 10 on.
void seed_queued_entry(Connection& db, std::int64_t next_attempt)
{
    ASSERT_TRUE(db.exec(directory_seed));
    ASSERT_TRUE(db.exec("INSERT INTO blobs (sha256, size, refcount) VALUES ('" + queued_blob +
                        "', " + std::to_string(small_file_body.size()) + ", 0);"));
    sqlite::Statement insert = *db.prepare("INSERT INTO blob_data (sha256, bytes) VALUES (?, ?)");
    ASSERT_TRUE(insert.bind(1, queued_blob).bind_blob(2, small_file_body).run());
    ASSERT_TRUE(
        db.exec("INSERT INTO queue (id, blob, envelope_from, params, created, next_attempt)"
                "    VALUES (4, '" +
                queued_blob + "', 'alice@example.org', '', 100, " + std::to_string(next_attempt) +
                ");"
                "INSERT INTO queue_recipients (queue_id, position, address, params)"
                "    VALUES (4, 0, 'r1@remote.example', ''), (4, 1, 'r2@remote.example', '');"));
}

std::string large_file_body()
{
    std::string body = "Subject: from version 3\r\n\r\nlarge\r\n";
    body.resize(inline_blob_max + 10, 'L');
    return body;
}

std::int64_t count_rows(const fs::path& data_dir, const char* sql)
{
    Result<std::unique_ptr<Connection>> db =
        Connection::open(data_dir / database_file_name, OpenMode::ReadWrite);
    if (!db) {
        ADD_FAILURE() << db.error().to_string();
        return -1;
    }
    Result<std::int64_t> count = (*db)->query_int64(sql);
    EXPECT_TRUE(count);
    return count ? *count : -1;
}

const Case cases[] = {
    // Step 2 (mail tables) on a version-1 database: directory intact, mail usable.
    {1, [](Connection& db, const fs::path&) { ASSERT_TRUE(db.exec(directory_seed)); },
     [](Store& store, const fs::path&) {
         check_directory(store);
         Result<MessageRecord> appended =
             store.append(append_request(AccountId{7}, "INBOX", "first mail"));
         ASSERT_TRUE(appended) << appended.error().to_string();
         EXPECT_EQ(appended->uid, 1u);
     }},
    // Step 3 (refcount triggers) on a version-2 database whose refcounts were left at zero:
    // the step recomputes them, and the triggers then keep them.
    {2,
     [](Connection& db, const fs::path& data_dir) {
         ASSERT_TRUE(db.exec(directory_seed));
         std::string sha = *sha256_hex(shared_body);
         BlobStore blobs(data_dir / blob_dir_name);
         ASSERT_TRUE(blobs.create_root());
         ASSERT_TRUE(blobs.write(sha, shared_body));
         ASSERT_TRUE(db.exec(
             "INSERT INTO blobs (sha256, size, refcount) VALUES ('" + sha + "', " +
             std::to_string(shared_body.size()) +
             ", 0);"
             "INSERT INTO mailboxes (id, account_id, name, uidvalidity, uidnext, highestmodseq)"
             "    VALUES (5, 7, 'INBOX', 1234, 3, 9);"
             "INSERT INTO messages (mailbox_id, uid, modseq, blob, size, internal_date, flags)"
             "    VALUES (5, 1, 8, '" +
             sha +
             "', 1, 100, '\\Seen'),"
             "           (5, 2, 9, '" +
             sha + "', 1, 200, '');"));
     },
     [](Store& store, const fs::path&) {
         check_directory(store);
         BlobId blob{*sha256_hex(shared_body)};
         Result<std::uint64_t> refs = store.blob_refcount(blob);
         ASSERT_TRUE(refs);
         EXPECT_EQ(*refs, 2u);
         Result<std::vector<MessageRecord>> messages = store.list_messages(MailboxId{5});
         ASSERT_TRUE(messages);
         ASSERT_EQ(messages->size(), 2u);
         EXPECT_EQ((*messages)[0].flags, std::vector<std::string>{"\\Seen"});
         EXPECT_EQ(*store.read_blob(blob), shared_body);
         Result<MessageRecord> appended =
             store.append(append_request(AccountId{7}, "INBOX", shared_body));
         ASSERT_TRUE(appended);
         EXPECT_EQ(appended->uid, 3u);
         EXPECT_EQ(appended->modseq, 10u);
         // Small bodies are no longer shared by content (step 9): a blob of its own.
         EXPECT_TRUE(is_serial_blob_name(appended->blob.sha256));
         EXPECT_EQ(*store.blob_refcount(blob), 2u);
         for (std::uint32_t uid : {1u, 2u, 3u}) {
             ASSERT_TRUE(store.expunge(MailboxId{5}, uid));
         }
         EXPECT_FALSE(store.blob_refcount(blob));
     }},
    // Step 4 (inline blob bytes) on a version-3 database whose blobs, small and large, are all
    // files: they stay files and readable, new small bodies go inline (the same bytes again as
    // well: since step 9 small bodies are not shared by content), and releasing the last
    // reference still deletes the file.
    {3,
     [](Connection& db, const fs::path& data_dir) {
         ASSERT_TRUE(db.exec(directory_seed));
         BlobStore blobs(data_dir / blob_dir_name);
         ASSERT_TRUE(blobs.create_root());
         ASSERT_TRUE(db.exec("INSERT INTO mailboxes (id, account_id, name, uidvalidity, uidnext,"
                             "                       highestmodseq)"
                             "    VALUES (5, 7, 'INBOX', 1234, 3, 9);"));
         std::uint32_t uid = 1;
         for (const std::string& body : {small_file_body, large_file_body()}) {
             std::string sha = *sha256_hex(body);
             ASSERT_TRUE(blobs.write(sha, body));
             std::string size = std::to_string(body.size());
             // The step 3 trigger counts the reference.
             ASSERT_TRUE(db.exec(
                 "INSERT INTO blobs (sha256, size, refcount) VALUES ('" + sha + "', " + size +
                 ", 0);"
                 "INSERT INTO messages (mailbox_id, uid, modseq, blob, size, internal_date)"
                 "    VALUES (5, " +
                 std::to_string(uid++) + ", 8, '" + sha + "', " + size + ", 100);"));
         }
     },
     [](Store& store, const fs::path& data_dir) {
         check_directory(store);
         BlobStore files(data_dir / blob_dir_name);
         const BlobId small{*sha256_hex(small_file_body)};
         const BlobId large{*sha256_hex(large_file_body())};
         EXPECT_EQ(*store.read_blob(small), small_file_body);
         EXPECT_EQ(*store.read_blob(large), large_file_body());
         EXPECT_EQ(*store.blob_refcount(small), 1u);
         EXPECT_EQ(*store.blob_refcount(large), 1u);
         EXPECT_EQ(count_rows(data_dir, "SELECT count(*) FROM blob_data"), 0);

         Result<MessageRecord> again =
             store.append(append_request(AccountId{7}, "INBOX", small_file_body));
         ASSERT_TRUE(again) << again.error().to_string();
         EXPECT_EQ(again->uid, 3u);
         EXPECT_EQ(*store.blob_refcount(small), 1u);
         EXPECT_EQ(count_rows(data_dir, "SELECT count(*) FROM blob_data"), 1);
         Result<MessageRecord> fresh =
             store.append(append_request(AccountId{7}, "INBOX", "new and small"));
         ASSERT_TRUE(fresh);
         EXPECT_EQ(count_rows(data_dir, "SELECT count(*) FROM blob_data"), 2);
         EXPECT_FALSE(files.exists(fresh->blob.sha256));

         for (std::uint32_t uid : {1u, 2u, 3u}) {
             ASSERT_TRUE(store.expunge(MailboxId{5}, uid));
         }
         EXPECT_FALSE(store.blob_refcount(small));
         EXPECT_FALSE(files.exists(small.sha256));
         EXPECT_FALSE(files.exists(large.sha256));
         EXPECT_EQ(*store.read_blob(fresh->blob), "new and small");
     }},
    // Step 5 (per-copy prefix, outbound queue) on a version-4 database: existing messages get
    // an empty prefix and read as before; a delivery with a prefix and a queue entry holds two
    // references to its one blob (a new one: since step 9 small bodies get serial names).
    {4,
     [](Connection& db, const fs::path&) {
         ASSERT_TRUE(db.exec(directory_seed));
         const std::string sha = *sha256_hex(small_file_body);
         const std::string size = std::to_string(small_file_body.size());
         ASSERT_TRUE(db.exec("INSERT INTO blobs (sha256, size, refcount) VALUES ('" + sha +
                             "', " + size + ", 0);"));
         sqlite::Statement insert = *db.prepare("INSERT INTO blob_data (sha256, bytes) VALUES (?, ?)");
         ASSERT_TRUE(insert.bind(1, sha).bind_blob(2, small_file_body).run());
         ASSERT_TRUE(db.exec("INSERT INTO mailboxes (id, account_id, name, uidvalidity, uidnext,"
                             "                       highestmodseq)"
                             "    VALUES (5, 7, 'INBOX', 1234, 2, 8);"
                             "INSERT INTO messages (mailbox_id, uid, modseq, blob, size, "
                             "                      internal_date)"
                             "    VALUES (5, 1, 8, '" + sha + "', " + size + ", 100);"));
     },
     [](Store& store, const fs::path&) {
         check_directory(store);
         const BlobId blob{*sha256_hex(small_file_body)};
         Result<std::vector<MessageRecord>> old = store.list_messages(MailboxId{5});
         ASSERT_TRUE(old && old->size() == 1u);
         EXPECT_EQ((*old)[0].prefix.get(), "");
         EXPECT_EQ(*store.read_message((*old)[0]), small_file_body);

         DeliverRequest request;
         request.bytes = small_file_body;
         MailboxCopy copy;
         copy.account = AccountId{7};
         copy.prefix = "Delivered-To: a@example.org\r\n";
         request.copies.push_back(copy);
         request.outbound = OutboundCopy{"", "", {{"x@remote.example", ""}}};
         Result<DeliverResult> delivered = store.deliver(std::move(request));
         ASSERT_TRUE(delivered) << delivered.error().to_string();
         ASSERT_TRUE(delivered->copies[0]);
         EXPECT_EQ(delivered->copies[0]->uid, 2u);
         EXPECT_EQ(*store.blob_refcount(blob), 1u);
         EXPECT_EQ(*store.blob_refcount(delivered->blob), 2u);
         EXPECT_EQ(*store.read_message(*delivered->copies[0]),
                   "Delivered-To: a@example.org\r\n" + small_file_body);
     }},
    // Step 6 (IMAP counters, tombstones, subscriptions, special-use) on a version-5 database:
    // the counters and used_bytes are computed from the rows there (flags matched as whole
    // words), the account gets its special-use mailboxes (an existing "Sent" keeps its id and
    // messages), and the triggers keep the counters from then on.
    {5,
     [](Connection& db, const fs::path&) {
         ASSERT_TRUE(db.exec(directory_seed));
         const std::string sha = *sha256_hex(small_file_body);
         ASSERT_TRUE(db.exec("INSERT INTO blobs (sha256, size, refcount) VALUES ('" + sha +
                             "', 10, 0);"));
         sqlite::Statement insert =
             *db.prepare("INSERT INTO blob_data (sha256, bytes) VALUES (?, ?)");
         ASSERT_TRUE(insert.bind(1, sha).bind_blob(2, small_file_body).run());
         ASSERT_TRUE(db.exec(
             "INSERT INTO mailboxes (id, account_id, name, uidvalidity, uidnext, highestmodseq)"
             "    VALUES (5, 7, 'INBOX', 1234, 5, 9), (6, 7, 'Sent', 1300, 2, 3);"
             "INSERT INTO messages (mailbox_id, uid, modseq, blob, size, internal_date, flags)"
             "    VALUES (5, 1, 6, '" + sha + "', 100, 1, '\\Seen'),"
             "           (5, 2, 7, '" + sha + "', 200, 1, '\\SeenX NotSeen'),"
             "           (5, 3, 8, '" + sha + "', 300, 1, '\\Deleted \\Seen'),"
             "           (5, 4, 9, '" + sha + "', 400, 1, 'X\\Deleted'),"
             "           (6, 1, 3, '" + sha + "', 50, 1, '\\Seen');"));
     },
     [](Store& store, const fs::path&) {
         check_directory(store);
         Result<MailboxStatus> inbox = store.mailbox_status(MailboxId{5});
         ASSERT_TRUE(inbox) << inbox.error().to_string();
         EXPECT_EQ(inbox->messages, 4u);
         EXPECT_EQ(inbox->unseen, 2u);
         EXPECT_EQ(inbox->deleted, 1u);
         EXPECT_EQ(inbox->size, 1000u);
         EXPECT_EQ(inbox->uidvalidity, 1234u);
         EXPECT_EQ(inbox->highest_modseq, 9u);
         EXPECT_EQ(*store.used_bytes(AccountId{7}), 1050u);
         Result<Mailbox> sent = store.find_mailbox(AccountId{7}, "Sent");
         ASSERT_TRUE(sent);
         EXPECT_EQ(sent->id.value, 6);
         EXPECT_EQ(sent->special_use, "\\Sent");
         Result<Mailbox> trash = store.find_mailbox(AccountId{7}, "Trash");
         ASSERT_TRUE(trash);
         EXPECT_EQ(trash->special_use, "\\Trash");
         EXPECT_GT(trash->uidvalidity, 1300u);
         EXPECT_EQ(store.list_mailboxes(AccountId{7})->size(), 6u);
         EXPECT_EQ(store.list_subscriptions(AccountId{7})->size(), 6u);

         ASSERT_TRUE(store.store_flags(
             StoreFlagsRequest{MailboxId{5}, {{2, 2}}, FlagMode::Add, {"\\Seen"}, {}}));
         Result<ExpungeResult> expunged =
             store.expunge(MailboxId{5}, all_uids(), ExpungeScope::DeletedOnly);
         ASSERT_TRUE(expunged);
         EXPECT_EQ(expunged->uids, std::vector<std::uint32_t>{3});
         inbox = store.mailbox_status(MailboxId{5});
         EXPECT_EQ(inbox->messages, 3u);
         EXPECT_EQ(inbox->unseen, 1u);
         EXPECT_EQ(inbox->deleted, 0u);
         EXPECT_EQ(*store.used_bytes(AccountId{7}), 750u);
         EXPECT_EQ(*store.list_expunged_since(MailboxId{5}, 9), std::vector<std::uint32_t>{3});
     }},
    // Step 7 (full-text index, moved out again by step 8) on a version-6 database: its mail
    // stays readable and removable, and no text table is left behind.
    {6,
     [](Connection& db, const fs::path&) {
         ASSERT_TRUE(db.exec(directory_seed));
         const std::string sha = *sha256_hex(small_file_body);
         ASSERT_TRUE(db.exec("INSERT INTO blobs (sha256, size, refcount) VALUES ('" + sha +
                             "', 10, 0);"));
         sqlite::Statement insert =
             *db.prepare("INSERT INTO blob_data (sha256, bytes) VALUES (?, ?)");
         ASSERT_TRUE(insert.bind(1, sha).bind_blob(2, small_file_body).run());
         ASSERT_TRUE(db.exec(
             "INSERT INTO mailboxes (id, account_id, name, uidvalidity, uidnext, highestmodseq)"
             "    VALUES (5, 7, 'INBOX', 1234, 2, 8);"
             "INSERT INTO messages (mailbox_id, uid, modseq, blob, size, internal_date)"
             "    VALUES (5, 1, 8, '" + sha + "', 10, 100);"));
     },
     [](Store& store, const fs::path& data_dir) {
         check_directory(store);
         Result<std::vector<MessageRecord>> messages = store.list_messages(MailboxId{5});
         ASSERT_TRUE(messages) << messages.error().to_string();
         ASSERT_EQ(messages->size(), 1u);
         EXPECT_EQ(*store.read_blob((*messages)[0].blob), small_file_body);
         ASSERT_TRUE(store.expunge(MailboxId{5}, 1));
         EXPECT_EQ(count_rows(data_dir, "SELECT count(*) FROM blobs"), 0);
         EXPECT_EQ(count_rows(data_dir, "SELECT count(*) FROM sqlite_master WHERE name LIKE "
                                        "'text%' OR name = 'blobs_release_text'"),
                   0);
     }},
    // Step 8 (the full-text index leaves the store's database) on a version-7 database with
    // indexed mail: the tables and the trigger go, and removing the blob's last reference no
    // longer touches them.
    {7,
     [](Connection& db, const fs::path&) {
         ASSERT_TRUE(db.exec(directory_seed));
         const std::string sha = *sha256_hex(small_file_body);
         ASSERT_TRUE(db.exec("INSERT INTO blobs (sha256, size, refcount) VALUES ('" + sha +
                             "', 10, 0);"));
         sqlite::Statement insert =
             *db.prepare("INSERT INTO blob_data (sha256, bytes) VALUES (?, ?)");
         ASSERT_TRUE(insert.bind(1, sha).bind_blob(2, small_file_body).run());
         ASSERT_TRUE(db.exec(
             "INSERT INTO mailboxes (id, account_id, name, uidvalidity, uidnext, highestmodseq)"
             "    VALUES (5, 7, 'INBOX', 1234, 2, 8);"
             "INSERT INTO messages (mailbox_id, uid, modseq, blob, size, internal_date)"
             "    VALUES (5, 1, 8, '" + sha + "', 10, 100);"
             "INSERT INTO text_blobs (id, sha256) VALUES (1, '" + sha + "');"
             "INSERT INTO text_fts (rowid, header, body) VALUES (1, 'SUBJECT', 'SMALL');"));
     },
     [](Store& store, const fs::path& data_dir) {
         check_directory(store);
         EXPECT_EQ(count_rows(data_dir, "SELECT count(*) FROM sqlite_master WHERE name LIKE "
                                        "'text%' OR name = 'blobs_release_text'"),
                   0);
         Result<std::vector<MessageRecord>> messages = store.list_messages(MailboxId{5});
         ASSERT_TRUE(messages) << messages.error().to_string();
         ASSERT_EQ(messages->size(), 1u);
         ASSERT_TRUE(store.expunge(MailboxId{5}, 1));
         EXPECT_EQ(count_rows(data_dir, "SELECT count(*) FROM blobs"), 0);
     }},
    // Step 9 (serial names for inline blobs) on a version-8 database holding an inline blob
    // under its hash: that blob stays readable under its old name, new small mail gets serial
    // names, and expunging the old copy removes its bytes.
    {8,
     [](Connection& db, const fs::path&) {
         ASSERT_TRUE(db.exec(directory_seed));
         const std::string sha = *sha256_hex(small_file_body);
         ASSERT_TRUE(db.exec("INSERT INTO blobs (sha256, size, refcount) VALUES ('" + sha +
                             "', " + std::to_string(small_file_body.size()) + ", 0);"));
         sqlite::Statement insert =
             *db.prepare("INSERT INTO blob_data (sha256, bytes) VALUES (?, ?)");
         ASSERT_TRUE(insert.bind(1, sha).bind_blob(2, small_file_body).run());
         ASSERT_TRUE(db.exec(
             "INSERT INTO mailboxes (id, account_id, name, uidvalidity, uidnext, highestmodseq)"
             "    VALUES (5, 7, 'INBOX', 1234, 2, 8);"
             "INSERT INTO messages (mailbox_id, uid, modseq, blob, size, internal_date)"
             "    VALUES (5, 1, 8, '" + sha + "', " + std::to_string(small_file_body.size()) +
             ", 100);"));
     },
     [](Store& store, const fs::path& data_dir) {
         check_directory(store);
         Result<std::vector<MessageRecord>> messages = store.list_messages(MailboxId{5});
         ASSERT_TRUE(messages) << messages.error().to_string();
         ASSERT_EQ(messages->size(), 1u);
         EXPECT_EQ((*messages)[0].blob.sha256, *sha256_hex(small_file_body));
         EXPECT_EQ(*store.read_blob((*messages)[0].blob), small_file_body);
         Result<MessageRecord> fresh = store.append(
             append_request(AccountId{7}, "INBOX", small_file_body));
         ASSERT_TRUE(fresh) << fresh.error().to_string();
         EXPECT_TRUE(is_serial_blob_name(fresh->blob.sha256)) << fresh->blob.sha256;
         EXPECT_EQ(*store.read_blob(fresh->blob), small_file_body);
         ASSERT_TRUE(store.expunge(MailboxId{5}, 1));
         EXPECT_EQ(count_rows(data_dir, "SELECT count(*) FROM blob_data"), 1);
         EXPECT_EQ(count_rows(data_dir, "SELECT count(*) FROM blobs WHERE sha256 LIKE 's%'"), 1);
     }},
    // Step 10 (\Noselect names) on a version-9 database whose "Old" was deleted before with
    // "Old/Child" below it: none are kept (the name lived only through its inferior, as before);
    // a DELETE now leaves one.
    {9,
     [](Connection& db, const fs::path&) {
         ASSERT_TRUE(db.exec(directory_seed));
         ASSERT_TRUE(db.exec(
             "INSERT INTO mailboxes (id, account_id, name, uidvalidity, uidnext, highestmodseq)"
             "    VALUES (5, 7, 'INBOX', 1234, 1, 1), (6, 7, 'Old/Child', 1235, 1, 1),"
             "           (8, 7, 'New', 1236, 1, 1), (9, 7, 'New/Child', 1237, 1, 1);"));
     },
     [](Store& store, const fs::path&) {
         check_directory(store);
         EXPECT_EQ(*store.list_noselect_names(AccountId{7}), std::vector<std::string>{});
         ASSERT_TRUE(store.delete_mailbox(MailboxId{8}));
         EXPECT_EQ(*store.list_noselect_names(AccountId{7}), std::vector<std::string>{"New"});
     }},
    // Step 11 (queue state) on a version-10 database with a queued message: its recipients
    // are pending, it is due, and an attempt that settles them removes it and its blob.
    {10, [](Connection& db, const fs::path&) { seed_queued_entry(db, 100); },
     [](Store& store, const fs::path& data_dir) {
         check_directory(store);
         Result<std::vector<QueuedMessage>> due = store.due_queue_entries(100, 10);
         ASSERT_TRUE(due) << due.error().to_string();
         ASSERT_EQ(due->size(), 1u);
         const QueuedMessage& entry = (*due)[0];
         EXPECT_EQ(entry.id, 4);
         EXPECT_EQ(entry.attempts, 0u);
         ASSERT_EQ(entry.recipients.size(), 2u);
         EXPECT_EQ(entry.recipients[1].state, RecipientState::Pending);
         QueueAttempt attempt;
         attempt.id = 4;
         attempt.outcomes.push_back({0, RecipientState::Delivered, "250 ok", "mx"});
         attempt.outcomes.push_back({1, RecipientState::Failed, "550 no", "mx"});
         ASSERT_TRUE(store.record_queue_attempt(std::move(attempt)));
         EXPECT_TRUE(store.list_queue()->empty());
         EXPECT_EQ(count_rows(data_dir, "SELECT count(*) FROM blobs"), 0);
     }},
    // Step 12 (routes) on a version-11 database: no routes, and one can be added.
    {11, [](Connection& db, const fs::path&) { ASSERT_TRUE(db.exec(directory_seed)); },
     [](Store& store, const fs::path&) {
         check_directory(store);
         EXPECT_TRUE(store.list_routes()->empty());
         ASSERT_TRUE(store.put_route(Route{"corp.example", "10.0.0.25", 25}));
         EXPECT_EQ(store.list_routes()->size(), 1u);
     }},
    // Step 13 (retry requests) on a version-12 database with a queued message: not requested,
    // until `harbor queue retry` asks.
    {12, [](Connection& db, const fs::path&) { seed_queued_entry(db, 500); },
     [](Store& store, const fs::path&) {
         check_directory(store);
         EXPECT_FALSE(store.find_queue_entry(4)->retry_requested);
         ASSERT_TRUE(store.change_queue_entry(4, QueueAction::RetryNow, 200));
         Result<QueuedMessage> entry = store.find_queue_entry(4);
         EXPECT_TRUE(entry->retry_requested);
         EXPECT_EQ(entry->next_attempt, 200);
     }},
    // Step 14 (MTA-STS policies) on a version-13 database: none, and one can be kept.
    {13, [](Connection& db, const fs::path&) { ASSERT_TRUE(db.exec(directory_seed)); },
     [](Store& store, const fs::path&) {
         check_directory(store);
         EXPECT_TRUE(store.list_sts_policies(0)->empty());
         ASSERT_TRUE(store.put_sts_policy(
             StsPolicyRecord{"remote.example", "20261130", "version: STSv1\n", 100, 200}));
         EXPECT_EQ(store.list_sts_policies(150)->size(), 1u);
     }},
    // Step 15 (DKIM keys) on a version-14 database: none, and one can be added.
    {14, [](Connection& db, const fs::path&) { ASSERT_TRUE(db.exec(directory_seed)); },
     [](Store& store, const fs::path&) {
         check_directory(store);
         EXPECT_TRUE(store.list_dkim_keys("")->empty());
         ASSERT_TRUE(store.add_dkim_key(
             DkimKeyRecord{"example.org", "s1", "ed25519-sha256", "PEM", 100, true}));
         EXPECT_EQ(store.list_dkim_keys("example.org")->size(), 1u);
     }},
    // Step 16 (DMARC results) on a version-15 database: none, and one can be kept.
    {15, [](Connection& db, const fs::path&) { ASSERT_TRUE(db.exec(directory_seed)); },
     [](Store& store, const fs::path&) {
         check_directory(store);
         EXPECT_TRUE(store.list_dmarc_results({})->empty());
         DmarcResultRecord result;
         result.policy_domain = "remote.example";
         result.dkim.push_back({"remote.example", "s1", "pass"});
         ASSERT_TRUE(store.record_dmarc_result(result));
         EXPECT_EQ(*store.list_dmarc_results({}), std::vector<DmarcResultRecord>{result});
     }},
    // Step 17 (queue prefixes) on a version-16 database with a queued message: it is sent as
    // it was stored, with no lines on top.
    {16, [](Connection& db, const fs::path&) { seed_queued_entry(db, 100); },
     [](Store& store, const fs::path&) {
         check_directory(store);
         Result<QueuedMessage> entry = store.find_queue_entry(4);
         ASSERT_TRUE(entry) << entry.error().to_string();
         EXPECT_EQ(entry->prefix, "");
         EXPECT_EQ(entry->size, small_file_body.size());
         EXPECT_EQ(*store.read_queued_message(*entry), small_file_body);
     }},
    // Step 18 (placed blob blocks) on a version-17 database: the queued message is still
    // read, and the first open takes block 1 for its placed names.
    {17, [](Connection& db, const fs::path&) { seed_queued_entry(db, 100); },
     [](Store& store, const fs::path&) {
         check_directory(store);
         EXPECT_EQ(*store.read_queued_message(*store.find_queue_entry(4)), small_file_body);
         Result<PlacedFile> file = store.create_blob_file();
         ASSERT_TRUE(file) << file.error().to_string();
         ::close(file->fd);
         EXPECT_EQ(file->name, "p0000000100000000");
     }},
};

TEST(Migrations, StepsAreNumberedFromOneWithoutGaps)
{
    int expected = 1;
    for (const Migration& step : migrations()) {
        EXPECT_EQ(step.version, expected++) << step.name;
    }
    EXPECT_EQ(latest_schema_version(), expected - 1);
}

TEST(Migrations, EveryStepHasACaseOpeningTheVersionBeforeIt)
{
    for (int version = 2; version <= latest_schema_version(); ++version) {
        bool covered = false;
        for (const Case& c : cases) {
            covered = covered || c.previous == version - 1;
        }
        EXPECT_TRUE(covered) << "no upgrade test for step " << version;
    }
}

TEST(Migrations, DataSurvivesUpgradeFromEachPreviousVersion)
{
    for (const Case& c : cases) {
        SCOPED_TRACE("upgrade from version " + std::to_string(c.previous));
        TempDir dir;
        {
            Result<std::unique_ptr<Connection>> db =
                Connection::open(dir.path() / database_file_name, OpenMode::ReadWrite);
            ASSERT_TRUE(db);
            ASSERT_TRUE(configure_connection(**db));
            ASSERT_TRUE(apply_migrations(**db, c.previous));
            EXPECT_EQ(*(*db)->query_int64("PRAGMA user_version"), c.previous);
            c.seed(**db, dir.path());
        }
        std::unique_ptr<Store> store = open_or_fail(dir.path());
        ASSERT_NE(store, nullptr);
        c.check(*store, dir.path());
        store.reset();
        Result<std::unique_ptr<Connection>> db =
            Connection::open(dir.path() / database_file_name, OpenMode::ReadWrite);
        ASSERT_TRUE(db);
        EXPECT_EQ(*(*db)->query_int64("PRAGMA user_version"), latest_schema_version());
    }
}

TEST(Migrations, NewerDatabaseIsRefused)
{
    TempDir dir;
    {
        Result<std::unique_ptr<Connection>> db =
            Connection::open(dir.path() / database_file_name, OpenMode::ReadWrite);
        ASSERT_TRUE(db);
        ASSERT_TRUE(
            (*db)->exec("PRAGMA user_version = " + std::to_string(latest_schema_version() + 1)));
    }
    Result<std::unique_ptr<Store>> store = open_store(StoreOptions{dir.path()});
    ASSERT_FALSE(store);
    EXPECT_EQ(store.error().code, Errc::Unsupported);
}

TEST(Migrations, ReopeningAnUpToDateDatabaseChangesNothing)
{
    TempDir dir;
    std::unique_ptr<Store> store = open_or_fail(dir.path());
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->create_domain("example.org"));
    store.reset();
    store = open_or_fail(dir.path());
    ASSERT_NE(store, nullptr);
    EXPECT_TRUE(store->find_domain("example.org"));
}

}  // namespace
}  // namespace harbor::store::sqlite
