//===- EinOps.cpp - Ein dialect ops ---------------------------------------===//

#include "dialect/EinOps.h"

#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::ein;

//===----------------------------------------------------------------------===//
// ContractOp
//===----------------------------------------------------------------------===//

Subscripts ContractOp::getParsedSubscripts() {
  std::string error;
  size_t column;
  std::optional<Subscripts> parsed =
      Subscripts::parse(getSubscripts(), error, column);
  assert(parsed && "subscripts of a verified op must parse");
  return *parsed;
}

static std::string shapeStr(ArrayRef<int64_t> shape) {
  std::string s;
  for (int64_t d : shape) {
    if (!s.empty())
      s += "x";
    s += ShapedType::isDynamic(d) ? "?" : std::to_string(d);
  }
  return s.empty() ? "scalar" : s;
}

LogicalResult ContractOp::verify() {
  std::string error;
  size_t column = 0;
  std::optional<Subscripts> parsed =
      Subscripts::parse(getSubscripts(), error, column);
  if (!parsed)
    return emitOpError("invalid subscripts \"")
           << getSubscripts() << "\": " << error << " at column " << column;
  if (parsed->inputs.size() != getInputs().size())
    return emitOpError("subscripts name ")
           << parsed->inputs.size() << " operands but the op has "
           << getInputs().size();

  auto resultType = cast<RankedTensorType>(getResult().getType());
  SmallVector<SmallVector<int64_t>> shapes;
  for (auto [i, value] : llvm::enumerate(getInputs())) {
    auto type = cast<RankedTensorType>(value.getType());
    if (type.getElementType() != resultType.getElementType())
      return emitOpError("operand ")
             << i << " has element type " << type.getElementType()
             << " but the result has " << resultType.getElementType();
    if (type.getRank() != static_cast<int64_t>(parsed->inputs[i].size()))
      return emitOpError("operand ")
             << i << " has rank " << type.getRank() << " but its subscripts \""
             << parsed->inputs[i] << "\" name " << parsed->inputs[i].size()
             << " dimensions";
    SmallVector<int64_t> shape;
    for (int64_t d : type.getShape())
      shape.push_back(ShapedType::isDynamic(d) ? kDynamicExtent : d);
    shapes.push_back(std::move(shape));
  }

  LabelExtents extents;
  if (std::optional<ExtentConflict> conflict =
          inferLabelExtents(*parsed, shapes, extents))
    return emitOpError(conflict->message());

  if (resultType.getRank() != static_cast<int64_t>(parsed->output.size()))
    return emitOpError("result has rank ")
           << resultType.getRank() << " but the output subscripts \""
           << parsed->output << "\" name " << parsed->output.size()
           << " dimensions";
  for (auto [d, label] : llvm::enumerate(parsed->output)) {
    int64_t expected = extents[label];
    int64_t actual = resultType.getDimSize(d);
    bool ok = expected == kDynamicExtent ? ShapedType::isDynamic(actual)
                                         : actual == expected;
    if (!ok) {
      SmallVector<int64_t> want;
      for (char l : parsed->output)
        want.push_back(extents[l] == kDynamicExtent ? ShapedType::kDynamic
                                                    : extents[l]);
      return emitOpError("result shape ")
             << shapeStr(resultType.getShape()) << " does not match "
             << shapeStr(want) << " implied by the operands";
    }
  }
  return success();
}

OpFoldResult ContractOp::fold(FoldAdaptor) {
  // A one-operand contraction whose output repeats its input is the input.
  if (getInputs().size() != 1 || getInputs()[0].getType() != getType())
    return {};
  Subscripts s = getParsedSubscripts();
  if (s.inputs[0] != s.output)
    return {};
  return getInputs()[0];
}

#define GET_OP_CLASSES
#include "dialect/EinOps.cpp.inc"
