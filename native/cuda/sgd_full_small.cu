// Kernel instances of the full-d SGD: K = r = 1, every block shape.
#include "sgd_full_kernel.cuh"

namespace loradyn {
LORADYN_FULL_SHAPES(LORADYN_FULL_INSTANTIATE, 1, 1)
}  // namespace loradyn
