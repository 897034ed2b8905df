//===- Search.h - Contraction-order search ----------------------*- C++ -*-===//
//
// Finding a cheap contraction tree for a network:
//  - optimal: dynamic programming over all subsets of tensors (exact; outer
//    products are considered, so the true optimum is found), up to
//    kMaxOptimalTensors tensors;
//  - greedy: repeatedly contract the pair that shrinks memory most;
//  - hyper: many randomised greedy trials plus subtree reconfiguration
//    (re-optimising small subtrees of the best tree exactly), within a time
//    budget;
//  - auto: optimal when that is cheap, hyper otherwise.
// Then, under a memory limit, slicing picks indices to loop over.
//
//===----------------------------------------------------------------------===//

#ifndef EINC_PATH_SEARCH_H
#define EINC_PATH_SEARCH_H

#include "compiler/path/Network.h"
#include "einc/Path.h"

#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <random>

namespace ein {

std::optional<PathAlgorithm> parseAlgorithm(llvm::StringRef name);
std::optional<PathObjective> parseObjective(llvm::StringRef name);

/// The exact search handles networks up to this many tensors.
constexpr size_t kMaxOptimalTensors = 16;
/// `auto` searches exactly up to this many tensors.
constexpr size_t kAutoOptimalTensors = 12;

struct PathResult {
  ContractionTree tree;
  PathCost cost;            ///< of the unsliced tree
  IndexSet sliced;          ///< indices looped over (may be empty)
  double slices = 1;        ///< number of slices
  double slicedFlops = 0;   ///< total flops over all slices
  double slicedLargest = 0; ///< largest intermediate of one slice
  double searchMs = 0;
  PathAlgorithm algorithm = PathAlgorithm::Auto; ///< the one that ran
  uint64_t trials = 0;                           ///< trees tried (hyper)
};

/// The value `minimize` ranks trees by (smaller is better).
double score(const PathCost &cost, PathObjective minimize);

/// Exact search; std::nullopt above kMaxOptimalTensors tensors.
std::optional<ContractionTree> optimalTree(const Network &network,
                                           PathObjective minimize);

/// Randomisation of greedy; the defaults give the deterministic heuristic.
struct GreedyParams {
  double alpha = 1.0;       ///< weight of the inputs' sizes in the score
  double temperature = 0.0; ///< 0: always the best-scoring pair
};
ContractionTree greedyTree(const Network &network, const GreedyParams &params,
                           std::mt19937_64 *rng = nullptr);

/// Recursive balanced bisection minimising the (log-weighted) indices cut,
/// with groups of at most `leafSize` tensors contracted exactly.
struct PartitionParams {
  unsigned leafSize = 8;  ///< at most kMaxOptimalTensors
  double imbalance = 0.2; ///< allowed deviation from an even split
  PathObjective minimize = PathObjective::Flops;
};
ContractionTree partitionTree(const Network &network,
                              const PartitionParams &params,
                              std::mt19937_64 &rng);

/// Re-optimises every subtree of up to `maxLeaves` leaves exactly, keeping
/// changes that lower the score, until a sweep changes nothing.
ContractionTree reconfigure(const Network &network, ContractionTree tree,
                            PathObjective minimize, unsigned maxLeaves = 8);

/// Runs the search `options` ask for, then slicing. Errors: a memory limit
/// that an input or the output exceeds, or that slicing cannot reach.
llvm::Expected<PathResult> findPath(const Network &network,
                                    const PathOptions &options);

} // namespace ein

#endif // EINC_PATH_SEARCH_H
