{
  "targets": [
    {
      "target_name": "pcl_native",
      "sources": [
        "native/binding.cc",
        "native/threadpool.cc",
        "native/isa.cc",
        "native/kernels_avx2.cc",
        "native/kernels_avx512.cc",
        "native/kernels_portable.cc",
        "native/gemm.cc",
        "native/conv.cc",
        "native/depthwise.cc",
        "native/elementwise.cc",
        "native/channelwise.cc",
        "native/reflect_filter.cc",
        "native/cosine_similarity.cc",
        "native/haar.cc"
      ],
      "cflags!": ["-fno-exceptions", "-O2", "-O0"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-O2", "-O0", "-std=gnu++17"],
      "cflags": ["-O3", "-fno-trapping-math", "-fno-math-errno", "-fexceptions", "-Wall", "-Wno-unused-function"],
      "cflags_cc": ["-O3", "-fno-trapping-math", "-fno-math-errno", "-std=gnu++17", "-fexceptions", "-Wall", "-Wno-unused-function"],
      "defines": ["NAPI_VERSION=8"],
      "conditions": [
        ["OS=='mac'", {
          "xcode_settings": {
            "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
            "GCC_OPTIMIZATION_LEVEL": "3",
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17"
          }
        }]
      ]
    }
  ]
}
