// SPF macros (RFC 7208 §7): the §7.4 examples, transformers, escapes, URL-escaping, the letters
// allowed where, the domain-end rule and the 253-octet truncation.
#include "auth/spf/macro.hpp"

#include <gtest/gtest.h>

#include "core/ascii.hpp"

namespace harbor::auth::spf {
namespace {

// The §7.4 setting: <sender> strong-bad@email.example.com, <domain> email.example.com.
MacroValues example_values(const char* ip = "192.0.2.3")
{
    MacroValues values;
    set_sender(values, "strong-bad@email.example.com");
    values.domain = "email.example.com";
    values.ip = boost::asio::ip::make_address(ip);
    values.helo = "mx.example.org";
    values.validated_name = "mx.example.org";
    values.receiver = "mx.harbor.example";
    values.timestamp = 1700000000;
    return values;
}

std::string expand(std::string_view text, const MacroValues& values,
                   MacroUse use = MacroUse::DomainSpec)
{
    Result<std::string> out = expand_macros(text, values, use);
    EXPECT_TRUE(out) << text << ": " << out.error().to_string();
    return out ? *out : std::string("<error>");
}

TEST(SpfMacro, Section74Examples)
{
    const MacroValues values = example_values();
    const std::pair<const char*, const char*> cases[] = {
        {"%{s}", "strong-bad@email.example.com"},
        {"%{o}", "email.example.com"},
        {"%{d}", "email.example.com"},
        {"%{d4}", "email.example.com"},
        {"%{d3}", "email.example.com"},
        {"%{d2}", "example.com"},
        {"%{d1}", "com"},
        {"%{dr}", "com.example.email"},
        {"%{d2r}", "example.email"},
        {"%{l}", "strong-bad"},
        {"%{l-}", "strong.bad"},
        {"%{lr}", "strong-bad"},
        {"%{lr-}", "bad.strong"},
        {"%{l1r-}", "strong"},
        {"%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"},
        {"%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"},
        {"%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com"},
        {"%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com"},
        {"%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net"},
    };
    for (const auto& [text, want] : cases) {
        EXPECT_EQ(expand(text, values), want) << text;
    }
    // The IPv6 example. §7.4 prints the nibbles in lower case; Harbor writes them in upper case
    // (macro.hpp), which is the same DNS name.
    const std::string v6 = expand("%{ir}.%{v}._spf.%{d2}", example_values("2001:db8::cb01"));
    EXPECT_EQ(v6,
              "1.0.B.C.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2.ip6._spf."
              "example.com");
    EXPECT_TRUE(iequals(v6,
                        "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6."
                        "_spf.example.com"));
}

TEST(SpfMacro, LettersEscapesAndTransformers)
{
    const MacroValues values = example_values();
    EXPECT_EQ(expand("%{h}", values), "mx.example.org");
    EXPECT_EQ(expand("%{p}", values), "mx.example.org");
    EXPECT_EQ(expand("%{i}", values), "192.0.2.3");
    EXPECT_EQ(expand("%{v}", values), "in-addr");
    EXPECT_EQ(expand("%{v}", example_values("2001:db8::1")), "ip6");
    // %%, %_ and %- (§7.1), here in a domain and in an explanation.
    EXPECT_EQ(expand("macro%%percent%_%_space%-url-space.example.com", values),
              "macro%percent  space%20url-space.example.com");
    // Several delimiters split alike and join with '.' (§7.3).
    MacroValues plus = values;
    set_sender(plus, "foo-bar+zip+quux@e12.example.com");
    EXPECT_EQ(expand("%{l2r+-}.user.%{d2}", plus), "bar.foo.user.example.com");
    EXPECT_EQ(expand("%{l+}", plus), "foo-bar.zip.quux");
    // A count above the number of parts keeps them all; a huge one does not overflow.
    EXPECT_EQ(expand("%{d99}", values), "email.example.com");
    EXPECT_EQ(expand("%{d99999999999999999999}", values), "email.example.com");
    // c, r and t only in explanation text (§7.1); c is the readable address (RFC 5952).
    EXPECT_EQ(expand("%{c} %{r} %{t}", values, MacroUse::Explanation),
              "192.0.2.3 mx.harbor.example 1700000000");
    EXPECT_EQ(expand("%{c}", example_values("2001:DB8::CB01"), MacroUse::Explanation),
              "2001:db8::cb01");
}

TEST(SpfMacro, UpperCaseLettersAreUrlEscaped)
{
    MacroValues values = example_values();
    set_sender(values, "~jack&jill=up-a_b3.c@e8.example.com");
    // RFC 3986 unreserved stays, the rest is %XX (§7.3; the suite's upper-macro).
    EXPECT_EQ(expand("http://example.com/why.html?l=%{L}", values, MacroUse::Explanation),
              "http://example.com/why.html?l=~jack%26jill%3Dup-a_b3.c");
    EXPECT_EQ(expand("%{S}", values, MacroUse::Explanation),
              "~jack%26jill%3Dup-a_b3.c%40e8.example.com");
    EXPECT_EQ(expand("%{D2}", values), "example.com");
}

TEST(SpfMacro, EmptyLocalPartIsPostmaster)
{
    MacroValues values;
    set_sender(values, "@example.net");  // §4.3
    EXPECT_EQ(values.sender, "postmaster@example.net");
    EXPECT_EQ(values.local_part, "postmaster");
    EXPECT_EQ(values.sender_domain, "example.net");
    set_sender(values, "a@b@example.org");  // the domain follows the last '@'
    EXPECT_EQ(values.local_part, "a@b");
    EXPECT_EQ(values.sender_domain, "example.org");
}

TEST(SpfMacro, SyntaxErrors)
{
    const char* const bad[] = {
        "%",      "foo%",    "%(ir)",  "%x",   "%{",   "%{d",   "%{d2",
        "%{d2r",  "%{d.",    "%{}",    "%{a}", "%{x}", "%{d0}", "%{d00}",
        "%{d r}", "%{dR.x}", "%{d}}%", "a b",  "\x7f", "\x01",  "\xc3\xa9",
    };
    for (const char* text : bad) {
        EXPECT_FALSE(check_macro_string(text, MacroUse::DomainSpec)) << text;
        EXPECT_FALSE(expand_macros(text, example_values(), MacroUse::DomainSpec)) << text;
    }
    // c, r, t are explanation-only; SP is allowed only in explanations.
    for (const char* text : {"%{c}", "%{r}", "%{t}", "%{C}"}) {
        EXPECT_FALSE(check_macro_string(text, MacroUse::DomainSpec)) << text;
        EXPECT_TRUE(check_macro_string(text, MacroUse::Explanation)) << text;
        EXPECT_TRUE(check_macro_string(text, MacroUse::UnknownModifier)) << text;
    }
    EXPECT_FALSE(check_macro_string("The %{x}-files.", MacroUse::Explanation));
    EXPECT_TRUE(check_macro_string("See %{d}. Or not.", MacroUse::Explanation));
    EXPECT_TRUE(check_macro_string("", MacroUse::UnknownModifier));
}

TEST(SpfMacro, DomainSpecMustEndInTopLabelOrMacro)
{
    for (const char* good :
         {"example.com", "example.com.", "%{d}", "%{d}.example.com", "x.%{d2}",
          "foo:bar/baz.example.com", "a.xn--zckzah", "a.1-2", "%{i}%%", ".com"}) {
        EXPECT_TRUE(check_domain_spec(good)) << good;
    }
    for (const char* bad : {"", "museum", "museum.", ".", "foo-bar", "%{d}.", "%{d}com",
                            "example.123", "example.-com", "example.com-", "example.com:8080",
                            "example.c_m", "%{d}.example.com..", "%{c}.example.com"}) {
        EXPECT_FALSE(check_domain_spec(bad)) << bad;
    }
}

TEST(SpfMacro, DomainSpecsAreTruncatedFromTheLeft)
{
    MacroValues values = example_values();
    set_sender(values, "test@somewhat.long.exp.example.com");
    // The suite's domain-name-truncation: 258 octets lose "foobar." (§7.3).
    Result<std::string> name =
        expand_domain_spec("foobar.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.example.com", values);
    ASSERT_TRUE(name) << name.error().to_string();
    std::string want;
    for (int i = 0; i < 8; ++i) {
        want += "somewhat.long.exp.example.com.";
    }
    want += "example.com";
    EXPECT_EQ(*name, want);
    EXPECT_LE(name->size(), 253u);
    // A trailing dot goes (trailing-dot-domain).
    EXPECT_EQ(*expand_domain_spec("%{d}.", values), "email.example.com");
    EXPECT_EQ(*expand_domain_spec("o.spf.example.com.", values), "o.spf.example.com");
    // A single label over 253 octets leaves nothing DNS could hold.
    MacroValues long_label = values;
    std::string long_sender(300, 'x');
    long_sender += "@example.com";
    set_sender(long_label, long_sender);
    EXPECT_EQ(*expand_domain_spec("%{l}", long_label), "");
}

TEST(SpfMacro, ExpansionIsBounded)
{
    MacroValues values = example_values();
    std::string sender(1000, 'a');
    sender += "@example.com";
    set_sender(values, sender);
    std::string text;
    for (int i = 0; i < 40; ++i) {
        text += "%{l}";
    }
    Result<std::string> out = expand_macros(text, values, MacroUse::DomainSpec);
    ASSERT_FALSE(out);
    EXPECT_EQ(out.error().code, Errc::Limit);
}

TEST(SpfMacro, FindsLetters)
{
    EXPECT_TRUE(uses_macro_letter("connect from %{p}", 'p'));
    EXPECT_TRUE(uses_macro_letter("%{P2r}.example.com", 'p'));
    EXPECT_FALSE(uses_macro_letter("%{d}.p.example.com %%{p}", 'p'));
}

}  // namespace
}  // namespace harbor::auth::spf
