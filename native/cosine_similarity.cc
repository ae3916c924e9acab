// See cosine_similarity.h. Per-pixel dot products over the C channels accumulate in 16 fixed lanes
// (elementwise, so the compiler vectorizes them without reassociating, and the order of the sums
// is the same on every ISA); pixel sums use double partials per task, added in task order.
#include "cosine_similarity.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "threadpool.h"

namespace pcl {
namespace {

constexpr int L = 16;

// Sum of 16 lanes as a fixed tree (8 + 8, 4 + 4, 2 + 2, 1 + 1): the same order on every ISA.
__attribute__((always_inline)) inline float lane_sum(const float* v) {
  float s8[8], s4[4];
  for (int j = 0; j < 8; ++j) s8[j] = v[j] + v[j + 8];
  for (int j = 0; j < 4; ++j) s4[j] = s8[j] + s8[j + 4];
  return (s4[0] + s4[2]) + (s4[1] + s4[3]);
}

// ab = <a, b>, bb = <b, b> over C values.
__attribute__((always_inline)) inline void dot2(const float* __restrict a, const float* __restrict b, int C, float* ab_out,
                                                float* bb_out) {
  float ab[L] = {}, bb[L] = {};
  int c = 0;
  for (; c + L <= C; c += L)
    for (int j = 0; j < L; ++j) {
      ab[j] += a[c + j] * b[c + j];
      bb[j] += b[c + j] * b[c + j];
    }
  for (int j = 0; c < C; ++c, ++j) {
    ab[j] += a[c] * b[c];
    bb[j] += b[c] * b[c];
  }
  *ab_out = lane_sum(ab);
  *bb_out = lane_sum(bb);
}

// Pixels [p0, p1) of sample n: acc[k] += cosine of a_p and o_kp.
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"))) void similarity_pixels(
    const float* a, const float* o, int n, int K, long P, int C, float eps, long p0, long p1, double* acc) {
  for (long p = p0; p < p1; ++p) {
    const float* ap = a + ((long)n * P + p) * C;
    float unused, aa;
    dot2(ap, ap, C, &unused, &aa);
    const float ra = 1.f / std::max(std::sqrt(aa), eps);
    for (int k = 0; k < K; ++k) {
      const float* op = o + (((long)n * K + k) * P + p) * C;
      float ao, oo;
      dot2(ap, op, C, &ao, &oo);
      acc[k] += (double)(ao * ra / std::max(std::sqrt(oo), eps));
    }
  }
}

// Pixels [p0, p1) of sample n: da_p from g (see cosine_similarities_grad); v: C floats of scratch.
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"))) void similarity_grad_pixels(
    const float* a, const float* o, const float* g, int n, int K, long P, int C, float eps, long p0, long p1, float* v,
    float* da) {
  for (long p = p0; p < p1; ++p) {
    for (int c = 0; c < C; ++c) v[c] = 0.f;
    for (int k = 0; k < K; ++k) {
      const float* op = o + (((long)n * K + k) * P + p) * C;
      float oo, unused;
      dot2(op, op, C, &unused, &oo);
      const float s = g[(long)n * K + k] / (float)P / std::max(std::sqrt(oo), eps);
      for (int c = 0; c < C; ++c) v[c] += s * op[c];
    }
    const float* ap = a + ((long)n * P + p) * C;
    float* dp = da + ((long)n * P + p) * C;
    float av, aa;
    dot2(v, ap, C, &av, &aa);  // av = <v, a>, aa = <a, a>
    const float norm = std::sqrt(aa);
    if (norm > eps) {
      const float r = 1.f / norm, proj = av * r * r;  // <u, v> u / |a| = <a, v> a / |a|^3
      for (int c = 0; c < C; ++c) dp[c] = (v[c] - proj * ap[c]) * r;
    } else {
      for (int c = 0; c < C; ++c) dp[c] = v[c] / eps;
    }
  }
}

// Pixel tasks per sample: about 16 Ki floats of one map each, at most 64.
int pixel_tasks(long P, int C) { return (int)std::max<long>(1, std::min<long>({64L, P, P * C / 16384})); }

}  // namespace

void cosine_similarities(const float* a, const float* o, int N, int K, long P, int C, float eps, float* out) {
  const int per = pixel_tasks(P, C);
  std::vector<double> part((size_t)N * per * K, 0.0);
  parallel_for(N * per, [&](int task) {
    const int n = task / per, t = task % per;
    similarity_pixels(a, o, n, K, P, C, eps, P * t / per, P * (t + 1) / per, part.data() + (long)task * K);
  });
  for (int n = 0; n < N; ++n)
    for (int k = 0; k < K; ++k) {
      double s = 0.0;
      for (int t = 0; t < per; ++t) s += part[((long)n * per + t) * K + k];
      out[(long)n * K + k] = (float)(s / (double)P);
    }
}

void cosine_similarities_grad(const float* a, const float* o, const float* g, int N, int K, long P, int C, float eps,
                              float* da) {
  const int per = pixel_tasks(P, C);
  parallel_for(N * per, [&](int task) {
    const int n = task / per, t = task % per;
    std::vector<float> v((size_t)C);
    similarity_grad_pixels(a, o, g, n, K, P, C, eps, P * t / per, P * (t + 1) / per, v.data(), da);
  });
}

}  // namespace pcl
