// ESMTP MAIL and RCPT parameters: RFC 5321 §4.1.2 (esmtp-param syntax), §4.1.1.11 (555 for
// parameters that are not recognised or cannot be implemented); SIZE (RFC 1870), BODY
// (RFC 6152, RFC 3030 §3), SMTPUTF8 (RFC 6531 §3.4), RET, ENVID, NOTIFY, ORCPT
// (RFC 3461 §4.1-4.4), AUTH= (RFC 4954 §5), REQUIRETLS (RFC 8689 §4).
// SECURITY: bounded input (the command line limit); one pass; digit strings saturate instead of
// overflowing; decoded xtext values are refused if they hold control characters, so nothing
// stored here can inject a line into a DSN or a trace field later.
#include "smtp/protocol/parameters.hpp"

#include <algorithm>
#include <vector>

#include "directory/address.hpp"
#include "smtp/protocol/ascii.hpp"
#include "smtp/protocol/xtext.hpp"

namespace harbor::smtp {
namespace {

Reply bad_parameter(std::string text)
{
    return Reply{501, "5.5.4", std::move(text)};  // RFC 3463 §3.6 "invalid command arguments"
}

Reply unsupported_parameter(std::string_view keyword)
{
    // RFC 5321 §4.1.1.11: "555 MAIL FROM/RCPT TO parameters not recognized or not implemented"
    return Reply{555, "5.5.4", "Unsupported parameter " + std::string(keyword)};
}

// esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
bool is_keyword(std::string_view keyword)
{
    if (keyword.empty() || !(is_ascii_alpha(keyword[0]) || is_ascii_digit(keyword[0]))) {
        return false;
    }
    for (const char c : keyword) {
        if (!is_ascii_alpha(c) && !is_ascii_digit(c) && c != '-') {
            return false;
        }
    }
    return true;
}

// esmtp-value = 1*(%d33-60 / %d62-126), and UTF8-non-ascii with SMTPUTF8 (RFC 6531 §3.3).
bool is_value(std::string_view value, const Extensions& extensions)
{
    if (value.empty()) {
        return false;
    }
    for (const char c : value) {
        if (ascii::is_non_ascii(c)) {
            if (!extensions.smtputf8) {
                return false;
            }
            continue;
        }
        if (c < 33 || c > 126 || c == '=') {
            return false;
        }
    }
    return true;
}

// True if text has an octet that would break a line or a header when written out later.
bool has_control(std::string_view text)
{
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 32 || byte == 127) {
            return true;
        }
    }
    return false;
}

// Walks esmtp-param *(SP esmtp-param); apply(keyword, value) handles one parameter.
template <typename Apply>
Parsed<void> walk_parameters(std::string_view text, const Extensions& extensions, Apply&& apply)
{
    std::vector<std::string> seen;
    std::size_t position = 0;
    while (position < text.size()) {
        if (text[position] == ' ') {
            ++position;
            continue;
        }
        const std::size_t end = std::min(text.find(' ', position), text.size());
        const std::string_view parameter = text.substr(position, end - position);
        position = end;

        const std::size_t equals = parameter.find('=');
        const std::string_view keyword = parameter.substr(0, equals);
        if (!is_keyword(keyword)) {
            return bad_parameter("Bad parameter syntax");
        }
        std::optional<std::string_view> value;
        if (equals != std::string_view::npos) {
            value = parameter.substr(equals + 1);
            if (!is_value(*value, extensions)) {
                return bad_parameter("Bad value for parameter " + std::string(keyword));
            }
        }
        std::string upper_keyword = ascii::upper(keyword);
        for (const std::string& earlier : seen) {
            if (earlier == upper_keyword) {
                return bad_parameter("Parameter " + upper_keyword + " given twice");
            }
        }
        HARBOR_TRY_PARSE(apply(std::string_view(upper_keyword), value));
        seen.push_back(std::move(upper_keyword));
    }
    return {};
}

Parsed<void> require_no_value(std::string_view keyword, std::optional<std::string_view> value)
{
    if (value) {
        return bad_parameter("Parameter " + std::string(keyword) + " takes no value");
    }
    return {};
}

Parsed<std::string_view> require_value(std::string_view keyword,
                                       std::optional<std::string_view> value)
{
    if (!value) {
        return bad_parameter("Parameter " + std::string(keyword) + " needs a value");
    }
    return *value;
}

// size-value = 1*20DIGIT (RFC 1870); a value larger than 64 bits (more digits are tolerated,
// they only make it larger) or than the advertised fixed limit is "552 5.3.4" (RFC 1870,
// RFC 3463 §3.4 "message too big for system").
Parsed<std::uint64_t> parse_size(std::string_view digits, const Extensions& extensions)
{
    const std::optional<ascii::Decimal> size = ascii::parse_decimal(digits);
    if (!size) {
        return bad_parameter("Bad SIZE value");
    }
    if (size->overflow ||
        (extensions.max_message_size != 0 && size->value > extensions.max_message_size)) {
        return Reply{552, "5.3.4", "Message size exceeds fixed maximum message size"};
    }
    return size->value;
}

Parsed<Body> parse_body(std::string_view value, const Extensions& extensions)
{
    if (ascii::iequals(value, "7BIT")) {
        return Body::SevenBit;
    }
    if (ascii::iequals(value, "8BITMIME")) {
        if (!extensions.eightbitmime) {
            return unsupported_parameter("BODY=8BITMIME");
        }
        return Body::EightBitMime;
    }
    if (ascii::iequals(value, "BINARYMIME")) {
        if (!extensions.binarymime) {
            return unsupported_parameter("BODY=BINARYMIME");
        }
        return Body::BinaryMime;
    }
    return bad_parameter("Bad BODY value");
}

// An xtext value (RFC 3461 §4) of at most max_length characters as written, decoded, with no
// control characters after decoding.
Parsed<std::string> parse_xtext_value(std::string_view keyword, std::string_view value,
                                      std::size_t max_length)
{
    if (value.size() > max_length) {
        return bad_parameter("Parameter " + std::string(keyword) + " too long");
    }
    std::optional<std::string> decoded = decode_xtext(value);
    if (!decoded || has_control(*decoded)) {
        return bad_parameter("Bad xtext in parameter " + std::string(keyword));
    }
    return std::move(*decoded);
}

// AUTH= (RFC 4954 §5): "the decoded form of the xtext MUST be either an addr-spec or the two
// characters '<>'". It may lengthen MAIL by 500 characters (RFC 4954 §5), so no more.
Parsed<std::string> parse_auth_value(std::string_view value)
{
    constexpr std::size_t max_auth_parameter = 500;
    Parsed<std::string> decoded = parse_xtext_value("AUTH", value, max_auth_parameter);
    HARBOR_TRY_PARSE(decoded);
    if (*decoded != "<>" && !directory::parse_address(*decoded)) {
        return bad_parameter("AUTH= is neither an address nor <>");
    }
    return std::move(*decoded);
}

// NOTIFY="NEVER" / 1#( "SUCCESS" / "FAILURE" / "DELAY" ) (RFC 3461 §4.1).
Parsed<Notify> parse_notify(std::string_view value)
{
    Notify notify;
    notify.given = true;
    if (ascii::iequals(value, "NEVER")) {
        notify.never = true;
        return notify;
    }
    std::size_t start = 0;
    while (true) {
        const std::size_t comma = std::min(value.find(',', start), value.size());
        const std::string_view item = value.substr(start, comma - start);
        if (ascii::iequals(item, "SUCCESS")) {
            notify.success = true;
        } else if (ascii::iequals(item, "FAILURE")) {
            notify.failure = true;
        } else if (ascii::iequals(item, "DELAY")) {
            notify.delay = true;
        } else {
            // Includes "NEVER" in a list: it "MUST NOT be combined" (RFC 3461 §4.1).
            return bad_parameter("Bad NOTIFY value");
        }
        if (comma == value.size()) {
            break;
        }
        start = comma + 1;
    }
    return notify;
}

// ORCPT=addr-type ";" xtext (RFC 3461 §4.2); addr-type is an atom. An "rfc822" address must be
// an address (SECURITY-CASES A.13: ORCPT=rfc822;"\" is refused).
Parsed<OriginalRecipient> parse_orcpt(std::string_view value)
{
    if (value.size() > max_orcpt) {
        return bad_parameter("Parameter ORCPT too long");
    }
    const std::size_t semicolon = value.find(';');
    if (semicolon == 0 || semicolon == std::string_view::npos) {
        return bad_parameter("Bad ORCPT value");
    }
    OriginalRecipient original;
    for (const char c : value.substr(0, semicolon)) {
        // atext (RFC 5322 §3.2.3) as in mailbox local parts; ASCII only here.
        if (!is_ascii_alpha(c) && !is_ascii_digit(c) &&
            std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) == std::string_view::npos) {
            return bad_parameter("Bad ORCPT address type");
        }
        original.type += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    Parsed<std::string> address =
        parse_xtext_value("ORCPT", value.substr(semicolon + 1), max_orcpt);
    HARBOR_TRY_PARSE(address);
    if (address->empty()) {
        return bad_parameter("Empty ORCPT address");
    }
    if (original.type == "rfc822" && !directory::parse_address(*address)) {
        return bad_parameter("ORCPT is not an RFC 822 address");
    }
    original.address = std::move(*address);
    return original;
}

}  // namespace

Parsed<MailParameters> parse_mail_parameters(std::string_view text, const Extensions& extensions)
{
    MailParameters mail;
    auto apply = [&](std::string_view keyword,
                     std::optional<std::string_view> value) -> Parsed<void> {
        if (keyword == "SIZE" && extensions.size) {
            Parsed<std::string_view> digits = require_value(keyword, value);
            HARBOR_TRY_PARSE(digits);
            Parsed<std::uint64_t> size = parse_size(*digits, extensions);
            HARBOR_TRY_PARSE(size);
            mail.size = *size;
            return {};
        }
        if (keyword == "BODY" && (extensions.eightbitmime || extensions.binarymime)) {
            Parsed<std::string_view> body_value = require_value(keyword, value);
            HARBOR_TRY_PARSE(body_value);
            Parsed<Body> body = parse_body(*body_value, extensions);
            HARBOR_TRY_PARSE(body);
            mail.body = *body;
            return {};
        }
        if (keyword == "SMTPUTF8" && extensions.smtputf8) {
            HARBOR_TRY_PARSE(require_no_value(keyword, value));
            mail.smtputf8 = true;
            return {};
        }
        if (keyword == "RET" && extensions.dsn) {
            Parsed<std::string_view> ret = require_value(keyword, value);
            HARBOR_TRY_PARSE(ret);
            if (ascii::iequals(*ret, "FULL")) {
                mail.ret = Ret::Full;
            } else if (ascii::iequals(*ret, "HDRS")) {
                mail.ret = Ret::Headers;
            } else {
                return bad_parameter("Bad RET value");
            }
            return {};
        }
        if (keyword == "ENVID" && extensions.dsn) {
            Parsed<std::string_view> envid_text = require_value(keyword, value);
            HARBOR_TRY_PARSE(envid_text);
            Parsed<std::string> envid = parse_xtext_value(keyword, *envid_text, max_envid);
            HARBOR_TRY_PARSE(envid);
            // The identifier is copied into DSNs (RFC 3464 Original-Envelope-Id); Harbor keeps
            // it printable US-ASCII.
            if (ascii::has_non_ascii(*envid)) {
                return bad_parameter("ENVID must be printable ASCII");
            }
            mail.envid = std::move(*envid);
            return {};
        }
        if (keyword == "AUTH" && extensions.auth) {
            Parsed<std::string_view> auth_text = require_value(keyword, value);
            HARBOR_TRY_PARSE(auth_text);
            Parsed<std::string> auth = parse_auth_value(*auth_text);
            HARBOR_TRY_PARSE(auth);
            mail.auth = std::move(*auth);
            return {};
        }
        if (keyword == "REQUIRETLS" && extensions.requiretls) {
            HARBOR_TRY_PARSE(require_no_value(keyword, value));
            mail.requiretls = true;
            return {};
        }
        return unsupported_parameter(keyword);
    };
    HARBOR_TRY_PARSE(walk_parameters(text, extensions, apply));
    return mail;
}

Parsed<RcptParameters> parse_rcpt_parameters(std::string_view text, const Extensions& extensions)
{
    RcptParameters rcpt;
    auto apply = [&](std::string_view keyword,
                     std::optional<std::string_view> value) -> Parsed<void> {
        if (keyword == "NOTIFY" && extensions.dsn) {
            Parsed<std::string_view> notify_text = require_value(keyword, value);
            HARBOR_TRY_PARSE(notify_text);
            Parsed<Notify> notify = parse_notify(*notify_text);
            HARBOR_TRY_PARSE(notify);
            rcpt.notify = *notify;
            return {};
        }
        if (keyword == "ORCPT" && extensions.dsn) {
            Parsed<std::string_view> orcpt_text = require_value(keyword, value);
            HARBOR_TRY_PARSE(orcpt_text);
            Parsed<OriginalRecipient> orcpt = parse_orcpt(*orcpt_text);
            HARBOR_TRY_PARSE(orcpt);
            rcpt.orcpt = std::move(*orcpt);
            return {};
        }
        return unsupported_parameter(keyword);
    };
    HARBOR_TRY_PARSE(walk_parameters(text, extensions, apply));
    return rcpt;
}

}  // namespace harbor::smtp
