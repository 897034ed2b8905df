//===- FuseElementwise.cpp - Fuse chains of elementwise generics ----------===//

#include "compiler/Passes.h"
#include "compiler/transforms/GettPlan.h"
#include "compiler/transforms/ParallelMarks.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/RegionUtils.h"

namespace mlir {
namespace ein {
#define GEN_PASS_DEF_EINFUSEELEMENTWISE
#include "compiler/Passes.h.inc"
} // namespace ein
} // namespace mlir

using namespace mlir;

namespace {

/// Only into consumers whose loops are all parallel: fusing into a
/// reduction would recompute the producer for every summed index. Not a
/// producer that a loop carries to its next iteration (the online softmax
/// of ein-fuse-attention): the fused op would write it to a new buffer
/// instead of updating the carried one in place.
bool intoElementwiseConsumer(OpOperand *fused) {
  auto consumer = dyn_cast<linalg::GenericOp>(fused->getOwner());
  bool carried = llvm::any_of(fused->get().getUsers(), [](Operation *user) {
    return isa<scf::YieldOp>(user);
  });
  return consumer && !carried &&
         consumer.getNumParallelLoops() == consumer.getNumLoops();
}

bool allParallel(linalg::GenericOp op) {
  return op.getNumParallelLoops() == op.getNumLoops();
}

/// Tiling needs plain index maps (no repeated dimensions, no constant 0
/// for a broadcast size-1 dimension) and static, non-empty loops.
bool plainMaps(linalg::GenericOp op) {
  return llvm::all_of(
             op.getIndexingMapsArray(),
             [](AffineMap map) { return map.isProjectedPermutation(); }) &&
         llvm::all_of(op.getStaticLoopRanges(),
                      [](int64_t extent) { return extent > 0; });
}

/// The contraction (a generic that sums) feeding `consumer` whose result
/// nothing else uses and which the consumer reads element for element,
/// or null.
linalg::GenericOp contractionOperand(linalg::GenericOp consumer) {
  for (OpOperand *input : consumer.getDpsInputOperands()) {
    auto producer = input->get().getDefiningOp<linalg::GenericOp>();
    if (producer && !allParallel(producer) && producer->hasOneUse() &&
        producer.getNumDpsInits() == 1 && plainMaps(producer) &&
        consumer.getMatchingIndexingMap(input).isPermutation())
      return producer;
  }
  return nullptr;
}

/// An elementwise consumer of a contraction (bias, scale, activation) is
/// tiled over every output dimension but the last (the one before it by
/// four rows when they divide it, else by one), and the contraction (with
/// its initial fill) is computed in the same loop nest a few rows at a
/// time: the epilogue reads each row of the product while it is in cache
/// instead of the whole product after the fact.
///
/// A contraction that ein-gett will lower stays whole instead (packed
/// panels are several times faster than row tiles): its epilogue is marked
/// for ein-gett to compute on each finished block of C, when it can.
void fuseEpilogues(Operation *root, int64_t minGettWork) {
  SmallVector<std::pair<linalg::GenericOp, linalg::GenericOp>> work;
  root->walk([&](linalg::GenericOp op) {
    if (!allParallel(op) || !plainMaps(op) || op.getNumLoops() < 2 ||
        op.getNumDpsInits() != 1)
      return;
    linalg::GenericOp producer = contractionOperand(op);
    if (!producer)
      return;
    if (!::ein::isGettCandidate(producer, minGettWork)) {
      work.push_back({op, producer});
      return;
    }
    if (::ein::isGettEpilogue(op, producer->getResult(0)))
      op->setAttr(::ein::kGettEpilogueAttr, UnitAttr::get(op.getContext()));
  });
  IRRewriter rewriter(root->getContext());
  for (auto [consumer, contraction] : work) {
    rewriter.setInsertionPoint(consumer);
    SmallVector<OpFoldResult> sizes(consumer.getNumLoops(),
                                    rewriter.getIndexAttr(1));
    sizes.back() = rewriter.getIndexAttr(0); // the last dimension whole
    // Four rows where they divide, so that the contraction's slice can
    // still be register-blocked (ein-vectorize-contractions).
    int64_t rows = consumer.getStaticLoopRanges()[sizes.size() - 2];
    if (rows % 4 == 0)
      sizes[sizes.size() - 2] = rewriter.getIndexAttr(4);
    scf::SCFTilingOptions tiling;
    tiling.setTileSizes(sizes).setLoopType(
        scf::SCFTilingOptions::LoopType::ForOp);
    scf::SCFTileAndFuseOptions options;
    options.setTilingOptions(tiling);
    Operation *chosen = contraction;
    // Only the contraction and fills: fusing anything else (a bias that
    // broadcasts over rows, say) would recompute it for every row.
    options.setFusionControlFn(
        [chosen](tensor::ExtractSliceOp, OpResult producer, bool)
            -> std::optional<scf::SCFTileAndFuseOptions::ControlFnResult> {
          if (producer.getOwner() == chosen ||
              isa<linalg::FillOp>(producer.getOwner()))
            return scf::SCFTileAndFuseOptions::ControlFnResult{};
          return std::nullopt;
        });
    FailureOr<scf::SCFTileAndFuseResult> result =
        scf::tileConsumerAndFuseProducersUsingSCF(
            rewriter, cast<TilingInterface>(consumer.getOperation()), options);
    if (failed(result))
      continue; // left as it was: correct, just not fused
    // Blocks of rows are independent: a large product runs them on
    // threads (the contraction inside then stays on one).
    if (::ein::loopWork(contraction.getStaticLoopRanges()) >=
        ::ein::kMinParallelWork)
      ::ein::markParallel(result->loops,
                          SmallVector<bool>(result->loops.size(), true));
    for (OpResult r : consumer->getResults())
      if (Value replacement = result->replacements.lookup(r))
        rewriter.replaceAllUsesWith(r, replacement);
  }
  // The unfused originals (and the slices fusion took of them) are dead.
  if (!work.empty())
    (void)runRegionDCE(rewriter, root->getRegions());
}

/// A large elementwise generic left at the top of the function (a map, a
/// broadcast, a constructor) is tiled along its outermost dimension into
/// about 256 blocks, and that loop is marked `ein.parallel`: each block
/// computes its own elements, so the result is the same on any number of
/// threads.
void parallelizeElementwise(Operation *root) {
  SmallVector<linalg::GenericOp> work;
  root->walk([&](linalg::GenericOp op) {
    if (!allParallel(op) || !plainMaps(op) || op.getNumLoops() == 0 ||
        op.getNumDpsInits() != 1 || op->hasAttr(::ein::kGettEpilogueAttr) ||
        !isa<FunctionOpInterface>(op->getParentOp()))
      return;
    if (::ein::loopWork(op.getStaticLoopRanges()) >= ::ein::kMinParallelWork &&
        op.getStaticLoopRanges()[0] >= 2)
      work.push_back(op);
  });
  IRRewriter rewriter(root->getContext());
  for (linalg::GenericOp op : work) {
    rewriter.setInsertionPoint(op);
    int64_t outer = op.getStaticLoopRanges()[0];
    SmallVector<OpFoldResult> sizes(op.getNumLoops(), rewriter.getIndexAttr(0));
    sizes[0] = rewriter.getIndexAttr((outer + 255) / 256);
    scf::SCFTilingOptions tiling;
    tiling.setTileSizes(sizes).setLoopType(
        scf::SCFTilingOptions::LoopType::ForOp);
    FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
        rewriter, cast<TilingInterface>(op.getOperation()), tiling);
    if (failed(tiled))
      continue; // left on one thread: correct, just slower
    ::ein::markParallel(tiled->loops, {true});
    rewriter.replaceOp(op, tiled->replacements);
  }
}

struct EinFuseElementwisePass
    : mlir::ein::impl::EinFuseElementwiseBase<EinFuseElementwisePass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    linalg::populateElementwiseOpsFusionPatterns(patterns,
                                                 intoElementwiseConsumer);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    fuseEpilogues(getOperation(), minGettWork);
    parallelizeElementwise(getOperation());
  }
};

} // namespace
