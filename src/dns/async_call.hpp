// Completion-token adapter for the resolver: `start(done)` completes on the resolver's strand;
// done() posts the result to the handler's own executor, so a coroutine resumes on its own
// thread (the pattern of store/awaitable.hpp, which dns/ cannot include: DESIGN.md "Modules").
#pragma once

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include <functional>
#include <memory>
#include <utility>

#include "core/result.hpp"

namespace harbor::dns::detail {

template <typename T>
using Done = std::function<void(Result<T>)>;

// The handler's executor is kept busy (work guard) until the result is posted to it, so its
// io_context::run() does not return under a pending lookup.
template <typename T, typename CompletionToken, typename Start>
auto async_call(Start start, CompletionToken&& token)
{
    return boost::asio::async_initiate<CompletionToken, void(Result<T>)>(
        [](auto handler, Start start_call) {
            using Handler = decltype(handler);
            auto executor = boost::asio::get_associated_executor(handler);
            struct Pending {
                Handler handler;
                boost::asio::executor_work_guard<decltype(executor)> work;
            };
            // Shared: Done is a std::function, which needs a copyable callable.
            auto pending = std::make_shared<Pending>(
                Pending{std::move(handler), boost::asio::make_work_guard(executor)});
            start_call(Done<T>([pending](Result<T> result) {
                boost::asio::post(pending->work.get_executor(),
                                  [pending, result = std::move(result)]() mutable {
                                      std::move(pending->handler)(std::move(result));
                                  });
                pending->work.reset();
            }));
        },
        token, std::move(start));
}

}  // namespace harbor::dns::detail
