//===- Partition.cpp - Contraction trees by recursive bisection -----------===//
//
// Splits the tensors into two balanced groups that share as few (log-
// weighted) indices as possible, recursively, and contracts each group
// before the pair: the top-down approach of graph-partitioning path
// optimisers. Groups of at most `leafSize` tensors are contracted exactly.
// Bisection grows one side from a random tensor, then refines it with
// Fiduccia-Mattheyses-style single moves.
//
//===----------------------------------------------------------------------===//

#include "compiler/path/Search.h"

#include <cmath>
#include <deque>

using namespace ein;

namespace {

class Partitioner {
public:
  Partitioner(const Network &net, const PartitionParams &params,
              std::mt19937_64 &rng)
      : net(net), params(params), rng(rng), holders(net.numIndices()),
        weight(net.numIndices()) {
    for (unsigned t = 0; t < net.numInputs(); ++t)
      net.inputs[t].forEach([&](unsigned i) { holders[i].push_back(t); });
    for (unsigned i = 0; i < net.numIndices(); ++i)
      weight[i] = std::log2(std::max(net.extents[i], 2.0));
  }

  ContractionTree build() {
    std::vector<unsigned> all(net.numInputs());
    for (unsigned t = 0; t < all.size(); ++t)
      all[t] = t;
    side.assign(net.numInputs(), -1);
    contract(all);
    return tree;
  }

private:
  /// Contracts `group` into one node and returns its id.
  unsigned contract(const std::vector<unsigned> &group) {
    if (group.size() == 1)
      return group[0];
    if (group.size() <= params.leafSize)
      return contractExactly(group);
    auto [a, b] = bisect(group);
    unsigned left = contract(a);
    unsigned right = contract(b);
    tree.steps.push_back({left, right});
    return net.numInputs() + tree.steps.size() - 1;
  }

  /// The indices of `group` that outside tensors or the output need.
  IndexSet openIndices(const std::vector<unsigned> &group) {
    IndexSet inside = net.emptySet();
    for (unsigned t : group)
      inside |= net.inputs[t];
    IndexSet open = inside & net.output;
    for (unsigned t : group)
      mark[t] = true;
    inside.forEach([&](unsigned i) {
      for (unsigned h : holders[i])
        if (!mark[h]) {
          open.insert(i);
          break;
        }
    });
    for (unsigned t : group)
      mark[t] = false;
    return open;
  }

  unsigned contractExactly(const std::vector<unsigned> &group) {
    if (mark.empty())
      mark.assign(net.numInputs(), false);
    Network local;
    local.extents = net.extents;
    local.output = openIndices(group);
    for (unsigned t : group)
      local.inputs.push_back(net.inputs[t]);
    std::optional<ContractionTree> sub = optimalTree(local, params.minimize);
    std::vector<unsigned> id(group.begin(), group.end());
    for (auto [a, b] : sub->steps) {
      tree.steps.push_back({id[a], id[b]});
      id.push_back(net.numInputs() + tree.steps.size() - 1);
    }
    return id.back();
  }

  std::pair<std::vector<unsigned>, std::vector<unsigned>>
  bisect(const std::vector<unsigned> &group) {
    if (mark.empty())
      mark.assign(net.numInputs(), false);
    size_t n = group.size();
    double half = n / 2.0;
    size_t lo = std::max<size_t>(1, std::floor(half * (1 - params.imbalance)));
    size_t hi =
        std::min<size_t>(n - 1, std::ceil(half * (1 + params.imbalance)));
    for (unsigned t : group)
      side[t] = 1;
    // Grow side 0 breadth-first from a random tensor.
    std::uniform_int_distribution<size_t> pick(0, n - 1);
    std::deque<unsigned> queue{group[pick(rng)]};
    size_t size0 = 0, target = (lo + hi) / 2;
    while (size0 < target) {
      if (queue.empty()) {
        for (unsigned t : group)
          if (side[t] == 1) {
            queue.push_back(t);
            break;
          }
      }
      unsigned t = queue.front();
      queue.pop_front();
      if (side[t] != 1)
        continue;
      side[t] = 0;
      ++size0;
      net.inputs[t].forEach([&](unsigned i) {
        for (unsigned h : holders[i])
          if (side[h] == 1)
            queue.push_back(h);
      });
    }
    // Per index: holders on each side (within the group).
    std::vector<unsigned> indices;
    for (unsigned t : group)
      net.inputs[t].forEach([&](unsigned i) { indices.push_back(i); });
    std::sort(indices.begin(), indices.end());
    indices.erase(std::unique(indices.begin(), indices.end()), indices.end());
    std::vector<int> count0(net.numIndices(), 0), count1(net.numIndices(), 0);
    for (unsigned i : indices)
      for (unsigned h : holders[i])
        if (side[h] == 0)
          ++count0[i];
        else if (side[h] == 1)
          ++count1[i];
    auto gain = [&](unsigned t) {
      // Cut weight removed minus added by moving t to the other side.
      double g = 0;
      bool from0 = side[t] == 0;
      net.inputs[t].forEach([&](unsigned i) {
        int same = from0 ? count0[i] : count1[i];
        int other = from0 ? count1[i] : count0[i];
        bool cutBefore = same > 0 && other > 0;
        bool cutAfter = same - 1 > 0 && other + 1 > 0;
        g += (cutBefore - cutAfter) * weight[i];
      });
      return g;
    };
    auto move = [&](unsigned t) {
      bool from0 = side[t] == 0;
      net.inputs[t].forEach([&](unsigned i) {
        if (from0) {
          --count0[i];
          ++count1[i];
        } else {
          ++count0[i];
          --count1[i];
        }
      });
      side[t] = from0 ? 1 : 0;
      size0 = from0 ? size0 - 1 : size0 + 1;
    };
    // Fiduccia-Mattheyses passes: move every tensor once, best gain first
    // (negative gains too, to climb out of local minima), then keep the
    // best prefix of the moves.
    std::uniform_real_distribution<double> jitter(0, 1e-6);
    for (int pass = 0; pass < 6; ++pass) {
      for (unsigned t : group)
        mark[t] = false;
      std::vector<unsigned> moves;
      double total = 0, bestTotal = 0;
      size_t bestPrefix = 0;
      for (size_t step = 0; step < n; ++step) {
        double best = -INFINITY;
        int bestT = -1;
        for (unsigned t : group) {
          if (mark[t])
            continue;
          size_t newSize0 = side[t] == 0 ? size0 - 1 : size0 + 1;
          if (newSize0 < lo || newSize0 > hi)
            continue;
          double g = gain(t) + jitter(rng);
          if (g > best) {
            best = g;
            bestT = t;
          }
        }
        if (bestT < 0)
          break;
        move(bestT);
        mark[bestT] = true;
        moves.push_back(bestT);
        total += best;
        if (total > bestTotal + 1e-9) {
          bestTotal = total;
          bestPrefix = moves.size();
        }
      }
      for (size_t k = moves.size(); k > bestPrefix; --k)
        move(moves[k - 1]);
      for (unsigned t : group)
        mark[t] = false;
      if (bestPrefix == 0)
        break;
    }
    std::vector<unsigned> a, b;
    for (unsigned t : group) {
      (side[t] == 0 ? a : b).push_back(t);
      side[t] = -1;
    }
    return {a, b};
  }

  const Network &net;
  const PartitionParams &params;
  std::mt19937_64 &rng;
  std::vector<std::vector<unsigned>> holders;
  std::vector<double> weight;
  std::vector<int> side;
  std::vector<bool> mark;
  ContractionTree tree;
};

} // namespace

ContractionTree ein::partitionTree(const Network &network,
                                   const PartitionParams &params,
                                   std::mt19937_64 &rng) {
  if (network.numInputs() <= 1)
    return ContractionTree();
  return Partitioner(network, params, rng).build();
}
