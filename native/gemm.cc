#include "gemm.h"

#include <algorithm>

#include "buffer.h"
#include "isa.h"
#include "threadpool.h"

namespace pcl {
namespace {

constexpr int KC = 256;

// Pack rows [i0, i0+mc) x cols [k0, k0+kc) of A into mr-row panels: panel p, step k -> mr floats.
void pack_a(int mr, int mc, int kc, const float* a, long rsa, long csa, float* dst) {
  for (int p = 0; p < mc; p += mr) {
    int rows = std::min(mr, mc - p);
    if (csa == 1) {
      for (int r = 0; r < rows; ++r) {
        const float* src = a + (long)(p + r) * rsa;
        for (int k = 0; k < kc; ++k) dst[k * mr + r] = src[k];
      }
    } else {
      for (int k = 0; k < kc; ++k) {
        const float* src = a + (long)k * csa + (long)p * rsa;
        for (int r = 0; r < rows; ++r) dst[k * mr + r] = src[(long)r * rsa];
      }
    }
    for (int r = rows; r < mr; ++r)
      for (int k = 0; k < kc; ++k) dst[k * mr + r] = 0.f;
    dst += (long)mr * kc;
  }
}

// Pack rows [k0, k0+kc) x cols [j0, j0+nc) of B into nr-column panels.
void pack_b(int nr, int kc, int nc, const float* b, long rsb, long csb, float* dst) {
  for (int p = 0; p < nc; p += nr) {
    int cols = std::min(nr, nc - p);
    for (int k = 0; k < kc; ++k) {
      const float* src = b + (long)k * rsb + (long)p * csb;
      float* d = dst + (long)k * nr;
      if (csb == 1) {
        for (int j = 0; j < cols; ++j) d[j] = src[j];
      } else {
        for (int j = 0; j < cols; ++j) d[j] = src[(long)j * csb];
      }
      for (int j = cols; j < nr; ++j) d[j] = 0.f;
    }
    dst += (long)nr * kc;
  }
}

void block(const Isa& I, int mc, int nc, int K, const float* a, long rsa, long csa, const float* b,
           long rsb, long csb, float* c, long ldc, bool accumulate) {
  thread_local Buf abuf, bbuf;
  const int mr = I.mr, nr = I.nr;
  const int mcp = (mc + mr - 1) / mr * mr, ncp = (nc + nr - 1) / nr * nr;
  abuf.reset((size_t)mcp * KC);
  bbuf.reset((size_t)ncp * KC);
  if (K == 0) {
    if (!accumulate)
      for (int i = 0; i < mc; ++i) std::fill(c + (long)i * ldc, c + (long)i * ldc + nc, 0.f);
    return;
  }
  for (int k0 = 0; k0 < K; k0 += KC) {
    const int kc = std::min(KC, K - k0);
    pack_a(mr, mc, kc, a + (long)k0 * csa, rsa, csa, abuf.data());
    pack_b(nr, kc, nc, b + (long)k0 * rsb, rsb, csb, bbuf.data());
    const int acc = (accumulate || k0 > 0) ? 1 : 0;
    for (int j = 0; j < nc; j += nr) {
      const float* bp = bbuf.data() + (long)(j / nr) * nr * kc;
      for (int i = 0; i < mc; i += mr) {
        const float* ap = abuf.data() + (long)(i / mr) * mr * kc;
        I.gemm(kc, ap, bp, c + (long)i * ldc + j, ldc, std::min(mr, mc - i), std::min(nr, nc - j), acc);
      }
    }
  }
}

}  // namespace

void sgemm_serial(int M, int N, int K, const float* a, long rsa, long csa, const float* b, long rsb,
                  long csb, float* c, long ldc, bool accumulate) {
  const Isa& I = isa();
  const int MC = I.mr * 24, NC = I.nr * 32;
  for (int i = 0; i < M; i += MC)
    for (int j = 0; j < N; j += NC)
      block(I, std::min(MC, M - i), std::min(NC, N - j), K, a + (long)i * rsa, rsa, csa,
            b + (long)j * csb, rsb, csb, c + (long)i * ldc + j, ldc, accumulate);
}

void sgemm(int M, int N, int K, const float* a, long rsa, long csa, const float* b, long rsb, long csb,
           float* c, long ldc, bool accumulate) {
  if (M <= 0 || N <= 0) return;
  const Isa& I = isa();
  const int nt = num_threads();
  int MC = I.mr * 24, NC = I.nr * 32;
  // Enough blocks to keep every thread busy when the problem is big enough to care.
  const double flops = 2.0 * M * N * (double)K;
  if (nt > 1 && flops > 2e6) {
    while (MC > I.mr && (long)((M + MC - 1) / MC) * ((N + NC - 1) / NC) < 4L * nt) {
      if (MC >= 2 * I.mr)
        MC = (MC / 2 + I.mr - 1) / I.mr * I.mr;
      else
        break;
    }
  }
  const int mb = (M + MC - 1) / MC, nb = (N + NC - 1) / NC;
  if (mb * nb == 1 || flops <= 2e6) {
    sgemm_serial(M, N, K, a, rsa, csa, b, rsb, csb, c, ldc, accumulate);
    return;
  }
  parallel_for(mb * nb, [&](int t) {
    const int bi = t / nb, bj = t % nb;
    const int i = bi * MC, j = bj * NC;
    block(I, std::min(MC, M - i), std::min(NC, N - j), K, a + (long)i * rsa, rsa, csa, b + (long)j * csb,
          rsb, csb, c + (long)i * ldc + j, ldc, accumulate);
  });
}

namespace {
// Dot product with 16 independent partial sums (vectorizes without reassociation flags).
float dot(const float* __restrict x, const float* __restrict y, long n) {
  float acc[16] = {0};
  long i = 0;
  for (; i + 16 <= n; i += 16)
    for (int j = 0; j < 16; ++j) acc[j] += x[i + j] * y[i + j];
  float s = 0;
  for (int j = 0; j < 16; ++j) s += acc[j];
  for (; i < n; ++i) s += x[i] * y[i];
  return s;
}
}  // namespace

bool skinny_matmul(int batches, int M, int N, int K, const float* a, long sa, const float* b, long sb,
                   bool transB, float* c) {
  if (M > 4 || M <= 0 || N <= 0) return false;
  if (transB) {
    // c[m][n] = a[m,:] . b[n,:]: one task per (batch, n) group, rows contiguous.
    const int groups = batches * N;
    parallel_for(groups, [&](int t) {
      const int bi = t / N, n = t % N;
      const float* bn = b + bi * sb + (long)n * K;
      for (int m = 0; m < M; ++m) c[((long)bi * M + m) * N + n] = dot(a + bi * sa + (long)m * K, bn, K);
    });
    return true;
  }
  // c[m][:] = sum_k a[m,k] * b[k,:]: tasks over (batch, column chunk), k outer, columns inner.
  const long chunk = 4096;
  const int chunks = (int)((N + chunk - 1) / chunk);
  parallel_for(batches * chunks, [&](int t) {
    const int bi = t / chunks;
    const long j0 = (long)(t % chunks) * chunk, j1 = std::min<long>(N, j0 + chunk);
    for (int m = 0; m < M; ++m) {
      float* __restrict cm = c + ((long)bi * M + m) * N;
      const float* am = a + bi * sa + (long)m * K;
      for (long j = j0; j < j1; ++j) cm[j] = 0.f;
      for (int k = 0; k < K; ++k) {
        const float w = am[k];
        const float* __restrict bk = b + bi * sb + (long)k * N;
        for (long j = j0; j < j1; ++j) cm[j] += w * bk[j];
      }
    }
  });
  return true;
}

}  // namespace pcl
