//===- Path.h - Contraction paths in the public API -------------*- C++ -*-===//

#ifndef EINC_PATH_H
#define EINC_PATH_H

#include "einc/DType.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ein {

enum class PathAlgorithm { Auto, Optimal, Greedy, Hyper, LeftToRight };
enum class PathObjective { Flops, Size, Write, Combo };

/// How the contraction order is chosen.
struct PathOptions {
  /// auto: exact up to 12 tensors, hyper beyond.
  PathAlgorithm algorithm = PathAlgorithm::Auto;
  PathObjective minimize = PathObjective::Flops;
  double maxTimeSeconds = 1.0; ///< budget of hyper
  uint64_t seed = 0;
  /// Elements any intermediate may hold; 0 for no limit. Above it, the
  /// contraction is sliced (or refused when slicing cannot reach it).
  double memoryLimit = 0;
  /// Stop hyper after this many trials (0: only the time budget counts).
  /// A trial limit makes the result independent of the machine's speed.
  uint64_t maxTrials = 0;
  /// A tree to use instead of searching: pairs of node ids, where nodes
  /// 0..n-1 are the operands and step k creates node n+k.
  std::vector<std::pair<unsigned, unsigned>> tree;
};

/// One pairwise contraction of a path.
struct PathStepInfo {
  std::string contraction;        ///< einsum of the step, e.g. "ab,bc->ac"
  std::vector<unsigned> operands; ///< opt_einsum positions
  double flops = 0;               ///< opt_einsum's count
  double size = 0;                ///< elements of the result
  unsigned scaling = 0;           ///< indices involved
};

/// A chosen contraction order and what it costs.
struct Path {
  std::string subscripts; ///< the strict expression
  std::vector<PathStepInfo> steps;
  double flops = 0, naiveFlops = 0, largestIntermediate = 0;
  std::string slicedIndices; ///< labels looped over
  double slices = 1, slicedFlops = 0, slicedLargest = 0;
  double searchMs = 0;
  std::string algorithm; ///< the algorithm that ran
  uint64_t trials = 0;

  /// opt_einsum's convention: positions in the current operand list, the
  /// result appended at the end.
  std::vector<std::vector<unsigned>> optEinsumPath() const;
};

const char *algorithmName(PathAlgorithm a);
const char *objectiveName(PathObjective o);

/// Finds the contraction path of `expr` (any NumPy einsum string) for
/// operands of these shapes, without compiling anything.
llvm::Expected<Path>
findContractionPath(llvm::StringRef expr,
                    const std::vector<std::vector<int64_t>> &shapes,
                    const PathOptions &options = {});

} // namespace ein

#endif // EINC_PATH_H
