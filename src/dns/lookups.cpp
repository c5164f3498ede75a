#include "dns/lookups.hpp"

#include <boost/asio/use_awaitable.hpp>

#include "dns/resolver.hpp"

namespace harbor::dns {

namespace asio = boost::asio;

Lookups::Awaitable<Result<AnswerTxt>> ResolverLookups::txt(std::string name)
{
    co_return co_await resolver_.async_txt(std::move(name), asio::use_awaitable);
}

Lookups::Awaitable<Result<AnswerA>> ResolverLookups::a(std::string name)
{
    co_return co_await resolver_.async_a(std::move(name), asio::use_awaitable);
}

Lookups::Awaitable<Result<AnswerAaaa>> ResolverLookups::aaaa(std::string name)
{
    co_return co_await resolver_.async_aaaa(std::move(name), asio::use_awaitable);
}

Lookups::Awaitable<Result<AnswerMx>> ResolverLookups::mx(std::string name)
{
    co_return co_await resolver_.async_mx(std::move(name), asio::use_awaitable);
}

Lookups::Awaitable<Result<AnswerPtr>> ResolverLookups::ptr(boost::asio::ip::address address)
{
    co_return co_await resolver_.async_ptr(address, asio::use_awaitable);
}

}  // namespace harbor::dns
