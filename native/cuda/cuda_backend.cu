// The CUDA backend: probes the device, prepares the runs on the host (the same initial state
// as the CPU: init_full_state), runs the full-d kernel in chunks of many steps (progress and
// cancellation between chunks), then replays the recorded points through the shared Recorder
// so a RunRecord from CUDA has exactly the shape and meaning of one from the CPU.
#include <cuda_runtime.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "../core/engine/launch_groups.hpp"
#include "../core/model/practice.hpp"
#include "../core/model/recorder.hpp"
#include "../core/reduced/general_launch.hpp"
#include "../core/reduced/reduced_state.hpp"
#include "../core/sgd/full_state.hpp"
#include "../core/util/parallel.hpp"
#include "cuda_backend.hpp"
#include "cuda_check.hpp"
#include "full_kernel.hpp"
#include "reduced_general_kernel.hpp"
#include "reduced_kernel.hpp"

namespace loradyn {
namespace {

// Work (runs x batch x d coordinate-samples) per launch: tens of milliseconds on an H100,
// short enough for progress and cancel, long enough that launch overhead is negligible.
constexpr double kLaunchWork = 4e9;

thread_local double g_last_kernel_seconds = 0;

// Runs steps [0, steps) in launches of `chunk` steps each (launch(begin, end) queues one),
// polling cancellation and reporting progress for the S runs between launches; times the
// kernels into g_last_kernel_seconds. Returns false when cancelled.
template <class Launch>
bool run_in_launches(int64_t steps, int64_t chunk, int S, const RunControl& ctl, Launch launch) {
  bool completed = true;
  LD_CUDA(cudaDeviceSynchronize());
  const auto k0 = std::chrono::steady_clock::now();
  for (int64_t s0 = 0; s0 < steps; s0 += chunk) {
    if (ctl.cancelled()) {
      completed = false;
      break;
    }
    const int64_t s1 = std::min(steps, s0 + chunk);
    launch(s0, s1);
    LD_CUDA(cudaDeviceSynchronize());
    ctl.report(static_cast<int64_t>(S) * (s1 - s0));
  }
  g_last_kernel_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - k0).count();
  return completed;
}

__global__ void probe_kernel(int* out) { *out = 42; }

struct ProbeResult {
  bool ok = false;
  std::string why, device;
};

ProbeResult probe_once() {
  ProbeResult r;
  int n = 0;
  cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess) {
    r.why = std::string("no usable CUDA device: ") + cudaGetErrorString(e);
    cudaGetLastError();
    return r;
  }
  if (n == 0) {
    r.why = "no CUDA device found";
    return r;
  }
  cudaDeviceProp p{};
  if ((e = cudaGetDeviceProperties(&p, 0)) != cudaSuccess) {
    r.why = std::string("cannot query CUDA device 0: ") + cudaGetErrorString(e);
    return r;
  }
  r.device = std::string(p.name) + " (sm_" + std::to_string(p.major) + std::to_string(p.minor) + ", " +
             std::to_string(p.totalGlobalMem >> 20) + " MiB)";
  // A real launch: catches a binary built for other architectures (no kernel image).
  int* d = nullptr;
  if ((e = cudaMalloc(reinterpret_cast<void**>(&d), sizeof(int))) == cudaSuccess) {
    probe_kernel<<<1, 1>>>(d);
    e = cudaGetLastError();
    int h = 0;
    if (e == cudaSuccess) e = cudaMemcpy(&h, d, sizeof(int), cudaMemcpyDeviceToHost);
    cudaFree(d);
    if (e == cudaSuccess && h != 42) {
      r.why = "test kernel on " + r.device + " returned a wrong value";
      return r;
    }
  }
  if (e != cudaSuccess) {
    r.why = "cannot run kernels on " + r.device + ": " + cudaGetErrorString(e) +
            " (this binary holds code for CMAKE_CUDA_ARCHITECTURES only)";
    cudaGetLastError();
    return r;
  }
  r.ok = true;
  return r;
}

const ProbeResult& probe() {
  static std::once_flag once;
  static ProbeResult result;
  std::call_once(once, [] { result = probe_once(); });
  return result;
}

// Owns device allocations for one call.
class DeviceArena {
 public:
  ~DeviceArena() {
    for (void* p : ptrs_) cudaFree(p);
    if (spill != nullptr) cudaFree(spill);
  }
  template <typename X>
  X* alloc(size_t n) {
    void* p = nullptr;
    LD_CUDA(cudaMalloc(&p, std::max<size_t>(n, 1) * sizeof(X)));
    ptrs_.push_back(p);
    return static_cast<X*>(p);
  }
  template <typename X>
  X* upload(const std::vector<X>& h) {
    X* p = alloc<X>(h.size());
    if (!h.empty()) LD_CUDA(cudaMemcpy(p, h.data(), h.size() * sizeof(X), cudaMemcpyHostToDevice));
    return p;
  }
  template <typename X>
  std::vector<X> download(const X* p, size_t n) {
    std::vector<X> h(n);
    if (n > 0) LD_CUDA(cudaMemcpy(h.data(), p, n * sizeof(X), cudaMemcpyDeviceToHost));
    return h;
  }
  double* spill = nullptr;
  size_t spill_bytes = 0;

 private:
  std::vector<void*> ptrs_;
};

// The per-run progress arrays both kernels carry (FullKernelArgs, ReducedKernelArgs): uploaded in
// their starting state, read back after the launches, and replayed into each run's record.
template <class Args>
void upload_progress(DeviceArena& dev, Args& a, int S, const std::vector<int64_t>& escape0,
                     const std::vector<int64_t>& stopped0) {
  a.next_point = dev.upload(std::vector<int>(S, 1));
  a.points_done = dev.upload(std::vector<int>(S, 0));
  a.escape = dev.upload(escape0);
  a.loss_sum = dev.upload(std::vector<double>(S, 0.0));
  a.loss_n = dev.upload(std::vector<int64_t>(S, 0));
  a.diverged = dev.upload(std::vector<int64_t>(S, -1));
  a.stopped = dev.upload(stopped0);
  a.steps_done = dev.upload(std::vector<int64_t>(S, 0));
}

struct Progress {
  std::vector<int> points;      // record points written per run
  std::vector<int64_t> escape;  // S x nthr
  std::vector<int64_t> diverged, steps_done;
};

template <class Args>
Progress download_progress(DeviceArena& dev, const Args& a, int S) {
  return Progress{dev.download(a.points_done, S), dev.download(a.escape, static_cast<size_t>(S) * a.nthr),
                  dev.download(a.diverged, S), dev.download(a.steps_done, S)};
}

// Run i's record once its points are replayed: first passages, divergence, cancellation.
RunRecord finish_run(Recorder& rec, const Progress& pr, int i, int nthr, bool cancelled) {
  RunRecord& res = rec.result();
  for (int h = 0; h < nthr; ++h) res.escape[h] = pr.escape[static_cast<size_t>(i) * nthr + h];
  res.diverged_step = pr.diverged[i];
  res.cancelled = cancelled;
  RunRecord out = rec.take();
  out.steps_done = pr.steps_done[i];
  return out;
}

W0Mode w0_mode(Pretrained p) {
  switch (p) {
    case Pretrained::Aligned:
      return W0Mode::Aligned;
    case Pretrained::Scratch:
      return W0Mode::Scratch;
    default:
      return W0Mode::Stored;
  }
}

// The runs of one launch: every seed of every job (jobs compatible by launch_groups()), in
// order; run i has config *cfg[i] and seed seed[i].
struct LaunchRuns {
  std::vector<const RunConfig*> cfg;
  std::vector<uint64_t> seed;
  std::vector<std::pair<int, int>> where;  // (job, seed index) of run i
  explicit LaunchRuns(const std::vector<const RunJob*>& jobs) {
    for (int j = 0; j < static_cast<int>(jobs.size()); ++j)
      for (int k = 0; k < static_cast<int>(jobs[j]->seeds.size()); ++k) {
        cfg.push_back(&jobs[j]->cfg);
        seed.push_back(jobs[j]->seeds[k]);
        where.emplace_back(j, k);
      }
  }
  int size() const { return static_cast<int>(seed.size()); }
  // Results by job, in each job's seed order.
  std::vector<std::vector<RunRecord>> split(std::vector<RunRecord> flat, const std::vector<const RunJob*>& jobs) const {
    std::vector<std::vector<RunRecord>> out(jobs.size());
    for (size_t j = 0; j < jobs.size(); ++j) out[j].resize(jobs[j]->seeds.size());
    for (size_t i = 0; i < flat.size(); ++i) out[where[i].first][where[i].second] = std::move(flat[i]);
    return out;
  }
};

void check_group(Engine e, const std::vector<const RunJob*>& jobs) {
  for (const RunJob* j : jobs)
    if (!launch_compatible(e, jobs.front()->cfg, j->cfg))
      throw std::invalid_argument(
          "backend 'cuda': configs in one launch must agree on everything but seeds, mu, eta, "
          "noise and the initial state (launch_groups)");
}

std::vector<RunRecord> run_full(const std::vector<const RunJob*>& jobs, int threads, const RunControl& ctl) {
  check_group(Engine::Full, jobs);
  const RunConfig& cfg = jobs.front()->cfg;  // the shared part
  const LaunchRuns runs(jobs);
  const auto& mc = cfg.model;
  const int S = runs.size();
  const int K = mc.hidden, r = mc.rank;
  const int64_t d64 = mc.d;
  FullKernelArgs a{};
  a.S = S;
  a.d = static_cast<int>(std::min<int64_t>(d64, kCudaMaxD + 1));
  a.K = K;
  a.r = r;
  a.B = cfg.train.batch;
  a.w0mode = w0_mode(mc.pretrained);
  a.spherical = mc.spherical ? 1 : 0;
  a.readout = committee_readout(mc);
  a.act = to_device_activation(mc.activation, false);
  a.teacher = to_device_activation(mc.teacher.act, mc.teacher.squared);
  a.nthr = static_cast<int>(cfg.record.thresholds.size());
  for (int h = 0; h < a.nthr && h < kCudaMaxThresholds; ++h) a.thresholds[h] = cfg.record.thresholds[h];
  a.stop_at = cfg.record.stop_at;
  if (d64 > kCudaMaxD)
    throw std::invalid_argument("backend 'cuda': model.d must be in [1, " + std::to_string(kCudaMaxD) + "]");
  full_kernel_shape(a);  // throws for unsupported shapes before any work is done
  if (S == 0) return {};
  const int d = a.d;
  // Per run: its own mu, eta and noise.
  std::vector<double> mu(static_cast<size_t>(S) * K), step_size(S), sqrt_noise(S), eta(S);
  for (int i = 0; i < S; ++i) {
    const RunConfig& c = *runs.cfg[i];
    for (int j = 0; j < K; ++j) mu[static_cast<size_t>(i) * K + j] = c.model.mu[j];
    eta[i] = effective_eta(c);
    step_size[i] = eta[i] / static_cast<double>(c.train.batch);
    sqrt_noise[i] = std::sqrt(c.model.noise);
  }

  // Host: the CPU's initial states and point 0 of every record.
  std::vector<FullState> states(S);
  std::vector<std::unique_ptr<Recorder>> recs(S);
  std::vector<int64_t> escape0(static_cast<size_t>(S) * a.nthr), stopped0(S, -1);
  parallel_for(S, threads, [&](int i) {
    states[i] = init_full_state(*runs.cfg[i], runs.seed[i]);
    recs[i] = std::make_unique<Recorder>(*runs.cfg[i], runs.seed[i]);
    std::vector<double> m(r * K), M(K * K), Q(K * K);
    full_order_parameters(states[i], m.data(), M.data(), Q.data());
    recs[i]->record(0, 0.0, m.data(), states[i].U.data(), M.data(), Q.data());
    recs[i]->observe(0, max_abs(m.data(), r * K));
    if (recs[i]->stop_reached(max_abs(m.data(), r * K))) stopped0[i] = 0;  // record.stopAt at the start
    for (int h = 0; h < a.nthr; ++h) escape0[static_cast<size_t>(i) * a.nthr + h] = recs[i]->result().escape[h];
  });
  const std::vector<int64_t>& grid = recs[0]->grid();
  const int P = static_cast<int>(grid.size());
  const int64_t steps = cfg.train.steps;

  std::vector<RunRecord> out(S);
  if (steps > 0) {
    DeviceArena dev;
    std::vector<double> teacher(static_cast<size_t>(S) * K * d), V(static_cast<size_t>(S) * r * d),
        U(static_cast<size_t>(S) * K * r), w0;
    if (a.w0mode == W0Mode::Stored) w0.resize(static_cast<size_t>(S) * K * d);
    for (int i = 0; i < S; ++i) {
      std::copy(states[i].teacher.begin(), states[i].teacher.end(), teacher.begin() + static_cast<size_t>(i) * K * d);
      std::copy(states[i].V.begin(), states[i].V.end(), V.begin() + static_cast<size_t>(i) * r * d);
      std::copy(states[i].U.begin(), states[i].U.end(), U.begin() + static_cast<size_t>(i) * K * r);
      if (!w0.empty()) std::copy(states[i].w0.begin(), states[i].w0.end(), w0.begin() + static_cast<size_t>(i) * K * d);
    }
    a.grid = dev.upload(grid);
    a.P = P;
    a.mu = dev.upload(mu);
    a.step_size = dev.upload(step_size);
    a.sqrt_noise = dev.upload(sqrt_noise);
    a.seeds = dev.upload(runs.seed);
    a.teacher_rows = dev.upload(teacher);
    a.w0_rows = w0.empty() ? nullptr : dev.upload(w0);
    a.V = dev.upload(V);
    a.U = dev.upload(U);
    upload_progress(dev, a, S, escape0, stopped0);
    const size_t SP = static_cast<size_t>(S) * P;
    a.out_step = dev.alloc<double>(SP);
    a.out_m = dev.alloc<double>(SP * r * K);
    a.out_u = dev.alloc<double>(SP * K * r);
    a.out_M = dev.alloc<double>(SP * K * K);
    a.out_Q = dev.alloc<double>(SP * K * K);
    a.out_bl = dev.alloc<double>(SP);

    const double per_step = static_cast<double>(S) * static_cast<double>(a.B) * d;
    const int64_t chunk = std::max<int64_t>(1, static_cast<int64_t>(kLaunchWork / per_step));
    const bool cancelled = !run_in_launches(steps, chunk, S, ctl, [&](int64_t b, int64_t e) {
      a.step_begin = b;
      a.step_end = e;
      launch_full_sgd(a, &dev.spill, &dev.spill_bytes);
    });

    const Progress pr = download_progress(dev, a, S);
    const auto ostep = dev.download(a.out_step, SP);
    const auto om = dev.download(a.out_m, SP * r * K);
    const auto ou = dev.download(a.out_u, SP * K * r);
    const auto oM = dev.download(a.out_M, SP * K * K);
    const auto oQ = dev.download(a.out_Q, SP * K * K);
    const auto obl = dev.download(a.out_bl, SP);
    const auto Vend = dev.download(a.V, static_cast<size_t>(S) * r * d);
    const auto Uend = dev.download(a.U, static_cast<size_t>(S) * K * r);
    parallel_for(S, threads, [&](int i) {
      Recorder& rec = *recs[i];
      for (int p = 0; p < pr.points[i]; ++p) {
        const size_t q = static_cast<size_t>(i) * P + p;
        // The kernel stores the interval's mean batch loss; one add makes Recorder report it.
        if (!std::isnan(obl[q])) rec.add_batch_loss(obl[q]);
        const int64_t st = static_cast<int64_t>(ostep[q]);
        rec.record(st, static_cast<double>(st) * eta[i], &om[q * r * K], &ou[q * K * r], &oM[q * K * K],
                   &oQ[q * K * K]);
      }
      out[i] = finish_run(rec, pr, i, a.nthr, cancelled);
      if (runs.cfg[i]->record.final_state) {
        out[i].final_u.assign(Uend.begin() + static_cast<size_t>(i) * K * r,
                              Uend.begin() + static_cast<size_t>(i + 1) * K * r);
        out[i].final_v.assign(Vend.begin() + static_cast<size_t>(i) * r * d,
                              Vend.begin() + static_cast<size_t>(i + 1) * r * d);
      }
    });
  } else {
    for (int i = 0; i < S; ++i) {
      out[i] = recs[i]->take();
      if (runs.cfg[i]->record.final_state) {
        out[i].final_u = states[i].U;
        out[i].final_v.assign(states[i].V.begin(), states[i].V.end());
      }
    }
  }
  for (int i = 0; i < S; ++i)
    if (runs.cfg[i]->record.final_state) {
      out[i].teacher.assign(states[i].teacher.begin(), states[i].teacher.end());
      out[i].w0.assign(states[i].w0.begin(), states[i].w0.end());
    }
  return out;
}

// Which reduced configs the rank-1 kernel runs: K = r = 1 with w0 on the teacher axis
// (aligned or scratch), i.e. the chain's fast loop; everything else stays on the CPU.
bool reduced_rank1_supported(const RunConfig& cfg, std::string* why) {
  const auto& m = cfg.model;
  if (!cpu_only_field(cfg).empty()) {
    if (why) *why = cpu_only_field(cfg) + ": backend 'cuda' does not run this option (use backend 'cpu' or 'auto')";
    return false;
  }
  if (m.hidden != 1 || m.rank != 1 || !(m.pretrained == Pretrained::Aligned || m.pretrained == Pretrained::Scratch) ||
      !m.init_v.empty()) {
    if (why)
      *why =
          "backend 'cuda' runs engine 'reduced' only with model.hidden = 1, model.rank = 1, "
          "model.pretrained.kind aligned or scratch and no model.init.v (use backend 'cpu' or 'auto')";
    return false;
  }
  if (static_cast<int>(cfg.record.thresholds.size()) > kCudaMaxThresholds) {
    if (why) *why = "backend 'cuda': record.thresholds may hold at most 8 values";
    return false;
  }
  return true;
}

// Which reduced configs a kernel runs: the rank-1 kernel's, or the general kernel's (K, r <= 4,
// links the device can evaluate).
bool reduced_supported(const RunConfig& cfg, std::string* why) {
  if (reduced_rank1_supported(cfg, nullptr)) return true;
  if (!reduced_general_supported(cfg, why)) return false;
  try {
    to_dev_chain_link(cfg.model.activation, false);
    to_dev_chain_link(cfg.model.teacher.act, cfg.model.teacher.squared);
  } catch (const std::exception& e) {
    if (why) *why = e.what();
    return false;
  }
  return true;
}

// The general chain (general_launch.hpp holds the host side, general_chunk.hpp the kernel body).
std::vector<RunRecord> run_reduced_general(const std::vector<const RunJob*>& jobs, int threads, const RunControl& ctl) {
  const LaunchRuns runs(jobs);
  if (runs.size() == 0) return {};
  ReducedGeneralLaunch L(runs.cfg, runs.seed, threads);
  const RunConfig& cfg = jobs.front()->cfg;  // the shared part
  const DevChainLink student = to_dev_chain_link(cfg.model.activation, false);
  const DevChainLink teacher = to_dev_chain_link(cfg.model.teacher.act, cfg.model.teacher.squared);
  if (L.steps() == 0) return L.finish(false, threads);
  const int S = L.size();
  ReducedGeneralArgs a = L.host_args();  // the scalars; the arrays go to the device
  DeviceArena dev;
  a.grid = dev.upload(L.grid);
  a.seeds = dev.upload(L.seeds);
  a.step_size = dev.upload(L.step_size);
  a.sqrt_noise = dev.upload(L.sqrt_noise);
  a.w0 = dev.upload(L.w0);
  a.V = dev.upload(L.V);
  a.U = dev.upload(L.U);
  a.next_point = dev.upload(L.next_point);
  a.points_done = dev.upload(L.points_done);
  a.escape = dev.upload(L.escape);
  a.loss_sum = dev.upload(L.loss_sum);
  a.loss_n = dev.upload(L.loss_n);
  a.diverged = dev.upload(L.diverged);
  a.stopped = dev.upload(L.stopped);
  a.steps_done = dev.upload(L.steps_done);
  a.out_step = dev.upload(L.out_step);
  a.out_bl = dev.upload(L.out_bl);
  a.out_V = dev.upload(L.out_V);
  a.out_U = dev.upload(L.out_U);
  // About 4e9 / 50 samples per launch, as for the rank-1 kernel, scaled by the frame's size.
  const double per_step = static_cast<double>(S) * static_cast<double>(a.B) * (a.q + a.K) / 3.0;
  const int64_t chunk = std::max<int64_t>(1, static_cast<int64_t>(4e9 / 50 / per_step));
  const bool cancelled = !run_in_launches(L.steps(), chunk, S, ctl, [&](int64_t b, int64_t e) {
    a.step_begin = b;
    a.step_end = e;
    launch_reduced_general(a, student, teacher);
  });
  L.points_done = dev.download(a.points_done, L.points_done.size());
  L.escape = dev.download(a.escape, L.escape.size());
  L.diverged = dev.download(a.diverged, L.diverged.size());
  L.steps_done = dev.download(a.steps_done, L.steps_done.size());
  L.out_step = dev.download(a.out_step, L.out_step.size());
  L.out_bl = dev.download(a.out_bl, L.out_bl.size());
  L.out_V = dev.download(a.out_V, L.out_V.size());
  L.out_U = dev.download(a.out_U, L.out_U.size());
  return L.finish(cancelled, threads);
}

std::vector<RunRecord> run_reduced(const std::vector<const RunJob*>& jobs, int threads, const RunControl& ctl) {
  check_group(Engine::Reduced, jobs);
  bool rank1 = true;
  for (const RunJob* j : jobs) {
    std::string why;
    if (!reduced_supported(j->cfg, &why)) throw std::invalid_argument(why);
    rank1 = rank1 && reduced_rank1_supported(j->cfg, nullptr);
  }
  if (!rank1) return run_reduced_general(jobs, threads, ctl);
  const RunConfig& cfg = jobs.front()->cfg;  // the shared part
  const LaunchRuns runs(jobs);
  const int S = runs.size();
  if (S == 0) return {};
  ReducedKernelArgs a{};
  a.S = S;
  a.B = cfg.train.batch;
  std::vector<double> eta(S), step_size(S), sqrt_noise(S);
  for (int i = 0; i < S; ++i) {
    eta[i] = effective_eta(*runs.cfg[i]);
    step_size[i] = eta[i] / static_cast<double>(runs.cfg[i]->train.batch);
    sqrt_noise[i] = std::sqrt(runs.cfg[i]->model.noise);
  }
  a.scratch = cfg.model.pretrained == Pretrained::Scratch ? 1 : 0;
  a.spherical = cfg.model.spherical ? 1 : 0;
  a.act = to_device_activation(cfg.model.activation, false);
  a.teacher = to_device_activation(cfg.model.teacher.act, cfg.model.teacher.squared);
  a.nthr = static_cast<int>(cfg.record.thresholds.size());
  for (int h = 0; h < a.nthr; ++h) a.thresholds[h] = cfg.record.thresholds[h];
  a.stop_at = cfg.record.stop_at;

  // Host: the chain's initial states and point 0, as simulate_reduced records them.
  std::vector<ReducedState> states(S);
  std::vector<std::unique_ptr<Recorder>> recs(S);
  std::vector<double> m0(S), l0(S), u0(S), mu0(S), w0r(S);
  std::vector<int64_t> escape0(static_cast<size_t>(S) * a.nthr), stopped0(S, -1);
  // M and Q of the frame state (m, l, u) with w0 = (w0r, 0): record_point's arithmetic.
  auto order = [](double w0, double m, double l, double u, double* M, double* Q) {
    double W0 = w0;
    W0 += u * m;
    double W1 = 0.0;
    W1 += u * l;
    *M = W0;
    double qq = 0;
    qq += W0 * W0;
    qq += W1 * W1;
    *Q = qq;
  };
  parallel_for(S, threads, [&](int i) {
    states[i] = init_reduced_state(*runs.cfg[i], runs.seed[i]);
    const ReducedState& st = states[i];
    if (st.f != 1 || st.q != 2)
      throw std::invalid_argument("backend 'cuda': this reduced config needs the general chain (use backend 'cpu')");
    m0[i] = st.V[0];
    l0[i] = st.V[1];
    u0[i] = st.U[0];
    w0r[i] = st.w0[0];
    mu0[i] = st.w0_zero ? 0.0 : st.w0[0];
    recs[i] = std::make_unique<Recorder>(*runs.cfg[i], runs.seed[i]);
    double M, Q;
    order(w0r[i], m0[i], l0[i], u0[i], &M, &Q);
    recs[i]->record(0, 0.0, &m0[i], &u0[i], &M, &Q);
    recs[i]->observe(0, std::fabs(m0[i]));
    if (recs[i]->stop_reached(std::fabs(m0[i]))) stopped0[i] = 0;  // record.stopAt at the start
    for (int h = 0; h < a.nthr; ++h) escape0[static_cast<size_t>(i) * a.nthr + h] = recs[i]->result().escape[h];
  });
  const std::vector<int64_t>& grid = recs[0]->grid();
  const int P = static_cast<int>(grid.size());
  const int64_t steps = cfg.train.steps;
  std::vector<RunRecord> out(S);
  if (steps > 0) {
    DeviceArena dev;
    a.grid = dev.upload(grid);
    a.P = P;
    a.seeds = dev.upload(runs.seed);
    a.mu0 = dev.upload(mu0);
    a.step_size = dev.upload(step_size);
    a.sqrt_noise = dev.upload(sqrt_noise);
    a.m = dev.upload(m0);
    a.l = dev.upload(l0);
    a.u = dev.upload(u0);
    a.dof = static_cast<double>(states[0].d - states[0].q);
    upload_progress(dev, a, S, escape0, stopped0);
    const size_t SP = static_cast<size_t>(S) * P;
    a.out_step = dev.alloc<double>(SP);
    a.out_m = dev.alloc<double>(SP);
    a.out_l = dev.alloc<double>(SP);
    a.out_u = dev.alloc<double>(SP);
    a.out_bl = dev.alloc<double>(SP);
    // About 4e9 samples per launch, as for the full kernel (each sample is a handful of draws).
    const double per_step = static_cast<double>(S) * static_cast<double>(a.B);
    const int64_t chunk = std::max<int64_t>(1, static_cast<int64_t>(4e9 / 50 / per_step));
    const bool cancelled = !run_in_launches(steps, chunk, S, ctl, [&](int64_t b, int64_t e) {
      a.step_begin = b;
      a.step_end = e;
      launch_reduced_rank1(a);
    });
    const Progress pr = download_progress(dev, a, S);
    const auto ostep = dev.download(a.out_step, SP);
    const auto om = dev.download(a.out_m, SP);
    const auto ol = dev.download(a.out_l, SP);
    const auto ou = dev.download(a.out_u, SP);
    const auto obl = dev.download(a.out_bl, SP);
    parallel_for(S, threads, [&](int i) {
      Recorder& rec = *recs[i];
      for (int p = 0; p < pr.points[i]; ++p) {
        const size_t q = static_cast<size_t>(i) * P + p;
        if (!std::isnan(obl[q])) rec.add_batch_loss(obl[q]);
        const int64_t st = static_cast<int64_t>(ostep[q]);
        double M, Q;
        order(w0r[i], om[q], ol[q], ou[q], &M, &Q);
        rec.record(st, static_cast<double>(st) * eta[i], &om[q], &ou[q], &M, &Q);
      }
      out[i] = finish_run(rec, pr, i, a.nthr, cancelled);
    });
  } else {
    for (int i = 0; i < S; ++i) out[i] = recs[i]->take();
  }
  return out;
}

// Shapes the full-d kernel runs (the same checks run() makes, without throwing).
bool full_supported(const RunConfig& cfg) {
  const auto& m = cfg.model;
  if (!cpu_only_field(cfg).empty()) return false;
  if (m.d > kCudaMaxD || m.hidden > kCudaMaxHidden || m.rank > kCudaMaxRank) return false;
  if (static_cast<int>(cfg.record.thresholds.size()) > kCudaMaxThresholds) return false;
  try {
    to_device_activation(m.activation, false);
    to_device_activation(m.teacher.act, m.teacher.squared);
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

class CudaBackend final : public Backend {
 public:
  const char* name() const override { return "cuda"; }
  bool supports(Engine e) const override { return e == Engine::Full || e == Engine::Reduced; }
  bool supports_config(Engine e, const RunConfig& cfg) const override {
    if (e == Engine::Full) return full_supported(cfg);
    if (e == Engine::Reduced) return reduced_supported(cfg, nullptr);
    return false;
  }
  std::vector<RunRecord> run(Engine e, const RunConfig& cfg, const std::vector<uint64_t>& seeds, int threads,
                             const RunControl& ctl) override {
    if (!supports(e))
      throw std::invalid_argument(std::string("backend 'cuda' does not implement engine '") + engine_name(e) + "'");
    const ProbeResult& p = probe();
    if (!p.ok) throw std::runtime_error("backend 'cuda' is unavailable: " + p.why);
    const RunJob job{cfg, seeds};
    const std::vector<const RunJob*> one{&job};
    return e == Engine::Reduced ? run_reduced(one, std::max(1, threads), ctl)
                                : run_full(one, std::max(1, threads), ctl);
  }

  // One launch (in chunks of steps) per launch_groups() group: a sweep over mu or eta with a
  // few seeds per point fills the device instead of launching a handful of blocks per point.
  std::vector<std::vector<RunRecord>> run_many(Engine e, const std::vector<RunJob>& jobs, int threads,
                                               const RunControl& ctl) override {
    if (!supports(e))
      throw std::invalid_argument(std::string("backend 'cuda' does not implement engine '") + engine_name(e) + "'");
    const ProbeResult& p = probe();
    if (!p.ok) throw std::runtime_error("backend 'cuda' is unavailable: " + p.why);
    std::vector<std::vector<RunRecord>> out(jobs.size());
    for (const std::vector<int>& g : launch_groups(e, jobs)) {
      std::vector<const RunJob*> members;
      for (int j : g) members.push_back(&jobs[j]);
      const LaunchRuns runs(members);
      auto flat = e == Engine::Reduced ? run_reduced(members, std::max(1, threads), ctl)
                                       : run_full(members, std::max(1, threads), ctl);
      auto split = runs.split(std::move(flat), members);
      for (size_t k = 0; k < g.size(); ++k) out[g[k]] = std::move(split[k]);
    }
    return out;
  }
};

}  // namespace

bool cuda_probe(std::string* why, std::string* device) {
  const ProbeResult& p = probe();
  if (why != nullptr) *why = p.why;
  if (device != nullptr) *device = p.device;
  return p.ok;
}

double cuda_last_kernel_seconds() { return g_last_kernel_seconds; }

double cuda_time_generator(double gaussians, double* count) {
  const ProbeResult& p = probe();
  if (!p.ok) throw std::runtime_error("backend 'cuda' is unavailable: " + p.why);
  const int threads = 256;
  int dev = 0, sms = 0;
  LD_CUDA(cudaGetDevice(&dev));
  LD_CUDA(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev));
  const int blocks = sms * 16;  // enough resident warps to hide latency
  const int per_thread = std::max(1, static_cast<int>(gaussians / (4.0 * blocks * threads)));
  DeviceArena dev_mem;
  double* sink = dev_mem.alloc<double>(static_cast<size_t>(blocks) * threads);
  launch_generator_only(1, blocks, threads, 1, sink);  // warm-up
  LD_CUDA(cudaDeviceSynchronize());
  cudaEvent_t e0, e1;
  LD_CUDA(cudaEventCreate(&e0));
  LD_CUDA(cudaEventCreate(&e1));
  LD_CUDA(cudaEventRecord(e0));
  *count = launch_generator_only(2, blocks, threads, per_thread, sink);
  LD_CUDA(cudaEventRecord(e1));
  LD_CUDA(cudaEventSynchronize(e1));
  float ms = 0;
  LD_CUDA(cudaEventElapsedTime(&ms, e0, e1));
  cudaEventDestroy(e0);
  cudaEventDestroy(e1);
  return ms / 1000.0;
}

Backend& cuda_backend() {
  static CudaBackend b;
  return b;
}

}  // namespace loradyn
