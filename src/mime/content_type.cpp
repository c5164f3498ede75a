// Content-Type, Content-Disposition and Content-Transfer-Encoding values.
// Grammar: RFC 2045 §5.1 (type "/" subtype *(";" parameter)), §6.1, RFC 2183 §2; comments and
// folding per RFC 5322 §3.2.2. SECURITY: untrusted text; bounded loops, comments capped in depth.
#include "mime/content_type.hpp"

#include <array>

#include "mime/header.hpp"
#include "mime/token.hpp"

namespace harbor::mime {
namespace {

constexpr int max_comment_depth = 8;  // RFC 5322 §3.2.2 nests comments; deeper is junk

// A value with RFC 5322 §2.2.3 folding removed. Without a line end there is nothing to
// unfold, so the common one-line value is used in place instead of copied.
class UnfoldedValue {
public:
    explicit UnfoldedValue(std::string_view value)
        : value_(value), folded_(value.find('\n') != std::string_view::npos)
    {
        if (folded_) {
            storage_ = unfold(value);
        }
    }
    UnfoldedValue(const UnfoldedValue&) = delete;
    UnfoldedValue& operator=(const UnfoldedValue&) = delete;

    std::string_view text() const { return folded_ ? std::string_view(storage_) : value_; }

private:
    std::string_view value_;
    bool folded_;
    std::string storage_;
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Skips whitespace and (nested) comments, RFC 5322 §3.2.2 CFWS.
std::size_t skip_cfws(std::string_view text, std::size_t pos)
{
    while (pos < text.size()) {
        if (is_space(text[pos])) {
            ++pos;
        } else if (text[pos] == '(') {
            int depth = 0;
            while (pos < text.size()) {
                const char c = text[pos];
                if (c == '\\') {
                    pos += 2;
                    continue;
                }
                depth += c == '(' ? 1 : (c == ')' ? -1 : 0);
                ++pos;
                if (depth <= 0 || depth > max_comment_depth) {
                    break;
                }
            }
        } else {
            break;
        }
    }
    return pos < text.size() ? pos : text.size();
}

// RFC 2045 §5.1 token as written.
std::string_view take_token(std::string_view text, std::size_t& pos)
{
    const std::size_t start = pos;
    while (pos < text.size() && is_token_char(text[pos])) {
        ++pos;
    }
    return text.substr(start, pos - start);
}

// RFC 2045 §5.1 token, lower-cased.
std::string read_token(std::string_view text, std::size_t& pos)
{
    std::string token(take_token(text, pos));
    for (char& c : token) {
        c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    }
    return token;
}

// The parameter list starts at the first ';' at or after pos (junk before it is skipped, as
// mail readers do for "text/plain foo; charset=x").
ParameterList parameters_after(std::string_view text, std::size_t pos, bool& junk)
{
    const std::size_t semicolon = text.find(';', pos);
    if (semicolon == std::string_view::npos) {
        junk = skip_cfws(text, pos) < text.size();
        return {};
    }
    junk = skip_cfws(text, pos) < semicolon;
    return parse_mime_parameters(text.substr(semicolon));
}

}  // namespace

bool ContentType::is_encapsulated_message() const
{
    return type == "message" && (subtype == "rfc822" || subtype == "global");
}

std::string_view ContentType::boundary() const
{
    const MimeParameter* parameter = find_parameter(parameters, "boundary");
    return parameter == nullptr ? std::string_view() : std::string_view(parameter->value);
}

ContentType default_content_type(DefaultType kind)
{
    ContentType result;
    if (kind == DefaultType::MessageRfc822) {
        result.type = "message";
        result.subtype = "rfc822";
        return result;
    }
    MimeParameter charset;
    charset.name = "charset";
    charset.value = "us-ascii";
    result.parameters.parameters.push_back(std::move(charset));
    return result;
}

ContentType parse_content_type(std::string_view value, DefaultType fallback)
{
    const UnfoldedValue unfolded(value);
    const std::string_view text = unfolded.text();
    std::size_t pos = skip_cfws(text, 0);
    std::string type = read_token(text, pos);
    pos = skip_cfws(text, pos);
    std::string subtype;
    if (pos < text.size() && text[pos] == '/') {
        pos = skip_cfws(text, pos + 1);
        subtype = read_token(text, pos);
    }
    if (type.empty() || subtype.empty()) {
        ContentType result = default_content_type(fallback);
        result.malformed = true;
        return result;
    }
    ContentType result;
    result.type = std::move(type);
    result.subtype = std::move(subtype);
    result.defaulted = false;
    bool junk = false;
    result.parameters = parameters_after(text, pos, junk);
    result.parameters.malformed = result.parameters.malformed || junk;
    return result;
}

ContentDisposition parse_content_disposition(std::string_view value)
{
    const UnfoldedValue unfolded(value);
    const std::string_view text = unfolded.text();
    std::size_t pos = skip_cfws(text, 0);
    ContentDisposition result;
    result.type = read_token(text, pos);
    bool junk = false;
    result.parameters = parameters_after(text, pos, junk);
    result.malformed = result.type.empty() || junk;
    return result;
}

TransferEncoding parse_transfer_encoding(std::string_view value)
{
    const UnfoldedValue unfolded(value);
    const std::string_view text = unfolded.text();
    std::size_t pos = skip_cfws(text, 0);
    const std::string_view token = take_token(text, pos);  // compared case-insensitively
    if (token.empty() || iequals(token, "7bit")) {
        return TransferEncoding::SevenBit;  // RFC 2045 §6.1 default
    }
    if (iequals(token, "8bit")) {
        return TransferEncoding::EightBit;
    }
    if (iequals(token, "binary")) {
        return TransferEncoding::Binary;
    }
    if (iequals(token, "quoted-printable")) {
        return TransferEncoding::QuotedPrintable;
    }
    if (iequals(token, "base64")) {
        return TransferEncoding::Base64;
    }
    return TransferEncoding::Unknown;
}

std::string_view transfer_encoding_name(TransferEncoding encoding)
{
    switch (encoding) {
    case TransferEncoding::SevenBit: return "7bit";
    case TransferEncoding::EightBit: return "8bit";
    case TransferEncoding::Binary: return "binary";
    case TransferEncoding::QuotedPrintable: return "quoted-printable";
    case TransferEncoding::Base64: return "base64";
    case TransferEncoding::Unknown: return "unknown";
    }
    return "unknown";
}

}  // namespace harbor::mime
