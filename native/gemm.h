// Cache-blocked, packed, register-tiled SGEMM on the active micro-kernel table.
#pragma once

namespace pcl {

// C[M x N] (+)= A[M x K] * B[K x N]. Element (i,k) of A is a[i*rsa + k*csa], (k,j) of B is
// b[k*rsb + j*csb] (so any transpose is a stride swap); C is row-major with leading dim ldc.
// Multithreaded over blocks of C.
void sgemm(int M, int N, int K, const float* a, long rsa, long csa, const float* b, long rsb,
           long csb, float* c, long ldc, bool accumulate);

// Same on the calling thread only (for use inside parallel tasks).
void sgemm_serial(int M, int N, int K, const float* a, long rsa, long csa, const float* b, long rsb,
                  long csb, float* c, long ldc, bool accumulate);

// Batched C[b] = A[b] * B[b] for few rows (M <= 4): A row-major [M x K], B either [K x N]
// (transB false) or [N x K] (transB true), C [M x N]; a batch stride of 0 broadcasts. Memory-bound
// dot products / row sums instead of packing B for the blocked GEMM (InfoNCE's [1,HWC] x [HWC,K]).
bool skinny_matmul(int batches, int M, int N, int K, const float* a, long sa, const float* b, long sb,
                   bool transB, float* c);
}  // namespace pcl
