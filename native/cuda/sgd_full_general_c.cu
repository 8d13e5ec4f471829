// Kernel instances of the full-d SGD: general K, r <= 4, the other block shapes.
#include "sgd_full_kernel.cuh"

namespace loradyn {
LORADYN_FULL_INSTANTIATE(128, 1, 4, 4)
LORADYN_FULL_INSTANTIATE(128, 2, 4, 4)
LORADYN_FULL_INSTANTIATE(128, 4, 4, 4)
LORADYN_FULL_INSTANTIATE(1024, 2, 4, 4)
LORADYN_FULL_INSTANTIATE(1024, 4, 4, 4)
}  // namespace loradyn
