#include "trainer.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>

#include "../rng/gaussian.hpp"
#include "../util/parallel.hpp"
#include "one_pass.hpp"
#include "optimizer.hpp"

namespace loradyn {
namespace vit {

namespace {

// Fisher-Yates with Philox draws: epoch e's order is a pure function of (seed, e).
void epoch_order(uint64_t seed, int64_t epoch, int n, std::vector<int>& order) {
  order.resize(n);
  for (int i = 0; i < n; ++i) order[i] = i;
  const DrawKey key{seed, kStreamVitShuffle};
  for (int i = n - 1; i > 0; --i) {
    const Philox4 w = philox_block(key, static_cast<uint64_t>(epoch), static_cast<uint32_t>(i), 0);
    const uint64_t r = (static_cast<uint64_t>(w.v[0]) << 32) | w.v[1];
    const int j = static_cast<int>(r % static_cast<uint64_t>(i + 1));
    std::swap(order[i], order[j]);
  }
}

struct BatchGroup {
  Workspace<float> ws;
  std::vector<float> grad, x;
  std::vector<int> y;
  double loss = 0;
};

}  // namespace

void validate_data(const VitConfig& cfg, const DataView& d, const char* name) {
  const std::string n(name);
  if (d.n < 1) throw std::invalid_argument(n + ": needs at least one image");
  if (!d.x || !d.y) throw std::invalid_argument(n + ": missing images or labels");
  for (int i = 0; i < d.n; ++i)
    if (d.y[i] < 0 || d.y[i] >= cfg.classes)
      throw std::invalid_argument(n + ".labels[" + std::to_string(i) + "] = " + std::to_string(d.y[i]) +
                                  " is outside [0, classes = " + std::to_string(cfg.classes) + ")");
}

std::vector<float> init_params(const Layout& L, uint64_t seed) {
  std::vector<float> P(L.total, 0.0f);
  init_group(L, Group::Base, seed, kStreamVitInit, P.data());
  init_group(L, Group::Head, seed, kStreamVitInit, P.data());
  init_group(L, Group::Lora, seed, kStreamVitLora, P.data());
  return P;
}

void init_lora_b(const Layout& L, uint64_t seed, double size, float* P) {
  if (!(size >= 0) || !std::isfinite(size)) throw std::invalid_argument("lora B size must be a finite number >= 0");
  const DrawKey key{seed, kStreamVitLoraB};
  for (size_t t = 0; t < L.tensors.size(); ++t) {
    const TensorInfo& ti = L.tensors[t];
    if (ti.group != Group::Lora || ti.name.size() < 6 || ti.name.compare(ti.name.size() - 6, 6, "lora_B") != 0)
      continue;
    for (size_t i = 0; i < ti.size; ++i) {
      const Philox4 w = philox_block(key, 0, static_cast<uint32_t>(t), static_cast<uint32_t>(i));
      P[ti.offset + i] = static_cast<float>((w.v[0] & 1u) ? size : -size);
    }
  }
}

EvalResult evaluate(const Layout& L, const float* P, const DataView& data, int threads) {
  EvalResult out;
  out.predictions.assign(data.n, -1);
  const int chunk = 16;
  const int parts = kGroups;
  std::vector<double> loss(parts, 0.0);
  std::vector<int> correct(parts, 0);
  parallel_for(parts, threads, [&](int p) {
    Workspace<float> ws;
    const int lo = static_cast<int>((int64_t)data.n * p / parts),
              hi = static_cast<int>((int64_t)data.n * (p + 1) / parts);
    for (int s = lo; s < hi; s += chunk) {
      const int n = std::min(chunk, hi - s);
      int ok = 0;
      loss[p] += forward_backward<float>(L, P, n, data.x + (size_t)s * L.cfg.pixels(), data.y + s, 1.0f, ws, nullptr,
                                         Trainable{}, &ok);
      correct[p] += ok;
      const int C = L.cfg.classes;
      for (int i = 0; i < n; ++i) {
        const float* z = ws.logits.data() + (size_t)i * C;
        out.predictions[s + i] = static_cast<int>(std::max_element(z, z + C) - z);
      }
    }
  });
  double l = 0;
  int c = 0;
  for (int p = 0; p < parts; ++p) {
    l += loss[p];
    c += correct[p];
  }
  out.accuracy = static_cast<double>(c) / data.n;
  out.loss = l / data.n;
  return out;
}

std::vector<float> extract_features(const Layout& L, const float* P, const float* x, int n, int threads) {
  const int D = L.cfg.width, chunk = 16;
  std::vector<float> out((size_t)n * D);
  parallel_for(kGroups, threads, [&](int p) {
    Workspace<float> ws;
    const int lo = static_cast<int>((int64_t)n * p / kGroups), hi = static_cast<int>((int64_t)n * (p + 1) / kGroups);
    for (int s = lo; s < hi; s += chunk) {
      const int m = std::min(chunk, hi - s);
      features<float>(L, P, m, x + (size_t)s * L.cfg.pixels(), ws, out.data() + (size_t)s * D);
    }
  });
  return out;
}

TrainResult train(const TrainSpec& spec, std::vector<float> params, const TrainControl& ctl) {
  const Layout L = make_layout(spec.cfg, spec.lora);
  validate_optim_config(spec.optim);
  if (params.size() != L.total)
    throw std::invalid_argument("params has " + std::to_string(params.size()) + " values, the layout needs " +
                                std::to_string(L.total));
  if (spec.batch < 1 || spec.batch > 65536) throw std::invalid_argument("batch must be an integer in [1, 65536]");
  if (spec.steps < 0) throw std::invalid_argument("steps must be >= 0");
  if (spec.eval_every < 0) throw std::invalid_argument("evalEvery must be >= 0");
  validate_data(spec.cfg, spec.train, "train");
  validate_data(spec.cfg, spec.test, "test");
  const int threads = std::max(1, spec.threads);
  const bool one_pass = spec.sampling == Sampling::OnePass;
  if (spec.max_shift != 0 && !one_pass) throw std::invalid_argument("maxShift needs one-pass sampling");
  std::unique_ptr<OnePassStream> stream;
  if (one_pass) {
    stream = std::make_unique<OnePassStream>(spec.train.n, spec.max_shift, spec.seed);
    if (spec.steps > stream->size() / spec.batch)
      throw std::invalid_argument("steps x batch = " + std::to_string(spec.steps * spec.batch) +
                                  " exceeds the one-pass stream of " + std::to_string(stream->size()) + " samples (" +
                                  std::to_string(spec.train.n) + " images x " +
                                  std::to_string(stream->size() / spec.train.n) + " shifts)");
  }

  TrainResult res;
  Optimizer opt(L, spec.optim, spec.trainable);
  const int G = std::min(kGroups, spec.batch);
  std::vector<BatchGroup> groups(G);
  for (BatchGroup& g : groups) g.grad.assign(L.total, 0.0f);
  std::vector<float> grad(L.total, 0.0f);
  std::vector<int> order;
  int64_t epoch = 0;
  int pos = 0;
  if (!one_pass) epoch_order(spec.seed, epoch, spec.train.n, order);
  const int pixels = spec.cfg.pixels();
  const float inv_batch = 1.0f / spec.batch;
  double interval_loss = 0;
  int64_t interval_steps = 0;

  auto snapshot = [&](int64_t step) {
    if (std::find(spec.snapshot_steps.begin(), spec.snapshot_steps.end(), step) == spec.snapshot_steps.end()) return;
    res.snapshot_step.push_back(step);
    res.snapshots.emplace_back(params.begin(), params.begin() + L.base_size);
  };
  auto eval = [&](int64_t step) {
    const EvalResult e = evaluate(L, params.data(), spec.test, threads);
    res.eval_step.push_back(step);
    res.test_accuracy.push_back(e.accuracy);
    res.test_loss.push_back(e.loss);
    res.train_loss.push_back(interval_steps ? interval_loss / interval_steps
                                            : std::numeric_limits<double>::quiet_NaN());
    interval_loss = 0;
    interval_steps = 0;
    return e.accuracy;
  };

  std::vector<int64_t> eval_steps = spec.eval_steps;
  std::sort(eval_steps.begin(), eval_steps.end());
  snapshot(0);
  double acc = eval(0);
  int64_t step = 0;
  const bool stop_enabled = spec.stop_accuracy > 0;
  while (step < spec.steps && !(stop_enabled && acc >= spec.stop_accuracy)) {
    if (ctl.cancel && ctl.cancel->load()) {
      res.cancelled = true;
      break;
    }
    // Assemble the batch, continuing into the next epoch's order when this one runs out.
    std::vector<Draw> idx(spec.batch);
    for (int b = 0; b < spec.batch; ++b) {
      if (one_pass) {
        idx[b] = stream->next();
      } else {
        if (pos == spec.train.n) {
          ++epoch;
          pos = 0;
          epoch_order(spec.seed, epoch, spec.train.n, order);
        }
        idx[b] = {order[pos], order[pos], 0, 0};
        ++pos;
      }
      if (spec.record_draws) res.draws.push_back(idx[b].index);
    }
    parallel_for(G, threads, [&](int gi) {
      BatchGroup& g = groups[gi];
      const int lo = spec.batch * gi / G, hi = spec.batch * (gi + 1) / G, n = hi - lo;
      g.x.resize((size_t)n * pixels);
      g.y.resize(n);
      for (int i = 0; i < n; ++i) {
        const Draw& d = idx[lo + i];
        const float* src = spec.train.x + (size_t)d.image * pixels;
        float* dst = g.x.data() + (size_t)i * pixels;
        if (d.dx == 0 && d.dy == 0)
          std::copy(src, src + pixels, dst);
        else
          shift_image(src, spec.cfg.image, spec.cfg.channels, d.dx, d.dy, spec.shift_fill, dst);
        g.y[i] = spec.train.y[d.image];
      }
      std::fill(g.grad.begin(), g.grad.end(), 0.0f);
      g.loss = forward_backward<float>(L, params.data(), n, g.x.data(), g.y.data(), inv_batch, g.ws, g.grad.data(),
                                       spec.trainable, nullptr);
    });
    double loss = 0;
    std::copy(groups[0].grad.begin(), groups[0].grad.end(), grad.begin());
    loss += groups[0].loss;
    for (int gi = 1; gi < G; ++gi) {
      const float* gg = groups[gi].grad.data();
      for (size_t i = 0; i < L.total; ++i) grad[i] += gg[i];
      loss += groups[gi].loss;
    }
    loss /= spec.batch;
    if (!std::isfinite(loss)) {
      if (!spec.stop_on_divergence)
        throw std::runtime_error("training diverged (non-finite loss) at step " + std::to_string(step + 1));
      res.diverged_at = step + 1;
      break;
    }
    opt.step(params.data(), grad.data());
    ++step;
    interval_loss += loss;
    ++interval_steps;
    if (ctl.steps_done) ctl.steps_done->fetch_add(1);
    snapshot(step);
    if ((spec.eval_every > 0 && step % spec.eval_every == 0) || step == spec.steps ||
        std::binary_search(eval_steps.begin(), eval_steps.end(), step))
      acc = eval(step);
  }
  if (res.eval_step.back() != step) eval(step);
  res.steps_done = step;
  res.params = std::move(params);
  return res;
}

}  // namespace vit
}  // namespace loradyn
