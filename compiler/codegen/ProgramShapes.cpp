//===- ProgramShapes.cpp - Index groups, extents and constructors ---------===//
//
// The parts of program lowering that make or reshape tensors rather than
// compute with them: `i:3` extents, `(h,d)` index groups (reshape, flatten,
// split) and the constructors eye, arange, zeros, ones, full, uniform and
// normal.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/ProgramLowering.h"
#include "dialect/EinOps.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using llvm::cast;
using mlir::RankedTensorType;
using mlir::Value;

namespace ein {

namespace {

/// "(h,d)" for the group of `count` indices from `first`.
std::string groupText(const std::vector<std::string> &indices, size_t first,
                      size_t count) {
  std::string text = "(";
  for (size_t k = 0; k < count; ++k)
    text += (k ? "," : "") + indices[first + k];
  return text + ")";
}

/// Reassociation indices of `layout`'s groups.
llvm::SmallVector<mlir::ReassociationIndices>
reassociation(const IndexLayout &layout) {
  llvm::SmallVector<mlir::ReassociationIndices> groups;
  int64_t next = 0;
  for (unsigned span : layout.spans) {
    groups.emplace_back();
    for (unsigned k = 0; k < span; ++k)
      groups.back().push_back(next++);
  }
  return groups;
}

} // namespace

llvm::Error
ProgramLowering::setWrittenExtents(const std::vector<std::string> &indices,
                                   const IndexLayout &layout,
                                   const std::string &tensor) {
  size_t index = 0;
  for (size_t d = 0; d < layout.rank(); ++d)
    for (unsigned k = 0; k < layout.spans[d]; ++k, ++index)
      if (layout.extents[index] >= 0) {
        auto known = extents.find(indices[index]);
        if (known != extents.end() &&
            known->second.first != layout.extents[index])
          return programError(
              p.source, layout.offsets[d],
              "index '" + indices[index] + "' is written " + indices[index] +
                  ":" + std::to_string(layout.extents[index]) +
                  " but has extent " + std::to_string(known->second.first) +
                  " (from '" + known->second.second + "')");
        if (llvm::Error e = setExtent(indices[index], layout.extents[index],
                                      layout.offsets[d], tensor))
          return e;
      }
  return llvm::Error::success();
}

llvm::Expected<Value> ProgramLowering::splitGroups(const Expr &e, Value value) {
  if (llvm::Error err = setWrittenExtents(e.indices, e.layout, e.name))
    return std::move(err);
  if (!e.layout.grouped())
    return value;
  auto type = cast<RankedTensorType>(value.getType());
  llvm::SmallVector<int64_t> expanded;
  size_t first = 0;
  for (size_t d = 0; d < e.layout.rank(); ++d) {
    unsigned span = e.layout.spans[d];
    int64_t size = type.getDimSize(d);
    if (span == 1) {
      expanded.push_back(size);
      ++first;
      continue;
    }
    std::string group = groupText(e.indices, first, span);
    int64_t known = 1;
    std::vector<size_t> unknown;
    for (unsigned k = 0; k < span; ++k) {
      auto it = extents.find(e.indices[first + k]);
      if (it == extents.end())
        unknown.push_back(first + k);
      else
        known *= it->second.first;
    }
    std::string where = "dimension " + std::to_string(d) + " of '" + e.name +
                        "' (" + std::to_string(size) + " elements)";
    if (unknown.size() > 1 || (unknown.size() == 1 && known == 0))
      return programError(p.source, e.layout.offsets[d],
                          "cannot split " + where + " into " + group +
                              ": give the extent of all indices but one, "
                              "as in (" +
                              e.indices[first] + ":N" +
                              group.substr(1 + e.indices[first].size()));
    if (unknown.empty() && known != size)
      return programError(p.source, e.layout.offsets[d],
                          "the sizes do not multiply out: " + group + " is " +
                              std::to_string(known) + " elements but " + where +
                              " is not");
    if (unknown.size() == 1) {
      if (size % known != 0)
        return programError(p.source, e.layout.offsets[d],
                            "the sizes do not multiply out: " + where +
                                " is not a multiple of " +
                                std::to_string(known) + ", so " + group +
                                " cannot split it");
      if (llvm::Error err = setExtent(e.indices[unknown[0]], size / known,
                                      e.layout.offsets[d], e.name))
        return std::move(err);
    }
    for (unsigned k = 0; k < span; ++k)
      expanded.push_back(extents[e.indices[first + k]].first);
    first += span;
  }
  return Value(mlir::tensor::ExpandShapeOp::create(
      b, b.getUnknownLoc(), RankedTensorType::get(expanded, element), value,
      reassociation(e.layout)));
}

Value ProgramLowering::collapseGroups(Value value, const IndexLayout &layout) {
  if (!layout.grouped())
    return value;
  auto type = cast<RankedTensorType>(value.getType());
  llvm::SmallVector<int64_t> collapsed;
  int64_t d = 0;
  for (unsigned span : layout.spans) {
    int64_t size = 1;
    for (unsigned k = 0; k < span; ++k)
      size *= type.getDimSize(d++);
    collapsed.push_back(size);
  }
  return mlir::tensor::CollapseShapeOp::create(
      b, b.getUnknownLoc(), RankedTensorType::get(collapsed, element), value,
      reassociation(layout));
}

llvm::Expected<Labeled> ProgramLowering::constructor(const Expr &e) {
  const std::string &fn = e.name;
  mlir::Location loc = b.getUnknownLoc();
  // The keywords each constructor takes, with their defaults.
  std::map<std::string, double> params;
  if (fn == "full")
    params = {{"value", NAN}};
  else if (fn == "uniform")
    params = {{"seed", NAN}, {"low", 0}, {"high", 1}};
  else if (fn == "normal")
    params = {{"seed", NAN}, {"mean", 0}, {"std", 1}};
  for (const auto &[key, value] : e.keywords) {
    if (!params.count(key)) {
      std::string allowed;
      for (const auto &[name, unused] : params)
        allowed += (allowed.empty() ? "" : ", ") + name + "=";
      return programError(
          p.source, value.offset,
          "'" + fn + "' has no argument '" + key + "'" +
              (allowed.empty() ? std::string() : " (only " + allowed + ")"));
    }
    if (!value.word.empty())
      return programError(p.source, value.offset,
                          "'" + key + "=' must be a number");
    params[key] = value.number;
  }
  for (const auto &[key, value] : params)
    if (std::isnan(value))
      return programError(p.source, e.offset,
                          "'" + fn + "' needs " + key + "=" +
                              (key == "seed" ? "N, an explicit seed, so that "
                                               "the values are reproducible"
                                             : "V"));
  bool random = fn == "uniform" || fn == "normal";
  if (random) {
    double seed = params["seed"];
    if (seed < 0 || seed != std::floor(seed) || seed > 9.2e18)
      return programError(p.source, e.keywords.at("seed").offset,
                          "seed= must be a non-negative integer");
    double a = fn == "uniform" ? params["low"] : params["mean"];
    double bParam = fn == "uniform" ? params["high"] : params["std"];
    std::string why =
        mlir::ein::RandomOp::checkParameters(fn, int64_t(seed), a, bParam);
    if (!why.empty()) {
      const char *key = fn == "uniform" ? (std::isfinite(a) ? "high" : "low")
                                        : (std::isfinite(a) ? "std" : "mean");
      auto it = e.keywords.find(key);
      return programError(
          p.source, it == e.keywords.end() ? e.offset : it->second.offset, why);
    }
    if (!mlir::isa<mlir::FloatType>(element))
      return programError(p.source, e.offset,
                          "'" + fn +
                              "' needs a real floating-point dtype "
                              "(f32 or f64)");
  }

  // The indices and their extents.
  std::string labels;
  std::optional<int64_t> square;
  for (const auto &arg : e.args) {
    auto it = extents.find(arg->name);
    if (it != extents.end() && !square)
      square = it->second.first;
  }
  for (const auto &arg : e.args) {
    if (!extents.count(arg->name)) {
      if (fn != "eye" || !square)
        return programError(p.source, arg->offset,
                            "the extent of '" + arg->name +
                                "' is not known: write it on the left, e.g. "
                                "X[" +
                                arg->name + ":4] = " + fn + "(" + arg->name +
                                ")");
      if (llvm::Error err = setExtent(arg->name, *square, arg->offset, fn))
        return std::move(err);
    }
    char c = label(arg->name);
    if (labels.find(c) != std::string::npos)
      return programError(p.source, arg->offset,
                          "index '" + arg->name + "' repeats in '" + fn + "'");
    labels.push_back(c);
  }

  if (fn == "arange" || fn == "eye") {
    std::vector<Labeled> ranges;
    for (char c : labels)
      ranges.push_back(
          {mlir::ein::IotaOp::create(b, loc, typeFor(std::string(1, c))),
           std::string(1, c)});
    if (fn == "arange")
      return ranges[0];
    // eye: 1 where every index equals the first.
    std::optional<Labeled> acc;
    for (size_t k = 1; k < ranges.size(); ++k) {
      auto same = map("eq", {ranges[0], ranges[k]}, e.offset);
      if (!same)
        return same.takeError();
      if (!acc) {
        acc = *same;
        continue;
      }
      auto both = map("mul", {*acc, *same}, e.offset);
      if (!both)
        return both.takeError();
      acc = *both;
    }
    return *acc;
  }
  if (random) {
    bool uniform = fn == "uniform";
    Value v = mlir::ein::RandomOp::create(
        b, loc, typeFor(labels), b.getStringAttr(fn),
        b.getI64IntegerAttr(int64_t(params["seed"])),
        b.getF64FloatAttr(uniform ? params["low"] : params["mean"]),
        b.getF64FloatAttr(uniform ? params["high"] : params["std"]));
    return Labeled{v, labels};
  }
  // zeros, ones, full: a number broadcast to the indices.
  Expr number;
  number.kind = Expr::Number;
  number.offset = e.offset;
  number.value = fn == "zeros" ? 0 : fn == "ones" ? 1 : params["value"];
  auto scalar = lowerFactor(number, {});
  if (!scalar)
    return scalar.takeError();
  if (labels.empty())
    return *scalar;
  Value v = mlir::ein::BroadcastOp::create(
      b, loc, typeFor(labels), b.getStringAttr("->" + labels), scalar->value);
  return Labeled{v, labels};
}

} // namespace ein
