//===- Einsum.cpp - NumPy einsum strings ----------------------------------===//

#include "compiler/parser/Einsum.h"
#include "einc/Error.h"

#include "llvm/ADT/StringExtras.h"

#include <algorithm>
#include <cctype>

using namespace ein;
using mlir::ein::isLabel;
using mlir::ein::kDynamicExtent;

char ExprError::ID = 0;

std::string ExprError::caretLines(unsigned indent) const {
  if (col == std::string::npos)
    return "";
  // One printable character per byte, so that the caret lines up and a
  // control character in the input cannot break the two lines apart.
  std::string shown = src;
  for (char &c : shown)
    if (!std::isprint(static_cast<unsigned char>(c)))
      c = c == '\t' ? ' ' : '?';
  std::string pad(indent, ' ');
  return pad + shown + "\n" + pad +
         std::string(std::min(col, shown.size()), ' ') + "^";
}

static llvm::Error exprError(const EinsumExpr &e, size_t column,
                             const llvm::Twine &message) {
  return llvm::make_error<ExprError>(message.str(), e.text, column);
}

bool EinsumExpr::hasEllipsis() const {
  for (const EinsumTerm &t : inputs)
    if (t.ellipsisAt)
      return true;
  return false;
}

llvm::Expected<EinsumExpr> ein::parseEinsum(llvm::StringRef text) {
  EinsumExpr e;
  e.text = text.str();
  e.inputs.emplace_back();
  EinsumTerm *term = &e.inputs.back();
  bool inOutput = false;
  for (size_t i = 0; i < text.size();) {
    char c = text[i];
    // NumPy ignores spaces (only spaces).
    if (c == ' ') {
      ++i;
      continue;
    }
    if (c == ',') {
      if (inOutput)
        return exprError(e, i, "',' is not allowed after '->'");
      e.inputs.emplace_back();
      term = &e.inputs.back();
      term->column = ++i;
      continue;
    }
    if (c == '-') {
      if (i + 1 >= text.size() || text[i + 1] != '>')
        return exprError(e, i, "'-' must be followed by '>'");
      if (inOutput)
        return exprError(e, i, "'->' appears more than once");
      inOutput = true;
      e.arrowColumn = i;
      e.output.emplace();
      term = &*e.output;
      i += 2;
      term->column = i;
      continue;
    }
    if (c == '.') {
      if (!text.substr(i).starts_with("..."))
        return exprError(e, i, "'.' must be part of an ellipsis '...'");
      if (term->ellipsisAt)
        return exprError(e, i, "more than one '...' in one term");
      term->ellipsisAt = term->labels.size();
      term->ellipsisColumn = i;
      i += 3;
      continue;
    }
    if (!isLabel(c)) {
      if (c == '>')
        return exprError(e, i, "'>' must follow '-'");
      std::string shown =
          std::isprint(static_cast<unsigned char>(c))
              ? std::string(1, c)
              : "\\x" + llvm::utohexstr(static_cast<unsigned char>(c),
                                        /*LowerCase=*/false, /*Width=*/2);
      return exprError(e, i,
                       "invalid character '" + shown +
                           "' in subscripts (labels are letters a-z, A-Z)");
    }
    term->labels.push_back(c);
    term->columns.push_back(i);
    ++i;
  }
  if (e.output) {
    std::array<bool, 128> inInputs{}, inOutput{};
    for (const EinsumTerm &t : e.inputs)
      for (char c : t.labels)
        inInputs[c] = true;
    for (size_t k = 0; k < e.output->labels.size(); ++k) {
      char c = e.output->labels[k];
      size_t col = e.output->columns[k];
      if (inOutput[c])
        return exprError(e, col,
                         llvm::Twine("output label '") + llvm::Twine(c) +
                             "' appears more than once");
      if (!inInputs[c])
        return exprError(e, col,
                         llvm::Twine("output label '") + llvm::Twine(c) +
                             "' does not appear in any input");
      inOutput[c] = true;
    }
  }
  return e;
}

bool EinsumProblem::isStatic() const {
  for (const auto &shape : inputShapes)
    for (int64_t d : shape)
      if (d == kDynamicExtent)
        return false;
  return true;
}

std::string EinsumProblem::dynamicLabels() const {
  std::string result;
  for (char l : subscripts.labels())
    if (extents[l] == kDynamicExtent)
      result.push_back(l);
  return result;
}

/// Expands ellipses into fresh labels and checks ranks, then extents.
static llvm::Expected<EinsumProblem>
resolve(const EinsumExpr &e, llvm::ArrayRef<llvm::SmallVector<int64_t>> shapes,
        DType dtype) {
  EinsumProblem p;
  p.expression = e.text;
  p.dtype = dtype;
  size_t numInputs = e.inputs.size();
  if (shapes.size() != numInputs) {
    size_t col = shapes.size() < numInputs
                     ? e.inputs[shapes.size()].column
                     : (e.output ? e.arrowColumn : e.text.size());
    return exprError(e, col,
                     "the subscripts name " + llvm::Twine(numInputs) +
                         " operand" + (numInputs == 1 ? "" : "s") + " but " +
                         llvm::Twine(shapes.size()) +
                         (shapes.size() == 1 ? " was" : " were") + " given");
  }

  // Ranks, and how many dimensions each ellipsis covers.
  std::vector<size_t> covered(numInputs, 0);
  size_t maxCovered = 0;
  for (size_t i = 0; i < numInputs; ++i) {
    const EinsumTerm &t = e.inputs[i];
    size_t rank = shapes[i].size(), named = t.labels.size();
    if (!t.ellipsisAt && rank != named)
      return exprError(e, t.column,
                       "operand " + llvm::Twine(i) + " has rank " +
                           llvm::Twine(rank) + " but its subscripts '" +
                           t.labels + "' name " + llvm::Twine(named) +
                           " dimension" + (named == 1 ? "" : "s"));
    if (t.ellipsisAt && rank < named)
      return exprError(e, t.column,
                       "operand " + llvm::Twine(i) + " has rank " +
                           llvm::Twine(rank) +
                           " but its subscripts name at least " +
                           llvm::Twine(named) + " dimensions");
    if (t.ellipsisAt)
      covered[i] = rank - named;
    maxCovered = std::max(maxCovered, covered[i]);
  }
  if (maxCovered > 0 && e.output && !e.output->ellipsisAt)
    return exprError(e, e.arrowColumn,
                     "the ellipsis covers " + llvm::Twine(maxCovered) +
                         " dimension" + (maxCovered == 1 ? "" : "s") +
                         " but the output has no '...' to keep them");

  // Fresh labels for the ellipsis dimensions, from letters not used.
  std::array<bool, 128> used{};
  for (const EinsumTerm &t : e.inputs)
    for (char c : t.labels)
      used[c] = true;
  std::string fresh;
  const char *alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  for (const char *c = alphabet; *c && fresh.size() < maxCovered; ++c)
    if (!used[*c])
      fresh.push_back(*c);
  if (fresh.size() < maxCovered)
    return exprError(e, e.inputs[0].column,
                     "too many distinct dimensions: the labels and the "
                     "ellipsis need more than 52 letters");

  std::vector<std::vector<size_t>> columns(numInputs);
  for (size_t i = 0; i < numInputs; ++i) {
    const EinsumTerm &t = e.inputs[i];
    std::string labels;
    for (size_t k = 0; k <= t.labels.size(); ++k) {
      if (t.ellipsisAt && *t.ellipsisAt == k)
        for (size_t f = maxCovered - covered[i]; f < maxCovered; ++f) {
          labels.push_back(fresh[f]);
          columns[i].push_back(t.ellipsisColumn);
        }
      if (k < t.labels.size()) {
        labels.push_back(t.labels[k]);
        columns[i].push_back(t.columns[k]);
      }
    }
    p.subscripts.inputs.push_back(labels);
  }
  if (e.output) {
    const EinsumTerm &t = *e.output;
    for (size_t k = 0; k <= t.labels.size(); ++k) {
      if (t.ellipsisAt && *t.ellipsisAt == k)
        p.subscripts.output += fresh;
      if (k < t.labels.size())
        p.subscripts.output.push_back(t.labels[k]);
    }
  } else {
    // NumPy's implicit output: ellipsis dimensions, then every label used
    // exactly once, in character order.
    std::array<int, 128> count{};
    for (const EinsumTerm &t : e.inputs)
      for (char c : t.labels)
        ++count[c];
    p.subscripts.output = fresh;
    for (int c = 0; c < 128; ++c)
      if (count[c] == 1)
        p.subscripts.output.push_back(static_cast<char>(c));
  }

  p.inputShapes.assign(shapes.begin(), shapes.end());
  if (std::optional<mlir::ein::ExtentConflict> conflict =
          mlir::ein::inferLabelExtents(p.subscripts, p.inputShapes, p.extents))
    return exprError(e, columns[conflict->operand][conflict->dim],
                     conflict->message());
  for (char l : p.subscripts.output)
    p.outputShape.push_back(p.extents[l]);
  return p;
}

llvm::Expected<EinsumProblem>
ein::resolveEinsum(llvm::StringRef text,
                   llvm::ArrayRef<llvm::SmallVector<int64_t>> shapes,
                   DType dtype) {
  llvm::Expected<EinsumExpr> e = parseEinsum(text);
  if (!e)
    return e.takeError();
  for (size_t i = 0; i < shapes.size(); ++i)
    for (int64_t d : shapes[i])
      if (d < 0 && d != kDynamicExtent)
        return exprError(*e, std::string::npos,
                         "operand " + llvm::Twine(i) +
                             " has a negative extent " + llvm::Twine(d));
  return resolve(*e, shapes, dtype);
}

llvm::Expected<EinsumProblem> ein::resolveEinsumDynamic(llvm::StringRef text,
                                                        DType dtype) {
  llvm::Expected<EinsumExpr> e = parseEinsum(text);
  if (!e)
    return e.takeError();
  std::vector<llvm::SmallVector<int64_t>> shapes;
  for (const EinsumTerm &t : e->inputs) {
    if (t.ellipsisAt)
      return exprError(*e, t.ellipsisColumn,
                       "'...' needs operand shapes (--shapes) to know how "
                       "many dimensions it covers");
    shapes.emplace_back(t.labels.size(), kDynamicExtent);
  }
  return resolve(*e, shapes, dtype);
}
