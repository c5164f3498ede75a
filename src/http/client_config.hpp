// The documents mail clients configure themselves from: Thunderbird's autoconfig ("clientConfig"
// version 1.1, served at /.well-known/autoconfig/mail/config-v1.1.xml and
// /mail/config-v1.1.xml) and Outlook's POX Autodiscover response (the "outlook" responseschema
// 2006a). Both describe this server's IMAP, POP3 and submission listeners with TLS: implicit TLS
// (RFC 8314 §3.3, preferred) and STARTTLS (RFC 3207, RFC 2595, RFC 9051 §6.2.1). Plaintext
// listeners are never announced: a client would send its password in the clear.
// SECURITY: the domain and address come from the request; they are written XML-escaped, and
// the callers pass only parsed, normalised addresses (directory::parse_address).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.hpp"

namespace harbor::http {

enum class MailService { Imap, Pop3, Submission };
enum class Security { Implicit, StartTls };

struct Endpoint {
    MailService service = MailService::Imap;
    Security security = Security::Implicit;
    std::uint16_t port = 0;
    friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

// What the documents announce: the host clients connect to and its TLS listeners, each
// (service, security, port) once, ordered by service (IMAP, POP3, submission), implicit TLS
// before STARTTLS, then by port.
struct MailServers {
    std::string hostname;
    std::vector<Endpoint> endpoints;
};

// From Config::listeners: protocol Imap, Pop3 or Submission with tls Implicit or StartTls.
MailServers mail_servers_of(std::string hostname, const std::vector<ListenerConfig>& listeners);

// Replaces & < > " ' by their entities (XML 1.0 §2.4), so any text is safe in element content
// and in quoted attribute values.
std::string xml_escape(std::string_view text);

// clientConfig 1.1 for `domain` (the emailProvider id and its <domain>): one incomingServer per
// IMAP and POP3 endpoint, one outgoingServer per submission endpoint, each with the username
// %EMAILADDRESS% and password-cleartext authentication (over TLS: SASL PLAIN / LOGIN).
std::string format_autoconfig(const MailServers& servers, std::string_view domain);

// The POX Autodiscover response for `address`: one Protocol element for each of IMAP, POP3
// and SMTP (Outlook uses the first of each type), preferring implicit TLS.
std::string format_autodiscover(const MailServers& servers, std::string_view address);

// The Autodiscover <Error> response: 600 "Invalid Request", 601 "Requested schema version not
// supported" (the codes Exchange answers with).
std::string format_autodiscover_error(int code, std::string_view message);

}  // namespace harbor::http
