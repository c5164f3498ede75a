// MAIL FROM and RCPT TO arguments: Reverse-path and Forward-path (RFC 5321 §4.1.2, §4.1.1.2,
// §4.1.1.3; source routes, Appendix C), UTF-8 addresses (RFC 6531 §3.3, §3.5) and the ESMTP
// parameters of SIZE (RFC 1870), BODY (RFC 6152, RFC 3030 §3), SMTPUTF8 (RFC 6531 §3.4),
// DSN (RFC 3461 §4), AUTH= (RFC 4954 §5) and REQUIRETLS (RFC 8689 §4).
// SECURITY: arguments are untrusted. The command line limit (command.hpp) bounds the input;
// the path is capped at max_path_octets before the mailbox parser (directory/address) sees it;
// numbers cannot overflow; ENVID, ORCPT and AUTH= are decoded strictly and must not contain
// control characters once decoded (they are later written into DSNs and Received fields).
// Fuzzed by fuzz_smtp_command.
//
// Refusals:
//   501 5.5.4  no "FROM:"/"TO:", bad parameter syntax, a parameter given twice, a bad value
//   555 5.5.4  unknown parameter, or one of an extension that was not advertised (§4.1.1.11)
//   552 5.3.4  SIZE larger than 64 bits or than Extensions::max_message_size (RFC 1870)
//   501 5.1.3  malformed or over-long path or mailbox (§4.5.3.1, "501 Path too long")
//   553 5.6.7  non-ASCII address without SMTPUTF8 (RFC 6531 §3.5)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "directory/address.hpp"
#include "smtp/protocol/extensions.hpp"
#include "smtp/protocol/reply.hpp"

namespace harbor::smtp {

inline constexpr std::size_t max_envid = 100;  // RFC 3461 §4.4
inline constexpr std::size_t max_orcpt = 500;  // RFC 3461 §4.2

enum class Body { Unspecified, SevenBit, EightBitMime, BinaryMime };
enum class Ret { Unspecified, Full, Headers };
// Whether the addresses of this transaction may contain UTF-8: only when MAIL carried the
// SMTPUTF8 parameter (RFC 6531 §3.4). The session passes it to parse_rcpt_to.
enum class Utf8Addresses { Refused, Allowed };

struct MailFrom {
    // "local@domain" (Address::format(): local part as written, quoted only where needed;
    // domain in lower-case A-labels or a canonical literal); empty for the null path "<>".
    std::string address;
    std::optional<directory::Address> mailbox;  // nullopt for "<>"
    std::optional<std::uint64_t> size;          // SIZE=
    Body body = Body::Unspecified;              // BODY=
    bool smtputf8 = false;                      // SMTPUTF8
    Ret ret = Ret::Unspecified;                 // RET=
    std::string envid;                          // ENVID=, decoded, printable ASCII; or empty
    std::optional<std::string> auth;            // AUTH=, xtext decoded: an addr-spec or "<>"
    bool requiretls = false;                    // REQUIRETLS
};

// NOTIFY= (RFC 3461 §4.1): not given, NEVER, or any of SUCCESS, FAILURE, DELAY.
struct Notify {
    bool given = false;
    bool never = false;
    bool success = false;
    bool failure = false;
    bool delay = false;
};

// ORCPT=addr-type;xtext (RFC 3461 §4.2).
struct OriginalRecipient {
    std::string type;     // addr-type, lower case ("rfc822", "utf-8", ...)
    std::string address;  // the decoded xtext
};

struct RcptTo {
    // As MailFrom::address; "postmaster" for the bare "<Postmaster>" (§4.1.1.3).
    std::string address;
    std::optional<directory::Address> mailbox;  // nullopt for "<Postmaster>"
    bool postmaster = false;                    // the bare "<Postmaster>" form
    Notify notify;
    std::optional<OriginalRecipient> orcpt;
};

// The argument of MAIL (everything after "MAIL "): "FROM:" Reverse-path [SP Mail-parameters].
// UTF-8 in the path is allowed when SMTPUTF8 is both advertised and given as a parameter.
Parsed<MailFrom> parse_mail_from(std::string_view argument, const Extensions& extensions);

// The argument of RCPT: "TO:" ( "<Postmaster>" / Forward-path ) [SP Rcpt-parameters].
Parsed<RcptTo> parse_rcpt_to(std::string_view argument, const Extensions& extensions,
                             Utf8Addresses utf8);

}  // namespace harbor::smtp
