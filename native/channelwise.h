// Per-channel passes of the backward pass over NHWC maps (rows x C, channels innermost), each one
// read of its inputs where the op-by-op chain makes two or three.
#pragma once

namespace pcl {

// A conv's bias + activation gradient: g = dy * (y > 0 ? 1 : slope) (slope 0: ReLU, alpha:
// LeakyReLU; NaN in y gives NaN, as tf.step), and dbias[c] = sum over rows of g[., c].
void bias_activation_grad(const float* dy, const float* y, long rows, int C, float slope, float* g, float* dbias);

// out[n, c] = sum over the HW pixels of sample n of dy * x  (a channel gate's scale gradient).
void channel_dot(const float* dy, const float* x, int N, long HW, int C, float* out);

// out[n, p, c] = dy[n, p, c] * s[n, c] + b[n, c]  (a channel gate's input gradient).
void scale_shift_channels(const float* dy, const float* s, const float* b, int N, long HW, int C, float* out);

}  // namespace pcl
