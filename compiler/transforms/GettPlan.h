//===- GettPlan.h - Contractions run as packed GEMM-like loop nests -*- C++
//-*-===//
//
// GETT (GEMM-like tensor-tensor contraction): a binary contraction of any
// index layout is a matrix product once its loops are grouped into batch
// loops (in A, B and C), rows (in A and C), columns (in B and C) and sums
// (in A and B). ein-vectorize-contractions marks the contractions that
// qualify with `ein.gett`; after bufferization ein-gett lowers each to
// BLIS's loop nest: panels of both operands are copied (packed) into
// contiguous buffers in the order the micro-kernel reads them, so the
// operands' permutations cost one copy of each panel, never a full
// transpose, and any extents work (panels are padded with zeros).
//
//===----------------------------------------------------------------------===//

#ifndef EINC_TRANSFORMS_GETTPLAN_H
#define EINC_TRANSFORMS_GETTPLAN_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <optional>

namespace ein {

inline constexpr llvm::StringLiteral kGettAttr = "ein.gett";

/// Marks the elementwise consumer (bias, scale, activation) of a
/// contraction that ein-gett computes on each element of C as it is
/// finished, instead of in a loop nest of its own over the whole product.
inline constexpr llvm::StringLiteral kGettEpilogueAttr = "ein.gett_epilogue";

/// Contractions of fewer multiply-adds keep the register tiles read in
/// place (ein-vectorize-contractions' and ein-fuse-elementwise's
/// `min-gett-work`).
inline constexpr int64_t kMinGettWork = 32768;

/// How a contraction maps onto a matrix product C[rows, cols] +=
/// A[rows, sums] * B[sums, cols], batched over `batch`. Each group lists
/// loop dimensions outermost first; a group's flat index runs over them
/// row-major.
struct GettPlan {
  unsigned a = 0, b = 1; ///< the operands read as A and as B
  llvm::SmallVector<unsigned> batch, rows, cols, sums;
  llvm::SmallVector<int64_t> extents; ///< every loop's extent

  int64_t extent(llvm::ArrayRef<unsigned> group) const {
    int64_t n = 1;
    for (unsigned d : group)
      n *= extents[d];
    return n;
  }
};

/// Whether `op` is C += A * B of two operands with C's element type, f32
/// or f64, static non-empty extents and plain index maps (no broadcast
/// size-1 dimension, no diagonal): what both register-blocked paths take.
bool isFloatProduct(mlir::linalg::GenericOp op);

/// The same with complex<f32> or complex<f64> elements (complex.mul and
/// complex.add), which ein-gett alone takes.
bool isComplexProduct(mlir::linalg::GenericOp op);

/// The plan for `op`, or nullopt unless it is a float or complex product
/// whose every loop is a batch loop, a row,
/// a column or a sum, with at least one of each of the last three, and
/// whose C ends with a column (so that rows of C are vectors; B is the
/// operand holding that column). Rows and columns are ordered as in C,
/// sums as in A, batch loops as in C.
std::optional<GettPlan> gettPlan(mlir::linalg::GenericOp op);

/// Whether ein-vectorize-contractions marks `op` for ein-gett: it has a
/// plan, at least `minWork` multiply-adds and is in no loop.
bool isGettCandidate(mlir::linalg::GenericOp op, int64_t minWork);

/// Whether ein-gett can compute `epilogue` element by element as each
/// element of `c` (the contraction's result, or its buffer) is finished:
/// all its loops are parallel, it has one result, every map is a
/// projected permutation, the inputs that read `c` all do so through the
/// same permutation, and its body is elementwise arithmetic (arith, math,
/// complex) that reads neither the output nor loop indices. With
/// `vectorized` the body must also be vectorizable (arith, math).
bool isGettEpilogue(mlir::linalg::GenericOp epilogue, mlir::Value c,
                    bool vectorized = false);

} // namespace ein

#endif // EINC_TRANSFORMS_GETTPLAN_H
