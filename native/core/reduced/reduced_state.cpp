#include "reduced_state.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "../model/practice.hpp"
#include "../rng/gaussian.hpp"
#include "gamma.hpp"
#include "small_linalg.hpp"

namespace loradyn {
namespace {

using Vec = std::vector<double>;

double dot(const double* a, const double* b, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

// Vectors of R^d held as coordinates in an orthonormal frame that grows as vectors arrive.
// A standard Gaussian vector independent of the frame has iid N(0, 1) coordinates on it,
// and a part orthogonal to it whose squared norm is chi2(d - dim) and whose direction is
// uniform on the complement: that direction becomes the next frame vector.
class GrowingFrame {
 public:
  GrowingFrame(int64_t d, int cap, uint64_t seed) : d_(d), cap_(cap), seed_(seed) {}

  Vec gaussian(uint32_t sample) {
    Vec c(cap_, 0.0);
    if (dim_ > 0) gaussian_fill({seed_, kStreamReducedInit}, 0, sample, 0, static_cast<uint32_t>(dim_), c.data());
    if (d_ > dim_) {
      if (dim_ >= cap_) throw std::logic_error("reduced init: frame capacity exceeded");
      c[dim_] = std::sqrt(chi_square({seed_, kStreamReducedInitGamma}, 0, sample, static_cast<double>(d_ - dim_)));
      ++dim_;
    }
    return c;
  }

  // Deterministic vectors of R^d (given w0, init.v): coordinates by Gram–Schmidt in R^d.
  // Must come before any Gaussian vector, so that those stay independent of the frame.
  std::vector<Vec> fixed(const std::vector<const double*>& rows) {
    if (dim_ != 0) throw std::logic_error("reduced init: fixed vectors must come first");
    std::vector<Vec> basis;  // orthonormal, in R^d
    std::vector<Vec> out;
    if (rows.empty()) return out;
    Vec res(d_);
    for (const double* row : rows) {
      Vec c(cap_, 0.0);
      for (int64_t x = 0; x < d_; ++x) res[x] = row[x];
      const double norm0 = std::sqrt(dot(res.data(), res.data(), d_));
      if (!std::isfinite(norm0)) {  // |row|^2 overflows: the state is not finite (the run diverges at step 0)
        out.push_back(Vec(cap_, std::numeric_limits<double>::infinity()));
        continue;
      }
      for (size_t e = 0; e < basis.size(); ++e) {
        const double p = dot(res.data(), basis[e].data(), d_);
        for (int64_t x = 0; x < d_; ++x) res[x] -= p * basis[e][x];
        c[e] += p;
      }
      const double norm = std::sqrt(dot(res.data(), res.data(), d_));
      if (norm > kRankTol * norm0 && norm > 0) {
        if (dim_ >= cap_) throw std::logic_error("reduced init: frame capacity exceeded");
        for (int64_t x = 0; x < d_; ++x) res[x] /= norm;
        basis.push_back(res);
        c[dim_++] = norm;
      }
      out.push_back(std::move(c));
    }
    return out;
  }

 private:
  int64_t d_;
  int cap_;
  uint64_t seed_;
  int dim_ = 0;
};

void normalise(Vec& v) {
  const double n = std::sqrt(dot(v.data(), v.data(), static_cast<int64_t>(v.size())));
  if (!(n > 0)) throw std::runtime_error("reduced init: cannot normalise a zero vector");
  for (double& x : v) x /= n;
}

}  // namespace

int reduced_max_fixed_dim(const ModelConfig& m) {
  switch (m.pretrained) {
    case Pretrained::Aligned:
    case Pretrained::Scratch:
      return m.hidden;
    default:
      return 2 * m.hidden;
  }
}

void reduced_issues(const RunConfig& cfg, std::vector<ConfigIssue>& out) {
  practice_reduced_issues(cfg, out);
  const auto& m = cfg.model;
  if (cfg.record.final_state)
    out.push_back({"record.final",
                   "is not available with engine 'reduced': the chain keeps only the overlaps, not d-dimensional "
                   "vectors; use engine 'full' to get the final U, V, teacher and w0"});
  const int64_t need = reduced_max_fixed_dim(m) + 2 * static_cast<int64_t>(m.rank);
  if (m.d < need)
    out.push_back({"model.d", "must be >= " + std::to_string(need) +
                                  " for engine 'reduced' (the frame of teacher, w0 and V rows plus the rank new "
                                  "directions of one step must fit in R^d); use engine 'full' for smaller d"});
  // One Philox counter word indexes all frame coordinates of a step's batch.
  const int64_t per_sample = reduced_max_fixed_dim(m) + m.rank + (m.noise > 0 ? 1 : 0);
  if (cfg.train.batch * per_sample >= (int64_t{1} << 32))
    out.push_back({"train.batch", "must be < " + std::to_string((int64_t{1} << 32) / per_sample) +
                                      " for engine 'reduced' (batch x frame coordinates must be < 2^32)"});
}

ReducedState init_reduced_state(const RunConfig& cfg, uint64_t seed) {
  const auto& m = cfg.model;
  const int K = m.hidden, r = m.rank;
  const int64_t d = m.d;
  const bool given_w0 = m.pretrained == Pretrained::Given;
  const bool given_v = !m.init_v.empty();
  const int cap = K /*teacher*/ + K /*xi or given w0*/ + r /*V*/ + 1;
  GrowingFrame frame(d, cap, seed);

  // Deterministic vectors first, then the Gaussian ones (independent of them).
  std::vector<const double*> fixed_rows;
  if (given_w0)
    for (int j = 0; j < K; ++j) fixed_rows.push_back(&m.w0[static_cast<size_t>(j) * d]);
  if (given_v)
    for (int i = 0; i < r; ++i) fixed_rows.push_back(&m.init_v[static_cast<size_t>(i) * d]);
  const std::vector<Vec> fixed = frame.fixed(fixed_rows);

  // Teacher: Gaussian rows, Gram–Schmidt in the order of full_state.cpp.
  std::vector<Vec> t(K);
  for (int j = 0; j < K; ++j) {
    t[j] = frame.gaussian(static_cast<uint32_t>(j));
    for (int l = 0; l < j; ++l) {
      const double c = dot(t[j].data(), t[l].data(), cap);
      for (int k = 0; k < cap; ++k) t[j][k] -= c * t[l][k];
    }
    normalise(t[j]);
  }
  std::vector<Vec> w0(K, Vec(cap, 0.0));
  switch (m.pretrained) {
    case Pretrained::Aligned:
    case Pretrained::Scratch:
      break;  // expressed directly in F below
    case Pretrained::Misaligned:
      for (int j = 0; j < K; ++j) {
        Vec xi = frame.gaussian(static_cast<uint32_t>(K + j));
        normalise(xi);
        for (int k = 0; k < cap; ++k) w0[j][k] = m.mu[j] * t[j][k] + (1 - m.mu[j]) * xi[k];
      }
      break;
    case Pretrained::Given:
      for (int j = 0; j < K; ++j) w0[j] = fixed[j];
      break;
  }
  std::vector<Vec> v(r);
  for (int i = 0; i < r; ++i) {
    if (given_v) {
      v[i] = fixed[(given_w0 ? K : 0) + i];
    } else {
      v[i] = frame.gaussian(static_cast<uint32_t>(2 * K + i));
      normalise(v[i]);
    }
  }

  ReducedState s;
  s.d = d;
  s.K = K;
  s.r = r;
  // F: the teacher rows, then what the w0 rows add (misaligned, given).
  std::vector<Vec> basis = t;
  const bool general_w0 = m.pretrained == Pretrained::Misaligned || m.pretrained == Pretrained::Given;
  if (general_w0) {
    for (int j = 0; j < K; ++j) {
      Vec res = w0[j];
      const double norm0 = std::sqrt(dot(res.data(), res.data(), cap));
      for (const Vec& e : basis) {
        const double c = dot(res.data(), e.data(), cap);
        for (int k = 0; k < cap; ++k) res[k] -= c * e[k];
      }
      const double norm = std::sqrt(dot(res.data(), res.data(), cap));
      if (norm > kRankTol * norm0 && norm > 0) {
        for (double& x : res) x /= norm;
        basis.push_back(res);
      }
    }
  }
  const int f = static_cast<int>(basis.size());
  s.f = f;
  s.q = f + r;
  s.w0.assign(static_cast<size_t>(K) * f, 0.0);
  s.w0_zero = true;
  for (int j = 0; j < K; ++j) {
    for (int e = 0; e < f; ++e) {
      double c;
      if (general_w0)
        c = dot(w0[j].data(), basis[e].data(), cap);
      else
        c = (m.pretrained == Pretrained::Aligned && e == j) ? m.mu[j] : 0.0;
      s.w0[j * f + e] = c;
      if (c != 0.0) s.w0_zero = false;
    }
  }
  // V: coordinates on F, then the parts outside F factored as L E (E orthonormal, r rows).
  s.V.assign(static_cast<size_t>(r) * s.q, 0.0);
  Vec perp(static_cast<size_t>(r) * cap);
  for (int i = 0; i < r; ++i) {
    Vec res = v[i];
    for (int e = 0; e < f; ++e) {
      const double c = dot(v[i].data(), basis[e].data(), cap);
      s.V[i * s.q + e] = c;
      for (int k = 0; k < cap; ++k) res[k] -= c * basis[e][k];
    }
    for (int k = 0; k < cap; ++k) perp[i * cap + k] = res[k];
  }
  Vec L(static_cast<size_t>(r) * r), work(static_cast<size_t>(r + 1) * cap);
  row_lq(perp.data(), r, cap, L.data(), work.data());
  for (int i = 0; i < r; ++i)
    for (int k = 0; k < r; ++k) s.V[i * s.q + f + k] = L[i * r + k];

  s.U.assign(static_cast<size_t>(K) * r, 0.0);
  if (m.pretrained == Pretrained::Scratch) {
    for (int j = 0; j < K; ++j) s.U[j * r + j] = 1.0;
  } else if (!m.init_u.empty()) {
    s.U = m.init_u;
  } else {
    for (double& u : s.U) u = effective_u0(m);
  }
  return s;
}

}  // namespace loradyn
