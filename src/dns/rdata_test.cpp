// RDATA parsers over hand-made wire bytes: each type's good forms, and malformed RDATA (short,
// long, truncated names, compression pointers, odd bytes) as errors, never crashes.
#include "dns/rdata.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace harbor::dns {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes bytes(std::string_view text)
{
    return Bytes(text.begin(), text.end());
}

Bytes concat(std::initializer_list<Bytes> parts)
{
    Bytes out;
    for (const Bytes& part : parts) {
        out.insert(out.end(), part.begin(), part.end());
    }
    return out;
}

TEST(Rdata, AddressesNeedTheirExactLength)
{
    EXPECT_EQ(parse_a(Bytes{192, 0, 2, 1})->to_string(), "192.0.2.1");
    EXPECT_FALSE(parse_a(Bytes{192, 0, 2}));
    EXPECT_FALSE(parse_a(Bytes{192, 0, 2, 1, 0}));
    Bytes v6(16, 0);
    v6[0] = 0x20;
    v6[1] = 0x01;
    v6[2] = 0x0d;
    v6[3] = 0xb8;
    v6[15] = 1;
    EXPECT_EQ(parse_aaaa(v6)->to_string(), "2001:db8::1");
    v6.pop_back();
    EXPECT_FALSE(parse_aaaa(v6));
}

TEST(Rdata, MxHostIsLowercaseWithoutTrailingDot)
{
    Result<Mx> mx = parse_mx(concat({{0, 10}, bytes("\2MX\7Example\3Org"), {0}}));
    ASSERT_TRUE(mx) << mx.error().to_string();
    EXPECT_EQ(mx->preference, 10);
    EXPECT_EQ(mx->host, "mx.example.org");
}

TEST(Rdata, NullMxIsTheRootName)
{
    Result<Mx> mx = parse_mx(Bytes{0, 0, 0});  // RFC 7505 §3: "0 ."
    ASSERT_TRUE(mx) << mx.error().to_string();
    EXPECT_EQ(mx->preference, 0);
    EXPECT_EQ(mx->host, "");
}

TEST(Rdata, MalformedNamesAreErrors)
{
    struct Case {
        const char* name;
        Bytes rdata;
    };
    Bytes too_long = {0, 1};
    for (int i = 0; i < 5; ++i) {  // 5 * 64 octets > 255
        too_long.push_back(63);
        too_long.insert(too_long.end(), 63, 'a');
    }
    too_long.push_back(0);
    const Case cases[] = {
        {"empty", {}},
        {"preference only", {0, 10}},
        {"no root label", concat({{0, 10}, bytes("\2mx")})},
        {"label past the end", concat({{0, 10}, bytes("\7mx")})},
        {"compression pointer", {0, 10, 0xc0, 0x0c}},
        {"extended label type", {0, 10, 0x41, 'a', 0}},
        {"dot inside a label", concat({{0, 10}, bytes("\3a.b"), {0}})},
        {"control byte", concat({{0, 10}, bytes("\2a\n"), {0}})},
        {"trailing bytes", concat({{0, 10}, bytes("\2mx"), {0, 0}})},
        {"longer than 255 octets", too_long},
    };
    for (const Case& c : cases) {
        EXPECT_FALSE(parse_mx(c.rdata)) << c.name;
        if (c.rdata.size() >= 2) {
            EXPECT_FALSE(parse_ptr(Rdata(c.rdata).subspan(2))) << "PTR " << c.name;
        }
    }
}

TEST(Rdata, PtrName)
{
    Result<std::string> ptr = parse_ptr(concat({bytes("\4mail\7EXAMPLE\4test"), {0}}));
    ASSERT_TRUE(ptr) << ptr.error().to_string();
    EXPECT_EQ(*ptr, "mail.example.test");
}

TEST(Rdata, TxtStringsAreConcatenated)
{
    // RFC 7208 §3.3: "v=spf1 " "-all" is "v=spf1 -all"; a string may be empty.
    Result<std::string> txt = parse_txt(concat({bytes("\7v=spf1 "), {0}, bytes("\4-all")}));
    ASSERT_TRUE(txt) << txt.error().to_string();
    EXPECT_EQ(*txt, "v=spf1 -all");
    Bytes long_string = {255};
    long_string.insert(long_string.end(), 255, 'x');
    EXPECT_EQ(parse_txt(long_string)->size(), 255u);
}

TEST(Rdata, MalformedTxtIsAnError)
{
    EXPECT_FALSE(parse_txt(Bytes{}));
    EXPECT_FALSE(parse_txt(bytes("\5abc")));
    EXPECT_FALSE(parse_txt(concat({bytes("\3abc"), {4, 'x'}})));
}

TEST(Rdata, Tlsa)
{
    Result<Tlsa> tlsa = parse_tlsa(Bytes{3, 1, 1, 0xde, 0xad});
    ASSERT_TRUE(tlsa) << tlsa.error().to_string();
    EXPECT_EQ(tlsa->usage, 3);
    EXPECT_EQ(tlsa->selector, 1);
    EXPECT_EQ(tlsa->matching_type, 1);
    EXPECT_EQ(tlsa->data, (Bytes{0xde, 0xad}));
    EXPECT_FALSE(parse_tlsa(Bytes{3, 1, 1}));
}

TEST(Rdata, ReverseNames)
{
    using boost::asio::ip::make_address;
    EXPECT_EQ(reverse_name(make_address("192.0.2.1")), "1.2.0.192.in-addr.arpa");
    EXPECT_EQ(reverse_name(make_address("2001:db8::1")),
              "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
}

}  // namespace
}  // namespace harbor::dns
