// Deterministic test messages; see message_gen.hpp.
#include "message_gen.hpp"

#include <array>
#include <cstdio>

namespace harbor::bench {
namespace {

constexpr std::array<std::string_view, 48> words = {
    "harbor",  "lantern", "meadow",  "copper",  "willow",  "granite", "orbit",   "saffron",
    "quartz",  "tundra",  "ember",   "falcon",  "glacier", "hollow",  "indigo",  "juniper",
    "kestrel", "lichen",  "marble",  "nectar",  "obsidian", "pewter", "quiver",  "ripple",
    "summit",  "thistle", "umber",   "velvet",  "walnut",  "yarrow",  "zephyr",  "anchor",
    "beacon",  "cinder",  "delta",   "estuary", "fjord",   "garnet",  "heron",   "island",
    "jasper",  "kelp",    "lagoon",  "mariner", "nimbus",  "osprey",  "pinnacle", "reef",
};

constexpr std::array<std::string_view, 7> weekdays = {"Sun", "Mon", "Tue", "Wed",
                                                      "Thu", "Fri", "Sat"};

void append_word(std::string& out, Random& random)
{
    out += words[random.below(words.size())];
}

}  // namespace

std::uint64_t Random::next()
{
    state_ += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

std::span<const std::string_view> vocabulary()
{
    return words;
}

std::string generate_message(std::uint64_t seed, std::uint64_t index, std::size_t size)
{
    Random random(seed * 0x100000001b3ULL + index);
    std::string out;
    out.reserve(size + 512);
    // January 2023, one message every 7 minutes: dates differ but stay in one month, so the
    // day of the week can be computed from the day (2023-01-01 was a Sunday).
    const std::uint64_t minutes = (index * 7) % (31 * 24 * 60);
    const unsigned day = static_cast<unsigned>(minutes / (24 * 60)) + 1;
    const unsigned hour = static_cast<unsigned>(minutes / 60 % 24);
    const unsigned minute = static_cast<unsigned>(minutes % 60);
    char date[64];
    std::snprintf(date, sizeof date, "Date: %s, %02u Jan 2023 %02u:%02u:00 +0000\r\n",
                  std::string(weekdays[(day - 1) % 7]).c_str(), day, hour, minute);
    out += date;
    const std::uint64_t sender = random.below(500);
    // Appended piece by piece: GCC 12 at -O3 warns (-Wrestrict, a false positive) on
    // "literal" + std::to_string(...).
    const std::string sender_number = std::to_string(sender);
    out += "From: \"Sender ";
    out += sender_number;
    out += "\" <sender";
    out += sender_number;
    out += "@example.org>\r\n";
    out += "To: \"Bench User\" <user@bench.test>\r\n";
    out += "Subject: ";
    for (int i = 0; i < 3; ++i) {
        append_word(out, random);
        out += ' ';
    }
    out += '#';
    out += std::to_string(index);
    out += "\r\nMessage-ID: <";
    out += std::to_string(seed);
    out += '.';
    out += std::to_string(index);
    out += "@bench.test>\r\n";
    out += "MIME-Version: 1.0\r\n";
    out += "Content-Type: text/plain; charset=us-ascii\r\n";
    out += "\r\n";
    // RFC 5322 §2.1.1: lines well under 78 characters.
    std::size_t line_length = 0;
    while (out.size() < size) {
        if (line_length > 0) {
            out += ' ';
        }
        const std::size_t before = out.size();
        append_word(out, random);
        line_length += out.size() - before + 1;
        if (line_length > 66) {
            out += "\r\n";
            line_length = 0;
        }
    }
    if (line_length > 0) {
        out += "\r\n";
    }
    return out;
}

}  // namespace harbor::bench
