// AVX2 + FMA micro-kernels: 6 x 16 register tile (12 ymm accumulators).
#include <immintrin.h>

#include "isa.h"

namespace pcl {
namespace {

#define UK_TARGET __attribute__((target("avx2,fma")))
#define UK_NAME(x) avx2_##x
#define VT __m256
#define VL 8
#define MR 6
#define NV 2

UK_TARGET static inline __m256i avx2_mask(int cnt) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(cnt), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
#define VZERO() _mm256_setzero_ps()
#define VLOAD(p) _mm256_loadu_ps(p)
#define VBCAST(p) _mm256_broadcast_ss(p)
#define VFMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define VADD(a, b) _mm256_add_ps(a, b)
#define VSTORE(p, v) _mm256_storeu_ps(p, v)
#define VLOADN(p, cnt) _mm256_maskload_ps(p, avx2_mask(cnt))
#define VSTOREN(p, v, cnt) _mm256_maskstore_ps(p, avx2_mask(cnt), v)

#include "ukernel_body.inc"

}  // namespace

const Isa& isa_avx2() {
  static const Isa t = {"avx2", MR, NV * VL, avx2_gemm, avx2_conv, avx2_conv_smallco, VL, avx2_wgrad, nullptr};
  return t;
}

}  // namespace pcl
