// Per-channel passes of the backward pass (see channelwise.h). Column sums use a fixed split of the
// rows into tasks (it depends on the shape only) and add the task partials in order, so results
// do not depend on the thread count or on which thread ran a task.
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

// acc[c] += column sums of rows [r0, r1) of v (rows x C).
inline void add_columns(const float* v, long r0, long r1, int C, float* acc) {
  for (long r = r0; r < r1; ++r) {
    const float* row = v + r * C;
    for (int c = 0; c < C; ++c) acc[c] += row[c];
  }
}

}  // namespace

void bias_activation_grad(const float* dy, const float* y, long rows, int C, float slope, float* g, float* dbias) {
  const int ntask = row_tasks(rows, C);
  std::vector<float> part((size_t)ntask * C, 0.f);
  parallel_for(ntask, [&](int t) {
    const long r0 = rows * t / ntask, r1 = rows * (t + 1) / ntask;
    float* acc = part.data() + (long)t * C;
    for (long r = r0; r < r1; ++r) {
      const float* d = dy + r * C;
      const float* yr = y + r * C;
      float* o = g + r * C;
      for (int c = 0; c < C; ++c) {
        const float v = yr[c] > 0.f ? d[c] : (yr[c] != yr[c] ? yr[c] : d[c] * slope);
        o[c] = v;
        acc[c] += v;
      }
    }
  });
  std::fill(dbias, dbias + C, 0.f);
  for (int t = 0; t < ntask; ++t) add_columns(part.data() + (long)t * C, 0, 1, C, dbias);
}

void channel_dot(const float* dy, const float* x, int N, long HW, int C, float* out) {
  const int per = row_tasks(HW, C);  // tasks per sample
  std::vector<float> part((size_t)N * per * C, 0.f);
  parallel_for(N * per, [&](int task) {
    const int n = task / per, t = task % per;
    const long r0 = HW * t / per, r1 = HW * (t + 1) / per;
    float* acc = part.data() + (long)task * C;
    const float* d = dy + (long)n * HW * C;
    const float* xs = x + (long)n * HW * C;
    for (long r = r0; r < r1; ++r)
      for (int c = 0; c < C; ++c) acc[c] += d[r * C + c] * xs[r * C + c];
  });
  for (int n = 0; n < N; ++n) {
    float* o = out + (long)n * C;
    std::fill(o, o + C, 0.f);
    add_columns(part.data() + (long)n * per * C, 0, per, C, o);
  }
}

void scale_shift_channels(const float* dy, const float* s, const float* b, int N, long HW, int C, float* out) {
  const int per = row_tasks(HW, C);
  parallel_for(N * per, [&](int task) {
    const int n = task / per, t = task % per;
    const long r0 = HW * t / per, r1 = HW * (t + 1) / per;
    const float* sn = s + (long)n * C;
    const float* bn = b + (long)n * C;
    const long base = (long)n * HW * C;
    for (long r = r0; r < r1; ++r) {
      const float* d = dy + base + r * C;
      float* o = out + base + r * C;
      for (int c = 0; c < C; ++c) o[c] = d[c] * sn[c] + bn[c];
    }
  });
}

}  // namespace pcl
