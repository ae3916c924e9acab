// 64-byte aligned scratch buffers.
#pragma once
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>

namespace pcl {

class Buf {
 public:
  Buf() = default;
  explicit Buf(size_t n, bool zero = false) { reset(n, zero); }
  ~Buf() { std::free(p_); }
  Buf(const Buf&) = delete;
  Buf& operator=(const Buf&) = delete;
  void reset(size_t n, bool zero = false) {
    if (n > cap_) {
      std::free(p_);
      size_t bytes = ((n * sizeof(float)) + 63) & ~size_t(63);
      p_ = static_cast<float*>(std::aligned_alloc(64, bytes ? bytes : 64));
      if (!p_) throw std::bad_alloc();
      cap_ = n;
    }
    if (zero && n) std::memset(p_, 0, n * sizeof(float));
  }
  float* data() { return p_; }
  const float* data() const { return p_; }

 private:
  float* p_ = nullptr;
  size_t cap_ = 0;
};

// Process-lifetime scratch buffers reused across calls (fresh large allocations cost a page fault
// per 4 KiB, which dominates memory-bound kernels). Slots are per purpose; only the JS thread
// asks for them (never from inside a parallel task).
inline Buf& scratch(int slot) {
  static Buf bufs[16];
  return bufs[slot & 15];
}
enum ScratchSlot { S_XPAD = 0, S_WPACK, S_CANVAS, S_WROT, S_PART, S_DW_XE, S_DW_PART, S_PHASE_WT, S_PHASE_WPK };

}  // namespace pcl
