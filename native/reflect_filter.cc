// See reflect_filter.h. Per output row: the vertical taps sum T input rows into a row padded by p
// reflected pixels at each end, then the horizontal taps add T shifted views of that row. Both
// passes are contiguous multiply-adds over W*C floats, compiled for AVX-512, AVX2 and baseline.
#include "reflect_filter.h"

#include <algorithm>
#include <vector>

#include "threadpool.h"

namespace pcl {
namespace {

__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"))) void scaled_row(
    float* __restrict o, const float* __restrict x, float s, long n) {
  for (long i = 0; i < n; ++i) o[i] = s * x[i];
}

__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"))) void axpy_row(
    float* __restrict o, const float* __restrict x, float s, long n) {
  for (long i = 0; i < n; ++i) o[i] += s * x[i];
}

inline int reflect(int i, int n) { return i < 0 ? -i : (i >= n ? 2 * n - 2 - i : i); }

}  // namespace

void reflect_separable_filter(const float* x, const float* a, const float* v, const float* hz, int N, int H, int W,
                              int C, int T, float* out) {
  const int p = (T - 1) / 2;
  const long row = (long)W * C, padded = (long)(W + 2 * p) * C;
  const int rows = N * H;
  const int ntask = std::max(1, std::min(rows, 64));
  parallel_for(ntask, [&](int t) {
    std::vector<float> tmp((size_t)padded);
    float* mid = tmp.data() + (long)p * C;  // tmp[p*C + w*C + c]: the vertically filtered row
    for (int r = (long)rows * t / ntask; r < (long)rows * (t + 1) / ntask; ++r) {
      const int n = r / H, h = r % H;
      const float* img = x + (long)n * H * row;
      const float* vn = v + (long)n * T;
      const float* hn = hz + (long)n * T;
      scaled_row(mid, img + (long)reflect(h - p, H) * row, vn[0], row);
      for (int i = 1; i < T; ++i) axpy_row(mid, img + (long)reflect(h + i - p, H) * row, vn[i], row);
      for (int j = 1; j <= p; ++j) {  // reflected ends: pixel -j is pixel j, pixel W-1+j is W-1-j
        std::copy(mid + (long)j * C, mid + (long)(j + 1) * C, mid - (long)j * C);
        std::copy(mid + (long)(W - 1 - j) * C, mid + (long)(W - j) * C, mid + (long)(W - 1 + j) * C);
      }
      float* o = out + (long)r * row;
      scaled_row(o, img + (long)h * row, a[n], row);
      for (int j = 0; j < T; ++j) axpy_row(o, tmp.data() + (long)j * C, hn[j], row);
    }
  });
}

}  // namespace pcl
