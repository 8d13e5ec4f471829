// std::vector storage on 64-byte (cache-line) boundaries. The full step's AVX-512 loops load and
// store whole 64-byte vectors; on a row that starts mid-line every one of them spans two lines
// (measured: x and V at 32 bytes past a line cost the batch of 500 at d = 1000 about 4%).
#pragma once
#include <cstddef>
#include <memory>
#include <new>
#include <utility>
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
  bool operator==(const AlignedAllocator<U, Align>&) const noexcept {
    return true;
  }
  template <class U>
  bool operator!=(const AlignedAllocator<U, Align>&) const noexcept {
    return false;
  }
};

using AlignedDoubles = std::vector<double, AlignedAllocator<double>>;

// An allocator whose resize() leaves new elements uninitialised: for a buffer that every use
// writes before it reads (a batch of draws), so that a large one is neither zeroed nor paged in
// by its constructor, where a run could not be aborted.
template <class T>
struct UninitAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = UninitAllocator<U>;
  };
  UninitAllocator() = default;
  template <class U>
  UninitAllocator(const UninitAllocator<U>&) noexcept {}
  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};
using AlignedFloats = std::vector<float, AlignedAllocator<float>>;

}  // namespace loradyn
