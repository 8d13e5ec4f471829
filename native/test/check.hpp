// A minimal test harness for the native tests (no framework to install on a clean machine):
// CHECK records a failure with its file and line and goes on; main() reports the count.
#pragma once
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace loradyn_test {

struct Case {
  const char* name;
  std::function<void()> body;
};
std::vector<Case>& cases();
int& failures();

struct Register {
  Register(const char* name, std::function<void()> body) { cases().push_back({name, std::move(body)}); }
};

}  // namespace loradyn_test

#define LT_CAT2(a, b) a##b
#define LT_CAT(a, b) LT_CAT2(a, b)
#define TEST_CASE(name)                                                                          \
  static void LT_CAT(test_body_, __LINE__)();                                                    \
  static loradyn_test::Register LT_CAT(test_reg_, __LINE__)(name, LT_CAT(test_body_, __LINE__)); \
  static void LT_CAT(test_body_, __LINE__)()

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::fprintf(stderr, "  FAILED %s:%d: %s\n", __FILE__, __LINE__, #cond); \
      ++loradyn_test::failures();                                              \
    }                                                                          \
  } while (0)

#define CHECK_THROWS_AS(expr, type)                                                                     \
  do {                                                                                                  \
    bool thrown_ = false;                                                                               \
    try {                                                                                               \
      (void)(expr);                                                                                     \
    } catch (const type&) {                                                                             \
      thrown_ = true;                                                                                   \
    } catch (...) {                                                                                     \
    }                                                                                                   \
    if (!thrown_) {                                                                                     \
      std::fprintf(stderr, "  FAILED %s:%d: %s does not throw %s\n", __FILE__, __LINE__, #expr, #type); \
      ++loradyn_test::failures();                                                                       \
    }                                                                                                   \
  } while (0)
