#include "one_pass.hpp"

#include <stdexcept>
#include <string>

#include "../rng/gaussian.hpp"

namespace loradyn {
namespace vit {

OnePassStream::OnePassStream(int images, int max_shift, uint64_t seed) : shifts_per_side_(2 * max_shift + 1) {
  if (images < 1) throw std::invalid_argument("one-pass stream: needs at least one image");
  if (max_shift < 0 || max_shift > 8) throw std::invalid_argument("maxShift must be an integer in [0, 8]");
  const int64_t per_image = static_cast<int64_t>(shifts_per_side_) * shifts_per_side_;
  const int64_t n = images * per_image;
  if (n > (int64_t{1} << 31)) throw std::invalid_argument("one-pass stream: more than 2^31 samples");
  order_.resize(n);
  for (int64_t i = 0; i < n; ++i) order_[i] = i;
  // Fisher-Yates from the top, position i's partner drawn from (seed, kStreamVitOnePass, i).
  const DrawKey key{seed, kStreamVitOnePass};
  for (int64_t i = n - 1; i > 0; --i) {
    const Philox4 w = philox_block(key, 0, static_cast<uint32_t>(i), 0);
    const uint64_t r = (static_cast<uint64_t>(w.v[0]) << 32) | w.v[1];
    std::swap(order_[i], order_[r % static_cast<uint64_t>(i + 1)]);
  }
}

Draw OnePassStream::next() {
  if (pos_ >= size())
    throw std::out_of_range("one-pass stream exhausted: all " + std::to_string(size()) + " samples were drawn");
  const int64_t k = order_[pos_++];
  const int per_image = shifts_per_side_ * shifts_per_side_;
  const int s = static_cast<int>(k % per_image);
  const int half = shifts_per_side_ / 2;
  return {k, static_cast<int>(k / per_image), s % shifts_per_side_ - half, s / shifts_per_side_ - half};
}

void shift_image(const float* src, int side, int channels, int dx, int dy, float fill, float* dst) {
  for (int y = 0; y < side; ++y)
    for (int x = 0; x < side; ++x) {
      const int sy = y - dy, sx = x - dx;
      const bool inside = sy >= 0 && sy < side && sx >= 0 && sx < side;
      for (int c = 0; c < channels; ++c)
        dst[(y * side + x) * channels + c] = inside ? src[(sy * side + sx) * channels + c] : fill;
    }
}

}  // namespace vit
}  // namespace loradyn
