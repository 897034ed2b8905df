//===- ParallelMarks.cpp - Loops marked to run on threads -----------------===//

#include "compiler/transforms/ParallelMarks.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;

int64_t ein::tripCount(LoopLikeOpInterface loop) {
  auto forOp = dyn_cast<scf::ForOp>(loop.getOperation());
  if (!forOp)
    return 0;
  std::optional<int64_t> lb = getConstantIntValue(forOp.getLowerBound());
  std::optional<int64_t> ub = getConstantIntValue(forOp.getUpperBound());
  std::optional<int64_t> step = getConstantIntValue(forOp.getStep());
  if (!lb || !ub || !step || *step <= 0)
    return 0;
  return (*ub - *lb + *step - 1) / *step;
}

bool ein::insideParallelLoop(Operation *op) {
  for (Operation *p = op->getParentOp(); p; p = p->getParentOp())
    if (p->hasAttr(kParallelAttr))
      return true;
  return false;
}

bool ein::markParallel(ArrayRef<LoopLikeOpInterface> loops,
                       ArrayRef<bool> independent) {
  for (auto [loop, free] : llvm::zip(loops, independent)) {
    if (!free)
      return false;
    if (tripCount(loop) >= 2) {
      loop->setAttr(kParallelAttr, UnitAttr::get(loop->getContext()));
      return true;
    }
  }
  return false;
}
