// Unit tests for auth/dkim/sign and crypto: key generation and loading (PEM, dkimpy's base64
// Ed25519 seed, the RFC 8032 §7.1 test key), the RFC 8463 Appendix A signature reproduced
// bit for bit from its key (Ed25519 is deterministic), the signer's field (folding, tags, h=
// with From oversigned), its refusals, and sign-then-verify round trips with tampering.
#include "auth/dkim/sign.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "auth/dkim/static_zone.hpp"
#include "auth/dkim/test_keys.hpp"

namespace harbor::auth::dkim {
namespace {

const std::filesystem::path sign_testdata = std::filesystem::path(HARBOR_TESTDATA_DIR) / "dkim-arc";

constexpr std::string_view sample_message =
    "Received: from a by b; Mon, 1 Jan 2024 00:00:00 +0000\r\n"
    "From: Joe <joe@example.com>\r\n"
    "To: Suzie <suzie@example.net>\r\n"
    "Subject: dinner\r\n"
    "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
    "Message-ID: <1@example.com>\r\n"
    "\r\n"
    "Hi.\r\n";

SigningKey signing_key(const GeneratedKey& key, Algorithm algorithm)
{
    return SigningKey{"example.com", "sel", key.key, algorithm};
}

TEST(DkimKeys, GenerateAndLoad)
{
    for (const GeneratedKey* key : {&test::rsa_key(), &test::ed25519_key()}) {
        Result<PrivateKey> loaded = load_private_key(key->private_key_pem);
        ASSERT_TRUE(loaded) << loaded.error().to_string();
        EXPECT_EQ(loaded->type(), key->key.type());
        EXPECT_EQ(*format_key_record(*loaded), key->key_record);
        EXPECT_TRUE(key->private_key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    }
    EXPECT_EQ(test::rsa_key().key.bits(), 2048u);
    EXPECT_TRUE(test::rsa_key().key_record.starts_with("v=DKIM1; k=rsa; p=MIIBIjAN"));
    EXPECT_TRUE(test::ed25519_key().key_record.starts_with("v=DKIM1; k=ed25519; p="));
    EXPECT_FALSE(generate_key(KeyType::Rsa, 512));
    EXPECT_FALSE(load_private_key("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"));
    EXPECT_FALSE(load_private_key("not a key"));
}

TEST(DkimKeys, Ed25519SeedsGiveTheirPublicKeys)
{
    // dkimpy's test key and the RFC 8032 §7.1 test 1 key (RFC 8463 Appendix A's "brisbane").
    Result<PrivateKey> dkimpy =
        load_private_key(read_file(sign_testdata / "dkimpy-tests/data/ed25519test.key"));
    ASSERT_TRUE(dkimpy);
    EXPECT_EQ(*format_key_record(*dkimpy),
              "v=DKIM1; k=ed25519; p=yi50DjK5O9pqbFpNHklsv9lqaS0ArSYu02qp1S0DW1Y=");
    Result<PrivateKey> rfc8032 =
        load_private_key(read_file(sign_testdata / "rfc-examples/rfc8032-7.1-ed25519.key"));
    ASSERT_TRUE(rfc8032);
    EXPECT_EQ(*format_key_record(*rfc8032),
              "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
}

// RFC 8463 §3: Ed25519 signs the SHA-256 of the header hash input. Signing Appendix A's header
// with Appendix A's key must give Appendix A's b= exactly.
TEST(DkimKeys, ReproducesRfc8463AppendixA)
{
    const std::string mail = read_file(sign_testdata / "rfc-examples/rfc8463-appendixA.crymap.eml");
    const mime::HeaderBlock block = mime::parse_header_block(mail, 0, mime::Limits{});
    ASSERT_GE(block.fields.size(), 2u);
    const mime::HeaderField& field = block.fields[0];
    Result<Signature> signature = parse_signature(field.value);
    ASSERT_TRUE(signature) << signature.error().to_string();
    ASSERT_EQ(signature->algorithm, Algorithm::Ed25519Sha256);
    const std::string input =
        header_hash_input(mail, select_headers(block.fields, signature->signed_headers),
                          signature->canonicalization.header,
                          remove_signature_value(without_line_end(raw_field(mail, field))));
    Result<PrivateKey> key =
        load_private_key(read_file(sign_testdata / "rfc-examples/rfc8032-7.1-ed25519.key"));
    ASSERT_TRUE(key);
    Result<std::string> produced = sign_digest(*key, sha256(input));
    ASSERT_TRUE(produced);
    EXPECT_EQ(encode_base64(*produced), encode_base64(signature->signature));
    EXPECT_TRUE(verify_digest(*key, sha256(input), signature->signature));
    EXPECT_EQ(hash_body(Canon::Relaxed, std::nullopt, mail.substr(block.length)).digest,
              signature->body_hash);
}

TEST(DkimSign, FieldShape)
{
    SignOptions options;
    options.now = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
    options.expire_after = std::chrono::hours(24);
    options.identity = "joe;x@mail.example.com";
    options.body_length = true;
    Result<std::string> field =
        sign_message(sample_message, signing_key(test::rsa_key(), Algorithm::RsaSha256), options);
    ASSERT_TRUE(field) << field.error().to_string();
    EXPECT_TRUE(field->starts_with("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;"));
    EXPECT_TRUE(field->ends_with("\r\n"));
    std::size_t start = 0;
    while (start < field->size()) {
        const std::size_t end = field->find("\r\n", start);
        ASSERT_NE(end, std::string::npos);
        EXPECT_LE(end - start, 78u) << field->substr(start, end - start);
        start = end + 2;
    }
    const std::string header = *field + "\r\n";  // the block's fields are views into it
    const mime::HeaderBlock block = mime::parse_header_block(header, 0, mime::Limits{});
    ASSERT_EQ(block.fields.size(), 1u);
    Result<Signature> signature = parse_signature(block.fields[0].value);
    ASSERT_TRUE(signature) << signature.error().to_string();
    EXPECT_EQ(signature->domain, "example.com");
    EXPECT_EQ(signature->selector, "sel");
    EXPECT_EQ(signature->identity, "joe;x@mail.example.com");  // ";" went out as =3B
    EXPECT_EQ(signature->timestamp, 1700000000u);
    EXPECT_EQ(signature->expiration, 1700000000u + 86400u);
    EXPECT_EQ(signature->body_length, 5u);  // "Hi.\r\n"
    // Present fields once each (Received is not in the default list), From once more.
    EXPECT_EQ(signature->signed_headers,
              (std::vector<std::string>{"from", "from", "to", "subject", "date", "message-id"}));
    EXPECT_EQ(signature->signature.size(), 256u);
}

TEST(DkimSign, Refusals)
{
    const SigningKey rsa = signing_key(test::rsa_key(), Algorithm::RsaSha256);
    auto code = [](const Result<std::string>& result) {
        return result ? Errc::Internal : result.error().code;
    };
    // dkimpy's test_no_from_fails: a message without From must not be signed.
    EXPECT_EQ(code(sign_message("To: a@example.com\r\nSubject: x\r\n\r\nbody\r\n", rsa)),
              Errc::Invalid);
    EXPECT_EQ(code(sign_message(sample_message, signing_key(test::rsa_key(), Algorithm::RsaSha1))),
              Errc::Unsupported);
    EXPECT_EQ(
        code(sign_message(sample_message, signing_key(test::rsa_key(), Algorithm::Ed25519Sha256))),
        Errc::Unsupported);
    EXPECT_EQ(
        code(sign_message(sample_message, SigningKey{"example.com", "sel", test::small_rsa_key(512),
                                                     Algorithm::RsaSha256})),
        Errc::Invalid);
    EXPECT_EQ(code(sign_message(sample_message, SigningKey{"example.com\xe9", "sel", rsa.key,
                                                           Algorithm::RsaSha256})),
              Errc::Invalid);
    SignOptions outside;
    outside.identity = "joe@example.org";
    EXPECT_EQ(code(sign_message(sample_message, rsa, outside)), Errc::Invalid);
    SignOptions tight;
    tight.header_limits.max_header_fields = 2;
    EXPECT_EQ(code(sign_message(sample_message, rsa, tight)), Errc::Limit);
}

TEST(DkimSign, RoundTrips)
{
    // Built one by one: GCC 12 warns falsely (-Warray-bounds) on an initializer list of
    // concatenations.
    std::vector<std::string> body_variants;
    body_variants.emplace_back(sample_message);
    body_variants.push_back(std::string(sample_message) + "\r\n\r\n");  // trailing empty lines
    body_variants.emplace_back(
        sample_message.substr(0, sample_message.size() - 2));               // no final CRLF
    body_variants.emplace_back("From: a@example.com\r\n\r\n");              // empty body
    body_variants.emplace_back("From: a@example.com\r\nSubject: no body");  // no separator
    const std::pair<const GeneratedKey*, Algorithm> keys[] = {
        {&test::rsa_key(), Algorithm::RsaSha256},
        {&test::ed25519_key(), Algorithm::Ed25519Sha256},
    };
    for (const auto& [key, algorithm] : keys) {
        StaticZone zone;
        zone.add_txt("sel._domainkey.example.com", key->key_record);
        for (const Canon header : {Canon::Simple, Canon::Relaxed}) {
            for (const Canon body : {Canon::Simple, Canon::Relaxed}) {
                SignOptions options;
                options.canonicalization = {header, body};
                for (const std::string& text : body_variants) {
                    Result<std::string> field =
                        sign_message(text, signing_key(*key, algorithm), options);
                    ASSERT_TRUE(field) << field.error().to_string();
                    const std::string signed_message = *field + text;
                    const std::vector<SignatureResult> results =
                        verify_with_zone(zone, signed_message, VerifyOptions{});
                    ASSERT_EQ(results.size(), 1u);
                    EXPECT_EQ(results[0].result, Outcome::Pass)
                        << algorithm_name(algorithm) << " " << canon_name(header) << "/"
                        << canon_name(body) << ": " << results[0].reason << "\n"
                        << signed_message;
                }
                // Tampering: a signed field, the body, an extra From on top.
                const std::string signed_message =
                    *sign_message(sample_message, signing_key(*key, algorithm), options) +
                    std::string(sample_message);
                std::string subject = signed_message;
                subject.replace(subject.find("dinner"), 6, "supper");
                std::string body_text = signed_message;
                body_text.replace(body_text.find("Hi."), 3, "Ho.");
                std::string from = "From: Evil <evil@example.com>\r\n" + signed_message;
                for (const std::string* tampered : {&subject, &body_text, &from}) {
                    const std::vector<SignatureResult> results =
                        verify_with_zone(zone, *tampered, VerifyOptions{});
                    ASSERT_EQ(results.size(), 1u);
                    EXPECT_EQ(results[0].result, Outcome::Fail) << *tampered;
                }
            }
        }
    }
}

}  // namespace
}  // namespace harbor::auth::dkim
