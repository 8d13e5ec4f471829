// What the CUDA kernels can run, as plain constants and one rule function, so that a config is
// checked against them before a run (engine/validate.cpp) by every build, CUDA or not: a sweep
// validated on a CPU machine and queued for a GPU worker is refused here, not on the device.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "../model/config.hpp"
#include "../model/practice.hpp"

namespace loradyn {

constexpr int kCudaMaxHidden = 4;  // K and r limits of the CUDA full-d kernel (paper: K <= 4, r <= 4)
constexpr int kCudaMaxRank = 4;
constexpr int kCudaMaxThresholds = 8;
constexpr int64_t kCudaMaxD = 32768;
constexpr int kDevMaxTerms = 8;    // terms of one activation on the device
constexpr int kDevMaxCoeffs = 72;  // Hermite-series coefficients, all terms together

// Why backend 'cuda' cannot run this config with engine `engine` ("full", "reduced", "ode"),
// appended to `out`.
inline void cuda_issues(const char* engine, const RunConfig& c, std::vector<ConfigIssue>& out) {
  const std::string e = engine;
  const auto& m = c.model;
  if (e == "ode") {
    out.push_back({"backend", "backend 'cuda' does not implement engine 'ode' (use backend 'cpu' or 'auto')"});
    return;
  }
  practice_cuda_issues(c, out);
  if (static_cast<int>(c.record.thresholds.size()) > kCudaMaxThresholds)
    out.push_back(
        {"record.thresholds", "backend 'cuda' allows at most " + std::to_string(kCudaMaxThresholds) + " values"});
  auto fits = [&](const Activation& a, const char* path) {
    int coeffs = 0;
    for (const ActivationTerm& t : a.terms())
      if (t.kind == BaseKind::HermiteSeries) coeffs += static_cast<int>(t.coeffs.size());
    if (static_cast<int>(a.terms().size()) > kDevMaxTerms)
      out.push_back(
          {path, "backend 'cuda' supports activations of at most " + std::to_string(kDevMaxTerms) + " terms"});
    else if (coeffs > kDevMaxCoeffs)
      out.push_back({path, "backend 'cuda' supports Hermite series of at most " + std::to_string(kDevMaxCoeffs) +
                               " coefficients"});
  };
  fits(m.activation, "model.activation");
  fits(m.teacher.act, "model.teacher");
  if (e == "full" && m.d > kCudaMaxD)
    out.push_back(
        {"model.d", "backend 'cuda' runs engine 'full' with model.d in [1, " + std::to_string(kCudaMaxD) + "]"});
  // Both engines' kernels (full-d, and the reduced chain's rank-1 and general ones) take K, r <= 4.
  if (m.hidden > kCudaMaxHidden)
    out.push_back({"model.hidden", "backend 'cuda' runs model.hidden in [1, " + std::to_string(kCudaMaxHidden) + "]"});
  if (m.rank > kCudaMaxRank)
    out.push_back({"model.rank", "backend 'cuda' runs model.rank in [1, " + std::to_string(kCudaMaxRank) + "]"});
}

}  // namespace loradyn
