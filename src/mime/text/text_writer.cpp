// Text assembly for the text view. See text_writer.hpp.
#include "mime/text/text_writer.hpp"

#include "core/ascii.hpp"

#include <algorithm>

namespace harbor::mime {
namespace {


// The length of the whitespace (ASCII or U+00A0 NO-BREAK SPACE, C2 A0) at content[i], or 0.
std::size_t space_length(std::string_view content, std::size_t i)
{
    if (is_html_space(content[i])) {
        return 1;
    }
    if (content[i] == '\xc2' && i + 1 < content.size() && content[i + 1] == '\xa0') {
        return 2;
    }
    return 0;
}

}  // namespace

bool is_html_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }

bool starts_with_ascii_nocase(std::string_view text, std::string_view prefix)
{
    return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

std::size_t utf8_prefix_length(std::string_view text, std::size_t max)
{
    if (text.size() <= max) {
        return text.size();
    }
    std::size_t length = max;
    // Back up over continuation bytes (10xxxxxx) to the start of the cut character.
    while (length > 0 && (static_cast<unsigned char>(text[length]) & 0xc0) == 0x80) {
        --length;
    }
    return length;
}

void append_collapsed(std::string& out, std::string_view content, std::size_t max,
                      bool& pending_space)
{
    std::size_t i = 0;
    while (i < content.size() && out.size() < max) {
        if (const std::size_t space = space_length(content, i); space != 0) {
            pending_space = true;
            i += space;
            continue;
        }
        std::size_t end = i + 1;
        while (end < content.size() && space_length(content, end) == 0) {
            ++end;
        }
        if (pending_space && !out.empty()) {
            out += ' ';
        }
        pending_space = false;
        const std::string_view word = content.substr(i, end - i);
        out.append(word.substr(0, utf8_prefix_length(word, max - std::min(max, out.size()))));
        i = end;
    }
}

void TextWriter::text(std::string_view content)
{
    std::size_t i = 0;
    while (i < content.size() && !full_) {
        if (const std::size_t space = space_length(content, i); space != 0) {
            pending_space_ = true;
            i += space;
            continue;
        }
        std::size_t end = i + 1;
        while (end < content.size() && space_length(content, end) == 0) {
            ++end;
        }
        flush_pending();
        put(content.substr(i, end - i));
        i = end;
    }
    last_was_cr_ = false;
}

void TextWriter::preformatted(std::string_view content)
{
    std::size_t i = 0;
    while (i < content.size() && !full_) {
        const char c = content[i];
        if (c == '\r' || c == '\n') {
            if (!(c == '\n' && last_was_cr_)) {  // CRLF is one line end
                ++pending_newlines_;
            }
            last_was_cr_ = c == '\r';
            ++i;
            continue;
        }
        last_was_cr_ = false;
        const std::size_t end = std::min(content.find_first_of("\r\n", i), content.size());
        flush_pending();
        put(content.substr(i, end - i));
        i = end;
    }
}

void TextWriter::flush_pending()
{
    if (out_.empty()) {
        // Nothing before the first text: no leading space or empty lines.
    } else if (pending_newlines_ != 0) {
        // A break after text that ended with spaces drops them, as a renderer does.
        while (!out_.empty() && out_.back() == ' ') {
            out_.pop_back();
        }
        put(std::string(std::min(pending_newlines_, max_ + 1), '\n'));
    } else if (pending_space_ && out_.back() != '\n' && out_.back() != ' ') {
        put(" ");
    }
    pending_newlines_ = 0;
    pending_space_ = false;
}

void TextWriter::put(std::string_view bytes)
{
    if (full_) {
        return;
    }
    const std::size_t room = max_ - std::min(max_, out_.size());
    if (bytes.size() > room) {
        out_.append(bytes.substr(0, utf8_prefix_length(bytes, room)));
        full_ = true;
        return;
    }
    out_.append(bytes);
}

}  // namespace harbor::mime
