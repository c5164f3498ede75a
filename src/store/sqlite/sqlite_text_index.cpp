// The full-text index behind IMAP SEARCH BODY and TEXT (RFC 9051 §6.4.4) in SQLite: an FTS5
// table with the trigram tokenizer (SQLite 3.34 or later), one row per blob, not per copy (a
// blob is shared by every copy of a message: MessageRecord::blob). Migration step 7 made the
// tables; a trigger on blobs removes a blob's row with the blob's last reference.
// The store does not parse MIME (DESIGN.md "Modules"): the caller hands in the header and body
// text already decoded and case-folded, and folds the needle the same way
// (imap/search/text_index.hpp). The tokenizer is case-sensitive, so a match is an exact
// substring of the stored text: an FTS5 phrase of trigrams matches only consecutive trigrams.
// SECURITY: the needle is client input; it reaches SQL only as a bound MATCH parameter, quoted
// as one FTS5 string (a '"' doubled), so it cannot add FTS5 operators or column filters.
#include <algorithm>
#include <cstdint>
#include <string>

#include "store/sqlite/sqlite_store.hpp"

namespace harbor::store::sqlite {
namespace {

// A trigram index answers substrings of three or more characters; shorter ones match no row
// (SQLite FTS5 "The Trigram Tokenizer").
constexpr std::size_t min_needle_characters = 3;

std::size_t count_code_points(std::string_view utf8)
{
    std::size_t count = 0;
    for (char c : utf8) {
        // Every byte but a UTF-8 continuation byte (10xxxxxx) starts a character.
        if ((static_cast<unsigned char>(c) & 0xC0U) != 0x80U) {
            ++count;
        }
    }
    return count;
}

// The needle as one FTS5 string: inside "...", only '"' is special, and it is doubled.
std::string fts_phrase(std::string_view needle, TextScope scope)
{
    std::string query = scope == TextScope::Body ? "body : \"" : "\"";
    for (char c : needle) {
        query.push_back(c);
        if (c == '"') {
            query.push_back('"');
        }
    }
    query.push_back('"');
    return query;
}

Result<std::vector<std::uint32_t>> read_uids(Statement& stmt)
{
    std::vector<std::uint32_t> uids;
    for (;;) {
        Result<bool> row = stmt.step();
        HARBOR_TRY(row);
        if (!*row) {
            return uids;
        }
        uids.push_back(static_cast<std::uint32_t>(stmt.column_int64(0)));
    }
}

// Runs on the writer thread inside the request's savepoint.
Result<void> insert_text(WriteContext& ctx, const BlobId& blob, const std::string& header_text,
                         const std::string& body_text)
{
    // The FTS5 tokenizers stop at a NUL: text after one would silently go unsearched.
    if (header_text.find('\0') != std::string::npos ||
        body_text.find('\0') != std::string::npos) {
        return unexpected(Errc::Invalid, "text with a NUL character");
    }
    Result<Statement> known = ctx.db.prepare("SELECT 1 FROM text_blobs WHERE sha256 = ?");
    HARBOR_TRY(known);
    Result<bool> indexed = known->bind(1, blob.sha256).step();
    HARBOR_TRY(indexed);
    if (*indexed) {
        return ok();  // indexed by an earlier request: the text of one blob never changes
    }
    // Only a blob that still exists: the last copy may have gone while the caller extracted
    // its text, and a row for a deleted blob would never be removed.
    Result<Statement> insert = ctx.db.prepare(
        "INSERT INTO text_blobs (sha256) SELECT sha256 FROM blobs WHERE sha256 = ?");
    HARBOR_TRY(insert);
    HARBOR_TRY(insert->bind(1, blob.sha256).run());
    if (ctx.db.changes() == 0) {
        return unexpected(Errc::NotFound, "no blob " + blob.sha256);
    }
    const std::int64_t row = ctx.db.last_insert_rowid();
    Result<Statement> text =
        ctx.db.prepare("INSERT INTO text_fts (rowid, header, body) VALUES (?, ?, ?)");
    HARBOR_TRY(text);
    return text->bind(1, row).bind(2, header_text).bind(3, body_text).run();
}

}  // namespace

void SqliteStore::index_text_async(BlobId blob, std::string header_text, std::string body_text,
                                   Done<void> done)
{
    if (!is_blob_name(blob.sha256)) {
        done(unexpected(Errc::Invalid, "bad blob name"));
        return;
    }
    writer_->submit<void>(
        [blob = std::move(blob), header = std::move(header_text),
         body = std::move(body_text)](WriteContext& ctx) -> Result<void> {
            return insert_text(ctx, blob, header, body);
        },
        std::move(done));
}

Result<std::vector<MessageRecord>> SqliteStore::list_unindexed(MailboxId mailbox,
                                                               std::uint32_t after_uid,
                                                               std::size_t limit)
{
    Result<Reader> db = reader();
    HARBOR_TRY(db);
    Result<ReadTransaction> snapshot = ReadTransaction::begin(**db);
    HARBOR_TRY(snapshot);
    Result<std::uint32_t> uidvalidity = mailbox_uidvalidity(**db, mailbox);
    HARBOR_TRY(uidvalidity);
    Result<Statement> stmt = (*db)->prepare(
        "SELECT mailbox_id, uid, modseq, blob, size, internal_date, flags, prefix FROM messages m "
        "WHERE mailbox_id = ? AND uid > ? "
        "AND NOT EXISTS (SELECT 1 FROM text_blobs t WHERE t.sha256 = m.blob) "
        "ORDER BY uid LIMIT ?");
    HARBOR_TRY(stmt);
    stmt->bind(1, mailbox.value)
        .bind(2, static_cast<std::int64_t>(after_uid))
        .bind(3, static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX)));
    return read_message_rows(*stmt, *uidvalidity);
}

Result<TextMatches> SqliteStore::search_text(MailboxId mailbox, std::string_view needle,
                                             TextScope scope)
{
    if (count_code_points(needle) < min_needle_characters) {
        return unexpected(Errc::Unsupported, "a needle of fewer than 3 characters");
    }
    if (needle.find('\0') != std::string_view::npos) {
        return unexpected(Errc::Unsupported, "a needle with a NUL");  // as index_text_async
    }
    Result<Reader> db = reader();
    HARBOR_TRY(db);
    // One snapshot: a copy is either matched, unindexed, or known not to match.
    Result<ReadTransaction> snapshot = ReadTransaction::begin(**db);
    HARBOR_TRY(snapshot);
    TextMatches out;
    {
        Result<Statement> top =
            (*db)->prepare("SELECT coalesce(max(uid), 0) FROM messages WHERE mailbox_id = ?");
        HARBOR_TRY(top);
        Result<bool> row = top->bind(1, mailbox.value).step();
        HARBOR_TRY(row);
        out.max_uid = static_cast<std::uint32_t>(top->column_int64(0));
    }
    {
        // From the index to the copies, in that order (CROSS JOIN fixes it in SQLite): left to
        // itself the planner walks the mailbox and runs the full-text query once per message.
        Result<Statement> matches = (*db)->prepare(
            "SELECT m.uid FROM text_fts f CROSS JOIN text_blobs t CROSS JOIN messages m "
            "WHERE text_fts MATCH ? AND t.id = f.rowid AND m.blob = t.sha256 "
            "AND m.mailbox_id = ? ORDER BY m.uid");
        HARBOR_TRY(matches);
        matches->bind(1, fts_phrase(needle, scope)).bind(2, mailbox.value);
        Result<std::vector<std::uint32_t>> uids = read_uids(*matches);
        HARBOR_TRY(uids);
        out.uids = std::move(*uids);
    }
    {
        Result<Statement> unindexed = (*db)->prepare(
            "SELECT uid FROM messages m WHERE mailbox_id = ? "
            "AND NOT EXISTS (SELECT 1 FROM text_blobs t WHERE t.sha256 = m.blob) ORDER BY uid");
        HARBOR_TRY(unindexed);
        unindexed->bind(1, mailbox.value);
        Result<std::vector<std::uint32_t>> uids = read_uids(*unindexed);
        HARBOR_TRY(uids);
        out.unindexed = std::move(*uids);
    }
    return out;
}

}  // namespace harbor::store::sqlite
