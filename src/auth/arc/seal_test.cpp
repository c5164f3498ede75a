// Unit tests for auth/arc/seal (RFC 8617 §5.1): seal -> validate round trips over several hops
// with RSA, Ed25519 and both; the cv=fail scope (§5.1.2) and the end of a failed chain (§5.1
// step 2); the 50-set limit (§4.2.1); the fields written (layout, AAR, h=); and refusals.
#include "auth/arc/seal.hpp"

#include <gtest/gtest.h>

#include "auth/arc/chain.hpp"
#include "auth/arc/test_support.hpp"
#include "auth/dkim/digest.hpp"
#include "auth/dkim/key_record.hpp"

namespace harbor::auth::arc {
namespace {

using test::hop;
using test::message;
using test::sealer;
using test::validate_at;

std::vector<std::string_view> lines_of(std::string_view text)
{
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        const std::size_t end = text.find("\r\n");
        lines.push_back(text.substr(0, end));
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 2);
    }
    return lines;
}

TEST(ArcSeal, HopsValidateWithEachKeyType)
{
    using Types = std::vector<dkim::KeyType>;
    const std::vector<Types> paths = {
        {dkim::KeyType::Rsa, dkim::KeyType::Rsa, dkim::KeyType::Rsa},
        {dkim::KeyType::Ed25519, dkim::KeyType::Ed25519, dkim::KeyType::Ed25519},
        {dkim::KeyType::Ed25519, dkim::KeyType::Rsa, dkim::KeyType::Ed25519, dkim::KeyType::Rsa},
    };
    for (const Types& path : paths) {
        dkim::StaticZone zone;
        std::string text(message);
        for (std::size_t k = 0; k < path.size(); ++k) {
            const std::string domain = "hop" + std::to_string(k + 1) + ".example";
            const test::Hop next = hop(zone, sealer(zone, domain, "arc", path[k]), text);
            EXPECT_EQ(next.set.instance, k + 1);
            EXPECT_EQ(next.set.cv, k == 0 ? ChainStatus::None : ChainStatus::Pass);
            const std::string i = "i=" + std::to_string(k + 1) + ";";
            EXPECT_TRUE(next.set.seal.starts_with("ARC-Seal: " + i)) << next.set.seal;
            EXPECT_TRUE(next.set.message_signature.starts_with("ARC-Message-Signature: " + i));
            EXPECT_TRUE(next.set.results.starts_with("ARC-Authentication-Results: " + i));
            EXPECT_TRUE(next.message.starts_with(next.set.seal + next.set.message_signature +
                                                 next.set.results));
            for (const std::string_view line : lines_of(next.set.fields())) {
                EXPECT_LE(line.size(), 78u) << line;
            }
            text = next.message;
            const ChainValidation result = validate_at(zone, text);
            EXPECT_EQ(result.status, ChainStatus::Pass) << result.reason;
            EXPECT_EQ(result.sets, k + 1);
            EXPECT_EQ(result.oldest_pass, 0u);
        }
    }
}

// A chain that fails on arrival is sealed with cv=fail over the new set alone (§5.1.2); after
// that the chain is over (§5.1 step 2).
TEST(ArcSeal, FailedChainIsSealedAloneThenEnds)
{
    dkim::StaticZone zone;
    const dkim::SigningKey one = sealer(zone, "one.example", "arc", dkim::KeyType::Rsa);
    const dkim::SigningKey two = sealer(zone, "two.example", "arc", dkim::KeyType::Ed25519);
    const test::Hop first = hop(zone, one, message);
    const std::string broken = first.message + "changed on the way\r\n";
    const test::Hop second = hop(zone, two, broken);
    EXPECT_EQ(second.incoming.status, ChainStatus::Fail);
    EXPECT_EQ(second.set.instance, 2u);
    EXPECT_EQ(second.set.cv, ChainStatus::Fail);
    EXPECT_NE(second.set.seal.find("cv=fail"), std::string::npos);

    // The new seal verifies over its own three fields, and not over the whole chain.
    Result<Seal> seal = parse_seal(second.set.seal.substr(second.set.seal.find(':') + 1));
    ASSERT_TRUE(seal) << seal.error().to_string();
    Result<dkim::KeyRecord> record = dkim::parse_key_record(dkim::test::ed25519_key().key_record);
    ASSERT_TRUE(record);
    Result<dkim::PublicKey> key =
        dkim::parse_public_key(dkim::KeyType::Ed25519, record->public_key);
    ASSERT_TRUE(key) << key.error().to_string();
    const std::string alone =
        seal_hash_input({second.set.results, second.set.message_signature, second.set.seal});
    EXPECT_TRUE(dkim::verify_digest(*key, dkim::sha256(alone), seal->signature.signature));
    const mime::HeaderBlock block = mime::parse_header_block(first.message, 0, mime::Limits{});
    const Chain chain = collect_chain(block.fields);
    std::vector<std::string_view> whole = sealed_fields(first.message, chain.sets, 1);
    whole.insert(whole.end(), {second.set.results, second.set.message_signature, second.set.seal});
    EXPECT_FALSE(
        dkim::verify_digest(*key, dkim::sha256(seal_hash_input(whole)), seal->signature.signature));

    const ChainValidation ended = validate_at(zone, second.message);
    EXPECT_EQ(ended.status, ChainStatus::Fail);
    EXPECT_TRUE(ended.terminated);
    EXPECT_EQ(ended.sets, 2u);
    SealOptions options;
    options.now = test::at(test::sealed_at);
    const Result<ArcSet> third =
        seal_message(second.message, one, "mx.one.example", "arc=fail", ended, options);
    ASSERT_FALSE(third);
    EXPECT_EQ(third.error().code, Errc::Invalid);
}

TEST(ArcSeal, FiftySetsAndNoMore)
{
    dkim::StaticZone zone;
    const dkim::SigningKey key = sealer(zone, "relay.example", "arc", dkim::KeyType::Ed25519);
    ValidateOptions quick;
    quick.find_oldest_pass = false;
    SealOptions options;
    options.now = test::at(test::sealed_at);
    std::string text(message);
    for (unsigned k = 1; k <= max_instance; ++k) {
        const ChainValidation incoming = validate_at(zone, text, quick);
        ASSERT_EQ(incoming.status, k == 1 ? ChainStatus::None : ChainStatus::Pass)
            << k << ": " << incoming.reason;
        Result<ArcSet> set =
            seal_message(text, key, "mx.relay.example", "arc=pass", incoming, options);
        ASSERT_TRUE(set) << k << ": " << set.error().to_string();
        text = set->fields() + text;
    }
    const ChainValidation fifty = validate_at(zone, text);
    EXPECT_EQ(fifty.status, ChainStatus::Pass) << fifty.reason;
    EXPECT_EQ(fifty.sets, 50u);
    EXPECT_EQ(fifty.oldest_pass, 0u);
    const Result<ArcSet> fifty_first =
        seal_message(text, key, "mx.relay.example", "arc=pass", fifty, options);
    ASSERT_FALSE(fifty_first);
    EXPECT_EQ(fifty_first.error().code, Errc::Limit);
}

TEST(ArcSeal, FieldsWritten)
{
    dkim::StaticZone zone;
    const dkim::SigningKey key = sealer(zone, "one.example", "arc", dkim::KeyType::Rsa);
    const std::string text =
        "DKIM-Signature: v=1; d=example.com\r\nReceived: by mx\r\n" + std::string(message);
    const ChainValidation none = validate_at(zone, text);
    SealOptions options;
    options.now = test::at(test::sealed_at);
    Result<ArcSet> set =
        seal_message(text, key, "mx.one.example",
                     "\r\n arc=none;\r\n\tspf=pass smtp.mailfrom=example.com \r\n", none, options);
    ASSERT_TRUE(set) << set.error().to_string();
    EXPECT_EQ(set->results,
              "ARC-Authentication-Results: i=1; mx.one.example; arc=none;\r\n"
              "\tspf=pass smtp.mailfrom=example.com\r\n");
    Result<MessageSignature> ams = parse_message_signature(
        set->message_signature.substr(set->message_signature.find(':') + 1));
    ASSERT_TRUE(ams) << ams.error().to_string();
    // Configured names present in the message, DKIM-Signature included, nothing else.
    EXPECT_EQ(ams->signature.signed_headers,
              (std::vector<std::string>{"from", "to", "subject", "date", "dkim-signature"}));
    EXPECT_EQ(ams->signature.timestamp.value_or(0), std::uint64_t(test::sealed_at));
    EXPECT_EQ(ams->signature.canonicalization.header, dkim::Canon::Relaxed);

    // No results: "none" (RFC 8601 §2.2); long results are folded at their spaces.
    Result<ArcSet> empty = seal_message(text, key, "mx.one.example", "", none, options);
    ASSERT_TRUE(empty);
    EXPECT_EQ(empty->results, "ARC-Authentication-Results: i=1; mx.one.example; none\r\n");
    std::string many = "arc=none";
    for (int i = 0; i < 20; ++i) {
        many += "; dkim=pass header.d=d" + std::to_string(i) + ".example";
    }
    Result<ArcSet> folded = seal_message(text, key, "mx.one.example", many, none, options);
    ASSERT_TRUE(folded);
    for (const std::string_view line : lines_of(folded->results)) {
        EXPECT_LE(line.size(), 78u) << line;
    }
    EXPECT_EQ(validate_at(zone, folded->fields() + text).status, ChainStatus::Pass);
}

TEST(ArcSeal, LfMessage)
{
    dkim::StaticZone zone;
    const dkim::SigningKey key = sealer(zone, "one.example", "arc", dkim::KeyType::Ed25519);
    std::string lf;
    for (const char c : message) {
        if (c != '\r') {
            lf.push_back(c);
        }
    }
    const test::Hop sealed = hop(zone, key, lf);
    EXPECT_EQ(validate_at(zone, sealed.message).status, ChainStatus::Pass);
    EXPECT_EQ(validate_at(zone, dkim::to_crlf(sealed.message)).status, ChainStatus::Pass);
}

TEST(ArcSeal, Refusals)
{
    dkim::StaticZone zone;
    const dkim::SigningKey rsa = sealer(zone, "one.example", "arc", dkim::KeyType::Rsa);
    const dkim::SigningKey ed = sealer(zone, "two.example", "arc", dkim::KeyType::Ed25519);
    const ChainValidation none = validate_at(zone, message);
    const std::string sealed = hop(zone, ed, message).message;
    const ChainValidation pass = validate_at(zone, sealed);
    ASSERT_EQ(pass.status, ChainStatus::Pass);

    dkim::SigningKey sha1 = rsa;
    sha1.algorithm = dkim::Algorithm::RsaSha1;
    dkim::SigningKey mismatched = rsa;
    mismatched.algorithm = dkim::Algorithm::Ed25519Sha256;
    dkim::SigningKey bad_domain = ed;
    bad_domain.domain = "localhost";
    dkim::SigningKey small = rsa;
    small.key = dkim::test::small_rsa_key(512);
    SealOptions arc_header;
    arc_header.headers = {"From", "ARC-Seal"};
    SealOptions results_header;
    results_header.headers = {"From", "Authentication-Results"};
    SealOptions tiny;
    tiny.header_limits.max_header_fields = 2;

    struct Case {
        std::string name;
        std::string_view text;
        const dkim::SigningKey* key;
        std::string authserv_id;
        std::string results;
        const ChainValidation* incoming;
        SealOptions options;
        Errc code;
    };
    const std::vector<Case> cases = {
        {"rsa-sha1", message, &sha1, "mx", "arc=none", &none, {}, Errc::Unsupported},
        {"key mismatch", message, &mismatched, "mx", "arc=none", &none, {}, Errc::Unsupported},
        {"bad d=", message, &bad_domain, "mx", "arc=none", &none, {}, Errc::Invalid},
        {"RSA 512", message, &small, "mx", "arc=none", &none, {}, Errc::Invalid},
        {"authserv-id with space",
         message,
         &ed,
         "mx example",
         "arc=none",
         &none,
         {},
         Errc::Invalid},
        {"empty authserv-id", message, &ed, "", "arc=none", &none, {}, Errc::Invalid},
        {"bare LF", message, &ed, "mx", "arc=none;\nX-Evil: 1", &none, {}, Errc::Invalid},
        {"CRLF not a fold", message, &ed, "mx", "arc=none;\r\nX-Evil: 1", &none, {}, Errc::Invalid},
        {"NUL", message, &ed, "mx", std::string("arc=none\0", 9), &none, {}, Errc::Invalid},
        {"results too long", message, &ed, "mx", std::string(9000, 'a'), &none, {}, Errc::Limit},
        {"ARC field signed", message, &ed, "mx", "arc=none", &none, arc_header, Errc::Invalid},
        {"A-R signed", message, &ed, "mx", "arc=none", &none, results_header, Errc::Invalid},
        {"header past limits", message, &ed, "mx", "arc=none", &none, tiny, Errc::Limit},
        {"pass for a message without ARC",
         message,
         &ed,
         "mx",
         "arc=pass",
         &pass,
         {},
         Errc::Invalid},
        {"none for a message with ARC", sealed, &ed, "mx", "arc=none", &none, {}, Errc::Invalid},
    };
    for (const Case& test : cases) {
        const Result<ArcSet> set = seal_message(test.text, *test.key, test.authserv_id,
                                                test.results, *test.incoming, test.options);
        ASSERT_FALSE(set) << test.name;
        EXPECT_EQ(set.error().code, test.code) << test.name << ": " << set.error().detail;
    }
}

}  // namespace
}  // namespace harbor::auth::arc
