// Starting a thread with a clear error instead of a crash. std::thread's constructor throws
// std::system_error when the process may not create another thread (a pids cgroup, ulimit -u,
// no memory for a stack); destroying a std::thread that is still joinable then calls
// std::terminate. Every thread of the core and the addon starts through start_thread, and
// every owner joins what it started before it lets the error go on.
#pragma once
#include <atomic>
#include <cerrno>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <utility>

namespace loradyn {

class ThreadStartError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Test hook: the n-th thread start from now on (1 = the next one) fails as if the system had
// refused it (EAGAIN); 0 disarms. A pids cgroup cannot be made everywhere tests run.
inline std::atomic<int64_t>& thread_failure_countdown() {
  static std::atomic<int64_t> n{0};
  return n;
}
inline void inject_thread_failure(int64_t nth) { thread_failure_countdown().store(nth); }

// Starts f on a new thread; `what` names the thread in the error ("worker thread 5 of 256").
template <class F>
std::thread start_thread(const std::string& what, F&& f) {
  try {
    std::atomic<int64_t>& c = thread_failure_countdown();
    int64_t n = c.load();
    while (n > 0 && !c.compare_exchange_weak(n, n - 1)) {
    }
    if (n == 1) throw std::system_error(EAGAIN, std::generic_category(), "injected failure");
    return std::thread(std::forward<F>(f));
  } catch (const std::system_error& e) {
    throw ThreadStartError("could not start " + what + " (" + e.what() +
                           "): the process may not create more threads; lower the thread count (threads, --threads) "
                           "or raise the limit on processes (ulimit -u, the cgroup's pids.max)");
  }
}

}  // namespace loradyn
