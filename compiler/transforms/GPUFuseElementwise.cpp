//===- GPUFuseElementwise.cpp - Fewer, fuller kernels for the GPU ---------===//
//
// ein-gpu-fuse-elementwise runs on linalg on tensors for the NVPTX
// pipeline. An elementwise producer with one use is fused into a consumer
// whose loops are all parallel (maps and broadcasts), so that a chain such
// as log(abs(x) + 1) is one kernel and one pass over memory instead of
// three. Contractions and reductions are left as they are: their bodies
// stay the sums ein-gpu-tile-contractions and the reduction kernels
// expect. Scalar and splat constant operands become constants in the
// bodies: a constant tensor would otherwise be a global in host memory,
// which kernels cannot read.
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace ein {
#define GEN_PASS_DEF_EINGPUFUSEELEMENTWISE
#include "compiler/Passes.h.inc"
} // namespace ein
} // namespace mlir

using namespace mlir;

namespace {

struct EinGpuFuseElementwisePass
    : mlir::ein::impl::EinGpuFuseElementwiseBase<EinGpuFuseElementwisePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    linalg::populateElementwiseOpsFusionPatterns(
        patterns, [](OpOperand *fused) {
          Operation *producer = fused->get().getDefiningOp();
          auto consumer = dyn_cast<linalg::LinalgOp>(fused->getOwner());
          return producer && producer->hasOneUse() && consumer &&
                 consumer.getNumLoops() == consumer.getNumParallelLoops();
        });
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
