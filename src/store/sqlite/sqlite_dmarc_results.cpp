// DMARC results kept for aggregate reports (RFC 7489 §7.2, Appendix C): written by the SMTP
// server, with the delivery of an accepted message or on their own for a refused one; read by
// `harbor dmarc results` and by the report sender, which also expires them. A row per message,
// its DKIM results in dmarc_result_dkim (migration step 16).
#include "store/sqlite/sqlite_store.hpp"

namespace harbor::store::sqlite {
namespace {

// rua= as one column: the URIs joined by ",", as the record publishes them. RFC 7489 §6.4
// says a "," inside a URI MUST be percent-encoded, and the record parser drops one that is
// not; encoding any that still comes keeps the split exact.
std::string join_uris(const std::vector<std::string>& uris)
{
    std::string out;
    for (const std::string& uri : uris) {
        if (!out.empty()) {
            out += ',';
        }
        for (const char c : uri) {
            if (c == ',') {
                out += "%2C";
            } else {
                out += c;
            }
        }
    }
    return out;
}

std::vector<std::string> split_uris(const std::string& text)
{
    std::vector<std::string> out;
    if (text.empty()) {
        return out;
    }
    std::size_t start = 0;
    for (;;) {
        const std::size_t comma = text.find(',', start);
        out.push_back(text.substr(start, comma - start));
        if (comma == std::string::npos) {
            return out;
        }
        start = comma + 1;
    }
}

std::int64_t flag(bool value)
{
    return value ? 1 : 0;
}

constexpr const char* list_sql =
    "SELECT id, received, policy_domain, rua, policy, subdomain_policy, adkim, aspf, pct, fo, "
    "source_ip, header_from, envelope_from, spf_scope, spf_result, spf_aligned, dkim_aligned, "
    "result, requested, disposition, sampled_out FROM dmarc_results "
    "WHERE received >= ?1 AND received < ?2 AND (?3 = '' OR policy_domain = ?3) "
    "ORDER BY received, id";

}  // namespace

Result<void> insert_dmarc_result(WriteContext& ctx, const DmarcResultRecord& record)
{
    Result<Statement> row = ctx.db.prepare(
        "INSERT INTO dmarc_results (received, policy_domain, rua, policy, subdomain_policy, "
        "adkim, aspf, pct, fo, source_ip, header_from, envelope_from, spf_scope, spf_result, "
        "spf_aligned, dkim_aligned, result, requested, disposition, sampled_out) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, "
        "?18, ?19, ?20)");
    HARBOR_TRY(row);
    HARBOR_TRY(row->bind(1, record.received)
                   .bind(2, record.policy_domain)
                   .bind(3, join_uris(record.rua))
                   .bind(4, record.policy)
                   .bind(5, record.subdomain_policy)
                   .bind(6, record.adkim)
                   .bind(7, record.aspf)
                   .bind(8, static_cast<std::int64_t>(record.pct))
                   .bind(9, record.fo)
                   .bind(10, record.source_ip)
                   .bind(11, record.header_from)
                   .bind(12, record.envelope_from)
                   .bind(13, record.spf_scope)
                   .bind(14, record.spf_result)
                   .bind(15, flag(record.spf_aligned))
                   .bind(16, flag(record.dkim_aligned))
                   .bind(17, record.result)
                   .bind(18, record.requested)
                   .bind(19, record.disposition)
                   .bind(20, flag(record.sampled_out))
                   .run());
    if (record.dkim.empty()) {
        return ok();
    }
    const std::int64_t id = ctx.db.last_insert_rowid();
    Result<Statement> signature = ctx.db.prepare(
        "INSERT INTO dmarc_result_dkim (result_id, position, domain, selector, result) "
        "VALUES (?, ?, ?, ?, ?)");
    HARBOR_TRY(signature);
    std::int64_t position = 0;
    for (const DmarcDkimResult& dkim : record.dkim) {
        HARBOR_TRY(signature->reset()
                       .bind(1, id)
                       .bind(2, position++)
                       .bind(3, dkim.domain)
                       .bind(4, dkim.selector)
                       .bind(5, dkim.result)
                       .run());
    }
    return ok();
}

void SqliteStore::record_dmarc_result_async(DmarcResultRecord record, Done<void> done)
{
    writer_->submit<void>(
        [record = std::move(record)](WriteContext& ctx) -> Result<void> {
            return insert_dmarc_result(ctx, record);
        },
        std::move(done));
}

Result<std::vector<DmarcResultRecord>> SqliteStore::list_dmarc_results(
    const DmarcResultFilter& filter)
{
    Result<Reader> db = reader(ReadSize::Bulk);
    HARBOR_TRY(db);
    Result<ReadTransaction> snapshot = ReadTransaction::begin(**db);
    HARBOR_TRY(snapshot);
    Result<Statement> rows = (*db)->prepare(list_sql);
    HARBOR_TRY(rows);
    rows->bind(1, filter.since).bind(2, filter.until).bind(3, filter.policy_domain);
    std::vector<std::int64_t> ids;
    std::vector<DmarcResultRecord> out;
    for (;;) {
        Result<bool> row = rows->step();
        HARBOR_TRY(row);
        if (!*row) {
            break;
        }
        ids.push_back(rows->column_int64(0));
        DmarcResultRecord& record = out.emplace_back();
        record.received = rows->column_int64(1);
        record.policy_domain = rows->column_text(2);
        record.rua = split_uris(rows->column_text(3));
        record.policy = rows->column_text(4);
        record.subdomain_policy = rows->column_text(5);
        record.adkim = rows->column_text(6);
        record.aspf = rows->column_text(7);
        record.pct = static_cast<std::uint32_t>(rows->column_int64(8));
        record.fo = rows->column_text(9);
        record.source_ip = rows->column_text(10);
        record.header_from = rows->column_text(11);
        record.envelope_from = rows->column_text(12);
        record.spf_scope = rows->column_text(13);
        record.spf_result = rows->column_text(14);
        record.spf_aligned = rows->column_int64(15) != 0;
        record.dkim_aligned = rows->column_int64(16) != 0;
        record.result = rows->column_text(17);
        record.requested = rows->column_text(18);
        record.disposition = rows->column_text(19);
        record.sampled_out = rows->column_int64(20) != 0;
    }
    Result<Statement> signatures = (*db)->prepare(
        "SELECT domain, selector, result FROM dmarc_result_dkim WHERE result_id = ? "
        "ORDER BY position");
    HARBOR_TRY(signatures);
    for (std::size_t i = 0; i < out.size(); ++i) {
        signatures->reset().bind(1, ids[i]);
        for (;;) {
            Result<bool> row = signatures->step();
            HARBOR_TRY(row);
            if (!*row) {
                break;
            }
            out[i].dkim.push_back(DmarcDkimResult{signatures->column_text(0),
                                                  signatures->column_text(1),
                                                  signatures->column_text(2)});
        }
    }
    return out;
}

Result<std::uint64_t> SqliteStore::delete_dmarc_results_before(std::int64_t time)
{
    return write<std::uint64_t>([time](WriteContext& ctx) -> Result<std::uint64_t> {
        // The signatures' rows go by the ON DELETE CASCADE of step 16.
        Result<Statement> expired = ctx.db.prepare("DELETE FROM dmarc_results WHERE received < ?");
        HARBOR_TRY(expired);
        HARBOR_TRY(expired->bind(1, time).run());
        return static_cast<std::uint64_t>(ctx.db.changes());
    });
}

}  // namespace harbor::store::sqlite
