// Unit tests for auth/arc/validate (RFC 8617 §5.2) over chains Harbor seals itself: none, pass
// with each key type, what breaks which signature (steps 4 and 6), header.oldest-pass (step 5)
// and its bound, DNS failures (§5.2.1), one query per key name, the header limit, LF line ends.
#include "auth/arc/validate.hpp"

#include <gtest/gtest.h>

#include "auth/arc/result_info.hpp"
#include "auth/arc/test_support.hpp"

namespace harbor::auth::arc {
namespace {

using test::hop;
using test::message;
using test::sealer;
using test::validate_at;

std::string replace(std::string text, std::string_view from, std::string_view to)
{
    const std::size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return at == std::string::npos ? text : text.replace(at, from.size(), to);
}

TEST(ArcValidate, NoArcFieldsIsNone)
{
    dkim::StaticZone zone;
    const ChainValidation result = validate_at(zone, message);
    EXPECT_EQ(result.status, ChainStatus::None);
    EXPECT_EQ(result.sets, 0u);
    EXPECT_TRUE(result.reason.empty());
    EXPECT_TRUE(zone.queries.empty());
    EXPECT_EQ(arc_result_info(result).result, "none");
}

TEST(ArcValidate, OneHopPassesWithEachKeyType)
{
    for (const dkim::KeyType type : {dkim::KeyType::Rsa, dkim::KeyType::Ed25519}) {
        dkim::StaticZone zone;
        const test::Hop first = hop(zone, sealer(zone, "one.example", "arc", type), message);
        EXPECT_EQ(first.incoming.status, ChainStatus::None);
        const ChainValidation result = validate_at(zone, first.message);
        EXPECT_EQ(result.status, ChainStatus::Pass) << result.reason;
        EXPECT_EQ(result.sets, 1u);
        EXPECT_EQ(result.oldest_pass, 0u);
        ASSERT_EQ(result.instances.size(), 1u);
        const InstanceResult& set = result.instances[0];
        EXPECT_EQ(set.cv, ChainStatus::None);
        EXPECT_EQ(set.seal_domain, "one.example");
        EXPECT_EQ(set.signature_selector, "arc");
        EXPECT_EQ(set.authserv_id, "mx.one.example");
        EXPECT_EQ(set.results, "mx.one.example; arc=none");
        EXPECT_EQ(set.seal, SignatureCheck::Pass);
        EXPECT_EQ(set.message_signature, SignatureCheck::Pass);
        // The AS and the AMS share a key: one query.
        EXPECT_EQ(zone.queries.size(), 1u);

        const ResultInfo info = arc_result_info(result, "192.0.2.1");
        EXPECT_EQ(info.method, "arc");
        EXPECT_EQ(info.result, "pass");
        ASSERT_EQ(info.properties.size(), 2u);
        EXPECT_EQ(info.properties[0].property, "oldest-pass");
        EXPECT_EQ(info.properties[0].value, "0");
        EXPECT_EQ(info.properties[1].value, "192.0.2.1");
    }
}

TEST(ArcValidate, ChangesAfterSealingFail)
{
    dkim::StaticZone zone;
    const std::string sealed =
        hop(zone, sealer(zone, "one.example", "arc", dkim::KeyType::Rsa), message).message;
    struct Case {
        std::string name;
        std::string text;
        std::string reason;
    };
    const std::vector<Case> cases = {
        {"body", sealed + "P.S.\r\n", "ARC-Message-Signature i=1"},
        {"signed header", replace(sealed, "Subject: dinner", "Subject: lunch"),
         "ARC-Message-Signature i=1"},
        {"AAR", replace(sealed, "arc=none", "arc=pass"), "ARC-Seal i=1"},
        {"AS cv", replace(sealed, "cv=none", "cv=pass"), "cv=pass, not none"},
        {"AS removed", replace(sealed, "ARC-Seal:", "X-Old-Seal:"), "has no ARC-Seal"},
    };
    for (const Case& test : cases) {
        const ChainValidation result = validate_at(zone, test.text);
        EXPECT_EQ(result.status, ChainStatus::Fail) << test.name;
        EXPECT_NE(result.reason.find(test.reason), std::string::npos)
            << test.name << ": " << result.reason;
        EXPECT_FALSE(result.dns_error) << test.name;
        EXPECT_EQ(arc_result_info(result).reason, result.reason);
    }
    // An unsigned header may change, and a new one may come (Received, A-R, ...).
    EXPECT_EQ(validate_at(zone, "Received: by mx\r\n" + sealed).status, ChainStatus::Pass);
}

// The second hop changes the body after validating and before sealing (§5.1 step 1): the
// chain passes, the first AMS no longer does, oldest-pass is 2.
TEST(ArcValidate, OldestPassAfterAModifyingHop)
{
    dkim::StaticZone zone;
    const dkim::SigningKey one = sealer(zone, "one.example", "arc", dkim::KeyType::Rsa);
    const dkim::SigningKey two = sealer(zone, "list.example", "arc", dkim::KeyType::Ed25519);
    const test::Hop first = hop(zone, one, message);
    const test::Hop second = hop(zone, two, first.message + "-- \r\nthe list footer\r\n");
    EXPECT_EQ(second.incoming.status, ChainStatus::Fail);  // it arrived changed: AMS 1 broke
    // Sealed properly: validate on arrival, change, seal.
    const ChainValidation arrival = validate_at(zone, first.message);
    ASSERT_EQ(arrival.status, ChainStatus::Pass);
    const std::string changed = first.message + "-- \r\nthe list footer\r\n";
    SealOptions options;
    options.now = test::at(test::sealed_at);
    Result<ArcSet> set =
        seal_message(changed, two, "mx.list.example", "arc=pass", arrival, options);
    ASSERT_TRUE(set) << set.error().to_string();
    const ChainValidation result = validate_at(zone, set->fields() + changed);
    EXPECT_EQ(result.status, ChainStatus::Pass) << result.reason;
    EXPECT_EQ(result.oldest_pass, 2u);
    ASSERT_EQ(result.instances.size(), 2u);
    EXPECT_EQ(result.instances[0].message_signature, SignatureCheck::Fail);
    EXPECT_EQ(result.instances[0].seal, SignatureCheck::Pass);
    EXPECT_EQ(result.instances[1].message_signature, SignatureCheck::Pass);

    // Without step 5 only the newest AMS is known: oldest-pass is N.
    ValidateOptions quick;
    quick.find_oldest_pass = false;
    const ChainValidation skipped = validate_at(zone, set->fields() + changed, quick);
    EXPECT_EQ(skipped.status, ChainStatus::Pass);
    EXPECT_EQ(skipped.oldest_pass, 2u);
    EXPECT_EQ(skipped.instances[0].message_signature, SignatureCheck::NotChecked);
}

// Older AMS with other body canonicalizations cost a body pass each: max_body_hashes bounds
// them, and an AMS past the bound counts as not validating for oldest-pass.
TEST(ArcValidate, BodyHashesAreBounded)
{
    dkim::StaticZone zone;
    const dkim::SigningKey key = sealer(zone, "one.example", "arc", dkim::KeyType::Ed25519);
    SealOptions simple;
    simple.canonicalization = {dkim::Canon::Simple, dkim::Canon::Simple};
    const test::Hop first = hop(zone, key, message, simple);
    const test::Hop second = hop(zone, key, first.message);
    EXPECT_EQ(validate_at(zone, second.message).oldest_pass, 0u);
    ValidateOptions one_hash;
    one_hash.max_body_hashes = 1;
    const ChainValidation bounded = validate_at(zone, second.message, one_hash);
    EXPECT_EQ(bounded.status, ChainStatus::Pass);
    EXPECT_EQ(bounded.oldest_pass, 2u);
}

TEST(ArcValidate, KeyTroubleFails)
{
    dkim::StaticZone zone;
    const std::string sealed =
        hop(zone, sealer(zone, "one.example", "arc", dkim::KeyType::Rsa), message).message;
    // A query that fails to respond: fail (§5.2.1), flagged as DNS trouble.
    zone.failing["arc._domainkey.one.example"] = Errc::TempFail;
    const ChainValidation temporary = validate_at(zone, sealed);
    EXPECT_EQ(temporary.status, ChainStatus::Fail);
    EXPECT_TRUE(temporary.dns_error);
    // No key at all: fail, not DNS trouble.
    zone.failing.clear();
    zone.txt_records.clear();
    const ChainValidation missing = validate_at(zone, sealed);
    EXPECT_EQ(missing.status, ChainStatus::Fail);
    EXPECT_FALSE(missing.dns_error);
    EXPECT_NE(missing.reason.find("no key"), std::string::npos) << missing.reason;
    // A revoked key.
    zone.add_txt("arc._domainkey.one.example", "v=DKIM1; p=");
    EXPECT_EQ(validate_at(zone, sealed).status, ChainStatus::Fail);
}

TEST(ArcValidate, OneQueryPerKeyName)
{
    dkim::StaticZone zone;
    const dkim::SigningKey a = sealer(zone, "a.example", "arc", dkim::KeyType::Ed25519);
    const dkim::SigningKey b = sealer(zone, "b.example", "arc", dkim::KeyType::Rsa);
    std::string text(message);
    for (const dkim::SigningKey* key : {&a, &b, &a}) {
        text = hop(zone, *key, text).message;
    }
    zone.queries.clear();
    const ChainValidation result = validate_at(zone, text);
    EXPECT_EQ(result.status, ChainStatus::Pass) << result.reason;
    EXPECT_EQ(result.sets, 3u);
    EXPECT_EQ(zone.queries.size(), 2u);
}

TEST(ArcValidate, HeaderPastLimitsFails)
{
    dkim::StaticZone zone;
    const std::string sealed =
        hop(zone, sealer(zone, "one.example", "arc", dkim::KeyType::Ed25519), message).message;
    ValidateOptions small;
    small.header_limits.max_header_fields = 3;
    const ChainValidation result = validate_at(zone, sealed, small);
    EXPECT_EQ(result.status, ChainStatus::Fail);
    EXPECT_NE(result.reason.find("header block past"), std::string::npos) << result.reason;
    // Even without visible ARC fields: the hidden part might hold some.
    EXPECT_EQ(validate_at(zone, message, small).status, ChainStatus::Fail);
}

TEST(ArcValidate, LfLineEnds)
{
    dkim::StaticZone zone;
    std::string sealed =
        hop(zone, sealer(zone, "one.example", "arc", dkim::KeyType::Rsa), message).message;
    std::string lf;
    for (const char c : sealed) {
        if (c != '\r') {
            lf.push_back(c);
        }
    }
    const ChainValidation result = validate_at(zone, lf);
    EXPECT_EQ(result.status, ChainStatus::Pass) << result.reason;
}

}  // namespace
}  // namespace harbor::auth::arc
