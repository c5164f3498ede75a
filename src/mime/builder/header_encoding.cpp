// Header field writing: folding (RFC 5322 §2.2.3), encoded-words (RFC 2047), address lists
// (RFC 5322 §3.4), parameters (RFC 2045 §5.1, RFC 2231), Date (§3.3), Message-ID (§3.6.4).
// See header_encoding.hpp.
#include "mime/builder/header_encoding.hpp"

#include <array>
#include <cstdio>

#include "core/base64.hpp"
#include "core/ids.hpp"
#include "core/quoted_printable.hpp"

namespace harbor::mime {
namespace {

constexpr std::string_view word_prefix_b = "=?utf-8?B?";
constexpr std::string_view word_prefix_q = "=?utf-8?Q?";
constexpr std::size_t word_overhead = 12;  // "=?utf-8?X?" and "?="
// One UTF-8 character (4 bytes) as Q is 12 characters: the smallest word we ever write.
constexpr std::size_t min_encoded_word = word_overhead + 12;
// A whitespace run longer than this is carried inside an encoded-word, so a fold never has to
// put a long run of blanks at the start of a line.
constexpr std::size_t max_plain_whitespace = 8;
constexpr std::size_t max_quoted_string = 60;  // longer printable names go as encoded-words
constexpr std::size_t max_parameter_section = 60;

bool is_wsp(char c)
{
    return c == ' ' || c == '\t';
}

// RFC 5322 §3.2.3 atext.
bool is_atext(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
        return true;
    }
    return std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

// RFC 2045 §5.1 token characters: CHAR except SPACE, CTLs and tspecials.
bool is_token_char(char c)
{
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7f) {
        return false;
    }
    return std::string_view("()<>@,;:\\\"/[]?=").find(c) == std::string_view::npos;
}

bool is_printable_ascii(std::string_view text)
{
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte > 0x7e) {
            return false;
        }
    }
    return true;
}

// A plain word a reader could take for an encoded-word must be encoded (RFC 2047 §5 end).
bool looks_encoded(std::string_view word)
{
    return word.find("=?") != std::string_view::npos || word.find("?=") != std::string_view::npos;
}

// Bytes in the UTF-8 character starting with `lead`; 1 for bytes that cannot start one.
std::size_t utf8_length(unsigned char lead)
{
    if (lead >= 0xf0 && lead <= 0xf4) {
        return 4;
    }
    if (lead >= 0xe0) {
        return lead <= 0xef ? 3 : 1;
    }
    if (lead >= 0xc2) {
        return 2;
    }
    return 1;
}

// The characters of `text`, never splitting a well-formed UTF-8 sequence (RFC 2047 §5 end:
// "each encoded-word MUST represent an integral number of characters").
std::vector<std::string_view> utf8_characters(std::string_view text)
{
    std::vector<std::string_view> characters;
    std::size_t at = 0;
    while (at < text.size()) {
        std::size_t length = utf8_length(static_cast<unsigned char>(text[at]));
        if (at + length > text.size()) {
            length = 1;
        }
        for (std::size_t k = 1; k < length; ++k) {
            if ((static_cast<unsigned char>(text[at + k]) & 0xc0) != 0x80) {
                length = 1;
                break;
            }
        }
        characters.push_back(text.substr(at, length));
        at += length;
    }
    return characters;
}

std::size_t base64_length(std::size_t bytes)
{
    return (bytes + 2) / 3 * 4;
}

// Builds one field body, folding before a separator when the line would pass the width.
class FieldWriter {
public:
    explicit FieldWriter(std::string_view name) : column_(name.size() + 1) {}

    // `separator` is WSP (a fold goes before it); `token` has no line breaks.
    void add(std::string_view separator, std::string_view token)
    {
        // Only whitespace can become a fold (RFC 5322 §2.2.3), so ";" and "," stay put.
        if (line_has_text_ && !separator.empty() &&
            column_ + separator.size() + token.size() > width()) {
            fold();
        }
        append(separator);
        append(token);
    }

    // Encoded-words for `utf8` after `separator`, on lines of at most encoded_word_line.
    // `suffix` (",", ":") follows the last word on its line.
    void add_encoded(std::string_view separator, std::string_view utf8,
                     std::string_view suffix = {})
    {
        // Fold first when the text fits one encoded-word on a new line but not here: fewer
        // splits, and readers that show the whitespace between adjacent encoded-words in a
        // phrase (Python 3.11's email does, against RFC 2047 §6.2) still show the right name.
        const std::size_t single =
            word_overhead + std::min(encode_q_encoding(utf8).size(), base64_length(utf8.size()));
        const std::size_t needed =
            single <= max_encoded_word - suffix.size() ? single : min_encoded_word;
        if (line_has_text_ && !separator.empty() &&
            column_ + separator.size() + needed + suffix.size() > encoded_word_line) {
            fold();
        }
        append(separator);
        const std::size_t room = column_ + suffix.size() < encoded_word_line
                                     ? encoded_word_line - column_ - suffix.size()
                                     : 0;
        std::string words = encode_words(utf8, room, suffix.size());
        words += suffix;
        body_ += words;
        const std::size_t last_break = words.rfind('\n');
        column_ = last_break == std::string::npos ? column_ + words.size()
                                                  : words.size() - last_break - 1;
        line_has_text_ = true;
        line_has_encoded_word_ = true;
    }

    std::string take() { return std::move(body_); }

private:
    void fold()
    {
        body_ += "\r\n";
        column_ = 0;
        line_has_text_ = false;
        line_has_encoded_word_ = false;
    }

    // RFC 2047 §2: "each line of a header field that contains one or more 'encoded-word's is
    // limited to 76 characters".
    std::size_t width() const { return line_has_encoded_word_ ? encoded_word_line : fold_width; }

    void append(std::string_view text)
    {
        body_ += text;
        column_ += text.size();
        for (const char c : text) {
            if (!is_wsp(c)) {
                line_has_text_ = true;
            }
        }
    }

    std::string body_;
    std::size_t column_;
    bool line_has_text_ = false;  // RFC 5322 §3.2.2: a line may not be only whitespace
    bool line_has_encoded_word_ = false;
};

bool needs_encoding(std::string_view word)
{
    return !is_printable_ascii(word) || looks_encoded(word) || word.size() > max_plain_header_word;
}

// A run of the value: whitespace, or a word without whitespace.
struct Run {
    std::string_view text;
    bool whitespace = false;
};

std::vector<Run> split_runs(std::string_view text)
{
    std::vector<Run> runs;
    std::size_t at = 0;
    while (at < text.size()) {
        const bool whitespace = is_wsp(text[at]);
        std::size_t end = at;
        while (end < text.size() && is_wsp(text[end]) == whitespace) {
            ++end;
        }
        runs.push_back(Run{text.substr(at, end - at), whitespace});
        at = end;
    }
    return runs;
}

// RFC 5322 §3.2.4 quoted-string of printable ASCII.
std::string quote(std::string_view text)
{
    std::string quoted = "\"";
    for (const char c : text) {
        if (c == '"' || c == '\\') {
            quoted += '\\';
        }
        quoted += c;
    }
    quoted += '"';
    return quoted;
}

// RFC 5322 §3.2.3 dot-atom-text.
bool is_dot_atom(std::string_view text)
{
    if (text.empty() || text.front() == '.' || text.back() == '.') {
        return false;
    }
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '.') {
            if (text[i - 1] == '.') {
                return false;
            }
        } else if (!is_atext(text[i]) && static_cast<unsigned char>(text[i]) < 0x80) {
            return false;  // 8-bit is allowed in local parts by RFC 6532 §3.2
        }
    }
    return true;
}

// Words of only atext separated by single spaces: written as atoms.
bool is_atom_phrase(std::string_view text)
{
    if (text.empty() || text.front() == ' ' || text.back() == ' ' || looks_encoded(text)) {
        return false;
    }
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == ' ') {
            if (text[i - 1] == ' ') {
                return false;
            }
        } else if (!is_atext(text[i])) {
            return false;
        }
    }
    return true;
}

// Printable ASCII a reader will not take for encoded-words, short enough for one line, without
// blanks at either end (readers trim display names).
bool is_quotable_phrase(std::string_view phrase)
{
    return is_printable_ascii(phrase) && !looks_encoded(phrase) &&
           phrase.size() <= max_quoted_string && !phrase.empty() && phrase.front() != ' ' &&
           phrase.back() != ' ';
}

// A display name (RFC 5322 §3.2.5 phrase) followed by `suffix` (":" after a group name).
void add_phrase(FieldWriter& writer, std::string_view separator, std::string_view phrase,
                std::string_view suffix)
{
    if (is_atom_phrase(phrase)) {
        const std::vector<Run> runs = split_runs(phrase);
        std::string_view sep = separator;
        for (std::size_t i = 0; i < runs.size(); ++i) {
            if (!runs[i].whitespace) {
                writer.add(sep, i + 1 == runs.size()
                                    ? std::string(runs[i].text) + std::string(suffix)
                                    : std::string(runs[i].text));
                sep = " ";
            }
        }
    } else if (is_quotable_phrase(phrase)) {
        writer.add(separator, quote(phrase) + std::string(suffix));
    } else {
        writer.add_encoded(separator, phrase, suffix);  // RFC 2047 §5(3)
    }
}

std::string format_addr_spec(const Address& address)
{
    std::string spec;
    const bool quoted = address.local_part.size() >= 2 && address.local_part.front() == '"' &&
                        address.local_part.back() == '"';
    spec = (quoted || is_dot_atom(address.local_part)) ? address.local_part
                                                       : quote(address.local_part);
    if (!address.domain.empty()) {
        spec += '@';
        spec += address.domain;
    }
    return spec;
}

void append_percent(std::string& out, unsigned char byte)
{
    constexpr std::string_view hex = "0123456789ABCDEF";
    out += '%';
    out += hex[byte >> 4];
    out += hex[byte & 0x0f];
}

}  // namespace

std::string format_field(const BuildField& field)
{
    std::string out = field.name;
    out += ':';
    out += field.body;
    out += "\r\n";
    return out;
}

std::string encode_words(std::string_view utf8, std::size_t first_room, std::size_t reserve)
{
    const std::vector<std::string_view> characters = utf8_characters(utf8);
    std::vector<std::string> q_pieces;
    q_pieces.reserve(characters.size());
    std::size_t q_total = 0;
    for (const std::string_view character : characters) {
        q_pieces.push_back(encode_q_encoding(character));
        q_total += q_pieces.back().size();
    }
    const bool use_q = q_total <= base64_length(utf8.size());  // RFC 2047 §4: the shorter one
    const std::size_t single = word_overhead + std::min(q_total, base64_length(utf8.size()));
    const std::size_t smallest = std::min(single, min_encoded_word);

    std::string out;
    std::size_t room =
        first_room < smallest ? max_encoded_word - reserve : std::min(first_room, max_encoded_word);
    if (first_room < smallest) {
        out += "\r\n ";  // the caller leaves room; this only guards a misuse
    }
    std::size_t next = 0;
    while (next < characters.size()) {
        const std::size_t budget = room - word_overhead;
        std::size_t used = 0;
        std::string raw;
        std::string text;
        const std::size_t first = next;
        while (next < characters.size()) {
            if (use_q) {
                if (used + q_pieces[next].size() > budget && next > first) {
                    break;
                }
                used += q_pieces[next].size();
                text += q_pieces[next];
            } else {
                if (base64_length(raw.size() + characters[next].size()) > budget && next > first) {
                    break;
                }
                raw += characters[next];
            }
            ++next;
        }
        if (first != 0) {
            out += "\r\n ";  // RFC 2047 §2: adjacent words separated by folding whitespace
        }
        out += use_q ? word_prefix_q : word_prefix_b;
        out += use_q ? text : encode_base64(raw);
        out += "?=";
        room = max_encoded_word - reserve;  // " " + word + reserve fits in encoded_word_line
    }
    return out;
}

BuildField unstructured_field(std::string_view name, std::string_view utf8)
{
    const std::vector<Run> runs = split_runs(utf8);
    if (runs.empty()) {
        return BuildField{std::string(name), std::string()};
    }
    // Encoded words: those that need it, words after a long whitespace run, and the first and
    // last word when the value starts or ends with whitespace (unfolding would lose it).
    std::vector<bool> encoded(runs.size(), false);
    for (std::size_t i = 0; i < runs.size(); ++i) {
        if (!runs[i].whitespace) {
            encoded[i] = needs_encoding(runs[i].text) ||
                         (i > 0 && runs[i - 1].text.size() > max_plain_whitespace);
        }
    }
    if (runs.front().whitespace && runs.size() > 1) {
        encoded[1] = true;
    }
    if (runs.back().whitespace && runs.size() > 1) {
        encoded[runs.size() - 2] = true;
    }
    const auto offset_of = [&](std::size_t run) {
        return run < runs.size() ? static_cast<std::size_t>(runs[run].text.data() - utf8.data())
                                 : utf8.size();
    };

    FieldWriter writer(name);
    std::size_t i = 0;
    while (i < runs.size()) {
        std::string_view separator = i == 0 ? std::string_view(" ") : std::string_view();
        std::size_t chunk_from = offset_of(i);
        if (i > 0 && runs[i].whitespace) {
            // Whitespace between segments is the folding point; a long run keeps one blank
            // there and carries the rest inside the encoded-word after it.
            if (i + 1 < runs.size() && encoded[i + 1] &&
                runs[i].text.size() > max_plain_whitespace) {
                separator = runs[i].text.substr(0, 1);
                chunk_from += 1;
            } else {
                separator = runs[i].text;
                ++i;
                chunk_from = offset_of(i);
            }
        }
        if (!runs[i].whitespace && !encoded[i]) {
            writer.add(separator, runs[i].text);
            ++i;
            continue;
        }
        // Encoded words with the whitespace between them, as one run of encoded-words
        // (RFC 2047 §6.2: whitespace between adjacent encoded-words is not displayed).
        std::size_t end = i;
        while (end < runs.size()) {
            if (runs[end].whitespace) {
                if (end + 1 < runs.size() && !encoded[end + 1]) {
                    break;
                }
            } else if (!encoded[end]) {
                break;
            }
            ++end;
        }
        writer.add_encoded(separator, utf8.substr(chunk_from, offset_of(end) - chunk_from));
        i = end;
    }
    return BuildField{std::string(name), writer.take()};
}

BuildField address_field(std::string_view name, const std::vector<Address>& addresses)
{
    FieldWriter writer(name);
    for (std::size_t i = 0; i < addresses.size(); ++i) {
        const Address& address = addresses[i];
        // RFC 5322 §3.4: a group "name: a, b;" is one address between commas. The punctuation
        // after an address goes with it, so no line starts with "," or ";".
        if (!address.group.empty() && (i == 0 || addresses[i - 1].group != address.group)) {
            add_phrase(writer, " ", address.group, ":");
        }
        std::string suffix;
        const bool last = i + 1 == addresses.size();
        if (!address.group.empty() && (last || addresses[i + 1].group != address.group)) {
            suffix += ';';
        }
        if (!last) {
            suffix += ',';
        }
        const std::string spec = format_addr_spec(address);
        const bool plain_name =
            is_atom_phrase(address.display_name) || is_quotable_phrase(address.display_name);
        const std::string whole =
            address.display_name.empty()
                ? spec + suffix
                : (is_atom_phrase(address.display_name) ? address.display_name
                                                        : quote(address.display_name)) +
                      " <" + spec + ">" + suffix;
        if (address.display_name.empty() || (plain_name && whole.size() < fold_width)) {
            writer.add(" ", whole);  // folds go between addresses when they fit on a line
        } else {
            add_phrase(writer, " ", address.display_name, "");
            writer.add(" ", "<" + spec + ">" + suffix);
        }
    }
    return BuildField{std::string(name), writer.take()};
}

BuildField parameter_field(std::string_view name, std::string_view value,
                           const std::vector<BuildParameter>& parameters)
{
    FieldWriter writer(name);
    writer.add(" ", value);
    for (const BuildParameter& parameter : parameters) {
        writer.add("", ";");
        bool token = !parameter.value.empty() && parameter.value.size() <= max_plain_header_word;
        for (const char c : parameter.value) {
            token = token && is_token_char(c);
        }
        if (token) {
            writer.add(" ", parameter.name + "=" + parameter.value);
            continue;
        }
        if (is_printable_ascii(parameter.value) && !looks_encoded(parameter.value) &&
            parameter.value.size() <= max_quoted_string) {
            writer.add(" ", parameter.name + "=" + quote(parameter.value));
            continue;
        }
        // RFC 2231 §4 extended value, cut into §3 sections between whole characters.
        std::vector<std::string> sections(1);
        for (const std::string_view character : utf8_characters(parameter.value)) {
            std::string encoded;
            for (const char c : character) {
                // RFC 2231 §7 attribute-char: token characters except "*", "'" and "%".
                if (is_token_char(c) && c != '*' && c != '\'' && c != '%') {
                    encoded += c;
                } else {
                    append_percent(encoded, static_cast<unsigned char>(c));
                }
            }
            if (sections.back().size() + encoded.size() > max_parameter_section) {
                sections.emplace_back();
            }
            sections.back() += encoded;
        }
        for (std::size_t k = 0; k < sections.size(); ++k) {
            std::string piece = parameter.name;
            if (sections.size() > 1) {
                piece += '*';
                piece += std::to_string(k);
            }
            piece += k == 0 ? "*=utf-8''" : "*=";
            piece += sections[k];
            if (k + 1 < sections.size()) {
                piece += ';';
            }
            writer.add(" ", piece);
        }
    }
    return BuildField{std::string(name), writer.take()};
}

BuildField plain_field(std::string_view name, std::string_view value)
{
    FieldWriter writer(name);
    writer.add(" ", value);
    return BuildField{std::string(name), writer.take()};
}

std::string new_message_id(std::string_view domain)
{
    return "<" + random_token(24) + "." + new_id() + "@" + std::string(domain) + ">";
}

std::string format_date(std::int64_t unix_seconds, int offset_minutes)
{
    constexpr std::array<const char*, 7> day_names = {"Thu", "Fri", "Sat", "Sun",
                                                      "Mon", "Tue", "Wed"};
    constexpr std::array<const char*, 12> month_names = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const std::int64_t local = unix_seconds + std::int64_t{offset_minutes} * 60;
    std::int64_t days = local / 86400;
    std::int64_t seconds = local % 86400;
    if (seconds < 0) {
        seconds += 86400;
        days -= 1;
    }
    // Civil date from a day count (1970-01-01 is day 0) over 400-year eras of 146097 days,
    // with years starting in March so the leap day is the last day of a year.
    const std::int64_t shifted = days + 719468;
    const std::int64_t era = (shifted >= 0 ? shifted : shifted - 146096) / 146097;
    const std::int64_t day_of_era = shifted - era * 146097;
    const std::int64_t year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    const std::int64_t day_of_year =
        day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    const std::int64_t month_index = (5 * day_of_year + 2) / 153;  // 0 = March
    const std::int64_t day = day_of_year - (153 * month_index + 2) / 5 + 1;
    const std::int64_t month = month_index < 10 ? month_index + 3 : month_index - 9;
    const std::int64_t year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
    const std::int64_t weekday = ((days % 7) + 7) % 7;  // 1970-01-01 was a Thursday

    const int offset_abs = offset_minutes < 0 ? -offset_minutes : offset_minutes;
    std::array<char, 64> text{};
    std::snprintf(text.data(), text.size(), "%s, %02d %s %04lld %02d:%02d:%02d %c%02d%02d",
                  day_names[static_cast<std::size_t>(weekday)], static_cast<int>(day),
                  month_names[static_cast<std::size_t>(month - 1)], static_cast<long long>(year),
                  static_cast<int>(seconds / 3600), static_cast<int>(seconds / 60 % 60),
                  static_cast<int>(seconds % 60), offset_minutes < 0 ? '-' : '+',
                  offset_abs / 60 % 100, offset_abs % 60);
    return text.data();
}

}  // namespace harbor::mime
