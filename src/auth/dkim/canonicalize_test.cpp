// Unit tests for auth/dkim/canonicalize, digest and header_hash: the examples of RFC 6376
// §3.4.5, the empty-body hashes of §3.4.3 and §3.4.4, bodies fed one byte at a time (the
// streaming canonicalizer must give the same bytes), l= (§3.5), bare LF line ends (§5.3), b=
// removal (§3.7), bottom-up selection (§5.4.2), and OpenDKIM's canonical form from
// opendkim-tests/opendkim/tests/t-verify-report.txt.
#include "auth/dkim/canonicalize.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "auth/dkim/digest.hpp"
#include "auth/dkim/header_hash.hpp"
#include "core/base64.hpp"

namespace harbor::auth::dkim {
namespace {

std::string header(Canon canon, std::string_view field)
{
    std::string out;
    canonicalize_header(canon, field, FieldEnd::Crlf, out);
    return out;
}

std::string body_byte_by_byte(Canon canon, std::string_view body)
{
    struct Sink final : CanonicalSink {
        std::string text;
        void write(std::string_view bytes) override { text.append(bytes); }
    } sink;
    BodyCanonicalizer canonicalizer(canon, sink);
    for (const char c : body) {
        canonicalizer.update(std::string_view(&c, 1));
    }
    canonicalizer.finish();
    return sink.text;
}

// RFC 6376 §3.4.5 example 1: "A: <SP> X <CRLF> B <SP> : <SP> Y <HTAB><CRLF> <HTAB> Z <SP><SP>
// <CRLF> <CRLF> <SP> C <SP><CRLF> D <SP><HTAB><SP> E <CRLF> <CRLF> <CRLF>".
constexpr std::string_view example_a = "A: X\r\n";
constexpr std::string_view example_b = "B : Y\t\r\n\tZ  \r\n";
constexpr std::string_view example_body = " C \r\nD \t E\r\n\r\n\r\n";

TEST(DkimCanonicalize, Rfc6376Examples)
{
    EXPECT_EQ(header(Canon::Relaxed, example_a), "a:X\r\n");
    EXPECT_EQ(header(Canon::Relaxed, example_b), "b:Y Z\r\n");
    EXPECT_EQ(canonicalize_body(Canon::Relaxed, example_body), " C\r\nD E\r\n");
    EXPECT_EQ(header(Canon::Simple, example_a), example_a);
    EXPECT_EQ(header(Canon::Simple, example_b), example_b);
    EXPECT_EQ(canonicalize_body(Canon::Simple, example_body), " C \r\nD \t E\r\n");
}

TEST(DkimCanonicalize, HeaderDetails)
{
    // Bare LF is a line end (§5.3) in either form; simple keeps everything else.
    EXPECT_EQ(header(Canon::Simple, "Subject: a\n b\n"), "Subject: a\r\n b\r\n");
    EXPECT_EQ(header(Canon::Simple, "Subject: a"), "Subject: a\r\n");
    EXPECT_EQ(header(Canon::Relaxed, "SUBJect:\t  AbC  \r\n"), "subject:AbC\r\n");
    EXPECT_EQ(header(Canon::Relaxed, "X-Empty:   \r\n"), "x-empty:\r\n");
    EXPECT_EQ(header(Canon::Relaxed, "To: a,\r\n\r\n b\r\n"), "to:a, b\r\n");
    std::string no_end;
    canonicalize_header(Canon::Relaxed, "DKIM-Signature: v=1;\r\n b=", FieldEnd::None, no_end);
    EXPECT_EQ(no_end, "dkim-signature:v=1; b=");
}

TEST(DkimCanonicalize, BodyDetails)
{
    struct Case {
        std::string_view name;
        std::string_view body;
        std::string_view simple;
        std::string_view relaxed;
    };
    const Case cases[] = {
        {"empty", "", "\r\n", ""},
        {"only empty lines", "\r\n\r\n\r\n", "\r\n", ""},
        {"only whitespace lines", " \r\n\t\r\n", " \r\n\t\r\n", ""},
        {"no final line end", "abc", "abc\r\n", "abc\r\n"},
        {"bare LF", "a\nb\n\n", "a\r\nb\r\n", "a\r\nb\r\n"},
        {"lone CR kept", "a\rb\r\n", "a\rb\r\n", "a\rb\r\n"},
        {"CR at the very end", "a\r", "a\r\r\n", "a\r\r\n"},
        {"CR CR LF", "a\r\r\n", "a\r\r\n", "a\r\r\n"},
        {"inner empty lines kept", "a\r\n\r\n\r\nb\r\n", "a\r\n\r\n\r\nb\r\n",
         "a\r\n\r\n\r\nb\r\n"},
        {"whitespace runs", "a \t b\t\r\n", "a \t b\t\r\n", "a b\r\n"},
        {"leading whitespace", "\t\ta\r\n", "\t\ta\r\n", " a\r\n"},
        {"trailing spaces then empty", "a  \r\n  \r\n", "a  \r\n  \r\n", "a\r\n"},
    };
    for (const Case& c : cases) {
        EXPECT_EQ(canonicalize_body(Canon::Simple, c.body), c.simple) << c.name;
        EXPECT_EQ(canonicalize_body(Canon::Relaxed, c.body), c.relaxed) << c.name;
        EXPECT_EQ(body_byte_by_byte(Canon::Simple, c.body), c.simple) << c.name;
        EXPECT_EQ(body_byte_by_byte(Canon::Relaxed, c.body), c.relaxed) << c.name;
    }
}

TEST(DkimCanonicalize, EmptyBodyHashes)
{
    // §3.4.3 and §3.4.4 give the SHA-256 of the empty body under each algorithm.
    EXPECT_EQ(encode_base64(hash_body(Canon::Simple, std::nullopt, "").digest),
              "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=");
    EXPECT_EQ(encode_base64(hash_body(Canon::Relaxed, std::nullopt, "").digest),
              "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    EXPECT_EQ(hash_body(Canon::Simple, std::nullopt, "").canonical_length, 2u);
    EXPECT_EQ(hash_body(Canon::Relaxed, std::nullopt, "\r\n\r\n").canonical_length, 0u);
}

TEST(DkimCanonicalize, BodyLengthLimit)
{
    const std::string body = "Hello  world\r\nsecond line\r\n\r\n";
    const BodyHash full = hash_body(Canon::Relaxed, std::nullopt, body);
    EXPECT_EQ(full.canonical_length, std::string("Hello world\r\nsecond line\r\n").size());
    const BodyHash cut = hash_body(Canon::Relaxed, 5, body);
    EXPECT_EQ(cut.digest, sha256("Hello"));
    EXPECT_EQ(cut.canonical_length, full.canonical_length);  // the tail is counted, not hashed
    EXPECT_EQ(hash_body(Canon::Relaxed, 0, body).digest, sha256(""));
    EXPECT_EQ(hash_body(Canon::Relaxed, 1000, body).digest, full.digest);
}

TEST(DkimCanonicalize, LargeBodyStreams)
{
    // 4 MiB in uneven pieces, with a run of trailing empty lines: same hash as in one piece.
    std::string body;
    for (int i = 0; body.size() < 4 * 1024 * 1024; ++i) {
        body += "line " + std::to_string(i) + " \t with  spaces \r\n";
    }
    body += std::string(100000, '\n');
    for (const Canon canon : {Canon::Simple, Canon::Relaxed}) {
        BodyHasher hasher(canon, std::nullopt);
        for (std::size_t offset = 0; offset < body.size(); offset += 7777) {
            hasher.update(std::string_view(body).substr(offset, 7777));
        }
        const BodyHash streamed = hasher.finish();
        EXPECT_EQ(streamed.digest, sha256(canonicalize_body(canon, body)));
        EXPECT_EQ(streamed.canonical_length, canonicalize_body(canon, body).size());
    }
}

TEST(DkimCanonicalize, RemovesOnlyTheBValue)
{
    EXPECT_EQ(remove_signature_value("DKIM-Signature: v=1; bh=abc; b=xyz; d=e"),
              "DKIM-Signature: v=1; bh=abc; b=; d=e");
    EXPECT_EQ(remove_signature_value("DKIM-Signature: a=1; b =\r\n\tAB CD\r\n EF"),
              "DKIM-Signature: a=1; b =");
    EXPECT_EQ(remove_signature_value("DKIM-Signature: a=1; bh=x"), "DKIM-Signature: a=1; bh=x");
    EXPECT_EQ(without_line_end("X: y\r\n"), "X: y");
    EXPECT_EQ(without_line_end("X: y\n"), "X: y");
}

TEST(DkimHeaderHash, SelectsBottomUp)
{
    const std::string message =
        "Received: A\r\nFrom: x@example.com\r\nReceived: B\r\nreceived: C\r\nSubject: s\r\n\r\n";
    const mime::HeaderBlock block = mime::parse_header_block(message, 0, mime::Limits{});
    const std::vector<const mime::HeaderField*> selected = select_headers(
        block.fields, {"Received", "from", "RECEIVED", "x-missing", "received", "Received"});
    ASSERT_EQ(selected.size(), 6u);
    EXPECT_EQ(selected[0]->value, " C");  // §5.4.2: the physically last instance first
    EXPECT_EQ(selected[1]->value, " x@example.com");
    EXPECT_EQ(selected[2]->value, " B");
    EXPECT_EQ(selected[3], nullptr);
    EXPECT_EQ(selected[4]->value, " A");
    EXPECT_EQ(selected[5], nullptr);  // more names than instances: the null input
    EXPECT_EQ(header_hash_input(message, selected, Canon::Relaxed, "DKIM-Signature: b="),
              "received:C\r\nfrom:x@example.com\r\nreceived:B\r\nreceived:A\r\n"
              "dkim-signature:b=");
}

// OpenDKIM's report of a failed verification carries the canonical header and body it hashed;
// the same message canonicalized here must give the same octets and the same bh=.
TEST(DkimHeaderHash, MatchesOpenDkimReport)
{
    std::ifstream in(std::filesystem::path(HARBOR_TESTDATA_DIR) /
                         "dkim-arc/opendkim-tests/opendkim/tests/t-verify-report.txt",
                     std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    const std::string report = text.str();
    auto extract = [&](std::string_view name) {
        std::size_t start = report.find(name);
        EXPECT_NE(start, std::string::npos) << name;
        start += name.size();
        std::string value;
        for (std::size_t i = start; i < report.size(); ++i) {
            if (report[i] == '\n' && (i + 1 >= report.size() || report[i + 1] != ' ')) {
                break;
            }
            if (report[i] != ' ' && report[i] != '\n' && report[i] != '\r') {
                value.push_back(report[i]);
            }
        }
        return *decode_base64(value);
    };
    const std::string canonical_header = extract("DKIM-Canonicalized-Header: ");
    const std::string canonical_body = extract("DKIM-Canonicalized-Body: ");
    // The rfc822-headers part of the report, then the body the canonical body shows.
    const std::size_t start = report.find("DKIM-Signature: v=1");
    const std::size_t end = report.find("\n\n", start);
    ASSERT_NE(start, std::string::npos);
    std::string message;
    for (std::size_t i = start; i <= end; ++i) {
        if (report[i] == '\n') {
            message.push_back('\r');
        }
        message.push_back(report[i]);
    }
    message += "\r\nThis is a test!\r\n";
    const mime::HeaderBlock block = mime::parse_header_block(message, 0, mime::Limits{});
    Result<Signature> signature = parse_signature(block.fields.front().value);
    ASSERT_TRUE(signature) << signature.error().to_string();
    const std::string input = header_hash_input(
        message, select_headers(block.fields, signature->signed_headers),
        signature->canonicalization.header,
        remove_signature_value(without_line_end(raw_field(message, block.fields.front()))));
    EXPECT_EQ(input, canonical_header);
    const std::string body = message.substr(block.length);
    EXPECT_EQ(canonicalize_body(signature->canonicalization.body, body), canonical_body);
    EXPECT_EQ(hash_body(signature->canonicalization.body, signature->body_length, body).digest,
              signature->body_hash);
}

}  // namespace
}  // namespace harbor::auth::dkim
