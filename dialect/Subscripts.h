//===- Subscripts.h - Strict einsum subscripts ------------------*- C++ -*-===//
//
// The expanded einsum form the `ein` dialect stores ("ab,bc->ac": letters
// only, no ellipsis, explicit output) and the rule that gives every label its
// extent from the operand shapes. Both the verifier and the front end use it,
// so the two cannot disagree.
//
//===----------------------------------------------------------------------===//

#ifndef EIN_DIALECT_SUBSCRIPTS_H
#define EIN_DIALECT_SUBSCRIPTS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace mlir {
namespace ein {

/// Marks an extent that is only known at run time (same value as
/// ShapedType::kDynamic).
constexpr int64_t kDynamicExtent = INT64_MIN;

/// True for the characters allowed as labels: A-Z and a-z.
inline bool isLabel(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/// Parsed strict subscripts: one label per dimension of each operand.
struct Subscripts {
  llvm::SmallVector<std::string> inputs;
  std::string output;

  /// Parses "ab,bc->ac". On failure returns std::nullopt and sets `error` and
  /// the 0-based `column` of the offending character. Output labels must
  /// appear in an input unless `outputMayAddLabels` (ein.broadcast).
  static std::optional<Subscripts> parse(llvm::StringRef text,
                                         std::string &error, size_t &column,
                                         bool outputMayAddLabels = false);

  /// Prints the strict form back.
  std::string str() const;

  /// Distinct labels in order of first appearance in the inputs.
  std::string labels() const;
};

/// The extents of all labels; index with the label character.
using LabelExtents = std::array<int64_t, 128>;

/// Why two dimensions that share a label cannot be combined.
struct ExtentConflict {
  unsigned operand = 0; ///< operand holding the offending dimension
  unsigned dim = 0;     ///< its position in that operand
  char label = 0;
  int64_t extent = 0;   ///< the offending extent
  int64_t expected = 0; ///< the extent seen first for this label
  unsigned firstOperand = 0;
  bool withinOperand = false; ///< a repeated label inside one operand

  /// A one-line message naming operands, label and extents.
  std::string message() const;
};

/// Computes each label's extent from `shapes` (one per input, entries may be
/// kDynamicExtent) with NumPy's rules: all static extents of a label must
/// agree, except that extent 1 broadcasts across operands; a label repeated
/// inside one operand needs equal extents there. Labels not present get 0.
/// Ranks must already match the subscripts.
std::optional<ExtentConflict>
inferLabelExtents(const Subscripts &subscripts,
                  llvm::ArrayRef<llvm::SmallVector<int64_t>> shapes,
                  LabelExtents &extents);

} // namespace ein
} // namespace mlir

#endif // EIN_DIALECT_SUBSCRIPTS_H
