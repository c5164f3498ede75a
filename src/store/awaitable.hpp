// Asio adapter for the store's *_async calls: any completion token, e.g.
//     Result<MessageRecord> r = co_await store::async_append(store, request, asio::use_awaitable);
// The store completes on its own thread; the result is posted back to the handler's executor
// (the coroutine's), so the io thread never blocks and the session resumes on its own thread.
// The only store header that includes Asio.
#pragma once

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include <memory>
#include <utility>

#include "store/store.hpp"

namespace harbor::store {
namespace detail {

// Initiates `start(callback)`, where the store calls callback(Result<T>) on any thread, and
// delivers the result to the handler through its associated executor. The executor is kept
// busy (work guard) until then, so io_context::run() does not return under a pending write.
template <typename T, typename CompletionToken, typename Start>
auto async_store_call(Start start, CompletionToken&& token)
{
    return boost::asio::async_initiate<CompletionToken, void(Result<T>)>(
        [](auto handler, Start start_call) {
            using Handler = decltype(handler);
            auto executor = boost::asio::get_associated_executor(handler);
            struct Pending {
                Handler handler;
                boost::asio::executor_work_guard<decltype(executor)> work;
            };
            // Shared: Done is a std::function, which needs a copyable callable; the handler
            // and the work guard are move-only.
            auto pending = std::make_shared<Pending>(
                Pending{std::move(handler), boost::asio::make_work_guard(executor)});
            start_call([pending](Result<T> result) {
                boost::asio::post(pending->work.get_executor(),
                                  [pending, result = std::move(result)]() mutable {
                                      std::move(pending->handler)(std::move(result));
                                  });
                // Only now may the executor run out of work: post() has fully returned, so a
                // context destroyed right after its last handler is not touched from here again.
                pending->work.reset();
            });
        },
        token, std::move(start));
}

}  // namespace detail

// co_await-able append. request.bytes must stay valid until the operation is initiated (with
// use_awaitable: until the co_await expression runs); append_async copies it then.
template <typename CompletionToken>
auto async_append(Store& store, AppendRequest request, CompletionToken&& token)
{
    return detail::async_store_call<MessageRecord>(
        [&store, request = std::move(request)](Done<MessageRecord> done) mutable {
            store.append_async(std::move(request), std::move(done));
        },
        std::forward<CompletionToken>(token));
}

// co_await-able deliver; request.bytes as for async_append.
template <typename CompletionToken>
auto async_deliver(Store& store, DeliverRequest request, CompletionToken&& token)
{
    return detail::async_store_call<DeliverResult>(
        [&store, request = std::move(request)](Done<DeliverResult> done) mutable {
            store.deliver_async(std::move(request), std::move(done));
        },
        std::forward<CompletionToken>(token));
}

}  // namespace harbor::store
