//===- Network.cpp - Tensor networks and contraction trees ----------------===//

#include "compiler/path/Network.h"

#include <algorithm>

using namespace ein;

double Network::size(const IndexSet &s) const {
  double n = 1;
  s.forEach([&](unsigned i) { n *= extents[i]; });
  return n;
}

std::string Network::str(const IndexSet &s) const {
  std::string r;
  s.forEach([&](unsigned i) {
    r += i < labels.size() ? std::string(1, labels[i])
                           : "[" + std::to_string(i) + "]";
  });
  return r;
}

Network Network::fromSubscripts(const mlir::ein::Subscripts &s,
                                const mlir::ein::LabelExtents &extents,
                                double dynamicGuess) {
  Network n;
  n.labels = s.labels();
  std::array<int, 128> index;
  index.fill(-1);
  for (size_t i = 0; i < n.labels.size(); ++i) {
    index[n.labels[i]] = i;
    int64_t e = extents[n.labels[i]];
    n.extents.push_back(e == mlir::ein::kDynamicExtent ? dynamicGuess
                                                       : double(e));
  }
  for (const std::string &in : s.inputs) {
    IndexSet set(n.numIndices());
    for (char c : in)
      set.insert(index[c]);
    n.inputs.push_back(set);
  }
  n.output = IndexSet(n.numIndices());
  for (char c : s.output)
    n.output.insert(index[c]);
  return n;
}

PathCost ein::evaluate(const Network &network, const ContractionTree &tree,
                       const IndexSet *sliced) {
  Network local;
  const Network *net = &network;
  if (sliced && !sliced->empty()) {
    local = network;
    sliced->forEach([&](unsigned i) { local.extents[i] = 1; });
    net = &local;
  }
  size_t n = net->numInputs();
  PathCost cost;

  // opt_einsum's naive cost: every index in one loop nest.
  IndexSet all = net->emptySet();
  unsigned total = 0;
  for (const IndexSet &s : net->inputs) {
    all |= s;
    total += s.count();
  }
  bool inner = total > all.count();
  double factor = std::max<double>(1, double(n) - 1) + (inner ? 1 : 0);
  cost.naiveFlops = net->size(all) * factor;

  if (n == 1) {
    PathStep step;
    step.lhsIndices = net->inputs[0];
    step.result = net->output;
    step.removed = minus(net->inputs[0], net->output);
    // opt_einsum's step cost: the operand's size, doubled if it sums.
    step.flops = net->size(net->inputs[0]) * (step.removed.empty() ? 1 : 2);
    step.size = net->size(net->output);
    step.scaling = net->inputs[0].count();
    cost.flops = step.flops;
    cost.largestIntermediate = step.size;
    cost.write = step.size;
    cost.steps.push_back(step);
    cost.optEinsumPath.push_back({0});
    return cost;
  }

  // How many live tensors (and the output) use each index.
  std::vector<int> uses(net->numIndices(), 0);
  std::vector<IndexSet> nodes(net->inputs);
  for (const IndexSet &s : nodes)
    s.forEach([&](unsigned i) { ++uses[i]; });
  net->output.forEach([&](unsigned i) { ++uses[i]; });
  std::vector<unsigned> live(n);
  for (size_t i = 0; i < n; ++i)
    live[i] = i;

  for (auto [first, second] : tree.steps) {
    unsigned a = first, b = second; // lambdas cannot capture bindings in C++17
    PathStep step;
    step.lhs = a;
    step.rhs = b;
    step.lhsIndices = nodes[a];
    step.rhsIndices = nodes[b];
    IndexSet involved = nodes[a] | nodes[b];
    step.result = net->emptySet();
    step.removed = net->emptySet();
    involved.forEach([&](unsigned i) {
      int remaining = uses[i] - nodes[a].contains(i) - nodes[b].contains(i);
      if (remaining > 0) {
        step.result.insert(i);
        uses[i] = remaining + 1;
      } else {
        step.removed.insert(i);
        uses[i] = 0;
      }
    });
    step.scaling = involved.count();
    step.flops = net->size(involved) * (step.removed.empty() ? 1 : 2);
    step.size = net->size(step.result);
    cost.flops += step.flops;
    cost.write += step.size;
    cost.largestIntermediate = std::max(cost.largestIntermediate, step.size);

    auto pa = std::find(live.begin(), live.end(), a) - live.begin();
    auto pb = std::find(live.begin(), live.end(), b) - live.begin();
    cost.optEinsumPath.push_back(
        {unsigned(std::min(pa, pb)), unsigned(std::max(pa, pb))});
    live.erase(live.begin() + std::max(pa, pb));
    live.erase(live.begin() + std::min(pa, pb));
    live.push_back(nodes.size());
    nodes.push_back(step.result);
    cost.steps.push_back(std::move(step));
  }
  return cost;
}

bool ein::isValidTree(const Network &network, const ContractionTree &tree) {
  size_t n = network.numInputs();
  if (n == 0)
    return false;
  if (tree.steps.size() != n - 1)
    return false;
  std::vector<bool> used(2 * n, false);
  for (size_t k = 0; k < tree.steps.size(); ++k) {
    auto [a, b] = tree.steps[k];
    size_t available = n + k;
    if (a == b || a >= available || b >= available || used[a] || used[b])
      return false;
    used[a] = used[b] = true;
  }
  return true;
}

ContractionTree ein::leftToRightTree(size_t numInputs) {
  ContractionTree tree;
  for (size_t k = 1; k < numInputs; ++k)
    tree.steps.push_back(
        {k == 1 ? 0u : unsigned(numInputs + k - 2), unsigned(k)});
  return tree;
}
