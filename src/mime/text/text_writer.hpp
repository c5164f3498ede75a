// Plain text assembled for the text view: whitespace collapsing as CSS "white-space: normal"
// does, line breaks that never pile up at a block boundary, LF line ends, and a byte cap that
// never splits a UTF-8 character. Shared by html_text.cpp and text_view.cpp.
// SECURITY: output is capped at max_output bytes; every input byte is looked at once.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

#include "core/ascii.hpp"

namespace harbor::mime {

// HTML's ASCII whitespace (HTML5 §2.3.3): space, tab, LF, FF, CR.
bool is_html_space(char c);

bool starts_with_ascii_nocase(std::string_view text, std::string_view prefix);


// The longest prefix of valid UTF-8 `text` that is at most `max` bytes and ends on a whole
// character.
std::size_t utf8_prefix_length(std::string_view text, std::size_t max);

// Appends `content` to `out` with whitespace runs (and U+00A0) collapsed to one space, no
// leading or trailing space, stopping at `max` bytes. `pending_space` carries a space that is
// owed across calls.
void append_collapsed(std::string& out, std::string_view content, std::size_t max,
                      bool& pending_space);

class TextWriter {
public:
    TextWriter(std::string& out, std::size_t max_output) : out_(out), max_(max_output) {}

    // Inline text: each run of whitespace (and no-break space) is one space.
    void text(std::string_view content);
    // Text whose whitespace is kept (<pre>, text/plain); CRLF and lone CR become LF.
    void preformatted(std::string_view content);
    // A word boundary: table cells, image alt text.
    void space() { pending_space_ = true; }
    // Blocks start and end on a line of their own; many boundaries in a row give one break.
    void block_break() { pending_newlines_ = std::max<std::size_t>(pending_newlines_, 1); }
    // <br>: ends the line; two in a row leave an empty line.
    void line_break() { pending_newlines_ = std::min<std::size_t>(pending_newlines_ + 1, 2); }
    bool truncated() const { return full_; }

private:
    void flush_pending();
    void put(std::string_view bytes);

    std::string& out_;
    std::size_t max_;
    std::size_t pending_newlines_ = 0;
    bool pending_space_ = false;
    bool last_was_cr_ = false;
    bool full_ = false;
};

}  // namespace harbor::mime
