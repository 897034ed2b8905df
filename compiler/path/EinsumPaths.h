//===- EinsumPaths.h - Contraction trees of einsum expressions --*- C++ -*-===//

#ifndef EINC_PATH_EINSUMPATHS_H
#define EINC_PATH_EINSUMPATHS_H

#include "compiler/path/Search.h"
#include "dialect/Subscripts.h"

#include <vector>

namespace ein {

/// The einsum of each step of `tree` over the labels of `s` (whose network
/// is `net`): leaves keep their subscripts as written (repeated labels
/// included), intermediates list their labels in order of first appearance
/// in the step's operands, and the last step produces exactly `s.output`.
/// A one-operand expression is one step equal to `s`.
std::vector<mlir::ein::Subscripts>
treeSubscripts(const mlir::ein::Subscripts &s, const Network &net,
               const ContractionTree &tree);

/// Searches the path of strict subscripts with the given extents.
llvm::Expected<PathResult>
findEinsumPath(const mlir::ein::Subscripts &s,
               const mlir::ein::LabelExtents &extents,
               const PathOptions &options, Network *networkOut = nullptr);

/// The public description of a search result on `s`.
Path describePath(const mlir::ein::Subscripts &s, const Network &net,
                  const PathResult &result);

} // namespace ein

#endif // EINC_PATH_EINSUMPATHS_H
