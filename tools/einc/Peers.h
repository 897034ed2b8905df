//===- Peers.h - What `einc bench` measures Einc against ---------*- C++
//-*-===//
//
// The same contraction computed by other implementations linked into the
// build: OpenBLAS (GEMM-shaped work, batched by a loop), Eigen's Tensor
// contraction, and a naive loop nest. None of them is ever used to compute
// a result for the user: they are the yardsticks of `einc bench`.
//
//===----------------------------------------------------------------------===//

#ifndef EINC_TOOLS_EINC_PEERS_H
#define EINC_TOOLS_EINC_PEERS_H

#include "dialect/Subscripts.h"
#include "einc/DType.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace einc {

/// A binary contraction seen as a batched matrix product: the labels of
/// each group in the order the output (batch, M, N) or A (K) has them.
struct GemmView {
  std::string batch, m, n, k;
  int64_t batchSize = 1, mSize = 1, nSize = 1, kSize = 1;
  mlir::ein::LabelExtents extents{}; ///< every label's extent
};

/// The GEMM view of `s` (two operands, no repeated labels, every label in
/// exactly two terms or in all three, equal extents), or nullopt.
std::optional<GemmView> gemmView(const mlir::ein::Subscripts &s,
                                 const mlir::ein::LabelExtents &extents);

/// A peer: computes the contraction of `inputs` into `output` (dense,
/// C order, the bench's dtype). Inputs are not modified.
using PeerFn =
    std::function<void(const std::vector<const void *> &inputs, void *output)>;

/// OpenBLAS's sgemm/dgemm once per batch entry, with the operands (and the
/// result) permuted into the matrix layouts first when their labels are
/// not already in that order, as numpy.tensordot does; cgemm/zgemm for
/// complex64/complex128.
PeerFn openBlasPeer(const mlir::ein::Subscripts &s, const GemmView &g,
                    ein::DType dtype);

/// Eigen's Tensor contraction of the same matrices (one thread).
PeerFn eigenPeer(const mlir::ein::Subscripts &s, const GemmView &g,
                 ein::DType dtype);

/// A loop over every label of the expression (any number of operands),
/// accumulating products; f32, f64, complex64 and complex128.
PeerFn naivePeer(const mlir::ein::Subscripts &s,
                 const mlir::ein::LabelExtents &extents, ein::DType dtype);

/// The family of kernels OpenBLAS chose for this CPU ("Haswell",
/// "SkylakeX", ...).
std::string openBlasCore();

/// The family OpenBLAS should be told to use (OPENBLAS_CORETYPE, read when
/// the library loads) when it fell back to its generic "Prescott" kernels
/// because it is older than the CPU: "SkylakeX" with AVX-512, "Haswell"
/// with AVX2; else "".
std::string betterOpenBlasCore();

/// OpenBLAS's thread count (set with `threads` > 0 first).
int openBlasThreads(int threads);

/// The measured peak of fused multiply-adds in GFLOP/s on `threads`
/// threads for `dtype` (a complex type's real one), with 512-bit vectors
/// where the CPU has AVX-512, else 256-bit (AVX2 + FMA); nullopt without
/// AVX2 and FMA.
std::optional<double> measurePeakGflops(ein::DType dtype, unsigned threads);

} // namespace einc

#endif // EINC_TOOLS_EINC_PEERS_H
