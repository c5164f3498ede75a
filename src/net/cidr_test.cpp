// Unit tests for net/cidr: entry syntax (RFC 4632 §3.1, RFC 4291 §2.3, Postfix's bracketed
// IPv6), host-bit masking, prefix bounds, and matching of IPv4, IPv6 and IPv4-mapped peers.
#include "net/cidr.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace harbor::net {
namespace {

namespace ip = boost::asio::ip;

ip::address addr(const char* text)
{
    return ip::make_address(text);
}

TEST(Cidr, ParsesEntries)
{
    struct Case {
        const char* input;
        const char* network;
        bool host_bits_set;
    };
    const Case cases[] = {
        {"10.0.0.0/8", "10.0.0.0/8", false},
        {"192.0.2.1", "192.0.2.1/32", false},
        {"192.0.2.1/32", "192.0.2.1/32", false},
        {"0.0.0.0/0", "0.0.0.0/0", false},
        {"10.1.2.3/8", "10.0.0.0/8", true},  // masked, as Postfix mynetworks does
        {"192.0.2.255/25", "192.0.2.128/25", true},
        {"::1", "::1/128", false},
        {"::/0", "::/0", false},
        {"2001:db8::/32", "2001:db8::/32", false},
        {"2001:db8:1234::1/33", "2001:db8::/33", true},
        {"2001:db8::/127", "2001:db8::/127", false},
        {"[::1]", "::1/128", false},
        {"[2001:db8::]/32", "2001:db8::/32", false},
        {"::ffff:10.1.2.3", "10.1.2.3/32", false},  // IPv4-mapped: the IPv4 address
        {"::ffff:10.0.0.0/104", "10.0.0.0/8", false},
        {"::ffff:0:0/96", "0.0.0.0/0", false},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.input);
        const Result<Network> network = parse_network(c.input);
        ASSERT_TRUE(network) << network.error().to_string();
        EXPECT_EQ(network->to_string(), c.network);
        EXPECT_EQ(network->host_bits_set, c.host_bits_set);
    }
}

TEST(Cidr, RejectsBadEntries)
{
    const char* bad[] = {
        "", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/08",
        "10.0.0.0/8/8", "10.0.0.0/1000", "10.0.0.0/ 8", " 10.0.0.0", "10.0.0", "10.0.0.0.0",
        "256.0.0.1", "010.0.0.1", "0x0a.0.0.1", "localhost", "fe80::1%eth0", "[10.0.0.1]",
        "[::1", "[::1]x", "[::1]/", "2001:db8:::/32", "1.2.3.4x", "/8",
    };
    for (const char* text : bad) {
        SCOPED_TRACE(text);
        const Result<Network> network = parse_network(text);
        ASSERT_FALSE(network) << network->to_string();
        EXPECT_EQ(network.error().code, Errc::Invalid);
        EXPECT_NE(network.error().detail.find('"' + std::string(text) + '"'), std::string::npos)
            << network.error().detail;
    }
    const std::string very_long(300, '1');
    const Result<Network> long_entry = parse_network(very_long);
    ASSERT_FALSE(long_entry);
    EXPECT_LT(long_entry.error().detail.size(), 120u);  // the quote is cut short
}

TEST(Cidr, Matches)
{
    const Result<NetworkList> list =
        NetworkList::parse({"10.0.0.0/8", "192.0.2.1", "2001:db8::/32", "::1"});
    ASSERT_TRUE(list) << list.error().to_string();
    EXPECT_TRUE(list->contains(addr("10.0.0.0")));
    EXPECT_TRUE(list->contains(addr("10.255.255.255")));
    EXPECT_FALSE(list->contains(addr("11.0.0.0")));
    EXPECT_FALSE(list->contains(addr("9.255.255.255")));
    EXPECT_TRUE(list->contains(addr("192.0.2.1")));
    EXPECT_FALSE(list->contains(addr("192.0.2.2")));
    EXPECT_TRUE(list->contains(addr("2001:db8::1")));
    EXPECT_TRUE(list->contains(addr("2001:db8:ffff:ffff::")));
    EXPECT_FALSE(list->contains(addr("2001:db9::")));
    EXPECT_TRUE(list->contains(addr("::1")));
    EXPECT_FALSE(list->contains(addr("::2")));
    EXPECT_FALSE(list->contains(addr("127.0.0.1")));
    // A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d.
    EXPECT_TRUE(list->contains(addr("::ffff:10.1.2.3")));
    EXPECT_TRUE(list->contains(addr("::ffff:192.0.2.1")));
    EXPECT_FALSE(list->contains(addr("::ffff:192.0.2.2")));
    // IPv4-compatible (deprecated, RFC 4291 §2.5.5.1) is not IPv4-mapped: no match.
    EXPECT_FALSE(list->contains(addr("::10.1.2.3")));
    // A link-local peer carries a scope id; the network does not.
    const Result<NetworkList> link_local = NetworkList::parse({"fe80::/10"});
    ASSERT_TRUE(link_local);
    EXPECT_TRUE(link_local->contains(addr("fe80::1%1")));
}

TEST(Cidr, MappedEntriesAndCatchAll)
{
    const Result<NetworkList> mapped = NetworkList::parse({"::ffff:10.0.0.0/104"});
    ASSERT_TRUE(mapped);
    EXPECT_TRUE(mapped->contains(addr("10.9.9.9")));
    EXPECT_TRUE(mapped->contains(addr("::ffff:10.9.9.9")));
    EXPECT_FALSE(mapped->contains(addr("11.0.0.1")));

    // "::/0" covers IPv6 peers but not IPv4 ones, mapped or not.
    const Result<NetworkList> v6_all = NetworkList::parse({"::/0"});
    ASSERT_TRUE(v6_all);
    EXPECT_TRUE(v6_all->contains(addr("2001:db8::1")));
    EXPECT_FALSE(v6_all->contains(addr("::ffff:10.0.0.1")));
    EXPECT_FALSE(v6_all->contains(addr("10.0.0.1")));
    const Result<NetworkList> v4_all = NetworkList::parse({"0.0.0.0/0"});
    ASSERT_TRUE(v4_all);
    EXPECT_TRUE(v4_all->contains(addr("::ffff:10.0.0.1")));
    EXPECT_FALSE(v4_all->contains(addr("::1")));
}

TEST(Cidr, ListErrorNamesTheEntry)
{
    const Result<NetworkList> list = NetworkList::parse({"10.0.0.0/8", "10.0.0.0/40", "x"});
    ASSERT_FALSE(list);
    EXPECT_EQ(list.error().code, Errc::Invalid);
    EXPECT_NE(list.error().detail.find("\"10.0.0.0/40\""), std::string::npos);
    EXPECT_NE(list.error().detail.find("0..32"), std::string::npos);

    const Result<NetworkList> empty = NetworkList::parse({});
    ASSERT_TRUE(empty);
    EXPECT_TRUE(empty->empty());
    EXPECT_FALSE(empty->contains(addr("127.0.0.1")));
}

}  // namespace
}  // namespace harbor::net
