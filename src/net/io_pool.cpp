// The io threads. A handler that throws must not take the whole server down: it is logged and
// the thread goes back to running its context.
#include "net/io_pool.hpp"

#include <algorithm>
#include <exception>

#include "core/log.hpp"
#include "core/thread_name.hpp"

namespace harbor::net {

IoPool::IoPool(std::size_t threads)
{
    if (threads == 0) {
        threads = std::max(1u, std::thread::hardware_concurrency());
    }
    for (std::size_t i = 0; i < threads; ++i) {
        // Concurrency hint 1: each context is only ever run by its one thread.
        contexts_.push_back(std::make_unique<asio::io_context>(1));
        guards_.push_back(asio::make_work_guard(*contexts_.back()));
    }
}

IoPool::~IoPool()
{
    stop();
    join();
    // Destroying a context destroys the session frames still pending on it, and those may hold
    // the last reference to a listener whose acceptor lives on context 0. So context 0 goes
    // last: every other context's frames release their references while it is still alive.
    while (!contexts_.empty()) {
        contexts_.pop_back();
    }
}

asio::io_context& IoPool::next()
{
    return *contexts_[next_.fetch_add(1, std::memory_order_relaxed) % contexts_.size()];
}

void IoPool::start()
{
    for (auto& context : contexts_) {
        threads_.emplace_back([ctx = context.get()] {
            name_this_thread("io");
            for (;;) {
                try {
                    ctx->run();
                    return;
                } catch (const std::exception& e) {
                    log::error("net.io_thread.exception", {{"error", e.what()}});
                } catch (...) {
                    log::error("net.io_thread.exception", {{"error", "unknown"}});
                }
            }
        });
    }
}

void IoPool::stop()
{
    guards_.clear();
    for (auto& context : contexts_) {
        context->stop();
    }
}

void IoPool::join()
{
    for (auto& thread : threads_) {
        if (thread.joinable()) {
            thread.join();
        }
    }
    threads_.clear();
}

}  // namespace harbor::net
