// The trace field Harbor prepends to every message it accepts (RFC 5321 §4.4 time stamp line,
// RFC 5322 §3.6.7): who sent it, from where, to whom, when, how (RFC 3848 and RFC 6531 §3.7.3
// protocol types), with the TLS parameters and the authenticated user in comments.
#pragma once

#include <cstdint>
#include <string>

namespace harbor::smtp::server {

struct ReceivedInfo {
    std::string helo;           // the EHLO/HELO name as given (printable ASCII)
    std::string peer_ip;        // "192.0.2.1" or "2001:db8::1"
    std::string hostname;       // ours
    std::string id;             // the queue id also given in the 250 reply
    bool esmtp = true;          // EHLO (ESMTP) rather than HELO (SMTP)
    bool smtputf8 = false;      // the transaction used SMTPUTF8 (UTF8SMTP types)
    std::string tls;            // Connection::tls_description(), empty without TLS
    std::string authenticated;  // the account's address, empty without AUTH
    std::string recipient;      // for a single recipient only (privacy: never the list)
    std::int64_t unix_seconds = 0;
};

// "Received: from ... ; date\r\n", folded so that no line passes 78 characters where it can
// be helped (RFC 5322 §2.1.1); client-given text is reduced to printable ASCII.
std::string received_field(const ReceivedInfo& info);

// The RFC 3848 / RFC 6531 "with" keyword: ESMTP, ESMTPS, ESMTPA, ESMTPSA, UTF8SMTP..., SMTP.
std::string with_protocol(const ReceivedInfo& info);

}  // namespace harbor::smtp::server
