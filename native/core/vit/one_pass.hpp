// One-pass sampling for the search protocol: every draw is a sample the run has not seen.
// A sample is an (image, shift) pair: with max_shift s each image stands for (2s + 1)^2 inputs,
// the image moved by (dx, dy) in [-s, s]^2 with the uncovered pixels set to a fill value (the
// normalised background). The stream visits a random permutation of all n (2s + 1)^2 samples
// and ends there: asking for more is an error, so a run can never reuse an input.
#pragma once
#include <cstdint>
#include <vector>

namespace loradyn {
namespace vit {

struct Draw {
  int64_t index;  // position of the sample in [0, size): image * shifts + shift
  int image;
  int dx, dy;  // shift in pixels (right, down)
};

class OnePassStream {
 public:
  // The order is a pure function of seed: two runs with the same seed draw the same samples.
  OnePassStream(int images, int max_shift, uint64_t seed);
  int64_t size() const { return static_cast<int64_t>(order_.size()); }
  int64_t drawn() const { return pos_; }
  // Throws std::out_of_range once every sample has been drawn.
  Draw next();

 private:
  int shifts_per_side_;
  std::vector<int64_t> order_;
  int64_t pos_ = 0;
};

// dst = src moved by (dx, dy): dst(y, x) = src(y - dy, x - dx), `fill` where that is outside.
// Images are side x side x channels, row-major with the channels last.
void shift_image(const float* src, int side, int channels, int dx, int dy, float fill, float* dst);

}  // namespace vit
}  // namespace loradyn
