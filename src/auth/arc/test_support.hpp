// Test-only helpers for the ARC unit tests: sealers with keys published in a StaticZone, and
// one hop of a mail path (validate on arrival, then seal), as RFC 8617 §5 describes a hop.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "auth/arc/arc_testing.hpp"
#include "auth/arc/seal.hpp"
#include "auth/dkim/test_keys.hpp"

namespace harbor::auth::arc::test {

constexpr std::string_view message =
    "From: Joe <joe@example.com>\r\n"
    "To: Suzie <suzie@example.net>\r\n"
    "Subject: dinner\r\n"
    "Date: Fri, 11 Jul 2003 21:00:37 -0700\r\n"
    "\r\n"
    "Hi.\r\n"
    "\r\n"
    "We lost the game.  Are you hungry yet?\r\n";

constexpr std::int64_t sealed_at = 1700000000;

inline std::chrono::system_clock::time_point at(std::int64_t seconds)
{
    return std::chrono::system_clock::time_point(std::chrono::seconds(seconds));
}

// A sealer of domain `domain` with selector `selector`, its key published in `zone`.
inline dkim::SigningKey sealer(dkim::StaticZone& zone, std::string domain, std::string selector,
                               dkim::KeyType type)
{
    const dkim::GeneratedKey& key =
        type == dkim::KeyType::Rsa ? dkim::test::rsa_key() : dkim::test::ed25519_key();
    zone.add_txt(selector + "._domainkey." + domain, key.key_record);
    return dkim::SigningKey{
        std::move(domain), std::move(selector), key.key,
        type == dkim::KeyType::Rsa ? dkim::Algorithm::RsaSha256 : dkim::Algorithm::Ed25519Sha256};
}

struct Hop {
    ChainValidation incoming;
    ArcSet set;
    std::string message;  // the set's fields on top of the input
};

// Validates `input` as it arrives, then seals it ("arc=<status>" as the results); the test
// fails when sealing does.
inline Hop hop(dkim::StaticZone& zone, const dkim::SigningKey& key, std::string_view input,
               SealOptions options = {})
{
    Hop out;
    ValidateOptions validate;
    validate.now = at(sealed_at);
    out.incoming = validate_with_zone(zone, input, validate);
    options.now = at(sealed_at);
    Result<ArcSet> set = seal_message(input, key, "mx." + key.domain,
                                      "arc=" + std::string(chain_status_name(out.incoming.status)),
                                      out.incoming, options);
    EXPECT_TRUE(set) << set.error().to_string();
    if (set) {
        out.set = std::move(*set);
    }
    out.message = out.set.fields() + std::string(input);
    return out;
}

inline ChainValidation validate_at(dkim::StaticZone& zone, std::string_view text,
                                   ValidateOptions options = {})
{
    options.now = at(sealed_at);
    return validate_with_zone(zone, text, options);
}

}  // namespace harbor::auth::arc::test
