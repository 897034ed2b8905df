//===- VectorizeContractions.cpp - Register-blocked contraction tiles -----===//
//
// A contraction C[..., m, n] += A[..., m, k] * B[..., k, n] whose B ends
// with a dimension n of C (either operand may be B; best when n is also C's
// last) is tiled into an mr x nr block of C (mr rows of m, nr columns of n)
// times a kc-deep slice of k, and every other loop into steps of one. Each
// tile is one vector.contract on transfers of the operands in their own
// layouts, lowered to kc outer products, i.e. mr x nr/lanes fused
// multiply-adds per k that keep the block of C in vector registers. Large
// contractions are first cut into cache panels. Only static shapes that the
// tile sizes divide are taken; everything else keeps the plain loop nest.
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"
#include "compiler/transforms/GettPlan.h"
#include "compiler/transforms/ParallelMarks.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <unistd.h>

namespace mlir {
namespace ein {
#define GEN_PASS_DEF_EINVECTORIZECONTRACTIONS
#include "compiler/Passes.h.inc"
} // namespace ein
} // namespace mlir

using namespace mlir;

namespace {

/// How a contraction is blocked: its m, n and k loops and every loop's
/// tile size.
struct Blocking {
  unsigned m = 0, n = 0, k = 0;
  unsigned lhs = 0, rhs = 1; ///< the operands read as A (m x k) and B (k x n)
  SmallVector<int64_t> sizes;
};

/// The blocking of `op`, or nullopt when it does not qualify.
std::optional<Blocking> blockingOf(linalg::GenericOp op, unsigned mr,
                                   unsigned nr) {
  if (!::ein::isFloatProduct(op))
    return std::nullopt;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  AffineMap c = maps[2];
  Blocking blocking;
  // B: an operand whose last dimension n is one of C's, so that rows of B
  // are contiguous vectors. Best when n is C's last dimension too;
  // otherwise C's block is read and written with strides, once per slice
  // of k. m: the innermost dimension of C that only A has.
  auto choose = [&](unsigned lhs, unsigned rhs, bool contiguousC) {
    AffineMap a = maps[lhs], b = maps[rhs];
    if (b.getNumResults() == 0 || c.getNumResults() < 2)
      return false;
    unsigned n = b.getDimPosition(b.getNumResults() - 1);
    if (!c.isFunctionOfDim(n) || a.isFunctionOfDim(n) || ranges[n] % nr ||
        (contiguousC && c.getDimPosition(c.getNumResults() - 1) != n))
      return false;
    for (unsigned r = c.getNumResults(); r-- > 0;) {
      unsigned m = c.getDimPosition(r);
      if (m != n && a.isFunctionOfDim(m) && !b.isFunctionOfDim(m) &&
          ranges[m] % mr == 0) {
        blocking.lhs = lhs;
        blocking.rhs = rhs;
        blocking.m = m;
        blocking.n = n;
        return true;
      }
    }
    return false;
  };
  if (!choose(0, 1, true) && !choose(1, 0, true) && !choose(0, 1, false) &&
      !choose(1, 0, false))
    return std::nullopt;
  // k: a summed dimension, A's last if it is one (contiguous reads of A),
  // else the innermost reduction loop.
  // It must be in both operands (a label summed in one operand only is a
  // loop of its own).
  AffineMap a = maps[blocking.lhs], b = maps[blocking.rhs];
  auto summedByBoth = [&](unsigned d) {
    return op.getIteratorTypesArray()[d] == utils::IteratorType::reduction &&
           a.isFunctionOfDim(d) && b.isFunctionOfDim(d);
  };
  std::optional<unsigned> k;
  for (unsigned d = 0; d < ranges.size(); ++d)
    if (summedByBoth(d))
      k = d;
  if (!k)
    return std::nullopt;
  if (a.getNumResults() > 0 &&
      summedByBoth(a.getDimPosition(a.getNumResults() - 1)))
    k = a.getDimPosition(a.getNumResults() - 1);
  blocking.k = *k;
  unsigned kc = 1;
  for (unsigned candidate : {32u, 16u, 8u, 4u, 2u})
    if (ranges[*k] % candidate == 0) {
      kc = candidate;
      break;
    }
  blocking.sizes.assign(ranges.size(), 1);
  blocking.sizes[blocking.m] = mr;
  blocking.sizes[blocking.n] = nr;
  blocking.sizes[blocking.k] = kc;
  return blocking;
}

/// The blocking of `op` with wide blocks, else narrow ones.
std::optional<Blocking> anyBlocking(linalg::GenericOp op, unsigned rows,
                                    unsigned columnVectors) {
  Type element = getElementTypeOrSelf(op.getDpsInits()[0].getType());
  unsigned lanes = element.isF64() ? 4 : 8;
  std::optional<Blocking> blocking =
      blockingOf(op, rows, columnVectors * lanes);
  if (!blocking && columnVectors > 1)
    blocking = blockingOf(op, rows, lanes);
  return blocking;
}

/// A contraction no operand of which ends with a dimension of C that the
/// other lacks (C = A Bᵀ: "ik,jk->ij") is blocked after packing one
/// operand with that dimension moved last: a transposed copy of B, made
/// once, so that its rows are contiguous vectors. Tries B = either
/// operand, with C's last dimension (else any of C's) as the moved one;
/// returns whether `op` was replaced.
bool packTransposed(RewriterBase &rewriter, linalg::GenericOp op, unsigned rows,
                    unsigned columnVectors) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      !linalg::isaContractionOpInterface(op) || !op.hasPureTensorSemantics())
    return false;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  for (AffineMap map : maps)
    if (!map.isProjectedPermutation())
      return false;
  AffineMap c = maps[2];
  for (unsigned r = c.getNumResults(); r-- > 0;) {
    unsigned n = c.getDimPosition(r);
    for (unsigned rhs : {1u, 0u}) {
      AffineMap a = maps[1 - rhs], b = maps[rhs];
      std::optional<unsigned> at =
          b.getResultPosition(getAffineDimExpr(n, op.getContext()));
      if (!at || a.isFunctionOfDim(n) || *at + 1 == b.getNumResults())
        continue;
      // B' [..., n]: B's dimensions in order with n moved last.
      SmallVector<int64_t> perm;
      SmallVector<AffineExpr> results;
      for (unsigned d = 0; d < b.getNumResults(); ++d)
        if (d != *at) {
          perm.push_back(d);
          results.push_back(b.getResult(d));
        }
      perm.push_back(*at);
      results.push_back(b.getResult(*at));
      Value operand = op.getDpsInputs()[rhs];
      auto type = cast<RankedTensorType>(operand.getType());
      SmallVector<int64_t> shape;
      for (int64_t d : perm)
        shape.push_back(type.getDimSize(d));
      rewriter.setInsertionPoint(op);
      Location loc = op.getLoc();
      Value empty =
          tensor::EmptyOp::create(rewriter, loc, shape, type.getElementType());
      auto transposed =
          linalg::TransposeOp::create(rewriter, loc, operand, empty, perm);
      SmallVector<Value> inputs(op.getDpsInputs());
      inputs[rhs] = transposed.getResult()[0];
      SmallVector<AffineMap> newMaps(maps);
      newMaps[rhs] = AffineMap::get(b.getNumDims(), 0, results, b.getContext());
      auto packed = linalg::GenericOp::create(
          rewriter, loc, op.getResultTypes(), inputs, op.getDpsInits(), newMaps,
          op.getIteratorTypesArray());
      rewriter.inlineRegionBefore(op.getRegion(), packed.getRegion(),
                                  packed.getRegion().begin());
      if (anyBlocking(packed, rows, columnVectors)) {
        rewriter.replaceOp(op, packed.getResults());
        return true;
      }
      // Not blockable this way either: put everything back.
      rewriter.inlineRegionBefore(packed.getRegion(), op.getRegion(),
                                  op.getRegion().begin());
      rewriter.eraseOp(packed);
      rewriter.eraseOp(transposed);
      rewriter.eraseOp(empty.getDefiningOp());
    }
  }
  return false;
}

/// Where loop `loop` sits among the results of `map`.
unsigned resultOf(AffineMap map, unsigned loop) {
  for (unsigned r = 0; r < map.getNumResults(); ++r)
    if (map.getDimPosition(r) == loop)
      return r;
  llvm_unreachable("the loop is not in the map");
}

/// Replaces the tile `op` (every loop but m, n and k of extent 1) with one
/// vector.contract of an mr x kc block of A, a kc x nr block of B and the
/// mr x nr block of C, read and written with transfers.
void vectorizeTile(RewriterBase &rewriter, linalg::GenericOp op,
                   const Blocking &blocking) {
  Location loc = op.getLoc();
  MLIRContext *ctx = op.getContext();
  rewriter.setInsertionPoint(op);
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  Type element = getElementTypeOrSelf(op.getDpsInits()[0].getType());
  auto vectorOf = [&](unsigned rows, unsigned cols) {
    return VectorType::get({blocking.sizes[rows], blocking.sizes[cols]},
                           element);
  };
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value pad = arith::ConstantOp::create(rewriter, loc, element,
                                        rewriter.getZeroAttr(element));
  // A transfer of operand `i`'s two loops `rows` and `cols`.
  auto permutation = [&](unsigned i, unsigned rows, unsigned cols) {
    AffineMap map = maps[i];
    return AffineMap::get(map.getNumResults(), 0,
                          {getAffineDimExpr(resultOf(map, rows), ctx),
                           getAffineDimExpr(resultOf(map, cols), ctx)},
                          ctx);
  };
  auto read = [&](Value source, unsigned i, unsigned rows, unsigned cols) {
    auto type = cast<RankedTensorType>(source.getType());
    SmallVector<Value> indices(type.getRank(), zero);
    return vector::TransferReadOp::create(
        rewriter, loc, vectorOf(rows, cols), source, indices, pad,
        permutation(i, rows, cols), ArrayRef<bool>{true, true});
  };
  unsigned m = blocking.m, n = blocking.n, k = blocking.k;
  Value a = read(op.getDpsInputs()[blocking.lhs], blocking.lhs, m, k);
  Value b = read(op.getDpsInputs()[blocking.rhs], blocking.rhs, k, n);
  Value init = op.getDpsInits()[0];
  Value c = read(init, 2, m, n);
  AffineExpr dm, dn, dk;
  bindDims(ctx, dm, dn, dk);
  SmallVector<AffineMap> contractMaps = {AffineMap::get(3, 0, {dm, dk}, ctx),
                                         AffineMap::get(3, 0, {dk, dn}, ctx),
                                         AffineMap::get(3, 0, {dm, dn}, ctx)};
  Value product = vector::ContractionOp::create(
      rewriter, loc, a, b, c, rewriter.getAffineMapArrayAttr(contractMaps),
      rewriter.getArrayAttr(
          {vector::IteratorTypeAttr::get(ctx, vector::IteratorType::parallel),
           vector::IteratorTypeAttr::get(ctx, vector::IteratorType::parallel),
           vector::IteratorTypeAttr::get(ctx,
                                         vector::IteratorType::reduction)}));
  auto initType = cast<RankedTensorType>(init.getType());
  SmallVector<Value> indices(initType.getRank(), zero);
  Value written = vector::TransferWriteOp::create(rewriter, loc, product, init,
                                                  indices, permutation(2, m, n),
                                                  ArrayRef<bool>{true, true})
                      .getResult();
  rewriter.replaceOp(op, written);
}

/// Multiply-adds of a contraction with static loop ranges.
int64_t workOf(linalg::GenericOp op) {
  return ::ein::loopWork(op.getStaticLoopRanges());
}

/// When no loop of two or more independent blocks comes before the first
/// summed loop in `order` (one block of rows, say), moves the first that
/// exists there, so that threads share it out without a fork per k slice.
void hoistParallelLoop(SmallVectorImpl<int64_t> &order,
                       ArrayRef<utils::IteratorType> types,
                       ArrayRef<int64_t> ranges, ArrayRef<int64_t> sizes) {
  auto independent = [&](int64_t d) {
    return types[d] == utils::IteratorType::parallel;
  };
  auto *firstSum = llvm::find_if_not(order, independent);
  auto several = [&](int64_t d) {
    return independent(d) && ranges[d] / sizes[d] >= 2;
  };
  if (firstSum == order.end() || std::any_of(order.begin(), firstSum, several))
    return;
  auto *late = std::find_if(firstSum, order.end(), several);
  if (late == order.end())
    return;
  int64_t d = *late;
  order.erase(late);
  order.insert(firstSum, d);
}

/// Copies input `operand` of the tile `op` (a slice of the whole operand)
/// into a buffer of its own in front of `loop`, when the slice does not
/// depend on `loop`: the tile then reads a contiguous panel, copied once
/// and reused by every iteration of `loop`, instead of rows a whole
/// operand apart (which map to the same cache sets when that is a power of
/// two: 2048^2 f32 runs 2x faster packed).
void packOperand(RewriterBase &rewriter, linalg::GenericOp op, unsigned operand,
                 LoopLikeOpInterface loop) {
  OpOperand &use = op->getOpOperand(operand);
  auto slice = use.get().getDefiningOp<tensor::ExtractSliceOp>();
  if (!slice || !slice.getType().hasStaticShape() ||
      !llvm::all_of(slice->getOperands(),
                    [&](Value v) { return loop.isDefinedOutsideOfLoop(v); }))
    return;
  rewriter.setInsertionPoint(loop);
  Operation *outside = rewriter.clone(*slice);
  RankedTensorType type = slice.getType();
  Value empty = tensor::EmptyOp::create(rewriter, slice.getLoc(),
                                        type.getShape(), type.getElementType());
  Value packed = linalg::CopyOp::create(rewriter, slice.getLoc(),
                                        outside->getResult(0), empty)
                     .getResult(0);
  rewriter.modifyOpInPlace(op, [&] { use.set(packed); });
}

/// Panels that stay in cache: when they divide the extents, the
/// contraction is first tiled into 64 x 256 blocks of C and 256-deep
/// slices of k, columns outermost (a 256 x 256 panel of B is reused by
/// every row block), and the register blocks are made inside each.
/// With `parallel`, the column panels (or, when there is only one, the row
/// panels) are marked to run on threads, and `marked` is set.
linalg::GenericOp cacheBlocked(RewriterBase &rewriter, linalg::GenericOp op,
                               const Blocking &blocking, bool parallel,
                               bool &marked, int64_t panelBytes) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t bytes = getElementTypeOrSelf(op.getDpsInits()[0].getType())
                      .getIntOrFloatBitWidth() /
                  8;
  // A packed kc x nc panel of B fills `panelBytes` (half of L2): measured
  // with einc bench on 2-core AVX2 machines (512 KiB L2), worth it once B
  // is larger than that (512^2 f32: +25%, 1024^2 and 2048^2: +100% over
  // unblocked), and 256 x 128 f64 panels beat 256 x 256 by 12-14%.
  const int64_t mc = 64, kc = 256;
  int64_t nc = 64;
  while (nc < 1024 && 2 * nc * kc * bytes <= panelBytes)
    nc *= 2;
  if (ranges[blocking.m] % mc || ranges[blocking.n] % nc ||
      ranges[blocking.k] % kc ||
      ranges[blocking.n] * ranges[blocking.k] * bytes <= panelBytes)
    return op;
  rewriter.setInsertionPoint(op);
  SmallVector<OpFoldResult> tile(ranges.size(), rewriter.getIndexAttr(0));
  tile[blocking.m] = rewriter.getIndexAttr(mc);
  tile[blocking.n] = rewriter.getIndexAttr(nc);
  tile[blocking.k] = rewriter.getIndexAttr(kc);
  SmallVector<int64_t> order;
  for (unsigned d = 0; d < ranges.size(); ++d)
    if (d != blocking.m && d != blocking.n && d != blocking.k)
      order.push_back(d);
  order.append({blocking.n, blocking.k, blocking.m});
  scf::SCFTilingOptions options;
  options.setTileSizes(tile).setInterchange(order).setLoopType(
      scf::SCFTilingOptions::LoopType::ForOp);
  FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
      rewriter, cast<TilingInterface>(op.getOperation()), options);
  if (failed(tiled))
    return op;
  // The loops are n, k, m; k sums into the same block of C.
  if (parallel && tiled->loops.size() == 3)
    marked = ::ein::markParallel(tiled->loops, {true, false, true});
  rewriter.replaceOp(op, tiled->replacements);
  auto panel = cast<linalg::GenericOp>(tiled->tiledOps.front());
  // B's kc x nc panel is the same for every block of rows.
  if (tiled->loops.size() == 3)
    packOperand(rewriter, panel, blocking.rhs, tiled->loops[2]);
  return panel;
}

struct EinVectorizeContractionsPass
    : mlir::ein::impl::EinVectorizeContractionsBase<
          EinVectorizeContractionsPass> {
  using Base::Base;

  /// Half of the L2 cache (`l2-bytes`, else the host's, else 512 KiB).
  int64_t panelBytes() const {
    int64_t l2 = l2Bytes;
    if (l2 <= 0)
      l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
    return (l2 > 0 ? l2 : int64_t(512) << 10) / 2;
  }

  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    // Contractions that ein-gett lowers after bufferization (packed panels
    // for any layout and extents) are marked and left alone here. Not the
    // blocks of an enclosing loop (fused epilogues, attention): those are
    // small and reuse their operands from cache.
    getOperation()->walk([&](linalg::GenericOp op) {
      if (::ein::isGettCandidate(op, minGettWork))
        op->setAttr(::ein::kGettAttr, rewriter.getUnitAttr());
    });
    auto forGett = [](linalg::GenericOp op) {
      return op->hasAttr(::ein::kGettAttr);
    };
    // Contractions whose columns are nobody's last dimension: one operand
    // packed transposed first.
    SmallVector<linalg::GenericOp> unblocked;
    getOperation()->walk([&](linalg::GenericOp op) {
      if (!forGett(op) && !anyBlocking(op, rows, columnVectors))
        unblocked.push_back(op);
    });
    for (linalg::GenericOp op : unblocked)
      packTransposed(rewriter, op, rows, columnVectors);
    SmallVector<std::pair<linalg::GenericOp, Blocking>> work;
    getOperation()->walk([&](linalg::GenericOp op) {
      // Narrower blocks (one vector of columns) where the wide ones do not
      // divide the columns.
      if (forGett(op))
        return;
      if (std::optional<Blocking> blocking =
              anyBlocking(op, rows, columnVectors))
        work.push_back({op, *blocking});
    });
    for (auto &[original, blocking] : work) {
      // Inside a loop that already runs on threads (a fused epilogue's),
      // no second level.
      bool parallel = minParallelWork > 0 &&
                      workOf(original) >= minParallelWork &&
                      !::ein::insideParallelLoop(original);
      bool marked = false;
      linalg::GenericOp op = cacheBlocked(rewriter, original, blocking,
                                          parallel, marked, panelBytes());
      rewriter.setInsertionPoint(op);
      scf::SCFTilingOptions options;
      SmallVector<OpFoldResult> tile;
      for (int64_t s : blocking.sizes)
        tile.push_back(rewriter.getIndexAttr(s));
      // Loops in the generic's order, except that the other output
      // dimensions (steps of one) go outermost: the block's rows, its k
      // slices and its columns stay the inner loops.
      SmallVector<int64_t> order;
      SmallVector<utils::IteratorType> types = op.getIteratorTypesArray();
      for (bool outer : {true, false})
        for (unsigned d = 0; d < types.size(); ++d) {
          bool other = types[d] == utils::IteratorType::parallel &&
                       d != blocking.m && d != blocking.n;
          if (other == outer)
            order.push_back(d);
        }
      if (parallel && !marked)
        hoistParallelLoop(order, types, op.getStaticLoopRanges(),
                          blocking.sizes);
      options.setTileSizes(tile).setInterchange(order).setLoopType(
          scf::SCFTilingOptions::LoopType::ForOp);
      FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
          rewriter, cast<TilingInterface>(op.getOperation()), options);
      if (failed(tiled))
        continue;
      // Threads over the outermost loop of independent blocks: the other
      // output dimensions, m or n, never k.
      if (parallel && !marked && tiled->loops.size() == order.size()) {
        SmallVector<bool> independent;
        for (int64_t d : order)
          independent.push_back(types[d] == utils::IteratorType::parallel);
        ::ein::markParallel(tiled->loops, independent);
      }
      rewriter.replaceOp(op, tiled->replacements);
      for (Operation *t : tiled->tiledOps)
        vectorizeTile(rewriter, cast<linalg::GenericOp>(t), blocking);
    }
    // vector.contract in outer products, then fused multiply-adds.
    if (!lower)
      return;
    RewritePatternSet patterns(&getContext());
    vector::populateVectorContractLoweringPatterns(
        patterns, vector::VectorContractLowering::OuterProduct);
    vector::populateVectorOuterProductLoweringPatterns(patterns);
    vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
