//===- FuseElementwise.cpp - Fuse chains of elementwise generics ----------===//

#include "compiler/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace ein {
#define GEN_PASS_DEF_EINFUSEELEMENTWISE
#include "compiler/Passes.h.inc"
} // namespace ein
} // namespace mlir

using namespace mlir;

namespace {

/// Only into consumers whose loops are all parallel: fusing into a
/// reduction would recompute the producer for every summed index.
bool intoElementwiseConsumer(OpOperand *fused) {
  auto consumer = dyn_cast<linalg::GenericOp>(fused->getOwner());
  return consumer && consumer.getNumParallelLoops() == consumer.getNumLoops();
}

struct EinFuseElementwisePass
    : mlir::ein::impl::EinFuseElementwiseBase<EinFuseElementwisePass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    linalg::populateElementwiseOpsFusionPatterns(patterns,
                                                 intoElementwiseConsumer);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
