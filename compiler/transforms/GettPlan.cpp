//===- GettPlan.cpp - Contractions run as packed GEMM-like loop nests -----===//

#include "compiler/transforms/GettPlan.h"

#include "compiler/transforms/ParallelMarks.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Interfaces/LoopLikeInterface.h"

using namespace mlir;

/// Whether `op` is C += A * B of two operands with C's element type, static
/// non-empty extents and plain index maps, its element type aside.
static bool isPlainProduct(linalg::GenericOp op) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      !linalg::isaContractionOpInterface(op))
    return false;
  Type element = getElementTypeOrSelf(op.getDpsInits()[0].getType());
  for (Value input : op.getDpsInputs())
    if (getElementTypeOrSelf(input.getType()) != element)
      return false;
  return llvm::all_of(op.getStaticLoopRanges(),
                      [](int64_t extent) { return extent > 0; }) &&
         llvm::all_of(op.getIndexingMapsArray(), [](AffineMap map) {
           return map.isProjectedPermutation(/*allowZeroInResults=*/false);
         });
}

bool ein::isFloatProduct(linalg::GenericOp op) {
  if (!isPlainProduct(op))
    return false;
  Type element = getElementTypeOrSelf(op.getDpsInits()[0].getType());
  return element.isF32() || element.isF64();
}

bool ein::isComplexProduct(linalg::GenericOp op) {
  if (!isPlainProduct(op))
    return false;
  auto complex = dyn_cast<ComplexType>(
      getElementTypeOrSelf(op.getDpsInits()[0].getType()));
  return complex &&
         (complex.getElementType().isF32() || complex.getElementType().isF64());
}

std::optional<ein::GettPlan> ein::gettPlan(linalg::GenericOp op) {
  if (!isFloatProduct(op) && !isComplexProduct(op))
    return std::nullopt;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  GettPlan plan;
  plan.extents = op.getStaticLoopRanges();
  AffineMap c = maps[2];
  if (c.getNumResults() == 0)
    return std::nullopt;
  // B holds C's last dimension, which must be a column (in B, not in A).
  unsigned last = c.getDimPosition(c.getNumResults() - 1);
  bool in0 = maps[0].isFunctionOfDim(last), in1 = maps[1].isFunctionOfDim(last);
  if (in0 == in1)
    return std::nullopt;
  plan.b = in0 ? 0 : 1;
  plan.a = 1 - plan.b;
  AffineMap a = maps[plan.a], b = maps[plan.b];
  // Batch loops, rows and columns in C's order; sums in A's.
  for (unsigned r = 0; r < c.getNumResults(); ++r) {
    unsigned d = c.getDimPosition(r);
    bool inA = a.isFunctionOfDim(d), inB = b.isFunctionOfDim(d);
    if (inA && inB)
      plan.batch.push_back(d);
    else if (inA)
      plan.rows.push_back(d);
    else if (inB)
      plan.cols.push_back(d);
    else
      return std::nullopt; // C's own loop: a broadcast, not a product
  }
  for (unsigned r = 0; r < a.getNumResults(); ++r) {
    unsigned d = a.getDimPosition(r);
    if (!c.isFunctionOfDim(d)) {
      if (!b.isFunctionOfDim(d))
        return std::nullopt; // summed in A alone: a reduction of its own
      plan.sums.push_back(d);
    }
  }
  for (unsigned r = 0; r < b.getNumResults(); ++r) {
    unsigned d = b.getDimPosition(r);
    if (!c.isFunctionOfDim(d) && !a.isFunctionOfDim(d))
      return std::nullopt;
  }
  if (plan.rows.empty() || plan.cols.empty() || plan.sums.empty())
    return std::nullopt;
  return plan;
}

bool ein::isGettCandidate(linalg::GenericOp op, int64_t minWork) {
  return minWork > 0 && !op->getParentOfType<LoopLikeOpInterface>() &&
         gettPlan(op) && loopWork(op.getStaticLoopRanges()) >= minWork;
}

bool ein::isGettEpilogue(linalg::GenericOp epilogue, Value c, bool vectorized) {
  if (epilogue.getNumParallelLoops() != epilogue.getNumLoops() ||
      epilogue.getNumDpsInits() != 1 || epilogue->getNumRegions() != 1 ||
      !llvm::all_of(epilogue.getIndexingMapsArray(),
                    [](AffineMap map) { return map.isProjectedPermutation(); }))
    return false;
  AffineMap cMap;
  for (OpOperand *input : epilogue.getDpsInputOperands()) {
    if (input->get() != c)
      continue;
    AffineMap map = epilogue.getMatchingIndexingMap(input);
    if (!map.isPermutation() || (cMap && map != cMap))
      return false;
    cMap = map;
  }
  OpOperand *init = epilogue.getDpsInitOperand(0);
  if (!cMap || !epilogue.getMatchingIndexingMap(init).isPermutation())
    return false;
  Block &body = epilogue.getRegion().front();
  if (!epilogue.getMatchingBlockArgument(init).use_empty())
    return false;
  for (Operation &op : body.without_terminator()) {
    if (op.getNumRegions() != 0 || op.getNumResults() != 1)
      return false;
    if (isa<arith::ConstantOp>(op))
      continue;
    StringRef dialect = op.getDialect()->getNamespace();
    bool known = dialect == "arith" || dialect == "math" ||
                 (!vectorized && dialect == "complex");
    if (!known || !op.hasTrait<OpTrait::Elementwise>() ||
        (vectorized && !op.hasTrait<OpTrait::Vectorizable>()))
      return false;
  }
  return true;
}
