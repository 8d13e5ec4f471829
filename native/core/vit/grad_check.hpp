// Finite-difference checks of every hand-written backward pass, in float64 at tiny sizes.
// Each check compares the analytic gradient with central differences (h = 1e-6) of a scalar
// loss; the error of one entry is |analytic - numeric| / max(|analytic|, |numeric|, 1e-3 * the
// largest |numeric| of that tensor, 1e-5), and a check reports the worst entry.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace loradyn {
namespace vit {

struct GradCheck {
  std::string name;     // e.g. "lora_linear.A", "model.block0.q.W"
  double max_error;     // worst relative error (definition above)
  double max_abs_grad;  // largest |numeric gradient| (shows the check was not vacuous)
  int entries;
};

// Layer checks: linear, lora_linear, layernorm, gelu, attention, softmax_xent; then the whole
// model (every tensor, adapters on all six layers with random B) and the fine-tuning mode
// (only adapters and head trainable: frozen tensors must get exactly zero gradient, reported
// as name "frozen_zero" with max_error = largest frozen |gradient|); last, "precision.float32_logits":
// the largest |float32 - float64| logit of the default-size model, relative to the largest logit.
std::vector<GradCheck> run_grad_checks(uint64_t seed);

}  // namespace vit
}  // namespace loradyn
