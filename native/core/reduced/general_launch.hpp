// The host side of a launch of the general reduced chain on the GPU (cuda/sgd_reduced_general.cu),
// in plain C++ so that machines without a GPU build and test it: the runs' initial states and
// point 0 (as simulate_reduced records them), the per-run arrays the kernel reads and carries
// (ReducedGeneralArgs), and the replay of its record points into RunRecords. The CUDA backend
// uploads these arrays, launches in chunks of steps and downloads them back; the emulation below
// runs the kernel's per-run function (general_chunk.hpp) on the host instead, on the same arrays.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "../model/config.hpp"
#include "../model/record.hpp"
#include "../model/recorder.hpp"
#include "general_chunk.hpp"
#include "reduced_state.hpp"

namespace loradyn {

// Whether the general kernel can run cfg (K, r <= 4; at most 8 thresholds); why not in *why.
bool reduced_general_supported(const RunConfig& cfg, std::string* why);

class ReducedGeneralLaunch {
 public:
  // Runs i = 0 .. S-1 with configs *cfgs[i] and seeds[i], compatible for one launch
  // (launch_groups.hpp). Throws std::invalid_argument when they are not, or not supported.
  ReducedGeneralLaunch(const std::vector<const RunConfig*>& cfgs, const std::vector<uint64_t>& seeds, int threads);

  int size() const { return args_.S; }
  int64_t steps() const { return steps_; }
  // The shape and shared scalars, with pointers into this object's host arrays.
  ReducedGeneralArgs& host_args() { return args_; }

  // The host arrays, in ReducedGeneralArgs' order (the CUDA backend uploads and downloads them).
  std::vector<int64_t> grid;
  std::vector<uint64_t> seeds;
  std::vector<double> step_size, sqrt_noise, w0, V, U;
  std::vector<int> next_point, points_done;
  std::vector<int64_t> escape;
  std::vector<double> loss_sum;
  std::vector<int64_t> loss_n, diverged, stopped, steps_done;
  std::vector<double> out_step, out_bl, out_V, out_U;

  // The records, once the outputs and progress arrays hold the launches' results.
  std::vector<RunRecord> finish(bool cancelled, int threads);

 private:
  ReducedGeneralArgs args_;
  int64_t steps_ = 0;
  std::vector<double> eta_;
  std::vector<std::unique_ptr<Recorder>> recs_;
};

// The GPU launch emulated on the host: the kernel's per-run function over chunks of `chunk`
// steps (the backend's launches), with the CPU's links. Must equal simulate_reduced bit for bit.
std::vector<RunRecord> emulate_reduced_general(const std::vector<const RunConfig*>& cfgs,
                                               const std::vector<uint64_t>& seeds, int64_t chunk);

}  // namespace loradyn
