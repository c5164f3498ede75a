// DNSSEC status of answers (RFC 4035 §4.3) against the private unbound server, which serves two
// zones signed at test time with ldns-keygen / ldns-signzone (Debian ldnsutils) as auth-zones:
// signed.example, whose DS is the Resolver's trust anchor (Secure); tampered.example, signed
// the same way and then edited, so its RRSIG no longer matches (Bogus, an error); and plain
// local data outside any anchor (Insecure).
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fstream>
#include <optional>
#include <sstream>

#include "dns/resolver.hpp"
#include "dns/unbound_server_for_test.hpp"

namespace harbor::dns {
namespace {

namespace asio = boost::asio;
using test::run;
using test::TempDir;

using test::auth_zone;
using test::read_text;

Result<std::string> sign_zone(const std::filesystem::path& dir, const std::string& zone)
{
    return test::sign_zone(dir, zone, "www IN A 10.0.0.80\n");
}

class DnssecTest : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        dir_ = new TempDir;
        setup_error_ = new std::string;
        auto signed_ds = sign_zone(dir_->path(), "signed.example");
        auto tampered_ds = sign_zone(dir_->path(), "tampered.example");
        if (!signed_ds || !tampered_ds) {
            *setup_error_ = (signed_ds ? tampered_ds : signed_ds).error().to_string();
            return;
        }
        anchors_ = new std::vector<std::string>{*signed_ds, *tampered_ds};
        // Change the signed A record's data; its RRSIG now covers other bytes.
        auto tampered = dir_->path() / "tampered.example.zone.signed";
        std::string text = read_text(tampered);
        auto at = text.find("10.0.0.80");
        if (at == std::string::npos) {
            *setup_error_ = "no A record to tamper with in " + tampered.string();
            return;
        }
        text.replace(at, 9, "10.0.0.81");
        std::ofstream(tampered) << text;

        auto started = test::UnboundServer::start(
            dir_->path(),
            "    local-zone: \"plain.example.\" static\n"
            "    local-data: \"www.plain.example. 300 IN A 10.0.0.90\"\n",
            auth_zone(dir_->path(), "signed.example") +
                auth_zone(dir_->path(), "tampered.example"));
        if (!started) {
            *setup_error_ = started.error().to_string();
            return;
        }
        server_ = std::move(*started).release();
    }
    static void TearDownTestSuite()
    {
        delete server_;
        server_ = nullptr;
        delete anchors_;
        delete setup_error_;
        delete dir_;
    }
    void SetUp() override
    {
        ASSERT_NE(server_, nullptr) << "DNSSEC test set-up failed: " << *setup_error_;
        auto created =
            Resolver::create(io_.get_executor(), {.forwarders = {server_->forwarder()},
                                                  .trust_anchors = *anchors_,
                                                  .query_timeout = std::chrono::seconds(10)});
        ASSERT_TRUE(created) << created.error().to_string();
        resolver_.emplace(std::move(*created));
    }
    ~DnssecTest() override
    {
        resolver_.reset();
        io_.restart();
        io_.run();
    }

    static inline TempDir* dir_ = nullptr;
    static inline std::string* setup_error_ = nullptr;
    static inline std::vector<std::string>* anchors_ = nullptr;
    static inline test::UnboundServer* server_ = nullptr;
    asio::io_context io_;
    std::optional<Resolver> resolver_;
};

TEST_F(DnssecTest, SignedZoneUnderTheTrustAnchorIsSecure)
{
    auto a = run(io_, resolver_->async_a("www.signed.example", asio::use_awaitable));
    ASSERT_TRUE(a) << a.error().to_string();
    EXPECT_EQ(a->security, Security::Secure);
    ASSERT_EQ(a->records.size(), 1u);
    EXPECT_EQ(a->records[0].to_string(), "10.0.0.80");

    // Proven non-existence is secure too (RFC 4035 §5.4).
    auto nx = run(io_, resolver_->async_a("nothere.signed.example", asio::use_awaitable));
    ASSERT_TRUE(nx) << nx.error().to_string();
    EXPECT_TRUE(nx->nxdomain());
    EXPECT_EQ(nx->security, Security::Secure);
}

TEST_F(DnssecTest, NameOutsideEveryTrustAnchorIsInsecure)
{
    auto a = run(io_, resolver_->async_a("www.plain.example", asio::use_awaitable));
    ASSERT_TRUE(a) << a.error().to_string();
    EXPECT_EQ(a->security, Security::Insecure);
    ASSERT_EQ(a->records.size(), 1u);
}

TEST_F(DnssecTest, TamperedSignatureIsABogusTemporaryError)
{
    auto a = run(io_, resolver_->async_a("www.tampered.example", asio::use_awaitable));
    ASSERT_FALSE(a) << "a bogus answer reached the caller";
    EXPECT_EQ(a.error().code, Errc::TempFail);
    EXPECT_NE(a.error().detail.find("bogus"), std::string::npos) << a.error().detail;
}

}  // namespace
}  // namespace harbor::dns
