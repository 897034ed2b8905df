//===- Slicing.cpp - Slicing under a memory limit -------------------------===//
//
// Fixing an index (looping over its values outside the contraction) removes
// it from every intermediate at the price of repeating the contraction once
// per value. Greedily pick the index that brings the largest intermediate
// down while adding the fewest flops, until everything fits.
//
//===----------------------------------------------------------------------===//

#include "compiler/path/Search.h"

#include "llvm/Support/Format.h"

#include <cmath>

using namespace ein;

namespace {

struct SliceCost {
  double flops = 0;   ///< over all slices
  double largest = 0; ///< of one slice
};

SliceCost costOf(const Network &network, const ContractionTree &tree,
                 const IndexSet &sliced) {
  PathCost c = evaluate(network, tree, &sliced);
  SliceCost s;
  s.flops = c.flops * network.size(sliced);
  s.largest = c.largestIntermediate;
  return s;
}

} // namespace

/// Chooses the sliced indices for `result` (whose tree is set); fails when
/// the limit cannot be reached.
llvm::Error sliceToLimit(const Network &network, PathResult &result,
                         double limit) {
  result.sliced = network.emptySet();
  SliceCost current = costOf(network, result.tree, result.sliced);
  // The output and the inputs are held whole.
  double outputSize = network.size(network.output);
  while (current.largest > limit) {
    int bestIndex = -1;
    SliceCost best;
    for (unsigned i = 0; i < network.numIndices(); ++i) {
      if (result.sliced.contains(i) || network.extents[i] <= 1)
        continue;
      IndexSet trial = result.sliced;
      trial.insert(i);
      SliceCost c = costOf(network, result.tree, trial);
      if (c.largest >= current.largest)
        continue;
      // Prefer fitting; then fewer flops; then a smaller intermediate.
      bool fits = c.largest <= limit, bestFits = best.largest <= limit;
      if (bestIndex < 0 || (fits && !bestFits) ||
          (fits == bestFits &&
           (c.flops < best.flops ||
            (c.flops == best.flops && c.largest < best.largest)))) {
        best = c;
        bestIndex = i;
      }
    }
    if (bestIndex < 0)
      return llvm::createStringError(
          "the memory limit of " + llvm::Twine(uint64_t(limit)) +
          " elements cannot be reached by slicing: the smallest largest "
          "intermediate is " +
          llvm::Twine(uint64_t(current.largest)) + " elements (the output " +
          "alone has " + llvm::Twine(uint64_t(outputSize)) + ")");
    result.sliced.insert(bestIndex);
    current = best;
  }
  result.slices = network.size(result.sliced);
  result.slicedFlops = current.flops;
  result.slicedLargest = current.largest;
  return llvm::Error::success();
}
