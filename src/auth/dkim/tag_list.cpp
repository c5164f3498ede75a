// Tag=value lists, RFC 6376 §3.2, and DKIM-Quoted-Printable, §2.11.
// SECURITY: linear scans; a list past max_tags is refused before anything else is stored.
#include "auth/dkim/tag_list.hpp"

#include "core/ascii.hpp"

namespace harbor::auth::dkim {

namespace {

std::string_view trim_fws(std::string_view text)
{
    while (!text.empty() && is_fws(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && is_fws(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

// tag-name = ALPHA *ALNUMPUNC; ALNUMPUNC = ALPHA / DIGIT / "_".
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

// VALCHAR = %x21-3A / %x3C-7E, with WSP and FWS between tvals. ";" cannot occur (it split the
// list); controls and DEL can.
bool is_tag_value(std::string_view value)
{
    for (const char c : value) {
        const auto byte = static_cast<unsigned char>(c);
        if (is_fws(c) || byte >= 0x80) {
            continue;
        }
        if (byte < 0x21 || byte == 0x7f) {
            return false;
        }
    }
    return true;
}

int hex_value(char c)
{
    if (is_ascii_digit(c)) {
        return c - '0';
    }
    // RFC 6376 §2.11 says upper case only; lower case is accepted because it decodes to the
    // same octet and the decoded i= is only compared and reported, never hashed.
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

}  // namespace

Result<std::vector<Tag>> parse_tag_list(std::string_view text, std::size_t max_tags)
{
    std::vector<Tag> tags;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = text.find(';', start);
        const bool last = end == std::string_view::npos;
        if (last) {
            end = text.size();
        }
        const std::string_view spec = text.substr(start, end - start);
        start = end + 1;
        if (trim_fws(spec).empty()) {
            // Only the optional ";" at the very end may leave an empty spec (§3.2 tag-list).
            if (last && !tags.empty()) {
                break;
            }
            return unexpected(Errc::Invalid, "empty tag-spec in tag-list");
        }
        const std::size_t equals = spec.find('=');
        if (equals == std::string_view::npos) {
            return unexpected(Errc::Invalid, "tag-spec without '='");
        }
        const std::string_view name = trim_fws(spec.substr(0, equals));
        const std::string_view value = trim_fws(spec.substr(equals + 1));
        if (!is_tag_name(name)) {
            return unexpected(Errc::Invalid, "bad tag-name '" + std::string(name) + "'");
        }
        if (!is_tag_value(value)) {
            return unexpected(Errc::Invalid, "control character in tag " + std::string(name));
        }
        if (find_tag(tags, name) != nullptr) {
            return unexpected(Errc::Invalid, "duplicate tag " + std::string(name));  // §3.2
        }
        if (tags.size() >= max_tags) {
            return unexpected(Errc::Limit, "more than " + std::to_string(max_tags) + " tags");
        }
        tags.push_back(Tag{name, value});
        if (last) {
            break;
        }
    }
    return tags;
}

const Tag* find_tag(const std::vector<Tag>& tags, std::string_view name)
{
    for (const Tag& tag : tags) {
        if (tag.name == name) {
            return &tag;
        }
    }
    return nullptr;
}

std::string remove_fws(std::string_view value)
{
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        if (!is_fws(c)) {
            out.push_back(c);
        }
    }
    return out;
}

std::vector<std::string_view> split_list(std::string_view value, char separator)
{
    std::vector<std::string_view> items;
    std::size_t start = 0;
    while (start <= value.size()) {
        std::size_t end = value.find(separator, start);
        if (end == std::string_view::npos) {
            end = value.size();
        }
        items.push_back(trim_fws(value.substr(start, end - start)));
        start = end + 1;
    }
    return items;
}

Result<std::string> decode_quoted_printable(std::string_view value)
{
    std::string out;
    out.reserve(value.size());
    for (std::size_t i = 0; i < value.size(); ++i) {
        const char c = value[i];
        if (is_fws(c)) {
            continue;  // §2.11: FWS added after encoding is not part of the value
        }
        if (c != '=') {
            out.push_back(c);
            continue;
        }
        const int high = i + 1 < value.size() ? hex_value(value[i + 1]) : -1;
        const int low = i + 2 < value.size() ? hex_value(value[i + 2]) : -1;
        if (high < 0 || low < 0) {
            return unexpected(Errc::Invalid, "bad hex-octet in quoted-printable value");
        }
        out.push_back(static_cast<char>(high * 16 + low));
        i += 2;
    }
    return out;
}

}  // namespace harbor::auth::dkim
