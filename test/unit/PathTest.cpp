//===- PathTest.cpp - Contraction orders ----------------------------------===//

#include "compiler/path/Path.h"

#include <gtest/gtest.h>

using mlir::ein::Subscripts;

namespace {

std::vector<std::string> steps(llvm::StringRef text) {
  std::string error;
  size_t column;
  std::optional<Subscripts> s = Subscripts::parse(text, error, column);
  EXPECT_TRUE(s.has_value()) << error;
  std::vector<std::string> result;
  for (const Subscripts &step : ein::leftToRightSteps(*s))
    result.push_back(step.str());
  return result;
}

TEST(LeftToRight, KeepsOnlyNeededLabels) {
  EXPECT_EQ(steps("ij,jk,kl->il"),
            (std::vector<std::string>{"ij,jk->ik", "ik,kl->il"}));
  EXPECT_EQ(steps("ab,bc,cd,de->ae"),
            (std::vector<std::string>{"ab,bc->ac", "ac,cd->ad", "ad,de->ae"}));
  EXPECT_EQ(steps("i,i,i->"),
            (std::vector<std::string>{"i,i->i", "i,i->"}));
}

TEST(LeftToRight, OuterProductsAndScalars) {
  EXPECT_EQ(steps("i,j,->ij"),
            (std::vector<std::string>{"i,j->ij", "ij,->ij"}));
}

TEST(LeftToRight, OneAndTwoOperandsAreOneStep) {
  EXPECT_EQ(steps("ii->"), (std::vector<std::string>{"ii->"}));
  EXPECT_EQ(steps("ij,jk->ik"), (std::vector<std::string>{"ij,jk->ik"}));
}

} // namespace
