// Base64, strict (RFC 4648 §4) and tolerant MIME (RFC 2045 §6.8). See base64.hpp.
// SECURITY: untrusted input; every byte is checked against the alphabet, output bounded by input.
#include "core/base64.hpp"

#include <array>
#include <cstdint>

namespace harbor {
namespace {

constexpr std::string_view alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::uint8_t not_in_alphabet = 0xff;

constexpr std::array<std::uint8_t, 256> make_reverse_table()
{
    std::array<std::uint8_t, 256> table{};
    for (auto& entry : table) {
        entry = not_in_alphabet;
    }
    for (std::size_t i = 0; i < alphabet.size(); ++i) {
        table[static_cast<unsigned char>(alphabet[i])] = static_cast<std::uint8_t>(i);
    }
    return table;
}

constexpr std::array<std::uint8_t, 256> reverse_table = make_reverse_table();

Unexpected bad_input(std::size_t offset, std::string_view why)
{
    return unexpected(Errc::Invalid,
                      "base64: " + std::string(why) + " at offset " + std::to_string(offset));
}

}  // namespace

std::string encode_base64(std::string_view bytes, Padding padding)
{
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const std::uint32_t group = (std::uint32_t{static_cast<unsigned char>(bytes[i])} << 16) |
                                    (std::uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8) |
                                    std::uint32_t{static_cast<unsigned char>(bytes[i + 2])};
        out += alphabet[(group >> 18) & 0x3f];
        out += alphabet[(group >> 12) & 0x3f];
        out += alphabet[(group >> 6) & 0x3f];
        out += alphabet[group & 0x3f];
    }
    const std::size_t rest = bytes.size() - i;
    if (rest == 0) {
        return out;
    }
    std::uint32_t group = std::uint32_t{static_cast<unsigned char>(bytes[i])} << 16;
    if (rest == 2) {
        group |= std::uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8;
    }
    out += alphabet[(group >> 18) & 0x3f];
    out += alphabet[(group >> 12) & 0x3f];
    if (rest == 2) {
        out += alphabet[(group >> 6) & 0x3f];
    }
    if (padding == Padding::Required) {
        out.append(3 - rest, '=');
    }
    return out;
}

Result<std::string> decode_base64(std::string_view text, Padding padding)
{
    std::size_t data_length = text.size();
    if (padding == Padding::Required) {
        if (text.size() % 4 != 0) {
            return bad_input(text.size(), "length not a multiple of 4");
        }
        // At most two '=' and only at the very end (RFC 4648 §3.2).
        while (data_length > 0 && text.size() - data_length < 2 && text[data_length - 1] == '=') {
            --data_length;
        }
    }
    if (data_length % 4 == 1) {
        return bad_input(data_length, "truncated group");
    }

    std::string out;
    out.reserve(data_length / 4 * 3 + 2);
    std::uint32_t accumulator = 0;
    int bits = 0;
    for (std::size_t i = 0; i < data_length; ++i) {
        const std::uint8_t value = reverse_table[static_cast<unsigned char>(text[i])];
        if (value == not_in_alphabet) {
            return bad_input(i, "character outside the alphabet");
        }
        accumulator = (accumulator << 6) | value;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((accumulator >> bits) & 0xff);
        }
    }
    // Non-canonical encodings carry set bits after the last byte; RFC 4648 §3.5 lets a decoder
    // reject them, and we do so that one value has exactly one encoding.
    if (bits > 0 && (accumulator & ((1u << bits) - 1)) != 0) {
        return bad_input(data_length - 1, "non-zero trailing bits");
    }
    return out;
}

MimeBase64 decode_base64_mime(std::string_view text, MimeDecodeLimits limits)
{
    MimeBase64 result;
    if (text.size() > limits.max_input) {
        text = text.substr(0, limits.max_input);
        result.truncated = true;
    }
    // Written through a pointer into a buffer sized for the worst case, trimmed at the end:
    // appending byte by byte was most of the time of decoding an attachment.
    result.bytes.resize(text.size() / 4 * 3 + 3);
    char* out = result.bytes.data();
    const auto* const in = reinterpret_cast<const unsigned char*>(text.data());
    std::uint32_t accumulator = 0;
    int bits = 0;
    int group_chars = 0;  // alphabet characters in the current 4-character group
    std::size_t i = 0;
    while (i < text.size()) {
        // Fast path: a whole group of four alphabet characters at a group boundary. '=' and
        // every character outside the alphabet map to not_in_alphabet (bit 7 set).
        if (group_chars == 0 && i + 4 <= text.size()) {
            const std::uint8_t a = reverse_table[in[i]];
            const std::uint8_t b = reverse_table[in[i + 1]];
            const std::uint8_t c = reverse_table[in[i + 2]];
            const std::uint8_t d = reverse_table[in[i + 3]];
            if (((a | b | c | d) & 0xc0) == 0) {
                const std::uint32_t group = (std::uint32_t{a} << 18) | (std::uint32_t{b} << 12) |
                                            (std::uint32_t{c} << 6) | d;
                out[0] = static_cast<char>(group >> 16);
                out[1] = static_cast<char>((group >> 8) & 0xff);
                out[2] = static_cast<char>(group & 0xff);
                out += 3;
                i += 4;
                continue;
            }
        }
        const char c = text[i];
        if (c == '=') {
            break;  // RFC 2045 §6.8: '=' marks the end of the data
        }
        ++i;
        const std::uint8_t value = reverse_table[static_cast<unsigned char>(c)];
        if (value == not_in_alphabet) {
            // RFC 2045 §6.8: "Any characters outside of the base64 alphabet are to be ignored";
            // line breaks are expected, anything else is worth reporting.
            if (c != '\r' && c != '\n' && c != ' ' && c != '\t') {
                result.saw_junk = true;
            }
            continue;
        }
        accumulator = ((accumulator << 6) | value) & 0xffffff;
        bits += 6;
        group_chars = (group_chars + 1) % 4;
        if (bits >= 8) {
            bits -= 8;
            *out++ = static_cast<char>((accumulator >> bits) & 0xff);
        }
    }
    result.bytes.resize(static_cast<std::size_t>(out - result.bytes.data()));
    // A lone character carries only 6 bits, not a whole byte (RFC 2045 §6.8 says the data is
    // then damaged); mail readers drop it, so do we, and say so.
    if (group_chars == 1) {
        result.truncated = true;
    }
    // Text after the padding is ignored; anything but padding and whitespace there is junk.
    for (; i < text.size(); ++i) {
        const char c = text[i];
        if (c != '=' && c != '\r' && c != '\n' && c != ' ' && c != '\t') {
            result.saw_junk = true;
            break;
        }
    }
    return result;
}

std::string encode_base64_mime(std::string_view bytes)
{
    const std::string flat = encode_base64(bytes);
    std::string out;
    out.reserve(flat.size() + flat.size() / mime_max_line * 2 + 2);
    for (std::size_t at = 0; at < flat.size(); at += mime_max_line) {
        if (at > 0) {
            out += "\r\n";
        }
        out.append(flat, at, mime_max_line);
    }
    return out;
}

}  // namespace harbor
