// Kernel instances of the full-d SGD: general K, r <= 4, T = 1024, NB = 8.
#include "sgd_full_kernel.cuh"

namespace loradyn {
LORADYN_FULL_INSTANTIATE(1024, 8, 4, 4)
}  // namespace loradyn
