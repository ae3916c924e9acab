// See haar.h. Output rows (pairs of input rows) are independent tasks.
#include "haar.h"

#include <algorithm>

#include "threadpool.h"

namespace pcl {

void haar_bands(const float* x, const float* w, int B, int N, int H, int W, int C, float* out) {
  const int h2 = H / 2, w2 = W / 2, rows = N * h2;
  const int ntask = std::max(1, std::min(rows, 64));
  parallel_for(ntask, [&](int t) {
    for (int r = (long)rows * t / ntask; r < (long)rows * (t + 1) / ntask; ++r) {
      const int n = r / h2, i = r % h2;
      const float* top = x + (((long)n * H + 2 * i) * W) * C;
      const float* bottom = top + (long)W * C;
      float* o = out + (long)r * w2 * B * C;
      for (int j = 0; j < w2; ++j) {
        const float* a = top + 2L * j * C;
        const float* b = bottom + 2L * j * C;
        for (int k = 0; k < B; ++k) {
          const float* wk = w + 4 * k;
          float* ok = o + ((long)j * B + k) * C;
          for (int c = 0; c < C; ++c) ok[c] = wk[0] * a[c] + wk[1] * a[C + c] + wk[2] * b[c] + wk[3] * b[C + c];
        }
      }
    }
  });
}

void haar_bands_grad(const float* dy, const float* w, int B, int N, int H, int W, int C, float* dx) {
  const int h2 = H / 2, w2 = W / 2, rows = N * h2;
  const int ntask = std::max(1, std::min(rows, 64));
  parallel_for(ntask, [&](int t) {
    for (int r = (long)rows * t / ntask; r < (long)rows * (t + 1) / ntask; ++r) {
      const int n = r / h2, i = r % h2;
      float* top = dx + (((long)n * H + 2 * i) * W) * C;
      float* bottom = top + (long)W * C;
      const float* g = dy + (long)r * w2 * B * C;
      for (int j = 0; j < w2; ++j) {
        float* a = top + 2L * j * C;
        float* b = bottom + 2L * j * C;
        for (int c = 0; c < C; ++c) {
          float s0 = 0.f, s1 = 0.f, s2 = 0.f, s3 = 0.f;
          for (int k = 0; k < B; ++k) {
            const float v = g[((long)j * B + k) * C + c];
            s0 += w[4 * k] * v;
            s1 += w[4 * k + 1] * v;
            s2 += w[4 * k + 2] * v;
            s3 += w[4 * k + 3] * v;
          }
          a[c] = s0;
          a[C + c] = s1;
          b[c] = s2;
          b[C + c] = s3;
        }
      }
    }
  });
}

}  // namespace pcl
