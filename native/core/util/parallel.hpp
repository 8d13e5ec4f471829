// Runs tasks 0..n-1 on up to `threads` std::threads; each task runs exactly once.
#pragma once
#include <algorithm>
#include <atomic>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "thread_start.hpp"

namespace loradyn {

inline int hardware_threads() {
  const unsigned h = std::thread::hardware_concurrency();
  return h == 0 ? 1 : static_cast<int>(h);
}

// If a thread cannot be started, the ones already running are stopped after their current
// task (no new task is taken) and joined, and ThreadStartError is thrown: never terminate.
inline void parallel_for(int n, int threads, const std::function<void(int)>& task) {
  const int t = std::max(1, std::min(threads, n));
  std::atomic<int> next{0};
  std::exception_ptr error;
  std::mutex error_mu;
  auto worker = [&] {
    for (int i = next++; i < n; i = next++) {
      try {
        task(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mu);
        if (!error) error = std::current_exception();
      }
    }
  };
  if (t == 1) {
    worker();
  } else {
    std::vector<std::thread> pool;
    pool.reserve(t);
    try {
      for (int i = 0; i < t; ++i)
        pool.push_back(start_thread("worker thread " + std::to_string(i + 1) + " of " + std::to_string(t), worker));
    } catch (...) {
      next.store(n);  // the running workers take no new task
      for (auto& th : pool) th.join();
      throw;
    }
    for (auto& th : pool) th.join();
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace loradyn
