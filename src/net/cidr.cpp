// IP network lists: parsing of CIDR entries and matching of peer addresses (RFC 4632 §3.1,
// RFC 4291 §2.3 and §2.5.5.2 for IPv4-mapped addresses).
// SECURITY: see cidr.hpp; parsing works on a bounded copy and never throws.
#include "net/cidr.hpp"

#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/address_v6.hpp>

#include <cstdint>

namespace harbor::net {

namespace {

namespace ip = boost::asio::ip;

constexpr std::size_t max_entry_length = 128;  // longest IPv6 text form + prefix fits easily
constexpr std::size_t max_quoted = 64;         // of a bad entry, in the error message
constexpr unsigned ipv4_bits = 32;
constexpr unsigned ipv6_bits = 128;
constexpr unsigned mapped_prefix_bits = 96;   // ::ffff:0:0/96, RFC 4291 §2.5.5.2

Unexpected bad_entry(std::string_view text, std::string_view why)
{
    std::string quoted(text.substr(0, max_quoted));
    if (text.size() > max_quoted) {
        quoted += "...";
    }
    return unexpected(Errc::Invalid, "bad network \"" + quoted + "\": " + std::string(why));
}

// Decimal 0..999 without sign or leading zeros; the family bound is checked by the caller.
bool parse_prefix(std::string_view digits, unsigned& prefix)
{
    if (digits.empty() || digits.size() > 3 || (digits.size() > 1 && digits[0] == '0')) {
        return false;
    }
    prefix = 0;
    for (const char c : digits) {
        if (c < '0' || c > '9') {
            return false;
        }
        prefix = prefix * 10 + static_cast<unsigned>(c - '0');
    }
    return true;
}

ip::address_v4 mask_v4(const ip::address_v4& address, unsigned prefix)
{
    const std::uint32_t mask = prefix == 0 ? 0 : ~std::uint32_t{0} << (ipv4_bits - prefix);
    return ip::address_v4(address.to_uint() & mask);
}

ip::address_v6 mask_v6(const ip::address_v6& address, unsigned prefix)
{
    ip::address_v6::bytes_type bytes = address.to_bytes();
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        const unsigned first_bit = static_cast<unsigned>(i) * 8;
        if (first_bit >= prefix) {
            bytes[i] = 0;
        } else if (prefix - first_bit < 8) {
            bytes[i] &= static_cast<unsigned char>(0xff << (8 - (prefix - first_bit)));
        }
    }
    return ip::address_v6(bytes);
}

// A peer as it should be compared: an IPv4-mapped IPv6 address is the IPv4 address.
ip::address canonical(const ip::address& address)
{
    if (address.is_v6() && address.to_v6().is_v4_mapped()) {
        return ip::make_address_v4(ip::v4_mapped, address.to_v6());
    }
    return address;
}

}  // namespace

Result<Network> parse_network(std::string_view text)
{
    if (text.empty()) {
        return bad_entry(text, "empty");
    }
    if (text.size() > max_entry_length) {
        return bad_entry(text, "too long");
    }
    std::string_view address_text = text;
    std::string_view prefix_text;
    bool has_prefix = false;
    bool bracketed = false;
    if (text.front() == '[') {
        // Postfix writes IPv6 networks as "[2001:db8::]/32".
        const std::size_t close = text.find(']');
        if (close == std::string_view::npos) {
            return bad_entry(text, "missing ']'");
        }
        bracketed = true;
        address_text = text.substr(1, close - 1);
        const std::string_view rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != '/') {
                return bad_entry(text, "unexpected text after ']'");
            }
            has_prefix = true;
            prefix_text = rest.substr(1);
        }
    } else if (const std::size_t slash = text.find('/'); slash != std::string_view::npos) {
        address_text = text.substr(0, slash);
        prefix_text = text.substr(slash + 1);
        has_prefix = true;
    }
    // Zone ids ("fe80::1%eth0") name an interface, not a network; names are not addresses.
    if (address_text.find('%') != std::string_view::npos) {
        return bad_entry(text, "zone ids are not allowed");
    }
    boost::system::error_code ec;
    const ip::address parsed = ip::make_address(std::string(address_text), ec);
    if (ec) {
        return bad_entry(text, "not an IP address");
    }
    if (bracketed && !parsed.is_v6()) {
        return bad_entry(text, "brackets are for IPv6 addresses");
    }
    const unsigned family_bits = parsed.is_v4() ? ipv4_bits : ipv6_bits;
    unsigned prefix = family_bits;
    if (has_prefix && !parse_prefix(prefix_text, prefix)) {
        return bad_entry(text, "prefix length is not a number");
    }
    if (prefix > family_bits) {
        return bad_entry(text, parsed.is_v4() ? "prefix length must be 0..32"
                                              : "prefix length must be 0..128");
    }

    Network network;
    network.prefix = prefix;
    if (parsed.is_v4()) {
        network.address = mask_v4(parsed.to_v4(), prefix);
    } else {
        network.address = mask_v6(parsed.to_v6(), prefix);
    }
    network.host_bits_set = network.address != parsed;
    // "::ffff:10.0.0.0/104" is the IPv4 network 10.0.0.0/8 (RFC 4291 §2.5.5.2).
    if (network.address.is_v6() && network.address.to_v6().is_v4_mapped() &&
        prefix >= mapped_prefix_bits) {
        network.address = canonical(network.address);
        network.prefix = prefix - mapped_prefix_bits;
    }
    return network;
}

bool Network::contains(const ip::address& peer) const
{
    const ip::address candidate = canonical(peer);
    if (candidate.is_v4() != address.is_v4()) {
        return false;
    }
    if (candidate.is_v4()) {
        return mask_v4(candidate.to_v4(), prefix) == address.to_v4();
    }
    // Compare bytes only: a link-local peer's scope id is not part of the network.
    return mask_v6(candidate.to_v6(), prefix).to_bytes() == address.to_v6().to_bytes();
}

std::string Network::to_string() const
{
    return address.to_string() + "/" + std::to_string(prefix);
}

Result<NetworkList> NetworkList::parse(const std::vector<std::string>& entries)
{
    NetworkList list;
    for (const std::string& entry : entries) {
        Result<Network> network = parse_network(entry);
        if (!network) {
            return unexpected(std::move(network).error());
        }
        list.add(*network);
    }
    return list;
}

bool NetworkList::contains(const ip::address& peer) const
{
    for (const Network& network : networks_) {
        if (network.contains(peer)) {
            return true;
        }
    }
    return false;
}

}  // namespace harbor::net
