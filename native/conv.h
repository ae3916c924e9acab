// Dense 2-D convolution, NHWC input/output, HWIO filter ([KH][KW][C][CO]), float32.
#pragma once

namespace pcl {

struct ConvShape {
  int N, H, W, C;      // input
  int OH, OW, CO;      // output
  int KH, KW;          // filter
  int sh, sw, dh, dw;  // strides, dilations
  int padT, padL;      // leading padding (trailing padding follows from the sizes)
};

enum Act { ACT_LINEAR = 0, ACT_RELU = 1, ACT_RELU6 = 2, ACT_LEAKY = 3, ACT_SIGMOID = 4 };

// out = act(conv(x, w) + bias); bias may be null.
void conv2d_forward(const ConvShape& s, const float* x, const float* w, const float* bias, int act,
                    float alpha, float* out);
// dx = d(loss)/dx given dy (shape N,OH,OW,CO).
void conv2d_backprop_input(const ConvShape& s, const float* dy, const float* w, float* dx);
// dw = d(loss)/dw given x and dy.
void conv2d_backprop_filter(const ConvShape& s, const float* x, const float* dy, float* dw);

// In-place bias + activation over rows x cols (cols = channels).
void bias_act(float* y, long rows, int cols, const float* bias, int act, float alpha);

}  // namespace pcl
