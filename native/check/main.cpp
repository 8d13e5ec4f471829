// loradyn_check: CPU-versus-CUDA agreement and kernel timings, without Node.
// Prints one JSON object: the device, one row per agreement case (largest deviations and
// identical escape steps), and one row per timing (steps/s, coordinate-samples/s, share of the
// generator-alone rate). Exit status: 0 all agreement cases pass, 1 a case fails, 2 no device.
// Usage: loradyn_check [--quick] [--timing-only | --agreement-only] [--only SUBSTR]
//   --quick: fewer seeds and steps (a smoke run); --timing-only: skip the agreement cases;
//   --agreement-only: skip the timings (for runs under compute-sanitizer, which slows kernels);
//   --only SUBSTR: only the agreement cases whose name contains SUBSTR.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "../core/engine/engine.hpp"
#include "../core/engine/validate.hpp"
#include "../core/util/parallel.hpp"
#include "../cuda/cuda_backend.hpp"

using namespace loradyn;

namespace {

RunConfig make_cfg(const char* act, int64_t d, int K, int r, Pretrained pre, std::vector<double> mu, int64_t B,
                   double eta, int64_t steps, double noise = 0) {
  RunConfig c;
  c.model.activation = Activation::parse(act);
  c.model.teacher = Link{c.model.activation, false};
  c.model.d = d;
  c.model.hidden = K;
  c.model.rank = r;
  c.model.pretrained = pre;
  c.model.mu = std::move(mu);
  c.model.noise = noise;
  c.train.batch = B;
  c.train.eta = eta;
  c.train.steps = steps;
  c.record.points = 60;
  c.record.thresholds = {0.3, 0.5, 0.9};
  return c;
}

std::vector<uint64_t> seed_list(int n) {
  std::vector<uint64_t> s(n);
  for (int i = 0; i < n; ++i) s[i] = static_cast<uint64_t>(i);
  return s;
}

// Largest |a - b| / (abs + rel |b|); NaN in both counts as equal.
double worst(const std::vector<double>& a, const std::vector<double>& b, double abs, double rel) {
  if (a.size() != b.size()) return INFINITY;
  double w = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i]) && std::isnan(b[i])) continue;
    w = std::max(w, std::fabs(a[i] - b[i]) / (abs + rel * std::fabs(b[i])));
    if (std::isnan(a[i]) || std::isnan(b[i])) w = INFINITY;
  }
  return w;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

struct Json {
  std::string s;
  bool list_open = false;  // the next item is the first of its list (no comma before it)
  void raw(const std::string& x) { s += x; }
  void open_list(const std::string& x) {
    s += x;
    list_open = true;
  }
  void item() {
    if (!list_open) s += ",\n";
    list_open = false;
  }
  void num(double v) {
    char b[40];
    if (std::isfinite(v))
      std::snprintf(b, sizeof b, "%.6g", v);
    else
      std::snprintf(b, sizeof b, "null");
    s += b;
  }
};

// Compares CUDA runs with the CPU's, seed by seed, and writes one JSON row.
bool compare(const char* name, const std::vector<RunRecord>& cpu, const std::vector<RunRecord>& gpu, int64_t steps,
             double min_same, Json& out) {
  const int nseeds = static_cast<int>(cpu.size());
  double wm = 0, wM = 0, wQ = 0, wu = 0, wl = 0, wb = 0;
  int same = 0, total = 0, escaped = 0, shape_ok = 1;
  for (int i = 0; i < nseeds; ++i) {
    const RunRecord &c = cpu[i], &g = gpu[i];
    if (c.step != g.step || c.steps_done != g.steps_done) shape_ok = 0;
    wm = std::max(wm, worst(g.m, c.m, 1e-7, 1e-6));
    wM = std::max(wM, worst(g.M, c.M, 1e-7, 1e-6));
    wQ = std::max(wQ, worst(g.Q, c.Q, 1e-7, 1e-6));
    wu = std::max(wu, worst(g.u, c.u, 1e-12, 1e-6));
    wl = std::max(wl, worst(g.pop_loss, c.pop_loss, 1e-7, 1e-6));
    wb = std::max(wb, worst(g.batch_loss, c.batch_loss, 1e-9, 1e-6));
    for (size_t h = 0; h < c.escape.size(); ++h) {
      ++total;
      escaped += c.escape[h] >= 0;
      same += c.escape[h] == g.escape[h];
    }
  }
  const bool identical = wm == 0 && wM == 0 && wQ == 0 && wu == 0 && wl == 0 && wb == 0 && same == total;
  const bool ok =
      shape_ok && wm <= 1 && wM <= 1 && wQ <= 1 && wu <= 1 && wl <= 1 && wb <= 1 && same >= min_same * total;
  out.item();
  out.raw(std::string("    {\"case\": \"") + name + "\", \"seeds\": " + std::to_string(nseeds) + ", \"steps\": " +
          std::to_string(steps) + ", \"record_shape_identical\": " + (shape_ok ? "true" : "false") + ", \"worst_m\": ");
  out.num(wm);
  out.raw(", \"worst_M\": ");
  out.num(wM);
  out.raw(", \"worst_Q\": ");
  out.num(wQ);
  out.raw(", \"worst_u\": ");
  out.num(wu);
  out.raw(", \"worst_pop_loss\": ");
  out.num(wl);
  out.raw(", \"worst_batch_loss\": ");
  out.num(wb);
  out.raw(", \"escape_identical\": " + std::to_string(same) + ", \"escape_total\": " + std::to_string(total) +
          ", \"escaped_cpu\": " + std::to_string(escaped) + ", \"bit_identical\": " + (identical ? "true" : "false") +
          ", \"ok\": " + (ok ? "true" : "false") + "}");
  std::fprintf(stderr, "agreement %-34s %s (worst m %.3g, escapes %d/%d identical)\n", name, ok ? "ok" : "FAIL", wm,
               same, total);
  return ok;
}

// --only SUBSTR: run only the agreement cases whose name contains SUBSTR (sanitizer runs).
const char* g_only = nullptr;
bool selected(const char* name) { return g_only == nullptr || std::strstr(name, g_only) != nullptr; }

bool agreement(const char* name, const RunConfig& cfg, int nseeds, double min_same, Json& out,
               Engine engine = Engine::Full) {
  if (!selected(name)) return true;
  const auto seeds = seed_list(nseeds);
  validate_run(cfg, engine, BackendChoice::Cuda);  // the core's entry: what the addon checks
  RunControl ctl;
  std::vector<RunRecord> cpu = cpu_backend().run(engine, cfg, seeds, hardware_threads(), ctl);
  std::vector<RunRecord> gpu = cuda_backend().run(engine, cfg, seeds, hardware_threads(), ctl);
  return compare(name, cpu, gpu, cfg.train.steps, min_same, out);
}

// Several sweep points in one CUDA call (run_many: compatible points share a launch) against
// each point alone on the CPU.
bool sweep_agreement(const char* name, const std::vector<RunConfig>& cfgs, int nseeds, double min_same, Json& out,
                     Engine engine = Engine::Full) {
  if (!selected(name)) return true;
  std::vector<RunJob> jobs;
  for (const RunConfig& c : cfgs) {
    validate_run(c, engine, BackendChoice::Cuda);
    jobs.push_back(RunJob{c, seed_list(nseeds)});
  }
  RunControl ctl;
  const auto gpu_many = cuda_backend().run_many(engine, jobs, hardware_threads(), ctl);
  std::vector<RunRecord> cpu, gpu;
  for (size_t j = 0; j < jobs.size(); ++j) {
    auto c = cpu_backend().run(engine, jobs[j].cfg, jobs[j].seeds, hardware_threads(), ctl);
    cpu.insert(cpu.end(), c.begin(), c.end());
    gpu.insert(gpu.end(), gpu_many[j].begin(), gpu_many[j].end());
  }
  return compare(name, cpu, gpu, cfgs.front().train.steps, min_same, out);
}

void timing(const char* name, const RunConfig& cfg, int nseeds, double gen_rate, Json& out,
            Engine engine = Engine::Full) {
  const auto seeds = seed_list(nseeds);
  validate_run(cfg, engine, BackendChoice::Cuda);
  RunControl ctl;
  const auto t0 = std::chrono::steady_clock::now();
  auto res = cuda_backend().run(engine, cfg, seeds, hardware_threads(), ctl);
  const double wall = seconds_since(t0);
  const double ks = cuda_last_kernel_seconds();
  const double traj_steps = static_cast<double>(nseeds) * cfg.train.steps;
  // Full-d: coordinate-samples (one Gaussian each). Reduced: samples (no d-dimensional work),
  // and no share of the generator (it draws a few numbers per sample).
  const bool full = engine == Engine::Full;
  const double coords = traj_steps * cfg.train.batch * (full ? cfg.model.d : 1);
  out.item();
  out.raw(std::string("    {\"case\": \"") + name + "\", \"engine\": \"" + engine_name(engine) +
          "\", \"d\": " + std::to_string(cfg.model.d) + ", \"batch\": " + std::to_string(cfg.train.batch) +
          ", \"seeds\": " + std::to_string(nseeds) + ", \"steps\": " + std::to_string(cfg.train.steps) +
          ", \"kernel_s\": ");
  out.num(ks);
  out.raw(", \"wall_s\": ");
  out.num(wall);
  out.raw(", \"steps_per_s\": ");
  out.num(traj_steps / ks);
  out.raw(", \"coord_samples_per_s\": ");
  out.num(coords / ks);
  out.raw(", \"fraction_of_generator\": ");
  out.num(full ? coords / ks / gen_rate : NAN);
  out.raw("}");
  std::fprintf(stderr, "timing %-30s %.3g steps/s, %.3g %s/s (%.0f%% of generator), kernel %.3fs\n", name,
               traj_steps / ks, coords / ks, full ? "coord-samples" : "samples",
               full ? 100 * coords / ks / gen_rate : 0.0, ks);
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false, timing_only = false, agreement_only = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0)
      quick = true;
    else if (std::strcmp(argv[i], "--timing-only") == 0)
      timing_only = true;
    else if (std::strcmp(argv[i], "--agreement-only") == 0)
      agreement_only = true;
    else if (std::strcmp(argv[i], "--only") == 0 && i + 1 < argc)
      g_only = argv[++i];
    else {
      std::fprintf(
          stderr,
          "usage: loradyn_check [--quick] [--timing-only | --agreement-only] [--only SUBSTR] (unknown argument '%s')\n",
          argv[i]);
      return 64;
    }
  }
  std::string why, device;
  const bool ok = cuda_probe(&why, &device);
  Json j;
  j.raw("{\n  \"program\": \"loradyn_check\",\n  \"device\": ");
  if (!ok) {
    j.raw("null,\n  \"reason\": \"" + why + "\"\n}\n");
    std::fputs(j.s.c_str(), stdout);
    std::fprintf(stderr, "no CUDA device: %s\n", why.c_str());
    return 2;
  }
#ifdef LORADYN_CUDA_FMAD_ON
  const char* fmad = "true";
#else
  const char* fmad = "false";
#endif
  j.raw("\"" + device + "\",\n  \"fmad\": " + fmad + ",\n  \"quick\": " + std::string(quick ? "true" : "false") +
        ",\n  \"timing_only\": " + std::string(timing_only ? "true" : "false"));
  j.open_list(",\n  \"agreement\": [\n");
  const int q = quick ? 4 : 1;
  bool all = true;
  if (!timing_only) {
    all &= agreement("relu d=100 B=1 rank1", make_cfg("relu", 100, 1, 1, Pretrained::Aligned, {0.5}, 1, 0.01, 5000 / q),
                     32 / q, 0.9, j);
    all &= agreement("relu d=1000 B=1 rank1",
                     make_cfg("relu", 1000, 1, 1, Pretrained::Aligned, {0.5}, 1, 0.02, 4000 / q), 8, 0.75, j);
    all &= agreement("erf d=300 B=20 K=2 r=2 misaligned noise",
                     make_cfg("erf", 300, 2, 2, Pretrained::Misaligned, {0.3, 0.6}, 20, 0.3, 1500, 0.1), 6, 0.75, j);
    all &= agreement("relu d=200 B=4 scratch", make_cfg("relu", 200, 1, 1, Pretrained::Scratch, {0.5}, 4, 0.05, 1000),
                     4, 0.75, j);
    all &= agreement("he3+0.5*he5 d=1000 B=500 (paper) rank1",
                     make_cfg("he3+0.5*he5", 1000, 1, 1, Pretrained::Aligned, {0.5}, 500, 0.2, 300 / q), 4, 0.75, j);
    all &= agreement("linear d=6000 B=2 (1024-thread blocks)",
                     make_cfg("linear", 6000, 1, 1, Pretrained::Aligned, {0.5}, 2, 0.001, 300), 2, 0, j);
    all &= agreement("erf d=4096 K=4 r=4 B=8 misaligned (spilled state)",
                     make_cfg("erf", 4096, 4, 4, Pretrained::Misaligned, {0.2, 0.4, 0.6, 0.8}, 8, 0.2, 100), 2, 0, j);
    {
      std::vector<RunConfig> sweep;  // mu, eta and noise vary: one launch
      for (double mu : {0.2, 0.5, 0.8})
        sweep.push_back(make_cfg("erf", 500, 1, 1, Pretrained::Aligned, {mu}, 10, 0.1 + mu / 4, 1000 / q, mu / 10));
      sweep.push_back(make_cfg("relu", 500, 1, 1, Pretrained::Aligned, {0.5}, 10, 0.1, 1000 / q));  // a second launch
      all &= sweep_agreement("sweep: 3 mu/eta/noise points + 1 relu, run_many", sweep, 8, 0.75, j);
      std::vector<RunConfig> rsweep;
      for (double mu : {0.3, 0.6})
        rsweep.push_back(make_cfg("relu", 1000, 1, 1, Pretrained::Aligned, {mu}, 50, 0.2 + mu / 4, 2000 / q, mu / 20));
      all &= sweep_agreement("reduced sweep: 2 mu/eta/noise points, run_many", rsweep, 16, 0.75, j, Engine::Reduced);
    }
    all &= agreement("reduced relu d=100 B=1 rank1",
                     make_cfg("relu", 100, 1, 1, Pretrained::Aligned, {0.5}, 1, 0.01, 5000 / q), 32 / q, 0.9, j,
                     Engine::Reduced);
    all &= agreement("reduced relu d=1000 B=500 noise",
                     make_cfg("relu", 1000, 1, 1, Pretrained::Aligned, {0.5}, 500, 0.2, 2000 / q, 0.05), 16, 0.75, j,
                     Engine::Reduced);
    // The general chain's kernel (any K, r <= 4): bit for bit but for the chi-squares' libm calls.
    all &= agreement("reduced general erf d=100 B=5000 K=4 r=2 (two-layer)",
                     make_cfg("erf", 100, 4, 2, Pretrained::Aligned, {0.1, 0.1, 1, 1}, 5000, 0.5, 400 / q), 8, 0.75, j,
                     Engine::Reduced);
    all &= agreement("reduced general relu d=200 B=20 K=2 r=2 misaligned noise",
                     make_cfg("relu", 200, 2, 2, Pretrained::Misaligned, {0.3, 0.6}, 20, 0.1, 1000 / q, 0.05), 8, 0.75,
                     j, Engine::Reduced);
    all &= agreement("reduced general linear d=1000 B=1 r=4",
                     make_cfg("linear", 1000, 1, 4, Pretrained::Aligned, {0.5}, 1, 0.02, 4000 / q), 8, 0.75, j,
                     Engine::Reduced);
  }
  j.raw("\n  ],\n");
  if (agreement_only) {
    j.raw(std::string("  \"all_agreement_ok\": ") + (all ? "true" : "false") + "\n}\n");
    std::fputs(j.s.c_str(), stdout);
    return all ? 0 : 1;
  }

  double count = 0;
  const double gs = cuda_time_generator(quick ? 2e10 : 2e11, &count);
  const double gen_rate = count / gs;
  j.raw("  \"generator\": {\"gaussians\": ");
  j.num(count);
  j.raw(", \"seconds\": ");
  j.num(gs);
  j.raw(", \"gaussians_per_s\": ");
  j.num(gen_rate);
  j.open_list("},\n  \"timing\": [\n");
  std::fprintf(stderr, "generator alone: %.3g Gaussians/s\n", gen_rate);
  timing("d=1000 B=1 4096 seeds", make_cfg("relu", 1000, 1, 1, Pretrained::Aligned, {0.5}, 1, 0.02, 20000 / q), 4096,
         gen_rate, j);
  timing("d=1000 B=1 16384 seeds", make_cfg("relu", 1000, 1, 1, Pretrained::Aligned, {0.5}, 1, 0.02, 10000 / q), 16384,
         gen_rate, j);
  timing("d=1000 B=500 1024 seeds (paper)", make_cfg("relu", 1000, 1, 1, Pretrained::Aligned, {0.5}, 500, 0.2, 160 / q),
         1024, gen_rate, j);
  timing("d=1000 B=500 64 seeds", make_cfg("relu", 1000, 1, 1, Pretrained::Aligned, {0.5}, 500, 0.2, 400 / q), 64,
         gen_rate, j);
  timing("d=100 B=5000 K=4 r=2 64 seeds",
         make_cfg("erf", 100, 4, 2, Pretrained::Aligned, {0.1, 0.5, 0.9, 0.5}, 5000, 0.5, 200 / q), 64, gen_rate, j);
  timing("reduced B=1 65536 seeds", make_cfg("relu", 1000, 1, 1, Pretrained::Aligned, {0.5}, 1, 0.02, 20000 / q), 65536,
         gen_rate, j, Engine::Reduced);
  timing("reduced B=500 4096 seeds", make_cfg("relu", 1000, 1, 1, Pretrained::Aligned, {0.5}, 500, 0.2, 400 / q), 4096,
         gen_rate, j, Engine::Reduced);
  timing("reduced general r=2 B=500 4096 seeds",
         make_cfg("relu", 1000, 1, 2, Pretrained::Aligned, {0.5}, 500, 0.2, 200 / q), 4096, gen_rate, j,
         Engine::Reduced);
  timing("reduced general K=4 r=2 B=5000 432 seeds (two-layer grid's size)",
         make_cfg("erf", 100, 4, 2, Pretrained::Aligned, {0.5, 0.5, 1, 1}, 5000, 0.5, 200 / q), 432, gen_rate, j,
         Engine::Reduced);
  j.raw("\n  ],\n");

  // One CPU core for scale: the reference simulator on the same d = 1000, B = 1 update.
  {
    RunConfig c = make_cfg("relu", 1000, 1, 1, Pretrained::Aligned, {0.5}, 1, 0.02, 20000 / q);
    RunControl ctl;
    const auto t0 = std::chrono::steady_clock::now();
    run_one_cpu(Engine::Full, c, 0, ctl);
    const double s = seconds_since(t0);
    j.raw("  \"cpu_one_core\": {\"case\": \"d=1000 B=1 one seed\", \"steps_per_s\": ");
    j.num(c.train.steps / s);
    j.raw("},\n");
  }
  j.raw(std::string("  \"all_agreement_ok\": ") + (all ? "true" : "false") + "\n}\n");
  std::fputs(j.s.c_str(), stdout);
  return all ? 0 : 1;
}
