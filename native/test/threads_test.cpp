// A thread that cannot start is a ThreadStartError; what was started is joined (a joinable
// std::thread destroyed would std::terminate this program).
#include <atomic>

#include "../core/engine/engine.hpp"
#include "../core/util/parallel.hpp"
#include "../core/util/thread_pool.hpp"
#include "check.hpp"

using namespace loradyn;

TEST_CASE("threads: parallel_for refuses cleanly at every start") {
  for (int nth = 1; nth <= 4; ++nth) {
    std::atomic<int> ran{0};
    inject_thread_failure(nth);
    CHECK_THROWS_AS(parallel_for(64, 4, [&](int) { ran.fetch_add(1); }), ThreadStartError);
    inject_thread_failure(0);
    CHECK(ran.load() <= 64);
  }
  std::atomic<int> ran{0};
  parallel_for(64, 4, [&](int) { ran.fetch_add(1); });
  CHECK(ran.load() == 64);
}

TEST_CASE("threads: TaskPool refuses cleanly at every helper") {
  for (int nth = 1; nth <= 3; ++nth) {
    inject_thread_failure(nth);
    CHECK_THROWS_AS(TaskPool(4), ThreadStartError);
    inject_thread_failure(0);
  }
  TaskPool pool(4);
  std::atomic<int> ran{0};
  pool.run(100, [&](int, int) { ran.fetch_add(1); });
  CHECK(ran.load() == 100);
}

TEST_CASE("threads: a run whose threads are refused throws, the next one runs") {
  RunConfig c;
  c.model.activation = Activation::parse("linear");
  c.model.teacher = Link{c.model.activation, false};
  c.model.d = 200;
  c.model.mu = {0.5};
  c.train.batch = 256;
  c.train.steps = 3;
  const std::vector<uint64_t> seeds{1, 2, 3, 4};
  inject_thread_failure(2);
  CHECK_THROWS_AS(cpu_backend().run(Engine::Full, c, seeds, 4, RunControl{}), ThreadStartError);
  inject_thread_failure(0);
  CHECK(cpu_backend().run(Engine::Full, c, seeds, 4, RunControl{}).size() == 4);
}
