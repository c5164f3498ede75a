// Deterministic random inputs for the builder tests and mime_build_samples: UTF-8 text with
// CJK, emoji, controls, quotes and "=?" look-alikes, long words and long lines.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "mime/address_list.hpp"

namespace harbor::mime::test {

// RFC 5322 §2.1.1 and §2.3: every line ends in CRLF (no bare CR or LF) and is at most 998
// octets without it; the text ends with a line end.
inline bool lines_ok(std::string_view bytes)
{
    std::size_t line = 0;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (bytes[i] == '\r') {
            if (i + 1 == bytes.size() || bytes[i + 1] != '\n') {
                return false;
            }
            ++i;
            line = 0;
        } else if (bytes[i] == '\n' || ++line > 998) {
            return false;
        }
    }
    return line == 0;
}

class RandomText {
public:
    explicit RandomText(std::uint32_t seed) : engine_(seed) {}

    std::size_t below(std::size_t bound)
    {
        return std::uniform_int_distribution<std::size_t>(0, bound - 1)(engine_);
    }

    // Text made of random pieces; `long_words` allows words of up to 1200 characters.
    std::string utf8(std::size_t max_pieces, bool long_words = true)
    {
        static const std::vector<std::string> pieces = {"hello",
                                                        "Mail",
                                                        "x",
                                                        " ",
                                                        "  ",
                                                        "\t",
                                                        " ",
                                                        " ",
                                                        "=?",
                                                        "?=",
                                                        "=?utf-8?q?a?=",
                                                        "\"",
                                                        "\\",
                                                        "(",
                                                        ")",
                                                        "<",
                                                        ">",
                                                        ",",
                                                        ";",
                                                        ":",
                                                        "@",
                                                        ".",
                                                        "_",
                                                        "=",
                                                        "?",
                                                        "%",
                                                        "*",
                                                        "'",
                                                        "\xc3\xa9",
                                                        "\xc3\x9f",
                                                        "\xe6\x97\xa5\xe6\x9c\xac",
                                                        "\xe8\xaa\x9e",
                                                        "\xf0\x9f\x98\x80",
                                                        "\xf0\x9f\x8f\xb3\xef\xb8\x8f",
                                                        "\xd0\x96",
                                                        "\xe2\x82\xac"};
        std::string text;
        const std::size_t count = below(max_pieces + 1);
        for (std::size_t i = 0; i < count; ++i) {
            const std::size_t kind = below(20);
            if (kind == 0) {
                text += static_cast<char>(1 + below(31));  // C0 controls, CR and LF among them
            } else if (kind == 1) {
                text += '\x7f';
            } else if (kind == 2 && long_words && below(4) == 0) {
                text += std::string(80 + below(1120), static_cast<char>('a' + below(26)));
            } else if (kind == 3) {
                text += std::string(1 + below(20), ' ');
            } else {
                text += pieces[below(pieces.size())];
            }
        }
        return text;
    }

    std::string dot_atom()
    {
        static const std::string atext = "abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-/=?^_`{|}~";
        std::string atom;
        const std::size_t parts = 1 + below(3);
        for (std::size_t p = 0; p < parts; ++p) {
            if (p > 0) {
                atom += '.';
            }
            const std::size_t length = 1 + below(10);
            for (std::size_t k = 0; k < length; ++k) {
                atom += atext[below(atext.size())];
            }
        }
        return atom;
    }

    std::string domain()
    {
        std::string name;
        const std::size_t labels = 1 + below(3);
        for (std::size_t p = 0; p < labels; ++p) {
            name += std::string(1 + below(8), static_cast<char>('a' + below(26)));
            name += '.';
        }
        return name + (below(5) == 0 ? "\xc3\xa9xample" : "example");
    }

    std::vector<Address> addresses()
    {
        std::vector<Address> list;
        const std::size_t count = 1 + below(6);
        std::string group;
        for (std::size_t i = 0; i < count; ++i) {
            if (below(6) == 0) {
                group = group.empty() ? trimmed(utf8(4, false)) : std::string();
            }
            Address address;
            address.display_name = below(3) == 0 ? std::string() : trimmed(utf8(8, false));
            address.local_part = below(8) == 0 ? "\"a b\"" : dot_atom();
            address.domain = domain();
            address.group = group;
            list.push_back(address);
        }
        return list;
    }

    // Bytes of any value, or text with random line ends and long lines.
    std::string body()
    {
        switch (below(4)) {
            case 0: {
                std::string bytes(below(3000), '\0');
                for (char& c : bytes) {
                    c = static_cast<char>(below(256));
                }
                return bytes;
            }
            case 1: {
                std::string text;
                const std::size_t lines = below(40);
                for (std::size_t i = 0; i < lines; ++i) {
                    text += std::string(below(90), static_cast<char>('a' + below(26)));
                    text += below(10) == 0 ? "\n" : "\r\n";
                }
                return text;
            }
            case 2:
                return utf8(400) + (below(2) == 0 ? "\r\n" : "");
            default: {
                std::string text = "--" + std::string(below(5), '-') + "\r\nFrom x\r\n.\r\n";
                text += std::string(990 + below(20), 'L') + "\r\n";
                return text + utf8(40);
            }
        }
    }

private:
    // Display names and group names as the address parser gives them back: without
    // surrounding whitespace, as mail readers show them.
    static std::string trimmed(std::string text)
    {
        while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
            text.pop_back();
        }
        std::size_t start = 0;
        while (start < text.size() && (text[start] == ' ' || text[start] == '\t')) {
            ++start;
        }
        return text.substr(start);
    }

    std::mt19937 engine_;
};

}  // namespace harbor::mime::test
