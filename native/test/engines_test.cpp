// The engines through the core's entry: the fast full-d step equals the reference step bit for
// bit; an abort is seen inside a long step; a state that is not finite at step 0 is reported
// as diverged at step 0; the generator matches its known answers.
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <thread>

#include "../core/engine/validate.hpp"
#include "../core/ode/ode_engine.hpp"
#include "../core/reduced/sgd_reduced.hpp"
#include "../core/rng/philox.hpp"
#include "../core/sgd/sgd_full.hpp"
#include "check.hpp"

using namespace loradyn;

namespace {
RunConfig cfg(const char* act, int64_t d, int K, int r, int64_t B, int64_t steps, double eta = 0.2) {
  RunConfig c;
  c.model.activation = Activation::parse(act);
  c.model.teacher = Link{c.model.activation, false};
  c.model.d = d;
  c.model.hidden = K;
  c.model.rank = r;
  c.model.mu.assign(K, 0.5);
  c.train.batch = B;
  c.train.eta = eta;
  c.train.steps = steps;
  c.record.points = 20;
  return c;
}
bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}
RunRecord run(Engine e, const RunConfig& c, uint64_t seed, const RunControl& ctl = RunControl{}) {
  validate_run(c, e, BackendChoice::Cpu);
  return run_one_cpu(e, c, seed, ctl);
}
}  // namespace

TEST_CASE("engines: philox4x32-10 known answers") {
  const Philox4 a = philox4x32_10(0, 0, 0, 0, 0, 0);
  CHECK(a.v[0] == 0x6627e8d5u && a.v[1] == 0xe169c58du && a.v[2] == 0xbc57ac4cu && a.v[3] == 0x9b00dbd8u);
  const Philox4 b = philox4x32_10(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0);
  CHECK(b.v[0] == 0xd16cfe09u && b.v[1] == 0x94fdccebu && b.v[2] == 0x5001e420u && b.v[3] == 0x24126ea1u);
}

TEST_CASE("engines: fast full-d step = reference step, bit for bit") {
  for (const RunConfig& c :
       {cfg("erf", 300, 1, 1, 1, 40), cfg("relu", 257, 1, 1, 33, 20), cfg("he3", 100, 2, 2, 70, 10)}) {
    validate_run(c, Engine::Full, BackendChoice::Cpu);
    const RunRecord fast = simulate_full(c, 7, RunControl{}, 2);
    const RunRecord ref = simulate_full_reference(c, 7, RunControl{});
    CHECK(same_bits(fast.m, ref.m) && same_bits(fast.u, ref.u) && same_bits(fast.pop_loss, ref.pop_loss));
  }
}

TEST_CASE("engines: every engine runs and records") {
  for (Engine e : {Engine::Full, Engine::Reduced, Engine::Ode}) {
    const RunRecord r = run(e, cfg("erf", 60, 1, 1, 10, 50), 3);
    CHECK(r.steps_done == 50 && r.diverged_step < 0 && r.step.size() >= 2);
    for (double L : r.pop_loss) CHECK(std::isfinite(L));
  }
}

TEST_CASE("engines: an abort is seen inside a step of a large batch") {
  // One step of each is seconds of work; the abort comes 50 ms in.
  const RunConfig full = cfg("erf", 100000, 1, 1, 100000, 3);
  const RunConfig red = cfg("erf", 1000, 1, 1, int64_t{1} << 24, 3);
  for (auto [e, c] : {std::pair<Engine, RunConfig>{Engine::Full, full}, {Engine::Reduced, red}}) {
    std::atomic<bool> cancel{false};
    RunControl ctl;
    ctl.cancel = &cancel;
    std::thread stopper([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      cancel.store(true);
    });
    const auto t0 = std::chrono::steady_clock::now();
    const RunRecord r = run(e, c, 1, ctl);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    stopper.join();
    std::printf("  %s: cancelled after %.0f ms (abort at 50 ms)\n", engine_name(e), ms);
    CHECK(r.cancelled);
    CHECK(r.steps_done == 0);
  }
}

TEST_CASE("engines: a state that is not finite at step 0 diverges at step 0") {
  for (Engine e : {Engine::Full, Engine::Reduced, Engine::Ode}) {
    RunConfig c = cfg("linear", 50, 1, 1, 5, 20);
    c.model.u0 = 1e300;  // Q = u^2 overflows at once
    const RunRecord r = run(e, c, 1);
    CHECK(r.diverged_step == 0);
    CHECK(r.steps_done == 0);
    if (e == Engine::Ode) continue;  // the ODE's time is steps x eta: a huge eta is a long, stable run
    RunConfig g = cfg("linear", 50, 1, 1, 5, 20);
    g.train.eta = 1e300;  // finite at the start, not after one step
    const RunRecord q = run(e, g, 1);
    CHECK(q.diverged_step >= 1 && q.steps_done == q.diverged_step);
  }
}
