// Run-time choice of the micro-kernel table.
#include "isa.h"

#include <cstdlib>
#include <cstring>

namespace pcl {

bool cpu_has_avx512() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f");
#else
  return false;
#endif
}

bool cpu_has_avx2() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

namespace {
const Isa* g_isa = nullptr;

const Isa* pick_default() {
  const char* env = std::getenv("PCL_NATIVE_ISA");
  if (env && *env) {
    if (!std::strcmp(env, "portable")) return &isa_portable();
    if (!std::strcmp(env, "avx2") && cpu_has_avx2()) return &isa_avx2();
    if (!std::strcmp(env, "avx512") && cpu_has_avx512()) return &isa_avx512();
  }
  if (cpu_has_avx512()) return &isa_avx512();
  if (cpu_has_avx2()) return &isa_avx2();
  return &isa_portable();
}
}  // namespace

const Isa& isa() {
  if (!g_isa) g_isa = pick_default();
  return *g_isa;
}

bool set_isa(const char* name) {
  if (!std::strcmp(name, "portable")) {
    g_isa = &isa_portable();
    return true;
  }
  if (!std::strcmp(name, "avx2") && cpu_has_avx2()) {
    g_isa = &isa_avx2();
    return true;
  }
  if (!std::strcmp(name, "avx512") && cpu_has_avx512()) {
    g_isa = &isa_avx512();
    return true;
  }
  return false;
}

}  // namespace pcl
