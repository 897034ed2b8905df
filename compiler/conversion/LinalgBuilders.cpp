//===- LinalgBuilders.cpp - Pieces shared by the ein lowerings ------------===//

#include "compiler/conversion/LinalgBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Complex/IR/Complex.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using mlir::ein::kDynamicExtent;
using mlir::ein::LabelExtents;
using mlir::ein::Subscripts;

namespace ein {

SmallVector<SmallVector<int64_t>> operandShapes(ValueRange values) {
  SmallVector<SmallVector<int64_t>> shapes;
  for (Value v : values) {
    SmallVector<int64_t> shape;
    for (int64_t d : cast<RankedTensorType>(v.getType()).getShape())
      shape.push_back(ShapedType::isDynamic(d) ? kDynamicExtent : d);
    shapes.push_back(shape);
  }
  return shapes;
}

GenericSpace buildGenericSpace(const Subscripts &s,
                               ArrayRef<SmallVector<int64_t>> shapes,
                               const LabelExtents &extents, MLIRContext *ctx) {
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

  GenericSpace space;
  space.reduces = !summed.empty();
  for (auto [i, labels] : llvm::enumerate(s.inputs)) {
    SmallVector<AffineExpr> exprs;
    for (auto [d, c] : llvm::enumerate(labels)) {
      bool broadcast = shapes[i][d] == 1 && extents[c] != 1;
      exprs.push_back(broadcast ? getAffineConstantExpr(0, ctx)
                                : getAffineDimExpr(loopOf[c], ctx));
    }
    space.maps.push_back(AffineMap::get(loops.size(), 0, exprs, ctx));
  }
  SmallVector<AffineExpr> outExprs;
  for (char c : s.output)
    outExprs.push_back(getAffineDimExpr(loopOf[c], ctx));
  space.maps.push_back(AffineMap::get(loops.size(), 0, outExprs, ctx));
  for (char c : loops)
    space.iterators.push_back(s.output.find(c) == std::string::npos
                                  ? utils::IteratorType::reduction
                                  : utils::IteratorType::parallel);
  return space;
}

Value buildEmpty(OpBuilder &b, Location loc, RankedTensorType type,
                 const Subscripts &s, ValueRange inputs,
                 ArrayRef<SmallVector<int64_t>> shapes) {
  SmallVector<Value> dynamicSizes;
  for (auto [d, c] : llvm::enumerate(s.output)) {
    if (!type.isDynamicDim(d))
      continue;
    Value size;
    for (auto [i, labels] : llvm::enumerate(s.inputs)) {
      size_t pos = labels.find(c);
      for (; pos != std::string::npos && !size; pos = labels.find(c, pos + 1))
        if (shapes[i][pos] == kDynamicExtent)
          size = tensor::DimOp::create(b, loc, inputs[i], pos);
      if (size)
        break;
    }
    assert(size && "a dynamic label has a dynamic operand dim");
    dynamicSizes.push_back(size);
  }
  return tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType(),
                                 dynamicSizes);
}

Value buildConstant(OpBuilder &b, Location loc, Type type, double value) {
  if (auto complexType = dyn_cast<ComplexType>(type)) {
    auto part = cast<FloatType>(complexType.getElementType());
    return complex::ConstantOp::create(
        b, loc, complexType,
        b.getArrayAttr(
            {b.getFloatAttr(part, value), b.getFloatAttr(part, 0.0)}));
  }
  if (isa<FloatType>(type))
    return arith::ConstantOp::create(b, loc, type, b.getFloatAttr(type, value));
  return arith::ConstantOp::create(b, loc, type,
                                   b.getIntegerAttr(type, int64_t(value)));
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

} // namespace ein
