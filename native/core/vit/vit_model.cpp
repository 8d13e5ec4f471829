#include "vit_model.hpp"

#include <algorithm>

#include "../rng/gaussian.hpp"

namespace loradyn {
namespace vit {

namespace {

template <class R>
LinearParams<R> lin(const Layout& L, const LinearSlot& s, const R* P) {
  LinearParams<R> p;
  p.in = s.in;
  p.out = s.out;
  p.W = P + s.W;
  p.b = P + s.b;
  if (s.lora) {
    p.rank = L.lora.rank;
    p.scale = static_cast<R>(L.lora.scale());
    p.A = P + s.A;
    p.B = P + s.B;
  }
  return p;
}

template <class R>
LinearGrads<R> lgrad(const LinearSlot& s, R* G, bool base, bool lora) {
  LinearGrads<R> g;
  if (!G) return g;
  if (base) {
    g.W = G + s.W;
    g.b = G + s.b;
  }
  if (lora && s.lora) {
    g.A = G + s.A;
    g.B = G + s.B;
  }
  return g;
}

template <class R>
void zero(std::vector<R>& v, size_t n) {
  std::fill(v.begin(), v.begin() + n, R(0));
}

// Patch extraction + embedding + class token + positions: ws.x0 [n*T x D].
template <class R>
void embed(const Layout& L, const R* P, int n, const float* images, Workspace<R>& ws) {
  const VitConfig& c = L.cfg;
  const int D = c.width, T = c.tokens(), Np = c.patches(), pd = c.patch_dim(), g = c.grid();
  for (int b = 0; b < n; ++b) {
    const float* img = images + (size_t)b * c.pixels();
    for (int py = 0; py < g; ++py)
      for (int px = 0; px < g; ++px) {
        R* row = ws.patches.data() + ((size_t)b * Np + py * g + px) * pd;
        for (int dy = 0; dy < c.patch; ++dy)
          for (int dx = 0; dx < c.patch; ++dx)
            for (int ch = 0; ch < c.channels; ++ch)
              row[(dy * c.patch + dx) * c.channels + ch] =
                  static_cast<R>(img[((py * c.patch + dy) * c.image + px * c.patch + dx) * c.channels + ch]);
      }
  }
  LinearParams<R> pe;
  pe.in = pd;
  pe.out = D;
  pe.W = P + L.patch_w;
  pe.b = P + L.patch_b;
  linear_forward(pe, n * Np, ws.patches.data(), pd, ws.emb.data(), D, (R*)nullptr);
  const R* cls = P + L.cls;
  const R* pos = P + L.pos;
  for (int b = 0; b < n; ++b)
    for (int t = 0; t < T; ++t) {
      R* x = ws.x0.data() + ((size_t)b * T + t) * D;
      const R* src = t == 0 ? cls : ws.emb.data() + ((size_t)b * Np + t - 1) * D;
      for (int j = 0; j < D; ++j) x[j] = src[j] + pos[(size_t)t * D + j];
    }
}

template <class R>
void forward_blocks(const Layout& L, const R* P, int n, Workspace<R>& ws) {
  const VitConfig& c = L.cfg;
  const int D = c.width, T = c.tokens(), rows = n * T, M = c.mlp;
  const R* xin = ws.x0.data();
  for (int l = 0; l < c.depth; ++l) {
    const BlockSlots& s = L.blocks[l];
    BlockCache<R>& bc = ws.blocks[l];
    layernorm_forward(rows, D, xin, D, P + s.ln1_g, P + s.ln1_b, bc.h1.data(), bc.xhat1.data(), bc.rstd1.data());
    R* qkv = bc.qkv.data();
    linear_forward(lin(L, s.q, P), rows, bc.h1.data(), D, qkv, 3 * D, bc.uq.data());
    linear_forward(lin(L, s.k, P), rows, bc.h1.data(), D, qkv + D, 3 * D, bc.uk.data());
    linear_forward(lin(L, s.v, P), rows, bc.h1.data(), D, qkv + 2 * D, 3 * D, bc.uv.data());
    attention_forward(n, T, D, c.heads, qkv, bc.att.data(), bc.P.data());
    linear_forward(lin(L, s.o, P), rows, bc.att.data(), D, bc.xmid.data(), D, bc.uo.data());
    for (size_t i = 0; i < (size_t)rows * D; ++i) bc.xmid[i] += xin[i];
    layernorm_forward(rows, D, bc.xmid.data(), D, P + s.ln2_g, P + s.ln2_b, bc.h2.data(), bc.xhat2.data(),
                      bc.rstd2.data());
    linear_forward(lin(L, s.fc1, P), rows, bc.h2.data(), D, bc.a1.data(), M, bc.u1.data());
    gelu_forward((size_t)rows * M, bc.a1.data(), bc.g1.data());
    linear_forward(lin(L, s.fc2, P), rows, bc.g1.data(), M, bc.xout.data(), D, bc.u2.data());
    for (size_t i = 0; i < (size_t)rows * D; ++i) bc.xout[i] += bc.xmid[i];
    xin = bc.xout.data();
  }
  // Final norm on the class tokens only: the head reads nothing else.
  for (int b = 0; b < n; ++b)
    std::copy(xin + (size_t)b * T * D, xin + (size_t)b * T * D + D, ws.cls.data() + (size_t)b * D);
  layernorm_forward(n, D, ws.cls.data(), D, P + L.lnf_g, P + L.lnf_b, ws.hf.data(), ws.xhatf.data(), ws.rstdf.data());
}

}  // namespace

template <class R>
void Workspace<R>::reserve(const Layout& L, int n) {
  if (n <= cap) return;
  cap = n;
  const VitConfig& c = L.cfg;
  const size_t D = c.width, T = c.tokens(), rows = (size_t)n * T, M = c.mlp, r = L.lora.rank;
  patches.resize((size_t)n * c.patches() * c.patch_dim());
  emb.resize((size_t)n * c.patches() * D);
  x0.resize(rows * D);
  blocks.resize(c.depth);
  for (auto& b : blocks) {
    b.xhat1.resize(rows * D);
    b.rstd1.resize(rows);
    b.h1.resize(rows * D);
    b.qkv.resize(rows * 3 * D);
    b.P.resize((size_t)n * c.heads * T * T);
    b.att.resize(rows * D);
    b.xmid.resize(rows * D);
    b.xhat2.resize(rows * D);
    b.rstd2.resize(rows);
    b.h2.resize(rows * D);
    b.a1.resize(rows * M);
    b.g1.resize(rows * M);
    b.xout.resize(rows * D);
    for (auto* u : {&b.uq, &b.uk, &b.uv, &b.uo, &b.u1, &b.u2}) u->resize(rows * r);
  }
  cls.resize((size_t)n * D);
  xhatf.resize((size_t)n * D);
  rstdf.resize(n);
  hf.resize((size_t)n * D);
  logits.resize((size_t)n * c.classes);
  dlogits.resize((size_t)n * c.classes);
  dx.resize(rows * D);
  dh.resize(rows * D);
  dqkv.resize(rows * 3 * D);
  datt.resize(rows * D);
  dg1.resize(rows * M);
  da1.resize(rows * M);
  dhf.resize((size_t)n * D);
  dcls.resize((size_t)n * D);
  demb.resize((size_t)n * c.patches() * D);
}

template <class R>
double forward_backward(const Layout& L, const R* P, int n, const float* images, const int* labels, R grad_scale,
                        Workspace<R>& ws, R* G, Trainable tr, int* correct) {
  const VitConfig& c = L.cfg;
  const int D = c.width, T = c.tokens(), rows = n * T, M = c.mlp, C = c.classes, Np = c.patches();
  ws.reserve(L, n);
  embed(L, P, n, images, ws);
  forward_blocks(L, P, n, ws);
  linear_forward(lin(L, L.head, P), n, ws.hf.data(), D, ws.logits.data(), C, (R*)nullptr);
  if (!labels) return 0.0;
  const bool grads = G != nullptr;
  const double loss =
      softmax_xent(n, C, ws.logits.data(), labels, grad_scale, grads ? ws.dlogits.data() : nullptr, correct);
  if (!grads) return loss;
  const bool base = tr.base, lora = tr.lora && L.lora.rank > 0;
  // Head and final norm.
  zero(ws.dhf, (size_t)n * D);
  linear_backward(lin(L, L.head, P), lgrad(L.head, G, tr.head, false), n, ws.hf.data(), D, (const R*)nullptr,
                  ws.dlogits.data(), C, ws.dhf.data(), ws.scratch);
  if (!base && !lora) return loss;
  zero(ws.dcls, (size_t)n * D);
  layernorm_backward(n, D, ws.dhf.data(), ws.xhatf.data(), ws.rstdf.data(), P + L.lnf_g, ws.dcls.data(), D,
                     base ? G + L.lnf_g : nullptr, base ? G + L.lnf_b : nullptr);
  zero(ws.dx, (size_t)rows * D);
  for (int b = 0; b < n; ++b)
    std::copy(ws.dcls.data() + (size_t)b * D, ws.dcls.data() + (size_t)(b + 1) * D, ws.dx.data() + (size_t)b * T * D);
  // Blocks, last to first; ws.dx holds d loss / d (block output) on entry.
  for (int l = c.depth - 1; l >= 0; --l) {
    const BlockSlots& s = L.blocks[l];
    BlockCache<R>& bc = ws.blocks[l];
    // Below block 0 only the embeddings remain; skip d/dx there when they are frozen.
    const bool need_dx = base || l > 0;
    zero(ws.dg1, (size_t)rows * M);
    linear_backward(lin(L, s.fc2, P), lgrad(s.fc2, G, base, lora), rows, bc.g1.data(), M, bc.u2.data(), ws.dx.data(), D,
                    ws.dg1.data(), ws.scratch);
    gelu_backward((size_t)rows * M, bc.a1.data(), ws.dg1.data(), ws.da1.data());
    zero(ws.dh, (size_t)rows * D);
    linear_backward(lin(L, s.fc1, P), lgrad(s.fc1, G, base, lora), rows, bc.h2.data(), D, bc.u1.data(), ws.da1.data(),
                    M, ws.dh.data(), ws.scratch);
    layernorm_backward(rows, D, ws.dh.data(), bc.xhat2.data(), bc.rstd2.data(), P + s.ln2_g, ws.dx.data(), D,
                       base ? G + s.ln2_g : nullptr, base ? G + s.ln2_b : nullptr);
    // ws.dx is now d/d xmid.
    zero(ws.datt, (size_t)rows * D);
    linear_backward(lin(L, s.o, P), lgrad(s.o, G, base, lora), rows, bc.att.data(), D, bc.uo.data(), ws.dx.data(), D,
                    ws.datt.data(), ws.scratch);
    attention_backward(n, T, D, c.heads, bc.qkv.data(), bc.P.data(), ws.datt.data(), ws.dqkv.data());
    zero(ws.dh, (size_t)rows * D);
    R* dh = need_dx ? ws.dh.data() : nullptr;
    const R* dqkv = ws.dqkv.data();
    linear_backward(lin(L, s.q, P), lgrad(s.q, G, base, lora), rows, bc.h1.data(), D, bc.uq.data(), dqkv, 3 * D, dh,
                    ws.scratch);
    linear_backward(lin(L, s.k, P), lgrad(s.k, G, base, lora), rows, bc.h1.data(), D, bc.uk.data(), dqkv + D, 3 * D, dh,
                    ws.scratch);
    linear_backward(lin(L, s.v, P), lgrad(s.v, G, base, lora), rows, bc.h1.data(), D, bc.uv.data(), dqkv + 2 * D, 3 * D,
                    dh, ws.scratch);
    if (base) {
      // LayerNorm parameter gradients need only dh (computed above when base is trainable).
      layernorm_backward(rows, D, ws.dh.data(), bc.xhat1.data(), bc.rstd1.data(), P + s.ln1_g, ws.dx.data(), D,
                         G + s.ln1_g, G + s.ln1_b);
    } else if (need_dx) {
      layernorm_backward(rows, D, ws.dh.data(), bc.xhat1.data(), bc.rstd1.data(), P + s.ln1_g, ws.dx.data(), D,
                         (R*)nullptr, (R*)nullptr);
    }
    // ws.dx is now d/d (block input).
  }
  if (!base) return loss;
  // Embeddings: class token, positions, patch projection.
  R* gcls = G + L.cls;
  R* gpos = G + L.pos;
  for (int b = 0; b < n; ++b)
    for (int t = 0; t < T; ++t) {
      const R* d = ws.dx.data() + ((size_t)b * T + t) * D;
      for (int j = 0; j < D; ++j) gpos[(size_t)t * D + j] += d[j];
      if (t == 0)
        for (int j = 0; j < D; ++j) gcls[j] += d[j];
      else
        std::copy(d, d + D, ws.demb.data() + ((size_t)b * Np + t - 1) * D);
    }
  LinearParams<R> pe;
  pe.in = c.patch_dim();
  pe.out = D;
  pe.W = P + L.patch_w;
  pe.b = P + L.patch_b;
  LinearGrads<R> pg;
  pg.W = G + L.patch_w;
  pg.b = G + L.patch_b;
  linear_backward(pe, pg, n * Np, ws.patches.data(), c.patch_dim(), (const R*)nullptr, ws.demb.data(), D, (R*)nullptr,
                  ws.scratch);
  return loss;
}

template <class R>
void features(const Layout& L, const R* P, int n, const float* images, Workspace<R>& ws, R* out) {
  ws.reserve(L, n);
  embed(L, P, n, images, ws);
  forward_blocks(L, P, n, ws);
  std::copy(ws.hf.begin(), ws.hf.begin() + (size_t)n * L.cfg.width, out);
}

template <class R>
void init_group(const Layout& L, Group g, uint64_t seed, uint32_t stream, R* P) {
  for (size_t t = 0; t < L.tensors.size(); ++t) {
    const TensorInfo& ti = L.tensors[t];
    if (ti.group != g) continue;
    R* p = P + ti.offset;
    if (ti.init_std == 0) {
      std::fill(p, p + ti.size, static_cast<R>(ti.init_value));
      continue;
    }
    const DrawKey key{seed, stream};
    for (size_t i = 0; i < ti.size; ++i)
      p[i] = static_cast<R>(ti.init_std * gaussian_at(key, 0, static_cast<uint32_t>(t), static_cast<uint32_t>(i)));
  }
}

template <class R>
std::vector<R> merge_lora(const Layout& L, const R* P) {
  std::vector<R> out(P, P + L.base_size);
  if (L.lora.rank == 0) return out;
  for (const BlockSlots& s : L.blocks)
    for (const LinearSlot* slot : {&s.q, &s.k, &s.v, &s.o, &s.fc1, &s.fc2})
      if (slot->lora) linear_merge(lin(L, *slot, P), out.data() + slot->W);
  return out;
}

#define LORADYN_VIT_INSTANTIATE(R)                                                                                  \
  template struct Workspace<R>;                                                                                     \
  template double forward_backward<R>(const Layout&, const R*, int, const float*, const int*, R, Workspace<R>&, R*, \
                                      Trainable, int*);                                                             \
  template void features<R>(const Layout&, const R*, int, const float*, Workspace<R>&, R*);                         \
  template void init_group<R>(const Layout&, Group, uint64_t, uint32_t, R*);                                        \
  template std::vector<R> merge_lora<R>(const Layout&, const R*);

LORADYN_VIT_INSTANTIATE(float)
LORADYN_VIT_INSTANTIATE(double)

}  // namespace vit
}  // namespace loradyn
