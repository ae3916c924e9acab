// AVX-512F micro-kernels: 12 x 32 register tile (24 zmm accumulators).
#include <immintrin.h>

#include "isa.h"

namespace pcl {
namespace {

#define UK_TARGET __attribute__((target("avx512f")))
#define UK_NAME(x) avx512_##x
#define VT __m512
#define VL 16
#define MR 12
#define NV 2

#define VZERO() _mm512_setzero_ps()
#define VLOAD(p) _mm512_loadu_ps(p)
#define VBCAST(p) _mm512_set1_ps(*(p))
#define VFMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define VADD(a, b) _mm512_add_ps(a, b)
#define VSTORE(p, v) _mm512_storeu_ps(p, v)
#define VLOADN(p, cnt) _mm512_maskz_loadu_ps((__mmask16)((1u << (cnt)) - 1u), p)
#define VSTOREN(p, v, cnt) _mm512_mask_storeu_ps(p, (__mmask16)((1u << (cnt)) - 1u), v)

#include "ukernel_body.inc"

// The wide tile: 6 pixels x 64 channels (24 zmm accumulators, 4 filter vectors per k).
#undef UK_NAME
#undef MR
#undef NV
#define UK_NAME(x) avx512w_##x
#define MR 6
#define NV 4
#include "ukernel_body.inc"

}  // namespace

const Isa& isa_avx512() {
  static const Isa w = {"avx512-6x64", 6, 4 * VL, avx512w_gemm, avx512w_conv, avx512w_conv_smallco, VL, avx512w_wgrad, nullptr};
  static const Isa t = {"avx512", 12, 2 * VL, avx512_gemm, avx512_conv, avx512_conv_smallco, VL, avx512_wgrad, &w};
  return t;
}

}  // namespace pcl
