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

}  // namespace pcl
