#include "full_state.hpp"

#include <cmath>
#include <stdexcept>

#include "../rng/gaussian.hpp"

namespace loradyn {
namespace {

double dot(const double* a, const double* b, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

void normalise(double* a, int64_t n) {
  const double nn = std::sqrt(dot(a, a, n));
  if (!(nn > 0)) throw std::runtime_error("cannot normalise a zero vector");
  for (int64_t i = 0; i < n; ++i) a[i] /= nn;
}

}  // namespace

FullState init_full_state(const RunConfig& cfg, uint64_t seed) {
  const auto& m = cfg.model;
  FullState s;
  s.d = m.d;
  s.K = m.hidden;
  s.r = m.rank;
  const int64_t d = m.d;
  const int K = m.hidden, r = m.rank;
  // Teacher: Gaussian rows, Gram–Schmidt to orthonormal.
  s.teacher.assign(K * d, 0.0);
  for (int j = 0; j < K; ++j) {
    double* row = &s.teacher[j * d];
    gaussian_fill({seed, kStreamTeacher}, 0, j, 0, static_cast<uint32_t>(d), row);
    for (int l = 0; l < j; ++l) {
      const double* prev = &s.teacher[l * d];
      const double c = dot(row, prev, d);
      for (int64_t i = 0; i < d; ++i) row[i] -= c * prev[i];
    }
    normalise(row, d);
  }
  s.w0.assign(K * d, 0.0);
  s.w0_aligned = false;
  switch (m.pretrained) {
    case Pretrained::Aligned:
      s.w0_aligned = true;
      for (int j = 0; j < K; ++j)
        for (int64_t i = 0; i < d; ++i) s.w0[j * d + i] = m.mu[j] * s.teacher[j * d + i];
      break;
    case Pretrained::Misaligned: {
      std::vector<double> xi(d);
      for (int j = 0; j < K; ++j) {
        gaussian_fill({seed, kStreamMisalign}, 0, j, 0, static_cast<uint32_t>(d), xi.data());
        normalise(xi.data(), d);
        for (int64_t i = 0; i < d; ++i) s.w0[j * d + i] = m.mu[j] * s.teacher[j * d + i] + (1 - m.mu[j]) * xi[i];
      }
      break;
    }
    case Pretrained::Given:
      s.w0.assign(m.w0.begin(), m.w0.end());
      break;
    case Pretrained::Scratch:
      break;
  }
  s.V.assign(r * d, 0.0);
  if (!m.init_v.empty()) {
    s.V.assign(m.init_v.begin(), m.init_v.end());
  } else if (m.adapter == Adapter::Full) {
    // Full fine-tuning: the rows of V are the deltas w_j - w0_j, zero at the start.
  } else {
    for (int i = 0; i < r; ++i) {
      gaussian_fill({seed, kStreamLoraInit}, 0, i, 0, static_cast<uint32_t>(d), &s.V[i * d]);
      normalise(&s.V[i * d], d);
    }
  }
  s.U.assign(K * r, 0.0);
  if (m.pretrained == Pretrained::Scratch || m.adapter == Adapter::Full) {
    // Scratch: W = V; full fine-tuning: W = w0 + V (r = K). U frozen at the identity.
    for (int j = 0; j < K; ++j) s.U[j * r + j] = 1.0;
  } else if (!m.init_u.empty()) {
    s.U = m.init_u;
  } else {
    for (auto& u : s.U) u = effective_u0(m);
  }
  return s;
}

void full_order_parameters(const FullState& s, double* m, double* M, double* Q) {
  const int64_t d = s.d;
  const int K = s.K, r = s.r;
  // W_j = w0_j + sum_i U_ji v_i, formed explicitly: called only at record points.
  std::vector<double> W(K * d);
  for (int j = 0; j < K; ++j)
    for (int64_t x = 0; x < d; ++x) {
      double w = s.w0[j * d + x];
      for (int i = 0; i < r; ++i) w += s.U[j * r + i] * s.V[i * d + x];
      W[j * d + x] = w;
    }
  for (int i = 0; i < r; ++i)
    for (int j = 0; j < K; ++j) m[i * K + j] = dot(&s.V[i * d], &s.teacher[j * d], d);
  for (int j = 0; j < K; ++j)
    for (int k = 0; k < K; ++k) {
      M[j * K + k] = dot(&W[j * d], &s.teacher[k * d], d);
      Q[j * K + k] = dot(&W[j * d], &W[k * d], d);
    }
}

}  // namespace loradyn
