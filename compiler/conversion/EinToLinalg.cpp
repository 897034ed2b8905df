//===- EinToLinalg.cpp - Lower ein.contract to linalg.generic -------------===//

#include "compiler/Passes.h"
#include "dialect/EinOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Complex/IR/Complex.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
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

/// The additive zero of `type`.
Value buildZero(OpBuilder &b, Location loc, Type type) {
  if (auto complexType = dyn_cast<ComplexType>(type)) {
    auto zero = b.getZeroAttr(complexType.getElementType());
    return complex::ConstantOp::create(b, loc, complexType,
                                       b.getArrayAttr({zero, zero}));
  }
  return arith::ConstantOp::create(b, loc, type,
                                   cast<TypedAttr>(b.getZeroAttr(type)));
}

Value buildMul(OpBuilder &b, Location loc, Value x, Value y) {
  Type t = x.getType();
  if (isa<ComplexType>(t))
    return complex::MulOp::create(b, loc, x, y);
  if (isa<FloatType>(t))
    return arith::MulFOp::create(b, loc, x, y);
  return arith::MulIOp::create(b, loc, x, y);
}

Value buildAdd(OpBuilder &b, Location loc, Value x, Value y) {
  Type t = x.getType();
  if (isa<ComplexType>(t))
    return complex::AddOp::create(b, loc, x, y);
  if (isa<FloatType>(t))
    return arith::AddFOp::create(b, loc, x, y);
  return arith::AddIOp::create(b, loc, x, y);
}

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

    // Label extents (with broadcasting) decide which dims map to constant 0.
    SmallVector<SmallVector<int64_t>> shapes;
    for (Value v : inputs) {
      SmallVector<int64_t> shape;
      for (int64_t d : cast<RankedTensorType>(v.getType()).getShape())
        shape.push_back(ShapedType::isDynamic(d) ? kDynamicExtent : d);
      shapes.push_back(shape);
    }
    LabelExtents extents;
    if (inferLabelExtents(s, shapes, extents))
      return rewriter.notifyMatchFailure(op, "inconsistent extents");

    // Loop order: output labels but the last, summed labels, last output.
    std::string summed;
    for (char c : s.labels())
      if (s.output.find(c) == std::string::npos)
        summed.push_back(c);
    std::string loops = s.output;
    if (!loops.empty())
      loops.insert(loops.size() - 1, summed);
    else
      loops = summed;
    std::array<unsigned, 128> loopOf{};
    for (unsigned i = 0; i < loops.size(); ++i)
      loopOf[loops[i]] = i;

    MLIRContext *ctx = rewriter.getContext();
    SmallVector<AffineMap> maps;
    for (auto [i, labels] : llvm::enumerate(s.inputs)) {
      SmallVector<AffineExpr> exprs;
      for (auto [d, c] : llvm::enumerate(labels)) {
        bool broadcast = shapes[i][d] == 1 && extents[c] != 1;
        exprs.push_back(broadcast ? getAffineConstantExpr(0, ctx)
                                  : getAffineDimExpr(loopOf[c], ctx));
      }
      maps.push_back(AffineMap::get(loops.size(), 0, exprs, ctx));
    }
    SmallVector<AffineExpr> outExprs;
    for (char c : s.output)
      outExprs.push_back(getAffineDimExpr(loopOf[c], ctx));
    maps.push_back(AffineMap::get(loops.size(), 0, outExprs, ctx));

    SmallVector<utils::IteratorType> iterators;
    for (char c : loops)
      iterators.push_back(s.output.find(c) == std::string::npos
                              ? utils::IteratorType::reduction
                              : utils::IteratorType::parallel);

    // Dynamic output extents come from an operand dim with the same label.
    SmallVector<Value> dynamicSizes;
    for (auto [d, c] : llvm::enumerate(s.output)) {
      if (!resultType.isDynamicDim(d))
        continue;
      Value size;
      for (auto [i, labels] : llvm::enumerate(s.inputs)) {
        size_t pos = labels.find(c);
        for (; pos != std::string::npos && !size; pos = labels.find(c, pos + 1))
          if (shapes[i][pos] == kDynamicExtent)
            size = tensor::DimOp::create(rewriter, loc, inputs[i], pos);
        if (size)
          break;
      }
      assert(size && "a dynamic label has a dynamic operand dim");
      dynamicSizes.push_back(size);
    }
    Value init = tensor::EmptyOp::create(rewriter, loc, resultType.getShape(),
                                         elementType, dynamicSizes);
    bool reduces = !summed.empty();
    if (reduces) {
      Value zero = buildZero(rewriter, loc, elementType);
      init = linalg::FillOp::create(rewriter, loc, zero, init).getResult(0);
    }

    auto generic = linalg::GenericOp::create(
        rewriter, loc, resultType, inputs, init, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value product = args[0];
          for (Value v : args.drop_back().drop_front())
            product = buildMul(b, l, product, v);
          Value result =
              reduces ? buildAdd(b, l, args.back(), product) : product;
          linalg::YieldOp::create(b, l, result);
        });
    rewriter.replaceOp(op, generic.getResults());
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
