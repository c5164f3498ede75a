// Unit tests for auth/dkim/verify: each outcome of RFC 6376 §6.1 as RFC 8601 §2.7.1 names it,
// from an in-memory zone: key errors (§6.1.2 steps 2-8, NXDOMAIN and NODATA, SERVFAIL), key
// flags (t=y, t=s), x= expiry, l= (§8.2), rsa-sha1 and small RSA keys (RFC 8301), malformed
// fields (neutral), nonexistent signed fields, LF line ends, and the bounds (max_signatures,
// one query per key name, header limits).
#include "auth/dkim/verify.hpp"

#include <gtest/gtest.h>

#include "auth/dkim/static_zone.hpp"
#include "auth/dkim/test_keys.hpp"

namespace harbor::auth::dkim {
namespace {

using test::RawSignature;
using test::sign_raw;

constexpr std::string_view message =
    "From: Joe <joe@example.com>\r\n"
    "To: Suzie <suzie@example.net>\r\n"
    "Subject: dinner\r\n"
    "Date: Fri, 11 Jul 2003 21:00:37 -0700\r\n"
    "\r\n"
    "Hi.\r\n"
    "\r\n"
    "We lost the game.  Are you hungry yet?\r\n";

constexpr std::uint64_t signed_at = 1700000000;

VerifyOptions at(std::uint64_t seconds)
{
    VerifyOptions options;
    options.now = std::chrono::system_clock::time_point(std::chrono::seconds(seconds));
    return options;
}

RawSignature rsa_tags(std::string extra = "")
{
    RawSignature raw;
    raw.tags = "v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=sel; t=" +
               std::to_string(signed_at) + "; " + extra + "h=from:to:subject;";
    raw.canonicalization = {Canon::Relaxed, Canon::Relaxed};
    raw.headers = {"from", "to", "subject"};
    return raw;
}

StaticZone zone_with(std::string record)
{
    StaticZone zone;
    zone.add_txt("sel._domainkey.example.com", std::move(record));
    return zone;
}

SignatureResult verify_one(StaticZone& zone, std::string_view text,
                           VerifyOptions options = at(signed_at + 60))
{
    const std::vector<SignatureResult> results = verify_with_zone(zone, text, options);
    EXPECT_EQ(results.size(), 1u);
    return results.empty() ? SignatureResult{} : results.front();
}

TEST(DkimVerify, PassesRsaAndEd25519)
{
    StaticZone zone = zone_with(test::rsa_key().key_record);
    const SignatureResult rsa =
        verify_one(zone, sign_raw(message, test::rsa_key().key, rsa_tags()));
    EXPECT_EQ(rsa.result, Outcome::Pass) << rsa.reason;
    EXPECT_EQ(rsa.domain, "example.com");
    EXPECT_EQ(rsa.selector, "sel");
    EXPECT_EQ(rsa.identity, "@example.com");
    EXPECT_EQ(rsa.algorithm, "rsa-sha256");
    EXPECT_TRUE(rsa.reason.empty());
    EXPECT_FALSE(rsa.weak());

    StaticZone ed_zone = zone_with(test::ed25519_key().key_record);
    RawSignature raw = rsa_tags();
    raw.tags.replace(raw.tags.find("rsa-sha256"), 10, "ed25519-sha256");
    const SignatureResult ed = verify_one(ed_zone, sign_raw(message, test::ed25519_key().key, raw));
    EXPECT_EQ(ed.result, Outcome::Pass) << ed.reason;
    EXPECT_EQ(ed.algorithm, "ed25519-sha256");
}

TEST(DkimVerify, UnsignedMessageHasNoResults)
{
    StaticZone zone;
    EXPECT_TRUE(verify_with_zone(zone, message, at(signed_at)).empty());
    EXPECT_TRUE(zone.queries.empty());
}

TEST(DkimVerify, TamperingFails)
{
    StaticZone zone = zone_with(test::rsa_key().key_record);
    const std::string signed_message = sign_raw(message, test::rsa_key().key, rsa_tags());
    std::string subject = signed_message;
    subject.replace(subject.find("dinner"), 6, "Dinner");
    SignatureResult result = verify_one(zone, subject);
    EXPECT_EQ(result.result, Outcome::Fail);
    EXPECT_EQ(result.reason, "signature did not verify");

    std::string body = signed_message;
    body.replace(body.find("hungry"), 6, "angry!");
    result = verify_one(zone, body);
    EXPECT_EQ(result.result, Outcome::Fail);
    EXPECT_EQ(result.reason, "body hash did not verify");

    // A field nobody signed may be added; whitespace changes pass relaxed canonicalization.
    std::string added = signed_message;
    added.insert(added.find("\r\n\r\n") + 2, "X-Added: yes\r\n");
    EXPECT_EQ(verify_one(zone, added).result, Outcome::Pass);
    std::string spaced = signed_message;
    spaced.replace(spaced.find("Subject: dinner"), 15, "Subject:   dinner  ");
    spaced.replace(spaced.find("Hi."), 3, "Hi.   ");
    EXPECT_EQ(verify_one(zone, spaced).result, Outcome::Pass);
}

TEST(DkimVerify, KeyErrors)
{
    const std::string signed_message = sign_raw(message, test::rsa_key().key, rsa_tags());
    struct Case {
        std::string_view name;
        std::vector<std::string> records;  // empty: NODATA
        Outcome result;
        std::string_view reason;
    };
    const std::string p = test::rsa_key().key_record.substr(test::rsa_key().key_record.find("p="));
    const Case cases[] = {
        {"revoked", {"v=DKIM1; k=rsa; p="}, Outcome::PermError, "key revoked"},
        {"syntax", {"v=DKIM1; k=rsa"}, Outcome::PermError, "key syntax error"},
        {"not dkim", {"v=spf1 -all"}, Outcome::PermError, "key syntax error"},
        {"bad key octets", {"v=DKIM1; p=AAAA"}, Outcome::PermError, "key syntax error"},
        {"wrong key type",
         {"v=DKIM1; k=ed25519; " + p},
         Outcome::PermError,
         "inappropriate key algorithm"},
        {"hash not allowed",
         {"v=DKIM1; h=sha1; " + p},
         Outcome::PermError,
         "inappropriate hash algorithm"},
        {"not for email", {"v=DKIM1; s=tlsrpt; " + p}, Outcome::PermError, "not for email"},
        {"unknown key type", {"v=DKIM1; k=dsa; " + p}, Outcome::PermError, "key type"},
        {"nodata", {}, Outcome::PermError, "no key for signature"},
        {"garbage then key", {"hello", "v=DKIM1; " + p}, Outcome::Pass, ""},
    };
    for (const Case& c : cases) {
        StaticZone zone;
        zone.txt_records["sel._domainkey.example.com"] = c.records;
        const SignatureResult result = verify_one(zone, signed_message);
        EXPECT_EQ(result.result, c.result) << c.name << ": " << result.reason;
        EXPECT_NE(result.reason.find(c.reason), std::string::npos)
            << c.name << ": " << result.reason;
    }
    StaticZone nxdomain;
    EXPECT_EQ(verify_one(nxdomain, signed_message).result, Outcome::PermError);
    StaticZone servfail;
    servfail.failing["sel._domainkey.example.com"] = Errc::TempFail;
    const SignatureResult temp = verify_one(servfail, signed_message);
    EXPECT_EQ(temp.result, Outcome::TempError);
    EXPECT_NE(temp.reason.find("key unavailable"), std::string::npos);
    StaticZone timeout;
    timeout.failing["sel._domainkey.example.com"] = Errc::Timeout;
    EXPECT_EQ(verify_one(timeout, signed_message).result, Outcome::TempError);
    StaticZone refused;
    refused.failing["sel._domainkey.example.com"] = Errc::Invalid;
    EXPECT_EQ(verify_one(refused, signed_message).result, Outcome::PermError);
}

TEST(DkimVerify, KeyFlags)
{
    const std::string p = test::rsa_key().key_record.substr(test::rsa_key().key_record.find("p="));
    StaticZone testing = zone_with("v=DKIM1; t=y; " + p);
    const SignatureResult result =
        verify_one(testing, sign_raw(message, test::rsa_key().key, rsa_tags()));
    EXPECT_EQ(result.result, Outcome::Pass);
    EXPECT_TRUE(result.testing);
    EXPECT_TRUE(result.weak());

    // t=s: i= must name d= itself (§3.6.1); a local-part is fine.
    StaticZone strict = zone_with("v=DKIM1; t=s; " + p);
    const SignatureResult below = verify_one(
        strict, sign_raw(message, test::rsa_key().key, rsa_tags("i=@mail.example.com; ")));
    EXPECT_EQ(below.result, Outcome::PermError);
    EXPECT_EQ(below.identity, "@mail.example.com");
    EXPECT_EQ(
        verify_one(strict, sign_raw(message, test::rsa_key().key, rsa_tags("i=joe@example.com; ")))
            .result,
        Outcome::Pass);
    StaticZone lax = zone_with("v=DKIM1; " + p);
    EXPECT_EQ(
        verify_one(lax, sign_raw(message, test::rsa_key().key, rsa_tags("i=@mail.example.com; ")))
            .result,
        Outcome::Pass);
}

TEST(DkimVerify, Expiry)
{
    StaticZone zone = zone_with(test::rsa_key().key_record);
    const std::string expiring = sign_raw(message, test::rsa_key().key,
                                          rsa_tags("x=" + std::to_string(signed_at + 100) + "; "));
    EXPECT_EQ(verify_one(zone, expiring, at(signed_at + 100)).result, Outcome::Pass);
    const SignatureResult late = verify_one(zone, expiring, at(signed_at + 101));
    EXPECT_EQ(late.result, Outcome::Fail);
    EXPECT_NE(late.reason.find("expired"), std::string::npos);
}

TEST(DkimVerify, BodyLength)
{
    StaticZone zone = zone_with(test::rsa_key().key_record);
    RawSignature raw = rsa_tags("l=5; ");
    raw.body_length = 5;
    const std::string signed_message = sign_raw(message, test::rsa_key().key, raw);
    const SignatureResult cut = verify_one(zone, signed_message);
    EXPECT_EQ(cut.result, Outcome::Pass) << cut.reason;
    EXPECT_TRUE(cut.partial_body);
    EXPECT_TRUE(cut.weak());
    // Text appended after the signed length still passes, flagged (§8.2).
    EXPECT_EQ(verify_one(zone, signed_message + "P.S. buy now\r\n").result, Outcome::Pass);

    const std::string body(message.substr(message.find("\r\n\r\n") + 4));
    const std::uint64_t length = canonicalize_body(Canon::Relaxed, body).size();
    RawSignature exact = rsa_tags("l=" + std::to_string(length) + "; ");
    exact.body_length = length;
    const SignatureResult whole = verify_one(zone, sign_raw(message, test::rsa_key().key, exact));
    EXPECT_EQ(whole.result, Outcome::Pass) << whole.reason;
    EXPECT_FALSE(whole.partial_body);

    RawSignature beyond = rsa_tags("l=100000; ");
    beyond.body_length = 100000;
    const SignatureResult longer = verify_one(zone, sign_raw(message, test::rsa_key().key, beyond));
    EXPECT_EQ(longer.result, Outcome::Fail);
    EXPECT_NE(longer.reason.find("l="), std::string::npos);
}

TEST(DkimVerify, Rfc8301)
{
    RawSignature sha1 = rsa_tags();
    sha1.tags.replace(sha1.tags.find("rsa-sha256"), 10, "rsa-sha1");
    sha1.tags += " bh=uoq1oCgLlTqpdDX/iUbLy7J1Wic=; b=AAAA;";  // the field needs no valid b=
    StaticZone zone = zone_with(test::rsa_key().key_record);
    const std::string sha1_message = "DKIM-Signature: " + sha1.tags + "\r\n" + std::string(message);
    const SignatureResult refused = verify_one(zone, sha1_message);
    EXPECT_EQ(refused.result, Outcome::Policy);
    EXPECT_EQ(refused.algorithm, "rsa-sha1");
    EXPECT_TRUE(zone.queries.empty());  // refused before the key is fetched

    const PrivateKey small = test::small_rsa_key(512);
    StaticZone small_zone = zone_with(*format_key_record(small));
    const SignatureResult weak = verify_one(small_zone, sign_raw(message, small, rsa_tags()));
    EXPECT_EQ(weak.result, Outcome::Fail);
    EXPECT_NE(weak.reason.find("too small"), std::string::npos);

    const PrivateKey minimum = test::small_rsa_key(1024);
    StaticZone minimum_zone = zone_with(*format_key_record(minimum));
    EXPECT_EQ(verify_one(minimum_zone, sign_raw(message, minimum, rsa_tags())).result,
              Outcome::Pass);
}

TEST(DkimVerify, MalformedFieldsAreNeutral)
{
    StaticZone zone = zone_with(test::rsa_key().key_record);
    const SignatureResult version = verify_one(
        zone,
        "DKIM-Signature: v=2; a=rsa-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA\r\n" +
            std::string(message));
    EXPECT_EQ(version.result, Outcome::Neutral);
    EXPECT_NE(version.reason.find("incompatible version"), std::string::npos);
    const SignatureResult garbage =
        verify_one(zone, "DKIM-Signature: hello\r\n" + std::string(message));
    EXPECT_EQ(garbage.result, Outcome::Neutral);
    EXPECT_TRUE(garbage.domain.empty());
    EXPECT_TRUE(zone.queries.empty());
}

TEST(DkimVerify, NonexistentSignedField)
{
    StaticZone zone = zone_with(test::rsa_key().key_record);
    RawSignature raw = rsa_tags();
    raw.tags.replace(raw.tags.find("h=from:to:subject;"), 18, "h=from:to:subject:reply-to;");
    raw.headers.push_back("reply-to");
    const std::string signed_message = sign_raw(message, test::rsa_key().key, raw);
    EXPECT_EQ(verify_one(zone, signed_message).result, Outcome::Pass);
    std::string added = signed_message;
    added.insert(added.find("\r\n\r\n") + 2, "Reply-To: evil@example.org\r\n");
    EXPECT_EQ(verify_one(zone, added).result, Outcome::Fail);
}

TEST(DkimVerify, LfLineEnds)
{
    for (const Canon canon : {Canon::Simple, Canon::Relaxed}) {
        RawSignature raw = rsa_tags();
        raw.tags.replace(
            raw.tags.find("c=relaxed/relaxed"), 17,
            "c=" + std::string(canon_name(canon)) + "/" + std::string(canon_name(canon)));
        raw.canonicalization = {canon, canon};
        const std::string signed_message = sign_raw(message, test::rsa_key().key, raw);
        std::string lf;
        for (const char c : signed_message) {
            if (c != '\r') {
                lf.push_back(c);
            }
        }
        StaticZone zone = zone_with(test::rsa_key().key_record);
        const SignatureResult result = verify_one(zone, lf);
        EXPECT_EQ(result.result, Outcome::Pass) << canon_name(canon) << ": " << result.reason;
    }
}

TEST(DkimVerify, Bounds)
{
    StaticZone zone = zone_with(test::rsa_key().key_record);
    std::string many(message);
    for (int i = 0; i < 12; ++i) {
        many = sign_raw(many, test::rsa_key().key, rsa_tags());
    }
    VerifyOptions options = at(signed_at);
    const std::vector<SignatureResult> results = verify_with_zone(zone, many, options);
    ASSERT_EQ(results.size(), default_max_signatures);
    for (const SignatureResult& result : results) {
        EXPECT_EQ(result.result, Outcome::Pass) << result.reason;
    }
    EXPECT_EQ(zone.queries.size(), 1u);  // one key name, one query

    options.max_signatures = 2;
    EXPECT_EQ(verify_with_zone(zone, many, options).size(), 2u);

    options = at(signed_at);
    options.header_limits.max_header_fields = 3;
    const std::vector<SignatureResult> truncated = verify_with_zone(zone, many, options);
    ASSERT_EQ(truncated.size(), 3u);
    EXPECT_EQ(truncated.front().result, Outcome::PermError);
}

}  // namespace
}  // namespace harbor::auth::dkim
