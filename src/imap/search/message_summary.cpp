// Blob summaries for FETCH and header SEARCH; see message_summary.hpp.
// Why a prefix may change nothing: parse_message() reads the top-level header block field by
// field (RFC 5322 §2.2), and the envelope takes the first Date, Subject, From, Sender, Reply-To,
// To, Cc, Bcc, In-Reply-To and Message-ID fields (RFC 9051 §7.5.2) while the top-level body
// structure reads only Content-* fields and the body, whose sizes and line counts exclude the
// header (§7.5.2 body-fld-octets, body-fld-lines). A prefix of whole lines holding none of those
// fields, ahead of a blob that starts with a field name, adds fields the formatters never read,
// unless the prefix pushes the parse over a limit (fields, header bytes, line length); the
// copy's header block is therefore checked against those limits, and the fields of the whole
// copy against max_total_header_fields, before the summary is used.
#include "imap/search/message_summary.hpp"

#include <algorithm>
#include <utility>

#include "core/ascii.hpp"
#include "imap/fetch/bodystructure.hpp"
#include "imap/fetch/envelope.hpp"
#include "imap/search/text_index.hpp"

namespace harbor::imap {
namespace {

// The fields ENVELOPE reads (RFC 9051 §7.5.2).
constexpr std::string_view envelope_fields[] = {"Date",        "Subject",   "From", "Sender",
                                                "Reply-To",    "To",        "Cc",   "Bcc",
                                                "In-Reply-To", "Message-ID"};

// Whether a prefix field could change ENVELOPE, BODY or BODYSTRUCTURE: an envelope field, or
// any MIME field (RFC 2045 §3: MIME-Version and the Content-* fields), read conservatively by
// prefix rather than by the names bodystructure.cpp happens to read today.
bool structural_field(std::string_view name)
{
    if (std::any_of(std::begin(envelope_fields), std::end(envelope_fields),
                    [name](std::string_view field) { return iequals(name, field); })) {
        return true;
    }
    return iequals(name, "MIME-Version") ||
           (name.size() >= 8 && iequals(name.substr(0, 8), "Content-"));
}

std::uint64_t count_fields(const mime::Part& root)
{
    std::uint64_t total = 0;
    std::vector<const mime::Part*> pending{&root};  // a heap stack: the tree may be deep
    while (!pending.empty()) {
        const mime::Part* part = pending.back();
        pending.pop_back();
        total += part->fields.size();
        for (const mime::Part& child : part->children) {
            pending.push_back(&child);
        }
    }
    return total;
}

bool starts_with_bom(std::string_view raw)
{
    return raw.substr(0, 3) == "\xEF\xBB\xBF";
}

}  // namespace

store::text::BlobSummary make_summary(std::string_view raw, const mime::Message& message,
                                      const mime::Limits& limits)
{
    store::text::BlobSummary summary;
    const mime::Part& root = message.root;
    // A copy's prefix would end where such a blob begins, or the parse of a copy would differ
    // from the blob's (a BOM counts only at the very start, mime/message.hpp).
    if (message.truncated != mime::Limit::None || message.leading_bom || starts_with_bom(raw) ||
        (!raw.empty() && (raw.front() == ' ' || raw.front() == '\t')) || root.header_offset != 0 ||
        root.missing_header_separator) {
        return summary;
    }
    // The header block as parse_header_block() delimits it, which is what SEARCH loads for
    // header keys (ContentNeed::Header): the root's block, clean, read with the same limits.
    if (root.header_length <= max_summary_header) {
        const mime::HeaderBlock block = mime::parse_header_block(raw, 0, limits);
        if (block.length == root.header_length && block.truncated == mime::Limit::None &&
            !block.missing_separator) {
            summary.header = std::string(raw.substr(0, root.header_length));
        }
    }
    std::string envelope;
    append_envelope(envelope, root.fields);
    std::string body;
    append_body_structure(body, root, StructureForm::Body);
    std::string body_structure;
    append_body_structure(body_structure, root, StructureForm::BodyStructure);
    summary.envelope = std::move(envelope);
    summary.body = std::move(body);
    summary.body_structure = std::move(body_structure);
    summary.header_fields = count_fields(root);
    return summary;
}

SummaryFit fit_summary(const store::text::BlobSummary& summary, std::string_view prefix,
                       const mime::Limits& limits)
{
    SummaryFit fit;
    if (prefix.empty()) {
        // The copy is the blob: the summary was made from these very bytes and limits.
        fit.header = summary.header;
        fit.structure = summary.envelope.has_value();
        return fit;
    }
    if (!summary.header || prefix.back() != '\n') {
        return fit;  // nothing to check the prefix against, or a prefix of partial lines
    }
    std::string header;
    header.reserve(prefix.size() + summary.header->size());
    header.append(prefix).append(*summary.header);
    const mime::HeaderBlock block = mime::parse_header_block(header, 0, limits);
    if (block.truncated != mime::Limit::None || block.missing_separator ||
        block.length != header.size()) {
        return fit;  // the prefix ends the block early or pushes it over a limit
    }
    std::uint64_t prefix_fields = 0;
    bool structural = false;
    for (const mime::HeaderField& field : block.fields) {
        if (field.offset < prefix.size()) {
            ++prefix_fields;
            structural = structural || structural_field(field.name);
        }
    }
    fit.structure = summary.envelope.has_value() && !structural &&
                    prefix_fields + summary.header_fields <= limits.max_total_header_fields;
    fit.header = std::move(header);
    return fit;
}

std::vector<std::optional<store::text::BlobSummary>> copy_summaries(
    store::text::TextIndex& index, std::span<const store::MessageRecord* const> copies,
    const ContentLimits& limits, store::text::TextIndex::SummaryParts parts)
{
    std::vector<std::optional<store::text::BlobSummary>> none(copies.size());
    if (index.extraction() != extraction_fingerprint(limits)) {
        return none;  // made with other limits: its structures may differ from this parse's
    }
    std::vector<store::BlobId> blobs;
    blobs.reserve(copies.size());
    for (const store::MessageRecord* copy : copies) {
        blobs.push_back(copy->blob);
    }
    Result<std::vector<std::optional<store::text::BlobSummary>>> found =
        index.summaries(blobs, parts);
    return found ? std::move(*found) : none;
}

std::vector<std::optional<std::string>> summary_header_blocks(
    store::text::TextIndex* index, std::span<const store::MessageRecord* const> copies,
    const mime::Limits& limits)
{
    std::vector<std::optional<std::string>> headers(copies.size());
    if (index == nullptr) {
        return headers;
    }
    ContentLimits content_limits;
    content_limits.mime = limits;
    std::vector<std::optional<store::text::BlobSummary>> summaries = copy_summaries(
        *index, copies, content_limits, store::text::TextIndex::SummaryParts::HeaderOnly);
    for (std::size_t i = 0; i < copies.size(); ++i) {
        if (!summaries[i]) {
            continue;
        }
        if (copies[i]->prefix.empty()) {
            // fit_summary()'s answer for a copy that is its blob, without copying the block.
            headers[i] = std::move(summaries[i]->header);
        } else {
            headers[i] = fit_summary(*summaries[i], copies[i]->prefix.get(), limits).header;
        }
    }
    return headers;
}

}  // namespace harbor::imap
