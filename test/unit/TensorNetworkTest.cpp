//===- TensorNetworkTest.cpp - ein::TensorNetwork
//--------------------------===//
//
// Pairwise contractions by shared names and by explicit axes, whole-network
// contraction on random networks, each against the reference loop nest;
// and every error the network reports.
//
//===----------------------------------------------------------------------===//

#include "einc/TensorNetwork.h"
#include "test/support/RandomEinsum.h"

#include "llvm/ADT/StringExtras.h"

#include <gtest/gtest.h>

#include <random>

using ein::Shape;
using ein::TensorNetwork;
using ein::oracle::Complex;

namespace {

std::vector<double> randomData(const Shape &shape, std::mt19937 &rng) {
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<double> v(ein::oracle::product(shape));
  for (double &x : v)
    x = u(rng);
  return v;
}

/// The reference loop nest of `expr` on f64 operands.
std::vector<double> reference(const std::string &expr,
                              const std::vector<Shape> &shapes,
                              const std::vector<std::vector<double>> &data) {
  std::vector<std::vector<Complex>> in;
  for (const auto &d : data)
    in.emplace_back(d.begin(), d.end());
  auto want =
      ein::oracle::reference(ein::oracle::interpret(expr, shapes), shapes, in);
  std::vector<double> out;
  for (Complex c : want.values)
    out.push_back(c.real());
  return out;
}

void expectNear(const double *got, const std::vector<double> &want) {
  for (size_t k = 0; k < want.size(); ++k)
    ASSERT_NEAR(got[k], want[k], 1e-10 * (1 + std::abs(want[k])))
        << "element " << k;
}

std::string message(llvm::Error err) { return llvm::toString(std::move(err)); }

struct Chain : ::testing::Test {
  std::mt19937 rng{7};
  Shape sa{5, 4}, sb{4, 3}, sc{3, 2};
  std::vector<double> a = randomData(sa, rng), b = randomData(sb, rng),
                      c = randomData(sc, rng);
  TensorNetwork net{ein::f64};
  void SetUp() override {
    ASSERT_FALSE(net.add("A", {"i", "j"}, sa, a.data()));
    ASSERT_FALSE(net.add("B", {"j", "k"}, sb, b.data()));
    ASSERT_FALSE(net.add("C", {"k", "l"}, sc, c.data()));
  }
};

} // namespace

TEST_F(Chain, ContractsByNamesPairwise) {
  ASSERT_FALSE(net.contract("A", "B", "AB"));
  EXPECT_EQ(net.names(), (std::vector<std::string>{"AB", "C"}));
  EXPECT_EQ(net.indices("AB"), (std::vector<std::string>{"i", "k"}));
  EXPECT_EQ(net.shape("AB"), (Shape{5, 3}));
  expectNear(net.data<double>("AB"), reference("ij,jk->ik", {sa, sb}, {a, b}));
  ASSERT_FALSE(net.contract("AB", "C", "ABC"));
  EXPECT_EQ(net.indices("ABC"), (std::vector<std::string>{"i", "l"}));
  expectNear(net.data<double>("ABC"),
             reference("ij,jk,kl->il", {sa, sb, sc}, {a, b, c}));
}

TEST_F(Chain, ContractsTheWholeNetworkWithTheOptimiser) {
  EXPECT_EQ(net.openIndices(), (std::vector<std::string>{"i", "l"}));
  EXPECT_EQ(*net.expression(), "ab,bc,cd->ad");
  auto path = net.contractAll("ABC");
  ASSERT_TRUE(bool(path)) << llvm::toString(path.takeError());
  EXPECT_EQ(path->steps.size(), 2u);
  EXPECT_EQ(net.names(), (std::vector<std::string>{"ABC"}));
  expectNear(net.data<double>("ABC"),
             reference("ij,jk,kl->il", {sa, sb, sc}, {a, b, c}));
}

TEST_F(Chain, ContractAllTakesAnOutputOrder) {
  auto path = net.contractAll("T", {"l", "i"});
  ASSERT_TRUE(bool(path)) << llvm::toString(path.takeError());
  EXPECT_EQ(net.shape("T"), (Shape{2, 5}));
  expectNear(net.data<double>("T"),
             reference("ij,jk,kl->li", {sa, sb, sc}, {a, b, c}));
}

TEST(TensorNetwork, KeepsAnIndexAThirdTensorHolds) {
  // j joins A, B and v: contracting A with B must keep it for v.
  std::mt19937 rng(3);
  Shape sa{3, 4}, sb{4, 2}, sv{4};
  auto a = randomData(sa, rng), b = randomData(sb, rng),
       v = randomData(sv, rng);
  TensorNetwork net(ein::f64);
  ASSERT_FALSE(net.add("A", {"i", "j"}, sa, a.data()));
  ASSERT_FALSE(net.add("B", {"j", "k"}, sb, b.data()));
  ASSERT_FALSE(net.add("v", {"j"}, sv, v.data()));
  ASSERT_FALSE(net.contract("A", "B", "AB"));
  EXPECT_EQ(net.indices("AB"), (std::vector<std::string>{"i", "j", "k"}));
  ASSERT_FALSE(net.contract("AB", "v", "R"));
  EXPECT_EQ(net.indices("R"), (std::vector<std::string>{"i", "k"}));
  expectNear(net.data<double>("R"),
             reference("ij,jk,j->ik", {sa, sb, sv}, {a, b, v}));
}

TEST(TensorNetwork, TensordotPairsExplicitAxes) {
  // numpy.tensordot(A, B, axes=([1, 2], [2, 0])) whatever the names.
  std::mt19937 rng(5);
  Shape sa{2, 3, 4}, sb{4, 5, 3};
  auto a = randomData(sa, rng), b = randomData(sb, rng);
  TensorNetwork net(ein::f64);
  ASSERT_FALSE(net.add("A", {"i", "j", "k"}, sa, a.data()));
  ASSERT_FALSE(net.add("B", {"p", "q", "r"}, sb, b.data()));
  ASSERT_FALSE(net.tensordot("A", "B", {1, 2}, {2, 0}, "R"));
  EXPECT_EQ(net.indices("R"), (std::vector<std::string>{"i", "q"}));
  EXPECT_EQ(net.shape("R"), (Shape{2, 5}));
  expectNear(net.data<double>("R"), reference("ijk,kqj->iq", {sa, sb}, {a, b}));
}

TEST(TensorNetwork, MatchesTheReferenceOnRandomNetworks) {
  std::mt19937 rng(11);
  const std::vector<std::string> pool{"a", "b", "c", "d", "e", "f", "g"};
  for (int trial = 0; trial < 40; ++trial) {
    std::map<std::string, int64_t> extent;
    for (const std::string &i : pool)
      extent[i] = 1 + rng() % 4;
    int count = 2 + rng() % 4;
    TensorNetwork net(ein::f64);
    std::vector<Shape> shapes;
    std::vector<std::vector<double>> data;
    std::vector<std::string> terms;
    for (int t = 0; t < count; ++t) {
      std::vector<std::string> indices;
      int rank = 1 + rng() % 3;
      while (int(indices.size()) < rank) {
        const std::string &i = pool[rng() % pool.size()];
        if (!llvm::is_contained(indices, i))
          indices.push_back(i);
      }
      Shape shape;
      std::string term;
      for (const std::string &i : indices) {
        shape.push_back(extent[i]);
        term += i;
      }
      shapes.push_back(shape);
      data.push_back(randomData(shape, rng));
      terms.push_back(term);
      ASSERT_FALSE(
          net.add("T" + std::to_string(t), indices, shape, data.back().data()));
    }
    std::string out;
    for (const std::string &i : net.openIndices())
      out += i;
    std::string expr = llvm::join(terms, ",") + "->" + out;
    auto path = net.contractAll("R");
    ASSERT_TRUE(bool(path)) << expr << ": " << llvm::toString(path.takeError());
    SCOPED_TRACE(expr);
    expectNear(net.data<double>("R"), reference(expr, shapes, data));
  }
}

TEST(TensorNetwork, ReportsBadUse) {
  std::vector<double> x(12, 1.0);
  TensorNetwork net(ein::f64);
  ASSERT_FALSE(net.add("A", {"i", "j"}, {3, 4}, x.data()));
  EXPECT_EQ(message(net.add("A", {"k"}, {3}, x.data())),
            "the network already has a tensor named 'A'");
  EXPECT_EQ(message(net.add("B", {"j", "k"}, {5, 2}, x.data())),
            "index 'j' has extent 5 in 'B' but 4 in 'A'");
  EXPECT_EQ(message(net.add("B", {"k", "k"}, {2, 2}, x.data())),
            "tensor 'B': index 'k' repeats (take a trace by contracting "
            "instead)");
  EXPECT_EQ(message(net.add("B", {"k"}, {2, 2}, x.data())),
            "tensor 'B' has 2 dimensions but 1 index names");
  EXPECT_EQ(message(net.add("B", {"k"}, {2}, nullptr)),
            "tensor 'B' has no data");
  ASSERT_FALSE(net.add("B", {"j", "i"}, {4, 3}, x.data()));
  EXPECT_EQ(message(net.contract("A", "Z", "R")),
            "the network has no tensor named 'Z'");
  EXPECT_EQ(message(net.contract("A", "A", "R")),
            "cannot contract 'A' with itself");
  EXPECT_EQ(message(net.tensordot("A", "B", {0}, {0}, "R")),
            "tensordot pairs axis 0 of 'A' (3) with axis 0 of 'B' (4)");
  EXPECT_EQ(message(net.tensordot("A", "B", {2}, {0}, "R")),
            "tensordot axis 2 is out of range for 'A' (rank 2)");
  EXPECT_EQ(message(net.tensordot("A", "B", {0, 1}, {1}, "R")),
            "tensordot pairs 2 axes of 'A' with 1 of 'B'");
  EXPECT_EQ(message(net.tensordot("A", "B", {1}, {0}, "R")),
            "index 'i' of 'B' is also an unpaired index of 'A': the result "
            "would hold it twice (pair it or rename it)");
  EXPECT_EQ(message(net.contractAll("R", {"z"}).takeError()),
            "output index 'z' is held by no tensor");
  EXPECT_EQ(message(net.contractAll("R", {"i", "i"}).takeError()),
            "output index 'i' is given twice");
  // Nothing failed half-way: both tensors are still there.
  EXPECT_EQ(net.names(), (std::vector<std::string>{"A", "B"}));
  ASSERT_FALSE(net.remove("B"));
  EXPECT_EQ(message(net.remove("B")), "the network has no tensor named 'B'");
}
