// Shape of the vision transformer, its LoRA adapters, and the optimiser settings.
// Float32 is the training precision; the same templates instantiate in float64 for gradient checks.
#pragma once
#include <cstdint>
#include <string>

namespace loradyn {
namespace vit {

struct VitConfig {
  int image = 28;  // square images, image x image pixels
  int channels = 1;
  int patch = 7;     // patch side; image must be a multiple of it
  int width = 64;    // token dimension D
  int depth = 4;     // number of transformer blocks
  int heads = 4;     // width must be a multiple of heads
  int mlp = 128;     // hidden size of each block's MLP
  int classes = 10;  // classifier outputs

  int grid() const { return image / patch; }
  int patches() const { return grid() * grid(); }
  int tokens() const { return patches() + 1; }  // + class token
  int patch_dim() const { return patch * patch * channels; }
  int pixels() const { return image * image * channels; }
  int head_dim() const { return width / heads; }
};

// Which linear layers of each block carry an adapter.
enum LoraTarget : unsigned {
  kLoraQ = 1u,
  kLoraK = 2u,
  kLoraV = 4u,
  kLoraO = 8u,
  kLoraFc1 = 16u,
  kLoraFc2 = 32u,
};

struct LoraConfig {
  int rank = 0;        // 0: no adapters
  double alpha = 0.0;  // scale = alpha / rank
  unsigned targets = kLoraQ | kLoraV;
  double scale() const { return rank > 0 ? alpha / rank : 0.0; }
};

enum class OptimKind { Sgd, AdamW };

struct OptimConfig {
  OptimKind kind = OptimKind::AdamW;
  double lr = 1e-3;
  double momentum = 0.0;  // SGD only
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  double weight_decay = 0.0;  // decoupled (AdamW) or L2-free shrink (SGD); matrices only
};

// Throws std::invalid_argument naming the field and the allowed range.
void validate_vit_config(const VitConfig& c);
void validate_lora_config(const LoraConfig& l);
void validate_optim_config(const OptimConfig& o);
unsigned parse_lora_targets(const std::string& csv);  // "q,v" -> kLoraQ | kLoraV

}  // namespace vit
}  // namespace loradyn
