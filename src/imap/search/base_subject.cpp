// RFC 5256 §2.1 base subject extraction, steps (1) to (7), over a shrinking view.
#include "imap/search/base_subject.hpp"

#include <cstddef>

#include "core/ascii.hpp"
#include "mime/rfc2047.hpp"

namespace harbor::imap {
namespace {

bool starts_with_nocase(std::string_view text, std::string_view prefix)
{
    return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

bool ends_with_nocase(std::string_view text, std::string_view suffix)
{
    return text.size() >= suffix.size() &&
           iequals(text.substr(text.size() - suffix.size()), suffix);
}

// Step (1) leaves single spaces as the only whitespace, so WSP is ' ' from here on.
std::size_t skip_spaces(std::string_view text, std::size_t at)
{
    while (at < text.size() && text[at] == ' ') {
        ++at;
    }
    return at;
}

// subj-blob = "[" *BLOBCHAR "]" *WSP; BLOBCHAR is any octet but "[" and "]". The position
// after the blob, or npos.
std::size_t match_blob(std::string_view text, std::size_t at)
{
    if (at >= text.size() || text[at] != '[') {
        return std::string_view::npos;
    }
    for (std::size_t i = at + 1; i < text.size(); ++i) {
        if (text[i] == '[') {
            return std::string_view::npos;
        }
        if (text[i] == ']') {
            return skip_spaces(text, i + 1);
        }
    }
    return std::string_view::npos;
}

// subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":". The position after it, or npos.
std::size_t match_refwd(std::string_view text, std::size_t at)
{
    const std::string_view rest = text.substr(at);
    std::size_t i = at;
    if (starts_with_nocase(rest, "re")) {
        i += 2;
    } else if (starts_with_nocase(rest, "fwd")) {
        i += 3;
    } else if (starts_with_nocase(rest, "fw")) {
        i += 2;
    } else {
        return std::string_view::npos;
    }
    i = skip_spaces(text, i);
    if (i < text.size() && text[i] == '[') {
        i = match_blob(text, i);
        if (i == std::string_view::npos) {
            return i;
        }
    }
    if (i < text.size() && text[i] == ':') {
        return i + 1;
    }
    return std::string_view::npos;
}

// subj-leader = (*subj-blob subj-refwd) / WSP. The length of a leader at the start, or 0.
std::size_t match_leader(std::string_view text)
{
    if (!text.empty() && text[0] == ' ') {
        return 1;
    }
    std::size_t at = 0;
    while (at < text.size() && text[at] == '[') {
        const std::size_t next = match_blob(text, at);
        if (next == std::string_view::npos) {
            return 0;
        }
        at = next;
    }
    const std::size_t end = match_refwd(text, at);
    return end == std::string_view::npos ? 0 : end;
}

}  // namespace

BaseSubject extract_base_subject(std::string_view field_body)
{
    BaseSubject result;
    // (1) Encoded-words to UTF-8; tabs and continuations to spaces; runs of spaces to one.
    const std::string decoded = mime::decode_rfc2047(field_body).utf8;
    std::string collapsed;
    collapsed.reserve(decoded.size());
    for (char c : decoded) {
        const bool space = c == ' ' || c == '\t' || c == '\r' || c == '\n';
        if (space) {
            if (collapsed.empty() || collapsed.back() != ' ') {
                collapsed.push_back(' ');
            }
        } else {
            collapsed.push_back(c);
        }
    }
    std::string_view text = collapsed;
    while (true) {
        // (2) Trailing subj-trailer = "(fwd)" / WSP, repeatedly.
        while (true) {
            if (!text.empty() && text.back() == ' ') {
                text.remove_suffix(1);
            } else if (ends_with_nocase(text, "(fwd)")) {
                text.remove_suffix(5);
                result.reply_or_forward = true;
            } else {
                break;
            }
        }
        // (5) Repeat (3) and (4) until neither removes anything.
        bool changed = true;
        while (changed) {
            changed = false;
            // (3) Leading subj-leaders, repeatedly.
            while (true) {
                const std::size_t leader = match_leader(text);
                if (leader == 0) {
                    break;
                }
                if (text[0] != ' ') {
                    result.reply_or_forward = true;
                }
                text.remove_prefix(leader);
                changed = true;
            }
            // (4) A leading subj-blob, if what remains is a non-empty subj-base.
            const std::size_t blob = match_blob(text, 0);
            if (blob != std::string_view::npos && blob < text.size()) {
                text.remove_prefix(blob);
                changed = true;
            }
        }
        // (6) subj-fwd-hdr "[fwd:" ... subj-fwd-trl "]": unwrap and start again at (2).
        if (text.size() >= 6 && starts_with_nocase(text, "[fwd:") && text.back() == ']') {
            text.remove_prefix(5);
            text.remove_suffix(1);
            result.reply_or_forward = true;
            continue;
        }
        break;
    }
    // (7) What is left is the base subject.
    result.text = std::string(text);
    return result;
}

}  // namespace harbor::imap
