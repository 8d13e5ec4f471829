// The law of the escape time (SPEC section 7.2): predicted quantiles of the first step at which
// |m| >= threshold (and of the first step at which the loss has made a given fraction of its
// progress), for rank-1, K = 1, aligned, spherical LoRA under one-pass SGD. The derivation is
// in escape_law.md beside this file.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "../activations/activation.hpp"

namespace loradyn {

struct EscapeLawSpec {
  Activation student;
  Link teacher;
  double noise = 0;  // label-noise variance
  double mu = 0.5;   // aligned pre-training strength, w0 = mu w*
  int64_t d = 1000;
  int64_t batch = 500;
  double eta = 0.2;  // before the Hermite rescale
  bool hermite_rescale = false;
  double u0 = -1;             // < 0: 1/d^2
  double threshold = 0.5;     // |m| >= threshold
  double loss_fraction = -1;  // in (0, 1): also the first step with L - noise/2 <= f (L0 - noise/2)
  std::vector<double> probs{0.1, 0.25, 0.5, 0.75, 0.9};
  bool noise_drift = true;  // keep SGD's O(eta d / B) shrink of m in the nonlinear part
};

struct EscapeLawQuantile {
  double p = 0;
  double zeta = 0;         // |zeta_eff| at this quantile (upper tail probability p)
  double steps = -1;       // first passage of |m| >= threshold; < 0: never (see reason)
  double loss_steps = -1;  // first passage of the loss criterion; < 0: never or not asked
};

struct EscapeLaw {
  bool finite = true;  // false: no escape along the linearisation (A = 0); quantiles empty
  std::string reason;
  double eta_eff = 0;   // eta after the Hermite rescale; time t = steps * eta_eff
  double A = 0, B = 0;  // linearisation at u = 0 (unrescaled, per unit of t)
  double lambda_plus = 0, lambda_minus = 0, tau = 0;
  double growth_per_step = 0;  // log(1 + eta_eff lambda_+): the linear phase's exact rate per step
  double c = 0, s = 0;         // unstable direction (u, m) components, s >= 0, c^2 + s^2 = 1
  double sigma2 = 0;           // E[e^2] at the saddle (gradient_noise.hpp)
  double zeta_mean = 0;        // zeta_eff ~ N(zeta_mean, sd_init^2 + sd_noise^2)
  double sd_init = 0, sd_noise = 0;
  double kappa = 0;  // eta d sigma2 c s / (2 |A| B): SGD's high-dimensional noise drift
                     // against the signal at the end of the linear phase (validity)
  double loss0 = 0;  // population loss at the start
  std::vector<EscapeLawQuantile> quantiles;
  std::vector<std::string> warnings;
};

// Throws ConfigInvalid naming the field ("mu", "d", "batch", "eta", "threshold",
// "lossThreshold", "probs", "u0", "noise") when an input is out of range.
EscapeLaw escape_law(const EscapeLawSpec& spec);

// P(|Z| >= z) for Z ~ N(mean, sd^2), and its inverse in z for a tail probability p in (0, 1).
double folded_normal_tail(double z, double mean, double sd);
double folded_normal_tail_inverse(double p, double mean, double sd);

}  // namespace loradyn
