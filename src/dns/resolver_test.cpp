// Resolver against a real, private unbound server on loopback (unbound_server_for_test.hpp):
// every record type parsed, NXDOMAIN and NODATA as answers, timeouts and REFUSED as temporary
// errors, concurrent lookups from two io threads resuming on their own executors, and
// libunbound's cache (one query within the TTL, another after it). The server's log counts the
// queries that reached it.
#include "dns/resolver.hpp"
#include "dns/resolver_thread.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <thread>

#include "dns/unbound_server_for_test.hpp"

namespace harbor::dns {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// Names under the "example." TLD (RFC 2606): libunbound answers "test." itself (RFC 6761 §6.2,
// one of its default local zones), as it does the reverse zones of the documentation prefixes,
// so addresses are RFC 1918 ones, whose reverse zones the Resolver forwards (resolver.cpp).
constexpr std::string_view zone = R"(
    local-zone: "harbor.example." static
    local-data: "harbor.example. 300 IN MX 10 mx1.harbor.example."
    local-data: "harbor.example. 300 IN MX 20 MX2.Harbor.EXAMPLE."
    local-data: "harbor.example. 300 IN MX 5 mx0.harbor.example."
    local-data: "mx1.harbor.example. 300 IN A 192.0.2.1"
    local-data: "mx1.harbor.example. 300 IN A 192.0.2.2"
    local-data: "mx1.harbor.example. 300 IN AAAA 2001:db8::1"
    local-data: 'harbor.example. 300 IN TXT "v=spf1 " "ip4:192.0.2.0/24 " "-all"'
    local-data: 'long.harbor.example. 300 IN TXT "LONG1" "LONG2"'
    local-data: "null.harbor.example. 300 IN MX 0 ."
    local-data: "_25._tcp.mx1.harbor.example. 300 IN TLSA 3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    local-data: "cached.harbor.example. 300 IN A 192.0.2.7"
    local-data: "short.harbor.example. 1 IN A 192.0.2.9"
    local-zone: "0.0.10.in-addr.arpa." static
    local-data: "1.0.0.10.in-addr.arpa. 300 IN PTR MX1.harbor.example."
    local-zone: "refused.example." refuse
)";

// A TXT record over 255 bytes must be split into character-strings (RFC 1035 §3.3.14).
const std::string long1(255, 'a');
const std::string long2(45, 'b');

std::string zone_config()
{
    std::string text(zone);
    text.replace(text.find("LONG1"), 5, long1);
    text.replace(text.find("LONG2"), 5, long2);
    return text;
}

using test::run;
using test::TempDir;

class ResolverTest : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        dir_ = new TempDir;
        auto started = test::UnboundServer::start(dir_->path(), zone_config());
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
    }
    ~ResolverTest() override
    {
        // Destroying the Resolver posts its close; running io once more lets it finish.
        resolver_.reset();
        io_.restart();
        io_.run();
    }

    Resolver& resolver(ResolverSettings settings = {})
    {
        if (settings.forwarders.empty()) {
            settings.forwarders = {server_->forwarder()};
        }
        auto created = Resolver::create(io_.get_executor(), std::move(settings));
        EXPECT_TRUE(created) << created.error().to_string();
        resolver_.emplace(std::move(*created));
        return *resolver_;
    }

    static inline TempDir* dir_ = nullptr;
    static inline test::UnboundServer* server_ = nullptr;
    static inline std::string* start_error_ = nullptr;
    asio::io_context io_;
    std::optional<Resolver> resolver_;
};

TEST_F(ResolverTest, ParsesEveryRecordType)
{
    Resolver& dns = resolver();

    auto a = run(io_, dns.async_a("mx1.harbor.example", asio::use_awaitable));
    ASSERT_TRUE(a) << a.error().to_string();
    ASSERT_EQ(a->records.size(), 2u);
    EXPECT_EQ(a->existence, Existence::Records);
    EXPECT_EQ(a->security, Security::Insecure);
    EXPECT_GT(a->ttl, 0s);
    EXPECT_LE(a->ttl, 300s);
    std::vector<std::string> v4;
    for (const auto& address : a->records) {
        v4.push_back(address.to_string());
    }
    std::sort(v4.begin(), v4.end());
    EXPECT_EQ(v4, (std::vector<std::string>{"192.0.2.1", "192.0.2.2"}));

    auto aaaa = run(io_, dns.async_aaaa("mx1.harbor.example", asio::use_awaitable));
    ASSERT_TRUE(aaaa) << aaaa.error().to_string();
    ASSERT_EQ(aaaa->records.size(), 1u);
    EXPECT_EQ(aaaa->records[0].to_string(), "2001:db8::1");

    auto mx = run(io_, dns.async_mx("harbor.example", asio::use_awaitable));
    ASSERT_TRUE(mx) << mx.error().to_string();
    std::vector<Mx> hosts = mx->records;
    std::sort(hosts.begin(), hosts.end(),
              [](const Mx& l, const Mx& r) { return l.preference < r.preference; });
    EXPECT_EQ(hosts, (std::vector<Mx>{{5, "mx0.harbor.example"},
                                      {10, "mx1.harbor.example"},
                                      {20, "mx2.harbor.example"}}));

    auto null_mx = run(io_, dns.async_mx("null.harbor.example.", asio::use_awaitable));
    ASSERT_TRUE(null_mx) << null_mx.error().to_string();
    EXPECT_EQ(null_mx->records, (std::vector<Mx>{{0, ""}}));  // RFC 7505

    auto txt = run(io_, dns.async_txt("harbor.example", asio::use_awaitable));
    ASSERT_TRUE(txt) << txt.error().to_string();
    EXPECT_EQ(txt->records, (std::vector<std::string>{"v=spf1 ip4:192.0.2.0/24 -all"}));

    auto long_txt = run(io_, dns.async_txt("long.harbor.example", asio::use_awaitable));
    ASSERT_TRUE(long_txt) << long_txt.error().to_string();
    EXPECT_EQ(long_txt->records, (std::vector<std::string>{long1 + long2}));

    auto ptr = run(io_, dns.async_ptr(asio::ip::make_address("10.0.0.1"), asio::use_awaitable));
    ASSERT_TRUE(ptr) << ptr.error().to_string();
    EXPECT_EQ(ptr->records, (std::vector<std::string>{"mx1.harbor.example"}));

    auto tlsa = run(io_, dns.async_tlsa("_25._tcp.mx1.harbor.example", asio::use_awaitable));
    ASSERT_TRUE(tlsa) << tlsa.error().to_string();
    ASSERT_EQ(tlsa->records.size(), 1u);
    EXPECT_EQ(tlsa->records[0].usage, 3);
    EXPECT_EQ(tlsa->records[0].selector, 1);
    EXPECT_EQ(tlsa->records[0].matching_type, 1);
    std::vector<std::uint8_t> data;
    for (int i = 0; i < 2; ++i) {
        for (std::uint8_t byte : {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45,
                                  0x67, 0x89, 0xab, 0xcd, 0xef}) {
            data.push_back(byte);
        }
    }
    EXPECT_EQ(tlsa->records[0].data, data);
}

TEST_F(ResolverTest, NxDomainAndNoDataAreAnswers)
{
    Resolver& dns = resolver();
    auto nx = run(io_, dns.async_a("nothere.harbor.example", asio::use_awaitable));
    ASSERT_TRUE(nx) << nx.error().to_string();
    EXPECT_TRUE(nx->nxdomain());
    EXPECT_FALSE(nx->nodata());
    EXPECT_TRUE(nx->records.empty());

    auto nodata = run(io_, dns.async_txt("mx1.harbor.example", asio::use_awaitable));
    ASSERT_TRUE(nodata) << nodata.error().to_string();
    EXPECT_TRUE(nodata->nodata());
    EXPECT_FALSE(nodata->nxdomain());
    EXPECT_TRUE(nodata->records.empty());
}

TEST_F(ResolverTest, RefusedIsATemporaryError)
{
    Resolver& dns = resolver();
    auto refused = run(io_, dns.async_a("www.refused.example", asio::use_awaitable));
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, Errc::TempFail) << refused.error().to_string();
}

TEST_F(ResolverTest, NoAnswerIsATemporaryErrorAfterTheTimeout)
{
    test::SilentServer silent;
    Resolver& dns =
        resolver({.forwarders = {silent.forwarder()}, .trust_anchors = {}, .query_timeout = 300ms});
    auto started = std::chrono::steady_clock::now();
    auto answer = run(io_, dns.async_mx("harbor.example", asio::use_awaitable));
    auto elapsed = std::chrono::steady_clock::now() - started;
    ASSERT_FALSE(answer);
    EXPECT_EQ(answer.error().code, Errc::TempFail) << answer.error().to_string();
    EXPECT_NE(answer.error().detail.find("no answer within 300 ms"), std::string::npos)
        << answer.error().detail;
    EXPECT_GE(elapsed, 250ms);
    EXPECT_LT(elapsed, 2s);
}

TEST_F(ResolverTest, BadNameIsInvalid)
{
    Resolver& dns = resolver();
    auto answer = run(io_, dns.async_a("a..b.harbor.example", asio::use_awaitable));
    ASSERT_FALSE(answer);
    EXPECT_EQ(answer.error().code, Errc::Invalid) << answer.error().to_string();
}

TEST_F(ResolverTest, DestroyingTheResolverCompletesPendingLookupsAsClosed)
{
    test::SilentServer silent;
    Resolver& dns =
        resolver({.forwarders = {silent.forwarder()}, .trust_anchors = {}, .query_timeout = 30s});
    std::optional<Result<AnswerA>> answer;
    asio::co_spawn(io_, dns.async_a("harbor.example", asio::use_awaitable),
                   [&](std::exception_ptr, Result<AnswerA> result) { answer = std::move(result); });
    io_.run_for(100ms);  // the query is with libunbound now
    ASSERT_FALSE(answer);
    resolver_.reset();
    io_.restart();
    io_.run();  // returns: the close released the pipe watch and the timer
    ASSERT_TRUE(answer);
    ASSERT_FALSE(*answer);
    EXPECT_EQ(answer->error().code, Errc::Closed);
}

TEST_F(ResolverTest, ConcurrentLookupsFromTwoThreadsResumeOnTheirOwnExecutors)
{
    constexpr int per_thread = 100;
    Resolver& dns = resolver();
    auto resolver_work = asio::make_work_guard(io_);
    std::thread resolver_thread([this] { io_.run(); });

    asio::io_context first;
    asio::io_context second;
    std::atomic<int> succeeded = 0;
    std::atomic<int> on_own_thread = 0;
    auto lookup = [&](asio::io_context& home, int i) -> asio::awaitable<void> {
        if (i % 2 == 0) {
            auto mx = co_await dns.async_mx("harbor.example", asio::use_awaitable);
            succeeded += mx && mx->records.size() == 3;
        } else {
            auto a = co_await dns.async_a("mx1.harbor.example", asio::use_awaitable);
            succeeded += a && a->records.size() == 2;
        }
        on_own_thread += home.get_executor().running_in_this_thread();
    };
    for (int i = 0; i < per_thread; ++i) {
        asio::co_spawn(first, lookup(first, i), asio::detached);
        asio::co_spawn(second, lookup(second, i), asio::detached);
    }
    std::thread first_thread([&] { first.run(); });
    std::thread second_thread([&] { second.run(); });
    first_thread.join();  // run() returns once each coroutine has finished
    second_thread.join();
    resolver_work.reset();
    io_.stop();
    resolver_thread.join();

    EXPECT_EQ(succeeded, 2 * per_thread);
    EXPECT_EQ(on_own_thread, 2 * per_thread);
}

// The SMTP sessions' way in: lookups through a ResolverThread from another thread's executor,
// through the dns::Lookups interface.
TEST_F(ResolverTest, AResolverThreadAnswersLookupsFromOtherExecutors)
{
    // `home` outlives the resolver thread, which may still let go of home's executor after
    // the answer resumed the coroutine (as the server's io threads outlive its ResolverThread).
    asio::io_context home;
    ResolverSettings settings;
    settings.forwarders = {server_->forwarder()};
    auto started = ResolverThread::start(settings);
    ASSERT_TRUE(started) << started.error().to_string();
    Lookups& lookups = (*started)->lookups();

    bool resumed_at_home = false;
    auto ask = [&]() -> asio::awaitable<std::size_t> {
        Result<AnswerMx> mx = co_await lookups.mx("harbor.example");
        Result<AnswerA> missing = co_await lookups.a("nothing.harbor.example");
        resumed_at_home = home.get_executor().running_in_this_thread();
        const bool none = missing && missing->nxdomain();
        co_return mx&& none ? mx->records.size() : 0;
    };
    EXPECT_EQ(run(home, ask()), 3u);
    EXPECT_TRUE(resumed_at_home);
}

// libunbound's cache answers within the TTL (resolver.hpp): Harbor keeps none of its own.
TEST_F(ResolverTest, CacheAnswersWithinTheTtlAndAsksAgainAfterIt)
{
    Resolver& dns = resolver();
    for (int i = 0; i < 3; ++i) {
        auto a = run(io_, dns.async_a("cached.harbor.example", asio::use_awaitable));
        ASSERT_TRUE(a) << a.error().to_string();
    }
    EXPECT_EQ(server_->queries_for("cached.harbor.example", "A"), 1);

    auto first = run(io_, dns.async_a("short.harbor.example", asio::use_awaitable));
    ASSERT_TRUE(first) << first.error().to_string();
    EXPECT_EQ(first->ttl, 1s);
    std::this_thread::sleep_for(2s);  // past the 1 s TTL
    auto second = run(io_, dns.async_a("short.harbor.example", asio::use_awaitable));
    ASSERT_TRUE(second) << second.error().to_string();
    EXPECT_EQ(server_->queries_for("short.harbor.example", "A"), 2);
}

}  // namespace

void PrintTo(const Mx& mx, std::ostream* out)
{
    *out << mx.preference << " " << mx.host;
}

}  // namespace harbor::dns
