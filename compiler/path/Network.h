//===- Network.h - Tensor networks and contraction trees --------*- C++ -*-===//
//
// The data the path search works on: each tensor's set of indices, the
// output's, and every index's extent. A ContractionTree is a sequence of
// pairwise contractions in SSA form (nodes 0..n-1 are the inputs, step k
// creates node n+k), and PathCost is what it costs, counted exactly as
// opt_einsum counts it, so figures can be compared with it directly.
//
//===----------------------------------------------------------------------===//

#ifndef EINC_PATH_NETWORK_H
#define EINC_PATH_NETWORK_H

#include "compiler/path/IndexSet.h"
#include "dialect/Subscripts.h"

#include <string>
#include <utility>
#include <vector>

namespace ein {

struct Network {
  std::vector<IndexSet> inputs; ///< distinct indices of each tensor
  IndexSet output;
  std::vector<double> extents; ///< per index
  std::string labels;          ///< per index, for display (may be empty)

  unsigned numIndices() const { return extents.size(); }
  size_t numInputs() const { return inputs.size(); }
  IndexSet emptySet() const { return IndexSet(numIndices()); }
  /// The product of the extents of `s` (an element count).
  double size(const IndexSet &s) const;
  /// `s` as letters, in index order.
  std::string str(const IndexSet &s) const;

  /// The network of strict einsum subscripts. Dynamic extents count as
  /// `dynamicGuess` for the search.
  static Network fromSubscripts(const mlir::ein::Subscripts &s,
                                const mlir::ein::LabelExtents &extents,
                                double dynamicGuess = 128);
};

/// Pairwise contractions; node ids as described above.
struct ContractionTree {
  std::vector<std::pair<unsigned, unsigned>> steps;
};

/// One pairwise contraction of a tree.
struct PathStep {
  unsigned lhs = 0, rhs = 0; ///< node ids
  IndexSet lhsIndices, rhsIndices;
  IndexSet result;      ///< indices kept
  IndexSet removed;     ///< indices summed at this step
  double flops = 0;     ///< opt_einsum's count for this step
  double size = 0;      ///< elements of the result
  unsigned scaling = 0; ///< number of indices involved
};

struct PathCost {
  double flops = 0;               ///< sum of the steps' flops
  double naiveFlops = 0;          ///< one loop nest over every index
  double largestIntermediate = 0; ///< elements (opt_einsum's definition)
  double write = 0;               ///< elements written by all steps
  std::vector<PathStep> steps;
  /// The path in opt_einsum's convention: positions in the current operand
  /// list, the result appended at the end.
  std::vector<std::vector<unsigned>> optEinsumPath;
};

/// Evaluates `tree` on `network` (with `sliced` indices fixed: their extents
/// count as 1). A one-tensor network has one pseudo-step with no rhs.
PathCost evaluate(const Network &network, const ContractionTree &tree,
                  const IndexSet *sliced = nullptr);

/// True when `tree` contracts every tensor exactly once into one result.
bool isValidTree(const Network &network, const ContractionTree &tree);

/// The tree that contracts left to right.
ContractionTree leftToRightTree(size_t numInputs);

} // namespace ein

#endif // EINC_PATH_NETWORK_H
