#include "vit_config.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace loradyn {
namespace vit {

namespace {
void need(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument(what);
}
}  // namespace

void validate_vit_config(const VitConfig& c) {
  need(c.image >= 1 && c.image <= 512, "vit.image must be an integer in [1, 512]");
  need(c.channels >= 1 && c.channels <= 4, "vit.channels must be an integer in [1, 4]");
  need(c.patch >= 1 && c.patch <= c.image && c.image % c.patch == 0, "vit.patch must divide vit.image (got patch " +
                                                                         std::to_string(c.patch) + ", image " +
                                                                         std::to_string(c.image) + ")");
  need(c.width >= 1 && c.width <= 4096, "vit.width must be an integer in [1, 4096]");
  need(c.heads >= 1 && c.width % c.heads == 0, "vit.heads must be >= 1 and divide vit.width");
  need(c.depth >= 0 && c.depth <= 64, "vit.depth must be an integer in [0, 64]");
  need(c.mlp >= 1 && c.mlp <= 16384, "vit.mlp must be an integer in [1, 16384]");
  need(c.classes >= 2 && c.classes <= 1000, "vit.classes must be an integer in [2, 1000]");
}

void validate_lora_config(const LoraConfig& l) {
  need(l.rank >= 0 && l.rank <= 256, "lora.rank must be an integer in [0, 256]");
  need(std::isfinite(l.alpha), "lora.alpha must be a finite number");
  need((l.targets & ~63u) == 0, "lora.targets must be a subset of q,k,v,o,fc1,fc2");
  need(l.rank == 0 || l.targets != 0, "lora.targets must name at least one layer when lora.rank > 0");
}

void validate_optim_config(const OptimConfig& o) {
  need(std::isfinite(o.lr) && o.lr > 0 && o.lr <= 10, "optimizer.lr must be in (0, 10]");
  need(o.momentum >= 0 && o.momentum < 1, "optimizer.momentum must be in [0, 1)");
  need(o.beta1 >= 0 && o.beta1 < 1, "optimizer.beta1 must be in [0, 1)");
  need(o.beta2 >= 0 && o.beta2 < 1, "optimizer.beta2 must be in [0, 1)");
  need(o.eps > 0 && o.eps < 1, "optimizer.eps must be in (0, 1)");
  need(o.weight_decay >= 0 && o.weight_decay < 1, "optimizer.weightDecay must be in [0, 1)");
}

unsigned parse_lora_targets(const std::string& csv) {
  unsigned t = 0;
  std::stringstream ss(csv);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item == "q")
      t |= kLoraQ;
    else if (item == "k")
      t |= kLoraK;
    else if (item == "v")
      t |= kLoraV;
    else if (item == "o")
      t |= kLoraO;
    else if (item == "fc1")
      t |= kLoraFc1;
    else if (item == "fc2")
      t |= kLoraFc2;
    else if (!item.empty())
      throw std::invalid_argument("lora.targets: unknown layer '" + item + "' (allowed: q, k, v, o, fc1, fc2)");
  }
  return t;
}

}  // namespace vit
}  // namespace loradyn
