// Real ARC chains from outside Harbor: Stalwart mail-auth resources/arc/001-002 (shared/testdata,
// read-only; DNS lines, a blank line, the message). 001 is sealed by Google (rsa-sha256, one
// set); 002 has two sets, ed25519-sha256 then rsa-sha256, over a DKIM-signed message. Both pass,
// at Stalwart's fixed clock (README: "fix the clock"), with CRLF and with the stored LF line
// ends; and each still passes after Harbor seals it once more.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "auth/arc/arc_testing.hpp"
#include "auth/arc/seal.hpp"
#include "auth/dkim/crypto.hpp"

namespace harbor::auth::arc {
namespace {

const std::filesystem::path arc_vectors =
    std::filesystem::path(HARBOR_TESTDATA_DIR) / "dkim-arc/stalwart-mail-auth/resources/arc";
constexpr std::int64_t stalwart_clock = 1667843664;

struct Vector {
    dkim::StaticZone zone;
    std::string message;  // as stored (LF)
};

Vector load(const std::string& name)
{
    std::ifstream in(arc_vectors / name, std::ios::binary);
    EXPECT_TRUE(in) << name;
    std::stringstream text;
    text << in.rdbuf();
    const std::string all = text.str();
    const std::size_t split = all.find("\n\n");
    EXPECT_NE(split, std::string::npos) << name;
    Vector vector;
    vector.zone.add_lines(std::string_view(all).substr(0, split));
    vector.message = all.substr(split + 2);
    return vector;
}

ValidateOptions at_clock()
{
    ValidateOptions options;
    options.now = std::chrono::system_clock::time_point(std::chrono::seconds(stalwart_clock));
    return options;
}

struct Case {
    std::string file;
    unsigned sets;
    std::vector<std::string> seal_domains;  // each set's AS d=, from i=1
};

TEST(ArcVectors, StalwartChainsPass)
{
    const std::vector<Case> cases = {
        {"001.txt", 1, {"google.com"}},
        {"002.txt", 2, {"scamorza.org", "manchego.org"}},
    };
    for (const Case& test : cases) {
        SCOPED_TRACE(test.file);
        Vector vector = load(test.file);
        const std::string crlf = dkim::to_crlf(vector.message);
        for (const std::string* message :
             {&crlf, static_cast<const std::string*>(&vector.message)}) {
            const ChainValidation result = validate_with_zone(vector.zone, *message, at_clock());
            EXPECT_EQ(result.status, ChainStatus::Pass) << result.reason;
            EXPECT_EQ(result.sets, test.sets);
            EXPECT_EQ(result.oldest_pass, 0u);  // nothing changed since the first set
            ASSERT_EQ(result.instances.size(), test.sets);
            for (std::size_t k = 0; k < test.sets; ++k) {
                EXPECT_EQ(result.instances[k].seal_domain, test.seal_domains[k]);
                EXPECT_EQ(result.instances[k].seal, SignatureCheck::Pass);
                EXPECT_EQ(result.instances[k].message_signature, SignatureCheck::Pass);
                EXPECT_EQ(result.instances[k].cv, k == 0 ? ChainStatus::None : ChainStatus::Pass);
            }
        }
        // A changed body breaks every AMS, the newest first: the chain fails (§5.2 step 4).
        const ChainValidation changed =
            validate_with_zone(vector.zone, crlf + "one more line\r\n", at_clock());
        EXPECT_EQ(changed.status, ChainStatus::Fail);

        // Harbor seals it once more; the longer chain passes.
        const ChainValidation incoming = validate_with_zone(vector.zone, crlf, at_clock());
        const dkim::GeneratedKey key = *dkim::generate_key(dkim::KeyType::Ed25519);
        vector.zone.add_txt("arc._domainkey.harbor.example", key.key_record);
        SealOptions options;
        options.now = std::chrono::system_clock::time_point(std::chrono::seconds(stalwart_clock));
        const Result<ArcSet> set =
            seal_message(crlf, {"harbor.example", "arc", key.key, dkim::Algorithm::Ed25519Sha256},
                         "mx.harbor.example", "arc=pass", incoming, options);
        ASSERT_TRUE(set) << set.error().to_string();
        EXPECT_EQ(set->instance, test.sets + 1);
        EXPECT_EQ(set->cv, ChainStatus::Pass);
        const ChainValidation resealed =
            validate_with_zone(vector.zone, set->fields() + crlf, at_clock());
        EXPECT_EQ(resealed.status, ChainStatus::Pass) << resealed.reason;
        EXPECT_EQ(resealed.sets, test.sets + 1);
    }
}

}  // namespace
}  // namespace harbor::auth::arc
