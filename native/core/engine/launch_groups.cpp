#include "launch_groups.hpp"

namespace loradyn {
namespace {

bool same_activation(const Activation& a, const Activation& b) {
  const auto &x = a.terms(), &y = b.terms();
  if (x.size() != y.size()) return false;
  for (size_t i = 0; i < x.size(); ++i)
    if (x[i].coef != y[i].coef || x[i].kind != y[i].kind || x[i].k != y[i].k || x[i].coeffs != y[i].coeffs)
      return false;
  return true;
}

// The kernels' three kinds of w0: on the teacher rows (mu), stored rows, none.
int w0_kind(Pretrained p) {
  switch (p) {
    case Pretrained::Aligned:
      return 0;
    case Pretrained::Scratch:
      return 2;
    default:
      return 1;
  }
}

}  // namespace

bool launch_compatible(Engine e, const RunConfig& a, const RunConfig& b) {
  if (e == Engine::Ode) return false;
  const ModelConfig &x = a.model, &y = b.model;
  const bool same = x.d == y.d && x.rank == y.rank && x.hidden == y.hidden && x.spherical == y.spherical &&
                    same_activation(x.activation, y.activation) && x.teacher.squared == y.teacher.squared &&
                    same_activation(x.teacher.act, y.teacher.act) && a.train.batch == b.train.batch &&
                    a.train.steps == b.train.steps && a.record.points == b.record.points &&
                    a.record.thresholds == b.record.thresholds && a.record.stop_at == b.record.stop_at &&
                    a.record.dense == b.record.dense;
  return same && w0_kind(x.pretrained) == w0_kind(y.pretrained);
}

std::vector<std::vector<int>> launch_groups(Engine e, const std::vector<RunJob>& jobs) {
  std::vector<std::vector<int>> groups;
  for (int j = 0; j < static_cast<int>(jobs.size()); ++j) {
    bool placed = false;
    for (auto& g : groups)
      if (launch_compatible(e, jobs[g.front()].cfg, jobs[j].cfg)) {
        g.push_back(j);
        placed = true;
        break;
      }
    if (!placed) groups.push_back({j});
  }
  return groups;
}

}  // namespace loradyn
