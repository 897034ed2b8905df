//===- DecomposeContractions.cpp - n-ary to binary contractions -----------===//

#include "compiler/Passes.h"
#include "compiler/path/Path.h"
#include "dialect/EinOps.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace ein {
#define GEN_PASS_DEF_EINDECOMPOSECONTRACTIONS
#include "compiler/Passes.h.inc"
} // namespace ein
} // namespace mlir

using namespace mlir;
using namespace mlir::ein;

namespace {

/// Splits an n-ary contraction into binary ones, left to right.
struct DecomposeContraction : OpRewritePattern<ContractOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ContractOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getInputs().size() <= 2)
      return failure();
    Subscripts s = op.getParsedSubscripts();
    auto resultType = cast<RankedTensorType>(op.getType());
    Type elementType = resultType.getElementType();

    Value acc = op.getInputs()[0];
    std::vector<Subscripts> steps = ::ein::leftToRightSteps(s);
    for (auto [k, step] : llvm::enumerate(steps)) {
      Value rhs = op.getInputs()[k + 1];
      if (k + 1 == steps.size()) {
        rewriter.replaceOpWithNewOp<ContractOp>(op, resultType, step.str(),
                                                ValueRange{acc, rhs});
        return success();
      }
      SmallVector<SmallVector<int64_t>> shapes;
      for (Value v : {acc, rhs}) {
        SmallVector<int64_t> shape;
        for (int64_t d : cast<RankedTensorType>(v.getType()).getShape())
          shape.push_back(ShapedType::isDynamic(d) ? kDynamicExtent : d);
        shapes.push_back(shape);
      }
      LabelExtents extents;
      if (inferLabelExtents(step, shapes, extents))
        return op.emitOpError("operands have inconsistent extents");
      SmallVector<int64_t> shape;
      for (char c : step.output)
        shape.push_back(extents[c] == kDynamicExtent ? ShapedType::kDynamic
                                                     : extents[c]);
      auto type = RankedTensorType::get(shape, elementType);
      acc = ContractOp::create(rewriter, op.getLoc(), type, step.str(),
                               ValueRange{acc, rhs});
    }
    llvm_unreachable("the loop returns at the last step");
  }
};

struct EinDecomposeContractionsPass
    : mlir::ein::impl::EinDecomposeContractionsBase<EinDecomposeContractionsPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<DecomposeContraction>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
