#include "activation.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace loradyn {
namespace {

constexpr double kTwoOverSqrtPi = 1.1283791670955126;
constexpr int kMaxHermiteOrder = 64;  // beyond this He_k overflows double at moderate z

std::string trim(const std::string& s) {
  size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return s.substr(a, b - a);
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

ActivationTerm parse_base(const std::string& raw, const std::string& whole) {
  const std::string name = lower(trim(raw));
  ActivationTerm t;
  if (name == "linear" || name == "id" || name == "identity")
    t.kind = BaseKind::Linear;
  else if (name == "relu")
    t.kind = BaseKind::Relu;
  else if (name == "erf")
    t.kind = BaseKind::Erf;
  else if (name == "sigmoid")
    t.kind = BaseKind::Sigmoid;
  else if (name == "tanh")
    t.kind = BaseKind::Tanh;
  else if (name == "square")
    t.kind = BaseKind::Square;
  else if (name.size() > 2 && name.compare(0, 2, "he") == 0) {
    const std::string digits = name.substr(2);
    for (char c : digits)
      if (!std::isdigit(static_cast<unsigned char>(c)))
        throw std::invalid_argument("unknown activation '" + raw + "' in '" + whole +
                                    "' (Hermite terms are written he<k>, e.g. he3)");
    const int k = std::atoi(digits.c_str());
    if (k < 1 || k > kMaxHermiteOrder)
      throw std::invalid_argument("Hermite order in '" + raw + "' must be in [1, " + std::to_string(kMaxHermiteOrder) +
                                  "]");
    t.kind = BaseKind::Hermite;
    t.k = k;
  } else {
    throw std::invalid_argument(
        "unknown activation '" + trim(raw) + "' in '" + whole +
        "' (known: linear, relu, erf, sigmoid, tanh, square, he<k>, and sums like he3+0.5*he5)");
  }
  return t;
}

double base_value(const ActivationTerm& t, double z, double* ds, double* d2s) {
  switch (t.kind) {
    case BaseKind::Linear:
      *ds = 1;
      *d2s = 0;
      return z;
    case BaseKind::Relu:
      *ds = z > 0 ? 1.0 : 0.0;
      *d2s = 0;  // Dirac part reported by dirac_weight()
      return z > 0 ? z : 0.0;
    case BaseKind::Erf: {
      const double g = kTwoOverSqrtPi * std::exp(-z * z);
      *ds = g;
      *d2s = -2.0 * z * g;
      return std::erf(z);
    }
    case BaseKind::Sigmoid: {
      const double s = z >= 0 ? 1.0 / (1.0 + std::exp(-z)) : std::exp(z) / (1.0 + std::exp(z));
      *ds = s * (1 - s);
      *d2s = s * (1 - s) * (1 - 2 * s);
      return s;
    }
    case BaseKind::Tanh: {
      const double s = std::tanh(z);
      *ds = 1 - s * s;
      *d2s = -2 * s * (1 - s * s);
      return s;
    }
    case BaseKind::Square:
      *ds = 2 * z;
      *d2s = 2;
      return z * z;
    case BaseKind::Hermite: {
      // He_k' = k He_{k-1}, He_k'' = k (k-1) He_{k-2}.
      double h[kMaxHermiteOrder + 1];
      hermite_values(t.k, z, h);
      *ds = t.k * h[t.k - 1];
      *d2s = t.k >= 2 ? t.k * (t.k - 1.0) * h[t.k - 2] : 0.0;
      return h[t.k];
    }
    case BaseKind::HermiteSeries: {
      const int n = static_cast<int>(t.coeffs.size()) - 1;
      std::vector<double> h(n + 1);
      hermite_values(n, z, h.data());
      double s = 0, d1 = 0, d2 = 0;
      for (int k = 0; k <= n; ++k) {
        const double c = t.coeffs[k];
        s += c * h[k];
        if (k >= 1) d1 += c * k * h[k - 1];
        if (k >= 2) d2 += c * k * (k - 1.0) * h[k - 2];
      }
      *ds = d1;
      *d2s = d2;
      return s;
    }
  }
  *ds = 0;
  *d2s = 0;
  return 0;
}

}  // namespace

void hermite_values(int n, double z, double* out) {
  out[0] = 1.0;
  if (n >= 1) out[1] = z;
  for (int k = 1; k < n; ++k) out[k + 1] = z * out[k] - k * out[k - 1];
}

double hermite_rescale_divisor(int k) {
  if (k <= 0) return 1.0;
  double f = 1.0;
  for (int i = 2; i <= k; ++i) f *= i;
  return f * k;
}

Activation Activation::parse(const std::string& spec) {
  const std::string whole = trim(spec);
  if (whole.empty()) throw std::invalid_argument("activation is empty");
  Activation a;
  a.name_ = lower(whole);
  size_t pos = 0;
  while (pos <= whole.size()) {
    size_t plus = whole.find('+', pos);
    const std::string piece = trim(whole.substr(pos, plus == std::string::npos ? std::string::npos : plus - pos));
    if (piece.empty()) throw std::invalid_argument("empty term in activation '" + whole + "'");
    double coef = 1.0;
    std::string base = piece;
    const size_t star = piece.find('*');
    if (star != std::string::npos) {
      const std::string c = trim(piece.substr(0, star));
      char* end = nullptr;
      coef = std::strtod(c.c_str(), &end);
      if (c.empty() || end == nullptr || *end != '\0' || !std::isfinite(coef))
        throw std::invalid_argument("bad weight '" + c + "' in activation '" + whole + "'");
      base = piece.substr(star + 1);
    }
    ActivationTerm t = parse_base(base, whole);
    t.coef = coef;
    a.terms_.push_back(t);
    if (plus == std::string::npos) break;
    pos = plus + 1;
  }
  return a;
}

Activation Activation::from_hermite(const std::vector<double>& coeffs) {
  if (coeffs.empty()) throw std::invalid_argument("Hermite coefficient list is empty");
  if (static_cast<int>(coeffs.size()) - 1 > kMaxHermiteOrder)
    throw std::invalid_argument("Hermite coefficient list longer than " + std::to_string(kMaxHermiteOrder + 1));
  for (double c : coeffs)
    if (!std::isfinite(c)) throw std::invalid_argument("Hermite coefficients must be finite");
  Activation a;
  ActivationTerm t;
  t.kind = BaseKind::HermiteSeries;
  t.coeffs = coeffs;
  a.terms_.push_back(t);
  a.name_ = "hermite[";
  for (size_t i = 0; i < coeffs.size(); ++i) {
    if (i) a.name_ += ",";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", coeffs[i]);
    a.name_ += buf;
  }
  a.name_ += "]";
  return a;
}

ActivationValue Activation::eval(double z) const {
  ActivationValue v;
  for (const auto& t : terms_) {
    double ds, d2s;
    const double s = base_value(t, z, &ds, &d2s);
    v.s += t.coef * s;
    v.ds += t.coef * ds;
    v.d2s += t.coef * d2s;
  }
  return v;
}

double Activation::value(double z) const { return eval(z).s; }
double Activation::deriv(double z) const { return eval(z).ds; }

double Activation::dirac_weight() const {
  double w = 0;
  for (const auto& t : terms_)
    if (t.kind == BaseKind::Relu) w += t.coef;
  return w;
}

bool Activation::has_kind(BaseKind k) const {
  for (const auto& t : terms_)
    if (t.kind == k) return true;
  return false;
}

int Activation::max_hermite_order() const {
  int k = 0;
  for (const auto& t : terms_) {
    if (t.kind == BaseKind::Hermite && t.k > k) k = t.k;
    if (t.kind == BaseKind::HermiteSeries) {
      for (int i = static_cast<int>(t.coeffs.size()) - 1; i > k; --i)
        if (t.coeffs[i] != 0.0) {
          k = i;
          break;
        }
    }
  }
  return k;
}

int Activation::polynomial_degree() const {
  int deg = 0;
  for (const auto& t : terms_) {
    int d = -1;
    switch (t.kind) {
      case BaseKind::Linear:
        d = 1;
        break;
      case BaseKind::Square:
        d = 2;
        break;
      case BaseKind::Hermite:
        d = t.k;
        break;
      case BaseKind::HermiteSeries:
        d = static_cast<int>(t.coeffs.size()) - 1;
        break;
      default:
        return -1;
    }
    if (d > deg) deg = d;
  }
  return deg;
}

ActivationValue Link::eval(double z) const {
  const ActivationValue a = act.eval(z);
  if (!squared) return a;
  // (s^2)' = 2 s s', (s^2)'' = 2 s'^2 + 2 s s''
  return ActivationValue{a.s * a.s, 2 * a.s * a.ds, 2 * a.ds * a.ds + 2 * a.s * a.d2s};
}

double Link::value(double z) const {
  const double s = act.value(z);
  return squared ? s * s : s;
}

}  // namespace loradyn
