// Sequence sets: RFC 9051 §9 (sequence-set, seq-range, seq-number), §6.4.9 (UID ranges with
// "*"), RFC 5182 §2 ("$").
// SECURITY: untrusted input; bounded by SequenceLimits::max_ranges, numbers checked for
// overflow before each digit is added, and nothing is ever expanded into single numbers.
#include "imap/protocol/sequence_set.hpp"

#include <algorithm>

#include "core/ascii.hpp"

namespace harbor::imap {
namespace {

constexpr std::uint64_t max_nz_number = 4294967295U;  // RFC 9051 §9: nz-number fits 32 bits

// seq-number = nz-number / "*"; advances pos.
Result<std::uint32_t> parse_seq_number(std::string_view text, std::size_t& pos)
{
    if (pos < text.size() && text[pos] == '*') {
        ++pos;
        return sequence_star;
    }
    if (pos >= text.size() || !is_ascii_digit(text[pos]) || text[pos] == '0') {
        return unexpected(Errc::Invalid, "invalid sequence number");  // nz-number, §9
    }
    std::uint64_t value = 0;
    while (pos < text.size() && is_ascii_digit(text[pos])) {
        value = value * 10 + static_cast<std::uint64_t>(text[pos] - '0');
        if (value > max_nz_number) {
            return unexpected(Errc::Invalid, "sequence number out of range");
        }
        ++pos;
    }
    return static_cast<std::uint32_t>(value);
}

std::string format_number(std::uint32_t value)
{
    return value == sequence_star ? std::string("*") : std::to_string(value);
}

}  // namespace

Result<SequenceSet> parse_sequence_set(std::string_view text, SequenceLimits limits)
{
    SequenceSet set;
    if (text == "$") {
        set.saved_result = true;  // RFC 5182 §2
        return set;
    }
    if (text.empty()) {
        return unexpected(Errc::Invalid, "empty sequence set");
    }
    std::size_t pos = 0;
    while (true) {
        if (text.substr(pos) == "$") {
            set.saved_result = true;  // seq-last-command, RFC 5182 §2
            return set;
        }
        if (set.ranges.size() >= limits.max_ranges) {
            return unexpected(Errc::Limit, "too many ranges in sequence set");
        }
        Result<std::uint32_t> first = parse_seq_number(text, pos);
        if (!first) {
            return unexpected(std::move(first).error());
        }
        SequenceRange range{*first, *first};
        if (pos < text.size() && text[pos] == ':') {
            ++pos;
            Result<std::uint32_t> last = parse_seq_number(text, pos);
            if (!last) {
                return unexpected(std::move(last).error());
            }
            range.last = *last;
        }
        set.ranges.push_back(range);
        if (pos == text.size()) {
            return set;
        }
        if (text[pos] != ',') {
            return unexpected(Errc::Invalid, "invalid character in sequence set");
        }
        ++pos;
    }
}

std::string format_number_runs(const std::vector<std::uint32_t>& numbers)
{
    std::string out;
    for (std::size_t i = 0; i < numbers.size();) {
        std::size_t j = i;
        while (j + 1 < numbers.size() && numbers[j + 1] == numbers[j] + 1) {
            ++j;
        }
        out += (out.empty() ? "" : ",") + std::to_string(numbers[i]);
        if (j > i) {
            out += ":" + std::to_string(numbers[j]);
        }
        i = j + 1;
    }
    return out;
}

std::string format_sequence_set(const SequenceSet& set)
{
    std::string out;
    for (const SequenceRange& range : set.ranges) {
        if (!out.empty()) {
            out += ',';
        }
        out += format_number(range.first);
        if (range.last != range.first) {
            out += ':';
            out += format_number(range.last);
        }
    }
    if (set.saved_result) {
        out += out.empty() ? "$" : ",$";
    }
    return out;
}

Result<std::vector<ResolvedRange>> resolve(const SequenceSet& set, std::uint32_t max_value,
                                           SequenceKind kind)
{
    if (set.saved_result) {
        return unexpected(Errc::Invalid, "saved search result is held by the session");
    }
    std::vector<ResolvedRange> out;
    out.reserve(set.ranges.size());
    for (const SequenceRange& range : set.ranges) {
        std::uint32_t a = range.first == sequence_star ? max_value : range.first;
        std::uint32_t b = range.last == sequence_star ? max_value : range.last;
        if (a > b) {
            std::swap(a, b);  // RFC 9051 §9: "4:2" is the same as "2:4"
        }
        if (kind == SequenceKind::MessageNumbers && b > max_value) {
            return unexpected(Errc::Invalid, "no such message");  // RFC 9051 §6.4.4 ff.
        }
        b = std::min(b, max_value);
        a = std::max<std::uint32_t>(a, 1);
        if (a > b) {
            continue;  // beyond the largest UID, or an empty mailbox
        }
        out.push_back({a, b});
    }
    std::sort(out.begin(), out.end(),
              [](const ResolvedRange& x, const ResolvedRange& y) { return x.low < y.low; });
    std::vector<ResolvedRange> merged;
    for (const ResolvedRange& range : out) {
        // Adjacent ranges merge too: 1:3,4:5 is 1:5 (high + 1 cannot overflow a uint64).
        if (!merged.empty() && static_cast<std::uint64_t>(range.low) <=
                                   static_cast<std::uint64_t>(merged.back().high) + 1) {
            merged.back().high = std::max(merged.back().high, range.high);
        } else {
            merged.push_back(range);
        }
    }
    return merged;
}

bool contains(const std::vector<ResolvedRange>& ranges, std::uint32_t value)
{
    auto it = std::upper_bound(ranges.begin(), ranges.end(), value,
                               [](std::uint32_t v, const ResolvedRange& r) { return v < r.low; });
    if (it == ranges.begin()) {
        return false;
    }
    --it;
    return value <= it->high;
}

}  // namespace harbor::imap
