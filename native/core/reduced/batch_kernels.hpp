// The general chain's batch sums, specialised at compile time for the common shapes: K hidden
// units in {1, 2, 4}, rank r in {1, 2, 4}, and f = K with w0 = diag(mu) (aligned, scratch) or
// f = 2K (misaligned, given). Per block of samples:
//   1. batch_forward:    per sample, the projections pv = V xi and lam = w0 xi + U pv
//                        (vectors across r and K: the frame stays in registers);
//   2. the links:        student s, s' at every lam and the teacher at every xi_j, each one
//                        loop over the block (chain_links.hpp);
//   3. batch_accumulate: the error, g = s' err a and c = U^T g of every sample (a loop over
//                        the block, vectorised across samples), then the sums gU += g pv^T,
//                        sv += c xi^T, cc += c c^T sample after sample (vectors across r, q).
// Every sum adds its samples in the generic loop's order (b = 0, 1, ...), every product has
// the generic loop's operands, so the kernels return its bits exactly (test/reduced.test.ts).
#pragma once
#include <cstdint>

#include "reduced_state.hpp"

namespace loradyn {

constexpr int kBatchMaxK = 4, kBatchMaxR = 4, kBatchMaxF = 2 * kBatchMaxK;
// Padded widths: rows of the frame and of the sums are whole vectors of 1, 2, 4, 8 or 16.
constexpr int kBatchMaxQP = 16;

// The compiled shapes: X(K, R, Diag). (clang-format is not stable on this table: kept by hand.)
// clang-format off
#define LD_BATCH_SHAPES(X)                                                               \
  X(1, 1, true) X(1, 2, true) X(1, 4, true) X(1, 1, false) X(1, 2, false) X(1, 4, false) \
  X(2, 1, true) X(2, 2, true) X(2, 4, true) X(2, 1, false) X(2, 2, false) X(2, 4, false) \
  X(4, 1, true) X(4, 2, true) X(4, 4, true) X(4, 1, false) X(4, 2, false) X(4, 4, false)
// clang-format on

struct BatchShape {
  int K = 0, R = 0, F = 0;
  bool diag = false;  // F == K and w0 = diag(mu): lam_j = mu_j xi_j + (U pv)_j
};

// The shape of a state, and whether the kernels are compiled for it.
BatchShape batch_shape_of(const ReducedState& st);
bool batch_shape_supported(const BatchShape& sh);
// Vector width of a row of n numbers (the next power of two).
constexpr int batch_pad(int n) { return n <= 1 ? 1 : n <= 2 ? 2 : n <= 4 ? 4 : n <= 8 ? 8 : 16; }

// The frame in the kernels' layouts (KP, RP, QP: padded K, r, q; padding is zero).
struct BatchFrame {
  alignas(64) double VT[kBatchMaxQP * kBatchMaxR];  // VT[k * RP + i] = V_ik
  alignas(64) double UT[kBatchMaxR * kBatchMaxK];   // UT[i * KP + j] = U_ji
  alignas(64) double Ur[kBatchMaxK * kBatchMaxR];   // Ur[j * RP + i] = U_ji
  alignas(64) double w0T[kBatchMaxF * kBatchMaxK];  // w0T[e * KP + j] = w0_je
  alignas(64) double mu[kBatchMaxK];                // diag: w0_jj
};
void batch_frame_fill(const BatchShape& sh, const ReducedState& st, BatchFrame& fr);

// Running sums of one step, padded: gU[j * RP + i], sv[i * QP + k], cc[i * RP + k].
struct BatchSums {
  double loss = 0;
  alignas(64) double gU[kBatchMaxK * kBatchMaxR];
  alignas(64) double sv[kBatchMaxR * kBatchMaxQP];
  alignas(64) double cc[kBatchMaxR * kBatchMaxR];
};

// One block of nb samples. xs holds their frame coordinates, nq per sample (q, then the label
// noise if any), followed by at least kBatchSlack readable doubles; the other arrays hold nb
// rows of K (lam, targ, s, ds, y, g) or r (pv, c) numbers, or nb numbers (lt), plus the same
// slack.
constexpr int kBatchSlack = 16;
struct BatchBlock {
  const double* xs = nullptr;
  int nq = 0, nb = 0;
  double* lam = nullptr;   // out of forward: the student's pre-activations
  double* targ = nullptr;  // out of forward: xi_j, the teacher's arguments
  double* pv = nullptr;    // out of forward: V xi
  double* s = nullptr;     // in to accumulate: s(lam)
  double* ds = nullptr;    // in to accumulate: s'(lam)
  double* y = nullptr;     // in to accumulate: the teacher's values
  double* lt = nullptr;    // accumulate's scratch: nb loss terms
  double* g = nullptr;     // accumulate's scratch: nb rows of K
  double* c = nullptr;     // accumulate's scratch: nb rows of r
};

void batch_forward(const BatchShape& sh, const BatchFrame& fr, const BatchBlock& blk);
void batch_accumulate(const BatchShape& sh, const BatchFrame& fr, const BatchBlock& blk, double a, double sqrt_noise,
                      BatchSums& sums);

}  // namespace loradyn
