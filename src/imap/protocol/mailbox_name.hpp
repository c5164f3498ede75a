// Mailbox names: modified UTF-7 (RFC 3501 §5.1.3, kept for IMAP4rev1 clients and by RFC 9051
// §5.1.3 / Appendix A for those that do not enable UTF8=ACCEPT) and Harbor's validation of
// names (RFC 9051 §5.1: hierarchy separator, INBOX case-insensitive).
// SECURITY: names come from clients and later become storage keys. The decoder is strict (a
// form the encoder would not produce is refused, so every name has one spelling), names are
// length-bounded, and components such as "." and ".." and control characters are refused so
// no backend can be tricked into path traversal. Fuzzed through fuzz_imap_command.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace harbor::imap {

inline constexpr char hierarchy_separator = '/';  // Harbor's separator (RFC 9051 §5.1.1)

// UTF-8 → modified UTF-7. Errc::Invalid if utf8 is not valid UTF-8 (overlong forms,
// surrogates and code points above U+10FFFF are refused).
Result<std::string> encode_mutf7(std::string_view utf8);

// Modified UTF-7 → UTF-8, refusing every form the encoder would not produce (RFC 3501 §5.1.3):
// bytes outside 0x20..0x7e; "&" not followed by "-" or a modified-BASE64 run ending in "-";
// printable ASCII inside BASE64 ("MUST NOT be used to represent any printing US-ASCII
// character"); non-zero or superfluous pad bits; unpaired UTF-16 surrogates; two BASE64 runs
// back to back ("&AGE-&AGI-" is "&AGEAYg-"); "/" where "," belongs.
Result<std::string> decode_mutf7(std::string_view mutf7);

struct MailboxNameLimits {
    std::size_t max_octets = 1024;   // UTF-8 octets of the whole name
    std::size_t max_depth = 64;      // components separated by '/'
};

// Validates a UTF-8 mailbox name and returns its normal form: a first component equal to
// "INBOX" in any case becomes "INBOX" (RFC 9051 §5.1: "The case-insensitive mailbox name INBOX
// is a special name reserved to mean 'the primary mailbox'"). Refused (Errc::Invalid): empty;
// invalid UTF-8; control characters (C0, DEL, C1); the LIST wildcards '%' and '*' (RFC 9051
// §6.3.9); a leading or trailing separator, an empty component ("a//b"); "." or ".."
// components. Over a limit: Errc::Limit.
Result<std::string> normalize_mailbox_name(std::string_view utf8, MailboxNameLimits limits = {});

// Whether a normalised name is INBOX itself.
bool is_inbox(std::string_view normalized_name);

}  // namespace harbor::imap
