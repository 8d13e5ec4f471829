#include "layout.hpp"

#include <cmath>

namespace loradyn {
namespace vit {

namespace {
struct Builder {
  Layout& L;
  size_t add(const std::string& name, int rows, int cols, Group g, bool decay, double std, double value = 0) {
    const size_t off = L.total;
    L.tensors.push_back({name, off, (size_t)rows * cols, rows, cols, g, decay, std, value});
    L.total += (size_t)rows * cols;
    return off;
  }
  LinearSlot linear(const std::string& name, int in, int out, Group g) {
    LinearSlot s;
    s.in = in;
    s.out = out;
    // Xavier-normal weights keep activations O(1) through depth at this small width.
    s.W = add(name + ".W", in, out, g, true, std::sqrt(2.0 / (in + out)));
    s.b = add(name + ".b", 1, out, g, false, 0.0);
    return s;
  }
};
}  // namespace

Layout make_layout(const VitConfig& c, const LoraConfig& lora) {
  validate_vit_config(c);
  validate_lora_config(lora);
  Layout L;
  L.cfg = c;
  L.lora = lora;
  Builder b{L};
  const int D = c.width;
  L.patch_w = b.add("patch.W", c.patch_dim(), D, Group::Base, true, std::sqrt(1.0 / c.patch_dim()));
  L.patch_b = b.add("patch.b", 1, D, Group::Base, false, 0.0);
  L.cls = b.add("cls", 1, D, Group::Base, false, 0.02);
  L.pos = b.add("pos", c.tokens(), D, Group::Base, false, 0.02);
  for (int l = 0; l < c.depth; ++l) {
    const std::string p = "block" + std::to_string(l) + ".";
    BlockSlots s;
    s.ln1_g = b.add(p + "ln1.g", 1, D, Group::Base, false, 0.0, 1.0);
    s.ln1_b = b.add(p + "ln1.b", 1, D, Group::Base, false, 0.0);
    s.q = b.linear(p + "q", D, D, Group::Base);
    s.k = b.linear(p + "k", D, D, Group::Base);
    s.v = b.linear(p + "v", D, D, Group::Base);
    s.o = b.linear(p + "o", D, D, Group::Base);
    s.ln2_g = b.add(p + "ln2.g", 1, D, Group::Base, false, 0.0, 1.0);
    s.ln2_b = b.add(p + "ln2.b", 1, D, Group::Base, false, 0.0);
    s.fc1 = b.linear(p + "fc1", D, c.mlp, Group::Base);
    s.fc2 = b.linear(p + "fc2", c.mlp, D, Group::Base);
    L.blocks.push_back(s);
  }
  L.lnf_g = b.add("lnf.g", 1, D, Group::Base, false, 0.0, 1.0);
  L.lnf_b = b.add("lnf.b", 1, D, Group::Base, false, 0.0);
  L.head = b.linear("head", D, c.classes, Group::Head);
  L.base_size = L.total;
  if (lora.rank > 0) {
    const int r = lora.rank;
    for (int l = 0; l < c.depth; ++l) {
      const std::string p = "block" + std::to_string(l) + ".";
      BlockSlots& s = L.blocks[l];
      struct Item {
        unsigned bit;
        LinearSlot* slot;
        const char* name;
      };
      const Item items[] = {{kLoraQ, &s.q, "q"}, {kLoraK, &s.k, "k"},       {kLoraV, &s.v, "v"},
                            {kLoraO, &s.o, "o"}, {kLoraFc1, &s.fc1, "fc1"}, {kLoraFc2, &s.fc2, "fc2"}};
      for (const Item& it : items) {
        if (!(lora.targets & it.bit)) continue;
        it.slot->lora = true;
        // A as in LoRA: random with variance 1/in; B zero, so the adapter starts as the identity map.
        it.slot->A = b.add(p + it.name + ".lora_A", it.slot->in, r, Group::Lora, false, std::sqrt(1.0 / it.slot->in));
        it.slot->B = b.add(p + it.name + ".lora_B", r, it.slot->out, Group::Lora, false, 0.0);
      }
    }
  }
  return L;
}

}  // namespace vit
}  // namespace loradyn
