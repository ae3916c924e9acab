// Portable micro-kernels (baseline x86-64 / any target): 4 x 8 tile of GCC generic vectors.
#include "isa.h"

namespace pcl {
namespace {

typedef float v4f __attribute__((vector_size(16)));

static inline v4f pv_loadu(const float* p) {
  v4f v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}
static inline void pv_storeu(float* p, v4f v) { __builtin_memcpy(p, &v, sizeof v); }
static inline v4f pv_loadn(const float* p, int cnt) {
  v4f v = {0, 0, 0, 0};
  for (int i = 0; i < cnt; ++i) v[i] = p[i];
  return v;
}
static inline void pv_storen(float* p, v4f v, int cnt) {
  for (int i = 0; i < cnt; ++i) p[i] = v[i];
}
static inline v4f pv_bcast(const float* p) {
  float s = *p;
  v4f v = {s, s, s, s};
  return v;
}

#define UK_TARGET
#define UK_NAME(x) portable_##x
#define VT v4f
#define VL 4
#define MR 4
#define NV 2
#define VZERO() (v4f{0, 0, 0, 0})
#define VLOAD(p) pv_loadu(p)
#define VBCAST(p) pv_bcast(p)
#define VFMA(a, b, c) ((a) * (b) + (c))
#define VADD(a, b) ((a) + (b))
#define VSTORE(p, v) pv_storeu(p, v)
#define VLOADN(p, cnt) pv_loadn(p, cnt)
#define VSTOREN(p, v, cnt) pv_storen(p, v, cnt)

#include "ukernel_body.inc"

}  // namespace

const Isa& isa_portable() {
  static const Isa t = {"portable", MR, NV * VL, portable_gemm, portable_conv, portable_conv_smallco, VL, portable_wgrad, nullptr};
  return t;
}

}  // namespace pcl
