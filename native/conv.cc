// Direct NHWC convolution on the register-tiled micro-kernels: the input is zero-padded once,
// then each tile of mr output pixels x nr output channels streams taps x channels straight from
// the padded input (no im2col matrix) against filters packed in nr-wide panels.
#include "conv.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <vector>

#include "buffer.h"
#include "isa.h"
#include "threadpool.h"

namespace pcl {

namespace {

long getenv_int(const char* name, long dflt) {
  const char* v = std::getenv(name);
  return v && *v ? std::atol(v) : dflt;
}

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
  const Isa& I = isa_for_columns(CO);  // wpk must be packed in this table's nr-wide panels
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
  const long ptask = (nblk + bpt - 1) / bpt;
  // Few pixels (a deep, small map: 12x12 at 512 channels): pixel tasks alone leave threads idle
  // (3 tasks on 2 threads), so output-channel panels are split across tasks too.
  const int want = 4 * num_threads();
  const int pgroups = ptask >= want ? 1 : (int)std::min<long>(np, (want + ptask - 1) / ptask);
  const long ntask = ptask * pgroups;
  parallel_for((int)ntask, [&](int task) {
    const long t = task / pgroups;
    const int g = task % pgroups;
    const int pn0 = (int)((long)np * g / pgroups), pn1 = (int)((long)np * (g + 1) / pgroups);
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
    for (int pn = pn0; pn < pn1; ++pn) {
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
      if (pgroups == 1) {
        bias_act(out + p0 * CO, p1 - p0, CO, bias, act, alpha);
      } else {
        const int c0 = pn0 * nr, c1 = std::min(CO, pn1 * nr);
        for (long p = p0; p < p1; ++p) bias_act(out + p * CO + c0, 1, c1 - c0, bias ? bias + c0 : nullptr, act, alpha);
      }
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

namespace {

// out = conv with CO <= 4: tiles of 3 output pixels, vectorized over input channels.
void direct_conv_smallco(const float* xp, int N, int Hp, int Wp, int C, int OH, int OW, int CO, int KH, int KW,
                         int sh, int sw, int dh, int dw, const float* w, const float* bias, int act, float alpha,
                         float* out) {
  const Isa& I = isa();
  const int taps = KH * KW, vl = I.vl;
  const int cinp = (C + vl - 1) / vl * vl;
  Buf& wt = scratch(S_WPACK);
  wt.reset((size_t)taps * 4 * cinp, true);
  for (int t = 0; t < taps; ++t)
    for (int ci = 0; ci < C; ++ci)
      for (int co = 0; co < CO; ++co) wt.data()[((long)t * 4 + co) * cinp + ci] = w[((long)t * C + ci) * CO + co];
  std::vector<long> tapoff(taps);
  for (int kh = 0; kh < KH; ++kh)
    for (int kw = 0; kw < KW; ++kw) tapoff[kh * KW + kw] = ((long)kh * dh * Wp + (long)kw * dw) * C;
  const long P = (long)N * OH * OW;
  const long nblk = (P + 2) / 3;
  const int bpt = 32;
  const long ntask = (nblk + bpt - 1) / bpt;
  parallel_for((int)ntask, [&](int t) {
    const long b0 = (long)t * bpt, b1 = std::min(nblk, b0 + bpt);
    for (long b = b0; b < b1; ++b) {
      const float* arow[3];
      const long p0 = b * 3;
      const int m = (int)std::min<long>(3, P - p0);
      for (int r = 0; r < 3; ++r) {
        const long p = p0 + (r < m ? r : 0);
        const long n = p / ((long)OH * OW), rem = p % ((long)OH * OW);
        const int oh = rem / OW, ow = rem % OW;
        arow[r] = xp + (((long)n * Hp + (long)oh * sh) * Wp + (long)ow * sw) * C;
      }
      I.conv_smallco(taps, tapoff.data(), C, cinp, arow, wt.data(), CO, out + p0 * CO, CO, m);
    }
    if (bias || act != ACT_LINEAR) {
      const long p0 = b0 * 3, p1 = std::min(P, b1 * 3);
      bias_act(out + p0 * CO, p1 - p0, CO, bias, act, alpha);
    }
  });
}

}  // namespace

void conv2d_forward(const ConvShape& s, const float* x, const float* w, const float* bias, int act,
                    float alpha, float* out) {
  const int Hp = (s.OH - 1) * s.sh + (s.KH - 1) * s.dh + 1;
  const int Wp = (s.OW - 1) * s.sw + (s.KW - 1) * s.dw + 1;
  Buf& xpbuf = scratch(S_XPAD);
  Buf& wpk = scratch(S_WPACK);
  const float* xp = x;
  int Hs = s.H, Ws = s.W;
  if (s.padT != 0 || s.padL != 0 || Hp > s.H || Wp > s.W) {
    pad_input(x, s.N, s.H, s.W, s.C, Hp, Wp, s.padT, s.padL, xpbuf, 0);
    xp = xpbuf.data();
    Hs = Hp;
    Ws = Wp;
  }
  if (s.CO <= 4 && s.C >= 8) {
    direct_conv_smallco(xp, s.N, Hs, Ws, s.C, s.OH, s.OW, s.CO, s.KH, s.KW, s.sh, s.sw, s.dh, s.dw, w, bias, act,
                        alpha, out);
    return;
  }
  pack_filter(w, s.KH * s.KW, s.C, s.CO, isa_for_columns(s.CO).nr, wpk);
  direct_conv(xp, s.N, Hs, Ws, s.C, s.OH, s.OW, s.CO, s.KH, s.KW, s.sh, s.sw, s.dh, s.dw, wpk.data(), bias,
              act, alpha, out);
}

namespace {

// Stride > 1 (dilation 1): split dx into sh*sw phases (ih % sh, iw % sw). Each phase is a stride-1
// correlation of dy (zero-margined canvas) with the taps of that phase only, so no multiply-adds on
// inserted zeros. Output tiles are mr consecutive phase pixels of one row (row pitch sw*C).
void backprop_input_phases(const ConvShape& s, const float* dy, const float* w, float* dx) {
  const Isa& I = isa_for_columns(s.C);
  const int mr = I.mr, nr = I.nr;
  const int C = s.C, CO = s.CO;
  const int PH = s.KH + 1, PW = s.KW + 1;
  const int Hq = s.OH + 2 * PH, Wq = s.OW + 2 * PW;
  const long plane = (long)Hq * Wq * CO;
  Buf& q = scratch(S_CANVAS);
  q.reset(s.N * plane);
  parallel_for(s.N, [&](int n) {
    float* d = q.data() + n * plane;
    std::fill(d, d + plane, 0.f);
    for (int oh = 0; oh < s.OH; ++oh)
      std::copy(dy + ((long)n * s.OH + oh) * s.OW * CO, dy + ((long)n * s.OH + oh + 1) * s.OW * CO,
                d + ((long)(oh + PH) * Wq + PW) * CO);
  });
  const int np = (C + nr - 1) / nr;
  for (int a = 0; a < s.sh; ++a) {
    for (int b = 0; b < s.sw; ++b) {
      const int cnt_h = a < s.H ? (s.H - 1 - a) / s.sh + 1 : 0;
      const int cnt_w = b < s.W ? (s.W - 1 - b) / s.sw + 1 : 0;
      if (cnt_h == 0 || cnt_w == 0) continue;
      // taps of this phase and their canvas offsets
      std::vector<int> khs, kws;
      for (int kh = 0; kh < s.KH; ++kh)
        if (((a + s.padT - kh) % s.sh + s.sh) % s.sh == 0) khs.push_back(kh);
      for (int kw = 0; kw < s.KW; ++kw)
        if (((b + s.padL - kw) % s.sw + s.sw) % s.sw == 0) kws.push_back(kw);
      const int taps = (int)(khs.size() * kws.size());
      if (taps == 0) {
        for (int n = 0; n < s.N; ++n)
          for (int i = 0; i < cnt_h; ++i)
            for (int j = 0; j < cnt_w; ++j)
              std::fill_n(dx + (((long)n * s.H + a + (long)s.sh * i) * s.W + b + (long)s.sw * j) * C, C, 0.f);
        continue;
      }
      std::vector<long> tapoff(taps);
      Buf& wt = scratch(S_PHASE_WT);
      Buf& wpk = scratch(S_PHASE_WPK);
      wt.reset((long)taps * CO * C);
      int t = 0;
      for (int kh : khs)
        for (int kw : kws) {
          const int offh = (a + s.padT - kh) / s.sh, offw = (b + s.padL - kw) / s.sw;  // exact
          tapoff[t] = ((long)(offh + PH) * Wq + (offw + PW)) * CO;
          const float* src = w + ((long)kh * s.KW + kw) * C * CO;
          float* d = wt.data() + (long)t * CO * C;
          for (int ci = 0; ci < C; ++ci)
            for (int co = 0; co < CO; ++co) d[(long)co * C + ci] = src[(long)ci * CO + co];
          ++t;
        }
      pack_filter(wt.data(), taps, CO, C, nr, wpk);
      const long K = (long)taps * CO;
      const int bpr = (cnt_w + mr - 1) / mr;  // blocks per phase row
      const long rows = (long)s.N * cnt_h;
      parallel_for((int)rows, [&](int r) {
        const int n = r / cnt_h, i = r % cnt_h;
        const float* arow[64];
        const float* base = q.data() + n * plane + (long)i * Wq * CO;
        float* crow = dx + (((long)n * s.H + a + (long)s.sh * i) * s.W + b) * C;
        for (int blk = 0; blk < bpr; ++blk) {
          const int j0 = blk * mr, m = std::min(mr, cnt_w - j0);
          for (int rr = 0; rr < mr; ++rr) arow[rr] = base + (long)(j0 + (rr < m ? rr : 0)) * CO;
          for (int pn = 0; pn < np; ++pn) {
            const int c0 = pn * nr;
            I.conv(taps, tapoff.data(), CO, arow, wpk.data() + (long)pn * K * nr, crow + (long)j0 * s.sw * C + c0,
                   (long)s.sw * C, m, std::min(nr, C - c0), 0);
          }
        }
      });
    }
  }
}

}  // namespace

void conv2d_backprop_input(const ConvShape& s, const float* dy, const float* w, float* dx) {
  if ((s.sh > 1 || s.sw > 1) && s.dh == 1 && s.dw == 1) {
    backprop_input_phases(s, dy, w, dx);
    return;
  }
  // dx = stride-1 conv (dilation d) of dy scattered with stride s into a zero canvas offset by
  // (K-1)*d - pad, against the filter rotated 180 degrees with in/out channels swapped.
  const int Hq = s.H + (s.KH - 1) * s.dh, Wq = s.W + (s.KW - 1) * s.dw;
  const int offT = (s.KH - 1) * s.dh - s.padT, offL = (s.KW - 1) * s.dw - s.padL;
  Buf& q = scratch(S_CANVAS);
  Buf& wpk = scratch(S_WPACK);
  Buf& wr = scratch(S_WROT);
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
  pack_filter(wr.data(), taps, CO, s.C, isa_for_columns(s.C).nr, wpk);
  direct_conv(q.data(), s.N, Hq, Wq, CO, s.H, s.W, s.C, s.KH, s.KW, 1, 1, s.dh, s.dw, wpk.data(), nullptr,
              ACT_LINEAR, 0.f, dx);
}

void conv2d_backprop_filter(const ConvShape& s, const float* x, const float* dy, float* dw) {
  const Isa& I = isa_for_columns(s.CO);
  const int mr = I.mr, nr = I.nr;
  const int Hp = (s.OH - 1) * s.sh + (s.KH - 1) * s.dh + 1;
  const int Wp = (s.OW - 1) * s.sw + (s.KW - 1) * s.dw + 1;
  Buf& xp = scratch(S_XPAD);
  pad_input(x, s.N, s.H, s.W, s.C, Hp, Wp, s.padT, s.padL, xp, mr + nr + 16);
  const int taps = s.KH * s.KW, C = s.C, CO = s.CO, OW = s.OW;
  // Few output channels: swap roles (tile rows = output channels, columns = input channels) so
  // the register tile is not mostly padding; the result is [tap][co][ci], transposed at the end.
  const bool swapped = CO < mr && C >= nr;
  const float* dyp = dy;
  if (swapped) {
    Buf& d = scratch(S_CANVAS);  // dy plus a readable tail (tile rows read past the last pixel)
    const long n = (long)s.N * s.OH * OW * CO;
    d.reset(n + mr + 16);
    std::copy(dy, dy + n, d.data());
    std::fill(d.data() + n, d.data() + n + mr + 16, 0.f);
    dyp = d.data();
  }
  const long wsize = (long)taps * C * CO;
  const int R = s.N * s.OH;  // output rows
  // Fixed task split (depends on the shape only) so the summation order is deterministic.
  const long px = (long)R * OW;
  const int ntask = (int)std::max<long>(1, std::min<long>({(long)R, 32L, (px + 1023) / 1024}));
  const int seg_rows = std::max(1, (int)(getenv_int("PCL_WGRAD_SEG", 96) / std::max(1, OW)));
  if (!swapped && ntask < 4 * num_threads()) {
    // Few pixels (a small map, a small batch: fewer than 4 row tasks per thread, e.g. RCAN's
    // 2x48x48 maps, 5 tasks for 2 threads): the row split leaves threads idle. Split the weights: each task owns one tap x mr input channels for every output channel
    // and sums all rows in order, straight into dw (no partial sums; deterministic too).
    const int ciblocks = (C + mr - 1) / mr;
    parallel_for(taps * ciblocks, [&](int task) {
      const int tap = task / ciblocks, ci0 = (task % ciblocks) * mr;
      const int kh = tap / s.KW, kw = tap % s.KW, rows_c = std::min(mr, C - ci0);
      for (int ci = ci0; ci < ci0 + rows_c; ++ci) std::fill_n(dw + ((long)tap * C + ci) * CO, CO, 0.f);
      std::vector<const float*> as(seg_rows), bs(seg_rows);
      for (int g0 = 0; g0 < R; g0 += seg_rows) {
        const int ns = std::min(R, g0 + seg_rows) - g0;
        for (int i = 0; i < ns; ++i) {
          const int r = g0 + i, n = r / s.OH, oh = r % s.OH;
          as[i] = xp.data() + (((long)n * Hp + (long)oh * s.sh + (long)kh * s.dh) * Wp + (long)kw * s.dw) * C + ci0;
        }
        for (int co0 = 0; co0 < CO; co0 += nr) {
          for (int i = 0; i < ns; ++i) bs[i] = dyp + (long)(g0 + i) * OW * CO + co0;
          I.wgrad(ns, as.data(), bs.data(), OW, (long)s.sw * C, CO, dw + ((long)tap * C + ci0) * CO + co0, CO, rows_c,
                  std::min(nr, CO - co0));
        }
      }
    });
    return;
  }
  Buf& part = scratch(S_PART);
  part.reset((size_t)ntask * wsize, true);
  parallel_for(ntask, [&](int t) {
    const int r0 = (long)R * t / ntask, r1 = (long)R * (t + 1) / ntask;
    float* acc = part.data() + t * wsize;
    std::vector<const float*> xseg(seg_rows), gseg(seg_rows), as(seg_rows), bs(seg_rows);
    for (int g0 = r0; g0 < r1; g0 += seg_rows) {
      const int g1 = std::min(r1, g0 + seg_rows), ns = g1 - g0;
      for (int kh = 0; kh < s.KH; ++kh)
        for (int kw = 0; kw < s.KW; ++kw) {
          const int tap = kh * s.KW + kw;
          for (int i = 0; i < ns; ++i) {
            const int r = g0 + i, n = r / s.OH, oh = r % s.OH;
            xseg[i] = xp.data() + (((long)n * Hp + (long)oh * s.sh + (long)kh * s.dh) * Wp + (long)kw * s.dw) * C;
            gseg[i] = dyp + (long)(g0 + i) * OW * CO;
          }
          if (swapped) {
            for (int ci0 = 0; ci0 < C; ci0 += nr) {
              for (int i = 0; i < ns; ++i) bs[i] = xseg[i] + ci0;
              I.wgrad(ns, gseg.data(), bs.data(), OW, CO, (long)s.sw * C, acc + (long)tap * CO * C + ci0, C, CO,
                      std::min(nr, C - ci0));
            }
            continue;
          }
          for (int ci0 = 0; ci0 < C; ci0 += mr) {
            for (int i = 0; i < ns; ++i) as[i] = xseg[i] + ci0;
            for (int co0 = 0; co0 < CO; co0 += nr) {
              for (int i = 0; i < ns; ++i) bs[i] = gseg[i] + co0;
              I.wgrad(ns, as.data(), bs.data(), OW, (long)s.sw * C, CO, acc + ((long)tap * C + ci0) * CO + co0, CO,
                      std::min(mr, C - ci0), std::min(nr, CO - co0));
            }
          }
        }
    }
  });
  // Ordered reduction over task partials (and the [tap][co][ci] -> [tap][ci][co] swap).
  const int nchunk = (int)std::max<long>(1, std::min<long>(64, (wsize + 4095) / 4096));
  parallel_for(nchunk, [&](int c) {
    const long e0 = wsize * c / nchunk, e1 = wsize * (c + 1) / nchunk;
    for (long e = e0; e < e1; ++e) {
      float v = 0.f;
      for (int t = 0; t < ntask; ++t) v += part.data()[t * wsize + e];
      if (swapped) {
        const long tap = e / ((long)CO * C), rem = e % ((long)CO * C), co = rem / C, ci = rem % C;
        dw[(tap * C + ci) * CO + co] = v;
      } else {
        dw[e] = v;
      }
    }
  });
}

}  // namespace pcl
