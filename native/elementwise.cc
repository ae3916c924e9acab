#include "elementwise.h"

namespace pcl {

void register_elementwise(napi_env env, napi_value exports) {
  (void)env;
  (void)exports;
}

}  // namespace pcl
