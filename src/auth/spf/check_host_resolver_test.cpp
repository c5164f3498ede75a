// check_host() through the real Resolver (dns::ResolverLookups) against a private unbound on
// loopback (dns/unbound_server_for_test.hpp): a zone whose SPF record uses include, a, mx and
// redirect, TXT records split into character-strings, a refused zone for temperror.
#include "auth/spf/check_host.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <optional>

#include "dns/resolver.hpp"
#include "dns/unbound_server_for_test.hpp"

namespace harbor::auth::spf {
namespace {

namespace asio = boost::asio;

// Under "example." (RFC 2606) with RFC 1918 / ULA addresses: libunbound answers "test." and
// the documentation prefixes itself (see dns/resolver_test.cpp).
constexpr std::string_view zone = R"(
    local-zone: "spf.example." static
    local-data: 'spf.example. 300 IN TXT "v=spf1 include:inc.spf.example a:www.spf.example " "mx -all exp=why.spf.example"'
    local-data: 'spf.example. 300 IN TXT "google-site-verification=not-spf"'
    local-data: 'inc.spf.example. 300 IN TXT "v=spf1 ip4:10.1.0.0/16 -all"'
    local-data: "www.spf.example. 300 IN A 10.2.0.1"
    local-data: "spf.example. 300 IN MX 10 mail.spf.example."
    local-data: "mail.spf.example. 300 IN A 10.3.0.1"
    local-data: "mail.spf.example. 300 IN AAAA fd00::3"
    local-data: 'why.spf.example. 300 IN TXT "%{i} is not one of %{d}s mail servers"'
    local-data: 'redirect.spf.example. 300 IN TXT "v=spf1 ip4:10.4.0.0/16 redirect=spf.example"'
    local-data: 'two.spf.example. 300 IN TXT "v=spf1 +all"'
    local-data: 'two.spf.example. 300 IN TXT "v=spf1 -all"'
    local-zone: "refused.example." refuse
)";

class SpfResolverTest : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        dir_ = new dns::test::TempDir;
        auto started = dns::test::UnboundServer::start(dir_->path(), zone);
        if (started) {
            server_ = std::move(*started).release();
        } else {
            start_error_ = new std::string(started.error().to_string());
        }
    }
    static void TearDownTestSuite()
    {
        delete server_;
        server_ = nullptr;
        delete dir_;
        delete start_error_;
    }
    void SetUp() override
    {
        ASSERT_NE(server_, nullptr)
            << "the private unbound server did not start: " << *start_error_;
        dns::ResolverSettings settings;
        settings.forwarders = {server_->forwarder()};
        auto created = dns::Resolver::create(io_.get_executor(), std::move(settings));
        ASSERT_TRUE(created) << created.error().to_string();
        resolver_.emplace(std::move(*created));
        lookups_.emplace(*resolver_);
    }
    ~SpfResolverTest() override
    {
        lookups_.reset();
        resolver_.reset();
        io_.restart();
        io_.run();
    }

    Outcome check(const char* ip, const char* domain)
    {
        Request request;
        request.ip = asio::ip::make_address(ip);
        request.domain = domain;
        request.sender = std::string("someone@") + domain;
        request.helo = "client.example";
        return dns::test::run(io_, check_host(*lookups_, request));
    }

    static inline dns::test::TempDir* dir_ = nullptr;
    static inline dns::test::UnboundServer* server_ = nullptr;
    static inline std::string* start_error_ = nullptr;
    asio::io_context io_;
    std::optional<dns::Resolver> resolver_;
    std::optional<dns::ResolverLookups> lookups_;
};

TEST_F(SpfResolverTest, IncludeAMxAndFail)
{
    const std::pair<const char*, const char*> passes[] = {
        {"10.1.2.3", "include:inc.spf.example"},
        {"10.2.0.1", "a:www.spf.example"},
        {"10.3.0.1", "mx"},
        {"fd00::3", "mx"},
        {"::ffff:10.3.0.1", "mx"},
    };
    for (const auto& [ip, mechanism] : passes) {
        Outcome outcome = check(ip, "spf.example");
        EXPECT_EQ(outcome.status, Status::Pass) << ip << ": " << outcome.reason;
        EXPECT_EQ(outcome.mechanism, mechanism) << ip;
    }
    Outcome fail = check("10.9.9.9", "spf.example");
    EXPECT_EQ(fail.status, Status::Fail) << fail.reason;
    EXPECT_EQ(fail.mechanism, "-all");
    EXPECT_EQ(fail.explanation, "10.9.9.9 is not one of spf.examples mail servers");
    EXPECT_EQ(check("fd00::9", "spf.example").status, Status::Fail);
}

TEST_F(SpfResolverTest, RedirectNoneMultipleAndTempError)
{
    EXPECT_EQ(check("10.4.1.1", "redirect.spf.example").status, Status::Pass);
    Outcome redirected = check("10.9.9.9", "redirect.spf.example");
    EXPECT_EQ(redirected.status, Status::Fail);
    EXPECT_EQ(redirected.explanation, "10.9.9.9 is not one of spf.examples mail servers");
    EXPECT_EQ(redirected.domain, "redirect.spf.example");

    Outcome none = check("10.1.2.3", "nothere.spf.example");
    EXPECT_EQ(none.status, Status::None) << none.reason;
    EXPECT_EQ(check("10.1.2.3", "two.spf.example").status, Status::PermError);
    Outcome refused = check("10.1.2.3", "www.refused.example");
    EXPECT_EQ(refused.status, Status::TempError) << refused.reason;
    EXPECT_FALSE(refused.reason.empty());
}

}  // namespace
}  // namespace harbor::auth::spf
