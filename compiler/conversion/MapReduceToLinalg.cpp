//===- MapReduceToLinalg.cpp - ein.map/reduce/softmax to linalg -----------===//
//
// ein.map becomes one parallel linalg.generic; ein.reduce a fill with the
// reduction's identity and one generic (logsumexp and mean need a second
// step); ein.softmax the stable sequence max, exp(x - max), sum, divide;
// ein.scan a loop along its dimension that combines each slice with the
// result's previous one.
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"
#include "compiler/conversion/LinalgBuilders.h"
#include "dialect/EinOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Complex/IR/Complex.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

#include <limits>

using namespace mlir;
using namespace mlir::ein;

namespace {

using BodyFn = function_ref<Value(OpBuilder &, Location, ValueRange)>;

/// One linalg.generic over `s` (elementwise when the output keeps every
/// label). `body` gets the input elements and, last, the accumulator.
Value buildGeneric(OpBuilder &b, Location loc, const Subscripts &s,
                   ValueRange inputs, RankedTensorType type, Value init,
                   BodyFn body) {
  SmallVector<SmallVector<int64_t>> shapes = ::ein::operandShapes(inputs);
  LabelExtents extents;
  (void)inferLabelExtents(s, shapes, extents);
  ::ein::GenericSpace space =
      ::ein::buildGenericSpace(s, shapes, extents, b.getContext());
  if (!init)
    init = ::ein::buildEmpty(b, loc, type, s, inputs, shapes);
  auto generic = linalg::GenericOp::create(
      b, loc, type, inputs, init, space.maps, space.iterators,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        linalg::YieldOp::create(nb, l, body(nb, l, args));
      });
  return generic.getResult(0);
}

Value floatConstant(OpBuilder &b, Location loc, Type type, double v) {
  return arith::ConstantOp::create(b, loc, type, b.getFloatAttr(type, v));
}

/// 1 where `pred` holds, else 0, in `type`.
Value boolToType(OpBuilder &b, Location loc, Value pred, Type type) {
  return arith::SelectOp::create(b, loc, pred,
                                 ::ein::buildConstant(b, loc, type, 1),
                                 ::ein::buildConstant(b, loc, type, 0));
}

Value applyFn(OpBuilder &b, Location loc, StringRef fn, ValueRange args) {
  Type t = args[0].getType();
  bool isFloat = isa<FloatType>(t), isComplex = isa<ComplexType>(t);
  Value x = args[0], y = args.size() > 1 ? args[1] : Value();
  if (fn == "add")
    return ::ein::buildAdd(b, loc, x, y);
  if (fn == "mul")
    return ::ein::buildMul(b, loc, x, y);
  if (fn == "sub")
    return isComplex ? Value(complex::SubOp::create(b, loc, x, y))
           : isFloat ? Value(arith::SubFOp::create(b, loc, x, y))
                     : Value(arith::SubIOp::create(b, loc, x, y));
  if (fn == "div")
    return isComplex ? Value(complex::DivOp::create(b, loc, x, y))
                     : Value(arith::DivFOp::create(b, loc, x, y));
  if (fn == "neg")
    return isComplex ? Value(complex::NegOp::create(b, loc, x))
           : isFloat ? Value(arith::NegFOp::create(b, loc, x))
                     : Value(arith::SubIOp::create(
                           b, loc, ::ein::buildConstant(b, loc, t, 0), x));
  if (fn == "max")
    return isFloat ? Value(arith::MaximumFOp::create(b, loc, x, y))
                   : Value(arith::MaxSIOp::create(b, loc, x, y));
  if (fn == "min")
    return isFloat ? Value(arith::MinimumFOp::create(b, loc, x, y))
                   : Value(arith::MinSIOp::create(b, loc, x, y));
  if (fn == "relu") {
    Value zero = ::ein::buildConstant(b, loc, t, 0);
    return isFloat ? Value(arith::MaximumFOp::create(b, loc, x, zero))
                   : Value(arith::MaxSIOp::create(b, loc, x, zero));
  }
  if (fn == "abs")
    return isFloat ? Value(math::AbsFOp::create(b, loc, x))
                   : Value(math::AbsIOp::create(b, loc, x));
  if (fn == "pow")
    return math::PowFOp::create(b, loc, x, y);
  if (fn == "exp")
    return math::ExpOp::create(b, loc, x);
  if (fn == "log")
    return math::LogOp::create(b, loc, x);
  if (fn == "sqrt")
    return math::SqrtOp::create(b, loc, x);
  if (fn == "rsqrt")
    return math::RsqrtOp::create(b, loc, x);
  if (fn == "tanh")
    return math::TanhOp::create(b, loc, x);
  if (fn == "sigmoid") {
    Value one = floatConstant(b, loc, t, 1);
    Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
    return arith::DivFOp::create(b, loc, one,
                                 arith::AddFOp::create(b, loc, one, e));
  }
  if (fn == "select") {
    Value zero = ::ein::buildConstant(b, loc, t, 0);
    Value cond = isFloat ? Value(arith::CmpFOp::create(
                               b, loc, arith::CmpFPredicate::UNE, x, zero))
                         : Value(arith::CmpIOp::create(
                               b, loc, arith::CmpIPredicate::ne, x, zero));
    return arith::SelectOp::create(b, loc, cond, args[1], args[2]);
  }
  // Comparisons: NaN compares unequal to everything, as in NumPy.
  if (isComplex) {
    // Equal when both parts are (complex.eq has no lowering to LLVM).
    auto part = [&](bool real, Value v) -> Value {
      return real ? Value(complex::ReOp::create(b, loc, v))
                  : Value(complex::ImOp::create(b, loc, v));
    };
    auto pred =
        fn == "eq" ? arith::CmpFPredicate::OEQ : arith::CmpFPredicate::UNE;
    Value re =
        arith::CmpFOp::create(b, loc, pred, part(true, x), part(true, y));
    Value im =
        arith::CmpFOp::create(b, loc, pred, part(false, x), part(false, y));
    Value both = fn == "eq" ? Value(arith::AndIOp::create(b, loc, re, im))
                            : Value(arith::OrIOp::create(b, loc, re, im));
    return boolToType(b, loc, both, t);
  }
  if (isFloat) {
    auto pred = llvm::StringSwitch<arith::CmpFPredicate>(fn)
                    .Case("lt", arith::CmpFPredicate::OLT)
                    .Case("le", arith::CmpFPredicate::OLE)
                    .Case("gt", arith::CmpFPredicate::OGT)
                    .Case("ge", arith::CmpFPredicate::OGE)
                    .Case("eq", arith::CmpFPredicate::OEQ)
                    .Default(arith::CmpFPredicate::UNE);
    return boolToType(b, loc, arith::CmpFOp::create(b, loc, pred, x, y), t);
  }
  auto pred = llvm::StringSwitch<arith::CmpIPredicate>(fn)
                  .Case("lt", arith::CmpIPredicate::slt)
                  .Case("le", arith::CmpIPredicate::sle)
                  .Case("gt", arith::CmpIPredicate::sgt)
                  .Case("ge", arith::CmpIPredicate::sge)
                  .Case("eq", arith::CmpIPredicate::eq)
                  .Default(arith::CmpIPredicate::ne);
  return boolToType(b, loc, arith::CmpIOp::create(b, loc, pred, x, y), t);
}

/// The identity of a reduction (what an empty one gives).
Value identity(OpBuilder &b, Location loc, StringRef kind, Type t) {
  if (kind == "prod")
    return ::ein::buildConstant(b, loc, t, 1);
  if (kind == "max" || kind == "min") {
    bool isMax = kind == "max";
    if (auto f = dyn_cast<FloatType>(t))
      return floatConstant(b, loc, t,
                           isMax ? -std::numeric_limits<double>::infinity()
                                 : std::numeric_limits<double>::infinity());
    unsigned width = t.getIntOrFloatBitWidth();
    APInt v = isMax ? APInt::getSignedMinValue(width)
                    : APInt::getSignedMaxValue(width);
    return arith::ConstantOp::create(b, loc, t, b.getIntegerAttr(t, v));
  }
  return ::ein::buildConstant(b, loc, t, 0);
}

/// Reduces `input` with `kind` (sum, prod, max, min) over the labels of
/// `s` missing from its output.
Value reduceWith(OpBuilder &b, Location loc, StringRef kind,
                 const Subscripts &s, Value input, RankedTensorType type) {
  Value init =
      ::ein::buildEmpty(b, loc, type, s, input, ::ein::operandShapes(input));
  init = linalg::FillOp::create(
             b, loc, identity(b, loc, kind, type.getElementType()), init)
             .getResult(0);
  return buildGeneric(
      b, loc, s, input, type, init,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        StringRef fn = kind == "sum" ? "add" : kind == "prod" ? "mul" : kind;
        return applyFn(nb, l, fn, {args[1], args[0]});
      });
}

/// `m` where it is finite, else 0: keeps exp(x - m) defined when every
/// value is -inf (or +inf).
Value finiteOrZero(OpBuilder &b, Location loc, Value m) {
  Type t = m.getType();
  Value inf = floatConstant(b, loc, t, std::numeric_limits<double>::infinity());
  Value absM = math::AbsFOp::create(b, loc, m);
  Value finite =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, absM, inf);
  return arith::SelectOp::create(b, loc, finite, m,
                                 floatConstant(b, loc, t, 0));
}

/// log(sum(exp(x - m))) + m over the reduced labels, m the maximum.
Value logSumExp(OpBuilder &b, Location loc, const Subscripts &s, Value input,
                RankedTensorType type) {
  Value m = reduceWith(b, loc, "max", s, input, type);
  Subscripts shifted{{s.inputs[0], s.output}, s.output};
  Value init =
      ::ein::buildEmpty(b, loc, type, s, input, ::ein::operandShapes(input));
  init =
      linalg::FillOp::create(
          b, loc, ::ein::buildConstant(b, loc, type.getElementType(), 0), init)
          .getResult(0);
  Value sum =
      buildGeneric(b, loc, shifted, ValueRange{input, m}, type, init,
                   [&](OpBuilder &nb, Location l, ValueRange args) {
                     Value safe = finiteOrZero(nb, l, args[1]);
                     Value e = math::ExpOp::create(
                         nb, l, arith::SubFOp::create(nb, l, args[0], safe));
                     return arith::AddFOp::create(nb, l, args[2], e);
                   });
  Subscripts same{{s.output, s.output}, s.output};
  return buildGeneric(b, loc, same, ValueRange{sum, m}, type, Value(),
                      [&](OpBuilder &nb, Location l, ValueRange args) {
                        Value safe = finiteOrZero(nb, l, args[1]);
                        return arith::AddFOp::create(
                            nb, l, math::LogOp::create(nb, l, args[0]), safe);
                      });
}

struct MapOpLowering : OpConversionPattern<MapOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MapOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Subscripts s = op.getParsedSubscripts();
    StringRef fn = op.getFn();
    Value result = buildGeneric(rewriter, op.getLoc(), s, adaptor.getInputs(),
                                cast<RankedTensorType>(op.getType()), Value(),
                                [&](OpBuilder &b, Location l, ValueRange args) {
                                  return applyFn(b, l, fn, args.drop_back());
                                });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct ReduceOpLowering : OpConversionPattern<ReduceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ReduceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Subscripts s = op.getParsedSubscripts();
    auto type = cast<RankedTensorType>(op.getType());
    Value input = adaptor.getInput();
    StringRef kind = op.getKind();
    Value result;
    if (kind == "logsumexp") {
      result = logSumExp(rewriter, loc, s, input, type);
    } else if (kind == "mean") {
      Value sum = reduceWith(rewriter, loc, "sum", s, input, type);
      // Divide by the number of reduced elements.
      Type t = type.getElementType();
      Value count = floatConstant(rewriter, loc, t, 1);
      for (auto [d, c] : llvm::enumerate(s.inputs[0])) {
        if (s.output.find(c) != std::string::npos)
          continue;
        Value dim = tensor::DimOp::create(rewriter, loc, input, d);
        Value asInt = arith::IndexCastOp::create(rewriter, loc,
                                                 rewriter.getI64Type(), dim);
        Value asFloat = arith::SIToFPOp::create(rewriter, loc, t, asInt);
        count = arith::MulFOp::create(rewriter, loc, count, asFloat);
      }
      Subscripts same{{s.output}, s.output};
      result =
          buildGeneric(rewriter, loc, same, sum, type, Value(),
                       [&](OpBuilder &b, Location l, ValueRange args) {
                         return arith::DivFOp::create(b, l, args[0], count);
                       });
    } else {
      result = reduceWith(rewriter, loc, kind, s, input, type);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct SoftmaxOpLowering : OpConversionPattern<SoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SoftmaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    auto type = cast<RankedTensorType>(x.getType());
    int64_t dim = op.getDimAttr().getValue().getSExtValue();
    std::string labels = std::string("abcdefghijklmnopqrstuvwxyz"
                                     "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
                             .substr(0, type.getRank());
    std::string kept = labels;
    kept.erase(dim, 1);
    SmallVector<int64_t> keptShape(type.getShape());
    keptShape.erase(keptShape.begin() + dim);
    auto reducedType = RankedTensorType::get(keptShape, type.getElementType());

    Subscripts reduce{{labels}, kept};
    Value m = reduceWith(rewriter, loc, "max", reduce, x, reducedType);
    Subscripts shift{{labels, kept}, labels};
    Value e =
        buildGeneric(rewriter, loc, shift, ValueRange{x, m}, type, Value(),
                     [&](OpBuilder &b, Location l, ValueRange args) {
                       Value safe = finiteOrZero(b, l, args[1]);
                       return math::ExpOp::create(
                           b, l, arith::SubFOp::create(b, l, args[0], safe));
                     });
    Value sum = reduceWith(rewriter, loc, "sum", reduce, e, reducedType);
    Value p =
        buildGeneric(rewriter, loc, shift, ValueRange{e, sum}, type, Value(),
                     [&](OpBuilder &b, Location l, ValueRange args) {
                       return arith::DivFOp::create(b, l, args[0], args[1]);
                     });
    rewriter.replaceOp(op, p);
    return success();
  }
};

/// An scf.for over the scanned dimension: slice k of the result is slice
/// k of the input combined with slice k-1 of the result (slice 0 is the
/// input's), one elementwise generic per slice, in index order.
struct ScanOpLowering : OpConversionPattern<ScanOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ScanOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    auto type = cast<RankedTensorType>(x.getType());
    int64_t rank = type.getRank();
    int64_t dim = op.getDimAttr().getValue().getSExtValue();
    bool sum = op.getKind() == "sum";
    std::string labels = std::string("abcdefghijklmnopqrstuvwxyz"
                                     "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
                             .substr(0, rank);
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, x);
    Value init =
        tensor::EmptyOp::create(rewriter, loc, sizes, type.getElementType());
    SmallVector<int64_t> sliceShape(type.getShape());
    sliceShape[dim] = 1;
    auto sliceType = RankedTensorType::get(sliceShape, type.getElementType());
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    Value extent = tensor::DimOp::create(rewriter, loc, x, dim);
    auto loop = scf::ForOp::create(
        rewriter, loc, zero, extent, one, ValueRange{init},
        [&](OpBuilder &b, Location l, Value k, ValueRange iter) {
          Value first =
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, k, zero);
          Value previous = arith::SelectOp::create(
              b, l, first, zero, arith::SubIOp::create(b, l, k, one));
          SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
          SmallVector<OpFoldResult> sliceSizes = sizes;
          SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
          sliceSizes[dim] = b.getIndexAttr(1);
          offsets[dim] = k;
          Value current = tensor::ExtractSliceOp::create(
              b, l, sliceType, x, offsets, sliceSizes, strides);
          SmallVector<OpFoldResult> before = offsets;
          before[dim] = previous;
          Value last = tensor::ExtractSliceOp::create(
              b, l, sliceType, iter[0], before, sliceSizes, strides);
          Subscripts s{{labels, labels}, labels};
          Value combined = buildGeneric(
              b, l, s, ValueRange{current, last}, sliceType, Value(),
              [&](OpBuilder &nb, Location nl, ValueRange args) {
                Value v = sum ? ::ein::buildAdd(nb, nl, args[1], args[0])
                              : ::ein::buildMul(nb, nl, args[1], args[0]);
                // Slice 0 has no predecessor: the input's own.
                return arith::SelectOp::create(nb, nl, first, args[0], v);
              });
          Value next = tensor::InsertSliceOp::create(
              b, l, combined, iter[0], offsets, sliceSizes, strides);
          scf::YieldOp::create(b, l, next);
        });
    rewriter.replaceOp(op, loop.getResult(0));
    return success();
  }
};

} // namespace

void mlir::ein::populateEinMapReduceToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns
      .add<MapOpLowering, ReduceOpLowering, SoftmaxOpLowering, ScanOpLowering>(
          patterns.getContext());
}
