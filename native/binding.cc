// Node-API surface of the addon. Every entry point is synchronous: it reads Float32Arrays owned by
// tfjs-backend-cpu tensors and writes into a Float32Array the caller allocated.
#include <node_api.h>

#if defined(__GLIBC__) || defined(__linux__)
#include <malloc.h>
#endif
#include <cstdlib>

#include <cstring>
#include <string>

#include "channelwise.h"
#include "conv.h"
#include "cosine_similarity.h"
#include "depthwise.h"
#include "elementwise.h"
#include "gemm.h"
#include "haar.h"
#include "isa.h"
#include "reflect_filter.h"
#include "threadpool.h"

namespace {

struct ArgError {
  std::string msg;
};

class Args {
 public:
  Args(napi_env env, napi_callback_info info) : env_(env) {
    argc_ = 16;
    napi_get_cb_info(env, info, &argc_, argv_, nullptr, nullptr);
  }
  size_t count() const { return argc_; }
  bool is_null(size_t i) const {
    if (i >= argc_) return true;
    napi_valuetype t;
    napi_typeof(env_, argv_[i], &t);
    return t == napi_null || t == napi_undefined;
  }
  float* f32(size_t i, size_t min_len = 0) const {
    if (i >= argc_) throw ArgError{"missing Float32Array argument " + std::to_string(i)};
    bool is_ta = false;
    napi_is_typedarray(env_, argv_[i], &is_ta);
    if (!is_ta) throw ArgError{"argument " + std::to_string(i) + " is not a Float32Array"};
    napi_typedarray_type type;
    size_t len;
    void* data;
    napi_get_typedarray_info(env_, argv_[i], &type, &len, &data, nullptr, nullptr);
    if (type != napi_float32_array) throw ArgError{"argument " + std::to_string(i) + " is not a Float32Array"};
    if (len < min_len)
      throw ArgError{"argument " + std::to_string(i) + " has " + std::to_string(len) + " elements, need " +
                     std::to_string(min_len)};
    return static_cast<float*>(data);
  }
  const int* i32(size_t i, size_t min_len) const {
    bool is_ta = false;
    if (i < argc_) napi_is_typedarray(env_, argv_[i], &is_ta);
    if (!is_ta) throw ArgError{"argument " + std::to_string(i) + " is not an Int32Array"};
    napi_typedarray_type type;
    size_t len;
    void* data;
    napi_get_typedarray_info(env_, argv_[i], &type, &len, &data, nullptr, nullptr);
    if (type != napi_int32_array || len < min_len)
      throw ArgError{"argument " + std::to_string(i) + " must be an Int32Array of length >= " + std::to_string(min_len)};
    return static_cast<const int*>(data);
  }
  double num(size_t i, double dflt = 0) const {
    if (i >= argc_) return dflt;
    double v;
    if (napi_get_value_double(env_, argv_[i], &v) != napi_ok) return dflt;
    return v;
  }
  std::string str(size_t i) const {
    char buf[64] = {0};
    size_t n = 0;
    if (i < argc_) napi_get_value_string_utf8(env_, argv_[i], buf, sizeof buf, &n);
    return std::string(buf, n);
  }

 private:
  napi_env env_;
  size_t argc_;
  napi_value argv_[16];
};

napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

template <typename F>
napi_value guarded(napi_env env, F&& f) {
  try {
    return f();
  } catch (const ArgError& e) {
    napi_throw_type_error(env, nullptr, e.msg.c_str());
  } catch (const std::exception& e) {
    napi_throw_error(env, nullptr, e.what());
  }
  return nullptr;
}

pcl::ConvShape conv_shape(const int* p) {
  // [N,H,W,C, OH,OW,CO, KH,KW, sh,sw, dh,dw, padT,padL]
  pcl::ConvShape s{p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13], p[14]};
  if (s.N <= 0 || s.H <= 0 || s.W <= 0 || s.C <= 0 || s.OH <= 0 || s.OW <= 0 || s.CO <= 0 || s.KH <= 0 ||
      s.KW <= 0 || s.sh <= 0 || s.sw <= 0 || s.dh <= 0 || s.dw <= 0 || s.padT < 0 || s.padL < 0)
    throw ArgError{"bad convolution shape"};
  return s;
}

size_t in_size(const pcl::ConvShape& s) { return (size_t)s.N * s.H * s.W * s.C; }
size_t out_size(const pcl::ConvShape& s) { return (size_t)s.N * s.OH * s.OW * s.CO; }

// conv2d(x, w, bias|null, out, shape:Int32Array(15), act, alpha)
napi_value Conv2d(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info);
    auto s = conv_shape(a.i32(4, 15));
    const float* bias = a.is_null(2) ? nullptr : a.f32(2, s.CO);
    pcl::conv2d_forward(s, a.f32(0, in_size(s)), a.f32(1, (size_t)s.KH * s.KW * s.C * s.CO), bias, (int)a.num(5),
                        (float)a.num(6), a.f32(3, out_size(s)));
    return undefined(env);
  });
}

// conv2dBackpropInput(dy, w, dx, shape)
napi_value Conv2dBackpropInput(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info);
    auto s = conv_shape(a.i32(3, 15));
    pcl::conv2d_backprop_input(s, a.f32(0, out_size(s)), a.f32(1, (size_t)s.KH * s.KW * s.C * s.CO),
                               a.f32(2, in_size(s)));
    return undefined(env);
  });
}

// conv2dBackpropFilter(x, dy, dw, shape)
napi_value Conv2dBackpropFilter(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info);
    auto s = conv_shape(a.i32(3, 15));
    pcl::conv2d_backprop_filter(s, a.f32(0, in_size(s)), a.f32(1, out_size(s)),
                                a.f32(2, (size_t)s.KH * s.KW * s.C * s.CO));
    return undefined(env);
  });
}

// depthwise*(a, b, out, shape(15, CO = C*M), M)
napi_value Depthwise(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info);
    auto s = conv_shape(a.i32(3, 15));
    const int M = (int)a.num(4, 1);
    if (M <= 0 || s.CO != s.C * M) throw ArgError{"depthwise: CO must be C*M"};
    pcl::depthwise_forward(s, M, a.f32(0, in_size(s)), a.f32(1, (size_t)s.KH * s.KW * s.CO), a.f32(2, out_size(s)));
    return undefined(env);
  });
}
napi_value DepthwiseBackpropInput(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info);
    auto s = conv_shape(a.i32(3, 15));
    const int M = (int)a.num(4, 1);
    if (M <= 0 || s.CO != s.C * M) throw ArgError{"depthwise: CO must be C*M"};
    pcl::depthwise_backprop_input(s, M, a.f32(0, out_size(s)), a.f32(1, (size_t)s.KH * s.KW * s.CO),
                                  a.f32(2, in_size(s)));
    return undefined(env);
  });
}
napi_value DepthwiseBackpropFilter(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info);
    auto s = conv_shape(a.i32(3, 15));
    const int M = (int)a.num(4, 1);
    if (M <= 0 || s.CO != s.C * M) throw ArgError{"depthwise: CO must be C*M"};
    pcl::depthwise_backprop_filter(s, M, a.f32(0, in_size(s)), a.f32(1, out_size(s)),
                                   a.f32(2, (size_t)s.KH * s.KW * s.CO));
    return undefined(env);
  });
}

// matmul(a, b, c, params Int32Array[batchA, batchB, M, N, K, transA, transB], bias|null, act, alpha)
// a: [batchA][M x K] (or [K x M] if transA), b: [batchB][K x N] (or [N x K]); batch of c = max(batchA,
// batchB), a batch of size 1 broadcasts.
napi_value MatMul(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info);
    const int* p = a.i32(3, 7);
    const int ba = p[0], bb = p[1], M = p[2], N = p[3], K = p[4], ta = p[5], tb = p[6];
    if (ba <= 0 || bb <= 0 || M < 0 || N < 0 || K < 0 || (ba != bb && ba != 1 && bb != 1))
      throw ArgError{"bad matmul shape"};
    const int B = ba > bb ? ba : bb;
    const float* A = a.f32(0, (size_t)ba * M * K);
    const float* Bm = a.f32(1, (size_t)bb * K * N);
    float* C = a.f32(2, (size_t)B * M * N);
    const float* bias = a.is_null(4) ? nullptr : a.f32(4, N);
    const int act = (int)a.num(5);
    const float alpha = (float)a.num(6);
    if (!ta && !bias && !act && M <= 4 && (long)N * K >= 4096 &&
        pcl::skinny_matmul(B, M, N, K, A, ba == 1 ? 0 : (long)M * K, Bm, bb == 1 ? 0 : (long)K * N, tb != 0, C))
      return undefined(env);
    const long rsa = ta ? 1 : K, csa = ta ? M : 1;
    const long rsb = tb ? 1 : N, csb = tb ? K : 1;
    for (int i = 0; i < B; ++i) {
      const float* Ai = A + (ba == 1 ? 0 : (long)i * M * K);
      const float* Bi = Bm + (bb == 1 ? 0 : (long)i * K * N);
      float* Ci = C + (long)i * M * N;
      pcl::sgemm(M, N, K, Ai, rsa, csa, Bi, rsb, csb, Ci, N, false);
      if (bias || act) pcl::bias_act(Ci, M, N, bias, act, alpha);
    }
    return undefined(env);
  });
}

napi_value SetNumThreads(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info);
    pcl::set_num_threads((int)a.num(0, 0));
    napi_value r;
    napi_create_int32(env, pcl::num_threads(), &r);
    return r;
  });
}

// biasActivationGrad(dy, y, g, dbias, rows, C, slope)
napi_value BiasActivationGrad(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info);
    const long rows = (long)a.num(4);
    const int C = (int)a.num(5);
    const size_t n = (size_t)rows * C;
    pcl::bias_activation_grad(a.f32(0, n), a.f32(1, n), rows, C, (float)a.num(6), a.f32(2, n), a.f32(3, C));
    return undefined(env);
  });
}

// channelDot(dy, x, out, N, HW, C): out[N*C]
napi_value ChannelDot(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info);
    const int N = (int)a.num(3), C = (int)a.num(5);
    const long HW = (long)a.num(4);
    const size_t n = (size_t)N * HW * C;
    pcl::channel_dot(a.f32(0, n), a.f32(1, n), N, HW, C, a.f32(2, (size_t)N * C));
    return undefined(env);
  });
}

// scaleShiftChannels(dy, s, b, out, N, HW, C)
napi_value ScaleShiftChannels(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info);
    const int N = (int)a.num(4), C = (int)a.num(6);
    const long HW = (long)a.num(5);
    const size_t n = (size_t)N * HW * C;
    pcl::scale_shift_channels(a.f32(0, n), a.f32(1, (size_t)N * C), a.f32(2, (size_t)N * C), N, HW, C, a.f32(3, n));
    return undefined(env);
  });
}

napi_value GetNumThreads(napi_env env, napi_callback_info) {
  napi_value r;
  napi_create_int32(env, pcl::num_threads(), &r);
  return r;
}

napi_value GetIsa(napi_env env, napi_callback_info) {
  napi_value r;
  napi_create_string_utf8(env, pcl::isa().name, NAPI_AUTO_LENGTH, &r);
  return r;
}

napi_value SetIsa(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info);
    napi_value r;
    napi_get_boolean(env, pcl::set_isa(a.str(0).c_str()), &r);
    return r;
  });
}

// Large tensors are allocated and freed for every op. glibc serves big blocks with fresh mmaps,
// so each op pays a page fault per 4 KiB (tens of ms for a 40 MB activation on some VMs). Keep
// big blocks in the heap and do not trim it, so freed tensor memory is reused. Opt out with
// PCL_NATIVE_MALLOC_TUNE=0. These settings are process-wide, so loading the addon does not apply
// them: `tuneMalloc()` does, called when the native backend is selected (src/backend/select.ts).
bool tune_malloc() {
#if defined(__GLIBC__)
  const char* env = std::getenv("PCL_NATIVE_MALLOC_TUNE");
  if (env && env[0] == '0') return false;
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  return true;
#else
  return false;
#endif
}

// reflectSeparableFilter(x, a, v, hz, out, N, H, W, C, T): a[N], v[N*T], hz[N*T]
napi_value ReflectSeparableFilter(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info);
    const int N = (int)a.num(5), H = (int)a.num(6), W = (int)a.num(7), C = (int)a.num(8), T = (int)a.num(9);
    if (T < 1 || T % 2 == 0 || (T - 1) / 2 >= H || (T - 1) / 2 >= W) throw ArgError{"reflectSeparableFilter: taps must be odd and (taps - 1) / 2 < H and W"};
    const size_t n = (size_t)N * H * W * C;
    pcl::reflect_separable_filter(a.f32(0, n), a.f32(1, N), a.f32(2, (size_t)N * T), a.f32(3, (size_t)N * T), N, H, W, C, T,
                                  a.f32(4, n));
    return undefined(env);
  });
}

// cosineSimilarities(a, o, out, N, K, P, C, eps): a [N*P*C], o [N*K*P*C], out [N*K]
napi_value CosineSimilarities(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info);
    const int N = (int)a.num(3), K = (int)a.num(4), C = (int)a.num(6);
    const long P = (long)a.num(5);
    pcl::cosine_similarities(a.f32(0, (size_t)N * P * C), a.f32(1, (size_t)N * K * P * C), N, K, P, C, (float)a.num(7),
                             a.f32(2, (size_t)N * K));
    return undefined(env);
  });
}

// cosineSimilaritiesGrad(a, o, g, da, N, K, P, C, eps)
napi_value CosineSimilaritiesGrad(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info);
    const int N = (int)a.num(4), K = (int)a.num(5), C = (int)a.num(7);
    const long P = (long)a.num(6);
    const size_t n = (size_t)N * P * C;
    pcl::cosine_similarities_grad(a.f32(0, n), a.f32(1, (size_t)N * K * P * C), a.f32(2, (size_t)N * K), N, K, P, C,
                                  (float)a.num(8), a.f32(3, n));
    return undefined(env);
  });
}

// haarBands(x, w, out, B, N, H, W, C): x [N*H*W*C], w [B*4], out [N*(H/2)*(W/2)*B*C]
napi_value HaarBands(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info);
    const int B = (int)a.num(3), N = (int)a.num(4), H = (int)a.num(5), W = (int)a.num(6), C = (int)a.num(7);
    if (H % 2 || W % 2) throw ArgError{"haarBands: height and width must be even"};
    const size_t n = (size_t)N * H * W * C;
    pcl::haar_bands(a.f32(0, n), a.f32(1, (size_t)B * 4), B, N, H, W, C, a.f32(2, n / 4 * B));
    return undefined(env);
  });
}

// haarBandsGrad(dy, w, dx, B, N, H, W, C): H, W of dx
napi_value HaarBandsGrad(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info);
    const int B = (int)a.num(3), N = (int)a.num(4), H = (int)a.num(5), W = (int)a.num(6), C = (int)a.num(7);
    if (H % 2 || W % 2) throw ArgError{"haarBandsGrad: height and width must be even"};
    const size_t n = (size_t)N * H * W * C;
    pcl::haar_bands_grad(a.f32(0, n / 4 * B), a.f32(1, (size_t)B * 4), B, N, H, W, C, a.f32(2, n));
    return undefined(env);
  });
}

// tuneMalloc(): applies tune_malloc()'s settings; true when they were applied (glibc, not opted out).
napi_value TuneMalloc(napi_env env, napi_callback_info) {
  napi_value b;
  napi_get_boolean(env, tune_malloc(), &b);
  return b;
}

napi_value Init(napi_env env, napi_value exports) {
  struct Fn {
    const char* name;
    napi_callback cb;
  };
  static const Fn fns[] = {
      {"conv2d", Conv2d},
      {"conv2dBackpropInput", Conv2dBackpropInput},
      {"conv2dBackpropFilter", Conv2dBackpropFilter},
      {"depthwiseConv2d", Depthwise},
      {"depthwiseBackpropInput", DepthwiseBackpropInput},
      {"depthwiseBackpropFilter", DepthwiseBackpropFilter},
      {"matmul", MatMul},
      {"biasActivationGrad", BiasActivationGrad},
      {"channelDot", ChannelDot},
      {"scaleShiftChannels", ScaleShiftChannels},
      {"reflectSeparableFilter", ReflectSeparableFilter},
      {"cosineSimilarities", CosineSimilarities},
      {"cosineSimilaritiesGrad", CosineSimilaritiesGrad},
      {"haarBands", HaarBands},
      {"haarBandsGrad", HaarBandsGrad},
      {"setNumThreads", SetNumThreads},
      {"getNumThreads", GetNumThreads},
      {"isa", GetIsa},
      {"setIsa", SetIsa},
      {"tuneMalloc", TuneMalloc},
  };
  for (const auto& f : fns) {
    napi_value v;
    napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.cb, nullptr, &v);
    napi_set_named_property(env, exports, f.name, v);
  }
  pcl::register_elementwise(env, exports);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
