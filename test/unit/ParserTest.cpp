//===- ParserTest.cpp - NumPy einsum strings ------------------------------===//

#include "compiler/parser/Einsum.h"
#include "einc/Error.h"

#include <gtest/gtest.h>

using namespace ein;
using mlir::ein::kDynamicExtent;

namespace {

using Shapes = std::vector<llvm::SmallVector<int64_t>>;

/// Resolves and returns the strict subscripts, or the error text.
std::string strict(llvm::StringRef expr, Shapes shapes) {
  auto p = resolveEinsum(expr, shapes, f32);
  if (!p)
    return "error: " + llvm::toString(p.takeError());
  return p->subscripts.str();
}

/// The column of the error for `expr`, or -1.
long errorColumn(llvm::StringRef expr, Shapes shapes) {
  auto p = resolveEinsum(expr, shapes, f32);
  if (p)
    return -1;
  long col = -2;
  llvm::handleAllErrors(p.takeError(),
                        [&](const ExprError &e) { col = long(e.column()); });
  return col;
}

TEST(Parser, ExplicitOutputKeepsOrder) {
  EXPECT_EQ(strict("bij,bjk->bik", {{2, 3, 4}, {2, 4, 5}}), "bij,bjk->bik");
  EXPECT_EQ(strict("ij->ji", {{2, 3}}), "ij->ji");
}

TEST(Parser, ImplicitOutputIsSortedSingletons) {
  EXPECT_EQ(strict("ij,jk", {{2, 3}, {3, 4}}), "ij,jk->ik");
  EXPECT_EQ(strict("ji", {{2, 3}}), "ji->ij");
  EXPECT_EQ(strict("ii", {{3, 3}}), "ii->");
  // Upper case sorts before lower case, as in NumPy.
  EXPECT_EQ(strict("aB", {{2, 3}}), "aB->Ba");
  EXPECT_EQ(strict("i,i", {{3}, {3}}), "i,i->");
}

TEST(Parser, WhitespaceIsIgnored) {
  EXPECT_EQ(strict(" i j , j k -> i k ", {{2, 3}, {3, 4}}), "ij,jk->ik");
}

TEST(Parser, ScalarsAndEmptyTerms) {
  EXPECT_EQ(strict(",ij->ij", {{}, {2, 3}}), ",ij->ij");
  EXPECT_EQ(strict("->", {{}}), "->");
  EXPECT_EQ(strict("", {{}}), "->");
}

TEST(Parser, EllipsisExpandsRightAligned) {
  // Operand 0 covers two dims, operand 1 one: fresh labels A, B.
  EXPECT_EQ(strict("...ij,...jk->...ik", {{5, 6, 2, 3}, {6, 3, 4}}),
            "ABij,Bjk->ABik");
  EXPECT_EQ(strict("...ij,...jk", {{5, 2, 3}, {3, 4}}), "Aij,jk->Aik");
  EXPECT_EQ(strict("i...", {{2}}), "i->i");
  EXPECT_EQ(strict("a...,...->a...", {{2, 3}, {3}}), "aA,A->aA");
}

TEST(Parser, EllipsisNeedsOutputEllipsis) {
  EXPECT_EQ(errorColumn("...ij->ij", {{4, 2, 3}}), 5);
  // Covering zero dims is fine.
  EXPECT_EQ(strict("...ij->ij", {{2, 3}}), "ij->ij");
}

TEST(Parser, SizeOneBroadcasts) {
  auto p = resolveEinsum("ij,jk->ik", {{2, 1}, {3, 4}}, f64);
  ASSERT_TRUE(bool(p)) << llvm::toString(p.takeError());
  EXPECT_EQ(p->extents['j'], 3);
  EXPECT_EQ(p->outputShape, (llvm::SmallVector<int64_t>{2, 4}));
}

TEST(Parser, SyntaxErrorsPointAtTheCharacter) {
  EXPECT_EQ(errorColumn("ij,jk->ikk", {{2, 3}, {3, 4}}), 9);
  EXPECT_EQ(errorColumn("ij->k", {{2, 3}}), 4);
  EXPECT_EQ(errorColumn(".ij", {{2, 3}}), 0);
  EXPECT_EQ(errorColumn("i...j...", {{2, 3}}), 5);
  EXPECT_EQ(errorColumn("i1", {{2, 3}}), 1);
  EXPECT_EQ(errorColumn("ij->i->j", {{2, 3}}), 5);
  EXPECT_EQ(errorColumn("ij-i", {{2, 3}}), 2);
  EXPECT_EQ(errorColumn("ij>i", {{2, 3}}), 2);
  EXPECT_EQ(errorColumn("ij->i,j", {{2, 3}}), 5);
}

TEST(Parser, ControlCharactersAreErrorsWithAlignedCarets) {
  // Found by the einsum fuzzer: a newline split the caret display in two.
  // Only spaces are ignored (as NumPy does); anything unprintable is an
  // invalid character shown as \xNN, and the echoed expression shows it as
  // '?' so that the caret stays under it.
  std::string expr = std::string("ij\n,jk\0", 7);
  auto parsed = parseEinsum(expr);
  ASSERT_FALSE(bool(parsed));
  std::string message, lines;
  llvm::handleAllErrors(parsed.takeError(), [&](const ExprError &e) {
    message = e.reason();
    lines = e.caretLines(0);
  });
  EXPECT_NE(message.find("invalid character '\\x0A'"), std::string::npos)
      << message;
  EXPECT_EQ(lines, "ij?,jk?\n  ^");
  EXPECT_EQ(errorColumn("ij,jk\t", {{2, 2}, {2, 2}}), 5);
}

TEST(Parser, OperandAndRankErrors) {
  // Two terms, one operand: the caret sits at the missing term.
  EXPECT_EQ(errorColumn("i j,", {{2, 3}}), 4);
  EXPECT_EQ(errorColumn("ij,jk->ik", {{2, 3}}), 3);
  EXPECT_EQ(errorColumn("ij", {{2, 3}, {3}}), 2);
  EXPECT_EQ(errorColumn("ij,jk", {{2, 3}, {3}}), 3);
  EXPECT_EQ(errorColumn("ij...", {{2}}), 0);
}

TEST(Parser, ExtentErrorsPointAtTheLabel) {
  EXPECT_EQ(errorColumn("ij,jk->ik", {{2, 3}, {4, 5}}), 3);
  EXPECT_EQ(errorColumn("ii->i", {{2, 3}}), 1);
  auto p = resolveEinsum("ij,jk->ik", {{2, 3}, {4, 5}}, f32);
  ASSERT_FALSE(bool(p));
  EXPECT_EQ(llvm::toString(p.takeError()),
            "label 'j' has extent 3 in operand 0 but 4 in operand 1 "
            "(dimension 0)");
}

TEST(Parser, CaretLines) {
  auto p = resolveEinsum("ij,jk->ikk", {{2, 3}, {3, 4}}, f32);
  std::string lines;
  llvm::handleAllErrors(p.takeError(),
                        [&](const ExprError &e) { lines = e.caretLines(2); });
  EXPECT_EQ(lines, "  ij,jk->ikk\n           ^");
}

TEST(Parser, FiftyTwoLabels) {
  std::string all = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  Shapes shapes{llvm::SmallVector<int64_t>(52, 1)};
  EXPECT_EQ(strict(all + "->", shapes), all + "->");
  // An ellipsis needing a 53rd label is refused.
  shapes[0].push_back(2);
  EXPECT_NE(errorColumn(all + "...->...", shapes), -1);
}

TEST(Parser, DynamicResolution) {
  auto p = resolveEinsumDynamic("ij,jk->ik", f32);
  ASSERT_TRUE(bool(p));
  EXPECT_EQ(p->dynamicLabels(), "ijk");
  EXPECT_FALSE(p->isStatic());
  EXPECT_EQ(p->outputShape[0], kDynamicExtent);
  auto e = resolveEinsumDynamic("...ij", f32);
  EXPECT_FALSE(bool(e));
  llvm::consumeError(e.takeError());
}

TEST(DType, NumPyPromotion) {
  EXPECT_EQ(promoteTypes(i32, f32), f64);
  EXPECT_EQ(promoteTypes(i64, f32), f64);
  EXPECT_EQ(promoteTypes(f32, f32), f32);
  EXPECT_EQ(promoteTypes(i32, i64), i64);
  EXPECT_EQ(promoteTypes(f32, c64), c64);
  EXPECT_EQ(promoteTypes(f64, c64), c128);
  EXPECT_EQ(promoteTypes(i32, c64), c128);
  EXPECT_EQ(promoteTypes(f32, f64), f64);
  EXPECT_EQ(parseDType("float32"), f32);
  EXPECT_EQ(parseDType("complex128"), c128);
  EXPECT_FALSE(parseDType("f8").has_value());
  // float16 as NumPy promotes it; bfloat16 as ml_dtypes does.
  EXPECT_EQ(parseDType("float16"), f16);
  EXPECT_EQ(parseDType("bf16"), bf16);
  EXPECT_EQ(promoteTypes(f16, f32), f32);
  EXPECT_EQ(promoteTypes(f16, f64), f64);
  EXPECT_EQ(promoteTypes(f16, i32), f64);
  EXPECT_EQ(promoteTypes(f16, c64), c64);
  EXPECT_EQ(promoteTypes(bf16, f16), f32);
  EXPECT_EQ(promoteTypes(bf16, bf16), bf16);
  EXPECT_EQ(promoteTypes(bf16, i64), f64);
}

} // namespace
