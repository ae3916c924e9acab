// Element-wise kernels (binary ops with broadcasting, activations and their gradients, Adam).
#pragma once
#include <node_api.h>

namespace pcl {

// Adds the element-wise entry points to the addon's exports.
void register_elementwise(napi_env env, napi_value exports);

}  // namespace pcl
