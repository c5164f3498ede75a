// IMAP sequence sets (RFC 9051 §9 "sequence-set", §6.4.x) and the saved-result reference "$"
// (RFC 5182 §2). A set is kept as the ranges the client wrote, never expanded, so "1:4294967295"
// costs one range; resolve() turns it into sorted, merged, clamped ranges for the session.
// SECURITY: untrusted input. Numbers are range-checked digit by digit (nz-number is 1 to
// 4294967295, RFC 9051 §9), and the number of ranges is capped (SequenceLimits). Fuzzed through
// fuzz_imap_command.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace harbor::imap {

// "*" is stored as 0: no message sequence number or UID is 0 (RFC 9051 §2.3.1.1, §2.3.1.2).
inline constexpr std::uint32_t sequence_star = 0;

struct SequenceRange {
    std::uint32_t first = 1;  // as written: "5:2" keeps first = 5, last = 2 (§9 seq-range)
    std::uint32_t last = 1;   // equal to first for a single number

    bool operator==(const SequenceRange&) const = default;
};

struct SequenceSet {
    std::vector<SequenceRange> ranges;
    // "$": the result of the last SEARCH RETURN (SAVE), alone or as the last element ("1:5,$"
    // is allowed by the recursion of RFC 9051 §9 sequence-set); its value is the session's.
    bool saved_result = false;

    bool operator==(const SequenceSet&) const = default;
};

struct SequenceLimits {
    std::size_t max_ranges = 4096;  // Harbor's bound on comma-separated elements
};

// sequence-set = (seq-number / seq-range) ["," sequence-set] / "$" (RFC 9051 §9, RFC 5182 §2).
// Refusals (Errc::Invalid): empty, 0, a number above 4294967295, stray characters, "$" other
// than as the last element; more than limits.max_ranges elements: Errc::Limit.
Result<SequenceSet> parse_sequence_set(std::string_view text, SequenceLimits limits = {});

// The canonical text form: "1:*", "4,7:9", "$".
std::string format_sequence_set(const SequenceSet& set);
// Numbers in the order given, each run of consecutive ascending ones as a range: "1:3,7"
// (ESEARCH ALL, UIDPLUS uid-set RFC 4315 §3, VANISHED, MODIFIED).
std::string format_number_runs(const std::vector<std::uint32_t>& numbers);

// A closed interval low <= high, both >= 1.
struct ResolvedRange {
    std::uint32_t low = 1;
    std::uint32_t high = 1;

    bool operator==(const ResolvedRange&) const = default;
};

enum class SequenceKind {
    // Message sequence numbers: a number above the message count is an error (RFC 9051 §6.4.4
    // ff.: "BAD" for invalid message sequence numbers); Errc::Invalid.
    MessageNumbers,
    // UIDs: numbers beyond the largest UID are simply absent, and "n:*" always includes the
    // largest UID even when n is higher (RFC 9051 §6.4.9).
    Uids,
};

// Replaces "*" by max_value (the message count or the largest UID), orders each range, drops
// or refuses what lies beyond max_value, then sorts and merges: the result is disjoint and
// ascending. A set containing "$" cannot be resolved here (Errc::Invalid): the session
// substitutes the saved result first.
Result<std::vector<ResolvedRange>> resolve(const SequenceSet& set, std::uint32_t max_value,
                                           SequenceKind kind);

// Whether value lies in resolved ranges (binary search).
bool contains(const std::vector<ResolvedRange>& ranges, std::uint32_t value);

}  // namespace harbor::imap
