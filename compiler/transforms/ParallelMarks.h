//===- ParallelMarks.h - Loops marked to run on threads ---------*- C++ -*-===//
//
// The tiling passes mark the outermost loop over independent blocks of a
// large contraction with the unit attribute `ein.parallel`;
// ein-parallelize-loops turns marked loops into OpenMP regions after
// bufferization.
//
//===----------------------------------------------------------------------===//

#ifndef EINC_TRANSFORMS_PARALLELMARKS_H
#define EINC_TRANSFORMS_PARALLELMARKS_H

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/LoopLikeInterface.h"

namespace ein {

inline constexpr llvm::StringLiteral kParallelAttr = "ein.parallel";

/// Contractions of fewer multiply-adds run on one thread: a parallel
/// region costs a few microseconds.
inline constexpr int64_t kMinParallelWork = int64_t(1) << 20;

/// The product of loop extents, saturating at INT64_MAX (tensors of 2^63
/// elements are refused later, but their loops are still sized here).
inline int64_t loopWork(llvm::ArrayRef<int64_t> extents) {
  int64_t work = 1;
  for (int64_t extent : extents)
    if (__builtin_mul_overflow(work, extent, &work))
      return INT64_MAX;
  return work;
}

/// Iterations of `loop` when it is an scf.for with constant bounds, else 0.
int64_t tripCount(mlir::LoopLikeOpInterface loop);

/// Whether `op` is nested in a loop marked ein.parallel.
bool insideParallelLoop(mlir::Operation *op);

/// Marks the first of `loops` (outermost first) that runs at least two
/// iterations, looking no deeper than the first loop that is not over
/// independent blocks (`independent[i]` false: a summed loop; a region
/// per summed slice would cost a fork each). Returns whether one was.
bool markParallel(llvm::ArrayRef<mlir::LoopLikeOpInterface> loops,
                  llvm::ArrayRef<bool> independent);

} // namespace ein

#endif // EINC_TRANSFORMS_PARALLELMARKS_H
