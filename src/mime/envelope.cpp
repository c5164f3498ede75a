// Envelope fields of a header block. See envelope.hpp.
#include "mime/envelope.hpp"

#include <array>

#include "mime/rfc2047.hpp"

namespace harbor::mime {
namespace {

// RFC 5322 §3.6 table: fields that may occur at most once ("Bcc" and "In-Reply-To" included).
constexpr std::array<std::string_view, 10> single_fields = {
    "Date", "From", "Sender", "Reply-To", "To", "Cc", "Bcc", "Message-ID", "In-Reply-To",
    "References"};

bool occurs_twice(const std::vector<HeaderField>& fields, std::string_view name)
{
    std::size_t seen = 0;
    for (const HeaderField& field : fields) {
        if (iequals(field.name, name) && ++seen > 1) {
            return true;
        }
    }
    return false;
}

AddressList addresses(const std::vector<HeaderField>& fields, std::string_view name)
{
    const HeaderField* field = find_field(fields, name);
    return field == nullptr ? AddressList{} : parse_address_list(field->value);
}

MessageIds ids(const std::vector<HeaderField>& fields, std::string_view name)
{
    const HeaderField* field = find_field(fields, name);
    return field == nullptr ? MessageIds{} : parse_message_ids(field->value);
}

}  // namespace

Envelope read_envelope(const std::vector<HeaderField>& fields)
{
    Envelope envelope;
    if (const HeaderField* field = find_field(fields, "Date")) {
        envelope.date = parse_date(field->value);
    }
    if (const HeaderField* field = find_field(fields, "Subject")) {
        // RFC 5322 §2.2.3: unfolding; leading whitespace after the colon is not content.
        std::string_view value = field->value;
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
            value.remove_prefix(1);
        }
        envelope.subject = decode_rfc2047(value).utf8;
        while (!envelope.subject.empty() &&
               (envelope.subject.back() == ' ' || envelope.subject.back() == '\t')) {
            envelope.subject.pop_back();
        }
    }
    envelope.from = addresses(fields, "From");
    envelope.sender = addresses(fields, "Sender");
    envelope.reply_to = addresses(fields, "Reply-To");
    envelope.to = addresses(fields, "To");
    envelope.cc = addresses(fields, "Cc");
    envelope.bcc = addresses(fields, "Bcc");
    if (MessageIds id = ids(fields, "Message-ID"); !id.ids.empty()) {
        envelope.message_id = std::move(id.ids.front());
    }
    envelope.in_reply_to = ids(fields, "In-Reply-To");
    envelope.references = ids(fields, "References");
    for (const std::string_view name : single_fields) {
        if (occurs_twice(fields, name)) {
            envelope.duplicate_fields = true;
            break;
        }
    }
    return envelope;
}

}  // namespace harbor::mime
