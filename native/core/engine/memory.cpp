#include "memory.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "../model/practice.hpp"
#include "../model/record.hpp"
#include "../reduced/reduced_state.hpp"

namespace loradyn {

namespace {

constexpr double kDouble = 8;
// Per run, besides its trajectory: the RunRecord and its vectors' allocations, the typed
// arrays and run object it becomes in JavaScript (measured: 100000 runs of 11 points raise the
// resident memory by 7.8 KB each, 0.8 KB of them the trajectory).
constexpr double kRunOverhead = 7168;

int64_t grid_points(const RunConfig& c) {
  // The distinct log-spaced steps actually recorded (fewer than record.points where steps are few).
  // record.dense adds every step up to it.
  const int64_t dense = std::min<int64_t>(c.record.dense, c.train.steps);
  if ((c.record.points > 100000 || dense > 100000) && c.train.steps > 100000)  // a bound, without a huge grid
    return std::min<int64_t>(c.record.points + dense, c.train.steps + 1);
  return static_cast<int64_t>(log_step_grid(c.train.steps, c.record.points, c.record.dense).size());
}

std::string gib(double b) {
  char buf[32];
  if (b >= 0.1 * 1073741824.0)
    std::snprintf(buf, sizeof buf, "%.1f GiB", b / 1073741824.0);
  else
    std::snprintf(buf, sizeof buf, "%.1f MiB", b / 1048576.0);
  return buf;
}

}  // namespace

double run_record_bytes(const RunConfig& c) {
  const double K = c.model.hidden, r = c.model.rank, d = static_cast<double>(c.model.d);
  // step, t, m (r K), u (K r), M, Q (K^2), pop_loss, batch_loss; the grid (int64).
  const double per_point = 2 + 2 * r * K + 2 * K * K + 2 + 1;
  double bytes = kDouble * per_point * static_cast<double>(grid_points(c)) + kRunOverhead;
  if (c.record.final_state) bytes += kDouble * (K * r + r * d + 2 * K * d);
  return bytes;
}

double run_state_bytes(const RunConfig& c, Engine e, int threads) {
  const auto& m = c.model;
  const double K = m.hidden, r = m.rank, d = static_cast<double>(m.d);
  switch (e) {
    case Engine::Full: {
      // train.optimizer's buffers beside the state: one (momentum) or two (Adam) per entry of U and V.
      const auto k = c.train.optimizer.kind;
      const double buffers = k == OptimizerKind::Adam ? 2 : k == OptimizerKind::Momentum ? 1 : 0;
      return full_run_bytes(c, threads) + kDouble * buffers * r * (d + K);
    }
    case Engine::Reduced: {
      const double f = reduced_max_fixed_dim(m), q = f + r, nq = q + (m.noise > 0 ? 1 : 0);
      // The rank-1 loop (one unit, rank 1, a one-dimensional frame, no practice option) holds the
      // whole batch's frame coordinates; the general loop and the practice chain draw
      // kReducedChunkSamples at a time. The frame's dimension is known only at the start (a
      // misaligned or given w0 may still span one direction): one unit at rank 1 counts the batch.
      const bool whole_batch = K == 1 && r == 1 && !uses_practice_options(c);
      const double rows = whole_batch ? static_cast<double>(c.train.batch)
                                      : static_cast<double>(std::min<int64_t>(c.train.batch, kReducedChunkSamples));
      double bytes = kDouble * (std::ceil(rows * nq / 4) * 4 + 16 * (q + r) * (q + r));
      // Given w0 or V rows: their coordinates are found by Gram-Schmidt in R^d at the start.
      const bool given_w0 = m.pretrained == Pretrained::Given, given_v = !m.init_v.empty();
      if (given_w0 || given_v) bytes += kDouble * d * ((given_w0 ? K : 0) + (given_v ? r : 0) + 1);
      return bytes;
    }
    case Engine::Ode: {
      const double n = K * r + 2 * r * K + r * r;  // the overlap state
      return kDouble * (16 * n + 8 * K * K);       // Dopri5 stages and work vectors
    }
  }
  return 0;
}

MemoryEstimate estimate_call(const std::vector<MemoryJob>& jobs, int threads) {
  MemoryEstimate est;
  threads = std::max(1, threads);
  int64_t runs = 0;
  for (const MemoryJob& j : jobs) runs += j.seeds;
  const int inner = static_cast<int>(std::max<int64_t>(1, threads / std::max<int64_t>(1, runs)));
  const int64_t concurrent = std::max<int64_t>(1, std::min<int64_t>(threads, runs));
  // The runs in flight at once: the `concurrent` largest states (a bound: which ones overlap
  // depends on timing).
  std::vector<std::pair<double, size_t>> states;
  for (size_t i = 0; i < jobs.size(); ++i) {
    const double s = run_state_bytes(*jobs[i].cfg, jobs[i].engine, inner);
    for (int64_t k = 0; k < std::min<int64_t>(jobs[i].seeds, concurrent); ++k) states.emplace_back(s, i);
  }
  std::partial_sort(states.begin(), states.begin() + std::min<size_t>(states.size(), concurrent), states.end(),
                    [](const auto& a, const auto& b) { return a.first > b.first; });
  double state = 0;
  size_t biggest = 0;
  for (size_t k = 0; k < states.size() && static_cast<int64_t>(k) < concurrent; ++k) {
    state += states[k].first;
    if (k == 0) biggest = states[k].second;
  }
  double records = 0, configs = 0;
  bool dense = false;
  for (const MemoryJob& j : jobs) {
    dense = dense || j.cfg->record.dense > 0;
    records += run_record_bytes(*j.cfg) * static_cast<double>(j.seeds);
    const auto& m = j.cfg->model;
    configs += kDouble * static_cast<double>(m.w0.size() + m.init_v.size() + m.init_u.size()) + kDouble * j.seeds;
  }
  est.job = biggest;
  if (!jobs.empty()) {
    const RunConfig& b = *jobs[biggest].cfg;
    const Engine e = jobs[biggest].engine;
    const std::string n = std::to_string(concurrent) + " run" + (concurrent > 1 ? "s" : "") + " at once";
    std::string path = "model.d";
    if (e == Engine::Reduced)
      path = "train.batch";
    else if (e == Engine::Full) {
      // The batch's parts (up to 16, of 32 samples or more) each hold a gradient of V (rank x d).
      const double parts = static_cast<double>(std::min<int64_t>(16, (b.train.batch + 31) / 32));
      if (kDouble * parts * b.model.rank * static_cast<double>(b.model.d) > 0.5 * full_run_bytes(b, inner))
        path = "train.batch";
    } else if (e == Engine::Ode)
      path = "model.rank";
    MemoryItem st{std::string("engine '") + engine_name(e) + "' state and step buffers, " + n, path, state, 0, ""};
    if (path == "train.batch" && e == Engine::Full) {  // with one batch part the state would be
      const double parts = static_cast<double>(std::min<int64_t>(16, (b.train.batch + 31) / 32));
      st.bytes_at_least = state - static_cast<double>(concurrent) * kDouble * (parts - 1) * b.model.rank *
                                      static_cast<double>(b.model.d);
      st.otherwise = "model.d";
    }
    est.items.push_back(st);
    est.items.push_back({"records of " + std::to_string(runs) + " run" + (runs > 1 ? "s" : "") +
                             (dense ? " (record.dense + record.points, x seeds)" : " (record.points x seeds)"),
                         dense ? "record.dense" : "record.points", records, 0, ""});
    est.items.push_back({"the configs' vectors and seeds", "model.pretrained.w0", configs, 0, ""});
  }
  for (const MemoryItem& i : est.items) est.bytes += i.bytes;
  return est;
}

MemoryBudget memory_budget_from(double physical, const std::string& proc_self_cgroup, const std::string& cgroup_root) {
  MemoryBudget b{physical, "physical memory"};
  auto consider = [&](double bytes, const std::string& what) {
    if (bytes > 0 && bytes < b.bytes) b = {bytes, what};
  };
  // /proc/self/cgroup: "0::/path" (v2) or "N:memory:/path" (v1). Limits of the cgroup and of
  // each ancestor apply; a number above 2^60 (or "max") means none.
  std::istringstream lines(proc_self_cgroup);
  std::string line;
  while (std::getline(lines, line)) {
    const size_t a = line.find(':'), z = line.find(':', a + 1);
    if (a == std::string::npos || z == std::string::npos) continue;
    const std::string ctl = line.substr(a + 1, z - a - 1);
    std::string rel = line.substr(z + 1);
    const bool v2 = ctl.empty();
    if (!v2 && ctl.find("memory") == std::string::npos) continue;
    const std::string base = v2 ? cgroup_root : cgroup_root + "/memory";
    const std::string file = v2 ? "memory.max" : "memory.limit_in_bytes";
    for (;;) {
      std::ifstream in(base + rel + (rel == "/" ? "" : "/") + file);
      std::string word;
      if (in >> word && word != "max") {
        const double v = std::strtod(word.c_str(), nullptr);
        if (v > 0 && v < 1.1529215e18)
          consider(v, std::string("the cgroup's ") + file + " (" + (rel.empty() ? "/" : rel) + ")");
      }
      if (rel.empty() || rel == "/") break;
      const size_t cut = rel.rfind('/');
      rel = cut == 0 || cut == std::string::npos ? "/" : rel.substr(0, cut);
    }
  }
  b.bytes *= 0.75;
  b.source = "3/4 of " + b.source;
  return b;
}

MemoryBudget default_memory_budget() {
  const double physical = static_cast<double>(sysconf(_SC_PHYS_PAGES)) * static_cast<double>(sysconf(_SC_PAGESIZE));
  std::ifstream in("/proc/self/cgroup");
  std::stringstream text;
  text << in.rdbuf();
  MemoryBudget b = memory_budget_from(physical > 0 ? physical : 1e18, text.str(), "/sys/fs/cgroup");
  for (int res : {RLIMIT_AS, RLIMIT_DATA}) {
    rlimit l{};
    if (getrlimit(res, &l) == 0 && l.rlim_cur != RLIM_INFINITY && 0.75 * static_cast<double>(l.rlim_cur) < b.bytes)
      b = {0.75 * static_cast<double>(l.rlim_cur),
           res == RLIMIT_AS ? "3/4 of RLIMIT_AS (ulimit -v)" : "3/4 of RLIMIT_DATA (ulimit -d)"};
  }
  return b;
}

void check_memory(const MemoryEstimate& est, double limit, const std::string& limit_source) {
  if (!(est.bytes > limit)) return;
  const MemoryItem* top = &est.items.front();
  for (const MemoryItem& i : est.items)
    if (i.bytes > top->bytes) top = &i;
  std::string field = top->path;
  if (!top->otherwise.empty() && est.bytes - top->bytes + top->bytes_at_least > limit) field = top->otherwise;
  std::string parts;
  for (const MemoryItem& i : est.items) {
    if (i.bytes < 0.01 * est.bytes) continue;
    parts += (parts.empty() ? "" : "; ") + i.what + ": " + gib(i.bytes);
  }
  throw ConfigInvalid(field, "this call needs about " + gib(est.bytes) + " (" + parts + "), more than the " +
                                 gib(limit) + " allowed (" + limit_source + "); lower " + field +
                                 " or threads, or raise the limit (maxBytes, LORADYN_MAX_BYTES)");
}

}  // namespace loradyn
