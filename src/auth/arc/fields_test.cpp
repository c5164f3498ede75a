// Unit tests for the ARC field parsers (RFC 8617 §4.1.1-§4.1.3, §4.2.1), the chain collection
// (§5.2 steps 1-3) and the field writers: tables of inputs with the expected value or error.
#include "auth/arc/fields.hpp"

#include <gtest/gtest.h>

#include "auth/arc/chain.hpp"
#include "auth/arc/format.hpp"
#include "auth/dkim/tag_list.hpp"
#include "mime/header.hpp"

namespace harbor::auth::arc {
namespace {

constexpr std::string_view b64 = "dGVzdHNpZ25hdHVyZQ==";
constexpr std::string_view bh = "KWSe46TZKCcDbH4klJPo+tjk5LWJnVRlP5pvjXFZYLQ=";

struct ErrorCase {
    std::string name;
    std::string value;
    Errc code;
};

TEST(ArcFields, Instance)
{
    EXPECT_EQ(parse_instance("1").value_or(0), 1u);
    EXPECT_EQ(parse_instance("50").value_or(0), 50u);
    EXPECT_EQ(parse_instance("07").value_or(0), 7u);  // 1*2DIGIT
    for (const std::string_view bad : {"0", "00", "51", "99", "001", "", "a", "1a", "-1", " 1"}) {
        EXPECT_FALSE(parse_instance(bad)) << bad;
    }
}

TEST(ArcFields, SealParses)
{
    const std::string value =
        " i=2; a=rsa-sha256; t=12345; cv=Pass;\r\n d=example.org;"
        " s=sel; xunknown=yes; b=" +
        std::string(b64);
    Result<Seal> seal = parse_seal(value);
    ASSERT_TRUE(seal) << seal.error().to_string();
    EXPECT_EQ(seal->instance, 2u);
    EXPECT_EQ(seal->cv, ChainStatus::Pass);  // ABNF strings are case-insensitive
    EXPECT_EQ(seal->signature.algorithm, dkim::Algorithm::RsaSha256);
    EXPECT_EQ(seal->signature.domain, "example.org");
    EXPECT_EQ(seal->signature.selector, "sel");
    EXPECT_EQ(seal->signature.signature, "testsignature");
    EXPECT_EQ(seal->signature.timestamp.value_or(0), 12345u);
    EXPECT_EQ(seal->signature.identity, "@example.org");
    EXPECT_EQ(seal->signature.key_name(), "sel._domainkey.example.org");
    EXPECT_EQ(seal->signature.canonicalization.header, dkim::Canon::Relaxed);
    // i= anywhere, as deployed sealers and the ARC test suite write it.
    EXPECT_TRUE(parse_seal("a=ed25519-sha256; b=" + std::string(b64) +
                           "; cv=none; d=example.org; i=1; s=sel"));
}

TEST(ArcFields, SealErrors)
{
    const std::string base = "a=rsa-sha256; cv=none; d=example.org; s=sel; b=" + std::string(b64);
    const std::vector<ErrorCase> cases = {
        {"no i", base, Errc::Invalid},
        {"i zero", "i=0; " + base, Errc::Invalid},
        {"i 51", "i=51; " + base, Errc::Invalid},
        {"no a", "i=1; cv=none; d=example.org; s=sel; b=" + std::string(b64), Errc::Invalid},
        {"no cv", "i=1; a=rsa-sha256; d=example.org; s=sel; b=" + std::string(b64), Errc::Invalid},
        {"bad cv", "i=1; a=rsa-sha256; cv=ok; d=example.org; s=sel; b=" + std::string(b64),
         Errc::Invalid},
        {"h= present", "i=1; h=from; " + base, Errc::Invalid},
        {"empty b", "i=1; a=rsa-sha256; cv=none; d=example.org; s=sel; b=", Errc::Invalid},
        {"b not base64", "i=1; a=rsa-sha256; cv=none; d=example.org; s=sel; b=%%%", Errc::Invalid},
        {"bad d", "i=1; a=rsa-sha256; cv=none; d=example; s=sel; b=" + std::string(b64),
         Errc::Invalid},
        {"bad t", "i=1; t=12 34; " + base, Errc::Invalid},
        {"duplicate tag", "i=1; i=1; " + base, Errc::Invalid},
        {"empty tag-spec", "i=1;; " + base, Errc::Invalid},
        {"bad tag name", "i=1; _=x; " + base, Errc::Invalid},
        {"unknown a", "i=1; a=rsa-md5; cv=none; d=example.org; s=sel; b=" + std::string(b64),
         Errc::Unsupported},
        {"too long", "i=1; " + base + "; z=" + std::string(40000, 'x'), Errc::Limit},
        {"b too long",
         "i=1; a=rsa-sha256; cv=none; d=example.org; s=sel; b=" + std::string(2000, 'A'),
         Errc::Limit},
    };
    for (const ErrorCase& test : cases) {
        Result<Seal> seal = parse_seal(test.value);
        ASSERT_FALSE(seal) << test.name;
        EXPECT_EQ(seal.error().code, test.code) << test.name << ": " << seal.error().detail;
        EXPECT_FALSE(seal.error().detail.empty());
    }
    // rsa-sha1 parses (so it can be named); the validator refuses it (RFC 8301 §3.1).
    EXPECT_TRUE(
        parse_seal("i=1; a=rsa-sha1; cv=none; d=example.org; s=sel; b=" + std::string(b64)));
}

TEST(ArcFields, MessageSignatureParses)
{
    const std::string value =
        "i=3; a=rsa-sha256; v=9; c=relaxed/simple; d=example.org; s=sel;"
        " t=10; x=20; l=5; q=dns/txt; h=From : to::Subject; bh=" +
        std::string(bh) + "; b=" + std::string(b64);
    Result<MessageSignature> ams = parse_message_signature(value);
    ASSERT_TRUE(ams) << ams.error().to_string();
    EXPECT_EQ(ams->instance, 3u);
    const dkim::Signature& signature = ams->signature;
    EXPECT_EQ(signature.signed_headers, (std::vector<std::string>{"From", "to", "Subject"}));
    EXPECT_EQ(signature.canonicalization.header, dkim::Canon::Relaxed);
    EXPECT_EQ(signature.canonicalization.body, dkim::Canon::Simple);
    EXPECT_EQ(signature.body_length.value_or(0), 5u);
    EXPECT_EQ(signature.expiration.value_or(0), 20u);
    EXPECT_EQ(signature.identity, "@example.org");
    EXPECT_FALSE(signature.identity_given);
    EXPECT_EQ(signature.body_hash.size(), 32u);

    // Without c=: relaxed/relaxed (DEVIATION, fields.hpp); h= may be empty.
    Result<MessageSignature> bare = parse_message_signature(
        "i=1; a=rsa-sha256; d=example.org; s=sel; h=; bh=" + std::string(bh) +
        "; b=" + std::string(b64));
    ASSERT_TRUE(bare) << bare.error().to_string();
    EXPECT_EQ(bare->signature.canonicalization.header, dkim::Canon::Relaxed);
    EXPECT_EQ(bare->signature.canonicalization.body, dkim::Canon::Relaxed);
    EXPECT_TRUE(bare->signature.signed_headers.empty());
}

TEST(ArcFields, MessageSignatureErrors)
{
    const std::string tail = "bh=" + std::string(bh) + "; b=" + std::string(b64);
    const std::string base = "a=rsa-sha256; d=example.org; s=sel; h=from; ";
    const std::vector<ErrorCase> cases = {
        {"no i", base + tail, Errc::Invalid},
        {"no h", "i=1; a=rsa-sha256; d=example.org; s=sel; " + tail, Errc::Invalid},
        {"no bh", "i=1; " + base + "b=" + std::string(b64), Errc::Invalid},
        {"bh wrong size", "i=1; " + base + "bh=" + std::string(b64) + "; b=" + std::string(b64),
         Errc::Invalid},
        {"h names ARC-Seal", "i=1; a=rsa-sha256; d=example.org; s=sel; h=from:arc-seal; " + tail,
         Errc::Invalid},
        {"bad header name", "i=1; a=rsa-sha256; d=example.org; s=sel; h=fr om; " + tail,
         Errc::Invalid},
        {"empty c", "i=1; c=; " + base + tail, Errc::Invalid},
        {"unknown c", "i=1; c=fancy; " + base + tail, Errc::Unsupported},
        {"x before t", "i=1; t=20; x=10; " + base + tail, Errc::Invalid},
        {"q without dns/txt", "i=1; q=http; " + base + tail, Errc::Unsupported},
        {"bad l", "i=1; l=x; " + base + tail, Errc::Invalid},
        {"too many h names",
         "i=1; a=rsa-sha256; d=example.org; s=sel; h=" +
             [] {
                 std::string names = "a";
                 for (int i = 0; i < 300; ++i) {
                     names += ":a";
                 }
                 return names;
             }() +
             "; " + tail,
         Errc::Limit},
    };
    for (const ErrorCase& test : cases) {
        Result<MessageSignature> ams = parse_message_signature(test.value);
        ASSERT_FALSE(ams) << test.name;
        EXPECT_EQ(ams.error().code, test.code) << test.name << ": " << ams.error().detail;
    }
}

TEST(ArcFields, AuthenticationResults)
{
    Result<AuthenticationResults> plain = parse_authentication_results(
        " i=1; lists.example.org;\r\n spf=pass smtp.mfrom=a@b.example ");
    ASSERT_TRUE(plain) << plain.error().to_string();
    EXPECT_EQ(plain->instance, 1u);
    EXPECT_EQ(plain->authserv_id, "lists.example.org");
    EXPECT_EQ(plain->payload, "lists.example.org;\r\n spf=pass smtp.mfrom=a@b.example");

    Result<AuthenticationResults> cfws = parse_authentication_results(
        "(first (nested \\) ) hop) i (x) = 12 (y) ; \"mx.example\"; none");
    ASSERT_TRUE(cfws) << cfws.error().to_string();
    EXPECT_EQ(cfws->instance, 12u);
    EXPECT_EQ(cfws->authserv_id, "mx.example");

    const std::vector<ErrorCase> cases = {
        {"i not first", "lists.example.org; i=1; spf=pass", Errc::Invalid},
        {"no semicolon", "i=1 lists.example.org; spf=pass", Errc::Invalid},
        {"upper-case I", "I=1; lists.example.org; none", Errc::Invalid},
        {"i zero", "i=0; lists.example.org; none", Errc::Invalid},
        {"i too big", "i=51; lists.example.org; none", Errc::Invalid},
        {"i three digits", "i=001; lists.example.org; none", Errc::Invalid},
        {"no authserv-id", "i=1;  ", Errc::Invalid},
        {"unclosed comment", "(i=1; x", Errc::Invalid},
        {"too long", "i=1; x.example; " + std::string(20000, 'a'), Errc::Limit},
    };
    for (const ErrorCase& test : cases) {
        Result<AuthenticationResults> results = parse_authentication_results(test.value);
        ASSERT_FALSE(results) << test.name;
        EXPECT_EQ(results.error().code, test.code) << test.name << ": " << results.error().detail;
    }
}

TEST(ArcFields, InstanceOnlyAndPeek)
{
    EXPECT_EQ(parse_field_instance(FieldKind::Seal, "i=4; a=nonsense").value_or(0), 4u);
    EXPECT_EQ(parse_field_instance(FieldKind::MessageSignature, "x=1; i=9").value_or(0), 9u);
    EXPECT_EQ(parse_field_instance(FieldKind::Results, "i=3; x.example; none").value_or(0), 3u);
    EXPECT_FALSE(parse_field_instance(FieldKind::Seal, "i=4;; a=x"));
    EXPECT_FALSE(parse_field_instance(FieldKind::Results, "x.example; i=3"));
    EXPECT_EQ(peek_seal_status("i=2; cv=fail; garbage=here"), ChainStatus::Fail);
    EXPECT_EQ(peek_seal_status("i=2; cv=none"), ChainStatus::None);
    EXPECT_EQ(peek_seal_status("i=2; cv=maybe"), std::nullopt);
    EXPECT_EQ(peek_seal_status("i=2; cv=fail;;"), std::nullopt);
    EXPECT_EQ(arc_field_kind("arc-SEAL"), FieldKind::Seal);
    EXPECT_EQ(arc_field_kind("ARC-Authentication-Results"), FieldKind::Results);
    EXPECT_EQ(arc_field_kind("Authentication-Results"), std::nullopt);
}

// A header made of "Name: value" lines; the block keeps views into `text`.
struct Header {
    std::string text;
    mime::HeaderBlock block;
    explicit Header(std::string lines)
        : text(std::move(lines) + "\r\n"), block(mime::parse_header_block(text, 0, mime::Limits{}))
    {
    }
};

std::string set_lines(unsigned instance, std::string_view cv = "")
{
    const std::string i = std::to_string(instance);
    const std::string status = cv.empty() ? (instance == 1 ? "none" : "pass") : std::string(cv);
    return "ARC-Seal: i=" + i + "; cv=" + status + "\r\nARC-Message-Signature: i=" + i +
           "; h=from\r\nARC-Authentication-Results: i=" + i + "; x.example; none\r\n";
}

TEST(ArcChain, Structure)
{
    struct Case {
        std::string name;
        std::string header;
        unsigned highest;
        bool terminated;
        std::string problem;  // a piece of the expected problem; "" for a well-formed chain
    };
    std::string fifty_one;
    for (unsigned k = 51; k > 0; --k) {
        fifty_one += set_lines(std::min(k, 50u));
    }
    const std::vector<Case> cases = {
        {"no ARC", "From: a@b.example\r\n", 0, false, ""},
        {"one set", set_lines(1) + "From: a@b.example\r\n", 1, false, ""},
        {"two sets", set_lines(2) + set_lines(1), 2, false, ""},
        {"sets in any order",
         "ARC-Seal: i=1; cv=none\r\n" + set_lines(2) +
             "ARC-Authentication-Results: i=1; x.example; none\r\n"
             "ARC-Message-Signature: i=1; h=a\r\n",
         2, false, ""},
        {"gap", set_lines(3) + set_lines(1), 3, false, "ARC set 2 has no"},
        {"missing AMS",
         "ARC-Seal: i=1; cv=none\r\nARC-Authentication-Results: i=1; x.example;"
         " none\r\n",
         1, false, "has no ARC-Message-Signature"},
        {"duplicate AAR", set_lines(1) + "ARC-Authentication-Results: i=1; y.example; none\r\n", 1,
         false, "two ARC-Authentication-Results"},
        {"unreadable i", set_lines(1) + "ARC-Seal: i=x; cv=pass\r\n", 1, false,
         "without a valid i="},
        {"terminated", set_lines(2, "fail") + set_lines(1), 2, true, ""},
        {"older fail is not terminated", set_lines(2) + set_lines(1, "fail"), 2, false, ""},
        {"more than 50 sets", fifty_one, 50, false, "more than 50 ARC sets"},
    };
    for (const Case& test : cases) {
        const Header header(test.header);
        const Chain chain = collect_chain(header.block.fields);
        EXPECT_EQ(chain.highest, test.highest) << test.name;
        EXPECT_EQ(chain.terminated, test.terminated) << test.name;
        if (test.problem.empty()) {
            EXPECT_EQ(chain.problem, "") << test.name;
            EXPECT_EQ(chain.sets.size(), test.highest) << test.name;
        } else {
            EXPECT_NE(chain.problem.find(test.problem), std::string::npos)
                << test.name << ": " << chain.problem;
            EXPECT_TRUE(chain.sets.empty()) << test.name;
        }
    }
}

TEST(ArcChain, SealHashInputOrderAndStripping)
{
    const Header header(set_lines(2) + set_lines(1));
    const Chain chain = collect_chain(header.block.fields);
    ASSERT_EQ(chain.sets.size(), 2u);
    const std::vector<std::string_view> fields = sealed_fields(header.text, chain.sets, 2);
    ASSERT_EQ(fields.size(), 6u);
    EXPECT_TRUE(fields[0].starts_with("ARC-Authentication-Results: i=1"));
    EXPECT_TRUE(fields[1].starts_with("ARC-Message-Signature: i=1"));
    EXPECT_TRUE(fields[2].starts_with("ARC-Seal: i=1"));
    EXPECT_TRUE(fields[5].starts_with("ARC-Seal: i=2"));
    const std::string input = seal_hash_input(
        {"ARC-Seal:  i=1;\r\n\tb=abc\r\n def\r\n", "ARC-Seal: i=2; cv=pass; b=xyz\r\n"});
    EXPECT_EQ(input, "arc-seal:i=1; b=abc def\r\narc-seal:i=2; cv=pass; b=");
}

TEST(ArcFormat, FieldLayouts)
{
    const std::vector<TagValue> tags = {{"i", "1"},           {"a", "rsa-sha256"}, {"cv", "none"},
                                        {"d", "example.org"}, {"s", "sel"},        {"t", "12345"}};
    const std::string signature(200, 'A');
    const std::string rfc = format_signature_field("ARC-Seal", tags, TagOrder::Rfc8617, signature);
    EXPECT_TRUE(rfc.starts_with("ARC-Seal: i=1; a=rsa-sha256;")) << rfc;
    std::size_t line_start = 0;
    while (line_start < rfc.size()) {
        const std::size_t end = rfc.find("\r\n", line_start);
        const std::size_t length = (end == std::string::npos ? rfc.size() : end) - line_start;
        EXPECT_LE(length, 78u) << rfc;
        line_start = end == std::string::npos ? rfc.size() : end + 2;
    }
    EXPECT_EQ(dkim::remove_fws(rfc.substr(rfc.find("b=") + 2)), signature);
    EXPECT_EQ(format_signature_field("ARC-Seal", tags, TagOrder::TestSuite, "SIG"),
              "ARC-Seal: a=rsa-sha256; b=SIG; cv=none; d=example.org; i=1; s=sel; t=12345");
    EXPECT_EQ(format_signature_field("ARC-Seal", tags, TagOrder::TestSuite, ""),
              "ARC-Seal: a=rsa-sha256; b=; cv=none; d=example.org; i=1; s=sel; t=12345");

    const std::vector<TagValue> with_h = {
        {"i", "1"}, {"h", std::string(40, 'x') + ":" + std::string(40, 'y') + ":z"}};
    const std::string folded =
        format_signature_field("ARC-Message-Signature", with_h, TagOrder::Rfc8617, "");
    EXPECT_NE(folded.find(":\r\n y"), std::string::npos) << folded;
    EXPECT_TRUE(folded.ends_with(":z;\r\n b=") || folded.ends_with(":z; b=")) << folded;
}

TEST(ArcFormat, FoldAtSpacesUnfoldsBack)
{
    const std::vector<std::string> texts = {
        "ARC-Authentication-Results: i=1; mx.example; arc=none; spf=pass smtp.mailfrom=a.example;"
        " dkim=pass header.d=a.example header.s=sel header.b=abcdefgh; dmarc=pass "
        "header.from=a.example",
        "short",
        "X: " + std::string(200, 'a') + " b",                   // a word longer than a line
        "X: a  b   c" + std::string(100, ' ') + "d",            // runs of spaces
        "X: one;\r\n  two " + std::string(90, 'c') + " three",  // an existing fold
    };
    for (const std::string& text : texts) {
        const std::string folded = fold_at_spaces(text);
        EXPECT_EQ(mime::unfold(folded), mime::unfold(text));
        std::size_t start = 0;
        while (start <= folded.size()) {
            std::size_t end = folded.find("\r\n", start);
            end = end == std::string::npos ? folded.size() : end;
            const std::string_view line = std::string_view(folded).substr(start, end - start);
            EXPECT_NE(line.find_first_not_of(" \t"), std::string_view::npos)
                << "a line of whitespace only in " << folded;
            start = end + 2;
        }
    }
    EXPECT_NE(fold_at_spaces(texts[0]).find("\r\n "), std::string::npos);
}

}  // namespace
}  // namespace harbor::auth::arc
