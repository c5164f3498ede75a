// Whether a name can be asked of DNS at all: what SPF targets, DKIM key names and DMARC policy
// names must be before a query is spent on them (they come from senders' records and headers).
#pragma once

#include <cstddef>
#include <string_view>

namespace harbor::dns {

inline constexpr std::size_t max_name_octets = 253;  // RFC 1035 §3.1 (255 in wire form)
inline constexpr std::size_t max_label_octets = 63;  // RFC 1035 §2.3.4

// Presentation form without the root dot: at most 253 octets, every label 1 to 63 octets.
constexpr bool is_queryable_name(std::string_view name)
{
    if (name.empty() || name.size() > max_name_octets) {
        return false;
    }
    std::size_t start = 0;
    while (start <= name.size()) {
        std::size_t dot = name.find('.', start);
        if (dot == std::string_view::npos) {
            dot = name.size();
        }
        if (dot == start || dot - start > max_label_octets) {
            return false;
        }
        start = dot + 1;
    }
    return true;
}

}  // namespace harbor::dns
