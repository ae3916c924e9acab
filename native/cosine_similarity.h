// PCL's feature similarity of an anchor against K constant feature maps (src/ops/feature-similarity.ts:
// featureSimilaritiesToConstants), forward and the anchor's gradient, each one read of the maps.
#pragma once

namespace pcl {

// out[n,k] = 1/P sum_p <a[n,p,:] / max(|a[n,p,:]|, eps), o[n,k,p,:] / max(|o[n,k,p,:]|, eps)>
// a: [N, P, C], o: [N, K, P, C] (P pixels). Sums in a fixed order (by shape only).
void cosine_similarities(const float* a, const float* o, int N, int K, long P, int C, float eps, float* out);

// da[n,p,:] = d/da of sum_k g[n,k] out[n,k]: with v = 1/P sum_k g[n,k] o_k / max(|o_k|, eps) and
// r = max(|a|, eps), da = (v - <u, v> u) / r where |a| > eps (u = a / r), else v / eps.
void cosine_similarities_grad(const float* a, const float* o, const float* g, int N, int K, long P, int C, float eps,
                              float* da);

}  // namespace pcl
