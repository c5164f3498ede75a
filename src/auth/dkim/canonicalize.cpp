// Canonicalization, RFC 6376 §3.4.1-§3.4.4 (examples in §3.4.5), and the b= removal of §3.7.
// SECURITY: linear passes; the body canonicalizer keeps a fixed-size buffer and counts trailing
// empty lines instead of storing them.
#include "auth/dkim/canonicalize.hpp"

#include "auth/dkim/tag_list.hpp"
#include "core/ascii.hpp"

namespace harbor::auth::dkim {

namespace {

constexpr std::size_t flush_threshold = 16 * 1024;

// Appends `text`, turning each bare LF into CRLF (§5.3).
void append_crlf_lines(std::string_view text, std::string& out)
{
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) {
            out.push_back('\r');
        }
        out.push_back(text[i]);
    }
}

}  // namespace

std::string_view without_line_end(std::string_view raw_field)
{
    if (!raw_field.empty() && raw_field.back() == '\n') {
        raw_field.remove_suffix(1);
        if (!raw_field.empty() && raw_field.back() == '\r') {
            raw_field.remove_suffix(1);
        }
    }
    return raw_field;
}

void canonicalize_header(Canon canon, std::string_view raw_field, FieldEnd end, std::string& out)
{
    const std::string_view field = without_line_end(raw_field);
    if (canon == Canon::Simple) {
        append_crlf_lines(field, out);  // §3.4.1: "exactly as they are in the message"
    } else {
        // §3.4.2, in order: lowercase the name; unfold; every WSP run to one SP; no WSP at the
        // end of the value; no WSP around the colon.
        const std::size_t colon = field.find(':');
        std::string_view name = field.substr(0, colon);
        while (!name.empty() && is_wsp(name.back())) {
            name.remove_suffix(1);
        }
        for (const char c : name) {
            out.push_back(ascii_lower(c));
        }
        out.push_back(':');
        const std::string_view value =
            colon == std::string_view::npos ? std::string_view() : field.substr(colon + 1);
        bool space = false;
        bool started = false;  // WSP right after the colon is dropped
        for (const char c : value) {
            if (c == '\r' || c == '\n') {
                continue;  // inside one field every line end is a fold (RFC 5322 §2.2.3)
            }
            if (is_wsp(c)) {
                space = started;
                continue;
            }
            if (space) {
                out.push_back(' ');
                space = false;
            }
            out.push_back(c);
            started = true;
        }
    }
    if (end == FieldEnd::Crlf) {
        out.append("\r\n");
    }
}

std::string remove_signature_value(std::string_view field)
{
    std::string out(field);
    const std::size_t colon = field.find(':');
    if (colon == std::string_view::npos) {
        return out;
    }
    std::size_t start = colon + 1;
    while (start < field.size()) {
        std::size_t end = field.find(';', start);
        if (end == std::string_view::npos) {
            end = field.size();
        }
        const std::size_t equals = field.find('=', start);
        if (equals < end) {
            std::string_view name = field.substr(start, equals - start);
            while (!name.empty() && is_fws(name.front())) {
                name.remove_prefix(1);
            }
            while (!name.empty() && is_fws(name.back())) {
                name.remove_suffix(1);
            }
            if (name == "b") {
                out.erase(equals + 1, end - equals - 1);
                return out;
            }
        }
        start = end + 1;
    }
    return out;
}

BodyCanonicalizer::BodyCanonicalizer(Canon canon, CanonicalSink& sink) : canon_(canon), sink_(sink)
{
    buffer_.reserve(flush_threshold + 2);
}

void BodyCanonicalizer::update(std::string_view bytes)
{
    std::size_t i = 0;
    while (i < bytes.size()) {
        const char c = bytes[i];
        if (pending_cr_) {
            pending_cr_ = false;
            if (c == '\n') {
                line_end();
                ++i;
                continue;
            }
            content(std::string_view("\r"));  // a CR not starting CRLF is an ordinary octet
        }
        if (c == '\r') {
            pending_cr_ = true;
            ++i;
        } else if (c == '\n') {
            line_end();  // bare LF, §5.3
            ++i;
        } else if (canon_ == Canon::Relaxed && is_wsp(c)) {
            pending_space_ = true;  // §3.4.4 a: runs become one SP, none at the end of a line
            ++i;
        } else {
            // The common case, taken a run at a time: octets that are neither line ends nor
            // (relaxed) WSP pass through unchanged.
            std::size_t end = i + 1;
            while (end < bytes.size() && bytes[end] != '\r' && bytes[end] != '\n' &&
                   !(canon_ == Canon::Relaxed && is_wsp(bytes[end]))) {
                ++end;
            }
            content(bytes.substr(i, end - i));
            i = end;
        }
    }
}

void BodyCanonicalizer::content(std::string_view run)
{
    flush_pending_lines();
    if (pending_space_) {
        buffer_.push_back(' ');
        pending_space_ = false;
    }
    buffer_.append(run);
    any_content_ = true;
    if (buffer_.size() >= flush_threshold) {
        flush();
    }
}

void BodyCanonicalizer::line_end()
{
    pending_space_ = false;
    ++pending_lines_;
}

void BodyCanonicalizer::flush_pending_lines()
{
    // Empty lines followed by content are kept; only those at the very end go (§3.4.3, §3.4.4 b).
    for (; pending_lines_ > 0; --pending_lines_) {
        buffer_.append("\r\n");
        if (buffer_.size() >= flush_threshold) {
            flush();
        }
    }
}

void BodyCanonicalizer::flush()
{
    if (!buffer_.empty()) {
        sink_.write(buffer_);
        buffer_.clear();
    }
}

void BodyCanonicalizer::finish()
{
    if (pending_cr_) {
        pending_cr_ = false;
        content(std::string_view("\r"));
    }
    pending_space_ = false;
    // Simple: "*CRLF" at the end becomes one CRLF and an empty body is a single CRLF (§3.4.3).
    // Relaxed: trailing empty lines go, a non-empty body ends with CRLF, an empty one stays
    // empty (§3.4.4 b).
    if (canon_ == Canon::Simple || any_content_) {
        buffer_.append("\r\n");
    }
    pending_lines_ = 0;
    flush();
}

std::string canonicalize_body(Canon canon, std::string_view body)
{
    struct StringSink final : CanonicalSink {
        std::string text;
        void write(std::string_view bytes) override { text.append(bytes); }
    } sink;
    BodyCanonicalizer canonicalizer(canon, sink);
    canonicalizer.update(body);
    canonicalizer.finish();
    return std::move(sink.text);
}

}  // namespace harbor::auth::dkim
