//===- GPUParallelLoops.cpp - Loops of linalg ops as GPU threads ----------===//
//
// Two steps of the NVPTX pipeline (see Pipeline.cpp):
//
// ein-gpu-parallel-loops lowers each linalg op to one scf.parallel over
// all of its parallel loops: one thread per output element, which sums its
// own reductions in index order (as the CPU code does) in registers, with
// one load and one store of its output element; products and sums may
// fuse into FMAs.
//
// ein-gpu-map-loops tiles each outermost scf.parallel into a grid of
// blocks of threads and maps the dimensions onto block and thread ids,
// the innermost (the output's contiguous dimension) onto x.
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/ParallelLoopMapper.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"

#include <functional>

namespace mlir {
namespace ein {
#define GEN_PASS_DEF_EINGPUPARALLELLOOPS
#define GEN_PASS_DEF_EINGPUMAPLOOPS
#include "compiler/Passes.h.inc"
} // namespace ein
} // namespace mlir

using namespace mlir;

namespace {

/// `op` (only reduction loops, on memrefs) with a parallel loop of extent 1
/// in front, over a leading unit dimension of each output.
FailureOr<linalg::GenericOp> withUnitParallelLoop(RewriterBase &rewriter,
                                                  linalg::GenericOp op) {
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  MLIRContext *ctx = op.getContext();
  unsigned numLoops = op.getNumLoops();
  SmallVector<Value> outputs;
  SmallVector<AffineMap> maps;
  for (OpOperand *input : op.getDpsInputOperands())
    maps.push_back(op.getMatchingIndexingMap(input).shiftDims(1));
  for (OpOperand &init : op.getDpsInitsMutable()) {
    auto type = dyn_cast<MemRefType>(init.get().getType());
    if (!type || !type.hasStaticShape())
      return op.emitError("a reduction to a dynamically shaped output has "
                          "no GPU lowering");
    SmallVector<ReassociationIndices> reassociation;
    for (int64_t d = 0; d < type.getRank(); ++d)
      reassociation.push_back(d == 0 ? ReassociationIndices{0, 1}
                                     : ReassociationIndices{d + 1});
    SmallVector<int64_t> shape = {1};
    llvm::append_range(shape, type.getShape());
    outputs.push_back(memref::ExpandShapeOp::create(rewriter, loc, shape,
                                                    init.get(), reassociation));
    AffineMap old = op.getMatchingIndexingMap(&init).shiftDims(1);
    SmallVector<AffineExpr> results = {getAffineDimExpr(0, ctx)};
    llvm::append_range(results, old.getResults());
    maps.push_back(AffineMap::get(numLoops + 1, 0, results, ctx));
  }
  SmallVector<utils::IteratorType> iterators = {utils::IteratorType::parallel};
  llvm::append_range(iterators, op.getIteratorTypesArray());
  auto generic = linalg::GenericOp::create(
      rewriter, loc, TypeRange{}, op.getDpsInputs(), outputs, maps, iterators);
  rewriter.inlineRegionBefore(op.getRegion(), generic.getRegion(),
                              generic.getRegion().begin());
  generic.getRegion().walk(
      [&](linalg::IndexOp index) { index.setDim(index.getDim() + 1); });
  rewriter.eraseOp(op);
  return generic;
}

/// The element of `operand` of `op` at loop indices `ivs`.
SmallVector<Value> indicesOf(OpBuilder &b, Location loc, linalg::GenericOp op,
                             OpOperand *operand, ValueRange ivs) {
  AffineMap map = op.getMatchingIndexingMap(operand);
  SmallVector<Value> indices;
  for (AffineExpr expr : map.getResults())
    indices.push_back(affine::AffineApplyOp::create(
        b, loc, AffineMap::get(map.getNumDims(), 0, expr), ivs));
  return indices;
}

/// Lowers `op` (parallel loops first, at least one) to an scf.parallel
/// over its parallel loops around scf.for loops over its reductions, whose
/// iteration arguments carry the outputs' elements.
void lowerToParallelLoops(RewriterBase &rewriter, linalg::GenericOp op) {
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  SmallVector<Range, 4> ranges =
      cast<linalg::LinalgOp>(op.getOperation()).createLoopRanges(rewriter, loc);
  unsigned numLoops = op.getNumLoops(), numParallel = op.getNumParallelLoops();
  auto values = [&](auto field) {
    SmallVector<Value> v;
    for (const Range &r : ranges)
      v.push_back(getValueOrCreateConstantIndexOp(rewriter, loc, field(r)));
    return v;
  };
  SmallVector<Value> lbs = values([](const Range &r) { return r.offset; }),
                     ubs = values([](const Range &r) { return r.size; }),
                     steps = values([](const Range &r) { return r.stride; });
  auto parallel = scf::ParallelOp::create(
      rewriter, loc, ArrayRef(lbs).take_front(numParallel),
      ArrayRef(ubs).take_front(numParallel),
      ArrayRef(steps).take_front(numParallel));
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(parallel.getBody()->getTerminator());
  // Every loop index; the reductions' filled in by their loops (outputs
  // do not use them).
  SmallVector<Value> ivs(parallel.getInductionVars());
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  ivs.resize(numLoops, zero);
  // The outputs' elements; not read when the body ignores them (a fill).
  SmallVector<Value> accs;
  Block &block = op.getRegion().front();
  for (OpOperand &init : op.getDpsInitsMutable()) {
    Type element = getElementTypeOrSelf(init.get().getType());
    if (block.getArgument(init.getOperandNumber()).use_empty())
      accs.push_back(ub::PoisonOp::create(rewriter, loc, element));
    else
      accs.push_back(memref::LoadOp::create(
          rewriter, loc, init.get(), indicesOf(rewriter, loc, op, &init, ivs)));
  }
  // The body at the innermost loop: the new output elements.
  auto body = [&](OpBuilder &b, ValueRange current) {
    IRMapping mapping;
    for (OpOperand *input : op.getDpsInputOperands()) {
      Value v = input->get();
      Value element = isa<MemRefType>(v.getType())
                          ? Value(memref::LoadOp::create(
                                b, loc, v, indicesOf(b, loc, op, input, ivs)))
                          : v;
      mapping.map(block.getArgument(input->getOperandNumber()), element);
    }
    for (auto [k, acc] : llvm::enumerate(current))
      mapping.map(block.getArgument(op.getNumDpsInputs() + k), acc);
    for (Operation &inner : block.without_terminator()) {
      if (auto index = dyn_cast<linalg::IndexOp>(inner)) {
        mapping.map(index.getResult(), ivs[index.getDim()]);
        continue;
      }
      Operation *clone = b.clone(inner, mapping);
      // Products and sums may fuse into FMAs, as the CPU's kernels do.
      if (isa<arith::MulFOp, arith::AddFOp, arith::SubFOp>(clone))
        clone->setAttr("fastmath",
                       arith::FastMathFlagsAttr::get(
                           b.getContext(), arith::FastMathFlags::contract));
    }
    SmallVector<Value> results;
    for (Value v : block.getTerminator()->getOperands())
      results.push_back(mapping.lookupOrDefault(v));
    return results;
  };
  // Reduction loops, outermost first.
  std::function<SmallVector<Value>(OpBuilder &, unsigned, ValueRange)> nest =
      [&](OpBuilder &b, unsigned d, ValueRange current) -> SmallVector<Value> {
    if (d == numLoops)
      return body(b, current);
    auto loop = scf::ForOp::create(b, loc, lbs[d], ubs[d], steps[d], current);
    OpBuilder inner = OpBuilder::atBlockBegin(loop.getBody());
    ivs[d] = loop.getInductionVar();
    SmallVector<Value> next = nest(inner, d + 1, loop.getRegionIterArgs());
    scf::YieldOp::create(inner, loc, next);
    return SmallVector<Value>(loop.getResults());
  };
  SmallVector<Value> results = nest(rewriter, numParallel, accs);
  for (unsigned d = numParallel; d < numLoops; ++d)
    ivs[d] = zero; // out of scope here; outputs do not use them
  for (auto [k, init] : llvm::enumerate(op.getDpsInitsMutable()))
    memref::StoreOp::create(rewriter, loc, results[k], init.get(),
                            indicesOf(rewriter, loc, op, &init, ivs));
  rewriter.eraseOp(op);
}

struct EinGpuParallelLoopsPass
    : mlir::ein::impl::EinGpuParallelLoopsBase<EinGpuParallelLoopsPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    // Copies (an identity einsum's) are kernels too.
    SmallVector<memref::CopyOp> copies;
    getOperation()->walk([&](memref::CopyOp op) { copies.push_back(op); });
    for (memref::CopyOp op : copies) {
      rewriter.setInsertionPoint(op);
      rewriter.replaceOpWithNewOp<linalg::CopyOp>(op, op.getSource(),
                                                  op.getTarget());
    }
    // Named ops (fill, copy, ...) as generics first.
    SmallVector<linalg::LinalgOp> named;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (!isa<linalg::GenericOp>(op) && op.hasPureBufferSemantics())
        named.push_back(op);
    });
    for (linalg::LinalgOp op : named) {
      rewriter.setInsertionPoint(op);
      if (failed(linalg::generalizeNamedOp(rewriter, op))) {
        op->emitError("has no GPU lowering");
        return signalPassFailure();
      }
    }
    SmallVector<linalg::GenericOp> generics;
    getOperation()->walk([&](linalg::GenericOp op) {
      if (op.hasPureBufferSemantics())
        generics.push_back(op);
    });
    for (linalg::GenericOp op : generics) {
      if (op.getNumParallelLoops() == 0) {
        FailureOr<linalg::GenericOp> widened =
            withUnitParallelLoop(rewriter, op);
        if (failed(widened))
          return signalPassFailure();
        op = *widened;
      }
      SmallVector<unsigned> order;
      SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
      for (unsigned d = 0; d < iterators.size(); ++d)
        if (linalg::isParallelIterator(iterators[d]))
          order.push_back(d);
      for (unsigned d = 0; d < iterators.size(); ++d)
        if (!linalg::isParallelIterator(iterators[d]))
          order.push_back(d);
      bool identity = llvm::all_of(llvm::enumerate(order), [](auto e) {
        return e.index() == e.value();
      });
      if (!identity) {
        rewriter.setInsertionPoint(op);
        FailureOr<linalg::GenericOp> reordered =
            linalg::interchangeGenericOp(rewriter, op, order);
        if (failed(reordered))
          return signalPassFailure();
        op = *reordered;
      }
      lowerToParallelLoops(rewriter, op);
    }
  }
};

/// The trip count of dimension `d` of `op` when it is static.
std::optional<int64_t> staticTripCount(scf::ParallelOp op, unsigned d) {
  std::optional<int64_t> lb = getConstantIntValue(op.getLowerBound()[d]),
                         ub = getConstantIntValue(op.getUpperBound()[d]),
                         step = getConstantIntValue(op.getStep()[d]);
  if (!lb || !ub || !step || *step <= 0)
    return std::nullopt;
  return *ub <= *lb ? 0 : (*ub - *lb + *step - 1) / *step;
}

struct EinGpuMapLoopsPass
    : mlir::ein::impl::EinGpuMapLoopsBase<EinGpuMapLoopsPass> {
  using Base::Base;

  void runOnOperation() override {
    if (blockThreads < 1 || blockThreads > 1024 ||
        !llvm::isPowerOf2_64(blockThreads)) {
      getOperation()->emitError("block-threads must be a power of two from "
                                "1 to 1024, not ")
          << static_cast<int64_t>(blockThreads);
      return signalPassFailure();
    }
    SmallVector<scf::ParallelOp> outermost;
    getOperation()->walk([&](scf::ParallelOp op) {
      if (!op->getParentOfType<scf::ParallelOp>())
        outermost.push_back(op);
    });
    for (scf::ParallelOp op : outermost)
      map(op);
  }

  void map(scf::ParallelOp op) {
    unsigned n = op.getNumLoops();
    // Threads of a block: the innermost dimension up to 32 (all of them
    // when it is the only one), the next the rest; none past the static
    // extent of a dimension.
    SmallVector<int64_t> tiles(n, 1);
    int64_t budget = blockThreads;
    for (unsigned k = 0; k < std::min(n, 2u); ++k) {
      unsigned d = n - 1 - k;
      int64_t want = k == 0 && n > 1 ? std::min<int64_t>(32, budget) : budget;
      if (std::optional<int64_t> extent = staticTripCount(op, d))
        want = std::min<int64_t>(
            want, int64_t(llvm::PowerOf2Ceil(std::max<int64_t>(*extent, 1))));
      tiles[d] = std::max<int64_t>(want, 1);
      budget = std::max<int64_t>(budget / tiles[d], 1);
    }
    auto [grid, block] =
        scf::tileParallelLoop(op, tiles, /*noMinMaxBounds=*/true);
    OpBuilder b(grid);
    AffineMap identity = b.getDimIdentityMap();
    auto mapping = [&](unsigned count, ArrayRef<gpu::Processor> processors) {
      SmallVector<gpu::ParallelLoopDimMappingAttr> attrs;
      for (unsigned d = 0; d < count; ++d) {
        unsigned fromInner = count - 1 - d;
        gpu::Processor p = fromInner < processors.size()
                               ? processors[fromInner]
                               : gpu::Processor::Sequential;
        attrs.push_back(
            b.getAttr<gpu::ParallelLoopDimMappingAttr>(p, identity, identity));
      }
      return attrs;
    };
    (void)gpu::setMappingAttr(
        grid, mapping(grid.getNumLoops(),
                      {gpu::Processor::BlockX, gpu::Processor::BlockY,
                       gpu::Processor::BlockZ}));
    (void)gpu::setMappingAttr(
        block, mapping(block.getNumLoops(),
                       {gpu::Processor::ThreadX, gpu::Processor::ThreadY}));
  }
};

} // namespace
