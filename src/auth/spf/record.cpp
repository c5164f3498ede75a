// SPF record parser (RFC 7208 §4.6, §12): terms separated by spaces, each a directive
// ([qualifier] mechanism) or a modifier (name "=" macro-string). Any syntax error anywhere makes
// the whole record a permerror (§4.6), so the record is parsed completely before evaluation.
#include "auth/spf/record.hpp"

#include "auth/spf/macro.hpp"
#include "core/ascii.hpp"

namespace harbor::auth::spf {

namespace {

// name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ) (§12)
bool is_modifier_name(std::string_view name)
{
    if (name.empty() || !is_ascii_alpha(name.front())) {
        return false;
    }
    for (const char c : name) {
        if (!is_ascii_alpha(c) && !is_ascii_digit(c) && c != '-' && c != '_' && c != '.') {
            return false;
        }
    }
    return true;
}

Result<void> invalid(std::string reason)
{
    return unexpected(Errc::Invalid, std::move(reason));
}

// ip4-cidr-length = "/" ( "0" / %x31-39 0*1DIGIT ), ip6-cidr-length = "/" ( "0" / %x31-39
// 0*2DIGIT ); §5.6: a length above 32 or 128 is invalid. digits has no "/".
Result<unsigned> parse_cidr(std::string_view digits, unsigned max)
{
    if (digits.empty() || digits.size() > 3 || (digits.size() > 1 && digits.front() == '0')) {
        return unexpected(Errc::Invalid, "malformed CIDR length '/" + std::string(digits) + "'");
    }
    unsigned value = 0;
    for (const char c : digits) {
        if (!is_ascii_digit(c)) {
            return unexpected(Errc::Invalid,
                              "malformed CIDR length '/" + std::string(digits) + "'");
        }
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value > max) {
        return unexpected(Errc::Invalid, "CIDR length /" + std::to_string(value) + " over /" +
                                             std::to_string(max));
    }
    return value;
}

// ip4-network = qnum "." qnum "." qnum "." qnum, qnum = 0-255 without leading zeros (§12).
Result<boost::asio::ip::address> parse_ip4(std::string_view text)
{
    boost::asio::ip::address_v4::bytes_type bytes{};
    std::size_t pos = 0;
    for (std::size_t i = 0; i < 4; ++i) {
        std::size_t end = pos;
        while (end < text.size() && is_ascii_digit(text[end])) {
            ++end;
        }
        const std::string_view qnum = text.substr(pos, end - pos);
        if (qnum.empty() || qnum.size() > 3 || (qnum.size() > 1 && qnum.front() == '0')) {
            return unexpected(Errc::Invalid, "malformed ip4 network '" + std::string(text) + "'");
        }
        unsigned value = 0;
        for (const char c : qnum) {
            value = value * 10 + static_cast<unsigned>(c - '0');
        }
        if (value > 255) {
            return unexpected(Errc::Invalid, "malformed ip4 network '" + std::string(text) + "'");
        }
        bytes[i] = static_cast<unsigned char>(value);
        pos = end;
        if (i < 3) {
            if (pos >= text.size() || text[pos] != '.') {
                return unexpected(Errc::Invalid,
                                  "malformed ip4 network '" + std::string(text) + "'");
            }
            ++pos;
        }
    }
    if (pos != text.size()) {
        return unexpected(Errc::Invalid, "malformed ip4 network '" + std::string(text) + "'");
    }
    return boost::asio::ip::address(boost::asio::ip::address_v4(bytes));
}

// ip6-network = <as per RFC 4291 §2.2> (§12): hexadecimal groups, "::", an IPv4 tail.
Result<boost::asio::ip::address> parse_ip6(std::string_view text)
{
    for (const char c : text) {
        const bool hex = is_ascii_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        if (!hex && c != ':' && c != '.') {  // no zone index, no brackets
            return unexpected(Errc::Invalid, "malformed ip6 network '" + std::string(text) + "'");
        }
    }
    boost::system::error_code error;
    const auto address = boost::asio::ip::make_address_v6(std::string(text), error);
    if (error || text.empty()) {
        return unexpected(Errc::Invalid, "malformed ip6 network '" + std::string(text) + "'");
    }
    return boost::asio::ip::address(address);
}

Result<void> parse_ip_mechanism(Mechanism& mechanism, std::string_view rest)
{
    const bool v4 = mechanism.kind == MechanismKind::Ip4;
    if (rest.empty() || rest.front() != ':') {
        return invalid(std::string(mechanism_name(mechanism.kind)) + " needs ':' and a network");
    }
    rest.remove_prefix(1);
    const std::size_t slash = rest.find('/');
    const std::string_view network = rest.substr(0, slash);
    Result<boost::asio::ip::address> address = v4 ? parse_ip4(network) : parse_ip6(network);
    if (!address) {
        return unexpected(std::move(address).error());
    }
    mechanism.network = *address;
    if (slash != std::string_view::npos) {
        // A single cidr length: "ip4:192.0.2.0//24" is malformed (§5.6).
        Result<unsigned> cidr = parse_cidr(rest.substr(slash + 1), v4 ? 32 : 128);
        if (!cidr) {
            return unexpected(std::move(cidr).error());
        }
        (v4 ? mechanism.cidr4 : mechanism.cidr6) = *cidr;
    }
    return ok();
}

// Cuts a trailing "/" 1*DIGIT off text; the digits (without the slash), or nullopt.
std::optional<std::string_view> cut_trailing_length(std::string_view& text)
{
    std::size_t start = text.size();
    while (start > 0 && is_ascii_digit(text[start - 1])) {
        --start;
    }
    if (start == text.size() || start == 0 || text[start - 1] != '/') {
        return std::nullopt;
    }
    const std::string_view digits = text.substr(start);
    text = text.substr(0, start - 1);
    return digits;
}

// a / mx: [ ":" domain-spec ] [ dual-cidr-length ] (§5.3, §5.4). A domain-spec can hold '/'
// ("a:foo:bar/baz.example.com") but never ends in "/" digits (its end is a toplabel or a
// macro), so trailing lengths are cut first: "//N" for IPv6, then "/N" for IPv4.
Result<void> parse_host_mechanism(Mechanism& mechanism, std::string_view rest)
{
    if (auto v6 = cut_trailing_length(rest)) {
        if (!rest.empty() && rest.back() == '/') {
            rest.remove_suffix(1);
            Result<unsigned> cidr6 = parse_cidr(*v6, 128);
            if (!cidr6) {
                return unexpected(std::move(cidr6).error());
            }
            mechanism.cidr6 = *cidr6;
            if (auto v4 = cut_trailing_length(rest)) {
                Result<unsigned> cidr4 = parse_cidr(*v4, 32);
                if (!cidr4) {
                    return unexpected(std::move(cidr4).error());
                }
                mechanism.cidr4 = *cidr4;
            }
        } else {
            Result<unsigned> cidr4 = parse_cidr(*v6, 32);
            if (!cidr4) {
                return unexpected(std::move(cidr4).error());
            }
            mechanism.cidr4 = *cidr4;
        }
    }
    if (rest.empty()) {
        return ok();
    }
    if (rest.front() != ':') {
        return invalid("unexpected '" + std::string(rest) + "' after " +
                       std::string(mechanism_name(mechanism.kind)));
    }
    rest.remove_prefix(1);
    HARBOR_TRY(check_domain_spec(rest));
    mechanism.domain_spec = std::string(rest);
    return ok();
}

Result<Mechanism> parse_directive(std::string_view term)
{
    Mechanism mechanism;
    switch (term.front()) {
        case '+':
            term.remove_prefix(1);
            break;
        case '-':
            mechanism.qualifier = Qualifier::Fail;
            term.remove_prefix(1);
            break;
        case '~':
            mechanism.qualifier = Qualifier::SoftFail;
            term.remove_prefix(1);
            break;
        case '?':
            mechanism.qualifier = Qualifier::Neutral;
            term.remove_prefix(1);
            break;
        default:
            break;
    }
    std::size_t name_end = 0;
    while (name_end < term.size() &&
           (is_ascii_alpha(term[name_end]) || is_ascii_digit(term[name_end]))) {
        ++name_end;
    }
    const std::string_view name = term.substr(0, name_end);
    const std::string_view rest = term.substr(name_end);
    static constexpr MechanismKind kinds[] = {
        MechanismKind::All, MechanismKind::Include, MechanismKind::A,   MechanismKind::Mx,
        MechanismKind::Ptr, MechanismKind::Ip4,     MechanismKind::Ip6, MechanismKind::Exists};
    bool known = false;
    for (const MechanismKind kind : kinds) {
        if (iequals(name, mechanism_name(kind))) {
            mechanism.kind = kind;
            known = true;
        }
    }
    if (!known) {
        return unexpected(Errc::Invalid, "unknown mechanism '" + std::string(term) + "'");
    }
    Result<void> parsed = ok();
    switch (mechanism.kind) {
        case MechanismKind::All:
            if (!rest.empty()) {
                parsed = invalid("'all' takes no argument: '" + std::string(term) + "'");  // §5.1
            }
            break;
        case MechanismKind::Include:
        case MechanismKind::Exists:
            // include / exists = name ":" domain-spec (§5.2, §5.7): required, no cidr.
            if (rest.empty() || rest.front() != ':') {
                parsed = invalid(std::string(name) + " needs ':' and a domain");
            } else {
                parsed = check_domain_spec(rest.substr(1));
                mechanism.domain_spec = std::string(rest.substr(1));
            }
            break;
        case MechanismKind::Ptr:
            // ptr = "ptr" [ ":" domain-spec ] (§5.5): no cidr.
            if (!rest.empty()) {
                if (rest.front() != ':') {
                    parsed = invalid("unexpected '" + std::string(rest) + "' after ptr");
                } else {
                    parsed = check_domain_spec(rest.substr(1));
                    mechanism.domain_spec = std::string(rest.substr(1));
                }
            }
            break;
        case MechanismKind::A:
        case MechanismKind::Mx:
            parsed = parse_host_mechanism(mechanism, rest);
            break;
        case MechanismKind::Ip4:
        case MechanismKind::Ip6:
            parsed = parse_ip_mechanism(mechanism, rest);
            break;
    }
    if (!parsed) {
        return unexpected(std::move(parsed).error());
    }
    return mechanism;
}

Result<void> parse_modifier(Record& record, std::string_view name, std::string_view value)
{
    if (iequals(name, "redirect") || iequals(name, "exp")) {
        // redirect / explanation = name "=" domain-spec (§6.1, §6.2): an empty or malformed
        // target is a syntax error, not an unknown modifier (the suite's redirect-syntax-error).
        const bool redirect = iequals(name, "redirect");
        std::optional<std::string>& slot = redirect ? record.redirect : record.exp;
        if (slot) {
            return invalid("more than one " + std::string(redirect ? "redirect" : "exp") +
                           " modifier");  // §6
        }
        HARBOR_TRY(check_domain_spec(value));
        slot = std::string(value);
        return ok();
    }
    // unknown-modifier = name "=" macro-string: checked, then ignored (§6).
    return check_macro_string(value, MacroUse::UnknownModifier);
}

}  // namespace

bool Mechanism::queries_dns() const
{
    // §4.6.4: include, a, mx, ptr and exists (and the redirect modifier) count; all, ip4 and
    // ip6 do not.
    return kind != MechanismKind::All && kind != MechanismKind::Ip4 && kind != MechanismKind::Ip6;
}

bool is_spf_record(std::string_view txt)
{
    // version = "v=spf1", then SP or the end (§4.5).
    return txt.size() >= 6 && iequals(txt.substr(0, 6), "v=spf1") &&
           (txt.size() == 6 || txt[6] == ' ');
}

Result<Record> parse_record(std::string_view text, const RecordLimits& limits)
{
    if (text.size() > limits.max_octets) {
        return unexpected(Errc::Limit,
                          "record longer than " + std::to_string(limits.max_octets) + " octets");
    }
    if (!is_spf_record(text)) {
        return unexpected(Errc::Invalid, "record does not start with v=spf1");
    }
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        // Every term is visible US-ASCII, terms are separated by SP only (§4.6.1, §12); a
        // control character or an octet over 0x7E anywhere is a syntax error (§3.1: ASCII).
        if (byte < 0x20 || byte > 0x7e) {
            return unexpected(Errc::Invalid, "octet " + std::to_string(byte) +
                                                 " in the record (only SP and "
                                                 "visible ASCII are allowed)");
        }
    }
    Record record;
    std::size_t terms = 0;
    std::size_t pos = 6;
    while (pos < text.size()) {
        while (pos < text.size() && text[pos] == ' ') {
            ++pos;
        }
        std::size_t end = pos;
        while (end < text.size() && text[end] != ' ') {
            ++end;
        }
        const std::string_view term = text.substr(pos, end - pos);
        pos = end;
        if (term.empty()) {
            break;  // trailing spaces (§12: record = version terms *SP)
        }
        if (++terms > limits.max_terms) {
            return unexpected(Errc::Limit,
                              "more than " + std::to_string(limits.max_terms) + " terms");
        }
        // A modifier is a name and '='; "moo.cow/far=x" is neither a modifier nor a mechanism.
        std::size_t name_end = 0;
        while (name_end < term.size() && term[name_end] != '=' && term[name_end] != ':' &&
               term[name_end] != '/') {
            ++name_end;
        }
        if (name_end < term.size() && term[name_end] == '=') {
            const std::string_view name = term.substr(0, name_end);
            if (!is_modifier_name(name)) {
                return unexpected(Errc::Invalid,
                                  "malformed modifier name '" + std::string(name) + "'");
            }
            Result<void> modifier = parse_modifier(record, name, term.substr(name_end + 1));
            if (!modifier) {
                Error error = std::move(modifier).error();
                error.detail += " in '" + std::string(term) + "'";
                return unexpected(std::move(error));
            }
            continue;
        }
        Result<Mechanism> mechanism = parse_directive(term);
        if (!mechanism) {
            Error error = std::move(mechanism).error();
            if (error.detail.find(std::string(term)) == std::string::npos) {
                error.detail += " in '" + std::string(term) + "'";
            }
            return unexpected(std::move(error));
        }
        record.mechanisms.push_back(std::move(*mechanism));
    }
    return record;
}

std::string_view mechanism_name(MechanismKind kind)
{
    switch (kind) {
        case MechanismKind::All:
            return "all";
        case MechanismKind::Include:
            return "include";
        case MechanismKind::A:
            return "a";
        case MechanismKind::Mx:
            return "mx";
        case MechanismKind::Ptr:
            return "ptr";
        case MechanismKind::Ip4:
            return "ip4";
        case MechanismKind::Ip6:
            return "ip6";
        case MechanismKind::Exists:
            return "exists";
    }
    return "all";
}

std::string to_string(const Mechanism& mechanism)
{
    std::string out;
    switch (mechanism.qualifier) {
        case Qualifier::Pass:
            break;
        case Qualifier::Fail:
            out += '-';
            break;
        case Qualifier::SoftFail:
            out += '~';
            break;
        case Qualifier::Neutral:
            out += '?';
            break;
    }
    out += mechanism_name(mechanism.kind);
    if (mechanism.kind == MechanismKind::Ip4 || mechanism.kind == MechanismKind::Ip6) {
        out += ':' + mechanism.network.to_string();
        const bool v4 = mechanism.kind == MechanismKind::Ip4;
        if ((v4 && mechanism.cidr4 != 32) || (!v4 && mechanism.cidr6 != 128)) {
            out += '/' + std::to_string(v4 ? mechanism.cidr4 : mechanism.cidr6);
        }
        return out;
    }
    if (!mechanism.domain_spec.empty()) {
        out += ':' + mechanism.domain_spec;
    }
    if (mechanism.cidr4 != 32) {
        out += '/' + std::to_string(mechanism.cidr4);
    }
    if (mechanism.cidr6 != 128) {
        out += "//" + std::to_string(mechanism.cidr6);
    }
    return out;
}

}  // namespace harbor::auth::spf
