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

#include <boost/asio/use_awaitable.hpp>

#include <functional>
#include <memory>
#include <utility>

#include "store/store.hpp"
#include "store/task_pool.hpp"

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

// co_await-able form of any call that reports once through a Done<T>, on any thread (the
// queue runner's recipient verification, say); resumes on the caller's executor.
template <typename T>
auto await_done(std::function<void(Done<T>)> start)
{
    return detail::async_store_call<T>(std::move(start), boost::asio::use_awaitable);
}

// Runs `work`, a blocking call (a directory lookup, a password check, a message read), on
// `pool` and resumes the calling coroutine on its own executor with the result: blocking calls
// never run on an io thread (DESIGN.md "Concurrency"). Not a coroutine itself: GCC 12 destroyed
// the moved-into lambda twice when this was one; callers name the std::function before the
// co_await for the same reason.
template <typename T>
auto off_io_thread(TaskPool& pool, std::function<Result<T>()> work)
{
    return detail::async_store_call<T>(
        [&pool, work = std::move(work)](Done<T> done) mutable {
            pool.post([work = std::move(work), done = std::move(done)] { done(work()); });
        },
        boost::asio::use_awaitable);
}

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

// co_await-able append_all (MULTIAPPEND); each request's bytes as for async_append.
template <typename CompletionToken>
auto async_append_all(Store& store, std::vector<AppendRequest> requests, CompletionToken&& token)
{
    return detail::async_store_call<std::vector<MessageRecord>>(
        [&store, requests = std::move(requests)](
            Done<std::vector<MessageRecord>> done) mutable {
            store.append_all_async(std::move(requests), std::move(done));
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

// co_await-able record_dmarc_result (a refused message's DMARC result, RFC 7489 §7.2).
template <typename CompletionToken>
auto async_record_dmarc_result(Store& store, DmarcResultRecord record, CompletionToken&& token)
{
    return detail::async_store_call<void>(
        [&store, record = std::move(record)](Done<void> done) mutable {
            store.record_dmarc_result_async(std::move(record), std::move(done));
        },
        std::forward<CompletionToken>(token));
}

// co_await-able forms of the IMAP writes (store.hpp documents each call).
template <typename CompletionToken>
auto async_create_mailbox(Store& store, AccountId account, std::string name,
                          std::string special_use, CompletionToken&& token)
{
    return detail::async_store_call<Mailbox>(
        [&store, account, name = std::move(name),
         special_use = std::move(special_use)](Done<Mailbox> done) mutable {
            store.create_mailbox_async(account, std::move(name), std::move(special_use),
                                       std::move(done));
        },
        std::forward<CompletionToken>(token));
}

template <typename CompletionToken>
auto async_delete_mailbox(Store& store, MailboxId mailbox, CompletionToken&& token)
{
    return detail::async_store_call<void>(
        [&store, mailbox](Done<void> done) { store.delete_mailbox_async(mailbox, std::move(done)); },
        std::forward<CompletionToken>(token));
}

template <typename CompletionToken>
auto async_delete_noselect_name(Store& store, AccountId account, std::string name,
                                CompletionToken&& token)
{
    return detail::async_store_call<void>(
        [&store, account, name = std::move(name)](Done<void> done) mutable {
            store.delete_noselect_name_async(account, std::move(name), std::move(done));
        },
        std::forward<CompletionToken>(token));
}

template <typename CompletionToken>
auto async_rename_mailbox(Store& store, AccountId account, std::string from, std::string to,
                          CompletionToken&& token)
{
    return detail::async_store_call<Mailbox>(
        [&store, account, from = std::move(from), to = std::move(to)](Done<Mailbox> done) mutable {
            store.rename_mailbox_async(account, std::move(from), std::move(to), std::move(done));
        },
        std::forward<CompletionToken>(token));
}

template <typename CompletionToken>
auto async_subscribe(Store& store, AccountId account, std::string name, CompletionToken&& token)
{
    return detail::async_store_call<void>(
        [&store, account, name = std::move(name)](Done<void> done) mutable {
            store.subscribe_async(account, std::move(name), std::move(done));
        },
        std::forward<CompletionToken>(token));
}

template <typename CompletionToken>
auto async_unsubscribe(Store& store, AccountId account, std::string name,
                       CompletionToken&& token)
{
    return detail::async_store_call<void>(
        [&store, account, name = std::move(name)](Done<void> done) mutable {
            store.unsubscribe_async(account, std::move(name), std::move(done));
        },
        std::forward<CompletionToken>(token));
}

template <typename CompletionToken>
auto async_store_flags(Store& store, StoreFlagsRequest request, CompletionToken&& token)
{
    return detail::async_store_call<StoreFlagsResult>(
        [&store, request = std::move(request)](Done<StoreFlagsResult> done) mutable {
            store.store_flags_async(std::move(request), std::move(done));
        },
        std::forward<CompletionToken>(token));
}

template <typename CompletionToken>
auto async_expunge(Store& store, MailboxId mailbox, UidSet uids, ExpungeScope scope,
                   CompletionToken&& token)
{
    return detail::async_store_call<ExpungeResult>(
        [&store, mailbox, uids = std::move(uids), scope](Done<ExpungeResult> done) mutable {
            store.expunge_async(mailbox, std::move(uids), scope, std::move(done));
        },
        std::forward<CompletionToken>(token));
}

template <typename CompletionToken>
auto async_copy(Store& store, MailboxId source, UidSet uids, MailboxId destination,
                CompletionToken&& token)
{
    return detail::async_store_call<CopyResult>(
        [&store, source, uids = std::move(uids), destination](Done<CopyResult> done) mutable {
            store.copy_async(source, std::move(uids), destination, std::move(done));
        },
        std::forward<CompletionToken>(token));
}

template <typename CompletionToken>
auto async_move(Store& store, MailboxId source, UidSet uids, MailboxId destination,
                CompletionToken&& token)
{
    return detail::async_store_call<CopyResult>(
        [&store, source, uids = std::move(uids), destination](Done<CopyResult> done) mutable {
            store.move_async(source, std::move(uids), destination, std::move(done));
        },
        std::forward<CompletionToken>(token));
}

// co_await-able forms of the queue runner's writes; the notices' bytes are copied before
// record_queue_attempt_async returns.
template <typename CompletionToken>
auto async_record_queue_attempt(Store& store, QueueAttempt attempt, CompletionToken&& token)
{
    return detail::async_store_call<void>(
        [&store, attempt = std::move(attempt)](Done<void> done) mutable {
            store.record_queue_attempt_async(std::move(attempt), std::move(done));
        },
        std::forward<CompletionToken>(token));
}

}  // namespace harbor::store
