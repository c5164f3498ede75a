// Blocking work of a session (directory lookups, password hashing) runs on one of the
// handler's pools, never on an io thread (DESIGN.md "Concurrency"): a slow disk read or an
// argon2 check must not stall the other sessions of that thread.
#pragma once

#include <functional>

#include "store/awaitable.hpp"
#include "store/task_pool.hpp"

namespace harbor::smtp::server {

// Runs `work` on `pool` and resumes the session on its own executor with the result. Not a
// coroutine itself: GCC 12 destroyed the moved-into lambda twice when this was one. Callers
// name the std::function before the co_await, for the same reason.
template <typename T>
auto off_io_thread(store::TaskPool& pool, std::function<Result<T>()> work)
{
    return store::detail::async_store_call<T>(
        [&pool, work = std::move(work)](store::Done<T> done) mutable {
            pool.post([work = std::move(work), done = std::move(done)] { done(work()); });
        },
        boost::asio::use_awaitable);
}

}  // namespace harbor::smtp::server
