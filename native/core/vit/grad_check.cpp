#include "grad_check.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

#include "../rng/gaussian.hpp"
#include "layers.hpp"
#include "layout.hpp"
#include "vit_model.hpp"

namespace loradyn {
namespace vit {

namespace {

constexpr double kH = 1e-6;
// Absolute floor of the denominator: central differences carry ~1e-10 of rounding noise, so a
// gradient that is exactly zero (the key bias: softmax ignores it) must not read as 100% error.
constexpr double kFloor = 1e-5;

struct Rand {
  uint64_t seed;
  uint32_t sample = 0;
  std::vector<double> vec(size_t n, double scale = 1.0) {
    std::vector<double> v(n);
    const DrawKey key{seed, kStreamTest};
    for (size_t i = 0; i < n; ++i) v[i] = scale * gaussian_at(key, 7, sample, static_cast<uint32_t>(i));
    ++sample;
    return v;
  }
};

// Compares analytic gradient `ana` of f with respect to x[0..n) with central differences.
GradCheck compare(const std::string& name, double* x, size_t n, const std::vector<double>& ana,
                  const std::function<double()>& f) {
  std::vector<double> num(n);
  for (size_t i = 0; i < n; ++i) {
    const double keep = x[i];
    x[i] = keep + kH;
    const double fp = f();
    x[i] = keep - kH;
    const double fm = f();
    x[i] = keep;
    num[i] = (fp - fm) / (2 * kH);
  }
  double scale = 0;
  for (double v : num) scale = std::max(scale, std::fabs(v));
  double worst = 0;
  for (size_t i = 0; i < n; ++i) {
    const double den = std::max({std::fabs(ana[i]), std::fabs(num[i]), 1e-3 * scale, kFloor});
    worst = std::max(worst, std::fabs(ana[i] - num[i]) / den);
  }
  return {name, worst, scale, static_cast<int>(n)};
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

void check_linear(Rand& rnd, int rank, std::vector<GradCheck>& out) {
  const int rows = 5, in = 6, outd = 4;
  const std::string nm = rank > 0 ? "lora_linear" : "linear";
  std::vector<double> W = rnd.vec((size_t)in * outd), b = rnd.vec(outd), A = rnd.vec((size_t)in * std::max(rank, 1)),
                      B = rnd.vec((size_t)std::max(rank, 1) * outd), X = rnd.vec((size_t)rows * in),
                      up = rnd.vec((size_t)rows * outd);
  auto params = [&] {
    LinearParams<double> p;
    p.in = in;
    p.out = outd;
    p.W = W.data();
    p.b = b.data();
    if (rank > 0) {
      p.rank = rank;
      p.scale = 1.7;
      p.A = A.data();
      p.B = B.data();
    }
    return p;
  };
  std::vector<double> Y((size_t)rows * outd), U((size_t)rows * std::max(rank, 1));
  auto f = [&] {
    linear_forward(params(), rows, X.data(), in, Y.data(), outd, U.data());
    return dot(Y, up);
  };
  f();
  std::vector<double> gW(W.size()), gb(b.size()), gA(A.size()), gB(B.size()), gX(X.size()), scratch;
  LinearGrads<double> g;
  g.W = gW.data();
  g.b = gb.data();
  if (rank > 0) {
    g.A = gA.data();
    g.B = gB.data();
  }
  linear_backward(params(), g, rows, X.data(), in, U.data(), up.data(), outd, gX.data(), scratch);
  out.push_back(compare(nm + ".W", W.data(), W.size(), gW, f));
  out.push_back(compare(nm + ".b", b.data(), b.size(), gb, f));
  out.push_back(compare(nm + ".x", X.data(), X.size(), gX, f));
  if (rank > 0) {
    out.push_back(compare(nm + ".A", A.data(), A.size(), gA, f));
    out.push_back(compare(nm + ".B", B.data(), B.size(), gB, f));
  }
}

void check_layernorm(Rand& rnd, std::vector<GradCheck>& out) {
  const int rows = 4, D = 7;
  std::vector<double> X = rnd.vec((size_t)rows * D, 2.0), g = rnd.vec(D), b = rnd.vec(D),
                      up = rnd.vec((size_t)rows * D);
  std::vector<double> Y(X.size()), xh(X.size()), rs(rows);
  auto f = [&] {
    layernorm_forward(rows, D, X.data(), D, g.data(), b.data(), Y.data(), xh.data(), rs.data());
    return dot(Y, up);
  };
  f();
  std::vector<double> gX(X.size()), gg(D), gb(D);
  layernorm_backward(rows, D, up.data(), xh.data(), rs.data(), g.data(), gX.data(), D, gg.data(), gb.data());
  out.push_back(compare("layernorm.x", X.data(), X.size(), gX, f));
  out.push_back(compare("layernorm.gamma", g.data(), g.size(), gg, f));
  out.push_back(compare("layernorm.beta", b.data(), b.size(), gb, f));
}

void check_gelu(Rand& rnd, std::vector<GradCheck>& out) {
  std::vector<double> X = rnd.vec(40, 2.0), up = rnd.vec(40), Y(40), gX(40);
  auto f = [&] {
    gelu_forward(X.size(), X.data(), Y.data());
    return dot(Y, up);
  };
  gelu_backward(X.size(), X.data(), up.data(), gX.data());
  out.push_back(compare("gelu.x", X.data(), X.size(), gX, f));
}

void check_attention(Rand& rnd, std::vector<GradCheck>& out) {
  const int n = 2, T = 3, D = 4, heads = 2;
  std::vector<double> QKV = rnd.vec((size_t)n * T * 3 * D), up = rnd.vec((size_t)n * T * D);
  std::vector<double> O((size_t)n * T * D), P((size_t)n * heads * T * T), g(QKV.size());
  auto f = [&] {
    attention_forward(n, T, D, heads, QKV.data(), O.data(), P.data());
    return dot(O, up);
  };
  f();
  attention_backward(n, T, D, heads, QKV.data(), P.data(), up.data(), g.data());
  out.push_back(compare("attention.qkv", QKV.data(), QKV.size(), g, f));
}

void check_xent(Rand& rnd, std::vector<GradCheck>& out) {
  const int n = 3, C = 4;
  std::vector<double> Z = rnd.vec((size_t)n * C, 2.0), g(Z.size());
  const int labels[n] = {0, 3, 1};
  auto f = [&] { return softmax_xent(n, C, Z.data(), labels, 1.0, (double*)nullptr, nullptr); };
  softmax_xent(n, C, Z.data(), labels, 1.0, g.data(), nullptr);
  out.push_back(compare("softmax_xent.logits", Z.data(), Z.size(), g, f));
}

void check_model(Rand& rnd, std::vector<GradCheck>& out) {
  VitConfig c;
  c.image = 4;
  c.patch = 2;
  c.width = 8;
  c.depth = 2;
  c.heads = 2;
  c.mlp = 6;
  c.classes = 3;
  LoraConfig lc;
  lc.rank = 2;
  lc.alpha = 3.0;
  lc.targets = 63u;
  const Layout L = make_layout(c, lc);
  std::vector<double> P(L.total);
  init_group(L, Group::Base, rnd.seed, kStreamVitInit, P.data());
  init_group(L, Group::Head, rnd.seed, kStreamVitInit, P.data());
  // Random A and B (B = 0 would make A's gradient vanish and the check vacuous).
  const std::vector<double> lr = rnd.vec(L.total - L.base_size, 0.5);
  std::copy(lr.begin(), lr.end(), P.begin() + L.base_size);
  const int n = 3;
  const std::vector<double> img = rnd.vec((size_t)n * c.pixels());
  const std::vector<float> imgf(img.begin(), img.end());
  const int labels[n] = {2, 0, 1};
  Workspace<double> ws;
  auto f = [&] {
    return forward_backward<double>(L, P.data(), n, imgf.data(), labels, 1.0 / n, ws, nullptr, Trainable{}, nullptr) /
           n;
  };
  for (int mode = 0; mode < 2; ++mode) {
    Trainable tr;
    tr.base = mode == 0;
    tr.head = true;
    tr.lora = true;
    std::vector<double> G(L.total, 0.0);
    forward_backward<double>(L, P.data(), n, imgf.data(), labels, 1.0 / n, ws, G.data(), tr, nullptr);
    double frozen = 0;
    for (const TensorInfo& t : L.tensors) {
      std::vector<double> ana(G.begin() + t.offset, G.begin() + t.offset + t.size);
      if (mode == 1 && t.group == Group::Base) {
        for (double v : ana) frozen = std::max(frozen, std::fabs(v));
        continue;
      }
      out.push_back(compare((mode == 0 ? "model." : "finetune.") + t.name, P.data() + t.offset, t.size, ana, f));
    }
    if (mode == 1) out.push_back({"finetune.frozen_zero", frozen, 0.0, static_cast<int>(L.base_size)});
  }
}

// Float32 (training precision) against float64 logits of the default-size model with adapters.
void check_precision(Rand& rnd, std::vector<GradCheck>& out) {
  VitConfig c;
  c.classes = 10;
  LoraConfig lc;
  lc.rank = 4;
  lc.alpha = 8.0;
  lc.targets = kLoraQ | kLoraV;
  const Layout L = make_layout(c, lc);
  std::vector<double> P(L.total);
  init_group(L, Group::Base, rnd.seed, kStreamVitInit, P.data());
  init_group(L, Group::Head, rnd.seed, kStreamVitInit, P.data());
  const std::vector<double> lr = rnd.vec(L.total - L.base_size, 0.1);
  std::copy(lr.begin(), lr.end(), P.begin() + L.base_size);
  const std::vector<float> Pf(P.begin(), P.end());
  std::vector<double> Pd(Pf.begin(), Pf.end());  // the same (float-representable) weights
  const int n = 4;
  const std::vector<double> img = rnd.vec((size_t)n * c.pixels());
  const std::vector<float> imgf(img.begin(), img.end());
  Workspace<double> wd;
  Workspace<float> wf;
  forward_backward<double>(L, Pd.data(), n, imgf.data(), nullptr, 1.0, wd, nullptr, Trainable{}, nullptr);
  forward_backward<float>(L, Pf.data(), n, imgf.data(), nullptr, 1.0f, wf, nullptr, Trainable{}, nullptr);
  double diff = 0, scale = 0;
  for (int i = 0; i < n * c.classes; ++i) {
    diff = std::max(diff, std::fabs(static_cast<double>(wf.logits[i]) - wd.logits[i]));
    scale = std::max(scale, std::fabs(wd.logits[i]));
  }
  out.push_back({"precision.float32_logits", diff / scale, scale, n * c.classes});
}

}  // namespace

std::vector<GradCheck> run_grad_checks(uint64_t seed) {
  Rand rnd{seed};
  std::vector<GradCheck> out;
  check_linear(rnd, 0, out);
  check_linear(rnd, 3, out);
  check_layernorm(rnd, out);
  check_gelu(rnd, out);
  check_attention(rnd, out);
  check_xent(rnd, out);
  check_model(rnd, out);
  check_precision(rnd, out);
  return out;
}

}  // namespace vit
}  // namespace loradyn
