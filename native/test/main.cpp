// loradyn_native_test: the core's own tests, without Node or CUDA (built and run by
// .ci/native-tests.sh, optimised and under AddressSanitizer + UndefinedBehaviorSanitizer).
// Usage: loradyn_native_test [SUBSTRING]   runs the cases whose name contains SUBSTRING.
#include <chrono>
#include <cstring>

#include "check.hpp"

namespace loradyn_test {
std::vector<Case>& cases() {
  static std::vector<Case> c;
  return c;
}
int& failures() {
  static int n = 0;
  return n;
}
}  // namespace loradyn_test

int main(int argc, char** argv) {
  using namespace loradyn_test;
  const char* only = argc > 1 ? argv[1] : nullptr;
  int run = 0, failed_cases = 0;
  for (const Case& c : cases()) {
    if (only && !std::strstr(c.name, only)) continue;
    const int before = failures();
    const auto t0 = std::chrono::steady_clock::now();
    try {
      c.body();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "  FAILED: unexpected exception: %s\n", e.what());
      ++failures();
    }
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    const bool ok = failures() == before;
    std::printf("%s %s (%.0f ms)\n", ok ? "ok  " : "FAIL", c.name, ms);
    ++run;
    failed_cases += ok ? 0 : 1;
  }
  std::printf("%d cases, %d failed\n", run, failed_cases);
  return failed_cases == 0 && run > 0 ? 0 : 1;
}
