//===- EinToLinalg.cpp - Lower ein.contract to linalg.generic -------------===//

#include "compiler/Passes.h"
#include "compiler/conversion/LinalgBuilders.h"
#include "dialect/EinOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Complex/IR/Complex.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir {
namespace ein {
#define GEN_PASS_DEF_CONVERTEINTOLINALG
#include "compiler/Passes.h.inc"
} // namespace ein
} // namespace mlir

using namespace mlir;
using namespace mlir::ein;

namespace {

struct ContractOpLowering : OpConversionPattern<ContractOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ContractOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Subscripts s = op.getParsedSubscripts();
    auto resultType = cast<RankedTensorType>(op.getType());
    Type elementType = resultType.getElementType();
    ValueRange inputs = adaptor.getInputs();
    // f16 and bf16 are multiplied and summed in f32 and rounded once, as
    // NumPy's einsum does for float16.
    bool half = isa<Float16Type, BFloat16Type>(elementType);
    Type accumulator = half ? rewriter.getF32Type() : elementType;
    auto accumulatorType = resultType.clone(accumulator);

    SmallVector<SmallVector<int64_t>> shapes = ::ein::operandShapes(inputs);
    LabelExtents extents;
    if (inferLabelExtents(s, shapes, extents))
      return rewriter.notifyMatchFailure(op, "inconsistent extents");
    ::ein::GenericSpace space =
        ::ein::buildGenericSpace(s, shapes, extents, rewriter.getContext());
    Value init =
        ::ein::buildEmpty(rewriter, loc, accumulatorType, s, inputs, shapes);
    bool reduces = space.reduces;
    if (reduces) {
      Value zero = ::ein::buildConstant(rewriter, loc, accumulator, 0);
      init = linalg::FillOp::create(rewriter, loc, zero, init).getResult(0);
    }

    auto generic = linalg::GenericOp::create(
        rewriter, loc, accumulatorType, inputs, init, space.maps,
        space.iterators, [&](OpBuilder &b, Location l, ValueRange args) {
          auto widen = [&](Value v) -> Value {
            return half ? arith::ExtFOp::create(b, l, accumulator, v) : v;
          };
          Value product = widen(args[0]);
          for (Value v : args.drop_back().drop_front())
            product = ::ein::buildMul(b, l, product, widen(v));
          Value result =
              reduces ? ::ein::buildAdd(b, l, args.back(), product) : product;
          linalg::YieldOp::create(b, l, result);
        });
    Value result = generic.getResult(0);
    if (half) {
      int64_t rank = resultType.getRank();
      SmallVector<AffineMap> maps(
          2, AffineMap::getMultiDimIdentityMap(rank, rewriter.getContext()));
      SmallVector<utils::IteratorType> iterators(rank,
                                                 utils::IteratorType::parallel);
      Value rounded =
          ::ein::buildEmpty(rewriter, loc, resultType, s, inputs, shapes);
      result = linalg::GenericOp::create(
                   rewriter, loc, resultType, result, rounded, maps, iterators,
                   [&](OpBuilder &b, Location l, ValueRange args) {
                     linalg::YieldOp::create(
                         b, l,
                         arith::TruncFOp::create(b, l, elementType, args[0])
                             .getResult());
                   })
                   .getResult(0);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct ConvertEinToLinalgPass
    : mlir::ein::impl::ConvertEinToLinalgBase<ConvertEinToLinalgPass> {
  using Base::Base;
  void runOnOperation() override {
    ConversionTarget target(getContext());
    target.addIllegalDialect<EinDialect>();
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    RewritePatternSet patterns(&getContext());
    populateEinToLinalgConversionPatterns(patterns);
    populateEinMapReduceToLinalgPatterns(patterns);
    populateEinConstructorsToLinalgPatterns(patterns);
    populateEinLinalgToRuntimeCallsPatterns(patterns);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

void mlir::ein::populateEinToLinalgConversionPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ContractOpLowering>(patterns.getContext());
}
