// Direct NHWC convolution on the register-tiled micro-kernels: the input is zero-padded once,
// then each tile of mr output pixels x nr output channels streams taps x channels straight from
// the padded input (no im2col matrix) against filters packed in nr-wide panels.
#include "conv.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "buffer.h"
#include "isa.h"
#include "threadpool.h"

namespace pcl {

namespace {

// Zero-padded copy of x (N,H,W,C) into (N,Hp,Wp,C) with x at offset (padT, padL); rows/cols of x that
// fall outside are dropped. `extra` floats of zero tail for kernels that read a little past the end.
void pad_input(const float* x, int N, int H, int W, int C, int Hp, int Wp, int padT, int padL, Buf& xp,
               int extra) {
  const long plane = (long)Hp * Wp * C;
  xp.reset(N * plane + extra);
  float* dst = xp.data();
  std::fill(dst + N * plane, dst + N * plane + extra, 0.f);
  const int rows = N * Hp;
  parallel_for(std::min(rows, 64), [&](int t) {
    const int r0 = (long)rows * t / std::min(rows, 64), r1 = (long)rows * (t + 1) / std::min(rows, 64);
    for (int r = r0; r < r1; ++r) {
      const int n = r / Hp, hp = r % Hp, h = hp - padT;
      float* d = dst + (long)r * Wp * C;
      if (h < 0 || h >= H) {
        std::fill(d, d + (long)Wp * C, 0.f);
        continue;
      }
      const float* s = x + ((long)n * H + h) * W * C;
      const int wlo = std::max(0, padL), whi = std::min(Wp, W + padL);  // dst cols with data
      if (wlo > 0) std::fill(d, d + (long)wlo * C, 0.f);
      if (whi > wlo) std::copy(s + (long)(wlo - padL) * C, s + (long)(whi - padL) * C, d + (long)wlo * C);
      if (whi < Wp) std::fill(d + (long)std::max(whi, wlo) * C, d + (long)Wp * C, 0.f);
    }
  });
}

// Pack w[(t*C + c)*CO + co] (taps x C x CO) into nr-wide panels [CO/nr][taps*C][nr].
void pack_filter(const float* w, int taps, int C, int CO, int nr, Buf& wp) {
  const int np = (CO + nr - 1) / nr;
  const long K = (long)taps * C;
  wp.reset(np * K * nr);
  for (int p = 0; p < np; ++p) {
    float* d = wp.data() + p * K * nr;
    const int co0 = p * nr, cols = std::min(nr, CO - co0);
    for (long k = 0; k < K; ++k) {
      const float* s = w + k * CO + co0;
      for (int j = 0; j < cols; ++j) d[k * nr + j] = s[j];
      for (int j = cols; j < nr; ++j) d[k * nr + j] = 0.f;
    }
  }
}

// out[n,oh,ow,:] = sum over taps of xp[n, oh*sh + kh*dh, ow*sw + kw*dw, :] . wpk  (+ bias, act)
void direct_conv(const float* xp, int N, int Hp, int Wp, int C, int OH, int OW, int CO, int KH, int KW,
                 int sh, int sw, int dh, int dw, const float* wpk, const float* bias, int act, float alpha,
                 float* out) {
  const Isa& I = isa();
  const int mr = I.mr, nr = I.nr;
  const int taps = KH * KW;
  std::vector<long> tapoff(taps);
  for (int kh = 0; kh < KH; ++kh)
    for (int kw = 0; kw < KW; ++kw) tapoff[kh * KW + kw] = ((long)kh * dh * Wp + (long)kw * dw) * C;
  const long P = (long)N * OH * OW;
  const long nblk = (P + mr - 1) / mr;
  const int np = (CO + nr - 1) / nr;
  const long K = (long)taps * C;
  // ~48-96 pixels per task so the filter panel stays cached while a few rows of input stream by.
  const int bpt = std::max(1, 96 / mr);
  const long ntask = (nblk + bpt - 1) / bpt;
  parallel_for((int)ntask, [&](int t) {
    const long b0 = (long)t * bpt, b1 = std::min(nblk, b0 + bpt);
    const float* arow[64];
    std::vector<const float*> rows((b1 - b0) * mr);
    for (long b = b0; b < b1; ++b) {
      for (int r = 0; r < mr; ++r) {
        long p = b * mr + r;
        if (p >= P) p = b * mr;  // tail rows: any valid pixel, results are dropped
        const long n = p / ((long)OH * OW), rem = p % ((long)OH * OW);
        const int oh = rem / OW, ow = rem % OW;
        rows[(b - b0) * mr + r] = xp + (((long)n * Hp + (long)oh * sh) * Wp + (long)ow * sw) * C;
      }
    }
    for (int pn = 0; pn < np; ++pn) {
      const int co0 = pn * nr, cols = std::min(nr, CO - co0);
      const float* wp = wpk + (long)pn * K * nr;
      for (long b = b0; b < b1; ++b) {
        for (int r = 0; r < mr; ++r) arow[r] = rows[(b - b0) * mr + r];
        const long p0 = b * mr;
        I.conv(taps, tapoff.data(), C, arow, wp, out + p0 * CO + co0, CO, (int)std::min<long>(mr, P - p0),
               cols, 0);
      }
    }
    if (bias || act != ACT_LINEAR) {
      const long p0 = b0 * mr, p1 = std::min(P, b1 * mr);
      bias_act(out + p0 * CO, p1 - p0, CO, bias, act, alpha);
    }
  });
}

}  // namespace

void bias_act(float* y, long rows, int cols, const float* bias, int act, float alpha) {
  for (long r = 0; r < rows; ++r) {
    float* v = y + r * cols;
    if (bias)
      for (int j = 0; j < cols; ++j) v[j] += bias[j];
    switch (act) {
      case ACT_RELU:
        for (int j = 0; j < cols; ++j) v[j] = v[j] > 0.f ? v[j] : 0.f;
        break;
      case ACT_RELU6:
        for (int j = 0; j < cols; ++j) v[j] = std::min(std::max(v[j], 0.f), 6.f);
        break;
      case ACT_LEAKY:
        for (int j = 0; j < cols; ++j) v[j] = v[j] < 0.f ? v[j] * alpha : v[j];
        break;
      case ACT_SIGMOID:
        for (int j = 0; j < cols; ++j) v[j] = 1.f / (1.f + std::exp(-v[j]));
        break;
      default:
        break;
    }
  }
}

void conv2d_forward(const ConvShape& s, const float* x, const float* w, const float* bias, int act,
                    float alpha, float* out) {
  const int Hp = (s.OH - 1) * s.sh + (s.KH - 1) * s.dh + 1;
  const int Wp = (s.OW - 1) * s.sw + (s.KW - 1) * s.dw + 1;
  Buf xpbuf, wpk;
  const float* xp = x;
  int Hs = s.H, Ws = s.W;
  if (s.padT != 0 || s.padL != 0 || Hp > s.H || Wp > s.W) {
    pad_input(x, s.N, s.H, s.W, s.C, Hp, Wp, s.padT, s.padL, xpbuf, 0);
    xp = xpbuf.data();
    Hs = Hp;
    Ws = Wp;
  }
  pack_filter(w, s.KH * s.KW, s.C, s.CO, isa().nr, wpk);
  direct_conv(xp, s.N, Hs, Ws, s.C, s.OH, s.OW, s.CO, s.KH, s.KW, s.sh, s.sw, s.dh, s.dw, wpk.data(), bias,
              act, alpha, out);
}

void conv2d_backprop_input(const ConvShape& s, const float* dy, const float* w, float* dx) {
  // dx = stride-1 conv (dilation d) of dy scattered with stride s into a zero canvas offset by
  // (K-1)*d - pad, against the filter rotated 180 degrees with in/out channels swapped.
  const int Hq = s.H + (s.KH - 1) * s.dh, Wq = s.W + (s.KW - 1) * s.dw;
  const int offT = (s.KH - 1) * s.dh - s.padT, offL = (s.KW - 1) * s.dw - s.padL;
  Buf q, wpk, wr;
  const long plane = (long)Hq * Wq * s.CO;
  q.reset(s.N * plane);
  const int CO = s.CO;
  parallel_for(s.N, [&](int n) {
    float* d = q.data() + n * plane;
    std::fill(d, d + plane, 0.f);
    for (int oh = 0; oh < s.OH; ++oh) {
      const int r = oh * s.sh + offT;
      if (r < 0 || r >= Hq) continue;
      for (int ow = 0; ow < s.OW; ++ow) {
        const int c = ow * s.sw + offL;
        if (c < 0 || c >= Wq) continue;
        const float* src = dy + (((long)n * s.OH + oh) * s.OW + ow) * CO;
        std::copy(src, src + CO, d + ((long)r * Wq + c) * CO);
      }
    }
  });
  // Rotated, transposed filter: wr[kh'][kw'][co][ci] = w[KH-1-kh'][KW-1-kw'][ci][co]
  const int taps = s.KH * s.KW;
  wr.reset((long)taps * CO * s.C);
  for (int kh = 0; kh < s.KH; ++kh)
    for (int kw = 0; kw < s.KW; ++kw) {
      const float* src = w + ((long)(s.KH - 1 - kh) * s.KW + (s.KW - 1 - kw)) * s.C * CO;
      float* d = wr.data() + ((long)kh * s.KW + kw) * CO * s.C;
      for (int ci = 0; ci < s.C; ++ci)
        for (int co = 0; co < CO; ++co) d[(long)co * s.C + ci] = src[(long)ci * CO + co];
    }
  pack_filter(wr.data(), taps, CO, s.C, isa().nr, wpk);
  direct_conv(q.data(), s.N, Hq, Wq, CO, s.H, s.W, s.C, s.KH, s.KW, 1, 1, s.dh, s.dw, wpk.data(), nullptr,
              ACT_LINEAR, 0.f, dx);
}

void conv2d_backprop_filter(const ConvShape& s, const float* x, const float* dy, float* dw) {
  const Isa& I = isa();
  const int mr = I.mr, nr = I.nr;
  const int Hp = (s.OH - 1) * s.sh + (s.KH - 1) * s.dh + 1;
  const int Wp = (s.OW - 1) * s.sw + (s.KW - 1) * s.dw + 1;
  Buf xp;
  pad_input(x, s.N, s.H, s.W, s.C, Hp, Wp, s.padT, s.padL, xp, mr + 16);
  const int taps = s.KH * s.KW, C = s.C, CO = s.CO, OW = s.OW;
  const long wsize = (long)taps * C * CO;
  const int R = s.N * s.OH;  // output rows
  // Fixed task split (depends on the shape only) so the summation order is deterministic.
  const long px = (long)R * OW;
  const int ntask = (int)std::max<long>(1, std::min<long>({(long)R, 32L, (px + 1023) / 1024}));
  Buf part((size_t)ntask * wsize, true);
  const int seg_rows = std::max(1, 256 / std::max(1, OW));
  parallel_for(ntask, [&](int t) {
    const int r0 = (long)R * t / ntask, r1 = (long)R * (t + 1) / ntask;
    float* acc = part.data() + t * wsize;
    std::vector<const float*> aseg(seg_rows), bseg(seg_rows);
    for (int g0 = r0; g0 < r1; g0 += seg_rows) {
      const int g1 = std::min(r1, g0 + seg_rows), ns = g1 - g0;
      for (int kh = 0; kh < s.KH; ++kh)
        for (int kw = 0; kw < s.KW; ++kw) {
          const int tap = kh * s.KW + kw;
          for (int ci0 = 0; ci0 < C; ci0 += mr) {
            for (int i = 0; i < ns; ++i) {
              const int r = g0 + i, n = r / s.OH, oh = r % s.OH;
              aseg[i] = xp.data() + (((long)n * Hp + (long)oh * s.sh + (long)kh * s.dh) * Wp + (long)kw * s.dw) * C + ci0;
            }
            for (int co0 = 0; co0 < CO; co0 += nr) {
              for (int i = 0; i < ns; ++i) bseg[i] = dy + (long)(g0 + i) * OW * CO + co0;
              I.wgrad(ns, aseg.data(), bseg.data(), OW, (long)s.sw * C, CO,
                      acc + ((long)tap * C + ci0) * CO + co0, CO, std::min(mr, C - ci0), std::min(nr, CO - co0));
            }
          }
        }
    }
  });
  // Ordered reduction over task partials.
  const int nchunk = (int)std::min<long>(64, (wsize + 4095) / 4096);
  parallel_for(std::max(1, nchunk), [&](int c) {
    const long e0 = wsize * c / std::max(1, nchunk), e1 = wsize * (c + 1) / std::max(1, nchunk);
    for (long e = e0; e < e1; ++e) {
      float v = 0.f;
      for (int t = 0; t < ntask; ++t) v += part.data()[t * wsize + e];
      dw[e] = v;
    }
  });
}

}  // namespace pcl
