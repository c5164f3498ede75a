// Modified UTF-7 (RFC 3501 §5.1.3; RFC 2152 for the underlying UTF-7, RFC 4648 §4 alphabet with
// ',' for '/') and mailbox name validation (RFC 9051 §5.1, §5.1.1).
// SECURITY: strict decoder, one spelling per name; bounded by MailboxNameLimits; UTF-8 is
// validated code point by code point (RFC 3629 §4) before any other check.
#include "imap/protocol/mailbox_name.hpp"

#include <cstdint>
#include <vector>

#include "core/ascii.hpp"

namespace harbor::imap {
namespace {

constexpr std::string_view mbase64_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

int mbase64_value(char c)
{
    const std::size_t at = mbase64_alphabet.find(c);
    return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

bool is_printable_ascii(std::uint32_t c)
{
    return c >= 0x20 && c <= 0x7e;
}

// Decodes one UTF-8 code point at pos (RFC 3629 §4); -1 when malformed.
std::int64_t next_code_point(std::string_view text, std::size_t& pos)
{
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char lead = byte(pos);
    if (lead < 0x80) {
        ++pos;
        return lead;
    }
    std::size_t length = 0;
    std::uint32_t value = 0;
    std::uint32_t min = 0;
    if (lead >= 0xc2 && lead <= 0xdf) {
        length = 2, value = lead & 0x1fU, min = 0x80;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        length = 3, value = lead & 0x0fU, min = 0x800;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        length = 4, value = lead & 0x07U, min = 0x10000;
    } else {
        return -1;
    }
    if (pos + length > text.size()) {
        return -1;
    }
    for (std::size_t i = 1; i < length; ++i) {
        if ((byte(pos + i) & 0xc0U) != 0x80U) {
            return -1;
        }
        value = (value << 6) | (byte(pos + i) & 0x3fU);
    }
    if (value < min || value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) {
        return -1;
    }
    pos += length;
    return value;
}

void append_utf8(std::string& out, std::uint32_t c)
{
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xc0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3f));
    } else if (c < 0x10000) {
        out += static_cast<char>(0xe0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (c & 0x3f));
    } else {
        out += static_cast<char>(0xf0 | (c >> 18));
        out += static_cast<char>(0x80 | ((c >> 12) & 0x3f));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (c & 0x3f));
    }
}

// Writes a run of UTF-16 units as modified BASE64 between '&' and '-'.
void append_mbase64(std::string& out, const std::vector<std::uint16_t>& units)
{
    out += '&';
    std::uint32_t bits = 0;
    int bit_count = 0;
    for (const std::uint16_t unit : units) {
        bits = (bits << 16) | unit;
        bit_count += 16;
        while (bit_count >= 6) {
            bit_count -= 6;
            out += mbase64_alphabet[(bits >> bit_count) & 0x3fU];
        }
        bits &= (1U << bit_count) - 1;
    }
    if (bit_count > 0) {
        out += mbase64_alphabet[(bits << (6 - bit_count)) & 0x3fU];  // zero pad bits
    }
    out += '-';
}

}  // namespace

Result<std::string> encode_mutf7(std::string_view utf8)
{
    std::string out;
    std::vector<std::uint16_t> pending;
    std::size_t pos = 0;
    while (pos < utf8.size()) {
        const std::int64_t c = next_code_point(utf8, pos);
        if (c < 0) {
            return unexpected(Errc::Invalid, "mailbox name is not valid UTF-8");
        }
        const auto code = static_cast<std::uint32_t>(c);
        if (is_printable_ascii(code)) {
            if (!pending.empty()) {
                append_mbase64(out, pending);
                pending.clear();
            }
            out += code == '&' ? std::string_view("&-") : std::string_view(&utf8[pos - 1], 1);
            continue;
        }
        if (code >= 0x10000) {
            const std::uint32_t v = code - 0x10000;
            pending.push_back(static_cast<std::uint16_t>(0xd800 + (v >> 10)));
            pending.push_back(static_cast<std::uint16_t>(0xdc00 + (v & 0x3ff)));
        } else {
            pending.push_back(static_cast<std::uint16_t>(code));
        }
    }
    if (!pending.empty()) {
        append_mbase64(out, pending);
    }
    return out;
}

Result<std::string> decode_mutf7(std::string_view mutf7)
{
    std::string out;
    std::size_t pos = 0;
    bool previous_was_base64 = false;
    while (pos < mutf7.size()) {
        const char c = mutf7[pos];
        if (!is_printable_ascii(static_cast<unsigned char>(c))) {
            return unexpected(Errc::Invalid, "mailbox name has a byte outside modified UTF-7");
        }
        if (c != '&') {
            out += c;
            ++pos;
            previous_was_base64 = false;
            continue;
        }
        ++pos;
        if (pos < mutf7.size() && mutf7[pos] == '-') {
            out += '&';  // "&-" is '&' (RFC 3501 §5.1.3)
            ++pos;
            previous_was_base64 = false;
            continue;
        }
        if (previous_was_base64) {
            return unexpected(Errc::Invalid, "adjacent modified BASE64 runs");
        }
        std::uint32_t bits = 0;
        int bit_count = 0;
        std::uint32_t high_surrogate = 0;
        std::size_t units = 0;
        while (pos < mutf7.size() && mutf7[pos] != '-') {
            const int value = mbase64_value(mutf7[pos]);
            if (value < 0) {
                return unexpected(Errc::Invalid, "bad character in modified BASE64");
            }
            ++pos;
            bits = (bits << 6) | static_cast<std::uint32_t>(value);
            bit_count += 6;
            if (bit_count < 16) {
                continue;
            }
            bit_count -= 16;
            const std::uint32_t unit = (bits >> bit_count) & 0xffffU;
            bits &= (1U << bit_count) - 1;
            ++units;
            if (high_surrogate != 0) {
                if (unit < 0xdc00 || unit > 0xdfff) {
                    return unexpected(Errc::Invalid, "unpaired UTF-16 surrogate");
                }
                append_utf8(out, 0x10000 + ((high_surrogate - 0xd800) << 10) + (unit - 0xdc00));
                high_surrogate = 0;
            } else if (unit >= 0xd800 && unit <= 0xdbff) {
                high_surrogate = unit;
            } else if (unit >= 0xdc00 && unit <= 0xdfff) {
                return unexpected(Errc::Invalid, "unpaired UTF-16 surrogate");
            } else if (is_printable_ascii(unit)) {
                return unexpected(Errc::Invalid, "printable ASCII encoded in modified BASE64");
            } else {
                append_utf8(out, unit);
            }
        }
        if (pos >= mutf7.size()) {
            return unexpected(Errc::Invalid, "modified BASE64 not terminated by '-'");
        }
        ++pos;  // '-'
        // Fewer than 6 leftover bits, all zero: otherwise a character too many or bits set.
        if (units == 0 || high_surrogate != 0 || bit_count >= 6 || bits != 0) {
            return unexpected(Errc::Invalid, "malformed modified BASE64");
        }
        previous_was_base64 = true;
    }
    return out;
}

Result<std::string> normalize_mailbox_name(std::string_view utf8, MailboxNameLimits limits)
{
    if (utf8.empty()) {
        return unexpected(Errc::Invalid, "empty mailbox name");
    }
    if (utf8.size() > limits.max_octets) {
        return unexpected(Errc::Limit, "mailbox name too long");
    }
    std::size_t pos = 0;
    while (pos < utf8.size()) {
        const std::int64_t c = next_code_point(utf8, pos);
        if (c < 0) {
            return unexpected(Errc::Invalid, "mailbox name is not valid UTF-8");
        }
        if (c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f)) {
            return unexpected(Errc::Invalid, "control character in mailbox name");
        }
        if (c == '%' || c == '*') {
            return unexpected(Errc::Invalid, "wildcard in mailbox name");
        }
    }
    std::string out;
    out.reserve(utf8.size());
    std::size_t depth = 0;
    std::size_t start = 0;
    while (true) {
        const std::size_t end = std::min(utf8.find(hierarchy_separator, start), utf8.size());
        const std::string_view component = utf8.substr(start, end - start);
        if (component.empty()) {
            return unexpected(Errc::Invalid, "empty hierarchy level in mailbox name");
        }
        if (component == "." || component == "..") {
            return unexpected(Errc::Invalid, "'.' or '..' in mailbox name");
        }
        if (++depth > limits.max_depth) {
            return unexpected(Errc::Limit, "mailbox hierarchy too deep");
        }
        if (depth == 1 && iequals(component, "INBOX")) {
            out += "INBOX";
        } else {
            out += component;
        }
        if (end == utf8.size()) {
            return out;
        }
        out += hierarchy_separator;
        start = end + 1;
    }
}

bool is_inbox(std::string_view normalized_name)
{
    return normalized_name == "INBOX";
}

}  // namespace harbor::imap
