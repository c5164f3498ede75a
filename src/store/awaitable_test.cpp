// store::async_append from Asio coroutines: 200 coroutines on 2 io threads append at once; every
// acknowledged write is there after close and reopen, the writer batched them (fewer commits
// than writes), and each coroutine resumed on its own executor rather than the writer thread.
#include "store/awaitable.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <map>
#include <mutex>

#include "store/test_support.hpp"

namespace harbor::store {
namespace {

namespace asio = boost::asio;
using testing::append_request;
using testing::make_alice;
using testing::open_or_fail;
using testing::TempDir;

std::string body_for(int coroutine, int round)
{
    return "Subject: c" + std::to_string(coroutine) + " r" + std::to_string(round) +
           "\r\n\r\nbody\r\n";
}

TEST(AsyncAppend, ManyCoroutinesOnTwoThreadsAreAllDurableAndBatched)
{
    constexpr int coroutines = 200;
    constexpr int rounds = 3;
    TempDir dir;
    std::mutex mutex;
    std::map<std::uint32_t, std::string> acked;  // uid -> body
    std::atomic<int> failures{0};
    std::atomic<int> resumed_off_executor{0};
    AccountId account;
    MailboxId mailbox;
    std::uint64_t commits = 0;
    {
        std::unique_ptr<Store> store = open_or_fail(dir.path());
        ASSERT_NE(store, nullptr);
        account = make_alice(*store).id;
        const std::uint64_t commits_before = store->commit_count_for_test();

        asio::thread_pool pool(2);
        for (int c = 0; c < coroutines; ++c) {
            asio::co_spawn(
                pool,
                [&, c]() -> asio::awaitable<void> {
                    for (int round = 0; round < rounds; ++round) {
                        std::string body = body_for(c, round);
                        Result<MessageRecord> record = co_await async_append(
                            *store, append_request(account, "INBOX", body), asio::use_awaitable);
                        if (!pool.get_executor().running_in_this_thread()) {
                            ++resumed_off_executor;
                        }
                        if (!record) {
                            ++failures;
                            continue;
                        }
                        std::lock_guard lock(mutex);
                        mailbox = record->mailbox;
                        acked.emplace(record->uid, std::move(body));
                    }
                },
                asio::detached);
        }
        pool.join();
        commits = store->commit_count_for_test() - commits_before;
    }
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(resumed_off_executor.load(), 0);
    ASSERT_EQ(acked.size(), std::size_t{coroutines * rounds});
    EXPECT_LT(commits, std::uint64_t{coroutines * rounds}) << "no batching happened";

    std::unique_ptr<Store> reopened = open_or_fail(dir.path());
    ASSERT_NE(reopened, nullptr);
    Result<std::vector<MessageRecord>> messages = reopened->list_messages(mailbox);
    ASSERT_TRUE(messages);
    ASSERT_EQ(messages->size(), acked.size());
    for (const MessageRecord& message : *messages) {
        auto it = acked.find(message.uid);
        ASSERT_NE(it, acked.end()) << message.uid;
        Result<std::string> body = reopened->read_blob(message.blob);
        ASSERT_TRUE(body);
        EXPECT_EQ(*body, it->second);
    }
}

TEST(AsyncAppend, ErrorsArriveAsValues)
{
    TempDir dir;
    std::unique_ptr<Store> store = open_or_fail(dir.path());
    ASSERT_NE(store, nullptr);
    asio::thread_pool pool(1);
    std::optional<Errc> got;
    asio::co_spawn(
        pool,
        [&]() -> asio::awaitable<void> {
            Result<MessageRecord> record = co_await async_append(
                *store, append_request(AccountId{42}, "INBOX", "x"), asio::use_awaitable);
            got = record ? std::nullopt : std::optional<Errc>(record.error().code);
        },
        asio::detached);
    pool.join();
    EXPECT_EQ(got, Errc::NotFound);
}

}  // namespace
}  // namespace harbor::store
