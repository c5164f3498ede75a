// Unit tests for auth/dkim/tag_list and signature: the tag-list grammar of RFC 6376 §3.2
// (FWS, duplicates, trailing ";"), DKIM-Quoted-Printable (§2.11), and every DKIM-Signature tag
// of §3.5 with the §6.1.1 refusals; each case also fed with the value folded.
#include "auth/dkim/signature.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "auth/dkim/tag_list.hpp"

namespace harbor::auth::dkim {
namespace {

// A minimal valid signature value; tests add or replace tags after it.
constexpr std::string_view base_tags =
    "v=1; a=rsa-sha256; d=example.com; s=sel; h=From:To; "
    "bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA";

Result<Signature> parse_with(std::string_view extra)
{
    return parse_signature(std::string(base_tags) + std::string(extra));
}

TEST(DkimTagList, SplitsTrimsAndKeepsInnerWhitespace)
{
    Result<std::vector<Tag>> tags = parse_tag_list(" a = 1 ;\r\n\tb=x  y;c=;");
    ASSERT_TRUE(tags) << tags.error().to_string();
    ASSERT_EQ(tags->size(), 3u);
    EXPECT_EQ((*tags)[0].name, "a");
    EXPECT_EQ((*tags)[0].value, "1");
    EXPECT_EQ((*tags)[1].value, "x  y");  // §3.2: "WSP inside the value is significant"
    EXPECT_EQ((*tags)[2].value, "");      // an empty value is not an omitted tag
    EXPECT_EQ(find_tag(*tags, "c")->value, "");
    EXPECT_EQ(find_tag(*tags, "d"), nullptr);
}

TEST(DkimTagList, RefusesBrokenLists)
{
    struct Case {
        std::string_view name;
        std::string_view text;
        Errc code;
    };
    const Case cases[] = {
        {"empty", "", Errc::Invalid},
        {"only separator", ";", Errc::Invalid},
        {"empty spec in the middle", "a=1;;b=2", Errc::Invalid},
        {"no equals", "a=1; b", Errc::Invalid},
        {"duplicate", "a=1; b=2; a=3", Errc::Invalid},  // "the entire tag-list is invalid"
        {"name starts with digit", "1a=1", Errc::Invalid},
        {"name with hyphen", "a-b=1", Errc::Invalid},
        {"control character", std::string_view("a=x\x01y", 5), Errc::Invalid},
        {"DEL", "a=x\x7fy", Errc::Invalid},
    };
    for (const Case& c : cases) {
        Result<std::vector<Tag>> tags = parse_tag_list(c.text);
        ASSERT_FALSE(tags) << c.name;
        EXPECT_EQ(tags.error().code, c.code) << c.name;
    }
    std::string many;
    for (int i = 0; i < 65; ++i) {
        many += "t" + std::to_string(i) + "=1;";
    }
    Result<std::vector<Tag>> limited = parse_tag_list(many);
    ASSERT_FALSE(limited);
    EXPECT_EQ(limited.error().code, Errc::Limit);
    EXPECT_TRUE(parse_tag_list(many, 65));
}

TEST(DkimTagList, TagNamesAreCaseSensitive)
{
    Result<std::vector<Tag>> tags = parse_tag_list("V=1; v=2");
    ASSERT_TRUE(tags);  // "V" and "v" are different tags (§3.2)
    EXPECT_EQ(find_tag(*tags, "v")->value, "2");
}

TEST(DkimTagList, QuotedPrintableAndLists)
{
    EXPECT_EQ(*decode_quoted_printable("joe=20user=3B@ex\r\n ample.com"), "joe user;@example.com");
    EXPECT_FALSE(decode_quoted_printable("a=4"));
    EXPECT_FALSE(decode_quoted_printable("a=ZZ"));
    EXPECT_EQ(remove_fws("ab c\r\n\td"), "abcd");
    EXPECT_EQ(split_list(" from : to\r\n :subject "),
              (std::vector<std::string_view>{"from", "to", "subject"}));
    EXPECT_EQ(split_list("a::b"), (std::vector<std::string_view>{"a", "", "b"}));
}

TEST(DkimSignature, ParsesTheRfc8463Example)
{
    const std::string value =
        " v=1; a=ed25519-sha256; c=relaxed/relaxed;\r\n"
        " d=football.example.com; i=@football.example.com;\r\n"
        " q=dns/txt; s=brisbane; t=1528637909; h=from : to :\r\n"
        " subject : date : message-id : from : subject : date;\r\n"
        " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
        " b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus\r\n"
        " Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==";
    Result<Signature> signature = parse_signature(value);
    ASSERT_TRUE(signature) << signature.error().to_string();
    EXPECT_EQ(signature->algorithm, Algorithm::Ed25519Sha256);
    EXPECT_EQ(signature->canonicalization, (Canonicalization{Canon::Relaxed, Canon::Relaxed}));
    EXPECT_EQ(signature->domain, "football.example.com");
    EXPECT_EQ(signature->selector, "brisbane");
    EXPECT_EQ(signature->identity, "@football.example.com");
    EXPECT_TRUE(signature->identity_given);
    EXPECT_EQ(signature->timestamp, 1528637909u);
    EXPECT_EQ(signature->signed_headers,
              (std::vector<std::string>{"from", "to", "subject", "date", "message-id", "from",
                                        "subject", "date"}));
    EXPECT_EQ(signature->signature.size(), 64u);  // an Ed25519 signature (RFC 8032 §5.1.6)
    EXPECT_EQ(signature->body_hash.size(), 32u);
    EXPECT_EQ(signature->key_name(), "brisbane._domainkey.football.example.com");
}

TEST(DkimSignature, Defaults)
{
    Result<Signature> signature = parse_with("");
    ASSERT_TRUE(signature) << signature.error().to_string();
    EXPECT_EQ(signature->canonicalization, (Canonicalization{Canon::Simple, Canon::Simple}));
    EXPECT_EQ(signature->identity, "@example.com");  // §3.5 i= default
    EXPECT_FALSE(signature->identity_given);
    EXPECT_FALSE(signature->body_length);
    EXPECT_FALSE(signature->timestamp);
    EXPECT_FALSE(signature->expiration);
    // c= with one name: that one for the header, simple for the body.
    EXPECT_EQ(parse_with("; c=relaxed")->canonicalization,
              (Canonicalization{Canon::Relaxed, Canon::Simple}));
    EXPECT_EQ(parse_with("; c=simple/relaxed")->canonicalization,
              (Canonicalization{Canon::Simple, Canon::Relaxed}));
}

TEST(DkimSignature, OptionalTags)
{
    Result<Signature> signature = parse_with(
        "; i=jo=3Dhn@mail.example.com; l=120; q=foo/bar:dns/txt; t=100; x=200; "
        "z=From:a@b|Subject:hi=20there; r=y; unknown_tag=anything");
    ASSERT_TRUE(signature) << signature.error().to_string();
    EXPECT_EQ(signature->identity, "jo=hn@mail.example.com");
    EXPECT_EQ(signature->identity_domain(), "mail.example.com");
    EXPECT_EQ(signature->body_length, 120u);
    EXPECT_EQ(signature->timestamp, 100u);
    EXPECT_EQ(signature->expiration, 200u);
    EXPECT_EQ(signature->copied_headers,
              (std::vector<std::string>{"From:a@b", "Subject:hi there"}));
    // 76-digit l= saturates rather than overflowing (§3.5 l= note).
    EXPECT_EQ(parse_with("; l=" + std::string(76, '9'))->body_length, UINT64_MAX);
    // rsa-sha1 parses (so the verifier can name it) with a SHA-1 sized bh=.
    Result<Signature> sha1 = parse_signature(
        "v=1; a=rsa-sha1; d=example.com; s=sel; h=from; bh=uoq1oCgLlTqpdDX/iUbLy7J1Wic=; b=AAAA");
    ASSERT_TRUE(sha1) << sha1.error().to_string();
    EXPECT_EQ(sha1->algorithm, Algorithm::RsaSha1);
}

TEST(DkimSignature, Refusals)
{
    struct Case {
        std::string_view name;
        std::string value;
        Errc code;
        std::string_view detail;  // a piece of the §6.1.1 reason
    };
    const std::string bh = "bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
    const std::string rest = "d=example.com; s=sel; h=from; " + bh + "; b=AAAA";
    const Case cases[] = {
        {"missing v", "a=rsa-sha256; " + rest, Errc::Invalid, "missing required tag v="},
        {"missing a", "v=1; " + rest, Errc::Invalid, "missing required tag a="},
        {"missing b", "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; " + bh, Errc::Invalid,
         "tag b="},
        {"missing bh", "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; b=AAAA", Errc::Invalid,
         "tag bh="},
        {"missing d", "v=1; a=rsa-sha256; s=sel; h=from; " + bh + "; b=AAAA", Errc::Invalid,
         "tag d="},
        {"missing h", "v=1; a=rsa-sha256; d=example.com; s=sel; " + bh + "; b=AAAA", Errc::Invalid,
         "tag h="},
        {"missing s", "v=1; a=rsa-sha256; d=example.com; h=from; " + bh + "; b=AAAA", Errc::Invalid,
         "tag s="},
        {"version 2", "v=2; a=rsa-sha256; " + rest, Errc::Unsupported, "incompatible version"},
        {"version 1.0", "v=1.0; a=rsa-sha256; " + rest, Errc::Invalid, "v="},
        {"unknown algorithm", "v=1; a=rsa-sha512; " + rest, Errc::Unsupported, "algorithm"},
        {"unknown canon", "v=1; a=rsa-sha256; c=fancy/simple; " + rest, Errc::Unsupported,
         "canonicalization"},
        {"empty canon", "v=1; a=rsa-sha256; c=/simple; " + rest, Errc::Invalid, "c="},
        {"no dns/txt", "v=1; a=rsa-sha256; q=http/well-known; " + rest, Errc::Unsupported,
         "query method"},
        {"from not signed",
         "v=1; a=rsa-sha256; d=example.com; s=sel; h=to:subject; " + bh + "; b=AAAA", Errc::Invalid,
         "From field not signed"},
        {"empty h item", "v=1; a=rsa-sha256; d=example.com; s=sel; h=from::to; " + bh + "; b=AAAA",
         Errc::Invalid, "h="},
        {"i outside d", "v=1; a=rsa-sha256; i=@other.com; " + rest, Errc::Invalid,
         "domain mismatch"},
        {"i suffix but not subdomain", "v=1; a=rsa-sha256; i=@badexample.com; " + rest,
         Errc::Invalid, "domain mismatch"},
        {"i without at", "v=1; a=rsa-sha256; i=example.com; " + rest, Errc::Invalid, "i="},
        {"x before t", "v=1; a=rsa-sha256; t=200; x=100; " + rest, Errc::Invalid, "x="},
        {"t too long", "v=1; a=rsa-sha256; t=1234567890123; " + rest, Errc::Invalid, "t="},
        {"l not a number", "v=1; a=rsa-sha256; l=12a; " + rest, Errc::Invalid, "l="},
        {"l too long", "v=1; a=rsa-sha256; l=" + std::string(77, '1') + "; " + rest, Errc::Invalid,
         "l="},
        {"b not base64", "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; " + bh + "; b=A*AA",
         Errc::Invalid, "b="},
        {"empty b",
         "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; " + bh + "; b=", Errc::Invalid, "b="},
        {"short bh", "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA",
         Errc::Invalid, "bh="},
        {"bad domain", "v=1; a=rsa-sha256; d=example.com\xe9; s=sel; h=from; " + bh + "; b=AAAA",
         Errc::Invalid, "d="},
        {"single label domain", "v=1; a=rsa-sha256; d=com; s=sel; h=from; " + bh + "; b=AAAA",
         Errc::Invalid, "d="},
        {"bad selector", "v=1; a=rsa-sha256; d=example.com; s=a..b; h=from; " + bh + "; b=AAAA",
         Errc::Invalid, "s="},
        {"duplicate tag", "v=1; a=rsa-sha256; a=rsa-sha256; " + rest, Errc::Invalid, "duplicate"},
        {"bad z", "v=1; a=rsa-sha256; z=nocolon; " + rest, Errc::Invalid, "z="},
    };
    for (const Case& c : cases) {
        Result<Signature> signature = parse_signature(c.value);
        ASSERT_FALSE(signature) << c.name;
        EXPECT_EQ(signature.error().code, c.code) << c.name << ": " << signature.error().detail;
        EXPECT_NE(signature.error().detail.find(c.detail), std::string::npos)
            << c.name << ": " << signature.error().detail;
    }
}

TEST(DkimSignature, Limits)
{
    SignatureLimits limits;
    limits.max_field = 64;
    Result<Signature> long_field = parse_signature(std::string(base_tags), limits);
    ASSERT_FALSE(long_field);
    EXPECT_EQ(long_field.error().code, Errc::Limit);

    limits = SignatureLimits{};
    limits.max_signed_headers = 3;
    Result<Signature> names = parse_signature(
        "v=1; a=rsa-sha256; d=example.com; s=sel; h=from:to:cc:date; "
        "bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA",
        limits);
    ASSERT_FALSE(names);
    EXPECT_EQ(names.error().code, Errc::Limit);

    limits = SignatureLimits{};
    limits.max_signature_octets = 6;
    Result<Signature> big = parse_signature(std::string(base_tags) + "AAAAAAAA", limits);
    ASSERT_FALSE(big);
    EXPECT_EQ(big.error().code, Errc::Limit);
}

TEST(DkimSignature, DomainHelpers)
{
    EXPECT_TRUE(within_domain("mail.Example.COM", "example.com"));
    EXPECT_TRUE(within_domain("example.com", "EXAMPLE.com"));
    EXPECT_FALSE(within_domain("badexample.com", "example.com"));
    EXPECT_FALSE(within_domain("com", "example.com"));
    EXPECT_TRUE(is_dns_name("s1024-2013-q3", 1));
    EXPECT_TRUE(is_dns_name("google_2012.sel", 1));
    EXPECT_FALSE(is_dns_name("-bad", 1));
    EXPECT_FALSE(is_dns_name("example.com.", 2));
    std::string long_label(64, 'a');
    long_label += ".com";
    EXPECT_FALSE(is_dns_name(long_label, 2));
}

}  // namespace
}  // namespace harbor::auth::dkim
