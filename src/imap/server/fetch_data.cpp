// See fetch_data.hpp. RFC 9051 §7.5.2 FETCH response items, RFC 3516 §4.2 BINARY.
// A summary answers a copy only when it answers every item asked for: the message would be
// read for the others anyway, and then formatting all from one parse costs nothing more.
#include "imap/server/fetch_data.hpp"

#include <algorithm>

#include "imap/fetch/bodystructure.hpp"
#include "imap/fetch/envelope.hpp"
#include "imap/fetch/imap_string.hpp"
#include "imap/fetch/section.hpp"
#include "imap/search/message_summary.hpp"
#include "mime/message.hpp"

namespace harbor::imap::server {
namespace {

// What a section names in the stored message, or NIL when it does not exist.
Result<std::optional<std::string>> section_value(std::string_view raw, const mime::Message& message,
                                                 const MessageDataItem& item)
{
    Result<Section> spec = parse_section(item.section);
    if (!spec) {
        return unexpected(std::move(spec).error());
    }
    std::string bytes;
    if (item.kind == MessageDataItem::Kind::Section) {
        Result<SectionBytes> found = resolve_section(raw, message, *spec);
        if (!found) {
            if (found.error().code == Errc::NotFound) {
                return std::optional<std::string>();
            }
            return unexpected(std::move(found).error());
        }
        bytes = std::string(found->bytes());
    } else {
        Result<std::string> decoded = binary_section(raw, message, spec->part);
        if (!decoded) {
            if (decoded.error().code == Errc::NotFound) {
                return std::optional<std::string>();
            }
            return unexpected(std::move(decoded).error());
        }
        bytes = std::move(*decoded);
    }
    if (item.partial) {
        bytes = std::string(apply_partial(bytes, Partial{item.origin, item.count}));
    }
    return std::optional<std::string>(std::move(bytes));
}

// Whether the summary can answer the item: ENVELOPE, BODY, BODYSTRUCTURE, or a top-level
// HEADER / HEADER.FIELDS[.NOT] section (RFC822.HEADER is BODY.PEEK[HEADER]).
bool summary_answers(const MessageDataItem& item)
{
    using Kind = MessageDataItem::Kind;
    if (item.kind == Kind::Envelope || item.kind == Kind::Body ||
        item.kind == Kind::BodyStructure) {
        return true;
    }
    if (item.kind != Kind::Section) {
        return false;
    }
    Result<Section> spec = parse_section(item.section);
    return spec && spec->part.empty() &&
           (spec->text == SectionText::Header || spec->text == SectionText::HeaderFields ||
            spec->text == SectionText::HeaderFieldsNot);
}

// BODY[] and RFC822 (RFC 9051 §6.4.5: the empty section is the whole message): the stored
// bytes as they are, so the message need not be parsed for the commonest download.
bool names_whole_message(const MessageDataItem& item)
{
    return item.kind == MessageDataItem::Kind::Section && item.section.empty();
}

}  // namespace

Result<std::vector<std::string>> format_message_data(std::string_view raw,
                                                     const std::vector<MessageDataItem>& items,
                                                     const mime::Limits& limits)
{
    // Parsed once, on the first item that needs the structure.
    std::optional<mime::Message> parsed;
    auto message = [&]() -> const mime::Message& {
        if (!parsed) {
            parsed = mime::parse_message(raw, limits);
        }
        return *parsed;
    };
    std::vector<std::string> out;
    out.reserve(items.size());
    for (const MessageDataItem& item : items) {
        std::string piece = " " + item.response_name + " ";
        using Kind = MessageDataItem::Kind;
        if (item.kind == Kind::Envelope) {
            append_envelope(piece, message().root.fields);
        } else if (item.kind == Kind::Body) {
            append_body_structure(piece, message().root, StructureForm::Body);
        } else if (item.kind == Kind::BodyStructure) {
            append_body_structure(piece, message().root, StructureForm::BodyStructure);
        } else if (names_whole_message(item)) {
            append_string(
                piece, item.partial ? apply_partial(raw, Partial{item.origin, item.count}) : raw);
        } else {
            Result<std::optional<std::string>> value = section_value(raw, message(), item);
            if (!value) {
                return unexpected(std::move(value).error());
            }
            if (!*value) {
                append_nil(piece);
            } else if (item.kind == Kind::BinarySize) {
                piece += std::to_string((*value)->size());
            } else if (item.kind == Kind::Binary) {
                append_binary(piece, **value);
            } else {
                append_string(piece, **value);
            }
        }
        out.push_back(std::move(piece));
    }
    return out;
}

}  // namespace harbor::imap::server

namespace harbor::imap::server {

std::optional<std::vector<std::string>> format_from_summary(
    const store::text::BlobSummary& summary, std::string_view prefix,
    const std::vector<MessageDataItem>& items, const mime::Limits& limits)
{
    const SummaryFit fit = fit_summary(summary, prefix, limits);
    // The header sections go through the same section code as the message does, over the
    // copy's header block parsed alone: its top-level fields are the message's.
    std::optional<mime::Message> header_message;
    std::vector<std::string> out;
    out.reserve(items.size());
    for (const MessageDataItem& item : items) {
        std::string piece = " " + item.response_name + " ";
        using Kind = MessageDataItem::Kind;
        if (item.kind == Kind::Envelope || item.kind == Kind::Body ||
            item.kind == Kind::BodyStructure) {
            if (!fit.structure) {
                return std::nullopt;
            }
            piece += item.kind == Kind::Envelope ? *summary.envelope
                     : item.kind == Kind::Body   ? *summary.body
                                                 : *summary.body_structure;
        } else {
            if (!fit.header || !summary_answers(item)) {
                return std::nullopt;
            }
            if (!header_message) {
                header_message = mime::parse_message(*fit.header, limits);
            }
            Result<std::optional<std::string>> value =
                section_value(*fit.header, *header_message, item);
            if (!value || !*value) {
                return std::nullopt;  // the message itself says what went wrong
            }
            append_string(piece, **value);
        }
        out.push_back(std::move(piece));
    }
    return out;
}

std::vector<Result<std::vector<std::string>>> format_messages(
    store::Store& store, store::text::TextIndex* index,
    const std::vector<const store::MessageRecord*>& records,
    const std::vector<MessageDataItem>& items, const mime::Limits& limits)
{
    std::vector<std::optional<Result<std::vector<std::string>>>> done(records.size());
    if (index != nullptr && std::all_of(items.begin(), items.end(), summary_answers)) {
        ContentLimits content_limits;
        content_limits.mime = limits;
        std::vector<std::optional<store::text::BlobSummary>> summaries =
            copy_summaries(*index, records, content_limits);
        for (std::size_t i = 0; i < records.size(); ++i) {
            if (summaries[i]) {
                if (std::optional<std::vector<std::string>> formatted = format_from_summary(
                        *summaries[i], records[i]->prefix.get(), items, limits)) {
                    done[i].emplace(std::move(*formatted));
                }
            }
        }
    }
    std::vector<const store::MessageRecord*> unread;
    for (std::size_t i = 0; i < records.size(); ++i) {
        if (!done[i]) {
            unread.push_back(records[i]);
        }
    }
    std::vector<Result<std::string>> raws;
    if (!unread.empty()) {
        raws = store.read_messages(unread, store::Store::BlobUse::Again);
    }
    std::vector<Result<std::vector<std::string>>> results;
    results.reserve(records.size());
    std::size_t next_raw = 0;
    for (std::size_t i = 0; i < records.size(); ++i) {
        if (done[i]) {
            results.push_back(std::move(*done[i]));
            continue;
        }
        Result<std::string>& raw = raws[next_raw++];
        if (!raw) {
            results.emplace_back(unexpected(std::move(raw).error()));
        } else {
            results.push_back(format_message_data(*raw, items, limits));
        }
    }
    return results;
}

std::optional<std::vector<Result<std::vector<std::string>>>> format_cached(
    store::Store& store, const store::text::TextIndex* index,
    const std::vector<const store::MessageRecord*>& records,
    const std::vector<MessageDataItem>& items, const mime::Limits& limits, std::size_t max_bytes)
{
    if (index != nullptr && std::all_of(items.begin(), items.end(), summary_answers)) {
        return std::nullopt;  // the summaries answer without the bytes
    }
    std::vector<std::shared_ptr<const std::string>> blobs;
    blobs.reserve(records.size());
    std::size_t total = 0;
    for (const store::MessageRecord* record : records) {
        std::shared_ptr<const std::string> blob = store.cached_blob(record->blob);
        if (blob == nullptr) {
            return std::nullopt;
        }
        total += record->prefix.size() + blob->size();
        if (total > max_bytes) {
            return std::nullopt;
        }
        blobs.push_back(std::move(blob));
    }
    std::vector<Result<std::vector<std::string>>> results;
    results.reserve(records.size());
    for (std::size_t i = 0; i < records.size(); ++i) {
        std::string raw;
        raw.reserve(records[i]->prefix.size() + blobs[i]->size());
        raw.append(records[i]->prefix.get()).append(*blobs[i]);
        results.push_back(format_message_data(raw, items, limits));
    }
    return results;
}

}  // namespace harbor::imap::server
