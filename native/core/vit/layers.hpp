// The ViT's layers as free functions on row-major buffers, forward and hand-written backward.
// Backward functions ACCUMULATE into parameter gradients and (where noted) into dX, so a
// residual stream can collect several contributions. Templated on the scalar: float for
// training, double for finite-difference checks.
#pragma once
#include <cmath>
#include <cstddef>
#include <vector>

#include "gemm.hpp"

namespace loradyn {
namespace vit {

// ---- LoRA linear layer: y = x W + b + scale * (x A) B -------------------------------------
// W is [in x out], A is [in x rank], B is [rank x out] (all row-major, "x times matrix"), so
// the merged weight is W + scale * A B. rank 0 (or A == nullptr) is a plain linear layer.
template <class R>
struct LinearParams {
  int in = 0, out = 0, rank = 0;
  R scale = 0;
  const R* W = nullptr;
  const R* b = nullptr;  // may be null (no bias)
  const R* A = nullptr;
  const R* B = nullptr;
};

// Gradient targets; a null pointer means "frozen, do not compute".
template <class R>
struct LinearGrads {
  R* W = nullptr;
  R* b = nullptr;
  R* A = nullptr;
  R* B = nullptr;
};

// Y[rows x out] (stride ldy) = X[rows x in] (stride ldx) W + b + scale (X A) B.
// U[rows x rank] receives X A, kept for backward (needed only when rank > 0).
template <class R>
void linear_forward(const LinearParams<R>& p, int rows, const R* X, int ldx, R* Y, int ldy, R* U) {
  for (int i = 0; i < rows; ++i) {
    R* y = Y + (size_t)i * ldy;
    if (p.b)
      for (int j = 0; j < p.out; ++j) y[j] = p.b[j];
    else
      for (int j = 0; j < p.out; ++j) y[j] = R(0);
  }
  gemm_nn(rows, p.out, p.in, X, ldx, p.W, p.out, Y, ldy);
  if (p.rank > 0 && p.A) {
    for (size_t i = 0; i < (size_t)rows * p.rank; ++i) U[i] = R(0);
    gemm_nn(rows, p.rank, p.in, X, ldx, p.A, p.rank, U, p.rank);
    // Y += (scale U) B: scale folded into a scratch copy of U would cost a buffer; rows*rank is tiny.
    std::vector<R> su((size_t)rows * p.rank);
    for (size_t i = 0; i < su.size(); ++i) su[i] = p.scale * U[i];
    gemm_nn(rows, p.out, p.rank, su.data(), p.rank, p.B, p.out, Y, ldy);
  }
}

// dX (stride ldx, accumulated; may be null) and the gradients in g, from dY (stride ldy).
template <class R>
void linear_backward(const LinearParams<R>& p, const LinearGrads<R>& g, int rows, const R* X, int ldx, const R* U,
                     const R* dY, int ldy, R* dX, std::vector<R>& scratch) {
  if (g.W) gemm_tn(rows, p.out, p.in, X, ldx, dY, ldy, g.W, p.out);
  if (g.b)
    for (int i = 0; i < rows; ++i) {
      const R* __restrict d = dY + (size_t)i * ldy;
      for (int j = 0; j < p.out; ++j) g.b[j] += d[j];
    }
  const bool lora = p.rank > 0 && p.A;
  const bool need_du = lora && (g.A || dX);
  const size_t n_wt = dX ? (size_t)p.in * p.out : 0;
  const size_t n_du = need_du ? (size_t)rows * p.rank : 0;
  const size_t n_bt = need_du ? (size_t)p.out * p.rank : 0;
  const size_t n_at = (lora && dX) ? (size_t)p.rank * p.in : 0;
  scratch.assign(n_wt + n_du + n_bt + n_at, R(0));
  R* WT = scratch.data();
  R* dU = WT + n_wt;
  R* BT = dU + n_du;
  R* AT = BT + n_bt;
  if (dX) {
    transpose(p.in, p.out, p.W, WT);  // [out x in]
    gemm_nn(rows, p.in, p.out, dY, ldy, WT, p.in, dX, ldx);
  }
  if (!lora) return;
  if (g.B) {
    // dB += scale U^T dY
    std::vector<R> su((size_t)rows * p.rank);
    for (size_t i = 0; i < su.size(); ++i) su[i] = p.scale * U[i];
    gemm_tn(rows, p.out, p.rank, su.data(), p.rank, dY, ldy, g.B, p.out);
  }
  if (need_du) {
    transpose(p.rank, p.out, p.B, BT);  // [out x rank]
    gemm_nn(rows, p.rank, p.out, dY, ldy, BT, p.rank, dU, p.rank);
    for (size_t i = 0; i < n_du; ++i) dU[i] *= p.scale;
    if (g.A) gemm_tn(rows, p.rank, p.in, X, ldx, dU, p.rank, g.A, p.rank);
    if (dX) {
      transpose(p.in, p.rank, p.A, AT);  // [rank x in]
      gemm_nn(rows, p.in, p.rank, dU, p.rank, AT, p.in, dX, ldx);
    }
  }
}

// W + scale A B, the adapter folded into the base weight.
template <class R>
void linear_merge(const LinearParams<R>& p, R* W_out) {
  for (size_t i = 0; i < (size_t)p.in * p.out; ++i) W_out[i] = p.W[i];
  if (p.rank == 0 || !p.A) return;
  std::vector<R> sA((size_t)p.in * p.rank);
  for (size_t i = 0; i < sA.size(); ++i) sA[i] = p.scale * p.A[i];
  gemm_nn(p.in, p.out, p.rank, sA.data(), p.rank, p.B, p.out, W_out, p.out);
}

// ---- LayerNorm over the last dimension --------------------------------------------------------
constexpr double kLayerNormEps = 1e-5;

template <class R>
void layernorm_forward(int rows, int D, const R* X, int ldx, const R* gamma, const R* beta, R* Y, R* xhat, R* rstd) {
  for (int i = 0; i < rows; ++i) {
    const R* x = X + (size_t)i * ldx;
    R mean = 0;
    for (int j = 0; j < D; ++j) mean += x[j];
    mean /= R(D);
    R var = 0;
    for (int j = 0; j < D; ++j) var += (x[j] - mean) * (x[j] - mean);
    var /= R(D);
    const R rs = R(1) / std::sqrt(var + R(kLayerNormEps));
    rstd[i] = rs;
    R* xh = xhat + (size_t)i * D;
    R* y = Y + (size_t)i * D;
    for (int j = 0; j < D; ++j) {
      xh[j] = (x[j] - mean) * rs;
      y[j] = gamma[j] * xh[j] + beta[j];
    }
  }
}

// dX (stride ldx) += d LN / dX; dgamma, dbeta accumulated when non-null.
template <class R>
void layernorm_backward(int rows, int D, const R* dY, const R* xhat, const R* rstd, const R* gamma, R* dX, int ldx,
                        R* dgamma, R* dbeta) {
  for (int i = 0; i < rows; ++i) {
    const R* dy = dY + (size_t)i * D;
    const R* xh = xhat + (size_t)i * D;
    if (dgamma)
      for (int j = 0; j < D; ++j) dgamma[j] += dy[j] * xh[j];
    if (dbeta)
      for (int j = 0; j < D; ++j) dbeta[j] += dy[j];
    if (!dX) continue;
    R m1 = 0, m2 = 0;
    for (int j = 0; j < D; ++j) {
      const R g = dy[j] * gamma[j];
      m1 += g;
      m2 += g * xh[j];
    }
    m1 /= R(D);
    m2 /= R(D);
    R* dx = dX + (size_t)i * ldx;
    for (int j = 0; j < D; ++j) dx[j] += rstd[i] * (dy[j] * gamma[j] - m1 - xh[j] * m2);
  }
}

// ---- GELU (exact, with erf) ------------------------------------------------------------------
template <class R>
void gelu_forward(size_t n, const R* a, R* y) {
  for (size_t i = 0; i < n; ++i) y[i] = R(0.5) * a[i] * (R(1) + std::erf(a[i] * R(0.70710678118654752)));
}

// dA = dY * gelu'(A), written (not accumulated).
template <class R>
void gelu_backward(size_t n, const R* a, const R* dy, R* da) {
  for (size_t i = 0; i < n; ++i) {
    const R x = a[i];
    const R cdf = R(0.5) * (R(1) + std::erf(x * R(0.70710678118654752)));
    const R pdf = R(0.39894228040143268) * std::exp(R(-0.5) * x * x);
    da[i] = dy[i] * (cdf + x * pdf);
  }
}

// ---- Multi-head self-attention core (projections are separate LinearParams) ------------------
// QKV: [n*T x 3D] rows (q | k | v); O: [n*T x D]; P: [n x heads x T x T] softmax weights.
template <class R>
void attention_forward(int n, int T, int D, int heads, const R* QKV, R* O, R* P) {
  const int dh = D / heads;
  const R scale = R(1) / std::sqrt(R(dh));
  const int ld = 3 * D;
  std::vector<R> s(T), kt((size_t)dh * T);
  for (int b = 0; b < n; ++b) {
    const R* base = QKV + (size_t)b * T * ld;
    for (int h = 0; h < heads; ++h) {
      R* Pbh = P + ((size_t)b * heads + h) * T * T;
      // Keys transposed (kt[c][j]) so that the scores of all keys accumulate together over c: each
      // score is still the sum over c in order, so the bits are those of one dot product at a time.
      for (int j = 0; j < T; ++j)
        for (int c = 0; c < dh; ++c) kt[(size_t)c * T + j] = base[(size_t)j * ld + D + h * dh + c];
      for (int i = 0; i < T; ++i) {
        const R* q = base + (size_t)i * ld + h * dh;
        for (int j = 0; j < T; ++j) s[j] = 0;
        for (int c = 0; c < dh; ++c) {
          const R qc = q[c];
          const R* __restrict kc = kt.data() + (size_t)c * T;
          R* __restrict sj = s.data();
          for (int j = 0; j < T; ++j) sj[j] += qc * kc[j];
        }
        R mx = -INFINITY;
        for (int j = 0; j < T; ++j) {
          s[j] *= scale;
          if (s[j] > mx) mx = s[j];
        }
        R sum = 0;
        for (int j = 0; j < T; ++j) {
          s[j] = std::exp(s[j] - mx);
          sum += s[j];
        }
        R* prow = Pbh + (size_t)i * T;
        for (int j = 0; j < T; ++j) prow[j] = s[j] / sum;
        R* o = O + ((size_t)b * T + i) * D + h * dh;
        for (int c = 0; c < dh; ++c) o[c] = 0;
        for (int j = 0; j < T; ++j) {
          const R* v = base + (size_t)j * ld + 2 * D + h * dh;
          const R pj = prow[j];
          for (int c = 0; c < dh; ++c) o[c] += pj * v[c];
        }
      }
    }
  }
}

// dQKV (written, not accumulated) from dO.
template <class R>
void attention_backward(int n, int T, int D, int heads, const R* QKV, const R* P, const R* dO, R* dQKV) {
  const int dh = D / heads;
  const R scale = R(1) / std::sqrt(R(dh));
  const int ld = 3 * D;
  for (size_t i = 0; i < (size_t)n * T * ld; ++i) dQKV[i] = 0;
  std::vector<R> dp(T);
  for (int b = 0; b < n; ++b) {
    const R* base = QKV + (size_t)b * T * ld;
    R* dbase = dQKV + (size_t)b * T * ld;
    for (int h = 0; h < heads; ++h) {
      const R* Pbh = P + ((size_t)b * heads + h) * T * T;
      for (int i = 0; i < T; ++i) {
        const R* prow = Pbh + (size_t)i * T;
        const R* dout = dO + ((size_t)b * T + i) * D + h * dh;
        R dot_pdp = 0;
        for (int j = 0; j < T; ++j) {
          const R* v = base + (size_t)j * ld + 2 * D + h * dh;
          R* dv = dbase + (size_t)j * ld + 2 * D + h * dh;
          R d = 0;
          for (int c = 0; c < dh; ++c) {
            d += dout[c] * v[c];
            dv[c] += prow[j] * dout[c];
          }
          dp[j] = d;
          dot_pdp += prow[j] * d;
        }
        const R* q = base + (size_t)i * ld + h * dh;
        R* dq = dbase + (size_t)i * ld + h * dh;
        for (int j = 0; j < T; ++j) {
          const R ds = prow[j] * (dp[j] - dot_pdp) * scale;
          const R* k = base + (size_t)j * ld + D + h * dh;
          R* dk = dbase + (size_t)j * ld + D + h * dh;
          for (int c = 0; c < dh; ++c) {
            dq[c] += ds * k[c];
            dk[c] += ds * q[c];
          }
        }
      }
    }
  }
}

// ---- Softmax cross-entropy ------------------------------------------------------------------
// Returns the summed loss over n rows; dlogits = (softmax - onehot) * grad_scale (written).
// Writes the number of correct argmax predictions to *correct when non-null.
template <class R>
double softmax_xent(int n, int C, const R* logits, const int* labels, R grad_scale, R* dlogits, int* correct) {
  double loss = 0;
  int ok = 0;
  for (int i = 0; i < n; ++i) {
    const R* z = logits + (size_t)i * C;
    R mx = z[0];
    int arg = 0;
    for (int c = 1; c < C; ++c)
      if (z[c] > mx) {
        mx = z[c];
        arg = c;
      }
    R sum = 0;
    for (int c = 0; c < C; ++c) sum += std::exp(z[c] - mx);
    const R lse = mx + std::log(sum);
    loss += static_cast<double>(lse - z[labels[i]]);
    if (arg == labels[i]) ++ok;
    if (dlogits) {
      R* d = dlogits + (size_t)i * C;
      for (int c = 0; c < C; ++c) d[c] = (std::exp(z[c] - lse) - (c == labels[i] ? R(1) : R(0))) * grad_scale;
    }
  }
  if (correct) *correct = ok;
  return loss;
}

}  // namespace vit
}  // namespace loradyn
