// Per-channel passes of the backward pass (see channelwise.h). Column sums use a fixed split of the
// rows into tasks (it depends on the shape only) and add the task partials in order, so results
// do not depend on the thread count or on which thread ran a task. The loops are plain functions
// of restrict pointers and by-value scalars, so the compiler vectorizes them.
#include "channelwise.h"

#include <algorithm>
#include <vector>

#include "threadpool.h"

namespace pcl {

namespace {

// Row tasks for a pass over rows x C: about 64 Ki elements each, at most 64.
int row_tasks(long rows, int C) {
  return (int)std::max<long>(1, std::min<long>({64L, rows, rows * C / 65536}));
}

// acc[c] += v[r, c] for rows r of v (rows x C).
void add_columns(const float* __restrict v, long rows, int C, float* __restrict acc) {
  for (long r = 0; r < rows; ++r)
    for (int c = 0; c < C; ++c) acc[c] += v[r * C + c];
}

// Rows [r0, r1): g = dy * (y > 0 ? 1 : slope), NaN where y is NaN (selects, not branches); acc += g.
void bias_activation_rows(const float* __restrict dy, const float* __restrict y, float* __restrict g,
                          float* __restrict acc, long r0, long r1, int C, float slope) {
  for (long r = r0; r < r1; ++r) {
    const long o = r * C;
    for (int c = 0; c < C; ++c) {
      const float yc = y[o + c];
      float v = dy[o + c] * (yc > 0.f ? 1.f : slope);
      v = yc != yc ? yc : v;
      g[o + c] = v;
      acc[c] += v;
    }
  }
}

// acc[c] += sum over rows [r0, r1) of dy * x.
void dot_rows(const float* __restrict dy, const float* __restrict x, float* __restrict acc, long r0, long r1, int C) {
  for (long r = r0; r < r1; ++r)
    for (int c = 0; c < C; ++c) acc[c] += dy[r * C + c] * x[r * C + c];
}

// out = dy * s + b over rows [r0, r1) (s, b: C values).
void scale_shift_rows(const float* __restrict dy, const float* __restrict s, const float* __restrict b,
                      float* __restrict out, long r0, long r1, int C) {
  for (long r = r0; r < r1; ++r)
    for (int c = 0; c < C; ++c) out[r * C + c] = dy[r * C + c] * s[c] + b[c];
}

}  // namespace

void bias_activation_grad(const float* dy, const float* y, long rows, int C, float slope, float* g, float* dbias) {
  const int ntask = row_tasks(rows, C);
  std::vector<float> part((size_t)ntask * C, 0.f);
  parallel_for(ntask, [&](int t) {
    bias_activation_rows(dy, y, g, part.data() + (long)t * C, rows * t / ntask, rows * (t + 1) / ntask, C, slope);
  });
  std::fill(dbias, dbias + C, 0.f);
  add_columns(part.data(), ntask, C, dbias);
}

void channel_dot(const float* dy, const float* x, int N, long HW, int C, float* out) {
  const int per = row_tasks(HW, C);  // tasks per sample
  std::vector<float> part((size_t)N * per * C, 0.f);
  parallel_for(N * per, [&](int task) {
    const int n = task / per, t = task % per;
    const long base = (long)n * HW * C;
    dot_rows(dy + base, x + base, part.data() + (long)task * C, HW * t / per, HW * (t + 1) / per, C);
  });
  for (int n = 0; n < N; ++n) {
    float* o = out + (long)n * C;
    std::fill(o, o + C, 0.f);
    add_columns(part.data() + (long)n * per * C, per, C, o);
  }
}

void scale_shift_channels(const float* dy, const float* s, const float* b, int N, long HW, int C, float* out) {
  const int per = row_tasks(HW, C);
  parallel_for(N * per, [&](int task) {
    const int n = task / per, t = task % per;
    const long base = (long)n * HW * C;
    scale_shift_rows(dy + base, s + (long)n * C, b + (long)n * C, out + base, HW * t / per, HW * (t + 1) / per, C);
  });
}

}  // namespace pcl
