// A small persistent pool for the tasks of one SGD step: starting threads every step would
// cost more than a step at small d. run(n, f) calls f(task, worker) for task 0..n-1 on the
// caller and threads-1 helpers, and returns when all are done. Which worker runs which task
// varies; callers make results depend on the task only.
#pragma once
#include <atomic>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "thread_start.hpp"

namespace loradyn {

class TaskPool {
 public:
  // Throws ThreadStartError (after stopping the helpers it did start) when a helper cannot start.
  explicit TaskPool(int threads) {
    try {
      for (int w = 1; w < threads; ++w)
        helpers_.push_back(
            start_thread("step helper thread " + std::to_string(w) + " of " + std::to_string(threads - 1),
                         [this, w] { helper_loop(w); }));
    } catch (...) {
      stop();
      throw;
    }
  }
  ~TaskPool() { stop(); }
  TaskPool(const TaskPool&) = delete;
  TaskPool& operator=(const TaskPool&) = delete;

  int workers() const { return static_cast<int>(helpers_.size()) + 1; }

  void run(int n, const std::function<void(int, int)>& f) {
    if (helpers_.empty() || n <= 1) {
      for (int i = 0; i < n; ++i) f(i, 0);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      job_ = &f;
      n_ = n;
      next_.store(0);
      active_ = static_cast<int>(helpers_.size());
      error_ = nullptr;
      ++generation_;
    }
    wake_.notify_all();
    work(0);
    std::unique_lock<std::mutex> lock(mu_);
    done_.wait(lock, [this] { return active_ == 0; });
    job_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    wake_.notify_all();
    for (auto& t : helpers_) t.join();
    helpers_.clear();
  }

  void work(int worker) {
    for (int i = next_++; i < n_; i = next_++) {
      try {
        (*job_)(i, worker);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mu_);
        if (!error_) error_ = std::current_exception();
      }
    }
  }

  void helper_loop(int worker) {
    uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
        if (stop_) return;
        seen = generation_;
      }
      work(worker);
      std::lock_guard<std::mutex> lock(mu_);
      if (--active_ == 0) done_.notify_one();
    }
  }

  std::vector<std::thread> helpers_;
  std::mutex mu_;
  std::condition_variable wake_, done_;
  const std::function<void(int, int)>* job_ = nullptr;
  int n_ = 0;
  std::atomic<int> next_{0};
  int active_ = 0;
  uint64_t generation_ = 0;
  bool stop_ = false;
  std::exception_ptr error_;
};

}  // namespace loradyn
