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
