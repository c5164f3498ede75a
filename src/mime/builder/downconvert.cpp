// 8-bit to 7-bit downconversion: walk the part tree, re-encode the leaf bodies that hold 8-bit
// octets, copy the rest. See downconvert.hpp.
// SECURITY: untrusted message; offsets come from parse_message and stay inside raw; edits
// are sorted and never overlap (header edits inside a header block, body edits inside a leaf
// body, gap edits between a multipart's children). The result is parsed again and checked.
#include "mime/builder/downconvert.hpp"

#include <algorithm>
#include <optional>

#include "core/base64.hpp"
#include "core/quoted_printable.hpp"
#include "mime/builder/edits.hpp"
#include "mime/builder/message_builder.hpp"

namespace harbor::mime {
namespace {

bool has_8bit(std::string_view bytes)
{
    return std::any_of(bytes.begin(), bytes.end(),
                       [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

std::size_t count_parts(const Part& part)
{
    std::size_t count = 1;
    for (const Part& child : part.children) {
        count += count_parts(child);
    }
    return count;
}

std::string replace_crlf(std::string text, std::string_view eol)
{
    if (eol == "\r\n") {
        return text;
    }
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
            out += eol;
            ++i;
        } else {
            out += text[i];
        }
    }
    return out;
}

// Quoted-printable line by line: each line end of the body (CRLF or bare LF) stays as it is,
// so decoders give the same bytes back; a CR not before LF becomes "=0D"; soft breaks use
// `eol`.
std::string encode_text_lines(std::string_view body, std::string_view eol)
{
    std::string out;
    out.reserve(body.size() + body.size() / 2);
    std::size_t pos = 0;
    while (pos < body.size()) {
        const std::size_t lf = body.find('\n', pos);
        std::string_view line;
        std::string_view end;
        if (lf == std::string_view::npos) {
            line = body.substr(pos);
            pos = body.size();
        } else {
            line = body.substr(pos, lf - pos);
            end = "\n";
            if (!line.empty() && line.back() == '\r') {
                line.remove_suffix(1);
                end = "\r\n";
            }
            pos = lf + 1;
        }
        out += replace_crlf(encode_quoted_printable(line), eol);
        out += end;
    }
    return out;
}

std::string hex_escape(unsigned char byte)
{
    static constexpr char digits[] = "0123456789ABCDEF";
    return std::string{'=', digits[byte >> 4], digits[byte & 0x0f]};
}

class Converter {
public:
    explicit Converter(std::string_view raw) : raw_(raw) {}

    // Returns true when something in the part (or below it) changes.
    bool walk(const Part& part, bool message_top)
    {
        scan_header(part);
        const std::string_view body = body_bytes(raw_, part);
        if (part.content_type.is_multipart()) {
            if (part.missing_boundary || part.children.empty()) {
                malformed_ = malformed_ || has_8bit(body);  // no parts to encode separately
                return false;
            }
            boundaries_.push_back(part.content_type.boundary());
            const bool changed = walk_children(part);
            boundaries_.pop_back();
            if (changed) {
                relabel_container(part, message_top);
            }
            return changed;
        }
        if (!part.children.empty()) {  // message/rfc822 or message/global, not encoded
            if (part.content_type.subtype == "global" && has_8bit(body)) {
                // RFC 6532 §3.7: message/global may be base64 encoded, 8-bit header included.
                encode_leaf(part, message_top, false);
                collapsed_parts_ += count_parts(part) - 1;  // now a leaf
                return true;
            }
            const bool changed = walk_children(part);
            if (changed) {
                relabel_container(part, message_top);
            }
            return changed;
        }
        if (!has_8bit(body)) {
            return false;
        }
        switch (part.transfer_encoding) {
            case TransferEncoding::Base64:
                repair_base64(part, message_top);
                break;
            case TransferEncoding::QuotedPrintable:
                repair_quoted_printable(part, message_top);
                break;
            default:
                encode_leaf(part, message_top, part.content_type.type == "text");
                break;
        }
        return true;
    }

    std::vector<Edit> take_edits() { return std::move(edits_); }
    std::vector<std::string> take_changes() { return std::move(changes_); }
    bool changed() const { return !edits_.empty(); }
    bool header_8bit() const { return header_8bit_; }
    bool malformed() const { return malformed_; }
    std::size_t collapsed_parts() const { return collapsed_parts_; }
    void note_header_8bit() { header_8bit_ = true; }

private:
    void scan_header(const Part& part)
    {
        header_8bit_ = header_8bit_ || has_8bit(raw_.substr(part.header_offset,
                                                            part.body_offset - part.header_offset));
    }

    bool walk_children(const Part& part)
    {
        bool changed = false;
        std::size_t pos = part.body_offset;
        for (const Part& child : part.children) {
            changed = clean_gap(pos, child.header_offset) || changed;
            changed = walk(child, part.content_type.is_encapsulated_message()) || changed;
            pos = child.body_offset + child.body_length;
        }
        return clean_gap(pos, part.body_offset + part.body_length) || changed;
    }

    // Preamble, delimiter lines and epilogue: readers ignore preamble and epilogue, so an
    // 8-bit octet there becomes '?'.
    bool clean_gap(std::size_t begin, std::size_t end)
    {
        if (end <= begin) {
            return false;
        }
        const std::string_view gap = raw_.substr(begin, end - begin);
        if (!has_8bit(gap)) {
            return false;
        }
        std::string replacement(gap);
        for (char& c : replacement) {
            if (static_cast<unsigned char>(c) >= 0x80) {
                c = '?';
            }
        }
        if (new_delimiters(gap, replacement)) {
            malformed_ = true;  // a '?' would complete a boundary that holds one
            return false;
        }
        edits_.push_back(Edit{begin, gap.size(), std::move(replacement)});
        changes_.push_back("8-bit octets in a preamble or epilogue at offset " +
                           std::to_string(begin) + " replaced by '?'");
        return true;
    }

    // The line end the part's header uses (its separator line, else its first field).
    std::string_view eol_of(const Part& part) const
    {
        const std::string_view header =
            raw_.substr(part.header_offset, part.body_offset - part.header_offset);
        const std::size_t lf = header.find('\n');
        if (lf != std::string_view::npos && (lf == 0 || header[lf - 1] != '\r')) {
            return "\n";
        }
        return "\r\n";
    }

    // Replaces every Content-Transfer-Encoding field of the part by one naming `encoding`, or
    // adds one (and MIME-Version at the top of a message, RFC 2045 §4) before the empty line.
    void set_transfer_encoding(const Part& part, std::string_view encoding, bool message_top)
    {
        const std::string_view eol = eol_of(part);
        const std::string field = "Content-Transfer-Encoding: " + std::string(encoding);
        bool written = false;
        for (const HeaderField& f : part.fields) {
            if (!iequals(f.name, "Content-Transfer-Encoding")) {
                continue;
            }
            if (written) {
                edits_.push_back(Edit{f.offset, f.length, std::string()});
                continue;
            }
            const std::string_view old = raw_.substr(f.offset, f.length);
            std::string_view end;
            if (!old.empty() && old.back() == '\n') {
                end = old.size() >= 2 && old[old.size() - 2] == '\r' ? "\r\n" : "\n";
            }
            edits_.push_back(Edit{f.offset, f.length, field + std::string(end)});
            written = true;
        }
        std::string added;
        if (message_top && find_field(part.fields, "MIME-Version") == nullptr) {
            added += "MIME-Version: 1.0" + std::string(eol);
        }
        if (!written) {
            added += field + std::string(eol);
        }
        if (added.empty()) {
            return;
        }
        const std::string_view rest =
            raw_.substr(part.header_offset, part.body_offset - part.header_offset);
        std::size_t separator = 0;
        if (!part.missing_header_separator && !rest.empty() && rest.back() == '\n') {
            separator = rest.size() >= 2 && rest[rest.size() - 2] == '\r' ? 2 : 1;
        }
        const std::size_t at = part.body_offset - separator;
        if (at > part.header_offset && raw_[at - 1] != '\n') {
            added.insert(0, eol);
        }
        if (separator == 0) {
            added += eol;  // the header had no empty line: end it
        }
        edits_.push_back(Edit{at, 0, std::move(added)});
    }

    void relabel_container(const Part& part, bool message_top)
    {
        if (part.transfer_encoding == TransferEncoding::EightBit ||
            part.transfer_encoding == TransferEncoding::Binary) {
            set_transfer_encoding(part, "7bit", message_top);
            changes_.push_back(describe(part) + ": Content-Transfer-Encoding " +
                               std::string(transfer_encoding_name(part.transfer_encoding)) +
                               " -> 7bit");
        }
    }

    std::string describe(const Part& part) const
    {
        return part.content_type.type + "/" + part.content_type.subtype + " at offset " +
               std::to_string(part.header_offset);
    }

    bool clashes(std::string_view encoded) const
    {
        return std::any_of(boundaries_.begin(), boundaries_.end(), [&](std::string_view b) {
            return !b.empty() && boundary_occurs(encoded, b);
        });
    }

    // Re-encodes the part with `content` as its decoded bytes (the raw body unless given).
    void encode_leaf(const Part& part, bool message_top, bool text,
                     std::optional<std::string> content = std::nullopt)
    {
        const std::string_view body = content ? std::string_view(*content) : body_bytes(raw_, part);
        const std::string_view eol = eol_of(part);
        const bool at_end = part.body_offset + part.body_length == raw_.size();
        std::string encoded;
        std::string_view encoding = "base64";
        if (text) {
            encoded = encode_text_lines(body, eol);
            encoding = "quoted-printable";
            if (clashes(encoded)) {  // RFC 2046 §5.1.1; base64 has no "-"
                encoding = "base64";
            } else if (at_end && !encoded.empty() && encoded.back() != '\n') {
                encoded += "=" + std::string(eol);  // a final line end the decoder drops
            }
        }
        if (encoding == "base64") {
            encoded = replace_crlf(encode_base64_mime(body), eol);
            if (at_end && !encoded.empty()) {
                encoded += eol;
            }
        }
        changes_.push_back(describe(part) + ": " +
                           std::string(transfer_encoding_name(part.transfer_encoding)) + " -> " +
                           std::string(encoding));
        set_transfer_encoding(part, encoding, message_top);
        edits_.push_back(Edit{part.body_offset, part.body_length, std::move(encoded)});
    }

    // Base64 decoders skip octets outside the alphabet. Dropping them could join a line into
    // a delimiter ("--b\r<8-bit>\n"), so the decoded bytes are encoded again instead.
    void repair_base64(const Part& part, bool message_top)
    {
        const std::string_view body = body_bytes(raw_, part);
        MimeDecodeLimits limits;
        limits.max_input = body.size();
        encode_leaf(part, message_top, false, decode_base64_mime(body, limits).bytes);
    }

    // Quoted-printable decoders keep a raw octet as it is: "=XX" decodes to the same octet,
    // unless it makes a delimiter of a boundary holding "="; then the decoded bytes go base64.
    void repair_quoted_printable(const Part& part, bool message_top)
    {
        const std::string_view body = body_bytes(raw_, part);
        std::string out;
        for (const char c : body) {
            const auto byte = static_cast<unsigned char>(c);
            if (byte >= 0x80) {
                out += hex_escape(byte);
            } else {
                out += c;
            }
        }
        if (new_delimiters(body, out)) {
            MimeDecodeLimits limits;
            limits.max_input = body.size();
            encode_leaf(part, message_top, false, decode_quoted_printable(body, limits).bytes);
            return;
        }
        changes_.push_back(describe(part) + ": 8-bit octets escaped in quoted-printable");
        edits_.push_back(Edit{part.body_offset, part.body_length, std::move(out)});
    }

    // True when "--" and an enclosing boundary occur more often in `after` than in `before`.
    bool new_delimiters(std::string_view before, std::string_view after) const
    {
        return std::any_of(boundaries_.begin(), boundaries_.end(), [&](std::string_view b) {
            return !b.empty() && occurrences(after, b) != occurrences(before, b);
        });
    }

    static std::size_t occurrences(std::string_view text, std::string_view boundary)
    {
        std::size_t count = 0;
        for (std::size_t at = text.find("--"); at != std::string_view::npos;
             at = text.find("--", at + 1)) {
            count += text.substr(at + 2, boundary.size()) == boundary ? 1 : 0;
        }
        return count;
    }

    std::string_view raw_;
    std::vector<std::string_view> boundaries_;  // of the enclosing multiparts
    std::vector<Edit> edits_;
    std::vector<std::string> changes_;
    bool header_8bit_ = false;
    bool malformed_ = false;
    std::size_t collapsed_parts_ = 0;  // below the message/global parts encoded whole
};

}  // namespace

std::string_view downgrade_status_name(DowngradeStatus status)
{
    switch (status) {
        case DowngradeStatus::Changed:
            return "changed";
        case DowngradeStatus::Unchanged:
            return "unchanged";
        case DowngradeStatus::SkippedSigned:
            return "skipped: signed";
        case DowngradeStatus::SkippedEncrypted:
            return "skipped: encrypted";
        case DowngradeStatus::SkippedTruncated:
            return "skipped: truncated";
        case DowngradeStatus::SkippedMalformed:
            return "skipped: malformed";
    }
    return "unknown";
}

DowngradeResult downconvert_to_7bit(std::string_view raw, const Limits& limits)
{
    DowngradeResult result;
    const auto keep = [&](DowngradeStatus status) {
        result.status = status;
        result.bytes = std::string(raw);
        return result;
    };
    if (!has_8bit(raw)) {
        return keep(DowngradeStatus::Unchanged);
    }
    const Message message = parse_message(raw, limits);
    if (message.truncated != Limit::None) {
        return keep(DowngradeStatus::SkippedTruncated);
    }
    Converter converter(raw);
    if (message.leading_bom) {
        converter.note_header_8bit();
    }
    converter.walk(message.root, true);
    result.header_8bit = converter.header_8bit();
    if (converter.malformed()) {
        return keep(DowngradeStatus::SkippedMalformed);
    }
    if (!converter.changed()) {
        return keep(DowngradeStatus::Unchanged);
    }
    if (message.root.content_type.is_signed()) {
        return keep(DowngradeStatus::SkippedSigned);
    }
    if (message.root.content_type.is("multipart", "encrypted")) {
        return keep(DowngradeStatus::SkippedEncrypted);
    }

    std::optional<std::string> applied = apply_edits(raw, converter.take_edits());
    if (!applied) {
        return keep(DowngradeStatus::SkippedMalformed);
    }
    std::string& out = *applied;
    // The converted message must parse to as many parts, within the limits, with no 8-bit
    // octet left outside the header blocks and none added to them (message/global encoded
    // as a whole has no parts below it any more).
    const Message after = parse_message(out, limits);
    if (after.truncated != Limit::None) {
        return keep(DowngradeStatus::SkippedTruncated);
    }
    Converter check(out);
    if (after.leading_bom) {
        check.note_header_8bit();
    }
    check.walk(after.root, true);
    if (after.part_count + converter.collapsed_parts() != message.part_count || check.changed() ||
        check.malformed() || (check.header_8bit() && !result.header_8bit)) {
        return keep(DowngradeStatus::SkippedMalformed);
    }
    result.status = DowngradeStatus::Changed;
    result.header_8bit = check.header_8bit();  // a replaced field may have held the 8-bit octets
    result.bytes = std::move(out);
    result.changes = converter.take_changes();
    return result;
}

}  // namespace harbor::mime
