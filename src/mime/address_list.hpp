// Structured address fields (From, To, Cc, Bcc, Reply-To, Sender): RFC 5322 §3.4 address-list,
// mailbox-list, groups (§3.4 "name: a, b;"), comments (§3.2.2) and the obsolete forms of §4.4
// (routes "@a,@b:user@d", empty list elements, CFWS around dots). Display names and comments
// are decoded with decode_rfc2047 (RFC 2047 §5); raw UTF-8 is kept (RFC 6532 §3.2), so IDN
// domains come back as written.
// SECURITY: header text is untrusted. Input bytes, addresses and comment nesting are capped by
// AddressListLimits; no recursion; parsing never fails (bad pieces are skipped and flagged).
// Fuzzed by fuzz_address_list.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace harbor::mime {

constexpr std::size_t default_max_address_input = 64 * 1024;  // a folded field, past §2.1.1
constexpr std::size_t default_max_addresses = 1000;           // one To/Cc field
constexpr std::size_t default_max_comment_depth = 32;         // nested "(a (b (c)))", §3.2.2

struct AddressListLimits {
    std::size_t max_input = default_max_address_input;
    std::size_t max_addresses = default_max_addresses;
    std::size_t max_comment_depth = default_max_comment_depth;
};

struct Address {
    std::string display_name;  // UTF-8, encoded-words decoded; a comment if there is no phrase
    std::string local_part;    // as written minus CFWS; a quoted local part keeps its quotes
    std::string domain;        // as written minus CFWS (IDN kept as UTF-8); empty if missing
    std::string group;         // display name of the enclosing group, empty outside groups
};

struct AddressList {
    std::vector<Address> addresses;
    std::vector<std::string> groups;  // every group name in order, also empty ones ("x:;")
    bool malformed = false;           // an element without an address, a stray special, an unclosed
                                      // quote, comment or angle bracket was skipped or closed
    bool obsolete = false;            // a §4.4 form was read (route, CFWS inside the addr-spec)
    bool truncated = false;           // max_input or max_addresses was hit
    bool comment_too_deep = false;    // a comment nested past max_comment_depth
};

// Parses a field body (after the colon). The field ends at a line end not followed by WSP.
AddressList parse_address_list(std::string_view field_body, AddressListLimits limits = {});

// "local@domain", or the local part alone when the domain is missing.
std::string address_spec(const Address& address);

}  // namespace harbor::mime
