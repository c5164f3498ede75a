// TextIndex::search (text_index.hpp): SEARCH BODY/TEXT for one mailbox's copies. The index
// holds every blob of every mailbox, so there are two ways to the answer, chosen by size: a
// mailbox small beside the index reads its own blobs' folded text from the index and looks
// for the needles in it; a large one asks FTS5 for every blob holding a needle and keeps those
// it has. Either costs what the smaller side does: a 1,000-message mailbox is not searched at
// the pace of the whole server's mail.
#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "store/text/text_index.hpp"
#include "store/text/text_index_reader.hpp"

namespace harbor::store::text {
using sqlite::ReadTransaction;
using sqlite::Statement;

namespace {

// Reading a blob's text costs a row lookup and a substring search (~10 µs for 4 KiB); a MATCH
// reads the needle's trigram doclists over the whole index. Measured (docs/benchmarks.md, the
// IMAP section): the texts win while the mailbox has fewer blobs than about this part of it.
constexpr std::size_t text_fraction = 8;

std::size_t count_code_points(std::string_view utf8)
{
    return static_cast<std::size_t>(std::count_if(utf8.begin(), utf8.end(), [](char c) {
        // Every byte but a UTF-8 continuation byte (10xxxxxx) starts a character.
        return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U;
    }));
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

// Each copy's blob row id (0: the blob's text is not in the index), one lookup per blob.
Result<std::vector<std::int64_t>> blob_ids(sqlite::Connection& db, const MessageList& copies)
{
    std::vector<std::int64_t> ids(copies.size(), 0);
    std::unordered_map<std::string_view, std::int64_t> known;
    for (std::size_t i = 0; i < copies.size(); ++i) {
        auto [id, inserted] = known.try_emplace(copies[i].blob.sha256, 0);
        if (inserted) {
            Result<Statement> stmt =
                db.prepare("SELECT id FROM blobs WHERE sha256 = ? AND in_fts = 1");
            HARBOR_TRY(stmt);
            Result<bool> row = stmt->bind(1, copies[i].blob.sha256).step();
            HARBOR_TRY(row);
            id->second = *row ? stmt->column_int64(0) : 0;
        }
        ids[i] = id->second;
    }
    return ids;
}

// Per query, per copy: whether the blob's text, as the index keeps it (FTS5's own copy, one
// row read per distinct blob), holds the needle. The text is folded as the needles are, and a
// trigram phrase matches exactly where the needle is a substring of one column.
Result<std::vector<std::vector<bool>>> match_texts(sqlite::Connection& db,
                                                   std::span<const TextQuery> queries,
                                                   const std::vector<std::int64_t>& ids)
{
    std::vector<std::vector<bool>> matched(queries.size(), std::vector<bool>(ids.size(), false));
    std::unordered_map<std::int64_t, std::vector<bool>> answers;  // per blob, per query
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (ids[i] == 0) {
            continue;
        }
        auto [answer, inserted] = answers.try_emplace(ids[i], queries.size(), false);
        if (inserted) {
            Result<Statement> stmt = db.prepare("SELECT header, body FROM fts WHERE rowid = ?");
            HARBOR_TRY(stmt);
            Result<bool> row = stmt->bind(1, ids[i]).step();
            HARBOR_TRY(row);
            if (*row) {
                const std::string header = stmt->column_text(0);
                const std::string body = stmt->column_text(1);
                for (std::size_t q = 0; q < queries.size(); ++q) {
                    const std::string& needle = queries[q].needle;
                    answer->second[q] = body.find(needle) != std::string::npos ||
                                        (queries[q].scope == TextScope::Text &&
                                         header.find(needle) != std::string::npos);
                }
            }
        }
        for (std::size_t q = 0; q < queries.size(); ++q) {
            matched[q][i] = answer->second[q];
        }
    }
    return matched;
}

// The first column of every row `stmt` gives (blob names).
Result<std::unordered_set<std::string>> first_column_texts(Statement& stmt)
{
    std::unordered_set<std::string> texts;
    for (;;) {
        Result<bool> row = stmt.step();
        HARBOR_TRY(row);
        if (!*row) {
            return texts;
        }
        texts.insert(stmt.column_text(0));
    }
}

// Per copy: whether its blob is among every blob that holds the phrase.
Result<std::vector<bool>> scan_for_copies(sqlite::Connection& db, const std::string& phrase,
                                          const MessageList& copies,
                                          const std::vector<bool>& indexed)
{
    // From the full-text index to the blob names (CROSS JOIN keeps that order).
    Result<Statement> stmt = db.prepare(
        "SELECT b.sha256 FROM fts CROSS JOIN blobs b ON b.id = fts.rowid WHERE fts MATCH ?");
    HARBOR_TRY(stmt);
    stmt->bind(1, phrase);
    Result<std::unordered_set<std::string>> found = first_column_texts(*stmt);
    HARBOR_TRY(found);
    std::vector<bool> matched(copies.size(), false);
    for (std::size_t i = 0; i < copies.size(); ++i) {
        matched[i] = indexed[i] && found->contains(copies[i].blob.sha256);
    }
    return matched;
}

}  // namespace

Result<CopyAnswers> TextIndex::search(MailboxId mailbox, std::uint32_t uidvalidity,
                                      const MessageList& copies, std::span<const TextQuery> queries)
{
    for (const TextQuery& query : queries) {
        if (count_code_points(query.needle) < min_needle_characters) {
            return unexpected(Errc::Unsupported, "a needle of fewer than 3 characters");
        }
        if (query.needle.find('\0') != std::string::npos) {
            return unexpected(Errc::Unsupported, "a needle with a NUL");
        }
    }
    Result<Reader> db = reader();
    HARBOR_TRY(db);
    // One snapshot: a copy counted as indexed is one whose text the queries below searched.
    Result<ReadTransaction> snapshot = ReadTransaction::begin(**db);
    HARBOR_TRY(snapshot);
    CopyAnswers answers;
    answers.indexed.resize(copies.size(), false);
    // The highest row id stands for the size of the index (ids are never reused).
    Result<std::int64_t> highest = (*db)->query_int64("SELECT coalesce(max(id), 0) FROM blobs");
    HARBOR_TRY(highest);
    if (copies.size() * text_fraction < static_cast<std::uint64_t>(*highest)) {
        // Every blob's row id is looked up anyway: it also says which copies are indexed.
        Result<std::vector<std::int64_t>> ids = blob_ids(**db, copies);
        HARBOR_TRY(ids);
        for (std::size_t i = 0; i < copies.size(); ++i) {
            answers.indexed[i] = (*ids)[i] != 0;
        }
        Result<std::vector<std::vector<bool>>> matched = match_texts(**db, queries, *ids);
        HARBOR_TRY(matched);
        answers.matched = std::move(*matched);
        return answers;
    }
    std::uint32_t indexed_through = 0;
    {
        Result<Statement> stmt = (*db)->prepare(
            "SELECT indexed_through FROM mailboxes WHERE id = ? AND uidvalidity = ?");
        HARBOR_TRY(stmt);
        Result<bool> row =
            stmt->bind(1, mailbox.value).bind(2, static_cast<std::int64_t>(uidvalidity)).step();
        HARBOR_TRY(row);
        indexed_through = *row ? static_cast<std::uint32_t>(stmt->column_int64(0)) : 0;
    }
    // Blobs of the whole index kept without their text (max_indexed_text). This path serves
    // mailboxes of at least an eighth of the index, so the set holds at most 8 blobs per copy
    // looked through below, times the share of long texts in the index.
    Result<Statement> long_texts = (*db)->prepare("SELECT sha256 FROM blobs WHERE in_fts = 0");
    HARBOR_TRY(long_texts);
    Result<std::unordered_set<std::string>> without_text = first_column_texts(*long_texts);
    HARBOR_TRY(without_text);
    // Copies above the watermark (delivered since the indexer last came by, or copied in):
    // their blobs one by one. Usually few; a whole mailbox only while it is first indexed.
    std::unordered_map<std::string_view, bool> later;
    for (std::size_t i = 0; i < copies.size(); ++i) {
        if (without_text->contains(copies[i].blob.sha256)) {
            continue;  // not indexed: the caller reads the message
        }
        if (copies[i].uid <= indexed_through) {
            // Such a copy's blob cannot have been pruned while the copy exists: pruning takes
            // only blobs the store no longer has, which no live copy allows.
            answers.indexed[i] = true;
            continue;
        }
        auto [known, inserted] = later.try_emplace(copies[i].blob.sha256, false);
        if (inserted) {
            Result<Statement> stmt = (*db)->prepare("SELECT 1 FROM blobs WHERE sha256 = ?");
            HARBOR_TRY(stmt);
            Result<bool> row = stmt->bind(1, copies[i].blob.sha256).step();
            HARBOR_TRY(row);
            known->second = *row;
        }
        answers.indexed[i] = known->second;
    }
    for (const TextQuery& query : queries) {
        Result<std::vector<bool>> matched =
            scan_for_copies(**db, fts_phrase(query.needle, query.scope), copies, answers.indexed);
        HARBOR_TRY(matched);
        answers.matched.push_back(std::move(*matched));
    }
    return answers;
}

}  // namespace harbor::store::text
