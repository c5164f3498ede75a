// DKIM vectors from outside Harbor (shared/testdata/dkim-arc, read-only):
//  - Stalwart mail-auth resources/dkim/001-006 (DNS lines, blank line, message; every
//    signature passes at Unix time 1667843664), as CRLF and as stored (LF);
//  - crosscheck/stalwart-vectors-with-debian-dkimpy.json: dkimpy's results at the real clock;
//  - RFC 8463 Appendix A as published by Stalwart, MimeKit, crymap and dkimpy;
//  - dkimpy's test data: its messages, keys and good and bad key records, Exim's ed25519
//    message;
//  - real-world signed mail whose keys are gone from DNS (see known_gaps).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "auth/dkim/digest.hpp"
#include "auth/dkim/sign.hpp"
#include "auth/dkim/static_zone.hpp"
#include "auth/dkim/verify.hpp"

namespace harbor::auth::dkim {
namespace {

const std::filesystem::path vector_testdata =
    std::filesystem::path(HARBOR_TESTDATA_DIR) / "dkim-arc";
constexpr std::int64_t stalwart_clock = 1667843664;  // README: "fix the clock"

// dkimpy's dkim/tests/data/eximtest.dns (not among the shared files): the key of the Exim
// prototype signature in ed25519test2.msg, served at sed._domainkey.test.ex.
constexpr std::string_view exim_key =
    "v=DKIM1; k=ed25519; p=sPs07Vu29FpHT/80UXUcYHFOHifD4o2ZlP2+XUh9g6E=";

VerifyOptions at(std::int64_t seconds)
{
    VerifyOptions options;
    options.now = std::chrono::system_clock::time_point(std::chrono::seconds(seconds));
    return options;
}

std::size_t count_signatures(std::string_view message)
{
    const mime::HeaderBlock block = mime::parse_header_block(message, 0, mime::Limits{});
    std::size_t count = 0;
    for (const mime::HeaderField& field : block.fields) {
        count += iequals(field.name, "DKIM-Signature") ? 1 : 0;
    }
    return count;
}

struct Vector {
    StaticZone zone;
    std::string message;  // as stored (LF)
};

// Stalwart's layout: "<name> <record>" lines, an empty line, the message.
Vector load_stalwart(const std::filesystem::path& path)
{
    const std::string text = read_file(path);
    const std::size_t split = text.find("\n\n");
    EXPECT_NE(split, std::string::npos) << path;
    Vector vector;
    vector.zone.add_lines(std::string_view(text).substr(0, split));
    vector.message = text.substr(split + 2);
    return vector;
}

std::string describe(const std::vector<SignatureResult>& results)
{
    std::string out;
    for (const SignatureResult& result : results) {
        out += std::string(outcome_name(result.result)) + " d=" + result.domain +
               " s=" + result.selector + " (" + result.reason + ")\n";
    }
    return out;
}

void expect_all(const std::vector<SignatureResult>& results, std::size_t count, Outcome outcome,
                const std::string& what)
{
    EXPECT_EQ(results.size(), count) << what;
    for (const SignatureResult& result : results) {
        EXPECT_EQ(result.result, outcome) << what << "\n" << describe(results);
    }
}

TEST(DkimVectors, Stalwart)
{
    for (int number = 1; number <= 6; ++number) {
        const std::string name = "00" + std::to_string(number) + ".txt";
        Vector vector = load_stalwart(vector_testdata / "stalwart-mail-auth/resources/dkim" / name);
        const std::string crlf = to_crlf(vector.message);
        const std::size_t count = count_signatures(crlf);
        ASSERT_GT(count, 0u) << name;
        expect_all(verify_with_zone(vector.zone, crlf, at(stalwart_clock)), count, Outcome::Pass,
                   name + " (CRLF)");
        // Bare LF line ends are line ends (RFC 6376 §5.3): the stored form verifies as well.
        expect_all(verify_with_zone(vector.zone, vector.message, at(stalwart_clock)), count,
                   Outcome::Pass, name + " (LF)");
    }
}

// dkimpy ran the same vectors at the real clock (crosscheck/README.txt): true where it
// verified, an exception where it refused. Harbor must agree at the real clock too.
TEST(DkimVectors, AgreesWithDkimpyCrosscheck)
{
    const nlohmann::json expected = nlohmann::json::parse(
        read_file(vector_testdata / "crosscheck/stalwart-vectors-with-debian-dkimpy.json"));
    std::size_t compared = 0;
    for (const auto& [key, outcomes] : expected.items()) {
        if (!key.starts_with("stalwart/dkim/")) {
            continue;  // stalwart/arc/*: ARC, a later module
        }
        Vector vector = load_stalwart(vector_testdata / "stalwart-mail-auth/resources/dkim" /
                                      key.substr(std::string("stalwart/dkim/").size()));
        const std::vector<SignatureResult> results =
            verify_with_zone(vector.zone, to_crlf(vector.message), VerifyOptions{});
        ASSERT_EQ(results.size(), outcomes.size()) << key;
        for (std::size_t i = 0; i < results.size(); ++i) {
            if (outcomes[i].is_boolean() && outcomes[i].get<bool>()) {
                EXPECT_EQ(results[i].result, Outcome::Pass) << key << ": " << results[i].reason;
            } else {
                const std::string refusal = outcomes[i].get<std::string>();
                ASSERT_NE(refusal.find("x= value is past"), std::string::npos) << refusal;
                EXPECT_EQ(results[i].result, Outcome::Fail) << key;
                EXPECT_NE(results[i].reason.find("expired"), std::string::npos) << key;
            }
            ++compared;
        }
    }
    EXPECT_EQ(compared, 8u);  // 001-006 hold 8 signatures
}

StaticZone football_zone(const std::string& test_record)
{
    StaticZone zone;
    zone.add_txt("brisbane._domainkey.football.example.com",
                 "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
    zone.add_txt("test._domainkey.football.example.com", test_record);
    return zone;
}

std::string dkimpy_record(const std::string& name)
{
    std::string record = read_file(vector_testdata / "dkimpy-tests/data" / name);
    while (!record.empty() && (record.back() == '\n' || record.back() == '\r')) {
        record.pop_back();
    }
    return record;
}

TEST(DkimVectors, Rfc8463AppendixA)
{
    // RFC 8463 A.2's "test" key is the RSA key of dkimpy's test.txt.
    const std::string rsa_record = dkimpy_record("test.txt");
    for (const std::string name :
         {"rfc-examples/rfc8463-appendixA.crymap.eml", "rfc-examples/rfc8463-appendixA.mimekit.msg",
          "rfc-examples/rfc6376-appendixA.signed.dkimpy.msg",
          "dkimpy-tests/data/rfc6376.signed.msg"}) {
        StaticZone zone = football_zone(rsa_record);
        const std::string message = read_file(vector_testdata / name);
        expect_all(verify_with_zone(zone, to_crlf(message), VerifyOptions{}), 2, Outcome::Pass,
                   name);
        expect_all(verify_with_zone(zone, message, VerifyOptions{}), 2, Outcome::Pass,
                   name + " as stored");
    }
    Vector stalwart =
        load_stalwart(vector_testdata / "rfc-examples/rfc8463-appendixA.stalwart-dns+msg.txt");
    expect_all(verify_with_zone(stalwart.zone, to_crlf(stalwart.message), VerifyOptions{}), 2,
               Outcome::Pass, "stalwart rfc8463");
}

TEST(DkimVectors, DkimpyKeyRecords)
{
    // The RSA signature of rfc6376.signed.msg against each of dkimpy's records for its key.
    struct Case {
        std::string file;
        Outcome result;
    };
    const Case cases[] = {
        {"test.txt", Outcome::Pass},          {"test2.txt", Outcome::Pass},
        {"badk.txt", Outcome::PermError},     {"badversion.txt", Outcome::PermError},
        {"test_bad.txt", Outcome::PermError}, {"test_tlsrpt.txt", Outcome::PermError},
    };
    const std::string message =
        to_crlf(read_file(vector_testdata / "dkimpy-tests/data/rfc6376.signed.msg"));
    for (const Case& c : cases) {
        StaticZone zone = football_zone(dkimpy_record(c.file));
        const std::vector<SignatureResult> results =
            verify_with_zone(zone, message, VerifyOptions{});
        ASSERT_EQ(results.size(), 2u);
        EXPECT_EQ(results[0].result, Outcome::Pass) << c.file;  // the ed25519 one
        EXPECT_EQ(results[1].result, c.result) << c.file << ": " << results[1].reason;
    }
}

TEST(DkimVectors, EximEd25519)
{
    // Exim's prototype ed25519 signature; h= names To and Subject, which the message lacks
    // (nonexistent fields sign the null input, RFC 6376 §3.5 h=).
    StaticZone zone;
    zone.add_txt("sed._domainkey.test.ex", std::string(exim_key));
    const std::string message = read_file(vector_testdata / "dkimpy-tests/data/ed25519test2.msg");
    expect_all(verify_with_zone(zone, message, VerifyOptions{}), 1, Outcome::Pass, "exim");
}

TEST(DkimVectors, DkimpyMessagesSignAndVerify)
{
    // dkimpy's unsigned messages signed with its Ed25519 key and the RFC 8032 key; message.mbox
    // with every field it has (Received included: the repeated-field case of dkimpy's
    // test_extra_headers).
    for (const std::string key_file :
         {"dkimpy-tests/data/ed25519test.key", "rfc-examples/rfc8032-7.1-ed25519.key"}) {
        Result<PrivateKey> key = load_private_key(read_file(vector_testdata / key_file));
        ASSERT_TRUE(key);
        StaticZone zone;
        zone.add_txt("test._domainkey.example.com", *format_key_record(*key));
        for (const std::string name : {"ed25519test.msg", "rfc6376.msg", "message.mbox"}) {
            const std::string message = read_file(vector_testdata / "dkimpy-tests/data" / name);
            const mime::HeaderBlock block = mime::parse_header_block(message, 0, mime::Limits{});
            SignOptions options;
            for (const mime::HeaderField& field : block.fields) {
                options.headers.emplace_back(field.name);
            }
            for (const Canon canon : {Canon::Simple, Canon::Relaxed}) {
                options.canonicalization = {canon, canon};
                Result<std::string> field = sign_message(
                    message, SigningKey{"example.com", "test", *key, Algorithm::Ed25519Sha256},
                    options);
                ASSERT_TRUE(field) << field.error().to_string();
                const std::vector<SignatureResult> results =
                    verify_with_zone(zone, *field + message, VerifyOptions{});
                ASSERT_GE(results.size(), 1u);
                EXPECT_EQ(results[0].result, Outcome::Pass) << name << ": " << results[0].reason;
                // dkimpy's test_multiple_from_fails: an added field nobody signed passes, an
                // added From (at the end or in front) does not.
                const std::size_t end = message.find("\n\n");
                std::string unknown = message;
                unknown.insert(end + 1, "X-Foo: bar\n");
                EXPECT_EQ(verify_with_zone(zone, *field + unknown, VerifyOptions{})[0].result,
                          Outcome::Pass);
                std::string from_last = message;
                from_last.insert(end + 1, "From: \"Resident Evil\" <sales@spammer.com>\n");
                EXPECT_EQ(verify_with_zone(zone, *field + from_last, VerifyOptions{})[0].result,
                          Outcome::Fail);
                const std::string from_first =
                    "From: \"Resident Evil\" <sales@spammer.com>\r\n" + *field + message;
                EXPECT_EQ(verify_with_zone(zone, from_first, VerifyOptions{})[0].result,
                          Outcome::Fail);
            }
        }
    }
}

// Vectors that cannot pass here, each with the reason; the test fails if one starts passing.
struct KnownGap {
    std::string_view file;
    Outcome result;  // what every signature in it gets
    std::string_view reason;
};
constexpr KnownGap known_gaps[] = {
    {"rfc-examples/dkim-amazoncojp-2x-rsa-sha256.eml", Outcome::PermError,
     "real mail from 2023; its keys are no longer published, so no key can be served"},
    {"rfc-examples/dkim-yahoo-rsa-sha256.eml", Outcome::PermError,
     "real mail from 2023; its key is no longer published"},
    {"rfc-examples/dkim-lingl-rsa-sha1.eml", Outcome::Policy,
     "rsa-sha1, refused by RFC 8301 §3.1 (and its key is gone)"},
    {"dkimpy-tests/data/message.mbox", Outcome::PermError,
     "kitterman.com's 2007-00 key is not in the test data"},
};

TEST(DkimVectors, KnownGapsStayAsDocumented)
{
    for (const KnownGap& gap : known_gaps) {
        StaticZone zone;  // no keys
        const std::string message = read_file(vector_testdata / std::string(gap.file));
        const std::vector<SignatureResult> results =
            verify_with_zone(zone, message, VerifyOptions{});
        ASSERT_FALSE(results.empty()) << gap.file;
        for (const SignatureResult& result : results) {
            EXPECT_EQ(result.result, gap.result) << gap.file << " (" << gap.reason << ")\n"
                                                 << describe(results);
        }
    }
}

// Without the keys, the part of those signatures that can still be checked: each body hash
// (relaxed or simple, as the signature says) matches the body Harbor canonicalizes.
TEST(DkimVectors, RealWorldBodyHashes)
{
    std::size_t checked = 0;
    for (const std::string name :
         {"rfc-examples/dkim-amazoncojp-2x-rsa-sha256.eml",
          "rfc-examples/dkim-yahoo-rsa-sha256.eml", "dkimpy-tests/data/message.mbox"}) {
        const std::string message = read_file(vector_testdata / name);
        const mime::HeaderBlock block = mime::parse_header_block(message, 0, mime::Limits{});
        for (const mime::HeaderField& field : block.fields) {
            if (!iequals(field.name, "DKIM-Signature")) {
                continue;
            }
            Result<Signature> signature = parse_signature(field.value);
            ASSERT_TRUE(signature) << name << ": " << signature.error().to_string();
            EXPECT_EQ(hash_body(signature->canonicalization.body, signature->body_length,
                                std::string_view(message).substr(block.length))
                          .digest,
                      signature->body_hash)
                << name << " d=" << signature->domain;
            ++checked;
        }
    }
    EXPECT_EQ(checked, 4u);
}

}  // namespace
}  // namespace harbor::auth::dkim
