//===- PathSearchTest.cpp - Contraction-order search ----------------------===//
//
// The exact search against brute force over every tree, validity of every
// algorithm's trees on thousands of random networks, opt_einsum's FLOP
// counting, and slicing.
//
//===----------------------------------------------------------------------===//

#include "compiler/path/Search.h"

#include <gtest/gtest.h>

#include <functional>
#include <random>

using namespace ein;

namespace {

/// A network from strict subscripts with the given extent for every label.
Network makeNetwork(llvm::StringRef text, std::function<int64_t(char)> extent) {
  std::string error;
  size_t column;
  auto s = mlir::ein::Subscripts::parse(text, error, column);
  EXPECT_TRUE(s.has_value()) << error;
  mlir::ein::LabelExtents extents{};
  for (char c : s->labels())
    extents[c] = extent(c);
  return Network::fromSubscripts(*s, extents);
}

/// The cheapest flops over every sequence of pairwise contractions.
double bruteForce(const Network &network) {
  size_t n = network.numInputs();
  double best = INFINITY;
  ContractionTree tree;
  std::vector<unsigned> live(n);
  for (unsigned i = 0; i < n; ++i)
    live[i] = i;
  std::function<void(unsigned)> recurse = [&](unsigned next) {
    if (live.size() == 1) {
      best = std::min(best, evaluate(network, tree).flops);
      return;
    }
    for (size_t x = 0; x < live.size(); ++x)
      for (size_t y = x + 1; y < live.size(); ++y) {
        std::vector<unsigned> saved = live;
        tree.steps.push_back({live[x], live[y]});
        live.erase(live.begin() + y);
        live.erase(live.begin() + x);
        live.push_back(next);
        recurse(next + 1);
        live = saved;
        tree.steps.pop_back();
      }
  };
  recurse(n);
  return best;
}

/// A random network: `n` tensors, indices shared by 1-3 tensors, some in
/// the output, extents 1-5.
Network randomNetwork(std::mt19937_64 &rng, unsigned n) {
  std::uniform_int_distribution<unsigned> numIndices(1, 2 * n + 2);
  std::uniform_int_distribution<unsigned> extent(1, 5);
  std::uniform_int_distribution<unsigned> tensor(0, n - 1);
  std::uniform_int_distribution<unsigned> holders(1, 3);
  std::bernoulli_distribution inOutput(0.2);
  Network net;
  unsigned m = numIndices(rng);
  for (unsigned i = 0; i < m; ++i)
    net.extents.push_back(extent(rng));
  net.inputs.assign(n, IndexSet(m));
  net.output = IndexSet(m);
  for (unsigned i = 0; i < m; ++i) {
    unsigned k = holders(rng);
    for (unsigned h = 0; h < k; ++h)
      net.inputs[tensor(rng)].insert(i);
    if (inOutput(rng) || k == 1)
      net.output.insert(i);
  }
  // Indices that ended up in no tensor cannot be in the output.
  IndexSet used(m);
  for (const IndexSet &s : net.inputs)
    used |= s;
  net.output &= used;
  return net;
}

TEST(PathCost, CountsFlopsLikeOptEinsum) {
  // opt_einsum's documentation example: each step touches five indices of
  // extent 10 and sums one, so 2 * 10^5 flops; four steps.
  Network net = makeNetwork("ea,fb,abcd,gc,hd->efgh", [](char) { return 10; });
  auto result = findPath(net, PathOptions());
  ASSERT_TRUE(bool(result)) << llvm::toString(result.takeError());
  EXPECT_EQ(result->cost.flops, 8e5);
  // Naive: 10^8 entries * (4 + 1) (four multiplications and a sum).
  EXPECT_EQ(result->cost.naiveFlops, 5e8);
  EXPECT_EQ(result->cost.largestIntermediate, 1e4);
}

TEST(PathCost, MatmulAndOuterProduct) {
  Network mm = makeNetwork("ij,jk->ik", [](char) { return 3; });
  PathCost c = evaluate(mm, leftToRightTree(2));
  EXPECT_EQ(c.flops, 2 * 27);
  EXPECT_EQ(c.naiveFlops, 2 * 27);
  EXPECT_EQ(c.optEinsumPath, (std::vector<std::vector<unsigned>>{{0, 1}}));
  Network outer = makeNetwork("i,j->ij", [](char) { return 4; });
  EXPECT_EQ(evaluate(outer, leftToRightTree(2)).flops, 16);
}

TEST(PathCost, OptEinsumPathConvention) {
  Network net = makeNetwork("ab,bc,cd,de->ae", [](char) { return 2; });
  // Contract 2 and 3 first, then 0 and 1, then the two results.
  ContractionTree tree;
  tree.steps = {{2, 3}, {0, 1}, {4, 5}};
  PathCost c = evaluate(net, tree);
  EXPECT_EQ(c.optEinsumPath,
            (std::vector<std::vector<unsigned>>{{2, 3}, {0, 1}, {0, 1}}));
}

TEST(Optimal, MatchesBruteForceOnRandomNetworks) {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 300; ++trial) {
    unsigned n = 2 + trial % 5; // 2-6 tensors
    Network net = randomNetwork(rng, n);
    auto tree = optimalTree(net, PathObjective::Flops);
    ASSERT_TRUE(tree.has_value());
    ASSERT_TRUE(isValidTree(net, *tree));
    double want = bruteForce(net);
    double got = evaluate(net, *tree).flops;
    ASSERT_EQ(got, want) << "trial " << trial << " with " << n << " tensors";
  }
}

TEST(Optimal, TwelveTensorsQuickly) {
  // A ring of 12 matrices: exact search must finish well under a second
  // (timed in the benchmark; here it only has to finish and be valid).
  Network net = makeNetwork("ab,bc,cd,de,ef,fg,gh,hi,ij,jk,kl,la->",
                            [](char c) { return 2 + c % 7; });
  PathOptions options;
  options.algorithm = PathAlgorithm::Optimal;
  auto result = findPath(net, options);
  ASSERT_TRUE(bool(result));
  EXPECT_TRUE(isValidTree(net, result->tree));
  EXPECT_LE(result->cost.flops, evaluate(net, leftToRightTree(12)).flops);
}

TEST(Search, EveryAlgorithmGivesValidTrees) {
  std::mt19937_64 rng(11);
  for (int trial = 0; trial < 2000; ++trial) {
    unsigned n = 1 + trial % 24;
    Network net = randomNetwork(rng, n);
    for (PathAlgorithm a : {PathAlgorithm::Auto, PathAlgorithm::Greedy,
                            PathAlgorithm::Hyper, PathAlgorithm::LeftToRight}) {
      PathOptions options;
      options.algorithm = a;
      options.maxTrials = 8;
      options.seed = trial;
      auto result = findPath(net, options);
      ASSERT_TRUE(bool(result)) << llvm::toString(result.takeError());
      ASSERT_TRUE(isValidTree(net, result->tree))
          << algorithmName(a) << " trial " << trial;
      // The last step produces exactly the output's indices.
      if (n > 1) {
        ASSERT_EQ(result->cost.steps.back().result, net.output);
      }
    }
  }
}

TEST(Search, PartitionTreesAreValid) {
  std::mt19937_64 rng(13);
  for (int trial = 0; trial < 500; ++trial) {
    Network net = randomNetwork(rng, 1 + trial % 40);
    PartitionParams params;
    params.leafSize = 2 + trial % 9;
    params.imbalance = (trial % 5) * 0.1;
    ContractionTree tree = partitionTree(net, params, rng);
    ASSERT_TRUE(isValidTree(net, tree)) << "trial " << trial;
    if (net.numInputs() <= params.leafSize) {
      EXPECT_EQ(evaluate(net, tree).flops,
                evaluate(net, *optimalTree(net, PathObjective::Flops)).flops);
    }
  }
}

TEST(Search, HyperIsNoWorseThanGreedy) {
  std::mt19937_64 rng(3);
  for (int trial = 0; trial < 50; ++trial) {
    Network net = randomNetwork(rng, 20 + trial % 10);
    PathOptions greedy, hyper;
    greedy.algorithm = PathAlgorithm::Greedy;
    hyper.algorithm = PathAlgorithm::Hyper;
    hyper.maxTrials = 32;
    auto g = findPath(net, greedy), h = findPath(net, hyper);
    ASSERT_TRUE(g && h);
    EXPECT_LE(h->cost.flops, g->cost.flops);
  }
}

TEST(Search, ReconfigurationFindsTheOptimumOfSmallNetworks) {
  std::mt19937_64 rng(5);
  for (int trial = 0; trial < 100; ++trial) {
    Network net = randomNetwork(rng, 3 + trial % 6);
    ContractionTree start = leftToRightTree(net.numInputs());
    ContractionTree tree = reconfigure(net, start, PathObjective::Flops, 16);
    ASSERT_TRUE(isValidTree(net, tree));
    EXPECT_EQ(evaluate(net, tree).flops,
              evaluate(net, *optimalTree(net, PathObjective::Flops)).flops);
  }
}

TEST(Search, OptimalRefusesHugeNetworks) {
  std::mt19937_64 rng(1);
  Network net = randomNetwork(rng, kMaxOptimalTensors + 1);
  PathOptions options;
  options.algorithm = PathAlgorithm::Optimal;
  auto result = findPath(net, options);
  ASSERT_FALSE(bool(result));
  EXPECT_NE(llvm::toString(result.takeError()).find("at most 16 tensors"),
            std::string::npos);
}

TEST(Slicing, FitsTheLimitAndCountsOverhead) {
  // Left to right, the first step is an outer product of 8^4 elements.
  Network net = makeNetwork("ab,cd,bd->ac", [](char) { return 8; });
  PathOptions options;
  options.algorithm = PathAlgorithm::LeftToRight;
  options.memoryLimit = 100;
  auto result = findPath(net, options);
  ASSERT_TRUE(bool(result)) << llvm::toString(result.takeError());
  EXPECT_LE(result->slicedLargest, 100);
  EXPECT_FALSE(result->sliced.empty());
  EXPECT_GE(result->slicedFlops, result->cost.flops);
  EXPECT_EQ(result->sliced.count(), 2u);
  EXPECT_EQ(result->slices, 64);
}

TEST(Slicing, ImpossibleLimitsAreErrors) {
  Network net = makeNetwork("ab,bc->ac", [](char) { return 10; });
  PathOptions options;
  options.memoryLimit = 50; // each input has 100 elements
  auto result = findPath(net, options);
  ASSERT_FALSE(bool(result));
  EXPECT_NE(llvm::toString(result.takeError()).find("smaller than input 0"),
            std::string::npos);
}

TEST(Objectives, SizeAndWriteAreRespected) {
  std::mt19937_64 rng(9);
  for (int trial = 0; trial < 50; ++trial) {
    Network net = randomNetwork(rng, 6);
    auto flopsTree = *optimalTree(net, PathObjective::Flops);
    auto sizeTree = *optimalTree(net, PathObjective::Size);
    auto writeTree = *optimalTree(net, PathObjective::Write);
    EXPECT_LE(evaluate(net, sizeTree).largestIntermediate,
              evaluate(net, flopsTree).largestIntermediate);
    EXPECT_LE(evaluate(net, writeTree).write, evaluate(net, flopsTree).write);
  }
}

} // namespace
