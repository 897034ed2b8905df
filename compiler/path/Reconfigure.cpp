//===- Reconfigure.cpp - Exact re-optimisation of subtrees ----------------===//
//
// Takes a tree, and for each internal node cuts out a subtree of at most
// `maxLeaves` leaves below it (expanding the largest intermediates first).
// The leaves of that subtree and the node's result form a small network,
// which the exact search solves; a cheaper solution replaces the subtree.
// Sweeps repeat until one changes nothing.
//
//===----------------------------------------------------------------------===//

#include "compiler/path/Search.h"

#include <algorithm>
#include <functional>

using namespace ein;

namespace {

/// A tree as explicit nodes: leaves are the inputs, internal nodes have two
/// children and the indices their contraction keeps.
struct Nodes {
  std::vector<int> left, right;
  std::vector<IndexSet> result;
  unsigned root = 0;

  bool isLeaf(unsigned v) const { return left[v] < 0; }
};

Nodes toNodes(const Network &network, const ContractionTree &tree) {
  Nodes t;
  size_t n = network.numInputs();
  PathCost cost = evaluate(network, tree);
  for (size_t i = 0; i < n; ++i) {
    t.left.push_back(-1);
    t.right.push_back(-1);
    t.result.push_back(network.inputs[i]);
  }
  for (const PathStep &s : cost.steps) {
    t.left.push_back(s.lhs);
    t.right.push_back(s.rhs);
    t.result.push_back(s.result);
  }
  t.root = t.left.size() - 1;
  return t;
}

ContractionTree toTree(const Nodes &t, size_t numInputs) {
  ContractionTree tree;
  unsigned next = numInputs;
  std::function<unsigned(unsigned)> emit = [&](unsigned v) -> unsigned {
    if (t.isLeaf(v))
      return v;
    unsigned a = emit(t.left[v]);
    unsigned b = emit(t.right[v]);
    tree.steps.push_back({a, b});
    return next++;
  };
  emit(t.root);
  return tree;
}

} // namespace

ContractionTree ein::reconfigure(const Network &network, ContractionTree tree,
                                 PathObjective minimize, unsigned maxLeaves) {
  size_t n = network.numInputs();
  if (n < 3)
    return tree;
  Nodes t = toNodes(network, tree);
  bool changed = true;
  for (int sweep = 0; changed && sweep < 8; ++sweep) {
    changed = false;
    // Visit internal nodes, root first (the order does not matter for
    // correctness; roots see the largest subtrees).
    std::vector<unsigned> order;
    std::function<void(unsigned)> collect = [&](unsigned v) {
      if (t.isLeaf(v))
        return;
      order.push_back(v);
      collect(t.left[v]);
      collect(t.right[v]);
    };
    collect(t.root);
    for (unsigned v : order) {
      // Expand the frontier below v, largest intermediate first.
      std::vector<unsigned> frontier{unsigned(t.left[v]), unsigned(t.right[v])};
      while (frontier.size() < maxLeaves) {
        int pick = -1;
        double biggest = -1;
        for (size_t k = 0; k < frontier.size(); ++k) {
          unsigned f = frontier[k];
          double size = network.size(t.result[f]);
          if (!t.isLeaf(f) && size > biggest) {
            biggest = size;
            pick = k;
          }
        }
        if (pick < 0)
          break;
        unsigned f = frontier[pick];
        frontier[pick] = t.left[f];
        frontier.push_back(t.right[f]);
      }
      if (frontier.size() < 3)
        continue;

      // The local network and the current local tree.
      Network local;
      local.extents = network.extents;
      local.labels = network.labels;
      local.output = t.result[v];
      std::vector<int> position(t.left.size(), -1);
      for (size_t k = 0; k < frontier.size(); ++k) {
        local.inputs.push_back(t.result[frontier[k]]);
        position[frontier[k]] = k;
      }
      ContractionTree current;
      unsigned next = frontier.size();
      std::function<unsigned(unsigned)> emit = [&](unsigned u) -> unsigned {
        if (position[u] >= 0)
          return position[u];
        unsigned a = emit(t.left[u]);
        unsigned b = emit(t.right[u]);
        current.steps.push_back({a, b});
        return next++;
      };
      emit(v);
      std::optional<ContractionTree> better = optimalTree(local, minimize);
      if (!better)
        continue;
      PathCost oldCost = evaluate(local, current);
      PathCost newCost = evaluate(local, *better);
      double oldScore = score(oldCost, minimize);
      double newScore = score(newCost, minimize);
      if (!(newScore < oldScore * (1 - 1e-12)))
        continue;

      // Splice: new internal nodes for all steps but the last, which is v.
      std::vector<unsigned> id(frontier.begin(), frontier.end());
      for (size_t k = 0; k < better->steps.size(); ++k) {
        auto [a, b] = better->steps[k];
        unsigned node;
        if (k + 1 == better->steps.size()) {
          node = v;
        } else {
          node = t.left.size();
          t.left.push_back(0);
          t.right.push_back(0);
          t.result.push_back(newCost.steps[k].result);
        }
        t.left[node] = id[a];
        t.right[node] = id[b];
        id.push_back(node);
      }
      changed = true;
    }
  }
  return toTree(t, n);
}
