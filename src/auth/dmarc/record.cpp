// DMARC record parser (RFC 7489 §6.3, §6.4). The record is a DKIM-style tag list (RFC 6376
// §3.2) split on ";"; "v=DMARC1" must come first. p= and sp= errors follow RFC 7489 §6.6.3
// step 6; every other syntax error is ignored in favour of the default (RFC 7489 §6.3).
// SECURITY: bounded by RecordLimits; each piece is scanned once; numbers are range-checked
// before they are stored (no overflow).
#include "auth/dmarc/record.hpp"

#include <array>
#include <limits>

#include "core/ascii.hpp"

namespace harbor::auth::dmarc {

namespace {

bool is_wsp(char c)
{
    // RFC 7489 §6.4 allows WSP around "=" and ";"; CR and LF are tolerated as well, since the
    // tag list is DKIM's (RFC 6376 §3.2), which allows FWS there.
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view trim(std::string_view text)
{
    while (!text.empty() && is_wsp(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && is_wsp(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

bool is_hex(char c)
{
    return is_ascii_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// tag-name = ALPHA *ALNUMPUNC (RFC 6376 §3.2).
bool is_tag_name(std::string_view name)
{
    if (name.empty() || !is_ascii_alpha(name.front())) {
        return false;
    }
    for (const char c : name) {
        if (!is_ascii_alpha(c) && !is_ascii_digit(c) && c != '_') {
            return false;
        }
    }
    return true;
}

// 1*DIGIT into an unsigned value no larger than `max`; nullopt on anything else.
std::optional<std::uint64_t> parse_number(std::string_view digits, std::uint64_t max)
{
    if (digits.empty()) {
        return std::nullopt;
    }
    std::uint64_t value = 0;
    for (const char c : digits) {
        if (!is_ascii_digit(c)) {
            return std::nullopt;
        }
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (value > (max - digit) / 10) {
            return std::nullopt;
        }
        value = value * 10 + digit;
    }
    return value;
}

std::optional<Policy> parse_policy(std::string_view value)
{
    // ABNF quoted strings are case-insensitive (RFC 5234 §2.3).
    if (iequals(value, "none")) {
        return Policy::None;
    }
    if (iequals(value, "quarantine")) {
        return Policy::Quarantine;
    }
    if (iequals(value, "reject")) {
        return Policy::Reject;
    }
    return std::nullopt;
}

std::optional<AlignmentMode> parse_alignment(std::string_view value)
{
    if (iequals(value, "r")) {
        return AlignmentMode::Relaxed;
    }
    if (iequals(value, "s")) {
        return AlignmentMode::Strict;
    }
    return std::nullopt;
}

// The URI part of dmarc-uri (RFC 3986 §3 URI): a scheme, ":", then URI characters. "," and "!"
// are excluded: RFC 7489 §6.4 says they MUST be percent-encoded inside the URI.
bool is_uri(std::string_view uri)
{
    const std::size_t colon = uri.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == uri.size()) {
        return false;
    }
    if (!is_ascii_alpha(uri.front())) {
        return false;
    }
    for (const char c : uri.substr(0, colon)) {  // scheme, RFC 3986 §3.1
        if (!is_ascii_alpha(c) && !is_ascii_digit(c) && c != '+' && c != '-' && c != '.') {
            return false;
        }
    }
    constexpr std::string_view allowed = "-._~$&'()*+;=:@/?#[]";  // RFC 3986 §2.2, §2.3
    for (std::size_t i = colon + 1; i < uri.size(); ++i) {
        const char c = uri[i];
        if (c == '%') {  // pct-encoded, RFC 3986 §2.1
            if (i + 2 >= uri.size() || !is_hex(uri[i + 1]) || !is_hex(uri[i + 2])) {
                return false;
            }
            i += 2;
        } else if (!is_ascii_alpha(c) && !is_ascii_digit(c) &&
                   allowed.find(c) == std::string_view::npos) {
            return false;
        }
    }
    return true;
}

// dmarc-uri = URI [ "!" 1*DIGIT [ "k" / "m" / "g" / "t" ] ] (RFC 7489 §6.4). The units are
// powers of two (RFC 7489 §6.2); the numeric part MUST fit in 64 bits, the product saturates.
std::optional<ReportUri> parse_report_uri(std::string_view text)
{
    ReportUri out;
    const std::size_t bang = text.rfind('!');
    std::string_view uri = text.substr(0, bang);
    if (bang != std::string_view::npos) {
        std::string_view size = text.substr(bang + 1);
        unsigned shift = 0;
        if (!size.empty() && !is_ascii_digit(size.back())) {
            switch (ascii_lower(size.back())) {
                case 'k':
                    shift = 10;
                    break;
                case 'm':
                    shift = 20;
                    break;
                case 'g':
                    shift = 30;
                    break;
                case 't':
                    shift = 40;
                    break;
                default:
                    return std::nullopt;
            }
            size.remove_suffix(1);
        }
        const std::optional<std::uint64_t> number =
            parse_number(size, std::numeric_limits<std::uint64_t>::max());
        if (!number) {
            return std::nullopt;
        }
        constexpr std::uint64_t top = std::numeric_limits<std::uint64_t>::max();
        out.max_size = *number > (top >> shift) ? top : *number << shift;
    }
    if (!is_uri(uri)) {
        return std::nullopt;
    }
    out.uri = std::string(uri);
    return out;
}

// dmarc-uri *(*WSP "," *WSP dmarc-uri). Invalid entries are dropped (RFC 7489 §6.3); returns
// false when one was dropped or the list was cut at max_uris.
bool parse_uri_list(std::string_view value, std::size_t max_uris, std::vector<ReportUri>& out)
{
    bool clean = true;
    std::size_t start = 0;
    while (start <= value.size()) {
        std::size_t comma = value.find(',', start);
        if (comma == std::string_view::npos) {
            comma = value.size();
        }
        std::optional<ReportUri> uri = parse_report_uri(trim(value.substr(start, comma - start)));
        if (!uri) {
            clean = false;
        } else if (out.size() >= max_uris) {
            return false;
        } else {
            out.push_back(std::move(*uri));
        }
        start = comma + 1;
    }
    return clean;
}

// dmarc-fo: ("0" / "1" / "d" / "s") *(*WSP ":" *WSP ...).
std::optional<FailureOptions> parse_failure_options(std::string_view value)
{
    FailureOptions out{false, false, false, false};
    std::size_t start = 0;
    while (start <= value.size()) {
        std::size_t colon = value.find(':', start);
        if (colon == std::string_view::npos) {
            colon = value.size();
        }
        const std::string_view option = trim(value.substr(start, colon - start));
        if (option == "0") {
            out.all_fail = true;
        } else if (option == "1") {
            out.any_fail = true;
        } else if (iequals(option, "d")) {
            out.dkim = true;
        } else if (iequals(option, "s")) {
            out.spf = true;
        } else {
            return std::nullopt;
        }
        start = colon + 1;
    }
    return out;
}

// Keyword = ldh-str (RFC 5321 §4.1.2): letters, digits and "-", not ending in "-".
bool is_keyword(std::string_view word)
{
    if (word.empty() || word.back() == '-') {
        return false;
    }
    for (const char c : word) {
        if (!is_ascii_alpha(c) && !is_ascii_digit(c) && c != '-') {
            return false;
        }
    }
    return true;
}

// dmarc-rfmt = Keyword *(*WSP ":" Keyword). Only "afrf" is registered (RFC 7489 §11.4); a
// list naming no registered format is ignored as a whole (RFC 7489 §6.3 rf).
bool parse_report_format(std::string_view value)
{
    bool registered = false;
    std::size_t start = 0;
    while (start <= value.size()) {
        std::size_t colon = value.find(':', start);
        if (colon == std::string_view::npos) {
            colon = value.size();
        }
        const std::string_view format = trim(value.substr(start, colon - start));
        if (!is_keyword(format)) {
            return false;
        }
        registered = registered || iequals(format, "afrf");
        start = colon + 1;
    }
    return registered;
}

// The tags RFC 7489 §6.3 defines; unknown ones are ignored.
enum Tag : std::size_t { V, P, Sp, Rua, Ruf, Adkim, Aspf, Pct, Fo, Rf, Ri, TagCount };
constexpr std::array<std::string_view, TagCount> tag_names = {
    "v", "p", "sp", "rua", "ruf", "adkim", "aspf", "pct", "fo", "rf", "ri"};

std::optional<Tag> known_tag(std::string_view name)
{
    for (std::size_t i = 0; i < tag_names.size(); ++i) {
        if (iequals(name, tag_names[i])) {  // tag names as ABNF strings (RFC 7489 §6.4)
            return static_cast<Tag>(i);
        }
    }
    return std::nullopt;
}

struct Piece {
    std::string_view name;
    std::string_view value;
    bool has_equals = false;
};

Piece split_piece(std::string_view piece)
{
    const std::size_t equals = piece.find('=');
    if (equals == std::string_view::npos) {
        return {trim(piece), {}, false};
    }
    return {trim(piece.substr(0, equals)), trim(piece.substr(equals + 1)), true};
}

// "v" *WSP "=" *WSP "DMARC1": the value is %x44 %x4d %x41 %x52 %x43 %x31, case-sensitive.
bool is_version_piece(const Piece& piece)
{
    return piece.has_equals && iequals(piece.name, "v") && piece.value == "DMARC1";
}

std::string_view first_piece(std::string_view text)
{
    return text.substr(0, text.find(';'));
}

// Stores the value of one known tag; false when the value broke the grammar.
bool apply_tag(Tag tag, std::string_view value, const RecordLimits& limits, Record& record,
               bool& p_valid, bool& sp_valid)
{
    switch (tag) {
        case V:
            return false;  // only as the first tag (handled by the caller)
        case P: {
            const std::optional<Policy> policy = parse_policy(value);
            p_valid = policy.has_value();
            record.policy = policy.value_or(Policy::None);
            return p_valid;
        }
        case Sp:
            record.subdomain_policy = parse_policy(value);
            sp_valid = record.subdomain_policy.has_value();
            return sp_valid;
        case Rua:
            return parse_uri_list(value, limits.max_uris, record.aggregate_uris);
        case Ruf:
            return parse_uri_list(value, limits.max_uris, record.failure_uris);
        case Adkim:
        case Aspf: {
            const std::optional<AlignmentMode> mode = parse_alignment(value);
            if (mode) {
                (tag == Adkim ? record.dkim_alignment : record.spf_alignment) = *mode;
            }
            return mode.has_value();
        }
        case Pct: {
            // 1*3DIGIT, and a percentage: 0-100 (RFC 7489 §6.3 pct).
            const std::optional<std::uint64_t> percent =
                value.size() <= 3 ? parse_number(value, 100) : std::nullopt;
            if (percent) {
                record.percent = static_cast<unsigned>(*percent);
            }
            return percent.has_value();
        }
        case Fo: {
            const std::optional<FailureOptions> options = parse_failure_options(value);
            if (options) {
                record.failure_options = *options;
            }
            return options.has_value();
        }
        case Rf:
            return parse_report_format(value);
        case Ri: {
            const std::optional<std::uint64_t> seconds =
                parse_number(value, std::numeric_limits<std::uint32_t>::max());
            if (seconds) {
                record.report_interval = static_cast<std::uint32_t>(*seconds);
            }
            return seconds.has_value();
        }
        case TagCount:
            break;
    }
    return false;
}

}  // namespace

std::string_view policy_name(Policy policy)
{
    switch (policy) {
        case Policy::None:
            return "none";
        case Policy::Quarantine:
            return "quarantine";
        case Policy::Reject:
            return "reject";
    }
    return "none";
}

bool is_dmarc_record(std::string_view text)
{
    return is_version_piece(split_piece(first_piece(text)));
}

Result<Record> parse_record(std::string_view text, RecordLimits limits)
{
    if (text.size() > limits.max_record) {
        return unexpected(Errc::Limit,
                          "DMARC record longer than " + std::to_string(limits.max_record));
    }
    if (trim(text).empty()) {
        return unexpected(Errc::Invalid, "empty DMARC record");
    }
    // RFC 7489 §6.3: "the "v" and "p" tags MUST be present and MUST appear in that order";
    // v= is the first tag (§6.6.3 step 2).
    // DEVIATION(RFC 7489 §6.4): the ABNF puts p= second; Harbor takes it anywhere after v=
    // (still "in that order"), since refusing "v=DMARC1; rua=...; p=reject" would throw the
    // owner's reject policy away.
    if (!is_dmarc_record(text)) {
        return unexpected(Errc::Invalid, "not a DMARC record (no leading v=DMARC1)");
    }
    Record record;
    std::array<bool, TagCount> seen{};
    seen[V] = true;
    bool p_valid = false;
    bool sp_valid = true;
    std::size_t start = text.find(';');
    while (start != std::string_view::npos && start < text.size()) {
        std::size_t end = text.find(';', start + 1);
        const std::string_view raw = text.substr(
            start + 1, end == std::string_view::npos ? std::string_view::npos : end - start - 1);
        start = end;
        const Piece piece = split_piece(raw);
        if (piece.name.empty() && !piece.has_equals) {
            continue;  // an empty piece: ";;" or the trailing ";"
        }
        if (!piece.has_equals || !is_tag_name(piece.name)) {
            record.ignored_tags.emplace_back(piece.name.substr(0, 32));
            continue;
        }
        const std::optional<Tag> tag = known_tag(piece.name);
        if (!tag) {
            continue;  // unknown tags MUST be ignored (RFC 7489 §6.3)
        }
        if (seen[*tag]) {
            // DEVIATION(RFC 6376 §3.2): a duplicated tag makes a DKIM tag list invalid; DMARC
            // ignores syntax errors past v= and p= (RFC 7489 §6.3), so the first one stays.
            record.ignored_tags.emplace_back(tag_names[*tag]);
            continue;
        }
        seen[*tag] = true;
        if (!apply_tag(*tag, piece.value, limits, record, p_valid, sp_valid)) {
            record.ignored_tags.emplace_back(tag_names[*tag]);
        }
    }
    if (!p_valid || !sp_valid) {
        // RFC 7489 §6.6.3 step 6: act as if "v=DMARC1; p=none" was published when rua= holds
        // at least one valid URI; otherwise DMARC does not apply.
        if (record.aggregate_uris.empty()) {
            return unexpected(Errc::Invalid, p_valid ? "invalid sp= and no valid rua="
                                                     : "no valid p= and no valid rua=");
        }
        record.policy = Policy::None;
        record.subdomain_policy.reset();
        record.policy_defaulted = true;
    }
    return record;
}

}  // namespace harbor::auth::dmarc
