// Measurements of a model state that the search protocol records: the gradient of the mean
// loss over a data set (its norm at the start of fine-tuning is the growth coefficient of the
// adapters), and the mean entropy of each block's attention.
#pragma once
#include <vector>

#include "trainer.hpp"

namespace loradyn {
namespace vit {

struct LossGradient {
  double loss = 0;          // mean cross-entropy over the data
  std::vector<float> grad;  // d loss / d params (full layout); zero outside the trainable groups
};

// Same fixed grouping as training (kGroups parts summed in order): identical for any thread count.
LossGradient loss_gradient(const Layout& L, const float* P, const DataView& data, Trainable tr, int threads);

// Per block, the attention entropy -sum_j p_ij log p_ij (nats) averaged over images, heads and
// query tokens i. A uniform attention over T tokens gives log T.
std::vector<double> attention_entropy(const Layout& L, const float* P, const float* x, int n, int threads);

}  // namespace vit
}  // namespace loradyn
