// Haar bands of 2x2 pixel blocks (src/ops/haar.ts: haarBands), forward and input gradient, as
// single passes; the portable form is a stride-2 convolution whose 3->9 channel shape runs far
// below the conv kernels' speed.
#pragma once

namespace pcl {

// out[n, i, j, b*C + c] = sum_{pos} w[b*4 + pos] x[n, 2i + pos/2, 2j + pos%2, c]; x: [N, H, W, C], H and W even.
void haar_bands(const float* x, const float* w, int B, int N, int H, int W, int C, float* out);

// dx[n, 2i + pos/2, 2j + pos%2, c] = sum_b w[b*4 + pos] dy[n, i, j, b*C + c]  (the adjoint of haar_bands).
void haar_bands_grad(const float* dy, const float* w, int B, int N, int H, int W, int C, float* dx);

}  // namespace pcl
