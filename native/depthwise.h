// Depthwise 2-D convolution, NHWC, filter [KH][KW][C][M] (output channel c*M + q), float32.
#pragma once
#include "conv.h"

namespace pcl {

// ConvShape with CO = C*M.
void depthwise_forward(const ConvShape& s, int M, const float* x, const float* w, float* out);
void depthwise_backprop_input(const ConvShape& s, int M, const float* dy, const float* w, float* dx);
void depthwise_backprop_filter(const ConvShape& s, int M, const float* x, const float* dy, float* dw);

}  // namespace pcl
