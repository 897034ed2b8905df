//===- Greedy.cpp - Greedy contraction order ------------------------------===//
//
// Repeatedly contracts the pair of tensors (sharing an index) whose result
// is smallest relative to its inputs: score = size(result) - alpha *
// (size(a) + size(b)), opt_einsum's "memory removed" heuristic for alpha 1.
// With a temperature, each candidate's score gets Gumbel noise, which
// samples pairs from a Boltzmann distribution: hyper's randomised trials.
// Tensors that share no index with any other are joined last by outer
// products, smallest first.
//
//===----------------------------------------------------------------------===//

#include "compiler/path/Search.h"

#include <algorithm>
#include <cmath>
#include <queue>

using namespace ein;

namespace {

struct Candidate {
  double key;
  unsigned a, b;
  bool operator>(const Candidate &o) const {
    if (key != o.key)
      return key > o.key;
    return std::make_pair(a, b) > std::make_pair(o.a, o.b);
  }
};

} // namespace

ContractionTree ein::greedyTree(const Network &network,
                                const GreedyParams &params,
                                std::mt19937_64 *rng) {
  size_t n = network.numInputs();
  ContractionTree tree;
  if (n <= 1)
    return tree;
  std::vector<IndexSet> nodes(network.inputs);
  std::vector<double> sizes;
  for (const IndexSet &s : nodes)
    sizes.push_back(network.size(s));
  std::vector<bool> alive(n, true);
  std::vector<int> uses(network.numIndices(), 0);
  std::vector<std::vector<unsigned>> holders(network.numIndices());
  for (unsigned t = 0; t < n; ++t)
    nodes[t].forEach([&](unsigned i) {
      ++uses[i];
      holders[i].push_back(t);
    });
  network.output.forEach([&](unsigned i) { ++uses[i]; });

  std::uniform_real_distribution<double> unit(1e-12, 1.0);
  auto keptOf = [&](unsigned a, unsigned b) {
    IndexSet kept = network.emptySet();
    (nodes[a] | nodes[b]).forEach([&](unsigned i) {
      if (uses[i] - nodes[a].contains(i) - nodes[b].contains(i) > 0)
        kept.insert(i);
    });
    return kept;
  };
  std::priority_queue<Candidate, std::vector<Candidate>,
                      std::greater<Candidate>>
      heap;
  auto push = [&](unsigned a, unsigned b) {
    if (a > b)
      std::swap(a, b);
    double score =
        network.size(keptOf(a, b)) - params.alpha * (sizes[a] + sizes[b]);
    double key = std::copysign(std::log2(1 + std::fabs(score)), score);
    if (params.temperature > 0 && rng)
      key -= params.temperature * -std::log(-std::log(unit(*rng)));
    heap.push({key, a, b});
  };
  // Every pair that shares an index, once.
  std::vector<std::pair<unsigned, unsigned>> pairs;
  for (unsigned i = 0; i < network.numIndices(); ++i)
    for (size_t x = 0; x < holders[i].size(); ++x)
      for (size_t y = x + 1; y < holders[i].size(); ++y)
        pairs.push_back({holders[i][x], holders[i][y]});
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  for (auto [a, b] : pairs)
    push(a, b);

  size_t remaining = n;
  while (remaining > 1) {
    unsigned a = 0, b = 0;
    bool found = false;
    while (!heap.empty()) {
      Candidate c = heap.top();
      heap.pop();
      if (alive[c.a] && alive[c.b]) {
        a = c.a;
        b = c.b;
        found = true;
        break;
      }
    }
    if (!found) {
      // Disconnected: an outer product of the two smallest tensors.
      std::vector<unsigned> order;
      for (unsigned t = 0; t < nodes.size(); ++t)
        if (alive[t])
          order.push_back(t);
      std::partial_sort(order.begin(), order.begin() + 2, order.end(),
                        [&](unsigned x, unsigned y) {
                          return sizes[x] < sizes[y] ||
                                 (sizes[x] == sizes[y] && x < y);
                        });
      a = std::min(order[0], order[1]);
      b = std::max(order[0], order[1]);
    }
    IndexSet kept = keptOf(a, b);
    (nodes[a] | nodes[b]).forEach([&](unsigned i) {
      uses[i] -= nodes[a].contains(i) + nodes[b].contains(i);
    });
    unsigned c = nodes.size();
    kept.forEach([&](unsigned i) {
      ++uses[i];
      holders[i].push_back(c);
    });
    nodes.push_back(kept);
    sizes.push_back(network.size(kept));
    alive[a] = alive[b] = false;
    alive.push_back(true);
    tree.steps.push_back({a, b});
    --remaining;
    // New candidates: live tensors sharing an index with the result.
    std::vector<unsigned> neighbours;
    kept.forEach([&](unsigned i) {
      auto &h = holders[i];
      h.erase(std::remove_if(h.begin(), h.end(),
                             [&](unsigned t) { return !alive[t]; }),
              h.end());
      for (unsigned t : h)
        if (t != c)
          neighbours.push_back(t);
    });
    std::sort(neighbours.begin(), neighbours.end());
    neighbours.erase(std::unique(neighbours.begin(), neighbours.end()),
                     neighbours.end());
    for (unsigned t : neighbours)
      push(t, c);
  }
  return tree;
}
