// Run-time choice of the micro-kernel table.
#include "isa.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace pcl {

bool cpu_has_avx512() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f");
#else
  return false;
#endif
}

bool cpu_has_avx2() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

namespace {
const Isa* g_isa = nullptr;

// Tile heights a self-test covers: 1, every few rows, and the full tile.
std::vector<int> tile_rows(int mr) {
  std::vector<int> ms;
  for (int m = 1; m < mr; m += (mr > 6 ? 5 : 2)) ms.push_back(m);
  ms.push_back(mr);
  return ms;
}

// Cross-checks a table's micro-kernels against the portable ones on small random problems
// (every tile edge case), so a wrong kernel on hardware we could not test on is never used.
bool self_test_table(const Isa& I) {
  const Isa& R = isa_portable();
  uint32_t seed = 12345;
  auto rnd = [&seed]() {
    seed = seed * 1664525u + 1013904223u;
    return (float)((seed >> 8) & 0xffff) / 65536.f - 0.5f;
  };
  const int K = 37, LD = 80;
  std::vector<float> a(64 * 512), b(64 * 512), c1(64 * LD), c2(64 * LD), ref(64 * LD);
  for (auto& v : a) v = rnd();
  for (auto& v : b) v = rnd();
  auto close = [](const std::vector<float>& x, const std::vector<float>& y) {
    for (size_t i = 0; i < x.size(); ++i)
      if (!(std::fabs(x[i] - y[i]) <= 1e-3f * (1.f + std::fabs(y[i])))) return false;
    return true;
  };
  // gemm: packed panels -> compare C = A*B computed by scalar loops
  for (int m : tile_rows(I.mr)) {
    for (int n = 1; n <= I.nr; n += 7) {
      std::vector<float> ap((size_t)K * I.mr, 0.f), bp((size_t)K * I.nr, 0.f);
      for (int k = 0; k < K; ++k) {
        for (int r = 0; r < m; ++r) ap[k * I.mr + r] = a[r * K + k];
        for (int j = 0; j < n; ++j) bp[k * I.nr + j] = b[k * 64 + j];
      }
      std::fill(c1.begin(), c1.end(), 1.f);
      std::fill(ref.begin(), ref.end(), 1.f);
      for (int r = 0; r < m; ++r)
        for (int j = 0; j < n; ++j) {
          float v = 0.f;
          for (int k = 0; k < K; ++k) v += a[r * K + k] * b[k * 64 + j];
          ref[r * LD + j] += v;
        }
      I.gemm(K, ap.data(), bp.data(), c1.data(), LD, m, n, 1);
      if (!close(c1, ref)) return false;
    }
  }
  // conv, wgrad, conv_smallco against the portable table on identical inputs
  const long tapoff[3] = {0, 40, 81};
  const int cin = 13;
  for (int m : tile_rows(I.mr)) {
    for (int n = 1; n <= I.nr; n += 9) {
      const float* rows[64];
      for (int r = 0; r < 64; ++r) rows[r] = a.data() + r * 17;
      std::vector<float> bpI((size_t)3 * cin * I.nr, 0.f), bpR((size_t)3 * cin * R.nr, 0.f);
      for (int k = 0; k < 3 * cin; ++k)
        for (int j = 0; j < n; ++j) {
          bpI[k * I.nr + j] = b[k * 5 + j];
          if (j < R.nr) bpR[k * R.nr + j] = b[k * 5 + j];
        }
      std::fill(c1.begin(), c1.end(), 0.f);
      std::fill(c2.begin(), c2.end(), 0.f);
      I.conv(3, tapoff, cin, rows, bpI.data(), c1.data(), LD, m, n, 0);
      for (int r0 = 0; r0 < m; r0 += R.mr)
        for (int j0 = 0; j0 < n; j0 += R.nr) {
          std::vector<float> bj((size_t)3 * cin * R.nr, 0.f);
          for (int k = 0; k < 3 * cin; ++k)
            for (int j = 0; j < R.nr && j0 + j < n; ++j) bj[k * R.nr + j] = b[k * 5 + j0 + j];
          R.conv(3, tapoff, cin, rows + r0, bj.data(), c2.data() + r0 * LD + j0, LD, std::min(R.mr, m - r0),
                 std::min(R.nr, n - j0), 0);
        }
      if (!close(c1, c2)) return false;
      const float* as[2] = {a.data(), a.data() + 300};
      const float* bs[2] = {b.data(), b.data() + 200};
      std::fill(c1.begin(), c1.end(), 0.5f);
      std::fill(c2.begin(), c2.end(), 0.5f);
      I.wgrad(2, as, bs, 9, 19, 21, c1.data(), LD, m, n);
      for (int r0 = 0; r0 < m; r0 += R.mr)
        for (int j0 = 0; j0 < n; j0 += R.nr) {
          const float* as2[2] = {as[0] + r0, as[1] + r0};
          const float* bs2[2] = {bs[0] + j0, bs[1] + j0};
          R.wgrad(2, as2, bs2, 9, 19, 21, c2.data() + r0 * LD + j0, LD, std::min(R.mr, m - r0), std::min(R.nr, n - j0));
        }
      if (!close(c1, c2)) return false;
    }
  }
  for (int co = 1; co <= 4; ++co) {
    for (int cin2 : {5, 16, 35}) {
      const int cinpI = (cin2 + I.vl - 1) / I.vl * I.vl, cinpR = (cin2 + R.vl - 1) / R.vl * R.vl;
      std::vector<float> wI((size_t)3 * 4 * cinpI, 0.f), wR((size_t)3 * 4 * cinpR, 0.f);
      for (int t = 0; t < 3; ++t)
        for (int j = 0; j < co; ++j)
          for (int k = 0; k < cin2; ++k) {
            wI[(t * 4 + j) * cinpI + k] = b[(t * 4 + j) * 40 + k];
            wR[(t * 4 + j) * cinpR + k] = b[(t * 4 + j) * 40 + k];
          }
      const float* rows[3] = {a.data(), a.data() + 150, a.data() + 333};
      std::fill(c1.begin(), c1.end(), 0.f);
      std::fill(c2.begin(), c2.end(), 0.f);
      I.conv_smallco(3, tapoff, cin2, cinpI, rows, wI.data(), co, c1.data(), LD, 3);
      R.conv_smallco(3, tapoff, cin2, cinpR, rows, wR.data(), co, c2.data(), LD, 3);
      if (!close(c1, c2)) return false;
    }
  }
  return true;
}

// A table and its wide variant, if any.
bool self_test(const Isa& I) { return self_test_table(I) && (!I.wide || self_test_table(*I.wide)); }

const Isa* pick_default() {
  const char* env = std::getenv("PCL_NATIVE_ISA");
  if (env && *env) {
    if (!std::strcmp(env, "portable")) return &isa_portable();
    if (!std::strcmp(env, "avx2") && cpu_has_avx2()) return &isa_avx2();
    if (!std::strcmp(env, "avx512") && cpu_has_avx512()) return &isa_avx512();
  }
  if (cpu_has_avx512() && self_test(isa_avx512())) return &isa_avx512();
  if (cpu_has_avx2() && self_test(isa_avx2())) return &isa_avx2();
  return &isa_portable();
}
}  // namespace

const Isa& isa() {
  if (!g_isa) g_isa = pick_default();
  return *g_isa;
}

const Isa& isa_for_columns(int cols) {
  const Isa& I = isa();
  return I.wide && cols % I.wide->nr == 0 ? *I.wide : I;
}

bool set_isa(const char* name) {
  if (!std::strcmp(name, "portable")) {
    g_isa = &isa_portable();
    return true;
  }
  if (!std::strcmp(name, "avx2") && cpu_has_avx2() && self_test(isa_avx2())) {
    g_isa = &isa_avx2();
    return true;
  }
  if (!std::strcmp(name, "avx512") && cpu_has_avx512() && self_test(isa_avx512())) {
    g_isa = &isa_avx512();
    return true;
  }
  return false;
}

}  // namespace pcl
