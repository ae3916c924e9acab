// A per-sample separable filter with reflect padding over NHWC images: the blur and sharpen of
// PCL's contrast sets (src/ops/reflect-separable-filter.ts) in one pass, with no padded copy,
// no transposes and no depthwise canvas.
#pragma once

namespace pcl {

// out[n,h,w,c] = a[n] x[n,h,w,c] + sum_i sum_j v[n,i] hz[n,j] x[n, r(h+i-p), r(w+j-p), c]
// with T odd taps, p = (T-1)/2, r() reflecting at the border (-1 -> 1, H -> H-2; needs p < H, W).
// Rows of the output are independent tasks, so the result does not depend on the thread count.
void reflect_separable_filter(const float* x, const float* a, const float* v, const float* hz, int N, int H, int W,
                              int C, int T, float* out);

}  // namespace pcl
