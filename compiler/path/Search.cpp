//===- Search.cpp - Contraction-order search: the driver ------------------===//

#include "compiler/path/Search.h"

#include <chrono>
#include <cmath>

using namespace ein;

llvm::Error sliceToLimit(const Network &network, PathResult &result,
                         double limit);

const char *ein::algorithmName(PathAlgorithm a) {
  switch (a) {
  case PathAlgorithm::Auto:
    return "auto";
  case PathAlgorithm::Optimal:
    return "optimal";
  case PathAlgorithm::Greedy:
    return "greedy";
  case PathAlgorithm::Hyper:
    return "hyper";
  case PathAlgorithm::LeftToRight:
    return "left-to-right";
  }
  return "?";
}

std::optional<PathAlgorithm> ein::parseAlgorithm(llvm::StringRef name) {
  for (PathAlgorithm a :
       {PathAlgorithm::Auto, PathAlgorithm::Optimal, PathAlgorithm::Greedy,
        PathAlgorithm::Hyper, PathAlgorithm::LeftToRight})
    if (name == algorithmName(a))
      return a;
  return std::nullopt;
}

const char *ein::objectiveName(PathObjective o) {
  switch (o) {
  case PathObjective::Flops:
    return "flops";
  case PathObjective::Size:
    return "size";
  case PathObjective::Write:
    return "write";
  case PathObjective::Combo:
    return "combo";
  }
  return "?";
}

std::optional<PathObjective> ein::parseObjective(llvm::StringRef name) {
  for (PathObjective o : {PathObjective::Flops, PathObjective::Size,
                          PathObjective::Write, PathObjective::Combo})
    if (name == objectiveName(o))
      return o;
  return std::nullopt;
}

double ein::score(const PathCost &cost, PathObjective minimize) {
  switch (minimize) {
  case PathObjective::Flops:
    return cost.flops;
  case PathObjective::Size:
    // Ties between equally large trees are broken by the searches (the
    // exact one prefers fewer flops).
    return cost.largestIntermediate;
  case PathObjective::Write:
    return cost.write;
  case PathObjective::Combo:
    return cost.flops + 64 * cost.write;
  }
  return cost.flops;
}

namespace {

using Clock = std::chrono::steady_clock;

/// Randomised trials, alternating greedy with Boltzmann noise and recursive
/// bisection, improving the best tree with reconfiguration.
ContractionTree hyperSearch(const Network &network, const PathOptions &options,
                            Clock::time_point deadline, uint64_t &trials) {
  auto better = [&](const ContractionTree &a, double &bestScore) {
    double s = score(evaluate(network, a), options.minimize);
    if (s < bestScore) {
      bestScore = s;
      return true;
    }
    return false;
  };
  ContractionTree best = greedyTree(network, GreedyParams());
  double bestScore = score(evaluate(network, best), options.minimize);
  std::mt19937_64 rng(options.seed);
  std::uniform_real_distribution<double> alphaDist(0.0, 1.5);
  std::uniform_real_distribution<double> logTemp(std::log(0.01), std::log(2.0));
  trials = 1;
  uint64_t lastImprovement = 0;
  auto done = [&] {
    if (options.maxTrials && trials >= options.maxTrials)
      return true;
    return !options.maxTrials && Clock::now() >= deadline;
  };
  std::uniform_int_distribution<unsigned> leafDist(4, 10);
  std::uniform_real_distribution<double> imbalanceDist(0.0, 0.4);
  while (!done()) {
    ContractionTree t;
    if (trials % 2) {
      GreedyParams params;
      params.alpha = alphaDist(rng);
      params.temperature = std::exp(logTemp(rng));
      t = greedyTree(network, params, &rng);
    } else {
      PartitionParams params;
      params.leafSize = leafDist(rng);
      params.imbalance = imbalanceDist(rng);
      params.minimize = options.minimize;
      t = partitionTree(network, params, rng);
    }
    ++trials;
    if (better(t, bestScore)) {
      best = std::move(t);
      lastImprovement = trials;
    }
    // Polish the best tree from time to time.
    if (lastImprovement == trials && trials % 16 == 0) {
      ContractionTree r = reconfigure(network, best, options.minimize);
      if (better(r, bestScore))
        best = std::move(r);
    }
  }
  ContractionTree r = reconfigure(network, best, options.minimize);
  if (better(r, bestScore))
    best = std::move(r);
  return best;
}

} // namespace

llvm::Expected<PathResult> ein::findPath(const Network &network,
                                         const PathOptions &options) {
  auto start = Clock::now();
  size_t n = network.numInputs();
  if (n == 0)
    return llvm::createStringError("a network needs at least one tensor");
  if (options.memoryLimit > 0) {
    for (size_t i = 0; i < n; ++i)
      if (network.size(network.inputs[i]) > options.memoryLimit)
        return llvm::createStringError(
            "the memory limit of " +
            llvm::Twine(uint64_t(options.memoryLimit)) +
            " elements is smaller than input " + llvm::Twine(i) + " (" +
            llvm::Twine(uint64_t(network.size(network.inputs[i]))) +
            " elements)");
    if (network.size(network.output) > options.memoryLimit)
      return llvm::createStringError(
          "the memory limit of " + llvm::Twine(uint64_t(options.memoryLimit)) +
          " elements is smaller than the output (" +
          llvm::Twine(uint64_t(network.size(network.output))) + " elements)");
  }

  PathResult result;
  if (!options.tree.empty()) {
    result.tree.steps = options.tree;
    if (!isValidTree(network, result.tree))
      return llvm::createStringError("the given tree does not contract the " +
                                     llvm::Twine(n) +
                                     " operands exactly once each");
  }
  PathAlgorithm algorithm = options.algorithm;
  if (algorithm == PathAlgorithm::Auto)
    algorithm = n <= kAutoOptimalTensors ? PathAlgorithm::Optimal
                                         : PathAlgorithm::Hyper;
  result.algorithm = algorithm;
  auto budget = std::chrono::duration<double>(options.maxTimeSeconds);
  auto deadline = start + std::chrono::duration_cast<Clock::duration>(budget);
  switch (options.tree.empty() ? algorithm : PathAlgorithm::Auto) {
  case PathAlgorithm::Auto:
    break; // the given tree
  case PathAlgorithm::Optimal: {
    std::optional<ContractionTree> tree =
        optimalTree(network, options.minimize);
    if (!tree)
      return llvm::createStringError("the optimal search handles at most " +
                                     llvm::Twine(kMaxOptimalTensors) +
                                     " tensors and this network has " +
                                     llvm::Twine(n) + "; use hyper or greedy");
    result.tree = std::move(*tree);
    break;
  }
  case PathAlgorithm::Greedy:
    result.tree = greedyTree(network, GreedyParams());
    break;
  case PathAlgorithm::Hyper:
    result.tree = hyperSearch(network, options, deadline, result.trials);
    break;
  case PathAlgorithm::LeftToRight:
    result.tree = leftToRightTree(n);
    break;
  }
  result.cost = evaluate(network, result.tree);
  result.sliced = network.emptySet();
  result.slicedFlops = result.cost.flops;
  result.slicedLargest = result.cost.largestIntermediate;
  if (options.memoryLimit > 0 &&
      result.cost.largestIntermediate > options.memoryLimit)
    if (llvm::Error err = sliceToLimit(network, result, options.memoryLimit))
      return std::move(err);
  result.searchMs =
      std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  return result;
}
