#include <algorithm>
#include <stdexcept>
#include <utility>

#include "../model/practice.hpp"
#include "../ode/ode_engine.hpp"
#include "../reduced/practice_reduced.hpp"
#include "../reduced/reduced_state.hpp"
#include "../reduced/sgd_reduced.hpp"
#include "../sgd/sgd_full.hpp"
#include "../util/parallel.hpp"
#include "engine.hpp"

namespace loradyn {

Engine parse_engine(const std::string& name) {
  if (name == "full") return Engine::Full;
  if (name == "reduced") return Engine::Reduced;
  if (name == "ode") return Engine::Ode;
  throw ConfigInvalid("engine", "must be one of full, reduced, ode (got '" + name + "')");
}

const char* engine_name(Engine e) {
  switch (e) {
    case Engine::Full:
      return "full";
    case Engine::Reduced:
      return "reduced";
    case Engine::Ode:
      return "ode";
  }
  return "?";
}

RunRecord run_one_cpu(Engine e, const RunConfig& cfg, uint64_t seed, const RunControl& ctl) {
  switch (e) {
    case Engine::Full:
      return simulate_full(cfg, seed, ctl);
    case Engine::Ode:
      return simulate_ode(cfg, seed, ctl);
    case Engine::Reduced:
      return uses_practice_options(cfg) ? simulate_reduced_practice(cfg, seed, ctl) : simulate_reduced(cfg, seed, ctl);
    default:
      break;
  }
  throw std::invalid_argument(std::string("engine '") + engine_name(e) + "' is not available in this build");
}

std::vector<std::vector<RunRecord>> Backend::run_many(Engine e, const std::vector<RunJob>& jobs, int threads,
                                                      const RunControl& ctl) {
  std::vector<std::vector<RunRecord>> out;
  out.reserve(jobs.size());
  for (const RunJob& j : jobs) out.push_back(run(e, j.cfg, j.seeds, threads, ctl));
  return out;
}

namespace {

class CpuBackend final : public Backend {
 public:
  const char* name() const override { return "cpu"; }
  bool supports(Engine) const override { return true; }  // full, reduced and ode
  std::vector<RunRecord> run(Engine e, const RunConfig& cfg, const std::vector<uint64_t>& seeds, int threads,
                             const RunControl& ctl) override {
    std::vector<RunRecord> out(seeds.size());
    // Seeds across threads; each run is single-threaded and deterministic, so the result
    // does not depend on the thread count.
    // Threads left over when there are fewer seeds than threads share each run's batch
    // (engine full); that too leaves the bits unchanged.
    const int n = static_cast<int>(seeds.size());
    const int inner = std::max(1, threads / std::max(1, n));
    parallel_for(n, threads, [&](int i) {
      out[i] = e == Engine::Full ? simulate_full(cfg, seeds[i], ctl, inner) : run_one_cpu(e, cfg, seeds[i], ctl);
    });
    return out;
  }

  // Every run of every job over the threads at once (a sweep of many one-seed points keeps
  // all cores busy); threads left over share each run's batch, as in run().
  std::vector<std::vector<RunRecord>> run_many(Engine e, const std::vector<RunJob>& jobs, int threads,
                                               const RunControl& ctl) override {
    std::vector<std::pair<int, int>> runs;
    std::vector<std::vector<RunRecord>> out(jobs.size());
    for (int j = 0; j < static_cast<int>(jobs.size()); ++j) {
      out[j].resize(jobs[j].seeds.size());
      for (int k = 0; k < static_cast<int>(jobs[j].seeds.size()); ++k) runs.emplace_back(j, k);
    }
    const int n = static_cast<int>(runs.size());
    const int inner = std::max(1, threads / std::max(1, n));
    parallel_for(n, threads, [&](int i) {
      const auto [j, k] = runs[i];
      const RunConfig& cfg = jobs[j].cfg;
      const uint64_t seed = jobs[j].seeds[k];
      out[j][k] = e == Engine::Full ? simulate_full(cfg, seed, ctl, inner) : run_one_cpu(e, cfg, seed, ctl);
    });
    return out;
  }
};

}  // namespace

Backend& cpu_backend() {
  static CpuBackend b;
  return b;
}

}  // namespace loradyn
