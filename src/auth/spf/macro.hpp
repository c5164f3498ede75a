// SPF macros (RFC 7208 §7): the syntax check of macro-strings and domain-specs (§7.1), their
// expansion (§7.2, §7.3) into a <target-name> or an explanation text.
// SECURITY: the text comes from DNS. The scan is linear, nothing recurses, and an expansion
// stops with Errc::Limit past max_expansion_octets; fuzzed by fuzz_spf_record.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace harbor::auth::spf {

// Where a macro-string stands decides what it may hold.
enum class MacroUse {
    DomainSpec,       // a mechanism's or modifier's target: c, r and t are not allowed (§7.1)
    Explanation,      // the TXT text exp= names (explain-string): every letter, and SP
    UnknownModifier,  // checked, never expanded (§6): every letter
};

// The longest expansion; past it expand_* fail with Errc::Limit. Real values are a few hundred
// octets; the cap only stops a crafted record from multiplying a long sender.
inline constexpr std::size_t max_expansion_octets = 16 * 1024;

// Errc::Invalid with the reason when text is not a macro-string for that use (§7.1): a '%' not
// followed by '{', '%', '_' or '-'; an unknown letter; a zero digit count; an unclosed '{'; a
// character outside %x21-7E (SP only in explanations).
Result<void> check_macro_string(std::string_view text, MacroUse use);

// domain-spec = macro-string domain-end; domain-end = ( "." toplabel [ "." ] ) / macro-expand
// (§7.1). Errc::Invalid when text is empty or does not end in a toplabel or a macro.
Result<void> check_domain_spec(std::string_view text);

// Whether a checked macro-string uses the letter (either case): check_host looks up the
// validated name only for a text that asks for %{p}.
bool uses_macro_letter(std::string_view text, char letter);

// The values macros stand for (§7.2). The IP is the client's, an IPv4-mapped IPv6 address
// already turned into IPv4 (§5: such a client is an IPv4 one).
struct MacroValues {
    std::string sender;                      // s: <sender>, local-part@domain
    std::string local_part;                  // l
    std::string sender_domain;               // o
    std::string domain;                      // d: <domain> of the check_host() being evaluated
    boost::asio::ip::address ip;             // i, c, v
    std::string helo;                        // h
    std::string validated_name = "unknown";  // p (§7.3: "unknown" when none is validated)
    std::string receiver = "unknown";        // r: the checking host's name
    std::int64_t timestamp = 0;              // t: seconds since the epoch
};

// Splits a sender into s, l and o: the domain is after the last '@'; an empty local-part
// becomes "postmaster" (§4.3). A sender without '@' is taken as a bare domain.
void set_sender(MacroValues& values, std::string_view sender);

// i: dotted quad, or 32 dot-separated nibbles for IPv6 (§7.3), upper-case hexadecimal (what
// the RFC 7208 test suite's v-macro-ip6 expects; the RFC leaves the case open).
std::string ip_macro_value(const boost::asio::ip::address& ip);

// Expands a checked macro-string (§7.3): transformers split on the delimiters (default "."),
// reverse with r, keep the rightmost N parts and join with "."; an upper-case letter is then
// URL-escaped outside RFC 3986 unreserved. Errc::Invalid if the text does not check for use.
Result<std::string> expand_macros(std::string_view text, const MacroValues& values, MacroUse use);

// Expands a domain-spec into a <target-name>: one trailing dot dropped (§7.1 trailing-dot
// rule), then labels removed from the left until it is at most 253 octets (§7.3).
Result<std::string> expand_domain_spec(std::string_view text, const MacroValues& values);

}  // namespace harbor::auth::spf
