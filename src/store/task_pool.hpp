// A fixed set of threads running queued tasks: where the store does blocking work (blob hashing,
// writing and fsync) on behalf of async callers, so no io thread ever blocks on a disk.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace harbor::store {

class TaskPool {
public:
    // `name` names the threads (core/thread_name.hpp): "smtp-lookup", "blob", …
    TaskPool(unsigned threads, std::string_view name);
    TaskPool(const TaskPool&) = delete;
    TaskPool& operator=(const TaskPool&) = delete;
    ~TaskPool();

    // Tasks must not throw. After shutdown() a posted task runs on the caller's thread, so no
    // work (and no completion) is ever dropped.
    void post(std::function<void()> task);
    // Runs everything already queued, then joins the threads. Idempotent.
    void shutdown();

private:
    void loop();

    std::string name_;

    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> queue_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace harbor::store
