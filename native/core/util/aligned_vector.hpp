// std::vector storage on 64-byte (cache-line) boundaries. The full step's AVX-512 loops load and
// store whole 64-byte vectors; on a row that starts mid-line every one of them spans two lines
// (measured: x and V at 32 bytes past a line cost the batch of 500 at d = 1000 about 4%).
#pragma once
#include <cstddef>
#include <new>
#include <vector>

namespace loradyn {

template <class T, std::size_t Align = 64>
struct AlignedAllocator {
  using value_type = T;
  template <class U>
  struct rebind {
    using other = AlignedAllocator<U, Align>;
  };
  AlignedAllocator() = default;
  template <class U>
  AlignedAllocator(const AlignedAllocator<U, Align>&) noexcept {}
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t(Align))); }
  void deallocate(T* p, std::size_t) noexcept { ::operator delete(p, std::align_val_t(Align)); }
  template <class U>
  bool operator==(const AlignedAllocator<U, Align>&) const noexcept { return true; }
  template <class U>
  bool operator!=(const AlignedAllocator<U, Align>&) const noexcept { return false; }
};

using AlignedDoubles = std::vector<double, AlignedAllocator<double>>;
using AlignedFloats = std::vector<float, AlignedAllocator<float>>;

}  // namespace loradyn
