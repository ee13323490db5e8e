// A fixed pool of threads with a bounded job queue, for `blocking` plugins.
// A full queue refuses the job (the request is answered `overloaded`) rather
// than letting memory grow without bound.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace wshost
{

class WorkerPool
{
  public:
    WorkerPool(int threads, std::size_t queue_size);
    ~WorkerPool(); // stop()
    // Runs what is queued, then joins the threads. Idempotent.
    void stop();
    WorkerPool(const WorkerPool &) = delete;
    WorkerPool &operator=(const WorkerPool &) = delete;

    // False when `queue_size` jobs are already waiting.
    bool try_submit(std::function<void()> job);

  private:
    void run();

    std::size_t queue_size_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> jobs_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

} // namespace wshost
