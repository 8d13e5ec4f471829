// The batch of one from kGroupMinD on (FullSgd::f32_inputs_: K = r = 1, no w0 row, AVX-512).
// Its x is kept as floats (exact: the draws are floats), 4 bytes a coordinate instead of 8, so
// the teacher, V and x (2.0 MB at d = 1e5) come close to fitting a 2 MB L2, and V's update is
// deferred into the next step's pass as below kGroupMinD. Paired timings of the step against x
// in doubles: +3% at d = 7e4, +3-8% at 1e5, +23% at 3e5, +17% at 1e6; below kGroupMinD the
// conversions cost more than the bytes save (-7% to -13% at d = 1e3-3e4). Same bits. (A prefetch of
// the next super-block's rows helped with two float buffers, +5% at 1e5, and cost 5% with one.)
#include <algorithm>

#include "../rng/gaussian.hpp"
#include "full_kernels.hpp"
#include "full_sgd_impl.hpp"

namespace loradyn {

double FullSgd::sample_one_f32(int64_t s, Scratch& w, double* gU) {
  const int64_t d = d_, d8 = d - d % kSumLanes;
  // One float buffer: the draw loop reads the pending x at each coordinate before it stores the
  // new one there; the pending x's tail (past d8, updated after the loop) is kept aside first.
  float* xf = w.xf.data();
  const bool fuse = pending_;
  float tail[kSumLanes];
  if (fuse) std::copy(pending_xf_ + d8, pending_xf_ + d, tail);
  block_rows(0, w.rows.data());
  std::fill(w.acc.begin(), w.acc.begin() + 3 * kSumLanes, 0.0);  // rows t, v and x
  full_kernels::DrawProjectRows in{2, w.rows.data()};
  in.xf = xf;
  if (fuse) {
    in.v = st_.V.data();
    in.xpf = pending_xf_;
    in.beta = pending_beta_;
  }
  full_kernels::draw_project({seed_, kStreamInputs}, static_cast<uint64_t>(s), 0,
                             static_cast<uint32_t>(d_pad_ / kF32SuperBlock), d8, in, w.x.data() + w.x_begin,
                             w.acc.data());
  if (fuse) {  // the pending update past the last whole group of lanes
    if (d > d8) full_kernels::axpy_group_f32(1, &pending_beta_, tail, 0, d - d8, &st_.V[d8]);
    pending_ = false;
  }
  finish_projections(w.acc.data(), xf, w.rows.data(), w.proj.data(), w.pv_raw.data());
  return sample_terms(s, 0, w.proj.data(), w.proj.data() + 1, gU, w.c.data());
}

}  // namespace loradyn
