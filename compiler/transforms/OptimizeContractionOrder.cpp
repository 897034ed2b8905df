//===- OptimizeContractionOrder.cpp - n-ary to a tree of binary -----------===//

#include "compiler/Passes.h"
#include "compiler/path/EinsumPaths.h"
#include "dialect/EinOps.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace ein {
#define GEN_PASS_DEF_EINOPTIMIZECONTRACTIONORDER
#include "compiler/Passes.h.inc"
} // namespace ein
} // namespace mlir

using namespace mlir;
using namespace mlir::ein;

namespace {

SmallVector<int64_t> shapeOf(Value v) {
  SmallVector<int64_t> shape;
  for (int64_t d : cast<RankedTensorType>(v.getType()).getShape())
    shape.push_back(ShapedType::isDynamic(d) ? kDynamicExtent : d);
  return shape;
}

struct OptimizeContraction : OpRewritePattern<ContractOp> {
  OptimizeContraction(MLIRContext *ctx, ::ein::PathOptions options)
      : OpRewritePattern(ctx), options(options) {}

  LogicalResult matchAndRewrite(ContractOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getInputs().size() <= 2)
      return failure();
    Subscripts s = op.getParsedSubscripts();
    SmallVector<SmallVector<int64_t>> shapes;
    for (Value v : op.getInputs())
      shapes.push_back(shapeOf(v));
    LabelExtents extents;
    if (inferLabelExtents(s, shapes, extents))
      return op.emitOpError("operands have inconsistent extents");
    ::ein::Network net;
    auto path = ::ein::findEinsumPath(s, extents, options, &net);
    if (!path) {
      op.emitOpError("contraction-order search failed: ")
          << llvm::toString(path.takeError());
      return failure();
    }
    std::vector<Subscripts> steps = ::ein::treeSubscripts(s, net, path->tree);
    SmallVector<Value> nodes(op.getInputs().begin(), op.getInputs().end());
    Type elementType = cast<RankedTensorType>(op.getType()).getElementType();
    for (auto [k, step] : llvm::enumerate(steps)) {
      auto [a, b] = path->tree.steps[k];
      Value lhs = nodes[a], rhs = nodes[b];
      Type type = op.getType();
      if (k + 1 < steps.size()) {
        LabelExtents stepExtents;
        (void)inferLabelExtents(step, {shapeOf(lhs), shapeOf(rhs)},
                                stepExtents);
        SmallVector<int64_t> shape;
        for (char c : step.output)
          shape.push_back(stepExtents[c] == kDynamicExtent
                              ? ShapedType::kDynamic
                              : stepExtents[c]);
        type = RankedTensorType::get(shape, elementType);
      }
      nodes.push_back(ContractOp::create(rewriter, op.getLoc(), type,
                                         step.str(), ValueRange{lhs, rhs}));
    }
    rewriter.replaceOp(op, nodes.back());
    return success();
  }

  ::ein::PathOptions options;
};

struct EinOptimizeContractionOrderPass
    : mlir::ein::impl::EinOptimizeContractionOrderBase<
          EinOptimizeContractionOrderPass> {
  using Base::Base;
  void runOnOperation() override {
    ::ein::PathOptions options;
    auto algorithm = ::ein::parseAlgorithm(this->algorithm);
    auto objective = ::ein::parseObjective(minimize);
    if (!algorithm || !objective) {
      getOperation()->emitError("invalid option: algorithm '")
          << this->algorithm << "' or minimize '" << minimize << "'";
      return signalPassFailure();
    }
    options.algorithm = *algorithm;
    options.minimize = *objective;
    options.seed = seed;
    options.maxTrials = maxTrials;
    options.maxTimeSeconds = maxTime;
    llvm::SmallVector<llvm::StringRef> pairs;
    llvm::StringRef(tree).split(pairs, ',', -1, /*KeepEmpty=*/false);
    for (llvm::StringRef pair : pairs) {
      auto [a, b] = pair.trim().split(':');
      unsigned x, y;
      if (a.trim().getAsInteger(10, x) || b.trim().getAsInteger(10, y)) {
        getOperation()->emitError("invalid tree option '") << tree << "'";
        return signalPassFailure();
      }
      options.tree.push_back({x, y});
    }
    RewritePatternSet patterns(&getContext());
    patterns.add<OptimizeContraction>(&getContext(), options);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
