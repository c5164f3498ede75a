// ESMTP parameters after a MAIL or RCPT path (RFC 5321 §4.1.2 Mail-parameters and
// Rcpt-parameters). Internal to smtp/protocol: path.cpp splits the path off and calls these.
// SECURITY: the text is untrusted and bounded by the command line limit; see path.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "smtp/protocol/extensions.hpp"
#include "smtp/protocol/path.hpp"
#include "smtp/protocol/reply.hpp"

namespace harbor::smtp {

struct MailParameters {
    std::optional<std::uint64_t> size;
    Body body = Body::Unspecified;
    bool smtputf8 = false;
    Ret ret = Ret::Unspecified;
    std::string envid;
    std::optional<std::string> auth;
    bool requiretls = false;
};

struct RcptParameters {
    Notify notify;
    std::optional<OriginalRecipient> orcpt;
};

// esmtp-param *(SP esmtp-param) (runs of spaces tolerated), checked against the advertised
// extensions. Refusals as listed in path.hpp (501 5.5.4, 555 5.5.4, 552 5.3.4).
Parsed<MailParameters> parse_mail_parameters(std::string_view text, const Extensions& extensions);
Parsed<RcptParameters> parse_rcpt_parameters(std::string_view text, const Extensions& extensions);

}  // namespace harbor::smtp
