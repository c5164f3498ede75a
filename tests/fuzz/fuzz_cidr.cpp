// Fuzzes CIDR entry parsing (net/cidr): any text parses or fails with Errc::Invalid without
// throwing; a parsed network re-parses from its own text to the same network, contains its
// own base address, and the peer built from the input's first bytes matches consistently in
// its IPv4 and IPv4-mapped IPv6 forms.
#include <array>
#include <cstdint>
#include <string_view>

#include "net/cidr.hpp"

namespace {

void check(bool condition)
{
    if (!condition) {
        __builtin_trap();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    namespace ip = boost::asio::ip;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const harbor::Result<harbor::net::Network> network = harbor::net::parse_network(text);
    if (!network) {
        check(network.error().code == harbor::Errc::Invalid);
        return 0;
    }
    check(network->prefix <= (network->address.is_v4() ? 32u : 128u));
    check(network->contains(network->address));
    const harbor::Result<harbor::net::Network> again =
        harbor::net::parse_network(network->to_string());
    check(again.has_value());
    check(again->address == network->address && again->prefix == network->prefix);
    check(!again->host_bits_set);

    // A peer from the first four bytes: IPv4 and its mapped IPv6 form must agree.
    if (size >= 4) {
        const ip::address_v4 v4(ip::address_v4::bytes_type{data[0], data[1], data[2], data[3]});
        const ip::address_v6 mapped = ip::make_address_v6(ip::v4_mapped, v4);
        check(network->contains(ip::address(v4)) == network->contains(ip::address(mapped)));
    }
    harbor::net::NetworkList list;
    list.add(*network);
    check(list.contains(network->address));
    return 0;
}
