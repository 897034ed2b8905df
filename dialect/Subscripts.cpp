//===- Subscripts.cpp - Strict einsum subscripts --------------------------===//

#include "dialect/Subscripts.h"

#include "llvm/ADT/StringExtras.h"

using namespace mlir::ein;

std::optional<Subscripts> Subscripts::parse(llvm::StringRef text,
                                            std::string &error, size_t &column,
                                            bool outputMayAddLabels) {
  Subscripts result;
  size_t arrow = text.find("->");
  if (arrow == llvm::StringRef::npos) {
    error = "expected '->' followed by the output subscripts";
    column = text.size();
    return std::nullopt;
  }
  result.inputs.emplace_back();
  for (size_t i = 0; i < arrow; ++i) {
    char c = text[i];
    if (c == ',') {
      result.inputs.emplace_back();
      continue;
    }
    if (!isLabel(c)) {
      error = std::string("invalid character '") + c +
              "' in subscripts (expected a letter or ',')";
      column = i;
      return std::nullopt;
    }
    result.inputs.back().push_back(c);
  }
  std::array<bool, 128> seen{};
  for (const std::string &in : result.inputs)
    for (char c : in)
      seen[c] = true;
  std::array<bool, 128> inOutput{};
  for (size_t i = arrow + 2; i < text.size(); ++i) {
    char c = text[i];
    if (!isLabel(c)) {
      error = std::string("invalid character '") + c +
              "' in output subscripts (expected a letter)";
      column = i;
      return std::nullopt;
    }
    if (inOutput[c]) {
      error = std::string("output label '") + c + "' appears more than once";
      column = i;
      return std::nullopt;
    }
    if (!seen[c] && !outputMayAddLabels) {
      error =
          std::string("output label '") + c + "' does not appear in any input";
      column = i;
      return std::nullopt;
    }
    inOutput[c] = true;
    result.output.push_back(c);
  }
  return result;
}

std::string Subscripts::str() const {
  return llvm::join(inputs, ",") + "->" + output;
}

std::string Subscripts::labels() const {
  std::string result;
  for (const std::string &in : inputs)
    for (char c : in)
      if (result.find(c) == std::string::npos)
        result.push_back(c);
  return result;
}

static std::string extentStr(int64_t e) {
  return e == kDynamicExtent ? std::string("?") : std::to_string(e);
}

std::string ExtentConflict::message() const {
  std::string l(1, label);
  if (withinOperand)
    return "operand " + std::to_string(operand) + " repeats label '" + l +
           "' over dimensions of different extents (" + extentStr(expected) +
           " != " + extentStr(extent) + ")";
  return "label '" + l + "' has extent " + extentStr(expected) +
         " in operand " + std::to_string(firstOperand) + " but " +
         extentStr(extent) + " in operand " + std::to_string(operand) +
         " (dimension " + std::to_string(dim) + ")";
}

std::optional<ExtentConflict>
mlir::ein::inferLabelExtents(const Subscripts &subscripts,
                             llvm::ArrayRef<llvm::SmallVector<int64_t>> shapes,
                             LabelExtents &extents) {
  extents.fill(0);
  // First pass: a label repeated inside one operand must agree there.
  for (unsigned op = 0; op < subscripts.inputs.size(); ++op) {
    const std::string &labels = subscripts.inputs[op];
    for (unsigned d = 0; d < labels.size(); ++d)
      for (unsigned e = 0; e < d; ++e) {
        if (labels[e] != labels[d])
          continue;
        int64_t a = shapes[op][e], b = shapes[op][d];
        if (a != kDynamicExtent && b != kDynamicExtent && a != b) {
          ExtentConflict c;
          c.operand = c.firstOperand = op;
          c.dim = d;
          c.label = labels[d];
          c.expected = a;
          c.extent = b;
          c.withinOperand = true;
          return c;
        }
      }
  }
  // Second pass: across operands, static extents other than 1 must agree.
  std::array<int, 128> source;
  source.fill(-1);
  std::array<bool, 128> present{}, dynamic{};
  for (unsigned op = 0; op < subscripts.inputs.size(); ++op) {
    const std::string &labels = subscripts.inputs[op];
    for (unsigned d = 0; d < labels.size(); ++d) {
      char l = labels[d];
      int64_t e = shapes[op][d];
      present[l] = true;
      if (e == kDynamicExtent) {
        dynamic[l] = true;
        continue;
      }
      if (e == 1)
        continue;
      if (source[l] < 0) {
        source[l] = op;
        extents[l] = e;
        continue;
      }
      if (extents[l] != e) {
        ExtentConflict c;
        c.operand = op;
        c.dim = d;
        c.label = l;
        c.extent = e;
        c.expected = extents[l];
        c.firstOperand = source[l];
        return c;
      }
    }
  }
  for (unsigned l = 0; l < 128; ++l) {
    if (!present[l] || source[l] >= 0)
      continue;
    extents[l] = dynamic[l] ? kDynamicExtent : 1;
  }
  return std::nullopt;
}
