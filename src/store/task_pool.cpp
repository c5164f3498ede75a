// The store's small pool of blocking-work threads (see task_pool.hpp).
#include "store/task_pool.hpp"

#include "core/thread_name.hpp"

namespace harbor::store {

TaskPool::TaskPool(unsigned threads, std::string_view name) : name_(name)
{
    threads_.reserve(threads);
    for (unsigned i = 0; i < threads; ++i) {
        threads_.emplace_back([this] { loop(); });
    }
}

TaskPool::~TaskPool()
{
    shutdown();
}

void TaskPool::post(std::function<void()> task)
{
    std::unique_lock lock(mutex_);
    if (stopping_) {
        lock.unlock();
        task();
        return;
    }
    queue_.push_back(std::move(task));
    lock.unlock();
    // Notified after the unlock: a thread woken under the lock would sleep again on the mutex
    // (two more futex calls and context switches per task, where those cost the most).
    wake_.notify_one();
}

void TaskPool::shutdown()
{
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    for (std::thread& thread : threads_) {
        if (thread.joinable()) {
            thread.join();
        }
    }
}

void TaskPool::loop()
{
    name_this_thread(name_);
    for (;;) {
        std::function<void()> task;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) {
                return;
            }
            task = std::move(queue_.front());
            queue_.pop_front();
        }
        task();
    }
}

}  // namespace harbor::store
