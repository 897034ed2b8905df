//===- PathTest.cpp - Step subscripts of contraction trees ----------------===//

#include "compiler/path/EinsumPaths.h"

#include <gtest/gtest.h>

using mlir::ein::Subscripts;

namespace {

/// The einsum of each step of `tree` (left to right if empty).
std::vector<std::string> steps(llvm::StringRef text,
                               ein::ContractionTree tree = {}) {
  std::string error;
  size_t column;
  std::optional<Subscripts> s = Subscripts::parse(text, error, column);
  EXPECT_TRUE(s.has_value()) << error;
  mlir::ein::LabelExtents extents{};
  for (char c : s->labels())
    extents[c] = 2;
  ein::Network net = ein::Network::fromSubscripts(*s, extents);
  if (tree.steps.empty())
    tree = ein::leftToRightTree(s->inputs.size());
  std::vector<std::string> result;
  for (const Subscripts &step : ein::treeSubscripts(*s, net, tree))
    result.push_back(step.str());
  return result;
}

TEST(TreeSubscripts, KeepOnlyNeededLabels) {
  EXPECT_EQ(steps("ij,jk,kl->il"),
            (std::vector<std::string>{"ij,jk->ik", "ik,kl->il"}));
  EXPECT_EQ(steps("ab,bc,cd,de->ae"),
            (std::vector<std::string>{"ab,bc->ac", "ac,cd->ad", "ad,de->ae"}));
  EXPECT_EQ(steps("i,i,i->"), (std::vector<std::string>{"i,i->i", "i,i->"}));
}

TEST(TreeSubscripts, OuterProductsScalarsAndDiagonals) {
  EXPECT_EQ(steps("i,j,->ij"),
            (std::vector<std::string>{"i,j->ij", "ij,->ij"}));
  // Leaves keep repeated labels; intermediates never repeat one.
  EXPECT_EQ(steps("ii,ij,jk->k"),
            (std::vector<std::string>{"ii,ij->j", "j,jk->k"}));
}

TEST(TreeSubscripts, FollowTheTree) {
  ein::ContractionTree tree;
  tree.steps = {{2, 3}, {0, 1}, {5, 4}};
  EXPECT_EQ(steps("ab,bc,cd,de->ae", tree),
            (std::vector<std::string>{"cd,de->ce", "ab,bc->ac", "ac,ce->ae"}));
}

TEST(TreeSubscripts, OneAndTwoOperandsAreOneStep) {
  EXPECT_EQ(steps("ii->"), (std::vector<std::string>{"ii->"}));
  EXPECT_EQ(steps("ij,jk->ik"), (std::vector<std::string>{"ij,jk->ik"}));
}

} // namespace
