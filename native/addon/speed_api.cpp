// Glue for the fast CPU paths: the SIMD generator paths (bit-for-bit checks), the accuracy of
// the Box–Muller elementary functions, and the full-d reference step.
#include "speed_api.hpp"

#include <chrono>
#include <ctime>
#include <stdexcept>
#include <string>
#include <vector>

#include "../core/rng/box_muller_accuracy.hpp"
#include "../core/rng/gaussian_simd.hpp"
#include "../core/sgd/sgd_full.hpp"
#include "convert.hpp"

namespace loradyn_addon {
using namespace loradyn;

namespace {
uint64_t arg_u64(const Napi::CallbackInfo& info, size_t i, const char* what) {
  const Napi::Value v = info[i];
  if (!v.IsNumber()) throw Napi::TypeError::New(v.Env(), std::string(what) + " must be a number");
  const double x = v.As<Napi::Number>().DoubleValue();
  if (!(x >= 0) || x > 9007199254740991.0 || x != static_cast<double>(static_cast<uint64_t>(x)))
    throw Napi::RangeError::New(v.Env(), std::string(what) + " must be an integer in [0, 2^53)");
  return static_cast<uint64_t>(x);
}

// Optional precision argument: "double" (default: every stream but engine full's inputs) or
// "single" (the inputs x of engine full, gaussian_fill_f32).
bool parse_single(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || info[i].IsUndefined()) return false;
  const std::string s = info[i].IsString() ? info[i].As<Napi::String>().Utf8Value() : "";
  if (s == "double") return false;
  if (s == "single") return true;
  throw Napi::RangeError::New(info.Env(), "precision must be 'double' or 'single' (got '" + s + "')");
}

SimdPath parse_path(const Napi::Value& v) {
  const std::string s = v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
  for (SimdPath p : {SimdPath::Scalar, SimdPath::Avx2, SimdPath::Avx512})
    if (s == simd_path_name(p)) return p;
  throw Napi::RangeError::New(v.Env(), "path must be one of scalar, avx2, avx512 (got '" + s + "')");
}
}  // namespace

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
  const SimdPath path = parse_path(info[0]);
  const uint64_t seed = arg_u64(info, 1, "seed");
  const uint64_t stream = arg_u64(info, 2, "stream");
  const uint64_t step = arg_u64(info, 3, "step");
  const uint64_t sample = arg_u64(info, 4, "sample");
  const uint64_t start = arg_u64(info, 5, "start");
  const uint64_t n = arg_u64(info, 6, "count");
  if (n > (1ull << 28)) throw Napi::RangeError::New(info.Env(), "count must be <= 2^28");
  if (stream > 0xFFFF) throw Napi::RangeError::New(info.Env(), "stream must be < 65536");
  if (sample > 0xFFFFFFFFull || start + n > 0x100000000ull)
    throw Napi::RangeError::New(info.Env(), "sample and start + count must fit in 32 bits");
  const bool single = parse_single(info, 7);
  std::vector<double> out(n);
  try {
    (single ? gaussian_fill_f32_path : gaussian_fill_path)(
        path, {seed, static_cast<uint32_t>(stream)}, step, static_cast<uint32_t>(sample),
        static_cast<uint32_t>(start), static_cast<uint32_t>(n), out.data());
  } catch (const std::exception& e) {
    throw Napi::RangeError::New(info.Env(), e.what());
  }
  return adopt(info.Env(), std::move(out));
}

Napi::Value RngAccuracy(const Napi::CallbackInfo& info) {
  const uint64_t n = arg_u64(info, 0, "samples");
  if (n > 100000000ull) throw Napi::RangeError::New(info.Env(), "samples must be <= 1e8");
  const BoxMullerAccuracy a = box_muller_accuracy(n, arg_u64(info, 1, "seed"));
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
}

Napi::Value SimulateFullReference(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsObject())
    throw Napi::TypeError::New(env, "simulateFullReference(config, seed)");
  const uint64_t seed = arg_u64(info, 1, "seed");
  RunRecord r;
  try {
    const RunConfig cfg = to_run_config(info[0].As<Napi::Object>());
    r = simulate_full_reference(cfg, seed, RunControl{});
  } catch (const std::exception& e) {
    throw Napi::RangeError::New(env, e.what());
  }
  return record_to_js(env, std::move(r));
}

// The generator alone (the roofline of engine full, whose inputs are single precision):
// `repeats` fills of `count` coordinates into one buffer, on the calling thread. Wall and
// thread CPU seconds. precision: "double" (default) or "single".
Napi::Value BenchGenerator(const Napi::CallbackInfo& info) {
  const SimdPath path = parse_path(info[0]);
  const uint64_t n = arg_u64(info, 1, "count");
  const uint64_t repeats = arg_u64(info, 2, "repeats");
  if (n == 0 || n > (1ull << 24)) throw Napi::RangeError::New(info.Env(), "count must be in [1, 2^24]");
  const auto fill = parse_single(info, 3) ? gaussian_fill_f32_path : gaussian_fill_path;
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
  try {
    fill(path, {1, kStreamTest}, 0, 0, 0, static_cast<uint32_t>(n), out.data());
  } catch (const std::exception& e) {
    throw Napi::RangeError::New(info.Env(), e.what());
  }
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
}

}  // namespace loradyn_addon
