//===- Einsum.h - NumPy einsum strings --------------------------*- C++ -*-===//
//
// Parses einsum strings exactly as NumPy accepts them (implicit and explicit
// output, ellipsis broadcasting, repeated labels, whitespace) and resolves
// them against operand shapes into the strict subscripts of the `ein`
// dialect.
//
//===----------------------------------------------------------------------===//

#ifndef EINC_PARSER_EINSUM_H
#define EINC_PARSER_EINSUM_H

#include "dialect/Subscripts.h"
#include "einc/DType.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"

#include <optional>
#include <string>
#include <vector>

namespace ein {

/// One operand's (or the output's) subscripts as written.
struct EinsumTerm {
  std::string labels;               ///< letters, in order, without '...'
  std::vector<size_t> columns;      ///< column of each letter in the text
  std::optional<size_t> ellipsisAt; ///< index into labels where '...' sits
  size_t ellipsisColumn = 0;
  size_t column = 0; ///< where the term starts
};

/// An einsum string after syntax checks, before shapes are known.
struct EinsumExpr {
  std::string text;
  std::vector<EinsumTerm> inputs;
  std::optional<EinsumTerm> output; ///< absent for implicit output
  size_t arrowColumn = 0;

  bool hasEllipsis() const;
};

/// Checks the syntax of `text`. Errors are ExprError with a column.
llvm::Expected<EinsumExpr> parseEinsum(llvm::StringRef text);

/// An einsum resolved against its operands: what the compiler needs.
struct EinsumProblem {
  std::string expression;           ///< as the user wrote it
  mlir::ein::Subscripts subscripts; ///< strict, ellipsis expanded
  std::vector<llvm::SmallVector<int64_t>> inputShapes; ///< kDynamicExtent ok
  llvm::SmallVector<int64_t> outputShape;
  mlir::ein::LabelExtents extents{};
  DType dtype = f32;

  /// True when every extent is known at compile time.
  bool isStatic() const;
  /// Labels whose extent is dynamic, in order of first appearance: the size
  /// arguments of the generated C entry point.
  std::string dynamicLabels() const;
};

/// Resolves `text` against operand shapes (kDynamicExtent for unknown
/// extents). Checks operand count, ranks and extents; every error is an
/// ExprError pointing at the offending subscript.
llvm::Expected<EinsumProblem>
resolveEinsum(llvm::StringRef text,
              llvm::ArrayRef<llvm::SmallVector<int64_t>> shapes, DType dtype);

/// Resolves `text` without shapes: every extent is dynamic, ranks come from
/// the subscripts (so '...' is refused).
llvm::Expected<EinsumProblem> resolveEinsumDynamic(llvm::StringRef text,
                                                   DType dtype);

} // namespace ein

#endif // EINC_PARSER_EINSUM_H
