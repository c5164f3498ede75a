// The MTA-STS record, policy and MX match. See mta_sts_policy.hpp.
#include "smtp/queue/mta_sts_policy.hpp"

#include <algorithm>

#include "core/ascii.hpp"

namespace harbor::smtp::queue {
namespace {

bool is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

std::string_view trim_wsp(std::string_view s)
{
    while (!s.empty() && is_wsp(s.front())) {
        s.remove_prefix(1);
    }
    while (!s.empty() && is_wsp(s.back())) {
        s.remove_suffix(1);
    }
    return s;
}

// §3.1 sts-ext-name: (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
bool valid_ext_name(std::string_view name)
{
    if (name.empty() || name.size() > 32 || !is_alnum(name.front())) {
        return false;
    }
    return std::all_of(name.begin(), name.end(),
                       [](char c) { return is_alnum(c) || c == '_' || c == '-' || c == '.'; });
}

// §3.1 sts-ext-value: 1*(%x21-3A / %x3C / %x3E-7E), printable ASCII but ";" and "=".
bool valid_ext_value(std::string_view value)
{
    return !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
        return c >= 0x21 && c <= 0x7e && c != ';' && c != '=';
    });
}

// The id of one record that begins with "v=STSv1", or nullopt if it breaks the grammar.
std::optional<std::string> record_id(std::string_view record)
{
    record.remove_prefix(7);  // "v=STSv1"
    std::optional<std::string> id;
    while (!trim_wsp(record).empty()) {
        // sts-field-delim = *WSP ";" *WSP, then the next field; a trailing ";" is allowed.
        record = trim_wsp(record);
        if (record.front() != ';') {
            return std::nullopt;
        }
        record = trim_wsp(record.substr(1));
        if (record.empty()) {
            break;
        }
        const std::size_t end = std::min(record.find(';'), record.size());
        std::string_view field = record.substr(0, end);
        record.remove_prefix(end);
        field = trim_wsp(field);
        const std::size_t equals = field.find('=');
        if (equals == std::string_view::npos) {
            return std::nullopt;
        }
        const std::string_view name = field.substr(0, equals);
        const std::string_view value = field.substr(equals + 1);
        if (name == "id") {
            // sts-id-value = 1*32(ALPHA / DIGIT); only the first id counts.
            if (value.empty() || value.size() > 32 ||
                !std::all_of(value.begin(), value.end(), is_alnum)) {
                return std::nullopt;
            }
            if (!id) {
                id = std::string(value);
            }
        } else if (!valid_ext_name(name) || !valid_ext_value(value)) {
            return std::nullopt;
        }
    }
    return id;
}

// §3.2 sts-policy-mx-value: ["*."] Domain; labels of letters, digits and hyphens.
bool valid_mx_pattern(std::string_view pattern)
{
    if (pattern.starts_with("*.")) {
        pattern.remove_prefix(2);
    }
    if (pattern.empty() || pattern.size() > 253) {
        return false;
    }
    std::size_t label = 0;
    for (std::size_t i = 0; i <= pattern.size(); ++i) {
        if (i == pattern.size() || pattern[i] == '.') {
            if (label == 0 || label > 63) {
                return false;
            }
            label = 0;
            continue;
        }
        const char c = pattern[i];
        if (!is_alnum(c) && c != '-') {
            return false;
        }
        ++label;
    }
    return true;
}

}  // namespace

std::optional<std::string> parse_sts_record_id(std::span<const std::string> txt_records)
{
    const std::string* only = nullptr;
    std::size_t count = 0;
    for (const std::string& record : txt_records) {
        // "records that do not begin with "v=STSv1;" are discarded" (with the WSP the grammar
        // allows before the ";").
        std::string_view rest(record);
        if (!rest.starts_with("v=STSv1")) {
            continue;
        }
        rest = trim_wsp(rest.substr(7));
        if (!rest.starts_with(";")) {
            continue;
        }
        only = &record;
        ++count;
    }
    if (count != 1) {
        return std::nullopt;
    }
    return record_id(*only);
}

std::string_view sts_mode_name(StsMode mode)
{
    switch (mode) {
        case StsMode::Enforce:
            return "enforce";
        case StsMode::Testing:
            return "testing";
        case StsMode::None:
            break;
    }
    return "none";
}

Result<StsPolicy> parse_sts_policy(std::string_view text)
{
    if (text.size() > max_policy_size) {
        return unexpected(Errc::Invalid, "policy larger than 64 KiB");
    }
    StsPolicy policy;
    bool version = false;
    bool mode = false;
    bool max_age = false;
    while (!text.empty()) {
        const std::size_t end = std::min(text.find('\n'), text.size());
        std::string_view line = text.substr(0, end);
        text.remove_prefix(std::min(end + 1, text.size()));
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        line = trim_wsp(line);
        if (line.empty()) {
            continue;  // a blank line, as at the end of the file
        }
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) {
            return unexpected(Errc::Invalid, "a line without a colon");
        }
        const std::string_view key = trim_wsp(line.substr(0, colon));
        const std::string_view value = trim_wsp(line.substr(colon + 1));
        if (key == "version") {
            if (value != "STSv1") {
                return unexpected(Errc::Invalid, "version is not STSv1");
            }
            version = true;
        } else if (key == "mode" && !mode) {
            if (value == "enforce") {
                policy.mode = StsMode::Enforce;
            } else if (value == "testing") {
                policy.mode = StsMode::Testing;
            } else if (value == "none") {
                policy.mode = StsMode::None;
            } else {
                return unexpected(Errc::Invalid, "unknown mode");
            }
            mode = true;
        } else if (key == "max_age" && !max_age) {
            // sts-policy-max-age-value = 1*10(DIGIT), at most 31557600.
            if (value.empty() || value.size() > 10 ||
                !std::all_of(value.begin(), value.end(),
                             [](char c) { return c >= '0' && c <= '9'; })) {
                return unexpected(Errc::Invalid, "max_age is not a number");
            }
            const std::uint64_t seconds = std::stoull(std::string(value));
            policy.max_age =
                static_cast<std::uint32_t>(std::min<std::uint64_t>(seconds, max_policy_age));
            max_age = true;
        } else if (key == "mx") {
            if (!valid_mx_pattern(value)) {
                return unexpected(Errc::Invalid, "a bad mx pattern");
            }
            if (policy.mx.size() == max_mx_patterns) {
                return unexpected(Errc::Invalid, "too many mx patterns");
            }
            policy.mx.push_back(ascii_lowercase(value));
        }
        // Other keys (and repeats of mode or max_age) are extensions or noise: ignored.
    }
    if (!version || !mode || !max_age) {
        return unexpected(Errc::Invalid, "version, mode or max_age missing");
    }
    if (policy.mode != StsMode::None && policy.mx.empty()) {
        return unexpected(Errc::Invalid, "no mx pattern");
    }
    return policy;
}

bool sts_allows_mx(const StsPolicy& policy, std::string_view host)
{
    const std::string name = ascii_lowercase(host);
    for (const std::string& pattern : policy.mx) {
        if (pattern.starts_with("*.")) {
            // §4.1: "*.example.com" allows "mx1.example.com" but not "example.com" or
            // "a.b.example.com".
            const std::string_view suffix = std::string_view(pattern).substr(1);  // ".example.com"
            const std::size_t dot = name.find('.');
            if (dot != std::string::npos && dot > 0 &&
                std::string_view(name).substr(dot) == suffix) {
                return true;
            }
        } else if (name == pattern) {
            return true;
        }
    }
    return false;
}

}  // namespace harbor::smtp::queue
