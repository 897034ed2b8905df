//===- ConstructorsToLinalg.cpp - ein.broadcast/iota/random to linalg -----===//
//
// Each constructor becomes one parallel linalg.generic: ein.broadcast reads
// its operand through a projection of the output's loops; ein.iota and
// ein.random have no operands and compute each element from its indices
// (linalg.index), so they vectorise and parallelise like any other loop
// nest. ein.random hashes the element's C-order position with SplitMix64:
// the value depends on the seed and the position only, never on the order
// in which elements are filled.
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"
#include "compiler/conversion/LinalgBuilders.h"
#include "dialect/EinOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Complex/IR/Complex.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>

using namespace mlir;
using namespace mlir::ein;

namespace {

using ElementFn = function_ref<Value(OpBuilder &, Location, ValueRange)>;

/// A generic with no inputs over the static shape of `type`; `element`
/// gets the loop indices.
Value buildFromIndices(OpBuilder &b, Location loc, RankedTensorType type,
                       ElementFn element) {
  Value init =
      tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType());
  int64_t rank = type.getRank();
  SmallVector<AffineMap> maps{
      AffineMap::getMultiDimIdentityMap(rank, b.getContext())};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, type, ValueRange{}, init, maps, iterators,
      [&](OpBuilder &nb, Location l, ValueRange) {
        SmallVector<Value> indices;
        for (int64_t d = 0; d < rank; ++d)
          indices.push_back(linalg::IndexOp::create(nb, l, d));
        linalg::YieldOp::create(nb, l, element(nb, l, indices));
      });
  return generic.getResult(0);
}

struct BroadcastOpLowering : OpConversionPattern<BroadcastOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(BroadcastOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Subscripts s = op.getParsedSubscripts();
    auto type = cast<RankedTensorType>(op.getType());
    Value input = adaptor.getInput();
    SmallVector<OpFoldResult> sizes;
    for (auto [d, c] : llvm::enumerate(s.output)) {
      size_t at = s.inputs[0].find(c);
      if (at != std::string::npos && type.isDynamicDim(d))
        sizes.push_back(
            tensor::DimOp::create(rewriter, loc, input, at).getResult());
      else
        sizes.push_back(rewriter.getIndexAttr(type.getDimSize(d)));
    }
    Value init =
        tensor::EmptyOp::create(rewriter, loc, sizes, type.getElementType());
    SmallVector<AffineExpr> reads;
    for (char c : s.inputs[0])
      reads.push_back(rewriter.getAffineDimExpr(s.output.find(c)));
    int64_t rank = type.getRank();
    SmallVector<AffineMap> maps{
        AffineMap::get(rank, 0, reads, rewriter.getContext()),
        AffineMap::getMultiDimIdentityMap(rank, rewriter.getContext())};
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, type, input, init, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          linalg::YieldOp::create(b, l, args[0]);
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

/// `value` (an index) in `type`: float, integer or complex (k + 0i).
Value indexTo(OpBuilder &b, Location loc, Value value, Type type) {
  Value i64 = arith::IndexCastOp::create(b, loc, b.getI64Type(), value);
  if (auto complexType = dyn_cast<ComplexType>(type)) {
    Type part = complexType.getElementType();
    Value re = arith::SIToFPOp::create(b, loc, part, i64);
    Value im = arith::ConstantOp::create(b, loc, part, b.getFloatAttr(part, 0));
    return complex::CreateOp::create(b, loc, type, re, im);
  }
  if (isa<FloatType>(type))
    return arith::SIToFPOp::create(b, loc, type, i64);
  if (type.isInteger(64))
    return i64;
  return arith::TruncIOp::create(b, loc, type, i64);
}

struct IotaOpLowering : OpConversionPattern<IotaOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(IotaOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    Value result = buildFromIndices(
        rewriter, op.getLoc(), type,
        [&](OpBuilder &b, Location l, ValueRange indices) {
          return indexTo(b, l, indices[0], type.getElementType());
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ULL;

/// SplitMix64's output function.
uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

Value i64Constant(OpBuilder &b, Location loc, uint64_t v) {
  return arith::ConstantOp::create(b, loc, b.getI64Type(),
                                   b.getI64IntegerAttr(int64_t(v)));
}

/// The same mix on i64 values.
Value buildMix(OpBuilder &b, Location loc, Value z) {
  auto step = [&](Value x, int shift, uint64_t factor) {
    Value shifted =
        arith::ShRUIOp::create(b, loc, x, i64Constant(b, loc, shift));
    return arith::MulIOp::create(b, loc,
                                 arith::XOrIOp::create(b, loc, x, shifted),
                                 i64Constant(b, loc, factor));
  };
  z = step(z, 30, 0xBF58476D1CE4E5B9ULL);
  z = step(z, 27, 0x94D049BB133111EBULL);
  return arith::XOrIOp::create(
      b, loc, z, arith::ShRUIOp::create(b, loc, z, i64Constant(b, loc, 31)));
}

/// Output `counter` of SplitMix64 started at `key`, as a uniform f64 in
/// [0, 1) with 53 random bits (24 for f32, so that rounding to f32 never
/// reaches 1).
Value buildUniform(OpBuilder &b, Location loc, uint64_t key, Value counter,
                   bool f32) {
  // state = key + (counter + 1) * golden, wrapping.
  Value next = arith::AddIOp::create(b, loc, counter, i64Constant(b, loc, 1));
  Value state = arith::AddIOp::create(
      b, loc, i64Constant(b, loc, key),
      arith::MulIOp::create(b, loc, next, i64Constant(b, loc, kGolden)));
  Value bits = buildMix(b, loc, state);
  int keep = f32 ? 24 : 53;
  Value top =
      arith::ShRUIOp::create(b, loc, bits, i64Constant(b, loc, 64 - keep));
  Value asFloat = arith::UIToFPOp::create(b, loc, b.getF64Type(), top);
  Value scale = arith::ConstantOp::create(
      b, loc, b.getF64Type(), b.getF64FloatAttr(std::ldexp(1.0, -keep)));
  return arith::MulFOp::create(b, loc, asFloat, scale);
}

struct RandomOpLowering : OpConversionPattern<RandomOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(RandomOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    Type element = type.getElementType();
    bool f32 = element.isF32();
    bool normal = op.getDistribution() == "normal";
    uint64_t key = mix(uint64_t(op.getSeed()) + kGolden);
    double a = op.getAAttr().getValueAsDouble(),
           bParam = op.getBAttr().getValueAsDouble();
    Value result = buildFromIndices(
        rewriter, op.getLoc(), type,
        [&](OpBuilder &b, Location l, ValueRange indices) -> Value {
          // The element's C-order position.
          Value position = i64Constant(b, l, 0);
          for (auto [d, index] : llvm::enumerate(indices)) {
            Value i = arith::IndexCastOp::create(b, l, b.getI64Type(), index);
            Value scaled = arith::MulIOp::create(
                b, l, position, i64Constant(b, l, type.getDimSize(d)));
            position = arith::AddIOp::create(b, l, scaled, i);
          }
          auto f64 = [&](double v) {
            return arith::ConstantOp::create(b, l, b.getF64Type(),
                                             b.getF64FloatAttr(v));
          };
          Value x;
          if (!normal) {
            Value u = buildUniform(b, l, key, position, f32);
            x = arith::AddFOp::create(
                b, l, f64(a), arith::MulFOp::create(b, l, f64(bParam - a), u));
          } else {
            // Box-Muller: r = sqrt(-2 log u1) with u1 in (0, 1], angle 2 pi u2.
            Value twice =
                arith::MulIOp::create(b, l, position, i64Constant(b, l, 2));
            Value u1 = arith::SubFOp::create(
                b, l, f64(1), buildUniform(b, l, key, twice, false));
            Value u2 = buildUniform(
                b, l, key,
                arith::AddIOp::create(b, l, twice, i64Constant(b, l, 1)),
                false);
            Value r = math::SqrtOp::create(
                b, l,
                arith::MulFOp::create(b, l, f64(-2),
                                      math::LogOp::create(b, l, u1)));
            Value angle = arith::MulFOp::create(b, l, f64(2 * M_PI), u2);
            Value z = arith::MulFOp::create(b, l, r,
                                            math::CosOp::create(b, l, angle));
            x = arith::AddFOp::create(
                b, l, f64(a), arith::MulFOp::create(b, l, f64(bParam), z));
          }
          return f32 ? Value(arith::TruncFOp::create(b, l, element, x)) : x;
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void mlir::ein::populateEinConstructorsToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<BroadcastOpLowering, IotaOpLowering, RandomOpLowering>(
      patterns.getContext());
}
