// The lookups mail authentication makes (SPF, DKIM, DMARC, ARC), behind an interface: the
// server answers them from the Resolver, and conformance suites (the SPF suite, the ARC and
// DKIM vectors) from the zone data each scenario carries, which no real zone can serve.
// Answers are tri-state as the Resolver's (resolver.hpp): records, Existence::NoData or
// NxDomain (SPF's "void lookup", RFC 7208 §4.6.4), or an Error.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>

#include <string>

#include "core/result.hpp"
#include "dns/records.hpp"

namespace harbor::dns {

class Resolver;

class Lookups {
public:
    template <typename T>
    using Awaitable = boost::asio::awaitable<T>;

    virtual ~Lookups() = default;
    virtual Awaitable<Result<AnswerTxt>> txt(std::string name) = 0;
    virtual Awaitable<Result<AnswerA>> a(std::string name) = 0;
    virtual Awaitable<Result<AnswerAaaa>> aaaa(std::string name) = 0;
    virtual Awaitable<Result<AnswerMx>> mx(std::string name) = 0;
    // PTR of the address's reverse name.
    virtual Awaitable<Result<AnswerPtr>> ptr(boost::asio::ip::address address) = 0;
};

// Lookups through a Resolver, which must outlive this.
class ResolverLookups final : public Lookups {
public:
    explicit ResolverLookups(Resolver& resolver) : resolver_(resolver) {}
    Awaitable<Result<AnswerTxt>> txt(std::string name) override;
    Awaitable<Result<AnswerA>> a(std::string name) override;
    Awaitable<Result<AnswerAaaa>> aaaa(std::string name) override;
    Awaitable<Result<AnswerMx>> mx(std::string name) override;
    Awaitable<Result<AnswerPtr>> ptr(boost::asio::ip::address address) override;

private:
    Resolver& resolver_;
};

}  // namespace harbor::dns
