// BODY / BODYSTRUCTURE writer (RFC 9051 §7.5.2, §9). See bodystructure.hpp.
//
// Parameter values (RFC 2231): continuations are joined, as RFC 2231 §3 asks of IMAP servers
// ("IMAP4 servers SHOULD decode parameter value continuations when generating the BODY and
// BODYSTRUCTURE fetch attributes"). A value that carried a charset (§4) is written again as
// one extended parameter, name* "charset'language'%XX..": in its own charset when the value
// is ASCII, else in utf-8 (mime::ParameterList holds it in UTF-8). So the data stays 7-bit and
// clients decode it as they would the header. Dovecot also writes joined, re-encoded "name*"
// values. Other non-ASCII values (raw 8-bit, or an RFC 2047 word mime decoded) are written as
// an RFC 2047 "=?utf-8?b?..?=" word for the same reason.
#include "imap/fetch/bodystructure.hpp"

#include <algorithm>
#include <optional>

#include "core/ascii.hpp"
#include "core/base64.hpp"
#include "imap/fetch/envelope.hpp"
#include "imap/fetch/imap_string.hpp"

namespace harbor::imap {
namespace {

// RFC 2045 §5.1 token: CHAR except SPACE, CTLs and tspecials.
bool is_token_char(char c)
{
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7f) {
        return false;
    }
    return std::string_view("()<>@,;:\\\"/[]?=").find(c) == std::string_view::npos;
}

// RFC 2231 §7 attribute-char: a token character other than '*', '\'' and '%'.
bool is_attribute_char(char c)
{
    return is_token_char(c) && c != '*' && c != '\'' && c != '%';
}

std::string percent_encode(std::string_view value)
{
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (char c : value) {
        if (is_attribute_char(c)) {
            out += c;
            continue;
        }
        const auto byte = static_cast<unsigned char>(c);
        out += '%';
        out += hex[byte >> 4];
        out += hex[byte & 0x0f];
    }
    return out;
}

// RFC 2045 §3 comments removed: "7bit (sent as is)" is 7bit.
std::string without_comments(std::string_view text)
{
    std::string out;
    std::size_t depth = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\\' && depth > 0) {
            ++i;
        } else if (c == '(') {
            ++depth;
        } else if (c == ')' && depth > 0) {
            --depth;
        } else if (depth == 0) {
            out += c;
        }
    }
    return out;
}

std::optional<std::string> field_text(const mime::Part& part, std::string_view name)
{
    const mime::HeaderField* field = mime::find_field(part.fields, name);
    if (field == nullptr) {
        return std::nullopt;
    }
    std::string value = unfolded_value(field->value);
    if (value.empty()) {
        return std::nullopt;  // an empty Content-ID or -MD5 says nothing
    }
    return value;
}

void append_parameter(std::string& out, const mime::MimeParameter& parameter)
{
    if (!parameter.charset.empty()) {
        const bool ascii = is_ascii(parameter.value);
        append_string(out, parameter.name + "*");
        out += ' ';
        append_string(out, (ascii && !parameter.unknown_charset ? parameter.charset : "utf-8") +
                               "'" + parameter.language + "'" + percent_encode(parameter.value));
        return;
    }
    append_string(out, parameter.name);
    out += ' ';
    if (is_ascii(parameter.value)) {
        append_string(out, parameter.value);
    } else {
        append_string(out, "=?utf-8?b?" + encode_base64(parameter.value) + "?=");  // RFC 2047 §4.1
    }
}

// body-fld-param; a text part without charset gets the RFC 2046 §4.1.2 default us-ascii.
void append_parameters(std::string& out, const mime::ParameterList& list, bool default_charset)
{
    const bool add_charset = default_charset && mime::find_parameter(list, "charset") == nullptr;
    if (list.parameters.empty() && !add_charset) {
        append_nil(out);
        return;
    }
    out += '(';
    bool first = true;
    if (add_charset) {
        out += "\"charset\" \"us-ascii\"";
        first = false;
    }
    for (const mime::MimeParameter& parameter : list.parameters) {
        if (!first) {
            out += ' ';
        }
        first = false;
        append_parameter(out, parameter);
    }
    out += ')';
}

// body-fld-dsp: RFC 2183 disposition type and its parameters, NIL without one.
void append_disposition(std::string& out, const mime::Part& part)
{
    if (part.disposition.type.empty()) {
        append_nil(out);
        return;
    }
    out += '(';
    append_string(out, part.disposition.type);
    out += ' ';
    append_parameters(out, part.disposition.parameters, false);
    out += ')';
}

// body-fld-lang: RFC 3282 Content-Language is a comma-separated list of tags.
void append_language(std::string& out, const mime::Part& part)
{
    const std::optional<std::string> value = field_text(part, "Content-Language");
    std::vector<std::string> tags;
    if (value) {
        const std::string text = without_comments(*value);
        std::size_t start = 0;
        while (start <= text.size()) {
            std::size_t comma = text.find(',', start);
            if (comma == std::string::npos) {
                comma = text.size();
            }
            std::string tag = unfolded_value(std::string_view(text).substr(start, comma - start));
            if (!tag.empty()) {
                tags.push_back(std::move(tag));
            }
            start = comma + 1;
        }
    }
    if (tags.empty()) {
        append_nil(out);
        return;
    }
    out += '(';
    for (std::size_t i = 0; i < tags.size(); ++i) {
        if (i > 0) {
            out += ' ';
        }
        append_string(out, tags[i]);
    }
    out += ')';
}

// body-fld-loc: RFC 2557 §4.4.1 lets a long URI be folded; whitespace is not part of it.
void append_location(std::string& out, const mime::Part& part)
{
    std::optional<std::string> value = field_text(part, "Content-Location");
    if (value) {
        std::erase_if(*value, [](char c) { return c == ' ' || c == '\t'; });
    }
    append_nstring(out, value);
}

// body-ext-1part / body-ext-mpart after the MD5 or parameters: dsp, lang, loc.
void append_extension_tail(std::string& out, const mime::Part& part)
{
    out += ' ';
    append_disposition(out, part);
    out += ' ';
    append_language(out, part);
    out += ' ';
    append_location(out, part);
}

// A text/plain part without a header of its own (RFC 2046 §5.1.1: no header means
// text/plain; charset=us-ascii) of `octets` bytes and `lines` lines.
void append_headerless_text(std::string& out, StructureForm form, std::size_t octets,
                            std::size_t lines)
{
    out += "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" ";
    out += std::to_string(octets);
    out += ' ';
    out += std::to_string(lines);
    if (form == StructureForm::BodyStructure) {
        out += " NIL NIL NIL NIL";
    }
    out += ')';
}

// Where the grammar wants a body and there is none to describe (an encoded message/rfc822,
// the depth limit): an empty text/plain part.
void append_empty_text(std::string& out, StructureForm form)
{
    append_headerless_text(out, form, 0, 0);
}

class Writer {
public:
    Writer(std::string& out, StructureForm form) : out_(out), form_(form) {}

    void write(const mime::Part& part, std::size_t depth)
    {
        if (depth > max_structure_depth) {
            append_empty_text(out_, form_);
            return;
        }
        out_ += '(';
        if (part.content_type.is_multipart()) {
            write_multipart(part, depth);
        } else {
            write_single(part, depth);
        }
        out_ += ')';
    }

private:
    void write_multipart(const mime::Part& part, std::size_t depth)
    {
        if (part.children.empty()) {
            // No delimiter found (mime::Part::missing_boundary): RFC 9051 §9 body-type-mpart =
            // 1*body, and RFC 2046 §5.1.1 says nothing of this input. The whole body is
            // written as the multipart's one part, headerless text/plain (section.cpp serves
            // it as part 1), so a client can still show and fetch the content, as Dovecot
            // (part 1 is the body) and Python's email (a text/plain leaf) do.
            append_headerless_text(out_, form_, part.body_length, part.body_lines);
        }
        for (const mime::Part& child : part.children) {
            write(child, depth + 1);  // RFC 9051 §9: parts follow each other without a space
        }
        out_ += ' ';
        append_string(out_, part.content_type.subtype);
        if (form_ == StructureForm::BodyStructure) {
            out_ += ' ';
            append_parameters(out_, part.content_type.parameters, false);
            append_extension_tail(out_, part);
        }
    }

    void write_single(const mime::Part& part, std::size_t depth)
    {
        const mime::ContentType& type = part.content_type;
        const bool text = type.type == "text";
        append_string(out_, type.type);
        out_ += ' ';
        append_string(out_, type.subtype);
        out_ += ' ';
        append_parameters(out_, type.parameters, text);
        out_ += ' ';
        append_nstring(out_, field_text(part, "Content-ID"));
        out_ += ' ';
        append_nstring(out_, field_text(part, "Content-Description"));
        out_ += ' ';
        append_string(out_, encoding_name(part));
        out_ += ' ';
        out_ += std::to_string(part.body_length);  // body-fld-octets: as stored (CRLF)
        if (type.is_encapsulated_message()) {
            write_encapsulated(part, depth);
        } else if (text) {
            out_ += ' ';
            out_ += std::to_string(part.body_lines);  // body-fld-lines
        }
        if (form_ == StructureForm::BodyStructure) {
            out_ += ' ';
            append_nstring(out_, field_text(part, "Content-MD5"));
            append_extension_tail(out_, part);
        }
    }

    // body-type-msg: envelope, body and lines of the encapsulated message. Without a parsed
    // child (an encoded message/rfc822, RFC 2045 §6.4, or the depth limit) the grammar still
    // wants all three: an all-NIL envelope and an empty text/plain body.
    void write_encapsulated(const mime::Part& part, std::size_t depth)
    {
        out_ += ' ';
        if (part.children.empty()) {
            out_ += "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) ";
            append_empty_text(out_, form_);
        } else {
            const mime::Part& message = part.children.front();
            append_envelope(out_, message.fields);
            out_ += ' ';
            write(message, depth + 1);
        }
        out_ += ' ';
        out_ += std::to_string(part.body_lines);
    }

    std::string& out_;
    StructureForm form_;
};

}  // namespace

std::string encoding_name(const mime::Part& part)
{
    if (part.transfer_encoding != mime::TransferEncoding::Unknown) {
        return std::string(mime::transfer_encoding_name(part.transfer_encoding));
    }
    const mime::HeaderField* field = mime::find_field(part.fields, "Content-Transfer-Encoding");
    const std::string value =
        field == nullptr ? std::string() : unfolded_value(without_comments(field->value));
    if (value.empty() || !std::all_of(value.begin(), value.end(), is_token_char)) {
        return "7bit";  // RFC 2045 §6.1: not a mechanism at all, so the default applies
    }
    return ascii_lowercase(value);  // an unknown mechanism (x-uuencode), RFC 2045 §6.4
}

void append_body_structure(std::string& out, const mime::Part& part, StructureForm form)
{
    Writer(out, form).write(part, 0);
}

std::string format_body_structure(const mime::Message& message, StructureForm form)
{
    std::string out;
    append_body_structure(out, message.root, form);
    return out;
}

}  // namespace harbor::imap
