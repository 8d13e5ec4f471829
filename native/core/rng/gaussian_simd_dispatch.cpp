// Run-time choice of the Gaussian fill path, and the unaligned head/tail around the blocks.
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include "gaussian_simd.hpp"

namespace loradyn {
namespace {

bool cpu_has(SimdPath p) {
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
  __builtin_cpu_init();
  switch (p) {
    case SimdPath::Scalar:
      return true;
    // The single-precision transform fuses multiply-adds: both paths need FMA.
    case SimdPath::Avx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case SimdPath::Avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
  }
  return false;
#else
  return p == SimdPath::Scalar;
#endif
}

simd_detail::BlockFill blocks_of(SimdPath p) {
  switch (p) {
    case SimdPath::Avx2:
      return simd_detail::avx2_blocks();
    case SimdPath::Avx512:
      return simd_detail::avx512_blocks();
    default:
      return nullptr;
  }
}

simd_detail::SuperFill supers_of(SimdPath p) {
  switch (p) {
    case SimdPath::Avx2:
      return simd_detail::avx2_superblocks_f32();
    case SimdPath::Avx512:
      return simd_detail::avx512_superblocks_f32();
    default:
      return nullptr;
  }
}

bool available(SimdPath p) {
  return p == SimdPath::Scalar || (blocks_of(p) != nullptr && supers_of(p) != nullptr && cpu_has(p));
}

SimdPath choose_best() {
  SimdPath cap = SimdPath::Avx512;
  if (const char* e = std::getenv("LORADYN_SIMD")) {
    if (!std::strcmp(e, "scalar"))
      cap = SimdPath::Scalar;
    else if (!std::strcmp(e, "avx2"))
      cap = SimdPath::Avx2;
  }
  for (int p = static_cast<int>(cap); p > 0; --p)
    if (available(static_cast<SimdPath>(p))) return static_cast<SimdPath>(p);
  return SimdPath::Scalar;
}

void fill_with(simd_detail::BlockFill blocks, const DrawKey& key, uint64_t step, uint32_t sample, uint32_t start,
               uint32_t n, double* out) {
  if (blocks == nullptr) return gaussian_fill(key, step, sample, start, n, out);
  uint32_t c = start;
  const uint32_t end = start + n;
  while (c < end && (c & 3u)) *out++ = gaussian_at(key, step, sample, c++);
  const uint32_t nblocks = (end - c) / 4;
  if (nblocks > 0) {
    blocks(key, step, sample, c / 4, nblocks, out);
    out += 4 * nblocks;
    c += 4 * nblocks;
  }
  while (c < end) *out++ = gaussian_at(key, step, sample, c++);
}

// Whole super-blocks go straight to out; a partial one at either end is drawn whole into a
// temporary by the same vector code and the needed part copied.
void fill_f32_with(simd_detail::SuperFill fill, const DrawKey& key, uint64_t step, uint32_t sample, uint32_t start,
                   uint32_t n, double* out) {
  if (fill == nullptr) return gaussian_fill_f32(key, step, sample, start, n, out);
  const uint64_t end = static_cast<uint64_t>(start) + n;
  uint64_t c = start;
  auto partial = [&](uint64_t stop) {
    const uint32_t S = static_cast<uint32_t>(c / kF32SuperBlock);
    double sb[kF32SuperBlock];
    fill(key, step, sample, S, 1, sb);
    const uint64_t base = static_cast<uint64_t>(S) * kF32SuperBlock;
    for (; c < stop; ++c) *out++ = sb[c - base];
  };
  if (c % kF32SuperBlock != 0) {
    const uint64_t next = (c / kF32SuperBlock + 1) * kF32SuperBlock;
    partial(end < next ? end : next);
  }
  const uint64_t whole = (end - c) / kF32SuperBlock;
  if (whole > 0) {
    fill(key, step, sample, static_cast<uint32_t>(c / kF32SuperBlock), static_cast<uint32_t>(whole), out);
    out += whole * kF32SuperBlock;
    c += whole * kF32SuperBlock;
  }
  if (c < end) partial(end);
}

}  // namespace

const char* simd_path_name(SimdPath p) {
  switch (p) {
    case SimdPath::Scalar:
      return "scalar";
    case SimdPath::Avx2:
      return "avx2";
    case SimdPath::Avx512:
      return "avx512";
  }
  return "?";
}

std::vector<SimdPath> simd_paths_available() {
  std::vector<SimdPath> out;
  for (SimdPath p : {SimdPath::Scalar, SimdPath::Avx2, SimdPath::Avx512})
    if (available(p)) out.push_back(p);
  return out;
}

SimdPath simd_path_best() {
  static const SimdPath best = choose_best();
  return best;
}

namespace {
void require(SimdPath path) {
  if (!available(path))
    throw std::invalid_argument(std::string("SIMD path '") + simd_path_name(path) +
                                "' is not available on this CPU or build");
}
}  // namespace

void gaussian_fill_path(SimdPath path, const DrawKey& key, uint64_t step, uint32_t sample, uint32_t start, uint32_t n,
                        double* out) {
  require(path);
  fill_with(blocks_of(path), key, step, sample, start, n, out);
}

void gaussian_fill_fast(const DrawKey& key, uint64_t step, uint32_t sample, uint32_t start, uint32_t n, double* out) {
  static const simd_detail::BlockFill blocks = blocks_of(simd_path_best());
  fill_with(blocks, key, step, sample, start, n, out);
}

void gaussian_fill_f32_path(SimdPath path, const DrawKey& key, uint64_t step, uint32_t sample, uint32_t start,
                            uint32_t n, double* out) {
  require(path);
  fill_f32_with(supers_of(path), key, step, sample, start, n, out);
}

void gaussian_fill_f32_fast(const DrawKey& key, uint64_t step, uint32_t sample, uint32_t start, uint32_t n,
                            double* out) {
  static const simd_detail::SuperFill fill = supers_of(simd_path_best());
  fill_f32_with(fill, key, step, sample, start, n, out);
}

}  // namespace loradyn
