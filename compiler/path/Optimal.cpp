//===- Optimal.cpp - Exact contraction order by dynamic programming -------===//
//
// For every subset S of tensors, the cheapest way to contract S into one
// tensor is the cheapest split S = A + B of two cheapest sub-contractions
// plus the pairwise contraction of their results (the approach of Pfeifer,
// Haegeman and Verstraete, 2014, without restricting to connected subsets,
// so outer products are used exactly when they help). Subsets are visited
// in increasing order, so A and B are always solved before S; a split whose
// partial cost already exceeds the best for S is skipped.
//
//===----------------------------------------------------------------------===//

#include "compiler/path/Search.h"

#include <cmath>
#include <functional>
#include <limits>

using namespace ein;

std::optional<ContractionTree> ein::optimalTree(const Network &network,
                                                PathObjective minimize) {
  size_t n = network.numInputs();
  if (n > kMaxOptimalTensors)
    return std::nullopt;
  ContractionTree tree;
  if (n <= 1)
    return tree;
  uint32_t full = (uint32_t(1) << n) - 1;

  // Indices in each subset, and those that survive its contraction.
  std::vector<IndexSet> indices(full + 1, network.emptySet());
  for (uint32_t s = 1; s <= full; ++s) {
    unsigned low = __builtin_ctz(s);
    indices[s] = indices[s & (s - 1)] | network.inputs[low];
  }
  std::vector<IndexSet> kept(full + 1);
  std::vector<double> keptSize(full + 1);
  for (uint32_t s = 1; s <= full; ++s) {
    // A single tensor is held whole; its private indices are summed by the
    // first contraction that involves it, which pays for them.
    bool single = (s & (s - 1)) == 0;
    kept[s] =
        single ? indices[s] : indices[s] & (network.output | indices[full ^ s]);
    keptSize[s] = network.size(kept[s]);
  }

  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> best(full + 1, inf), flopsOf(full + 1, 0);
  std::vector<uint32_t> split(full + 1, 0);
  for (unsigned i = 0; i < n; ++i)
    best[uint32_t(1) << i] = 0;

  bool isMax = minimize == PathObjective::Size;
  for (uint32_t s = 1; s <= full; ++s) {
    if ((s & (s - 1)) == 0)
      continue;
    uint32_t low = s & -s;
    // Enumerate A containing the lowest tensor of S, B = S \ A non-empty.
    for (uint32_t a = (s - 1) & s; a; a = (a - 1) & s) {
      if (!(a & low))
        continue;
      uint32_t b = s ^ a;
      double base = isMax ? std::max(best[a], best[b]) : best[a] + best[b];
      if (base >= best[s] && !(isMax && base == best[s]))
        continue;
      const IndexSet &ka = kept[a], &kb = kept[b];
      double shared = network.size(ka & kb);
      // Zero-size dimensions make `shared` 0: multiply out instead.
      double involved = shared > 0 ? keptSize[a] * keptSize[b] / shared
                                   : network.size(ka | kb);
      bool removes = (ka | kb) != kept[s];
      double flops = involved * (removes ? 2 : 1);
      double cost = 0;
      switch (minimize) {
      case PathObjective::Flops:
        cost = base + flops;
        break;
      case PathObjective::Write:
        cost = base + keptSize[s];
        break;
      case PathObjective::Combo:
        cost = base + flops + 64 * keptSize[s];
        break;
      case PathObjective::Size:
        cost = std::max(base, keptSize[s]);
        break;
      }
      double totalFlops = flopsOf[a] + flopsOf[b] + flops;
      if (cost < best[s] || (cost == best[s] && totalFlops < flopsOf[s])) {
        best[s] = cost;
        flopsOf[s] = totalFlops;
        split[s] = a;
      }
    }
  }

  // Emit the tree bottom-up: children before parents.
  std::vector<unsigned> node(full + 1, 0);
  for (unsigned i = 0; i < n; ++i)
    node[uint32_t(1) << i] = i;
  unsigned next = n;
  std::function<unsigned(uint32_t)> emit = [&](uint32_t s) -> unsigned {
    if ((s & (s - 1)) == 0)
      return node[s];
    unsigned a = emit(split[s]);
    unsigned b = emit(s ^ split[s]);
    tree.steps.push_back({a, b});
    return next++;
  };
  emit(full);
  return tree;
}
