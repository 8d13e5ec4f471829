#include "testing.hpp"

#include <chrono>
#include <ctime>
#include <string>
#include <vector>

#include "../core/engine/launch_groups.hpp"
#include "../core/engine/memory.hpp"
#include "../core/reduced/chain_math_accuracy.hpp"
#include "../core/reduced/gamma.hpp"
#include "../core/reduced/general_launch.hpp"
#include "../core/reduced/sgd_reduced.hpp"
#include "../core/rng/box_muller_accuracy.hpp"
#include "../core/rng/gaussian.hpp"
#include "../core/rng/gaussian_simd.hpp"
#include "../core/sgd/sgd_full.hpp"
#include "../core/util/thread_start.hpp"
#include "args.hpp"
#include "config.hpp"
#include "errors.hpp"
#include "primitives.hpp"
#include "simulate.hpp"

namespace loradyn_addon {
using namespace loradyn;

namespace {

SimdPath read_path(const Arg& a) {
  const std::string s = a.string();
  for (SimdPath p : {SimdPath::Scalar, SimdPath::Avx2, SimdPath::Avx512})
    if (s == simd_path_name(p)) return p;
  a.fail("must be one of scalar, avx2, avx512 (got '" + s + "')");
}

// A test hook's config, validated for `engine` whatever its own engine field says.
JobSpec read_for(const Napi::CallbackInfo& info, Engine engine) {
  JobSpec job = read_job(Arg::of(info, 0, ""));
  if (job.engine != engine) validate_run(job.cfg, engine, BackendChoice::Cpu);
  return job;
}

}  // namespace

Napi::Value ReducedRun(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    const JobSpec job = read_for(info, Engine::Reduced);
    const uint64_t seed = Arg::of(info, 1, "seed").seed();
    // forceGeneral: true skips the rank-1 loop; 'generic' skips it and the batch kernels.
    const Arg fg = Arg::of(info, 2, "forceGeneral");
    ReducedLoops loops = ReducedLoops::Auto;
    if (fg.is_string()) {
      if (fg.string() != "generic") fg.fail("must be a boolean or 'generic'");
      loops = ReducedLoops::GenericOnly;
    } else if (fg.boolean_or(false)) {
      loops = ReducedLoops::NoRank1;
    }
    return record_to_js(env, simulate_reduced(job.cfg, seed, RunControl{}, loops));
  });
}

Napi::Value ReducedGpuEmulated(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    const JobSpec job = read_for(info, Engine::Reduced);
    const int64_t chunk = Arg::of(info, 1, "chunk").integer(1, int64_t{1} << 40);
    std::vector<const RunConfig*> cfgs(job.seeds.size(), &job.cfg);
    std::vector<RunRecord> recs = emulate_reduced_general(cfgs, job.seeds, chunk);
    Napi::Array out = Napi::Array::New(env, recs.size());
    for (size_t i = 0; i < recs.size(); ++i) out.Set(static_cast<uint32_t>(i), record_to_js(env, std::move(recs[i])));
    return out;
  });
}

Napi::Value SimulateFullReference(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    const JobSpec job = read_for(info, Engine::Full);
    const uint64_t seed = Arg::of(info, 1, "seed").seed();
    return record_to_js(env, simulate_full_reference(job.cfg, seed, RunControl{}));
  });
}

Napi::Value ChiSquare(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    const uint64_t seed = Arg::of(info, 0, "seed").seed();
    const Arg da = Arg::of(info, 1, "dof");
    const double dof = da.finite();
    if (dof < 0) da.fail("must be >= 0");
    const int64_t n = Arg::of(info, 2, "count").integer(0, int64_t{1} << 26);
    std::vector<double> out(static_cast<size_t>(n));
    const DrawKey key{seed, kStreamTest};
    for (size_t i = 0; i < out.size(); ++i) out[i] = chi_square(key, i, 0, dof);
    return adopt(env, std::move(out));
  });
}

Napi::Value SimdPaths(const Napi::CallbackInfo& info) {
  const auto paths = simd_paths_available();
  Napi::Object o = Napi::Object::New(info.Env());
  Napi::Array list = Napi::Array::New(info.Env(), paths.size());
  for (size_t i = 0; i < paths.size(); ++i) list.Set(static_cast<uint32_t>(i), simd_path_name(paths[i]));
  o.Set("available", list);
  o.Set("best", simd_path_name(simd_path_best()));
  return o;
}

Napi::Value GaussiansPath(const Napi::CallbackInfo& info) {
  return guarded(
      info.Env(),
      [&]() -> Napi::Value {
        const SimdPath path = read_path(Arg::of(info, 0, "path"));
        const uint64_t seed = Arg::of(info, 1, "seed").seed();
        const auto stream = static_cast<uint32_t>(Arg::of(info, 2, "stream").integer(0, 0xFFFF));
        const uint64_t step = Arg::of(info, 3, "step").seed();
        const auto sample = static_cast<uint32_t>(Arg::of(info, 4, "sample").integer(0, 0xFFFFFFFFll));
        const int64_t start = Arg::of(info, 5, "start").integer(0, 0xFFFFFFFFll);
        const Arg ca = Arg::of(info, 6, "count");
        const int64_t n = ca.integer(0, int64_t{1} << 28);
        if (start + n > 0x100000000ll) ca.fail("start + count must fit in 32 bits");
        const bool single = read_single_precision(info, 7);
        std::vector<double> out(static_cast<size_t>(n));
        (single ? gaussian_fill_f32_path : gaussian_fill_path)(
            path, {seed, stream}, step, sample, static_cast<uint32_t>(start), static_cast<uint32_t>(n), out.data());
        return adopt(info.Env(), std::move(out));
      },
      "path");
}

Napi::Value RngAccuracy(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    const auto n = static_cast<uint64_t>(Arg::of(info, 0, "samples").integer(0, 100000000));
    const BoxMullerAccuracy a = box_muller_accuracy(n, Arg::of(info, 1, "seed").seed());
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("logUlp", a.log_ulp);
    o.Set("cosUlp", a.cos_ulp);
    o.Set("sinUlp", a.sin_ulp);
    o.Set("gaussianUlp", a.gaussian_ulp);
    o.Set("libmLogUlp", a.libm_log_ulp);
    Napi::Object single = Napi::Object::New(info.Env());
    single.Set("logUlp", a.f32_log_ulp);
    single.Set("cosUlp", a.f32_cos_ulp);
    single.Set("sinUlp", a.f32_sin_ulp);
    single.Set("gaussianUlp", a.f32_gaussian_ulp);
    o.Set("single", single);
    o.Set("referenceDigits", a.reference_digits);
    o.Set("samples", static_cast<double>(a.samples));
    return o;
  });
}

Napi::Value ChainMathAccuracy(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    const auto n = static_cast<uint64_t>(Arg::of(info, 0, "samples").integer(0, 100000000));
    const loradyn::ChainMathAccuracy a = chain_math_accuracy(n, Arg::of(info, 1, "seed").seed());
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("expUlp", a.exp_ulp);
    o.Set("erfUlp", a.erf_ulp);
    o.Set("erfDerivUlp", a.erf_deriv_ulp);
    o.Set("sigmoidUlp", a.sigmoid_ulp);
    o.Set("sigmoidDerivUlp", a.sigmoid_deriv_ulp);
    o.Set("libmErfUlp", a.libm_erf_ulp);
    o.Set("arraysMatchScalar", a.arrays_match_scalar);
    o.Set("referenceDigits", a.reference_digits);
    o.Set("samples", static_cast<double>(a.samples));
    return o;
  });
}

// The generator alone (the roofline of engine full, whose inputs are single precision):
// `repeats` fills of `count` coordinates into one buffer, on the calling thread. Wall and
// thread CPU seconds. precision: "double" (default) or "single".
Napi::Value BenchGenerator(const Napi::CallbackInfo& info) {
  return guarded(
      info.Env(),
      [&]() -> Napi::Value {
        const SimdPath path = read_path(Arg::of(info, 0, "path"));
        const auto n = static_cast<uint64_t>(Arg::of(info, 1, "count").integer(1, int64_t{1} << 24));
        const auto repeats = static_cast<uint64_t>(Arg::of(info, 2, "repeats").integer(0, Arg::kMaxSafe));
        const auto fill = read_single_precision(info, 3) ? gaussian_fill_f32_path : gaussian_fill_path;
        std::vector<double> out(n);
        double sink = 0;
        auto cpu_now = [] {
#if defined(_WIN32)
          return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
#else
          timespec t;
          clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
          return t.tv_sec + 1e-9 * t.tv_nsec;
#endif
        };
        fill(path, {1, kStreamTest}, 0, 0, 0, static_cast<uint32_t>(n), out.data());
        const auto t0 = std::chrono::steady_clock::now();
        const double c0 = cpu_now();
        for (uint64_t k = 0; k < repeats; ++k) {
          fill(path, {1, kStreamTest}, k, 0, 0, static_cast<uint32_t>(n), out.data());
          sink += out[k % n];
        }
        const double cpu = cpu_now() - c0;
        const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        Napi::Object o = Napi::Object::New(info.Env());
        o.Set("seconds", wall);
        o.Set("cpuSeconds", cpu);
        o.Set("gaussians", static_cast<double>(n * repeats));
        o.Set("checksum", sink);
        return o;
      },
      "path");
}

Napi::Value LaunchGroups(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    const Engine e = parse_engine(Arg::of(info, 0, "engine").string());
    const Arg list = Arg::of(info, 1, "configs");
    std::vector<RunJob> jobs;
    for (uint32_t j = 0; j < list.length(); ++j) jobs.push_back(RunJob{read_job(list.at(j)).cfg, {}});
    const std::vector<std::vector<int>> groups = launch_groups(e, jobs);
    Napi::Array out = Napi::Array::New(env, groups.size());
    for (size_t g = 0; g < groups.size(); ++g) {
      Napi::Array a = Napi::Array::New(env, groups[g].size());
      for (size_t k = 0; k < groups[g].size(); ++k) a.Set(static_cast<uint32_t>(k), groups[g][k]);
      out.Set(static_cast<uint32_t>(g), a);
    }
    return out;
  });
}

Napi::Value MemoryBudgetFrom(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    const MemoryBudget b =
        memory_budget_from(Arg::of(info, 0, "physical").finite(), Arg::of(info, 1, "procSelfCgroup").string(),
                           Arg::of(info, 2, "cgroupRoot").string());
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("bytes", b.bytes);
    o.Set("source", b.source);
    return o;
  });
}

Napi::Value InjectThreadFailure(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    inject_thread_failure(Arg::of(info, 0, "nth").integer(0, Arg::kMaxSafe));
    return info.Env().Undefined();
  });
}

}  // namespace loradyn_addon
