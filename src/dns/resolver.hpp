// Asynchronous DNS resolver over libunbound (DESIGN.md "dns/"), integrated with Asio:
//     Result<AnswerMx> mx = co_await resolver.async_mx("example.com", asio::use_awaitable);
// Lookups are tri-state (STYLE.md §10.4): records, an answer saying there are none (NXDOMAIN or
// NODATA, which SPF counts as void lookups), or an Error:
//   - Errc::TempFail: SERVFAIL, REFUSED and every other RCODE, no answer within the query
//     timeout, a DNSSEC-bogus answer (detail names "bogus" and libunbound's why_bogus), a
//     malformed RDATA, a libunbound failure; try again later;
//   - Errc::Invalid: a name libunbound cannot parse;
//   - Errc::Closed: the Resolver was destroyed before the answer came.
// Caching: libunbound keeps a message and RRset cache and answers from it until the TTL runs
// out, so Harbor has no cache of its own (resolver_test proves both halves).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/address.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "dns/async_call.hpp"
#include "dns/rdata.hpp"
#include "dns/records.hpp"

namespace harbor::dns {

struct ResolverSettings {
    // Recursive resolvers to forward to, "IP" or "IP@PORT"; empty: those of /etc/resolv.conf.
    std::vector<std::string> forwarders;
    // DS or DNSKEY records in presentation format ("example. IN DS 12345 13 2 ab..."); empty:
    // no DNSSEC validation, every answer is Security::Insecure.
    std::vector<std::string> trust_anchors;
    // The longest a lookup waits before it fails with Errc::TempFail.
    std::chrono::milliseconds query_timeout{std::chrono::seconds(10)};
};

// One query's outcome before its RDATA are parsed.
struct RawAnswer {
    std::vector<std::vector<std::uint8_t>> rdata;
    std::chrono::seconds ttl{0};
    Security security = Security::Insecure;
    Existence existence = Existence::Records;
};

// Owns one libunbound context with its own resolver thread (ub_ctx_async threaded); its
// result pipe is watched on a strand of the executor given to create(). Every public member is
// safe to call from any thread; each result is delivered on the completion handler's own
// executor. The watch on the pipe is outstanding work: the executor's run() does not return
// while the Resolver lives. Destroying the Resolver completes pending lookups with
// Errc::Closed (once its executor runs again) and releases the libunbound context after that.
class Resolver {
public:
    static Result<Resolver> create(boost::asio::any_io_executor executor,
                                   ResolverSettings settings);

    Resolver(Resolver&&) noexcept = default;
    Resolver& operator=(Resolver&&) noexcept;
    ~Resolver();

    // Completion signature of each: void(Result<AnswerX>).
    template <typename Token>
    auto async_a(std::string name, Token&& token)
    {
        return lookup(std::move(name), RrType::A, &parse_a, std::forward<Token>(token));
    }
    template <typename Token>
    auto async_aaaa(std::string name, Token&& token)
    {
        return lookup(std::move(name), RrType::Aaaa, &parse_aaaa, std::forward<Token>(token));
    }
    template <typename Token>
    auto async_mx(std::string name, Token&& token)
    {
        return lookup(std::move(name), RrType::Mx, &parse_mx, std::forward<Token>(token));
    }
    template <typename Token>
    auto async_txt(std::string name, Token&& token)
    {
        return lookup(std::move(name), RrType::Txt, &parse_txt, std::forward<Token>(token));
    }
    // PTR of the address's reverse name (rdata.hpp reverse_name).
    template <typename Token>
    auto async_ptr(const boost::asio::ip::address& address, Token&& token)
    {
        return lookup(reverse_name(address), RrType::Ptr, &parse_ptr, std::forward<Token>(token));
    }
    // name is the TLSA owner, e.g. "_25._tcp.mx.example.com" (RFC 7672 §2.2).
    template <typename Token>
    auto async_tlsa(std::string name, Token&& token)
    {
        return lookup(std::move(name), RrType::Tlsa, &parse_tlsa, std::forward<Token>(token));
    }

    // Starts one query; done runs on the resolver's strand. The building block of the above.
    void start_query(std::string name, RrType type, detail::Done<RawAnswer> done);

private:
    class Impl;
    explicit Resolver(std::shared_ptr<Impl> impl);

    template <typename T, typename Token>
    auto lookup(std::string name, RrType type, Result<T> (*parse)(Rdata), Token&& token);

    std::shared_ptr<Impl> impl_;
};

namespace detail {

// Parses every RDATA of a raw answer; one malformed record fails the whole lookup.
template <typename T>
Result<Answer<T>> decode(Result<RawAnswer> raw, Result<T> (*parse)(Rdata))
{
    if (!raw) {
        return unexpected(std::move(raw).error());
    }
    Answer<T> answer;
    answer.ttl = raw->ttl;
    answer.security = raw->security;
    answer.existence = raw->existence;
    answer.records.reserve(raw->rdata.size());
    for (const auto& rdata : raw->rdata) {
        Result<T> record = parse(rdata);
        if (!record) {
            return unexpected(Errc::TempFail, "malformed answer: " + record.error().detail);
        }
        answer.records.push_back(std::move(*record));
    }
    return answer;
}

}  // namespace detail

template <typename T, typename Token>
auto Resolver::lookup(std::string name, RrType type, Result<T> (*parse)(Rdata), Token&& token)
{
    return detail::async_call<Answer<T>>(
        [this, name = std::move(name), type, parse](detail::Done<Answer<T>> done) mutable {
            start_query(std::move(name), type,
                        [parse, done = std::move(done)](Result<RawAnswer> raw) {
                            done(detail::decode(std::move(raw), parse));
                        });
        },
        std::forward<Token>(token));
}

}  // namespace harbor::dns
