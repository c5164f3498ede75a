// DKIM tag=value lists (RFC 6376 §3.2), the syntax of the DKIM-Signature field, of DKIM key
// records and of ARC's fields (RFC 8617 §4.1), plus the small value codecs those tags use:
// FWS removal for base64 values and DKIM-Quoted-Printable (RFC 6376 §2.11).
// SECURITY: the text comes from messages and DNS, so from anyone: one linear pass, at most
// max_tags tags kept, tags are views into the input (no copies).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace harbor::auth::dkim {

struct Tag {
    std::string_view name;   // case-sensitive (RFC 6376 §3.2)
    std::string_view value;  // without the FWS around it; inner whitespace kept
};

constexpr std::size_t default_max_tags = 64;

// WSP or a line end: what FWS is made of (RFC 6376 §2.8). A bare LF counts as a line end
// (messages stored with LF line ends, RFC 6376 §5.3).
constexpr bool is_fws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// tag-list = tag-spec *( ";" tag-spec ) [ ";" ]. Errors:
//   Errc::Invalid  a tag-spec is empty or lacks "=", a tag-name is not ALPHA *ALNUMPUNC, a value
//                  holds a control character, or a tag name occurs twice ("the entire tag-list
//                  is invalid");
//   Errc::Limit    more than max_tags tags.
// Bytes >= 0x80 are accepted in values (RFC 6376 §3.2 note on UTF-8); each tag's own grammar
// decides whether it allows them.
Result<std::vector<Tag>> parse_tag_list(std::string_view text,
                                        std::size_t max_tags = default_max_tags);

// The tag with this name, or nullptr.
const Tag* find_tag(const std::vector<Tag>& tags, std::string_view name);

// The value without any FWS: base64 values (b=, bh=, p=) may be folded anywhere (§2.10).
std::string remove_fws(std::string_view value);

// A colon-separated list (h=, q=, key h=, s=, t=) split into its items, FWS around each item
// removed; an empty item stays in the list as "" for the caller's grammar to refuse.
std::vector<std::string_view> split_list(std::string_view value, char separator = ':');

// DKIM-Quoted-Printable (RFC 6376 §2.11): FWS is dropped, "=XX" (upper-case hex) decodes to one
// octet. Errc::Invalid on a dangling or malformed "=".
Result<std::string> decode_quoted_printable(std::string_view value);

}  // namespace harbor::auth::dkim
