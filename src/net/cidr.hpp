// IP network lists (CIDR, RFC 4632 §3.1; IPv6 prefixes, RFC 4291 §2.3) for per-listener
// "allowed client networks" and "trusted networks that may relay".
// SECURITY: entries come from configuration, peers from the socket. parse_network() accepts
// only a literal address with an optional decimal prefix (no names, no zone ids, no octal or
// short IPv4 forms) and names the bad entry in its error. An IPv4-mapped IPv6 peer
// (::ffff:a.b.c.d, a dual-stack socket) is matched as the IPv4 address it is, so an IPv4
// rule cannot be sidestepped by the socket family. Fuzzed by fuzz_cidr.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace harbor::net {

struct Network {
    boost::asio::ip::address address;  // host bits cleared
    unsigned prefix = 0;               // 0..32 for IPv4, 0..128 for IPv6
    bool host_bits_set = false;        // the entry had them ("10.1.2.3/8"); worth a warning

    bool contains(const boost::asio::ip::address& peer) const;
    std::string to_string() const;  // "10.0.0.0/8", "2001:db8::/32"
};

// "10.0.0.0/8", "192.0.2.1" (a /32), "::1" (a /128), "2001:db8::/32", and Postfix's bracketed
// IPv6 forms "[::1]" and "[2001:db8::]/32". Host bits below the prefix are accepted and
// cleared, as Postfix does for mynetworks ("10.1.2.3/8" is 10.0.0.0/8; host_bits_set tells the
// caller so it can warn). An IPv4-mapped IPv6 entry with prefix >= 96 ("::ffff:10.0.0.0/104")
// becomes the IPv4 network it denotes. Errc::Invalid names the entry otherwise.
Result<Network> parse_network(std::string_view text);

// An ordered set of networks; contains() is a linear scan (lists are short).
class NetworkList {
public:
    NetworkList() = default;

    // Every entry must parse; the first one that does not is named in the error.
    static Result<NetworkList> parse(const std::vector<std::string>& entries);

    void add(const Network& network) { networks_.push_back(network); }

    // IPv4-mapped IPv6 peers are matched against the IPv4 entries only: "::/0" does not cover
    // them, "0.0.0.0/0" does (list both to mean everyone).
    bool contains(const boost::asio::ip::address& peer) const;

    bool empty() const { return networks_.empty(); }
    const std::vector<Network>& networks() const { return networks_; }

private:
    std::vector<Network> networks_;
};

}  // namespace harbor::net
