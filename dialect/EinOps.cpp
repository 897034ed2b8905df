//===- EinOps.cpp - Ein dialect ops ---------------------------------------===//

#include "dialect/EinOps.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSwitch.h"

#include <cmath>
#include <cstdio>

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

/// The checks every op with einsum subscripts shares: syntax, operand
/// count, element types, ranks, NumPy's extent rules and the result shape.
static FailureOr<Subscripts> verifySubscripts(Operation *op,
                                              StringRef subscripts,
                                              ValueRange inputs,
                                              RankedTensorType resultType) {
  std::string error;
  size_t column = 0;
  std::optional<Subscripts> parsed =
      Subscripts::parse(subscripts, error, column);
  if (!parsed)
    return op->emitOpError("invalid subscripts \"")
           << subscripts << "\": " << error << " at column " << column;
  if (parsed->inputs.size() != inputs.size())
    return op->emitOpError("subscripts name ")
           << parsed->inputs.size() << " operands but the op has "
           << inputs.size();

  SmallVector<SmallVector<int64_t>> shapes;
  for (auto [i, value] : llvm::enumerate(inputs)) {
    auto type = cast<RankedTensorType>(value.getType());
    if (type.getElementType() != resultType.getElementType())
      return op->emitOpError("operand ")
             << i << " has element type " << type.getElementType()
             << " but the result has " << resultType.getElementType();
    if (type.getRank() != static_cast<int64_t>(parsed->inputs[i].size()))
      return op->emitOpError("operand ")
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
    return op->emitOpError(conflict->message());

  if (resultType.getRank() != static_cast<int64_t>(parsed->output.size()))
    return op->emitOpError("result has rank ")
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
      return op->emitOpError("result shape ")
             << shapeStr(resultType.getShape()) << " does not match "
             << shapeStr(want) << " implied by the operands";
    }
  }
  return *parsed;
}

LogicalResult ContractOp::verify() {
  return verifySubscripts(*this, getSubscripts(), getInputs(),
                          cast<RankedTensorType>(getType()));
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

//===----------------------------------------------------------------------===//
// MapOp
//===----------------------------------------------------------------------===//

unsigned MapOp::arity(StringRef fn) {
  return llvm::StringSwitch<unsigned>(fn)
      .Cases({"neg", "exp", "log", "sqrt", "rsqrt", "abs", "tanh", "sigmoid",
              "relu"},
             1)
      .Cases({"add", "sub", "mul", "div", "max", "min", "pow", "lt", "le", "gt",
              "ge", "eq", "ne"},
             2)
      .Case("select", 3)
      .Default(0);
}

Subscripts MapOp::getParsedSubscripts() {
  std::string error;
  size_t column;
  return *Subscripts::parse(getSubscripts(), error, column);
}

LogicalResult MapOp::verify() {
  unsigned n = arity(getFn());
  if (n == 0)
    return emitOpError("unknown function '") << getFn() << "'";
  if (getInputs().size() != n)
    return emitOpError("'")
           << getFn() << "' takes " << n << " operand" << (n == 1 ? "" : "s")
           << " but has " << getInputs().size();
  auto resultType = cast<RankedTensorType>(getType());
  FailureOr<Subscripts> s =
      verifySubscripts(*this, getSubscripts(), getInputs(), resultType);
  if (failed(s))
    return failure();
  for (const std::string &in : s->inputs)
    for (char c : in)
      if (s->output.find(c) == std::string::npos)
        return emitOpError("label '")
               << c << "' is missing from the output: ein.map sums nothing";
  std::string why = checkElementType(getFn(), resultType.getElementType());
  if (!why.empty())
    return emitOpError(why);
  return success();
}

std::string MapOp::checkElementType(StringRef fn, Type element) {
  if (isa<IntegerType>(element) &&
      !llvm::is_contained({"add", "sub", "mul", "max", "min", "neg", "abs",
                           "relu", "lt", "le", "gt", "ge", "eq", "ne",
                           "select"},
                          fn))
    return ("'" + fn + "' is not defined on integers").str();
  if (isa<ComplexType>(element) &&
      !llvm::is_contained({"add", "sub", "mul", "div", "neg", "eq", "ne"}, fn))
    return ("'" + fn + "' is not defined on complex numbers").str();
  return "";
}

//===----------------------------------------------------------------------===//
// ReduceOp
//===----------------------------------------------------------------------===//

Subscripts ReduceOp::getParsedSubscripts() {
  std::string error;
  size_t column;
  return *Subscripts::parse(getSubscripts(), error, column);
}

LogicalResult ReduceOp::verify() {
  StringRef kind = getKind();
  if (!llvm::is_contained({"sum", "prod", "max", "min", "mean", "logsumexp"},
                          kind))
    return emitOpError("unknown reduction '") << kind << "'";
  auto resultType = cast<RankedTensorType>(getType());
  FailureOr<Subscripts> s = verifySubscripts(
      *this, getSubscripts(), ValueRange{getInput()}, resultType);
  if (failed(s))
    return failure();
  const std::string &in = s->inputs[0];
  for (size_t i = 0; i < in.size(); ++i)
    if (in.find(in[i]) != i)
      return emitOpError("label '") << in[i] << "' repeats in the operand";
  std::string why = checkElementType(kind, resultType.getElementType());
  if (!why.empty())
    return emitOpError(why);
  return success();
}

LogicalResult ReduceOp::canonicalize(ReduceOp op, PatternRewriter &rewriter) {
  auto producer = op.getInput().getDefiningOp<ContractOp>();
  if (op.getKind() != "sum" || !producer || !producer->hasOneUse())
    return failure();
  Subscripts reduce = op.getParsedSubscripts();
  Subscripts contract = producer.getParsedSubscripts();
  // The reduction's labels name the contraction's result dimensions by
  // position; the merged contraction keeps those the reduction keeps.
  std::string output;
  for (char c : reduce.output)
    output.push_back(contract.output[reduce.inputs[0].find(c)]);
  Subscripts merged{contract.inputs, output};
  rewriter.replaceOpWithNewOp<ContractOp>(op, op.getType(), merged.str(),
                                          producer.getInputs());
  rewriter.eraseOp(producer);
  return success();
}

std::string ReduceOp::checkElementType(StringRef kind, Type element) {
  if (isa<ComplexType>(element) && kind != "sum" && kind != "prod")
    return ("'" + kind + "' is not defined on complex numbers").str();
  if (!isa<FloatType>(element) && !isa<ComplexType>(element) && kind != "sum" &&
      kind != "prod" && kind != "max" && kind != "min")
    return ("'" + kind + "' needs floating-point numbers").str();
  return "";
}

//===----------------------------------------------------------------------===//
// SoftmaxOp
//===----------------------------------------------------------------------===//

/// `dim` names a dimension of `input`.
static LogicalResult verifyDimension(Operation *op, RankedTensorType input,
                                     IntegerAttr dim) {
  int64_t rank = input.getRank(), d = dim.getValue().getSExtValue();
  if (d < 0 || d >= rank)
    return op->emitOpError("dimension ")
           << d << " is out of range for rank " << rank;
  return success();
}

LogicalResult SoftmaxOp::verify() {
  return verifyDimension(*this, getInput().getType(), getDimAttr());
}

//===----------------------------------------------------------------------===//
// ScanOp
//===----------------------------------------------------------------------===//

LogicalResult ScanOp::verify() {
  if (getKind() != "sum" && getKind() != "prod")
    return emitOpError("kind must be 'sum' or 'prod', not '")
           << getKind() << "'";
  return verifyDimension(*this, getInput().getType(), getDimAttr());
}

//===----------------------------------------------------------------------===//
// Constructors
//===----------------------------------------------------------------------===//

Subscripts BroadcastOp::getParsedSubscripts() {
  std::string error;
  size_t column;
  return *Subscripts::parse(getSubscripts(), error, column,
                            /*outputMayAddLabels=*/true);
}

LogicalResult BroadcastOp::verify() {
  std::string error;
  size_t column = 0;
  std::optional<Subscripts> s = Subscripts::parse(
      getSubscripts(), error, column, /*outputMayAddLabels=*/true);
  if (!s)
    return emitOpError("invalid subscripts \"")
           << getSubscripts() << "\": " << error << " at column " << column;
  if (s->inputs.size() != 1)
    return emitOpError("subscripts name ")
           << s->inputs.size() << " operands but the op has 1";
  auto in = cast<RankedTensorType>(getInput().getType());
  auto out = cast<RankedTensorType>(getType());
  if (in.getElementType() != out.getElementType())
    return emitOpError("operand has element type ")
           << in.getElementType() << " but the result has "
           << out.getElementType();
  const std::string &labels = s->inputs[0];
  if (in.getRank() != static_cast<int64_t>(labels.size()))
    return emitOpError("operand has rank ")
           << in.getRank() << " but its subscripts \"" << labels << "\" name "
           << labels.size() << " dimensions";
  if (out.getRank() != static_cast<int64_t>(s->output.size()))
    return emitOpError("result has rank ")
           << out.getRank() << " but the output subscripts \"" << s->output
           << "\" name " << s->output.size() << " dimensions";
  for (auto [d, c] : llvm::enumerate(labels)) {
    if (labels.find(c) != d)
      return emitOpError("label '") << c << "' repeats in the operand";
    size_t at = s->output.find(c);
    if (at == std::string::npos)
      return emitOpError("label '")
             << c << "' is missing from the output: ein.broadcast sums nothing";
    int64_t want = in.getDimSize(d), have = out.getDimSize(at);
    if (!ShapedType::isDynamic(want) && !ShapedType::isDynamic(have) &&
        want != have)
      return emitOpError("label '")
             << c << "' has extent " << want << " in the operand but " << have
             << " in the result";
  }
  for (auto [d, c] : llvm::enumerate(s->output)) {
    if (s->output.find(c) != d)
      return emitOpError("label '") << c << "' repeats in the output";
    if (labels.find(c) == std::string::npos && out.isDynamicDim(d))
      return emitOpError("new label '") << c << "' needs a static extent";
  }
  return success();
}

/// Constructors make their shape from nothing: it must be static.
static LogicalResult verifyStatic(Operation *op, Type type) {
  if (!cast<RankedTensorType>(type).hasStaticShape())
    return op->emitOpError("needs a static result shape");
  return success();
}

LogicalResult IotaOp::verify() { return verifyStatic(*this, getType()); }

/// A number as a person would write it: 2, -1.5, 1e+30.
static std::string numberText(double v) {
  char text[32];
  std::snprintf(text, sizeof(text), "%g", v);
  return text;
}

std::string RandomOp::checkParameters(StringRef distribution, int64_t seed,
                                      double a, double b) {
  if (distribution != "uniform" && distribution != "normal")
    return ("unknown distribution '" + distribution + "' (uniform or normal)")
        .str();
  if (seed < 0)
    return "the seed must be a non-negative integer";
  if (!std::isfinite(a) || !std::isfinite(b))
    return distribution == "uniform" ? "uniform needs finite bounds"
                                     : "normal needs a finite mean and std";
  if (distribution == "uniform" && a > b)
    return "uniform needs low <= high, but low is " + numberText(a) +
           " and high " + numberText(b);
  if (distribution == "normal" && b < 0)
    return "normal needs std >= 0, but it is " + numberText(b);
  return "";
}

LogicalResult RandomOp::verify() {
  std::string why = checkParameters(getDistribution(), getSeed(),
                                    getAAttr().getValueAsDouble(),
                                    getBAttr().getValueAsDouble());
  if (!why.empty())
    return emitOpError(why);
  return verifyStatic(*this, getType());
}

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

/// Square: both extents equal when static.
static LogicalResult verifySquare(Operation *op, RankedTensorType type) {
  int64_t m = type.getDimSize(0), n = type.getDimSize(1);
  if (!ShapedType::isDynamic(m) && !ShapedType::isDynamic(n) && m != n)
    return op->emitOpError("needs a square matrix, not ") << m << "x" << n;
  return success();
}

LogicalResult InvOp::verify() {
  return verifySquare(*this, getInput().getType());
}

LogicalResult CholeskyOp::verify() {
  return verifySquare(*this, getInput().getType());
}

LogicalResult DetOp::verify() {
  if (getInput().getType().getElementType() != getType().getElementType())
    return emitOpError("result element type must equal the operand's");
  return verifySquare(*this, getInput().getType());
}

LogicalResult SolveOp::verify() {
  RankedTensorType a = getA().getType(), b = getB().getType();
  if (failed(verifySquare(*this, a)))
    return failure();
  if (b.getRank() < 1 || b.getRank() > 2)
    return emitOpError("needs a vector or matrix right-hand side");
  if (a.getElementType() != b.getElementType())
    return emitOpError("operands have different element types");
  int64_t n = a.getDimSize(0), rows = b.getDimSize(0);
  if (!ShapedType::isDynamic(n) && !ShapedType::isDynamic(rows) && n != rows)
    return emitOpError("the right-hand side has ")
           << rows << " rows but the matrix has " << n;
  return success();
}

/// Result shapes must be the thin factors of an m x n operand.
static LogicalResult
verifyShapes(Operation *op,
             ArrayRef<std::pair<Type, SmallVector<int64_t>>> expected) {
  for (auto [i, e] : llvm::enumerate(expected)) {
    auto type = cast<RankedTensorType>(e.first);
    if (type.getElementType() !=
        cast<RankedTensorType>(op->getOperand(0).getType()).getElementType())
      return op->emitOpError("result ") << i << " has another element type";
    for (auto [d, want] : llvm::enumerate(e.second)) {
      int64_t got = type.getDimSize(d);
      if (!ShapedType::isDynamic(want) && !ShapedType::isDynamic(got) &&
          got != want)
        return op->emitOpError("result ")
               << i << " has extent " << got << " in dimension " << d << " but "
               << want << " was expected";
    }
  }
  return success();
}

static int64_t minExtent(int64_t m, int64_t n) {
  if (ShapedType::isDynamic(m) || ShapedType::isDynamic(n))
    return ShapedType::kDynamic;
  return std::min(m, n);
}

LogicalResult SvdOp::verify() {
  auto a = getInput().getType();
  int64_t m = a.getDimSize(0), n = a.getDimSize(1), k = minExtent(m, n);
  return verifyShapes(*this, {{getU().getType(), {m, k}},
                              {getS().getType(), {k}},
                              {getVt().getType(), {k, n}}});
}

LogicalResult QrOp::verify() {
  auto a = getInput().getType();
  int64_t m = a.getDimSize(0), n = a.getDimSize(1), k = minExtent(m, n);
  return verifyShapes(*this,
                      {{getQ().getType(), {m, k}}, {getR().getType(), {k, n}}});
}

LogicalResult EighOp::verify() {
  auto a = getInput().getType();
  if (failed(verifySquare(*this, a)))
    return failure();
  int64_t n = a.getDimSize(0);
  return verifyShapes(*this,
                      {{getW().getType(), {n}}, {getV().getType(), {n, n}}});
}

LogicalResult SlogdetOp::verify() {
  if (failed(verifySquare(*this, getInput().getType())))
    return failure();
  return verifyShapes(
      *this, {{getSign().getType(), {}}, {getLogabsdet().getType(), {}}});
}

LogicalResult EigOp::verify() {
  auto a = getInput().getType();
  if (!isa<ComplexType>(a.getElementType()))
    return emitOpError("needs a complex matrix (its eigenvalues are complex)");
  if (failed(verifySquare(*this, a)))
    return failure();
  int64_t n = a.getDimSize(0);
  return verifyShapes(*this,
                      {{getW().getType(), {n}}, {getV().getType(), {n, n}}});
}

LogicalResult LstsqOp::verify() {
  RankedTensorType a = getA().getType(), b = getB().getType(), x = getType();
  if (b.getRank() < 1 || b.getRank() > 2)
    return emitOpError("needs a vector or matrix right-hand side");
  if (a.getElementType() != b.getElementType() ||
      a.getElementType() != x.getElementType())
    return emitOpError("operands and result have different element types");
  int64_t m = a.getDimSize(0), rows = b.getDimSize(0);
  if (!ShapedType::isDynamic(m) && !ShapedType::isDynamic(rows) && m != rows)
    return emitOpError("the right-hand side has ")
           << rows << " rows but the matrix has " << m;
  SmallVector<int64_t> want{a.getDimSize(1)};
  if (b.getRank() == 2)
    want.push_back(b.getDimSize(1));
  if (x.getRank() != b.getRank())
    return emitOpError("the result must have the right-hand side's rank");
  for (auto [d, w] : llvm::enumerate(want))
    if (!ShapedType::isDynamic(w) && !x.isDynamicDim(d) && x.getDimSize(d) != w)
      return emitOpError("the result has extent ")
             << x.getDimSize(d) << " in dimension " << d << " but " << w
             << " was expected";
  return success();
}

#define GET_OP_CLASSES
#include "dialect/EinOps.cpp.inc"
