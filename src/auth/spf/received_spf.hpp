// The Received-SPF header field (RFC 7208 §9.1) recording a check_host() outcome in the message.
#pragma once

#include <string>

#include "auth/spf/check_host.hpp"

namespace harbor::auth::spf {

// Which identity the check was about (§2.3, §2.4): identity= in the field.
enum class Identity { MailFrom, Helo };

// "Received-SPF: pass (mx.example.org: domain of a@example.com designates 192.0.2.1 as
// permitted sender) client-ip=192.0.2.1; envelope-from="a@example.com"; helo=h.example.com;
// receiver=mx.example.org; identity=mailfrom; mechanism="ip4:192.0.2.0/24"", on one line
// without CRLF (the message writer folds it). problem= carries the reason of a none, temperror
// or permerror. Control characters in the request's values become '?', so the field stays one
// header field whatever the client sent.
std::string received_spf_header(const Request& request, const Outcome& outcome, Identity identity);

}  // namespace harbor::auth::spf
