// SGD (with optional momentum) and AdamW on the trainable slices of a flat parameter vector.
#pragma once
#include <cstdint>
#include <vector>

#include "layout.hpp"
#include "vit_model.hpp"

namespace loradyn {
namespace vit {

class Optimizer {
 public:
  Optimizer(const Layout& L, const OptimConfig& cfg, Trainable tr);
  // One update from gradient G (same layout as P). Frozen tensors are never touched.
  void step(float* P, const float* G);
  int64_t steps() const { return t_; }

 private:
  struct Slice {
    size_t off, size;
    bool decay;
  };
  std::vector<Slice> slices_;
  OptimConfig cfg_;
  std::vector<float> m_, v_;
  int64_t t_ = 0;
};

bool is_trainable(Group g, Trainable tr);

}  // namespace vit
}  // namespace loradyn
