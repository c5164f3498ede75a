// Unit tests for directory/address: RFC 5321 §4.1.2 forms, RFC 6531 UTF-8, IDNA A-labels,
// §4.5.3.1 length limits, address literals and sub-addressing. Table-driven.
#include "directory/address.hpp"

#include <gtest/gtest.h>

#include <string>

#include "core/idna.hpp"

namespace harbor::directory {
namespace {

struct GoodCase {
    const char* name;
    std::string input;
    std::string want_local;
    std::string want_domain;
    bool want_literal;
    std::string want_format;
};

TEST(Address, ParsesValidAddresses)
{
    const std::string local64(64, 'a');
    const std::string label63(63, 'b');
    const GoodCase cases[] = {
        {"simple", "user@example.org", "user", "example.org", false, "user@example.org"},
        {"case kept in local part, domain folded", "John.Doe@Example.ORG", "John.Doe",
         "example.org", false, "John.Doe@example.org"},
        {"atext specials", "a!#$%&'*+-/=?^_`{|}~z@example.org", "a!#$%&'*+-/=?^_`{|}~z",
         "example.org", false, "a!#$%&'*+-/=?^_`{|}~z@example.org"},
        {"sub-address", "user+tag@example.org", "user+tag", "example.org", false,
         "user+tag@example.org"},
        {"quoted with space", "\"john doe\"@example.org", "john doe", "example.org", false,
         "\"john doe\"@example.org"},
        {"quoted with at and escapes", "\"a@b\\\"c\\\\\"@example.org", "a@b\"c\\", "example.org",
         false, "\"a@b\\\"c\\\\\"@example.org"},
        {"quoted dot-atom is unquoted", "\"john\"@example.org", "john", "example.org", false,
         "john@example.org"},
        {"quoted double dot", "\"a..b\"@example.org", "a..b", "example.org", false,
         "\"a..b\"@example.org"},
        {"utf-8 local part", "J\xc3\xbcrgen@example.org", "J\xc3\xbcrgen", "example.org", false,
         "J\xc3\xbcrgen@example.org"},
        {"u-label domain",
         "user@B\xc3\xbc"
         "cher.example",
         "user", "xn--bcher-kva.example", false, "user@xn--bcher-kva.example"},
        {"a-label domain upper case", "user@XN--BCHER-KVA.example", "user", "xn--bcher-kva.example",
         false, "user@xn--bcher-kva.example"},
        {"sharp s kept (non-transitional)", "user@fa\xc3\x9f.de", "user", "xn--fa-hia.de", false,
         "user@xn--fa-hia.de"},
        {"single label", "root@localhost", "root", "localhost", false, "root@localhost"},
        {"digits in labels", "x@1a.2b.example3", "x", "1a.2b.example3", false, "x@1a.2b.example3"},
        {"ipv4 literal", "user@[192.0.2.1]", "user", "[192.0.2.1]", true, "user@[192.0.2.1]"},
        {"ipv6 literal", "user@[ipv6:2001:DB8:0:0::1]", "user", "[IPv6:2001:db8::1]", true,
         "user@[IPv6:2001:db8::1]"},
        {"local part of 64", local64 + "@example.org", local64, "example.org", false,
         local64 + "@example.org"},
        {"label of 63", "u@" + label63 + ".org", "u", label63 + ".org", false,
         "u@" + label63 + ".org"},
    };
    for (const auto& c : cases) {
        Result<Address> address = parse_address(c.input);
        ASSERT_TRUE(address) << c.name << ": " << address.error().detail;
        EXPECT_EQ(address->local_part, c.want_local) << c.name;
        EXPECT_EQ(address->domain, c.want_domain) << c.name;
        EXPECT_EQ(address->is_literal, c.want_literal) << c.name;
        EXPECT_EQ(address->format(), c.want_format) << c.name;
        // parse(format(x)) == x
        Result<Address> again = parse_address(address->format());
        ASSERT_TRUE(again) << c.name;
        EXPECT_EQ(*again, *address) << c.name;
    }
}

struct BadCase {
    const char* name;
    std::string input;
    std::string want_detail;  // a substring of the error detail
};

TEST(Address, RejectsInvalidAddresses)
{
    const std::string label64(64, 'b');
    // 4 labels of 63 plus dots: 255 octets is the limit, 256 is over.
    const std::string domain256 = std::string(63, 'a') + "." + std::string(63, 'b') + "." +
                                  std::string(63, 'c') + "." + std::string(64, 'd');
    const std::string domain253 = std::string(63, 'a') + "." + std::string(63, 'b') + "." +
                                  std::string(63, 'c') + "." + std::string(61, 'd');
    const BadCase cases[] = {
        {"empty", "", "empty address"},
        {"no at", "user.example.org", "missing '@'"},
        {"empty local part", "@example.org", "empty local part"},
        {"empty quoted local part", "\"\"@example.org", "empty local part"},
        {"empty domain", "user@", "empty domain"},
        {"space in local part", "us er@example.org", "not allowed in unquoted local part"},
        {"leading space", " user@example.org", "not allowed in unquoted local part"},
        {"space in domain", "user@exa mple.org", "not allowed in domain"},
        {"trailing space", "user@example.org ", "not allowed in domain"},
        {"double dot", "us..er@example.org", "'..'"},
        {"leading dot", ".user@example.org", "starts with '.'"},
        {"trailing dot in local part", "user.@example.org", "ends with '.'"},
        {"trailing dot in domain", "user@example.org.", "ends with '.'"},
        {"leading dot in domain", "user@.example.org", "empty label"},
        {"double dot in domain", "user@example..org", "empty label"},
        {"unbalanced quote", "\"user@example.org", "unbalanced quote"},
        {"quote in middle", "us\"er\"@example.org", "not allowed in unquoted local part"},
        {"text after quoted", "\"user\"x@example.org", "missing '@'"},
        {"two ats", "user@host@example.org", "more than one '@'"},
        {"angle brackets", "<user@example.org>", "not allowed in unquoted local part"},
        {"local part of 65", std::string(65, 'a') + "@example.org", "longer than 64"},
        {"quoted local part of 66", "\"" + std::string(64, 'a') + "\"@example.org",
         "longer than 64"},
        {"quoted local part over 64 with quotes", "\"" + std::string(63, 'a') + "\"@example.org",
         "longer than 64"},
        {"label of 64", "u@" + label64 + ".org", "label longer than 63"},
        {"domain of 256", "u@" + domain256, "longer than 255"},
        {"path over 256", std::string(2, 'u') + "@" + domain253, "address longer than 254"},
        {"underscore in domain", "user@ex_ample.org", "not allowed in domain"},
        {"hyphen at label start", "user@-example.org", "'-'"},
        {"hyphen at label end", "user@example-.org", "'-'"},
        {"bad punycode", "user@xn--zz.example", "bad internationalised domain"},
        {"disallowed code point", "user@a\xef\xbf\xbd.org", "bad internationalised domain"},
        {"numeric tld", "user@192.0.2.1", "numeric top-level label"},
        {"bad ipv4 literal", "user@[192.0.2.256]", "unsupported address literal"},
        {"bad ipv6 literal", "user@[IPv6:2001:db8::g]", "bad IPv6"},
        {"general literal", "user@[x-tag:abc]", "unsupported address literal"},
        {"unbalanced bracket", "user@[192.0.2.1", "unbalanced '['"},
        {"control character", "us\ter@example.org", "control character"},
        {"nul", std::string("us\0er@example.org", 17), "control character"},
        {"invalid utf-8",
         "us\xff"
         "er@example.org",
         "invalid UTF-8"},
        {"overlong utf-8",
         "us\xc0\xaf"
         "er@example.org",
         "invalid UTF-8"},
        {"too long input", std::string(2000, 'a') + "@example.org", "too long"},
    };
    for (const auto& c : cases) {
        Result<Address> address = parse_address(c.input);
        ASSERT_FALSE(address) << c.name << " parsed as " << address->format();
        EXPECT_EQ(address.error().code, Errc::Invalid) << c.name;
        EXPECT_NE(address.error().detail.find(c.want_detail), std::string::npos)
            << c.name << ": got \"" << address.error().detail << "\"";
    }
}

TEST(Address, KeyFoldsAsciiOnly)
{
    Result<Address> upper = parse_address("John.DOE@Example.org");
    Result<Address> lower = parse_address("john.doe@example.org");
    ASSERT_TRUE(upper);
    ASSERT_TRUE(lower);
    EXPECT_EQ(upper->key(), lower->key());
    EXPECT_EQ(upper->key(), "john.doe@example.org");
    EXPECT_NE(upper->format(), lower->format());

    // The documented limitation: non-ASCII letters are not folded.
    Result<Address> u_umlaut = parse_address(
        "\xc3\x9c"
        "ber@example.org");
    Result<Address> l_umlaut = parse_address(
        "\xc3\xbc"
        "ber@example.org");
    ASSERT_TRUE(u_umlaut);
    ASSERT_TRUE(l_umlaut);
    EXPECT_NE(u_umlaut->key(), l_umlaut->key());
}

struct SubCase {
    const char* name;
    std::string local;
    bool want_split;
    std::string want_base;
    std::string want_tag;
};

TEST(Address, SplitsSubAddresses)
{
    const SubCase cases[] = {
        {"plain", "user", false, "", ""},
        {"tag", "user+tag", true, "user", "tag"},
        {"empty tag", "user+", true, "user", ""},
        {"two separators", "user+a+b", true, "user", "a+b"},
        {"no base", "+tag", false, "", ""},
    };
    for (const auto& c : cases) {
        std::optional<SubAddress> split = split_subaddress(c.local);
        ASSERT_EQ(split.has_value(), c.want_split) << c.name;
        if (split) {
            EXPECT_EQ(split->base, c.want_base) << c.name;
            EXPECT_EQ(split->tag, c.want_tag) << c.name;
        }
    }
}

struct DomainCase {
    const char* name;
    std::string input;
    std::string want;  // empty: must fail
};

TEST(Address, NormalizesDomains)
{
    const DomainCase cases[] = {
        {"lower", "example.org", "example.org"},
        {"upper", "EXAMPLE.ORG", "example.org"},
        {"u-label", "M\xc3\xbcnchen.de", "xn--mnchen-3ya.de"},
        {"nfc input", "Mu\xcc\x88nchen.de", "xn--mnchen-3ya.de"},
        {"ideographic full stop", "example\xe3\x80\x82org", "example.org"},
        {"empty", "", ""},
        {"trailing dot", "example.org.", ""},
        {"literal", "[192.0.2.1]", ""},
        {"ideographic full stop at end", "example\xe3\x80\x82", ""},
    };
    for (const auto& c : cases) {
        Result<std::string> domain = normalize_domain(c.input);
        if (c.want.empty()) {
            EXPECT_FALSE(domain) << c.name << " gave " << *domain;
            continue;
        }
        ASSERT_TRUE(domain) << c.name << ": " << domain.error().detail;
        EXPECT_EQ(*domain, c.want) << c.name;
    }
}

// Plain names skip libidn2 (normalize_domain's fast path); libidn2 must agree with what they
// give. Labels with "--" in the third and fourth places still go through it.
TEST(Address, PlainDomainsNormalizeAsLibidn2Does)
{
    const std::string longest_label(63, 'a');
    const std::string names[] = {
        "example.org",     "EXAMPLE.Org",       "a--b.example",          "a-b.c-d.example",
        "abc--d.example",  "1a.2b.example9",    longest_label + ".test", "x.y",
        "mail.bench.test", "XN--MNCHEN-3YA.de", "xn--mnchen-3ya.de",
    };
    for (const std::string& name : names) {
        Result<std::string> ours = normalize_domain(name);
        Result<std::string> libidn2 = idna_to_ascii(name);
        ASSERT_TRUE(ours) << name << ": " << ours.error().detail;
        ASSERT_TRUE(libidn2) << name << ": " << libidn2.error().detail;
        EXPECT_EQ(*ours, *libidn2) << name;
    }
    // These still go through libidn2, which refuses a bad A-label and a reserved label.
    EXPECT_FALSE(normalize_domain("xn--zz-.example"));
    EXPECT_FALSE(normalize_domain("xn--a.example"));
    EXPECT_FALSE(normalize_domain("ab--cd.example"));
    EXPECT_FALSE(normalize_domain("mail.AB--cd.example"));
}

// Every prefix and a deterministic set of single-byte mutations of valid addresses: parsing
// must give a value or Errc::Invalid, never crash (runs under ASan/UBSan in CI), and whatever
// parses must format to something that parses to the same value.
TEST(Address, SurvivesPrefixesAndMutations)
{
    const std::string seeds[] = {
        "\"a b\\\"c\"@example.org",
        "J\xc3\xbcrgen+tag@B\xc3\xbc"
        "cher.example",
        "user@[IPv6:2001:db8::1]",
        "user@[192.0.2.1]",
        "first.last@xn--bcher-kva.example",
    };
    const std::string bytes = std::string("@.\"\\[]:+- \x00\x7f\x80\xc3\xff", 15) + "aZ9";
    for (const std::string& seed : seeds) {
        for (std::size_t length = 0; length <= seed.size(); ++length) {
            for (std::size_t at = 0; at <= length; ++at) {
                for (const char b : bytes) {
                    std::string input = seed.substr(0, length);
                    if (at < length) {
                        input[at] = b;
                    } else {
                        input += b;
                    }
                    Result<Address> address = parse_address(input);
                    if (!address) {
                        ASSERT_EQ(address.error().code, Errc::Invalid) << input;
                        continue;
                    }
                    Result<Address> again = parse_address(address->format());
                    ASSERT_TRUE(again) << input;
                    ASSERT_EQ(*again, *address) << input;
                }
            }
        }
    }
}

}  // namespace
}  // namespace harbor::directory
