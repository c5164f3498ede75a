// See fetch_data.hpp. RFC 9051 §7.5.2 FETCH response items, RFC 3516 §4.2 BINARY.
#include "imap/server/fetch_data.hpp"

#include "imap/fetch/bodystructure.hpp"
#include "imap/fetch/envelope.hpp"
#include "imap/fetch/imap_string.hpp"
#include "imap/fetch/section.hpp"
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

}  // namespace

Result<std::vector<std::string>> format_message_data(std::string_view raw,
                                                     const std::vector<MessageDataItem>& items,
                                                     const mime::Limits& limits)
{
    const mime::Message message = mime::parse_message(raw, limits);
    std::vector<std::string> out;
    out.reserve(items.size());
    for (const MessageDataItem& item : items) {
        std::string piece = " " + item.response_name + " ";
        using Kind = MessageDataItem::Kind;
        if (item.kind == Kind::Envelope) {
            append_envelope(piece, message.root.fields);
        } else if (item.kind == Kind::Body) {
            append_body_structure(piece, message.root, StructureForm::Body);
        } else if (item.kind == Kind::BodyStructure) {
            append_body_structure(piece, message.root, StructureForm::BodyStructure);
        } else {
            Result<std::optional<std::string>> value = section_value(raw, message, item);
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
