// What the SMTP client is asked to send, and the MAIL FROM / RCPT TO lines it writes for it:
// the reverse-path and forward-paths (RFC 5321 §4.1.1.2, §4.1.1.3) with the parameters of SIZE
// (RFC 1870 §6), BODY (RFC 6152 §2, RFC 3030 §3), SMTPUTF8 (RFC 6531 §3.4), RET/ENVID and
// NOTIFY/ORCPT (RFC 3461 §4) and REQUIRETLS (RFC 8689 §4), each only when the server offers it.
// The queued envelope is JSON written by smtp/server (session_data.cpp outbound_params and
// recipient_params); it is checked again here by smtp/protocol's own MAIL and RCPT parsers, so
// the client never sends a parameter the server side would have refused.
// SECURITY: queued values are re-validated before they reach the wire; xtext values are
// re-encoded (RFC 3461 §4), so no CR, LF or space can split a command line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/protocol/path.hpp"
#include "smtp/protocol/reply_parser.hpp"

namespace harbor::smtp::client {

struct OutboundRecipient {
    std::string address;  // as queued: Address::format(), or "postmaster"
    std::string params;   // as queued: {"notify":"SUCCESS,FAILURE","orcpt":"rfc822;a@b.example"}
};

// One message for one connection. `content` must stay valid until send() completes.
struct OutboundMessage {
    std::string sender;  // as queued; empty for the null reverse-path "<>" (§4.5.5)
    // As queued: {"envid":"...","ret":"FULL"|"HDRS","body":"8BITMIME"|"BINARYMIME",
    // "smtputf8":true,"requiretls":true}; empty or "{}" for none.
    std::string params;
    std::vector<OutboundRecipient> recipients;
    std::string_view content;  // RFC 5322 message; CRLF or LF line ends (normalised on send)
};

// The queued sender and its parameters as MAIL FROM would carry them, parsed by
// parse_mail_from(). Refusals: those of parse_mail_from(), or 554 5.3.0 for params that are not
// the queue's JSON. A non-ASCII sender implies SMTPUTF8 (RFC 6531 §3.4).
Parsed<MailFrom> parse_queued_sender(std::string_view sender, std::string_view params);

// A queued recipient, parsed by parse_rcpt_to() (UTF-8 allowed: whether the server can take it
// is the caller's decision). Refusals as for parse_queued_sender().
Parsed<RcptTo> parse_queued_recipient(const OutboundRecipient& recipient);

// Needs SMTPUTF8 on the wire: an address with octets >= 0x80 (RFC 6531 §3.2).
bool needs_smtputf8(std::string_view address);

// Whether the content has octets >= 0x80 and so needs BODY=8BITMIME (RFC 6152 §2).
bool has_eight_bit(std::string_view content);

struct MailOptions {
    std::optional<std::uint64_t> size;  // sent as SIZE= when the server has SIZE
    Body body = Body::Unspecified;      // BODY= to send; only 8BITMIME and BINARYMIME are sent
    bool smtputf8 = false;
    bool requiretls = false;
};

// "MAIL FROM:<sender> [SIZE=n] [BODY=..] [SMTPUTF8] [RET=..] [ENVID=..] [REQUIRETLS]", without
// CRLF. DSN parameters only with DSN offered; the others as the caller decided in `options`.
std::string format_mail_command(const MailFrom& mail, const MailOptions& options,
                                const ServerExtensions& server);

// "RCPT TO:<address> [NOTIFY=..] [ORCPT=type;xtext]", without CRLF; DSN parameters only with
// DSN offered.
std::string format_rcpt_command(const RcptTo& rcpt, const ServerExtensions& server);

}  // namespace harbor::smtp::client
