// Micro-kernel table: one set per instruction set (AVX-512, AVX2+FMA, portable), picked at run time.
#pragma once

namespace pcl {

struct Isa {
  const char* name;
  int mr;  // rows of a register tile
  int nr;  // columns of a register tile (a multiple of the vector width)

  // C[m x n] (+)= Apacked(kc x mr panel) * Bpacked(kc x nr panel); rows of C are ldc apart.
  void (*gemm)(int kc, const float* a, const float* b, float* c, long ldc, int m, int n, int accumulate);

  // Direct convolution tile. Row r of the tile reads A from arow[r] + tapoff[t] + k
  // (k < cin) for each tap t; B is packed as [ntaps*cin][nr]. C (+)= the product.
  void (*conv)(int ntaps, const long* tapoff, int cin, const float* const* arow, const float* b,
               float* c, long ldc, int m, int n, int accumulate);

  // Weight-gradient tile: C[r][j] += sum over segments s, steps i < seglen of
  //   aseg[s][i*astep + r] * bseg[s][i*bstep + j]   (r < m, j < n; B is read with masks).
  // A may be read up to mr-1 floats past the m-th row (caller guarantees readable memory).
  // Few-output-channel convolution (co <= 4), 3 pixels per call, vectorized over input channels.
  void (*conv_smallco)(int ntaps, const long* tapoff, int cin, int cinp, const float* const* arow,
                       const float* wt, int co, float* c, long ldc, int m);
  int vl;  // vector width in floats (cinp granularity for conv_smallco)

  void (*wgrad)(int nseg, const float* const* aseg, const float* const* bseg, int seglen, long astep,
                long bstep, float* c, long ldc, int m, int n);

  // A second table with a wider, shorter tile (AVX-512: 6 x 64) for convolutions whose output
  // channels are a multiple of its nr, or null. Per k it loads 4 filter vectors and broadcasts 6
  // inputs for 24 FMAs (12 x 32: 2 + 12), and reads each input pixel once for 64 channels.
  const Isa* wide;
};

// The table for a convolution tile whose columns are `cols` channels: the wide one when it
// divides them evenly, else the active table.
const Isa& isa_for_columns(int cols);

const Isa& isa_avx512();
const Isa& isa_avx2();
const Isa& isa_portable();
bool cpu_has_avx512();
bool cpu_has_avx2();

// The active table (chosen once: AVX-512 > AVX2 > portable, overridable with env PCL_NATIVE_ISA).
const Isa& isa();
// Force a table by name ("avx512", "avx2", "portable"); returns false if not supported here.
bool set_isa(const char* name);

}  // namespace pcl
