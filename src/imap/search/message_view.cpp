// Lazily derived message content for SEARCH, SORT and THREAD; see message_view.hpp.
#include "imap/search/message_view.hpp"

#include <algorithm>
#include <utility>

#include "core/ascii.hpp"
#include "imap/search/casemap.hpp"
#include "mime/body.hpp"
#include "mime/header.hpp"
#include "mime/rfc2047.hpp"

namespace harbor::imap {
namespace {

// A field value as search sees it: folding removed, encoded-words decoded, valid UTF-8.
std::string decoded_value(std::string_view value)
{
    return mime::decode_rfc2047(value).utf8;
}

void append_header_text(std::string& out, const std::vector<mime::HeaderField>& fields,
                        std::size_t max_output)
{
    for (const mime::HeaderField& field : fields) {
        if (out.size() >= max_output) {
            return;
        }
        const std::string value = decoded_value(field.value);
        const std::size_t start = value.find_first_not_of(" \t");
        out.append(field.name);
        out.append(": ");
        out.append(start == std::string::npos ? std::string_view()
                                              : std::string_view(value).substr(start));
        out.push_back('\n');
    }
}

// A field value whose folded_fields() form is its bytes without CR and LF, a-z made upper
// case: US-ASCII (sanitize_utf8 keeps it as is), no "=?" (where decode_rfc2047 looks for an
// encoded-word; without one it only unfolds, RFC 5322 §2.2.3), short enough that neither the
// decoder's input cap nor `max_folded` cuts it, and fold_unicode_casemap's ASCII path applies.
bool is_plain_value(std::string_view value, std::size_t max_folded)
{
    if (value.size() > std::min(mime::default_max_header_input, max_folded) ||
        value.find("=?") != std::string_view::npos) {
        return false;
    }
    return std::all_of(value.begin(), value.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// contains_folded(fold_unicode_casemap(decoded_value(value)), needle) for a plain value, in a
// buffer the thread reuses: no allocation per message once it has grown.
bool plain_value_contains(std::string_view value, std::string_view needle)
{
    thread_local std::string folded;
    folded.clear();
    for (const char c : value) {
        if (c == '\r' || c == '\n') {
            continue;
        }
        folded.push_back(ascii_upper(c));
    }
    return contains_folded(folded, needle);
}

}  // namespace

ContentNeed combine(ContentNeed a, ContentNeed b)
{
    return static_cast<int>(a) > static_cast<int>(b) ? a : b;
}

MessageContent::MessageContent(std::string raw, ContentLimits limits)
    : raw_(std::move(raw)), limits_(limits)
{
}

const mime::Message& MessageContent::message()
{
    if (!message_) {
        message_ = mime::parse_message(raw_, limits_.mime);
    }
    return *message_;
}

const std::vector<mime::HeaderField>& MessageContent::header_fields()
{
    if (header_block_) {
        return header_block_->fields;
    }
    if (message_) {
        return message_->root.fields;
    }
    header_block_ = mime::parse_root_header(raw_, limits_.mime);
    return header_block_->fields;
}

const mime::Envelope& MessageContent::envelope()
{
    if (!envelope_) {
        envelope_ = mime::read_envelope(header_fields());
    }
    return *envelope_;
}

const std::vector<std::string>& MessageContent::folded_fields(std::string_view name)
{
    const std::string key = ascii_lowercase(name);
    auto found = fields_.find(key);
    if (found != fields_.end()) {
        return found->second;
    }
    std::vector<std::string> values;
    for (const mime::HeaderField& field : header_fields()) {
        if (iequals(field.name, name)) {
            values.push_back(
                fold_unicode_casemap(decoded_value(field.value), limits_.max_folded).text);
        }
    }
    return fields_.emplace(key, std::move(values)).first->second;
}

bool MessageContent::field_contains(std::string_view name, std::string_view needle, bool first_only)
{
    for (const mime::HeaderField& field : header_fields()) {
        if (!iequals(field.name, name)) {
            continue;
        }
        if (!is_plain_value(field.value, limits_.max_folded)) {
            // Decoding or folding does more than change case: the general way, cached.
            const std::vector<std::string>& values = folded_fields(name);
            if (first_only) {
                return !values.empty() && contains_folded(values.front(), needle);
            }
            return std::any_of(values.begin(), values.end(), [needle](const std::string& value) {
                return contains_folded(value, needle);
            });
        }
        if (plain_value_contains(field.value, needle)) {
            return true;
        }
        if (first_only) {
            return false;
        }
    }
    return false;
}

const std::string& MessageContent::folded_header()
{
    if (!header_) {
        std::string text;
        append_header_text(text, header_fields(), limits_.max_folded);
        header_ = fold_unicode_casemap(text, limits_.max_folded).text;
    }
    return *header_;
}

const std::string& MessageContent::folded_body()
{
    if (body_) {
        return *body_;
    }
    // RFC 9051 §6.4.4 BODY: "the body of the message". The text a reader sees: text/* leaves
    // (RFC 2046 §4.1) and the headers of encapsulated messages (RFC 2046 §5.2.1); attachments
    // of other types hold no searchable text. Walked with a heap stack (depth costs no stack).
    struct Item {
        const mime::Part* part;
        bool encapsulated;  // the root of a message/rfc822 body: its header is text too
    };
    const mime::Message& parsed = message();
    std::string text;
    std::vector<Item> stack;
    stack.push_back({&parsed.root, false});
    while (!stack.empty() && text.size() < limits_.max_body_text) {
        const Item item = stack.back();
        stack.pop_back();
        const mime::Part& part = *item.part;
        if (item.encapsulated) {
            append_header_text(text, part.fields, limits_.max_body_text);
        }
        if (part.content_type.is_encapsulated_message()) {
            for (auto it = part.children.rbegin(); it != part.children.rend(); ++it) {
                stack.push_back({&*it, true});
            }
            continue;
        }
        if (part.content_type.is_multipart()) {
            for (auto it = part.children.rbegin(); it != part.children.rend(); ++it) {
                stack.push_back({&*it, false});
            }
            continue;
        }
        if (part.content_type.type != "text") {
            continue;
        }
        mime::BodyLimits body_limits;
        body_limits.max_input = limits_.max_part_input;
        body_limits.max_output =
            limits_.max_body_text - std::min(text.size(), limits_.max_body_text);
        const mime::BodyText decoded = mime::decode_text(raw_, part, body_limits);
        text.append(decoded.utf8);
        text.push_back('\n');
    }
    body_ = fold_unicode_casemap(text, limits_.max_folded).text;
    return *body_;
}

const std::optional<mime::DateTime>& MessageContent::sent_date()
{
    if (!date_read_) {
        date_read_ = true;
        const mime::HeaderField* field = mime::find_field(header_fields(), "Date");
        if (field != nullptr) {
            date_ = mime::parse_date(field->value);
        }
    }
    return date_;
}

bool has_flag(const MessageView& message, std::string_view flag)
{
    return std::any_of(message.flags.begin(), message.flags.end(),
                       [flag](const std::string& stored) { return iequals(stored, flag); });
}

std::int64_t day_number(std::int64_t unix_seconds, int zone_minutes)
{
    const std::int64_t local = unix_seconds + static_cast<std::int64_t>(zone_minutes) * 60;
    // Floor division: a time before 1970 belongs to the day before, not the day after.
    std::int64_t day = local / 86400;
    if (local % 86400 < 0) {
        --day;
    }
    return day;
}

}  // namespace harbor::imap
