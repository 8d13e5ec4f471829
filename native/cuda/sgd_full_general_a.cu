// Kernel instances of the full-d SGD: general K, r <= 4, T = 128, NB = 8 (the slowest to compile alone).
#include "sgd_full_kernel.cuh"

namespace loradyn {
LORADYN_FULL_INSTANTIATE(128, 8, 4, 4)
}  // namespace loradyn
