// Element-wise kernels: broadcasting binary ops and comparisons over strided views (rank <= 8,
// shapes collapsed by the caller), unary activations and their gradients, strided reductions,
// N-d transpose, mirror/constant padding of NHWC images, select and the fused Adam update.
#include "elementwise.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "threadpool.h"

namespace pcl {
namespace {

constexpr int MAXR = 8;

struct View {
  int rank = 0;
  long shape[MAXR];
  long sa[MAXR], sb[MAXR];  // element strides of a and b (0 = broadcast)
  long size() const {
    long n = 1;
    for (int i = 0; i < rank; ++i) n *= shape[i];
    return n;
  }
};

struct Err {
  std::string msg;
};

void* array_data(napi_env env, napi_value v, napi_typedarray_type want, size_t min_len, const char* what) {
  bool ok = false;
  napi_is_typedarray(env, v, &ok);
  if (!ok) throw Err{std::string(what) + ": not a typed array"};
  napi_typedarray_type t;
  size_t len;
  void* data;
  napi_get_typedarray_info(env, v, &t, &len, &data, nullptr, nullptr);
  if (t != want) throw Err{std::string(what) + ": wrong typed array type"};
  if (len < min_len) throw Err{std::string(what) + ": too short"};
  return data;
}

std::vector<long> ints(napi_env env, napi_value v, const char* what) {
  const int* p = static_cast<const int*>(array_data(env, v, napi_int32_array, 0, what));
  napi_typedarray_type t;
  size_t len;
  void* d;
  napi_get_typedarray_info(env, v, &t, &len, &d, nullptr, nullptr);
  return std::vector<long>(p, p + len);
}

double num(napi_env env, napi_value v) {
  double d = 0;
  napi_get_value_double(env, v, &d);
  return d;
}

// Calls body(a_off, b_off, out_off, n, sa_inner, sb_inner) for runs of the innermost dimension,
// in parallel over the outer index space when the view is big.
template <typename F>
void for_runs(const View& v, F&& body) {
  const int r = v.rank;
  if (r == 0) {
    body(0L, 0L, 0L, 1L, 0L, 0L);
    return;
  }
  const long inner = v.shape[r - 1];
  long outer = 1;
  for (int i = 0; i < r - 1; ++i) outer *= v.shape[i];
  const long total = outer * inner;
  const int ntask = total < (1 << 16) ? 1 : (int)std::min<long>(outer, 4L * std::max(1, num_threads()));
  auto work = [&](int t) {
    const long o0 = outer * t / ntask, o1 = outer * (t + 1) / ntask;
    long idx[MAXR] = {0};
    long rem = o0;
    for (int i = r - 2; i >= 0; --i) {
      idx[i] = rem % v.shape[i];
      rem /= v.shape[i];
    }
    long ao = 0, bo = 0;
    for (int i = 0; i < r - 1; ++i) {
      ao += idx[i] * v.sa[i];
      bo += idx[i] * v.sb[i];
    }
    for (long o = o0; o < o1; ++o) {
      body(ao, bo, o * inner, inner, v.sa[r - 1], v.sb[r - 1]);
      for (int i = r - 2; i >= 0; --i) {  // odometer increment
        ao += v.sa[i];
        bo += v.sb[i];
        if (++idx[i] < v.shape[i]) break;
        ao -= v.sa[i] * v.shape[i];
        bo -= v.sb[i] * v.shape[i];
        idx[i] = 0;
      }
    }
  };
  if (ntask == 1)
    work(0);
  else
    parallel_for(ntask, work);
}

template <typename Op>
inline void run_binary(const View& v, const float* a, const float* b, float* out, Op op) {
  for_runs(v, [&](long ao, long bo, long oo, long n, long sa, long sb) {
    const float* pa = a + ao;
    const float* pb = b + bo;
    float* po = out + oo;
    if (sa == 1 && sb == 1) {
      for (long i = 0; i < n; ++i) po[i] = op(pa[i], pb[i]);
    } else if (sa == 1 && sb == 0) {
      const float y = pb[0];
      for (long i = 0; i < n; ++i) po[i] = op(pa[i], y);
    } else if (sa == 0 && sb == 1) {
      const float x = pa[0];
      for (long i = 0; i < n; ++i) po[i] = op(x, pb[i]);
    } else {
      for (long i = 0; i < n; ++i) po[i] = op(pa[i * sa], pb[i * sb]);
    }
  });
}

template <typename Op>
inline void run_compare(const View& v, const float* a, const float* b, uint8_t* out, Op op) {
  for_runs(v, [&](long ao, long bo, long oo, long n, long sa, long sb) {
    for (long i = 0; i < n; ++i) out[oo + i] = op(a[ao + i * sa], b[bo + i * sb]) ? 1 : 0;
  });
}

View make_view(napi_env env, napi_value shape, napi_value sa, napi_value sb) {
  auto s = ints(env, shape, "shape"), a = ints(env, sa, "strides a"), b = ints(env, sb, "strides b");
  if (s.size() > MAXR || a.size() != s.size() || b.size() != s.size()) throw Err{"bad view rank"};
  View v;
  v.rank = (int)s.size();
  for (int i = 0; i < v.rank; ++i) {
    v.shape[i] = s[i];
    v.sa[i] = a[i];
    v.sb[i] = b[i];
  }
  return v;
}

long max_offset(const View& v, bool first) {
  long m = 0;
  for (int i = 0; i < v.rank; ++i) m += (v.shape[i] - 1) * (first ? v.sa[i] : v.sb[i]);
  return m + 1;
}

napi_value undef(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

#define ENTRY(NAME, NARGS, ...)                                             \
  napi_value NAME(napi_env env, napi_callback_info info) {                \
    size_t argc = NARGS;                                                  \
    napi_value argv[NARGS];                                               \
    napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);           \
    try {                                                                 \
      if (argc < NARGS) throw Err{#NAME ": missing arguments"};           \
      __VA_ARGS__                                                         \
    } catch (const Err& e) {                                              \
      napi_throw_type_error(env, nullptr, e.msg.c_str());                 \
    } catch (const std::exception& e) {                                   \
      napi_throw_error(env, nullptr, e.what());                           \
    }                                                                     \
    return undef(env);                                                    \
  }

// binary(op, a, b, out, shape, stridesA, stridesB)
// op: 0 add 1 sub 2 mul 3 div 4 max 5 min 6 squared_difference 7 pow 8 copy a (Tile/broadcast)
ENTRY(Binary, 7, {
  const int op = (int)num(env, argv[0]);
  View v = make_view(env, argv[4], argv[5], argv[6]);
  const float* a = (const float*)array_data(env, argv[1], napi_float32_array, max_offset(v, true), "a");
  const float* b = (const float*)array_data(env, argv[2], napi_float32_array, max_offset(v, false), "b");
  float* o = (float*)array_data(env, argv[3], napi_float32_array, v.size(), "out");
  switch (op) {
    case 0: run_binary(v, a, b, o, [](float x, float y) { return x + y; }); break;
    case 1: run_binary(v, a, b, o, [](float x, float y) { return x - y; }); break;
    case 2: run_binary(v, a, b, o, [](float x, float y) { return x * y; }); break;
    case 3: run_binary(v, a, b, o, [](float x, float y) { return x / y; }); break;
    case 4: run_binary(v, a, b, o, [](float x, float y) { return (x != x || y != y) ? NAN : (x > y ? x : y); }); break;
    case 5: run_binary(v, a, b, o, [](float x, float y) { return (x != x || y != y) ? NAN : (x < y ? x : y); }); break;
    case 6: run_binary(v, a, b, o, [](float x, float y) { return (x - y) * (x - y); }); break;
    case 7: run_binary(v, a, b, o, [](float x, float y) { return std::pow(x, y); }); break;
    case 8: run_binary(v, a, b, o, [](float x, float) { return x; }); break;
    default: throw Err{"binary: unknown op"};
  }
})

// compare(op, a, b, outUint8, shape, stridesA, stridesB); op: 0 > 1 >= 2 < 3 <= 4 == 5 !=
ENTRY(Compare, 7, {
  const int op = (int)num(env, argv[0]);
  View v = make_view(env, argv[4], argv[5], argv[6]);
  const float* a = (const float*)array_data(env, argv[1], napi_float32_array, max_offset(v, true), "a");
  const float* b = (const float*)array_data(env, argv[2], napi_float32_array, max_offset(v, false), "b");
  uint8_t* o = (uint8_t*)array_data(env, argv[3], napi_uint8_array, v.size(), "out");
  switch (op) {
    case 0: run_compare(v, a, b, o, [](float x, float y) { return x > y; }); break;
    case 1: run_compare(v, a, b, o, [](float x, float y) { return x >= y; }); break;
    case 2: run_compare(v, a, b, o, [](float x, float y) { return x < y; }); break;
    case 3: run_compare(v, a, b, o, [](float x, float y) { return x <= y; }); break;
    case 4: run_compare(v, a, b, o, [](float x, float y) { return x == y; }); break;
    case 5: run_compare(v, a, b, o, [](float x, float y) { return x != y; }); break;
    default: throw Err{"compare: unknown op"};
  }
})

template <typename Op>
void run_unary(const float* x, float* o, long n, Op op) {
  const int ntask = n < (1 << 16) ? 1 : 4 * std::max(1, num_threads());
  auto work = [&](int t) {
    const long i0 = n * t / ntask, i1 = n * (t + 1) / ntask;
    // Local copies: with -fno-strict-aliasing a store through o could alias the captured pointers
    // or alpha, which keeps GCC from if-converting and vectorizing the loop.
    const Op f = op;
    const float* __restrict xs = x;
    float* __restrict os = o;
    for (long i = i0; i < i1; ++i) os[i] = f(xs[i]);
  };
  if (ntask == 1)
    work(0);
  else
    parallel_for(ntask, work);
}

// unary(op, x, out, alpha)
ENTRY(Unary, 4, {
  const int op = (int)num(env, argv[0]);
  napi_typedarray_type t;
  size_t n;
  void* d;
  napi_get_typedarray_info(env, argv[1], &t, &n, &d, nullptr, nullptr);
  const float* x = (const float*)array_data(env, argv[1], napi_float32_array, 0, "x");
  float* o = (float*)array_data(env, argv[2], napi_float32_array, n, "out");
  const float alpha = (float)num(env, argv[3]);
  const long len = (long)n;
  switch (op) {
    case 0: run_unary(x, o, len, [](float v) { return -v; }); break;
    case 1: run_unary(x, o, len, [](float v) { return std::fabs(v); }); break;
    case 2: run_unary(x, o, len, [](float v) { return v * v; }); break;
    case 3: run_unary(x, o, len, [](float v) { return std::sqrt(v); }); break;
    case 4: run_unary(x, o, len, [](float v) { return 1.f / std::sqrt(v); }); break;
    case 5: run_unary(x, o, len, [](float v) { return std::exp(v); }); break;
    case 6: run_unary(x, o, len, [](float v) { return std::log(v); }); break;
    case 7: run_unary(x, o, len, [](float v) { return v < 0.f ? 0.f : v; }); break;
    case 8: run_unary(x, o, len, [](float v) { return v < 0.f ? 0.f : (v > 6.f ? 6.f : v); }); break;
    case 9: run_unary(x, o, len, [alpha](float v) { return v < 0.f ? alpha * v : v; }); break;
    case 10: run_unary(x, o, len, [alpha](float v) { const float s = v > 0.f ? 1.f : alpha; return v != v ? v : s; }); break;
    case 11: run_unary(x, o, len, [](float v) { const float s = (float)(v > 0.f) - (float)(v < 0.f); return v != v ? v : s; }); break;
    case 12: run_unary(x, o, len, [](float v) { return 1.f / (1.f + std::exp(-v)); }); break;
    case 13:
      run_unary(x, o, len, [](float v) {
        const float eps = 1.1920928955078125e-7f;
        const float thr = std::log(eps) + 2.0f;
        if (v > -thr) return v;
        if (v < thr) return std::exp(v);
        return std::log1p(std::exp(v));
      });
      break;
    case 14: run_unary(x, o, len, [](float v) { return 1.f / v; }); break;
    case 15: run_unary(x, o, len, [](float v) { return std::tanh(v); }); break;
    case 16: run_unary(x, o, len, [](float v) { return std::log1p(v); }); break;
    case 17: run_unary(x, o, len, [](float v) { return v >= 0.f ? v : std::expm1(v); }); break;
    default: throw Err{"unary: unknown op"};
  }
})

// reduce(op, x, out, shape, keepMask): reduce x (dense, given shape) over axes with keepMask[i]==0.
// op: 0 sum 1 mean 2 max 3 min 4 prod. Accumulates in double for sum/mean/prod.
ENTRY(Reduce, 5, {
  const int op = (int)num(env, argv[0]);
  auto shape = ints(env, argv[3], "shape");
  auto keep = ints(env, argv[4], "keep");
  if (shape.size() > MAXR || keep.size() != shape.size()) throw Err{"reduce: bad rank"};
  // Collapse adjacent axes of the same kind.
  std::vector<long> s, k;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 1) continue;
    const long kind = keep[i] ? 1 : 0;
    if (!s.empty() && k.back() == kind)
      s.back() *= shape[i];
    else {
      s.push_back(shape[i]);
      k.push_back(kind);
    }
  }
  long total = 1, osize = 1;
  for (size_t i = 0; i < s.size(); ++i) {
    total *= s[i];
    if (k[i]) osize *= s[i];
  }
  const float* x = (const float*)array_data(env, argv[1], napi_float32_array, total, "x");
  float* o = (float*)array_data(env, argv[2], napi_float32_array, osize, "out");
  const long rcount = osize ? total / osize : 0;
  if (total == 0) {
    for (long i = 0; i < osize; ++i) o[i] = op == 0 ? 0.f : op == 1 ? NAN : op == 4 ? 1.f : (op == 2 ? -INFINITY : INFINITY);
    return undef(env);
  }
  // View: input strides dense, output strides dense over kept axes (0 on reduced).
  View v;
  v.rank = (int)s.size();
  {
    long st = 1, so = 1;
    for (int i = v.rank - 1; i >= 0; --i) {
      v.shape[i] = s[i];
      v.sa[i] = st;
      st *= s[i];
      v.sb[i] = k[i] ? so : 0;
      if (k[i]) so *= s[i];
    }
  }
  if (v.rank == 0) {  // everything size 1
    o[0] = x[0];
    return undef(env);
  }
  // Parallel only over an outermost kept axis (disjoint outputs); else serial.
  const bool outer_kept = k[0] == 1 && v.rank > 1 && total >= (1 << 16);
  const int ntask = outer_kept ? (int)std::min<long>(s[0], 4L * std::max(1, num_threads())) : 1;
  std::vector<double> acc(osize);
  const double init = op <= 1 ? 0.0 : op == 2 ? -INFINITY : op == 3 ? INFINITY : 1.0;
  std::fill(acc.begin(), acc.end(), init);
  auto work = [&](int t) {
    View sub = v;
    const long a0 = s[0] * t / ntask, a1 = s[0] * (t + 1) / ntask;
    sub.shape[0] = a1 - a0;
    const float* xs = x + a0 * v.sa[0];
    double* as = acc.data() + a0 * v.sb[0];
    // serial walk
    const int r = sub.rank;
    long idx[MAXR] = {0};
    long outer = 1;
    for (int i = 0; i < r - 1; ++i) outer *= sub.shape[i];
    const long inner = sub.shape[r - 1];
    const long sbi = sub.sb[r - 1];
    long xo = 0, ao = 0;
    for (long q = 0; q < outer; ++q) {
      const float* px = xs + xo;
      double* pa = as + ao;
      if (sbi == 0) {  // inner axis reduced
        double m = pa[0];
        switch (op) {
          case 0: case 1: for (long i = 0; i < inner; ++i) m += px[i]; break;
          case 2: for (long i = 0; i < inner; ++i) m = (px[i] > m || px[i] != px[i]) ? px[i] : m; break;
          case 3: for (long i = 0; i < inner; ++i) m = (px[i] < m || px[i] != px[i]) ? px[i] : m; break;
          default: for (long i = 0; i < inner; ++i) m *= px[i]; break;
        }
        pa[0] = m;
      } else {
        switch (op) {
          case 0: case 1: for (long i = 0; i < inner; ++i) pa[i] += px[i]; break;
          case 2: for (long i = 0; i < inner; ++i) pa[i] = (px[i] > pa[i] || px[i] != px[i]) ? px[i] : pa[i]; break;
          case 3: for (long i = 0; i < inner; ++i) pa[i] = (px[i] < pa[i] || px[i] != px[i]) ? px[i] : pa[i]; break;
          default: for (long i = 0; i < inner; ++i) pa[i] *= px[i]; break;
        }
      }
      for (int i = r - 2; i >= 0; --i) {
        xo += sub.sa[i];
        ao += sub.sb[i];
        if (++idx[i] < sub.shape[i]) break;
        xo -= sub.sa[i] * sub.shape[i];
        ao -= sub.sb[i] * sub.shape[i];
        idx[i] = 0;
      }
    }
  };
  if (ntask <= 1)
    work(0);
  else
    parallel_for(ntask, [&](int t) { work(t); });
  const double scale = op == 1 ? 1.0 / (double)rcount : 1.0;
  for (long i = 0; i < osize; ++i) o[i] = (float)(acc[i] * scale);
})

// transpose(x, out, shape, perm): out = x.transpose(perm); element size 4 bytes (float32/int32).
ENTRY(Transpose, 4, {
  auto shape = ints(env, argv[2], "shape");
  auto perm = ints(env, argv[3], "perm");
  const int r = (int)shape.size();
  if (r > MAXR || (int)perm.size() != r) throw Err{"transpose: bad rank"};
  long in_stride[MAXR];
  long st = 1;
  for (int i = r - 1; i >= 0; --i) {
    in_stride[i] = st;
    st *= shape[i];
  }
  // Output axes in order, size-1 axes dropped, and neighbours merged where the input walks them
  // contiguously too (the [n, y] of pixel shuffle's transposes).
  View v;
  v.rank = 0;
  for (int i = 0; i < r; ++i) {
    const long n = shape[perm[i]], sa = in_stride[perm[i]];
    if (n == 1) continue;
    if (v.rank > 0 && v.sa[v.rank - 1] == sa * n) {
      v.shape[v.rank - 1] *= n;
      v.sa[v.rank - 1] = sa;
    } else {
      v.shape[v.rank] = n;
      v.sa[v.rank] = sa;
      v.sb[v.rank] = 0;
      ++v.rank;
    }
  }
  napi_typedarray_type t1, t2;
  size_t n1, n2;
  void *d1, *d2;
  napi_get_typedarray_info(env, argv[0], &t1, &n1, &d1, nullptr, nullptr);
  napi_get_typedarray_info(env, argv[1], &t2, &n2, &d2, nullptr, nullptr);
  if ((long)n1 < st || (long)n2 < st || (t1 != napi_float32_array && t1 != napi_int32_array) || t1 != t2)
    throw Err{"transpose: bad arrays"};
  const uint32_t* x = (const uint32_t*)d1;
  uint32_t* o = (uint32_t*)d2;
  if (v.rank >= 2 && v.shape[v.rank - 1] < 16) {
    // Short innermost output runs (pixel shuffle's 2 x 2): gather blocks made of the last k output
    // axes (at least 32 elements, at most 4096) through a table of input offsets.
    int k = 1;
    long block = v.shape[v.rank - 1];
    while (k < v.rank - 1 && block < 32 && block * v.shape[v.rank - 1 - k] <= 4096) block *= v.shape[v.rank - 1 - k++];
    std::vector<long> offs(block);
    for (long e = 0; e < block; ++e) {
      long rem = e, off = 0;
      for (int d = v.rank - 1; d >= v.rank - k; --d) {
        off += (rem % v.shape[d]) * v.sa[d];
        rem /= v.shape[d];
      }
      offs[e] = off;
    }
    View w = v;
    w.rank = v.rank - k;
    const long* __restrict table = offs.data();
    for_runs(w, [&](long ao, long, long oo, long n, long sa, long) {
      const uint32_t* __restrict px = x + ao;
      uint32_t* __restrict po = o + oo * block;
      for (long i = 0; i < n; ++i)
        for (long e = 0; e < block; ++e) po[i * block + e] = px[i * sa + table[e]];
    });
    return undef(env);
  }
  for_runs(v, [&](long ao, long, long oo, long n, long sa, long) {
    const uint32_t* px = x + ao;
    uint32_t* po = o + oo;
    if (sa == 1)
      std::copy(px, px + n, po);
    else
      for (long i = 0; i < n; ++i) po[i] = px[i * sa];
  });
})

// pad4(x, out, shapeNHWC, padsBefore[4], padsAfter[4], mode(0 const,1 reflect,2 symmetric), value)
ENTRY(Pad4, 7, {
  auto sh = ints(env, argv[2], "shape");
  auto pb = ints(env, argv[3], "before");
  auto pa = ints(env, argv[4], "after");
  const int mode = (int)num(env, argv[5]);
  const float value = (float)num(env, argv[6]);
  if (sh.size() != 4 || pb.size() != 4 || pa.size() != 4) throw Err{"pad4: rank 4 only"};
  const long N = sh[0], H = sh[1], W = sh[2], C = sh[3];
  const long ON = N + pb[0] + pa[0], OH = H + pb[1] + pa[1], OW = W + pb[2] + pa[2], OC = C + pb[3] + pa[3];
  const float* x = (const float*)array_data(env, argv[0], napi_float32_array, N * H * W * C, "x");
  float* o = (float*)array_data(env, argv[1], napi_float32_array, ON * OH * OW * OC, "out");
  auto src = [&](long i, long before, long size) -> long {  // -1: constant
    long j = i - before;
    if (j >= 0 && j < size) return j;
    if (mode == 0) return -1;
    const long off = mode == 1 ? 1 : 0;  // reflect excludes the edge, symmetric repeats it
    if (j < 0) return -j - 1 + off;
    return 2 * size - j - 1 - off;
  };
  const long rows = ON * OH;
  const int ntask = rows * OW * OC < (1 << 15) ? 1 : (int)std::min<long>(rows, 4L * std::max(1, num_threads()));
  auto work = [&](int t) {
    for (long r = rows * t / ntask; r < rows * (t + 1) / ntask; ++r) {
      const long on = r / OH, oh = r % OH;
      const long n = src(on, pb[0], N), h = src(oh, pb[1], H);
      float* po = o + r * OW * OC;
      for (long ow = 0; ow < OW; ++ow) {
        const long w = src(ow, pb[2], W);
        float* pp = po + ow * OC;
        if (n < 0 || h < 0 || w < 0) {
          std::fill(pp, pp + OC, value);
          continue;
        }
        const float* px = x + ((n * H + h) * W + w) * C;
        if (pb[3] == 0 && pa[3] == 0) {
          std::copy(px, px + C, pp);
        } else {
          for (long oc = 0; oc < OC; ++oc) {
            const long c = src(oc, pb[3], C);
            pp[oc] = c < 0 ? value : px[c];
          }
        }
      }
    }
  };
  if (ntask == 1)
    work(0);
  else
    parallel_for(ntask, work);
})

// select(condUint8, a, b, out): same sizes
ENTRY(Select, 4, {
  napi_typedarray_type t;
  size_t n;
  void* d;
  napi_get_typedarray_info(env, argv[3], &t, &n, &d, nullptr, nullptr);
  const uint8_t* c = (const uint8_t*)array_data(env, argv[0], napi_uint8_array, n, "cond");
  const float* a = (const float*)array_data(env, argv[1], napi_float32_array, n, "a");
  const float* b = (const float*)array_data(env, argv[2], napi_float32_array, n, "b");
  float* o = (float*)array_data(env, argv[3], napi_float32_array, n, "out");
  const long len = (long)n;
  const int ntask = len < (1 << 16) ? 1 : 4 * std::max(1, num_threads());
  auto work = [&](int tk) {
    for (long i = len * tk / ntask; i < len * (tk + 1) / ntask; ++i) o[i] = c[i] ? a[i] : b[i];
  };
  if (ntask == 1)
    work(0);
  else
    parallel_for(ntask, work);
})

// batchNorm(x, mean, variance, scale, offset, out, channels, eps): out = offset + (x - mean) * scale /
// sqrt(variance + eps) per channel (the last axis), computed in double as tfjs-backend-cpu computes it.
// Each of mean, variance, scale, offset has 1 or `channels` values.
ENTRY(BatchNorm, 8, {
  napi_typedarray_type t;
  size_t n;
  void* d;
  napi_get_typedarray_info(env, argv[0], &t, &n, &d, nullptr, nullptr);
  const long C = (long)num(env, argv[6]);
  const double eps = num(env, argv[7]);
  if (C <= 0 || n % C != 0) throw Err{"batchNorm: x's length is not a multiple of the channels"};
  const float* x = (const float*)array_data(env, argv[0], napi_float32_array, n, "x");
  float* out = (float*)array_data(env, argv[5], napi_float32_array, n, "out");
  std::vector<double> mean(C), sd(C), scale(C), offset(C);
  auto per_channel = [&](napi_value v, const char* what, std::vector<double>& dst) {
    size_t len;
    napi_get_typedarray_info(env, v, &t, &len, &d, nullptr, nullptr);
    if (len != 1 && len != (size_t)C) throw Err{std::string("batchNorm: ") + what + " must have 1 or C values"};
    const float* src = (const float*)array_data(env, v, napi_float32_array, len, what);
    for (long c = 0; c < C; ++c) dst[c] = src[len == 1 ? 0 : c];
  };
  per_channel(argv[1], "mean", mean);
  per_channel(argv[2], "variance", sd);
  per_channel(argv[3], "scale", scale);
  per_channel(argv[4], "offset", offset);
  for (long c = 0; c < C; ++c) sd[c] = std::sqrt(sd[c] + eps);
  const long rows = (long)n / C;
  const int ntask = (int)std::max<long>(1, std::min<long>(64, (long)n / 65536));
  parallel_for(ntask, [&](int tk) {
    for (long r = rows * tk / ntask; r < rows * (tk + 1) / ntask; ++r) {
      const float* xr = x + r * C;
      float* o = out + r * C;
      for (long c = 0; c < C; ++c) o[c] = (float)(offset[c] + ((double)xr[c] - mean[c]) * scale[c] / sd[c]);
    }
  });
})

// adamUpdate(w, g, m, v, wOut, mOut, vOut, [b1, 1-b1, b2, 1-b2, lr/c1, c2, eps]): one pass of
// PyTorch's Adam, written to new arrays (tfjs tensors are immutable):
//   m' = b1 m + (1-b1) g;  v' = b2 v + (1-b2) g^2;  w' = w - (m' lr/c1) / (sqrt(v') / c2 + eps)
// The constants come rounded to float32 from the caller, and no multiply-add is contracted, so
// each element is computed exactly as the op-by-op chain (mul, mul, add, ...) computes it.
__attribute__((optimize("fp-contract=off"))) void adam_range(const float* w, const float* g, const float* m,
                                                             const float* v, float* wo, float* mo, float* vo,
                                                             const float* k, long i0, long i1) {
  const float b1 = k[0], omb1 = k[1], b2 = k[2], omb2 = k[3], lrc1 = k[4], c2 = k[5], eps = k[6];
  for (long i = i0; i < i1; ++i) {
    const float gi = g[i];
    const float mi = m[i] * b1 + gi * omb1;
    const float vi = v[i] * b2 + (gi * gi) * omb2;
    const float num = mi * lrc1;
    const float den = std::sqrt(vi) / c2 + eps;
    mo[i] = mi;
    vo[i] = vi;
    wo[i] = w[i] - num / den;
  }
}

ENTRY(AdamUpdate, 8, {
  napi_typedarray_type t;
  size_t n;
  void* d;
  napi_get_typedarray_info(env, argv[0], &t, &n, &d, nullptr, nullptr);
  const float* w = (const float*)array_data(env, argv[0], napi_float32_array, n, "w");
  const float* g = (const float*)array_data(env, argv[1], napi_float32_array, n, "g");
  const float* m = (const float*)array_data(env, argv[2], napi_float32_array, n, "m");
  const float* v = (const float*)array_data(env, argv[3], napi_float32_array, n, "v");
  float* wo = (float*)array_data(env, argv[4], napi_float32_array, n, "wOut");
  float* mo = (float*)array_data(env, argv[5], napi_float32_array, n, "mOut");
  float* vo = (float*)array_data(env, argv[6], napi_float32_array, n, "vOut");
  const float* k = (const float*)array_data(env, argv[7], napi_float32_array, 7, "constants");
  const long len = (long)n;
  const int ntask = (int)std::max<long>(1, std::min<long>(64, len / 65536));
  if (ntask == 1)
    adam_range(w, g, m, v, wo, mo, vo, k, 0, len);
  else
    parallel_for(ntask, [&](int tk) { adam_range(w, g, m, v, wo, mo, vo, k, len * tk / ntask, len * (tk + 1) / ntask); });
})

}  // namespace

void register_elementwise(napi_env env, napi_value exports) {
  struct Fn {
    const char* name;
    napi_callback cb;
  };
  static const Fn fns[] = {{"binary", Binary},       {"compare", Compare}, {"unary", Unary},
                           {"reduce", Reduce},       {"transpose", Transpose}, {"pad4", Pad4},
                           {"select", Select},       {"adamUpdate", AdamUpdate}, {"batchNorm", BatchNorm}};
  for (const auto& f : fns) {
    napi_value v;
    napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.cb, nullptr, &v);
    napi_set_named_property(env, exports, f.name, v);
  }
}

}  // namespace pcl
