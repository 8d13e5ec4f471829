// Where every tensor of the ViT (and of its LoRA adapters) lives in one flat parameter vector.
// Base tensors come first (the same offsets with or without adapters), the classifier head is
// part of the base, and adapters are appended, so a pre-training checkpoint is the prefix
// [0, base_size) of a fine-tuning parameter vector.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "vit_config.hpp"

namespace loradyn {
namespace vit {

enum class Group { Base, Head, Lora };

struct TensorInfo {
  std::string name;
  size_t offset, size;
  int rows, cols;
  Group group;
  bool decay;       // weight decay applies (matrices, not biases/norms/positions)
  double init_std;  // std of the Gaussian init; 0 means constant init_value
  double init_value;
};

// Offsets of one linear layer and (when adapted) its A, B.
struct LinearSlot {
  int in = 0, out = 0;
  size_t W = 0, b = 0;
  bool lora = false;
  size_t A = 0, B = 0;
};

struct BlockSlots {
  size_t ln1_g, ln1_b, ln2_g, ln2_b;
  LinearSlot q, k, v, o, fc1, fc2;
};

struct Layout {
  VitConfig cfg;
  LoraConfig lora;
  std::vector<TensorInfo> tensors;
  size_t base_size = 0;  // everything but adapters (head included)
  size_t total = 0;
  size_t patch_w, patch_b, cls, pos, lnf_g, lnf_b;
  LinearSlot head;
  std::vector<BlockSlots> blocks;
};

Layout make_layout(const VitConfig& cfg, const LoraConfig& lora);

}  // namespace vit
}  // namespace loradyn
