// Asio coroutine vocabulary: the one spelling of the completion token Harbor uses, so every
// I/O operation hands back its error as a value (a tuple) instead of throwing (STYLE.md §8).
// Include this (or net/connection.hpp) only where coroutines are written; core never does.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>

namespace harbor {

namespace asio = boost::asio;

namespace net {

template <typename T = void>
using Awaitable = asio::awaitable<T>;

// `auto [ec, n] = co_await socket.async_read_some(buffer, net::use_tuple);`
inline constexpr asio::as_tuple_t<asio::use_awaitable_t<>> use_tuple{};

// Every read and write has an absolute deadline on the monotonic clock.
using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

inline Deadline deadline_after(Clock::duration duration)
{
    return Clock::now() + duration;
}

}  // namespace net
}  // namespace harbor
