// One io_context per thread (DESIGN.md, Concurrency): a connection is accepted onto one
// context and lives on its thread for its whole life, so sessions need no locks.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

#include "net/awaitable.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

namespace harbor::net {

class IoPool {
public:
    // threads == 0: one per core.
    explicit IoPool(std::size_t threads);
    ~IoPool();
    IoPool(const IoPool&) = delete;
    IoPool& operator=(const IoPool&) = delete;

    std::size_t size() const { return contexts_.size(); }
    asio::io_context& at(std::size_t index) { return *contexts_[index]; }
    asio::io_context& next();  // round robin, thread-safe

    void start();  // one thread per context; they run until stop()
    void stop();   // stops every context now (pending handlers are dropped)
    void join();

private:
    using Guard = asio::executor_work_guard<asio::io_context::executor_type>;

    std::vector<std::unique_ptr<asio::io_context>> contexts_;
    std::vector<Guard> guards_;
    std::vector<std::thread> threads_;
    std::atomic<std::size_t> next_{0};
};

}  // namespace harbor::net
