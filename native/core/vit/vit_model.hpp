// The ViT forward and hand-written backward over a group of images, on a flat parameter
// vector described by a Layout. One Workspace per thread group holds every activation the
// backward pass needs. Templated on the scalar (float for training, double for checks).
#pragma once
#include <cstdint>
#include <vector>

#include "layers.hpp"
#include "layout.hpp"

namespace loradyn {
namespace vit {

// Which parameter groups receive gradients.
struct Trainable {
  bool base = true;  // everything before the head: embeddings, blocks, final norm
  bool head = true;
  bool lora = false;
};

template <class R>
struct BlockCache {
  std::vector<R> xhat1, rstd1, h1, qkv, P, att, xmid, xhat2, rstd2, h2, a1, g1, xout;
  std::vector<R> uq, uk, uv, uo, u1, u2;  // x A of each adapter
};

template <class R>
struct Workspace {
  int cap = 0;
  std::vector<R> patches, emb, x0;
  std::vector<BlockCache<R>> blocks;
  std::vector<R> cls, xhatf, rstdf, hf, logits, dlogits;
  std::vector<R> dx, dh, dqkv, datt, dg1, da1, dhf, dcls, demb, scratch;
  void reserve(const Layout& L, int n);
};

// Loss summed over the n images (labels may be null for inference); when G is non-null the
// gradients of (grad_scale * summed loss) are ACCUMULATED into G for the trainable groups.
// logits land in ws.logits; *correct counts right argmax predictions (labels needed).
template <class R>
double forward_backward(const Layout& L, const R* P, int n, const float* images, const int* labels, R grad_scale,
                        Workspace<R>& ws, R* G, Trainable tr, int* correct);

// Writes the final-norm class-token features [n x width] (what the head sees).
template <class R>
void features(const Layout& L, const R* P, int n, const float* images, Workspace<R>& ws, R* out);

// Gaussian/constant init of the tensors of one group from (seed, stream): tensor index = sample.
template <class R>
void init_group(const Layout& L, Group g, uint64_t seed, uint32_t stream, R* P);

// Folds every adapter into its base weight: the merged model has no adapters (rank 0 layout).
template <class R>
std::vector<R> merge_lora(const Layout& L, const R* P);

}  // namespace vit
}  // namespace loradyn
