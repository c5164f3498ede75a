// Parsers for the RDATA of the record types Harbor asks for, from the uncompressed wire format
// libunbound hands back (RFC 1035 §3.3; libunbound stores names in RDATA decompressed).
// SECURITY: the bytes come from the network. Every read is bounds-checked against the RDATA
// length and every name against RFC 1035 §2.3.4's limits; a malformed RDATA is Errc::Invalid,
// never a crash. Pure functions, no I/O.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <cstdint>
#include <span>
#include <string>

#include "core/result.hpp"
#include "dns/records.hpp"

namespace harbor::dns {

using Rdata = std::span<const std::uint8_t>;

// RR type numbers (RFC 1035 §3.2.2, RFC 3596 §2.1, RFC 6698 §7.1).
enum class RrType : std::uint16_t { A = 1, Ptr = 12, Mx = 15, Txt = 16, Aaaa = 28, Tlsa = 52 };

Result<boost::asio::ip::address_v4> parse_a(Rdata rdata);
Result<boost::asio::ip::address_v6> parse_aaaa(Rdata rdata);
Result<Mx> parse_mx(Rdata rdata);
Result<std::string> parse_txt(Rdata rdata);
Result<std::string> parse_ptr(Rdata rdata);
Result<Tlsa> parse_tlsa(Rdata rdata);

// The reverse-mapping name of an address: "4.3.2.1.in-addr.arpa" (RFC 1035 §3.5) or the
// nibble form under "ip6.arpa" (RFC 3596 §2.5).
std::string reverse_name(const boost::asio::ip::address& address);

}  // namespace harbor::dns
