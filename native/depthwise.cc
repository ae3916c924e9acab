// Depthwise convolution. The input is zero-padded and expanded to C*M channels once, so every tap
// is a contiguous multiply-add over the output channels of a pixel (vectorizes for any M).
#include "depthwise.h"

#include <algorithm>
#include <vector>

#include "buffer.h"
#include "threadpool.h"

namespace pcl {
namespace {

// xe[n, hp, wp, c*M+q] = x[n, hp-padT, wp-padL, c] (zero outside), Hp x Wp canvas.
void pad_expand(const float* x, int N, int H, int W, int C, int M, int Hp, int Wp, int padT, int padL,
                Buf& xe) {
  const int CM = C * M;
  const long plane = (long)Hp * Wp * CM;
  xe.reset(N * plane);
  const int rows = N * Hp;
  const int nt = std::max(1, std::min(rows, 64));
  parallel_for(nt, [&](int t) {
    for (int r = (long)rows * t / nt; r < (long)rows * (t + 1) / nt; ++r) {
      const int n = r / Hp, h = r % Hp - padT;
      float* d = xe.data() + (long)r * Wp * CM;
      for (int wp = 0; wp < Wp; ++wp) {
        const int w = wp - padL;
        float* dd = d + (long)wp * CM;
        if (h < 0 || h >= H || w < 0 || w >= W) {
          std::fill(dd, dd + CM, 0.f);
          continue;
        }
        const float* s = x + (((long)n * H + h) * W + w) * C;
        if (M == 1) {
          std::copy(s, s + C, dd);
        } else {
          for (int c = 0; c < C; ++c)
            for (int q = 0; q < M; ++q) dd[c * M + q] = s[c];
        }
      }
    }
  });
}

// o[i] += x[i] * w[i] over a row; compiled for AVX2+FMA and baseline, picked at load (ifunc).
__attribute__((target_clones("arch=x86-64-v3", "default"))) void fma_row(float* __restrict o,
                                                                          const float* __restrict x,
                                                                          const float* __restrict w, long n) {
  for (long i = 0; i < n; ++i) o[i] += x[i] * w[i];
}

inline int canvas_h(const ConvShape& s) { return (s.OH - 1) * s.sh + (s.KH - 1) * s.dh + 1; }
inline int canvas_w(const ConvShape& s) { return (s.OW - 1) * s.sw + (s.KW - 1) * s.dw + 1; }

}  // namespace

void depthwise_forward(const ConvShape& s, int M, const float* x, const float* w, float* out) {
  const int CM = s.C * M, Hp = canvas_h(s), Wp = canvas_w(s), taps = s.KH * s.KW;
  Buf& xe = scratch(S_DW_XE);
  pad_expand(x, s.N, s.H, s.W, s.C, M, Hp, Wp, s.padT, s.padL, xe);
  const int R = s.N * s.OH;
  std::vector<float> wrow;
  if (s.sw == 1) {
    wrow.resize((size_t)taps * s.OW * CM);
    for (int t = 0; t < taps; ++t)
      for (int ow = 0; ow < s.OW; ++ow)
        std::copy(w + (long)t * CM, w + (long)(t + 1) * CM, wrow.data() + ((long)t * s.OW + ow) * CM);
  }
  parallel_for(R, [&](int r) {
    const int n = r / s.OH, oh = r % s.OH;
    float* o = out + (long)r * s.OW * CM;
    std::fill(o, o + (long)s.OW * CM, 0.f);
    for (int kh = 0; kh < s.KH; ++kh) {
      const float* xrow = xe.data() + (((long)n * Hp + (long)oh * s.sh + (long)kh * s.dh) * Wp) * CM;
      for (int kw = 0; kw < s.KW; ++kw) {
        const float* wt = w + (long)(kh * s.KW + kw) * CM;
        const float* xs = xrow + (long)kw * s.dw * CM;
        if (s.sw == 1) {
          // contiguous over (ow, j): o[i] += xs[i] * w[i % CM], weights pre-tiled along the row
          fma_row(o, xs, wrow.data() + (long)(kh * s.KW + kw) * s.OW * CM, (long)s.OW * CM);
        } else {
          for (int ow = 0; ow < s.OW; ++ow) {
            float* oo = o + (long)ow * CM;
            const float* xx = xs + (long)ow * s.sw * CM;
            for (int j = 0; j < CM; ++j) oo[j] += xx[j] * wt[j];
          }
        }
      }
    }
    (void)taps;
  });
}

void depthwise_backprop_input(const ConvShape& s, int M, const float* dy, const float* w, float* dx) {
  // Scatter dy * w into an expanded, padded canvas per image, then fold the M copies and crop.
  const int CM = s.C * M, Hp = canvas_h(s), Wp = canvas_w(s);
  const long plane = (long)Hp * Wp * CM;
  const int nt = std::min(s.N, std::max(1, num_threads()));
  // One canvas per image in flight; images are independent, so any split is deterministic.
  static Buf canv[256];  // reused across calls (no fresh page faults)
  parallel_for(nt, [&](int t) {
    canv[t].reset(plane);
    float* cv = canv[t].data();
    for (int n = (long)s.N * t / nt; n < (long)s.N * (t + 1) / nt; ++n) {
      std::fill(cv, cv + plane, 0.f);
      for (int oh = 0; oh < s.OH; ++oh)
        for (int kh = 0; kh < s.KH; ++kh) {
          float* crow = cv + ((long)oh * s.sh + (long)kh * s.dh) * Wp * CM;
          const float* g = dy + (((long)n * s.OH + oh) * s.OW) * CM;
          for (int kw = 0; kw < s.KW; ++kw) {
            const float* wt = w + (long)(kh * s.KW + kw) * CM;
            for (int ow = 0; ow < s.OW; ++ow) {
              float* cc = crow + ((long)ow * s.sw + (long)kw * s.dw) * CM;
              const float* gg = g + (long)ow * CM;
              for (int j = 0; j < CM; ++j) cc[j] += gg[j] * wt[j];
            }
          }
        }
      for (int h = 0; h < s.H; ++h) {
        const int hp = h + s.padT;
        for (int ww = 0; ww < s.W; ++ww) {
          const int wp = ww + s.padL;
          float* d = dx + (((long)n * s.H + h) * s.W + ww) * s.C;
          if (hp >= Hp || wp >= Wp) {
            std::fill(d, d + s.C, 0.f);
            continue;
          }
          const float* src = cv + ((long)hp * Wp + wp) * CM;
          for (int c = 0; c < s.C; ++c) {
            float v = 0.f;
            for (int q = 0; q < M; ++q) v += src[c * M + q];
            d[c] = v;
          }
        }
      }
    }
  });
}

void depthwise_backprop_filter(const ConvShape& s, int M, const float* x, const float* dy, float* dw) {
  const int CM = s.C * M, Hp = canvas_h(s), Wp = canvas_w(s), taps = s.KH * s.KW;
  Buf& xe = scratch(S_DW_XE);
  pad_expand(x, s.N, s.H, s.W, s.C, M, Hp, Wp, s.padT, s.padL, xe);
  const int R = s.N * s.OH;
  const int ntask = std::max(1, std::min(R, 32));
  const long wsize = (long)taps * CM;
  Buf& part = scratch(S_DW_PART);
  part.reset((size_t)ntask * wsize, true);
  parallel_for(ntask, [&](int t) {
    float* acc = part.data() + t * wsize;
    for (int r = (long)R * t / ntask; r < (long)R * (t + 1) / ntask; ++r) {
      const int n = r / s.OH, oh = r % s.OH;
      const float* g = dy + (long)r * s.OW * CM;
      for (int kh = 0; kh < s.KH; ++kh) {
        const float* xrow = xe.data() + (((long)n * Hp + (long)oh * s.sh + (long)kh * s.dh) * Wp) * CM;
        for (int kw = 0; kw < s.KW; ++kw) {
          float* a = acc + (long)(kh * s.KW + kw) * CM;
          for (int ow = 0; ow < s.OW; ++ow) {
            const float* xx = xrow + ((long)ow * s.sw + (long)kw * s.dw) * CM;
            const float* gg = g + (long)ow * CM;
            for (int j = 0; j < CM; ++j) a[j] += xx[j] * gg[j];
          }
        }
      }
    }
  });
  for (long e = 0; e < wsize; ++e) {
    float v = 0.f;
    for (int t = 0; t < ntask; ++t) v += part.data()[t * wsize + e];
    dw[e] = v;
  }
}

}  // namespace pcl
