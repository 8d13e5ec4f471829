#include "record.hpp"

#include <algorithm>
#include <cmath>

namespace loradyn {

std::vector<int64_t> log_step_grid(int64_t steps, int points, int64_t dense) {
  std::vector<int64_t> g;
  g.push_back(0);
  if (steps <= 0) return g;
  // record.dense: every step up to the bound, then the log grid beyond it.
  const int64_t top_dense = std::min(dense, steps);
  for (int64_t s = 1; s <= top_dense; ++s) g.push_back(s);
  const int n = std::max(points - 1, 1);
  const double top = std::log(static_cast<double>(steps));
  for (int i = 0; i < n; ++i) {
    const double f = n == 1 ? 1.0 : static_cast<double>(i) / (n - 1);
    int64_t s = static_cast<int64_t>(std::llround(std::exp(f * top)));
    s = std::min<int64_t>(std::max<int64_t>(s, 1), steps);
    if (s > g.back()) g.push_back(s);
  }
  if (g.back() != steps) g.push_back(steps);
  return g;
}

}  // namespace loradyn
