// MAIL FROM / RCPT TO paths: RFC 5321 §4.1.1.2, §4.1.1.3, §4.1.2 (Path, A-d-l, Mailbox),
// §4.5.3.1.3 (256-octet path), Appendix C (source routes, accepted and ignored); RFC 6531 §3.3,
// §3.5 (UTF-8 addresses only with SMTPUTF8, else 553 5.6.7). The mailbox itself is parsed by
// directory::parse_address (dot-string or quoted-string local part, IDNA domains, literals).
// SECURITY: untrusted input; the path is delimited with quote awareness and capped at
// max_path_octets before any further parsing; relay tricks are either syntax errors
// (<v@EXT@[IP]>, <"v@EXT">) or plain local parts for the session's relay check (<v%EXT@[IP]>).
#include "smtp/protocol/path.hpp"

#include "smtp/protocol/ascii.hpp"
#include "smtp/protocol/parameters.hpp"

namespace harbor::smtp {
namespace {

Reply address_error(std::string detail)
{
    // RFC 3463 §3.2 X.1.3 "bad destination mailbox address syntax ... can apply to any field
    // in the address"; used for both MAIL and RCPT as Harbor issue 4 specifies.
    return Reply{501, "5.1.3", "Bad address syntax: " + std::move(detail)};
}

Reply utf8_refused()
{
    return Reply{553, "5.6.7", "Non-ASCII address without SMTPUTF8"};  // RFC 6531 §3.5
}

struct SplitArgument {
    std::string_view path;        // between "<" and ">"
    std::string_view parameters;  // after ">", possibly empty
};

// prefix ("FROM:" or "TO:") then "<" path ">" then nothing or SP parameters.
Parsed<SplitArgument> split_argument(std::string_view argument, std::string_view prefix,
                                     std::string_view usage)
{
    if (!ascii::istarts_with(argument, prefix)) {
        return Reply{501, "5.5.4", "Syntax: " + std::string(usage)};
    }
    std::string_view rest = argument.substr(prefix.size());
    // DEVIATION(RFC 5321 §4.1.1.2): one space after the colon is tolerated because many
    // clients send it (Postfix accepts it too); the path must still be in angle brackets.
    if (!rest.empty() && rest.front() == ' ') {
        rest.remove_prefix(1);
    }
    if (rest.empty() || rest.front() != '<') {
        return address_error("the path must be enclosed in <>");
    }
    // The closing '>' is the first one outside a quoted string (a quoted local part may hold
    // '>' and '\' escapes, §4.1.2 Quoted-string).
    bool quoted = false;
    std::size_t close = std::string_view::npos;
    for (std::size_t i = 1; i < rest.size(); ++i) {
        const char c = rest[i];
        if (quoted) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                quoted = false;
            }
            continue;
        }
        if (c == '"') {
            quoted = true;
        } else if (c == '>') {
            close = i;
            break;
        } else if (c == '<') {
            return address_error("'<' inside the path");
        }
    }
    if (close == std::string_view::npos) {
        return address_error("unbalanced '<'");
    }
    if (close + 1 > directory::max_path_octets) {
        return Reply{501, "5.1.3", "Path too long"};  // RFC 5321 §4.5.3.1.10
    }
    const std::string_view after = rest.substr(close + 1);
    if (!after.empty() && after.front() != ' ') {
        return Reply{501, "5.5.4", "Syntax: parameters must follow the path after a space"};
    }
    return SplitArgument{rest.substr(1, close - 1), after};
}

// A-d-l = At-domain *( "," At-domain ); At-domain = "@" Domain (RFC 5321 §4.1.2). The route is
// checked and then ignored (Appendix C); literals are tolerated as route hops.
Parsed<void> check_source_route(std::string_view route)
{
    std::size_t start = 0;
    while (true) {
        const std::size_t comma = std::min(route.find(',', start), route.size());
        const std::string_view hop = route.substr(start, comma - start);
        if (hop.size() < 2 || hop.front() != '@') {
            return address_error("bad source route");
        }
        const std::string_view domain = hop.substr(1);
        const bool valid =
            domain.front() == '['
                ? static_cast<bool>(directory::parse_address("x@" + std::string(domain)))
                : static_cast<bool>(directory::normalize_domain(domain));
        if (!valid) {
            return address_error("bad domain in source route");
        }
        if (comma == route.size()) {
            return {};
        }
        start = comma + 1;
    }
}

// Path content (without "<" ">") to a mailbox: an optional source route, then the Mailbox.
Parsed<directory::Address> parse_mailbox_path(std::string_view path, Utf8Addresses utf8)
{
    if (utf8 == Utf8Addresses::Refused && ascii::has_non_ascii(path)) {
        return utf8_refused();
    }
    std::string_view mailbox = path;
    if (!path.empty() && path.front() == '@') {
        // The route ends at the first ':' outside an address literal ("@[IPv6:...]").
        std::size_t colon = std::string_view::npos;
        bool in_literal = false;
        for (std::size_t i = 0; i < path.size() && colon == std::string_view::npos; ++i) {
            if (path[i] == '[') {
                in_literal = true;
            } else if (path[i] == ']') {
                in_literal = false;
            } else if (path[i] == ':' && !in_literal) {
                colon = i;
            }
        }
        if (colon == std::string_view::npos) {
            return address_error("source route without ':'");
        }
        HARBOR_TRY_PARSE(check_source_route(path.substr(0, colon)));
        mailbox = path.substr(colon + 1);
    }
    Result<directory::Address> address = directory::parse_address(mailbox);
    if (!address) {
        return address_error(address.error().detail);
    }
    return std::move(*address);
}

}  // namespace

Parsed<MailFrom> parse_mail_from(std::string_view argument, const Extensions& extensions)
{
    Parsed<SplitArgument> split = split_argument(argument, "FROM:", "MAIL FROM:<address>");
    HARBOR_TRY_PARSE(split);
    // Parameters first: SMTPUTF8 among them decides whether the path may hold UTF-8.
    Parsed<MailParameters> parameters = parse_mail_parameters(split->parameters, extensions);
    HARBOR_TRY_PARSE(parameters);

    MailFrom mail;
    mail.size = parameters->size;
    mail.body = parameters->body;
    mail.smtputf8 = parameters->smtputf8;
    mail.ret = parameters->ret;
    mail.envid = std::move(parameters->envid);
    mail.auth = std::move(parameters->auth);
    mail.requiretls = parameters->requiretls;
    if (split->path.empty()) {
        return mail;  // Reverse-path "<>": the null sender (§4.1.1.2, §4.5.5)
    }
    const Utf8Addresses utf8 = mail.smtputf8 ? Utf8Addresses::Allowed : Utf8Addresses::Refused;
    Parsed<directory::Address> mailbox = parse_mailbox_path(split->path, utf8);
    HARBOR_TRY_PARSE(mailbox);
    mail.address = mailbox->format();
    mail.mailbox = std::move(*mailbox);
    return mail;
}

Parsed<RcptTo> parse_rcpt_to(std::string_view argument, const Extensions& extensions,
                             Utf8Addresses utf8)
{
    Parsed<SplitArgument> split = split_argument(argument, "TO:", "RCPT TO:<address>");
    HARBOR_TRY_PARSE(split);
    Parsed<RcptParameters> parameters = parse_rcpt_parameters(split->parameters, extensions);
    HARBOR_TRY_PARSE(parameters);

    RcptTo rcpt;
    rcpt.notify = parameters->notify;
    rcpt.orcpt = std::move(parameters->orcpt);
    // "<Postmaster>" without a domain (§4.1.1.3); ABNF strings are case-insensitive.
    if (ascii::iequals(split->path, "Postmaster")) {
        rcpt.postmaster = true;
        rcpt.address = "postmaster";
        return rcpt;
    }
    if (split->path.empty()) {
        return address_error("empty forward-path");  // "<>" is only a reverse-path
    }
    Parsed<directory::Address> mailbox = parse_mailbox_path(split->path, utf8);
    HARBOR_TRY_PARSE(mailbox);
    rcpt.address = mailbox->format();
    rcpt.mailbox = std::move(*mailbox);
    return rcpt;
}

}  // namespace harbor::smtp
