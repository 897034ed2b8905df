//===- RandomEinsumTest.cpp - JIT vs a reference loop nest ----------------===//
//
// A randomized property test of the JIT. A seeded generator writes valid
// NumPy einsum expressions (1-5 operands, ranks 0-5, labels from a small
// mixed-case pool so that they are shared, repeated within an operand and
// summed; ellipses covering different numbers of dimensions in different
// operands; size-1 broadcasting; zero-size dimensions; spaces; implicit and
// explicit outputs; all six dtypes) with small random shapes. Every case is
// compiled and run, and the result is compared with a reference written here
// independently of the compiler: a tiny interpreter of NumPy's rules expands
// the ellipses and the implicit output, and one plain loop nest sums the
// products of the operand elements over every assignment of every label.
//
//===----------------------------------------------------------------------===//

#include "test/support/RandomEinsum.h"
#include "compiler/codegen/Compile.h"
#include "compiler/parser/Einsum.h"
#include "einc/einc.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <complex>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace {

using namespace ein::oracle;

/// What a case exercises, to show (and check) that the generator covers it.
struct Coverage {
  int cases = 0, implicit = 0, ellipsis = 0, unevenEllipsis = 0, diagonal = 0,
      sharedBy3 = 0, summed = 0, broadcast = 0, zeroSize = 0, spaces = 0,
      maxOperands = 0, maxRank = 0;
  int perDtype[6] = {};

  void add(const Case &c) {
    Einsum e = interpret(c.expr, c.shapes);
    std::map<char, int64_t> extent = labelExtents(e, c.shapes);
    std::map<char, int> operandsWith, uses;
    std::set<int> ellipsisCounts;
    bool diag = false, bcast = false, zero = false;
    for (size_t i = 0; i < e.inputs.size(); ++i) {
      const std::string &term = e.inputs[i];
      std::set<char> seen(term.begin(), term.end());
      diag |= seen.size() < term.size();
      for (char l : seen)
        ++operandsWith[l];
      for (size_t d = 0; d < term.size(); ++d) {
        ++uses[term[d]];
        bcast |= c.shapes[i][d] == 1 && extent[term[d]] != 1;
      }
      ellipsisCounts.insert(std::count_if(term.begin(), term.end(), [](char l) {
        return std::isdigit(static_cast<unsigned char>(l));
      }));
      maxRank = std::max(maxRank, int(term.size()));
    }
    bool shared3 = false, sum = false;
    for (auto [l, n] : operandsWith) {
      shared3 |= n >= 3;
      sum |= e.output.find(l) == std::string::npos;
    }
    for (auto [l, x] : extent)
      zero |= x == 0;
    ++cases;
    ++perDtype[c.dtype];
    implicit += e.implicit;
    ellipsis += c.expr.find("...") != std::string::npos;
    unevenEllipsis += ellipsisCounts.size() > 1;
    diagonal += diag;
    sharedBy3 += shared3;
    summed += sum;
    broadcast += bcast;
    zeroSize += zero;
    spaces += c.expr.find(' ') != std::string::npos;
    maxOperands = std::max(maxOperands, int(e.inputs.size()));
  }

  void print() const {
    std::printf("random einsum: %d cases; %d implicit, %d with '...' (%d "
                "covering different numbers of dims), %d diagonals, %d "
                "labels shared by 3+ operands, %d summed labels, %d size-1 "
                "broadcasts, %d zero-size, %d with spaces; up to %d operands "
                "of rank %d;",
                cases, implicit, ellipsis, unevenEllipsis, diagonal, sharedBy3,
                summed, broadcast, zeroSize, spaces, maxOperands, maxRank);
    for (int t = 0; t < 6; ++t)
      std::printf(" %s %d", ein::dtypeName(ein::DType(t)), perDtype[t]);
    std::printf("\n");
  }
};

//===----------------------------------------------------------------------===//
// Tests
//===----------------------------------------------------------------------===//

TEST(RandomEinsum, ReferenceFollowsNumPy) {
  // The interpreter: implicit outputs in ASCII order, after the ellipsis
  // dimensions; right-aligned ellipses of different lengths.
  EXPECT_EQ(interpret("ba", {{2, 3}}).output, "ab");
  EXPECT_EQ(interpret("bA,Ac", {{2, 3}, {3, 4}}).output, "bc");
  EXPECT_EQ(interpret("aB,Cd", {{2, 3}, {3, 4}}).output, "BCad");
  EXPECT_EQ(interpret("iij", {{2, 2, 3}}).output, "j");
  Einsum e = interpret(" a... , ...b ", {{2, 3, 4}, {4, 5}});
  EXPECT_EQ(e.inputs, (std::vector<std::string>{"a01", "1b"}));
  EXPECT_EQ(e.output, "01ab");
  EXPECT_EQ(interpret("b...a->a...", {{2, 3, 4}}).output, "a0");
  EXPECT_EQ(interpret("ij->...ji", {{2, 3}}).output, "ji");
  // The loop nest: a matrix product with a broadcast row, and a trace.
  Einsum mm = interpret("ij,jk->ik", {{1, 2}, {2, 2}});
  Expected r = reference(mm, {{1, 2}, {2, 2}}, {{1, 2}, {3, 4, 5, 6}});
  EXPECT_EQ(r.shape, (ein::Shape{1, 2}));
  EXPECT_EQ(r.values, (std::vector<Complex>{13, 16}));
  Expected trace =
      reference(interpret("ii", {{2, 2}}), {{2, 2}}, {{1, 2, 3, 4}});
  EXPECT_EQ(trace.values, (std::vector<Complex>{5}));
  Expected zero = reference(interpret("ij->i", {{2, 0}}), {{2, 0}}, {{}});
  EXPECT_EQ(zero.values, (std::vector<Complex>{0, 0}));
}

TEST(RandomEinsum, MatchesReferenceLoopNest) {
  Generator gen(20261122);
  std::mt19937_64 rng(42);
  ein::Jit jit;
  Coverage coverage;
  int failures = 0;
  for (int n = 0; n < 1100 && failures < 10; ++n) {
    Case c = gen.next();
    coverage.add(c);
    std::string problem = check(jit, c, rng);
    if (!problem.empty()) {
      ++failures;
      ADD_FAILURE() << "case " << n << ": " << c.describe() << ": " << problem;
    }
  }
  coverage.print();
  if (failures)
    return;
  // The generator really exercises what it claims to.
  EXPECT_GE(coverage.cases, 1000);
  for (int count :
       {coverage.implicit, coverage.ellipsis, coverage.unevenEllipsis,
        coverage.diagonal, coverage.sharedBy3, coverage.summed,
        coverage.broadcast, coverage.zeroSize, coverage.spaces})
    EXPECT_GT(count, 10);
  for (int count : coverage.perDtype)
    EXPECT_GT(count, 100);
  EXPECT_EQ(coverage.maxOperands, 5);
  EXPECT_EQ(coverage.maxRank, 5);
}

/// The generator's real cases in f16 or bf16 (alternately): its complex
/// ones have no half type and are skipped.
bool toHalf(Case &c, int n) {
  if (c.dtype == ein::c64 || c.dtype == ein::c128)
    return false;
  c.dtype = n % 2 ? ein::f16 : ein::bf16;
  return true;
}

TEST(RandomEinsum, HalfPrecisionMatchesReference) {
  // f16 and bf16 operands are multiplied and summed in f32 and rounded
  // once per contraction, against the reference on the same rounded
  // inputs.
  Generator gen(20261207);
  std::mt19937_64 rng(9);
  ein::Jit jit;
  int cases[2] = {}, failures = 0;
  for (int n = 0; n < 400 && failures < 10; ++n) {
    Case c = gen.next();
    if (!toHalf(c, n))
      continue;
    ++cases[c.dtype == ein::f16];
    std::string problem = check(jit, c, rng);
    if (!problem.empty()) {
      ++failures;
      ADD_FAILURE() << "case " << n << ": " << c.describe() << ": " << problem;
    }
  }
  std::printf("half precision: %d bfloat16, %d float16 cases\n", cases[0],
              cases[1]);
  EXPECT_GT(cases[0], 100);
  EXPECT_GT(cases[1], 100);
}

TEST(RandomEinsum, SlicedKernelsAgree) {
  // The same checks through sliced kernels: left-to-right trees make large
  // intermediates, and a limit of the largest operand or output forces the
  // JIT to loop over slices.
  Generator gen(7);
  std::mt19937_64 rng(8);
  ein::Jit jit;
  ein::CompileOptions options;
  options.path.algorithm = ein::PathAlgorithm::LeftToRight;
  int sliced = 0, failures = 0;
  for (int n = 0; n < 300 && failures < 5; ++n) {
    Case c = gen.next();
    if (c.shapes.size() < 3)
      continue;
    Einsum e = interpret(c.expr, c.shapes);
    std::map<char, int64_t> extent = labelExtents(e, c.shapes);
    double limit = 1;
    for (char l : e.output)
      limit *= double(extent[l]);
    for (const ein::Shape &shape : c.shapes)
      limit = std::max(limit, double(product(shape)));
    options.path.memoryLimit = std::max(limit, 1.0);
    llvm::Expected<ein::Kernel> kernel =
        jit.compile(c.expr, c.shapes, c.dtype, options);
    if (!kernel) {
      // Refused when slicing cannot reach the limit.
      llvm::consumeError(kernel.takeError());
      continue;
    }
    sliced += !kernel->path().slicedIndices.empty();
    std::string problem = check(jit, c, rng, options);
    if (!problem.empty()) {
      ++failures;
      ADD_FAILURE() << c.describe() << " (memory limit "
                    << options.path.memoryLimit << "): " << problem;
    }
  }
  std::printf("sliced kernels: %d\n", sliced);
  EXPECT_GT(sliced, 0);
}

/// Whether `c` compiles to the register-blocked vector code of
/// ein-vectorize-contractions (fused multiply-adds on vectors).
/// Whether the IR of `c` at `stage` contains `needle`.
bool irContains(const Case &c, ein::Stage stage, const char *needle) {
  std::vector<llvm::SmallVector<int64_t>> shapes;
  for (const ein::Shape &s : c.shapes)
    shapes.emplace_back(s.begin(), s.end());
  auto problem = ein::resolveEinsum(c.expr, shapes, c.dtype);
  if (!problem) {
    llvm::consumeError(problem.takeError());
    return false;
  }
  auto ctx = ein::createContext();
  auto module = ein::lowerEinsum(*ctx, *problem, "einsum", stage,
                                 ein::CompileOptions().path);
  if (!module) {
    llvm::consumeError(module.takeError());
    return false;
  }
  std::string text;
  llvm::raw_string_ostream os(text);
  (*module)->print(os);
  return text.find(needle) != std::string::npos;
}

bool usesBlockedKernel(const Case &c) {
  return irContains(c, ein::Stage::Linalg, "vector.fma");
}

TEST(RandomEinsum, BlockedKernelsMatchReference) {
  // Binary contractions shaped for the register-blocked path: batch, row
  // (m), column (n) and summed (k) label groups of one or two labels in
  // random orders, the block-divisible extents on the innermost row and
  // column, odd extents (1, 2, 3, 5, 7) elsewhere, so that slices of k of
  // every depth and operands in every layout are exercised; layouts whose
  // columns end no operand go through a transposed copy of B.
  Dice dice{std::mt19937_64(2026)};
  std::mt19937_64 values(5);
  auto pick = [&](std::initializer_list<int64_t> o) { return dice.pick(o); };
  auto shuffled = [&](std::string s) { return dice.shuffled(s); };
  ein::Jit jit;
  int blocked = 0, transposed = 0, failures = 0, cases = 0;
  for (int n = 0; n < 150 && failures < 5; ++n) {
    std::string pool = "abcdefghij";
    auto take = [&](int count) { return takeLabels(pool, count); };
    std::string batch = take(int(pick({0, 0, 1}))), m = take(int(pick({1, 2}))),
                cols = take(int(pick({1, 1, 2}))), k = take(int(pick({1, 2})));
    ein::DType dtype = pick({0, 1}) ? ein::f64 : ein::f32;
    std::map<char, int64_t> extent;
    for (char l : batch + m + cols + k)
      extent[l] = pick({1, 2, 3, 5, 7});
    extent[m.back()] = pick({4, 8, 12});
    extent[cols.back()] = dtype == ein::f32 ? pick({16, 32}) : pick({8, 16});
    bool blockable = pick({0, 1, 1, 1});
    // Blockable: C and B end with the innermost column label, C's row
    // label before it. Otherwise any order.
    std::string a = shuffled(batch + m + k);
    std::string b =
        blockable ? shuffled(batch + k + cols.substr(0, cols.size() - 1)) +
                        cols.back()
                  : shuffled(batch + k + cols);
    std::string out = blockable ? shuffled(batch + m.substr(0, m.size() - 1) +
                                           cols.substr(0, cols.size() - 1)) +
                                      m.back() + cols.back()
                                : shuffled(batch + m + cols);
    Case c = binaryCase(a, b, out, extent, dtype);
    if (iterations(interpret(c.expr, c.shapes), c.shapes) > 200000)
      continue;
    ++cases;
    blocked += usesBlockedKernel(c);
    transposed += irContains(c, ein::Stage::Linalg, "linalg.transpose");
    std::string problem = check(jit, c, values);
    if (!problem.empty()) {
      ++failures;
      ADD_FAILURE() << c.describe() << ": " << problem;
    }
  }
  std::printf("blocked kernels: %d of %d cases, %d of them with B packed "
              "transposed\n",
              blocked, cases, transposed);
  EXPECT_GT(blocked - transposed, 40);
  EXPECT_GT(transposed, 10);
}

TEST(RandomEinsum, ThreadedKernelsDoNotDependOnThreadCount) {
  // Contractions large enough for parallel block loops (1-4 M
  // multiply-adds), batch/row/column/summed groups in random layouts, the
  // edge extents 1, 2, 3, 17, 31, 33 and 127 anywhere, and the innermost row
  // and column block-divisible or not. Each runs on 1, 2 and 3 threads:
  // the results must be bitwise equal, and equal to the reference.
  Dice dice{std::mt19937_64(77)};
  std::mt19937_64 values(9);
  auto pick = [&](std::initializer_list<int64_t> o) { return dice.pick(o); };
  auto shuffled = [&](std::string s) { return dice.shuffled(s); };
  ein::Jit jit;
  int parallel = 0, cases = 0, failures = 0;
  auto runCase = [&](const Case &c) {
    parallel += irContains(c, ein::Stage::LLVMDialect, "omp.parallel");
    ein::setNumThreads(1);
    std::string problem = check(jit, c, values);
    llvm::Expected<ein::Kernel> kernel = jit.compile(c.expr, c.shapes, c.dtype);
    ASSERT_TRUE(bool(kernel)) << llvm::toString(kernel.takeError());
    Inputs in = makeInputs(c, values);
    std::vector<const void *> pointers;
    for (const GuardedBytes &bytes : in.bytes)
      pointers.push_back(bytes.data());
    size_t bytes = size_t(kernel->outputElements()) * ein::dtypeSize(c.dtype);
    std::vector<std::vector<char>> results;
    for (int threads : {1, 2, 3}) {
      ein::setNumThreads(threads);
      results.emplace_back(bytes, 0x5a);
      if (llvm::Error err = (*kernel)(pointers, results.back().data()))
        problem += llvm::toString(std::move(err));
      if (results.back() != results.front())
        problem += " differs on " + std::to_string(threads) + " threads;";
    }
    if (!problem.empty()) {
      ++failures;
      ADD_FAILURE() << c.describe() << ": " << problem;
    }
  };
  for (int n = 0; cases < 24 && n < 2000 && failures < 3; ++n) {
    std::string pool = "abcdefghij";
    auto take = [&](int count) { return takeLabels(pool, count); };
    std::string batch = take(int(pick({0, 1}))), m = take(int(pick({1, 2}))),
                cols = take(int(pick({1, 2}))), k = take(int(pick({1, 2})));
    ein::DType dtype = pick({0, 1}) ? ein::f64 : ein::f32;
    std::map<char, int64_t> extent;
    for (char l : batch + m + cols + k)
      extent[l] = pick({1, 2, 3, 17, 31, 33, 127});
    if (pick({0, 1, 1})) {
      extent[m.back()] = pick({32, 64, 128});
      extent[cols.back()] = pick({32, 64, 128});
    }
    std::string a = shuffled(batch + m + k);
    std::string b =
        shuffled(batch + k + cols.substr(0, cols.size() - 1)) + cols.back();
    std::string out = shuffled(batch + m.substr(0, m.size() - 1) +
                               cols.substr(0, cols.size() - 1)) +
                      m.back() + cols.back();
    Case c = binaryCase(a, b, out, extent, dtype);
    int64_t work = iterations(interpret(c.expr, c.shapes), c.shapes);
    if (work < (int64_t(1) << 20) || work > (int64_t(4) << 20))
      continue;
    ++cases;
    runCase(c);
  }
  // Each loop that ein-gett runs on threads: the row panels (two even
  // when the rows fit one panel), the column panels (few rows: each thread
  // packs its own B), the batch (odd and few, with few rows); and a
  // contraction of one multiply-add too few for threads.
  for (Case c : {Case{"ik,kj->ij", {{300, 256}, {256, 40}}, ein::f32},
                 Case{"kj,ik->ji", {{256, 1024}, {20, 256}}, ein::f64},
                 Case{"ik,kj->ij", {{20, 256}, {256, 1024}}, ein::f32},
                 Case{"bik,bkj->bij", {{5, 33, 64}, {5, 64, 127}}, ein::f32},
                 Case{"ik,kj->ij", {{64, 128}, {128, 127}}, ein::f64}}) {
    EXPECT_TRUE(irContains(c, ein::Stage::Linalg, "ein.gett"))
        << c.describe() << " is not packed";
    runCase(c);
  }
  ein::setNumThreads(0);
  std::printf("parallel kernels: %d of %d cases\n", parallel, cases + 5);
  EXPECT_EQ(cases, 24);
  EXPECT_GT(parallel, 20);
}

TEST(RandomEinsum, PackedKernelsMatchReference) {
  // Binary contractions for ein-gett: batch, row, column and summed groups
  // of one to three labels, every operand and C in a random order (C's last
  // label a column of either operand), extents from the edge set 1, 2, 3,
  // 5, 17, 31, 33 and larger ones that no block divides, f32, f64,
  // complex64 and complex128, on 1 and 2 threads. Every case must be marked
  // for ein-gett and match the reference loop nest.
  Dice dice{std::mt19937_64(4242)};
  std::mt19937_64 values(17);
  auto pick = [&](std::initializer_list<int64_t> o) { return dice.pick(o); };
  ein::Jit jit;
  int cases = 0, failures = 0, grouped = 0, batched = 0;
  int perDtype[6] = {};
  for (int n = 0; cases < 80 && n < 5000 && failures < 5; ++n) {
    std::string pool = "abcdefghijkl";
    auto take = [&](int count) { return takeLabels(pool, count); };
    std::string batch = take(int(pick({0, 0, 1, 2}))),
                m = take(int(pick({1, 1, 2, 3}))),
                cols = take(int(pick({1, 1, 2, 3}))),
                k = take(int(pick({1, 1, 2, 3})));
    auto dtype = ein::DType(pick({ein::f32, ein::f64, ein::c64, ein::c128}));
    std::map<char, int64_t> extent;
    for (char l : batch + m + cols + k)
      extent[l] = pick({1, 2, 3, 5, 17, 31, 33});
    extent[m.back()] = pick({3, 17, 65, 127, 200});
    extent[cols.back()] = pick({5, 17, 33, 100, 129});
    extent[k.back()] = pick({7, 31, 130, 300});
    std::string a = dice.shuffled(batch + m + k);
    std::string b = dice.shuffled(batch + k + cols);
    std::string out = dice.shuffled(batch + m + cols.substr(1)) + cols[0];
    if (pick({0, 1}))
      std::swap(a, b);
    Case c = binaryCase(a, b, out, extent, dtype);
    int64_t work = iterations(interpret(c.expr, c.shapes), c.shapes);
    if (work < (int64_t(1) << 15) || work > (int64_t(3) << 20))
      continue;
    ++cases;
    ++perDtype[dtype];
    grouped += m.size() > 1 || cols.size() > 1 || k.size() > 1;
    batched += !batch.empty();
    if (!irContains(c, ein::Stage::Linalg, "ein.gett")) {
      ++failures;
      ADD_FAILURE() << c.describe() << " is not marked for ein-gett";
      continue;
    }
    for (int threads : {1, 2}) {
      ein::setNumThreads(threads);
      std::string problem = check(jit, c, values);
      if (!problem.empty()) {
        ++failures;
        ADD_FAILURE() << c.describe() << " on " << threads
                      << " threads: " << problem;
      }
    }
  }
  ein::setNumThreads(0);
  std::printf("packed kernels: %d cases, %d with grouped labels, %d "
              "batched; f32 %d, f64 %d, complex64 %d, complex128 %d\n",
              cases, grouped, batched, perDtype[ein::f32], perDtype[ein::f64],
              perDtype[ein::c64], perDtype[ein::c128]);
  EXPECT_EQ(cases, 80);
  EXPECT_GT(grouped, 40);
  EXPECT_GT(batched, 20);
  for (ein::DType dtype : {ein::f32, ein::f64, ein::c64, ein::c128})
    EXPECT_GT(perDtype[dtype], 10) << ein::dtypeName(dtype);
}

TEST(RandomEinsum, Classics) {
  struct Classic {
    const char *expr;
    std::vector<ein::Shape> shapes;
  };
  const std::vector<Classic> classics = {
      {"ij,jk->ik", {{2, 3}, {3, 4}}},
      {"ii->i", {{3, 3}}},
      {"ii", {{4, 4}}},
      {"ijji->", {{2, 3, 3, 2}}},
      {"iij->j", {{3, 3, 2}}},
      {"...ij,...jk", {{2, 2, 3}, {2, 3, 2}}},
      {"i,i", {{5}, {5}}},
      {"ij->", {{2, 3}}},
      {",ij->ij", {{}, {2, 3}}},
      {"ab,bc,cd,de->ae", {{2, 3}, {3, 2}, {2, 4}, {4, 2}}},
      {"bij,bjk->bik", {{2, 2, 3}, {2, 3, 2}}},
      {"a...,...->a...", {{2, 3}, {3}}},
      {"ij,ij->ij", {{1, 3}, {2, 3}}},
      {"ij,jk->ik", {{2, 1}, {3, 4}}},
      {"ba", {{2, 3}}},
      {"Ab,bC", {{2, 3}, {3, 4}}},
      {"...i,i...->...", {{2, 1, 3}, {3, 4}}},
      {"ij,jk->ik", {{2, 0}, {0, 3}}},
  };
  ein::Jit jit;
  std::mt19937_64 rng(1);
  int failures = 0;
  for (const Classic &classic : classics)
    for (int t = 0; t < 6 && failures < 10; ++t) {
      Case c{classic.expr, classic.shapes, ein::DType(t)};
      std::string problem = check(jit, c, rng);
      failures += !problem.empty();
      EXPECT_EQ(problem, "") << c.describe();
    }
}

} // namespace
