//===- JitTest.cpp - The C++ JIT API --------------------------------------===//

#include "einc/einc.h"

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <thread>

namespace {

TEST(Jit, MatmulOnRawPointers) {
  ein::Jit jit;
  auto k = jit.compile("ij,jk->ik", {{2, 3}, {3, 2}}, ein::f64);
  ASSERT_TRUE(bool(k)) << llvm::toString(k.takeError());
  std::vector<double> a{1, 2, 3, 4, 5, 6}, b{7, 8, 9, 10, 11, 12}, c(4, -1);
  ASSERT_FALSE(bool((*k)({a.data(), b.data()}, c.data())));
  EXPECT_EQ(c, (std::vector<double>{58, 64, 139, 154}));
  EXPECT_EQ(k->outputShape(), (ein::Shape{2, 2}));
}

TEST(Jit, CompilingTwiceIsACacheHit) {
  ein::Jit jit;
  auto k1 = jit.compile("bij,bjk->bik", {{2, 3, 4}, {2, 4, 5}}, ein::f32);
  ASSERT_TRUE(bool(k1));
  // Other spellings of the same computation share the cache entry.
  auto k2 = jit.compile(" bij , bjk -> bik ", {{2, 3, 4}, {2, 4, 5}}, ein::f32);
  ASSERT_TRUE(bool(k2));
  EXPECT_EQ(jit.compileCount(), 1u);
  EXPECT_EQ(jit.cacheSize(), 1u);
  // Another dtype or shape is another kernel.
  auto k3 = jit.compile("bij,bjk->bik", {{2, 3, 4}, {2, 4, 5}}, ein::f64);
  ASSERT_TRUE(bool(k3));
  EXPECT_EQ(jit.compileCount(), 2u);
}

TEST(Jit, CacheIsBoundedLeastRecentlyUsedFirst) {
  ein::Jit jit(ein::JitOptions{/*cacheCapacity=*/2});
  EXPECT_EQ(jit.cacheCapacity(), 2u);
  auto compile = [&](int64_t n) {
    auto k = jit.compile("i->", {{n}}, ein::i64);
    EXPECT_TRUE(bool(k));
    return k ? *k : ein::Kernel();
  };
  ein::Kernel k1 = compile(1);
  compile(2);
  compile(1); // hit: 1 is now the most recently used
  EXPECT_EQ(jit.compileCount(), 2u);
  compile(3); // evicts 2, not 1
  EXPECT_EQ(jit.cacheSize(), 2u);
  EXPECT_EQ(jit.evictionCount(), 1u);
  compile(1);
  EXPECT_EQ(jit.compileCount(), 3u);
  compile(2); // was evicted: compiled again, evicting 3
  EXPECT_EQ(jit.compileCount(), 4u);
  EXPECT_EQ(jit.evictionCount(), 2u);
  // A kernel handed out before its eviction keeps working.
  jit.setCacheCapacity(1);
  EXPECT_EQ(jit.cacheSize(), 1u);
  compile(7);
  int64_t x = 41, sum = 0;
  ASSERT_FALSE(bool(k1({&x}, &sum)));
  EXPECT_EQ(sum, 41);
  jit.setCacheCapacity(0); // at least one kernel stays
  EXPECT_EQ(jit.cacheSize(), 1u);
}

TEST(Jit, StaticJitIsDestroyedSafelyAtExit) {
  // Found by the compile fuzzer: a function-local static Jit outlives
  // LLVM's own lazily created statics, and destroying its kernels at exit
  // used to compile code (and crash). ctest runs each test in its own
  // process, so a crash after main returns fails this test.
  static ein::Jit jit;
  ein::CompileOptions compiled; // not loaded from the disk cache
  compiled.diskCache = false;
  auto k = jit.compile("ij,jk->ik", {{3, 4}, {4, 5}}, ein::f64, compiled);
  ASSERT_TRUE(bool(k)) << llvm::toString(k.takeError());
  std::vector<double> a(12, 1), b(20, 2), c(15);
  ASSERT_FALSE(bool((*k)({a.data(), b.data()}, c.data())));
  EXPECT_EQ(c[0], 8);
}

TEST(Jit, ErrorsAreValues) {
  ein::Jit jit;
  auto bad = jit.compile("ij,jk->ikk", {{2, 3}, {3, 4}}, ein::f32);
  ASSERT_FALSE(bool(bad));
  bool located = false;
  llvm::handleAllErrors(bad.takeError(), [&](const ein::ExprError &e) {
    located = e.column() == 9;
  });
  EXPECT_TRUE(located);
  auto shape = jit.compile("ij,jk->ik", {{2, 3}, {4, 4}}, ein::f32);
  ASSERT_FALSE(bool(shape));
  EXPECT_NE(llvm::toString(shape.takeError()).find("label 'j'"),
            std::string::npos);
  EXPECT_EQ(jit.compileCount(), 0u);
}

TEST(Jit, TensorsBeyond64BitIndexingAreUserErrors) {
  ein::Jit jit;
  // The operands fit; the intermediate ijk of the left-to-right path has
  // 2^63 elements.
  ein::CompileOptions options;
  options.path.algorithm = ein::PathAlgorithm::LeftToRight;
  int64_t n = int64_t(1) << 21;
  auto k =
      jit.compile("i,j,k,il,jl,kl->l", {{n}, {n}, {n}, {n, 1}, {n, 1}, {n, 1}},
                  ein::f32, options);
  ASSERT_FALSE(bool(k));
  std::string message = llvm::toString(k.takeError());
  EXPECT_NE(message.find("beyond 64-bit indexing"), std::string::npos)
      << message;
  EXPECT_EQ(message.find("internal"), std::string::npos) << message;
}

TEST(Jit, TensorViewsAreChecked) {
  ein::Jit jit;
  auto k = jit.compile("i,i->", {{3}, {3}}, ein::c64);
  ASSERT_TRUE(bool(k));
  std::vector<std::complex<float>> x{{1, 1}, {2, 0}, {0, 3}},
      y{{1, 0}, {1, 0}, {0, 1}};
  std::complex<float> out;
  ein::TensorView vx{x.data(), ein::c64, {3}}, vy{y.data(), ein::c64, {3}};
  ASSERT_FALSE(bool(k->run({vx, vy}, {&out, ein::c64, {}})));
  EXPECT_EQ(out, std::complex<float>(0, 1)); // (1+i) + 2 + 3i*i = 0 + 1i
  ein::TensorView wrong{y.data(), ein::c64, {2}};
  llvm::Error err = k->run({vx, wrong}, {&out, ein::c64, {}});
  ASSERT_TRUE(bool(err));
  EXPECT_NE(llvm::toString(std::move(err)).find("shape (2,)"),
            std::string::npos);
  llvm::Error count = (*k)({x.data()}, &out);
  EXPECT_TRUE(bool(count));
  llvm::consumeError(std::move(count));
}

TEST(Jit, ZeroSizeDimensions) {
  ein::Jit jit;
  auto k = jit.compile("ij,jk->ik", {{2, 0}, {0, 3}}, ein::i64);
  ASSERT_TRUE(bool(k));
  std::vector<int64_t> c(6, 7);
  ASSERT_FALSE(bool((*k)({nullptr, nullptr}, c.data())));
  EXPECT_EQ(c, std::vector<int64_t>(6, 0));
}

TEST(Jit, ManyThreadsShareOneJit) {
  ein::Jit jit;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      int n = 2 + t % 3; // three distinct shapes: hits and misses
      auto k = jit.compile("ij,j->i", {{n, n}, {n}}, ein::i32);
      if (!k) {
        llvm::consumeError(k.takeError());
        ++failures;
        return;
      }
      std::vector<int32_t> a(n * n, 1), x(n, 2), y(n, 0);
      if (llvm::Error e = (*k)({a.data(), x.data()}, y.data())) {
        llvm::consumeError(std::move(e));
        ++failures;
      }
      for (int32_t v : y)
        if (v != 2 * n)
          ++failures;
    });
  for (auto &t : threads)
    t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(jit.compileCount(), 3u);
}

} // namespace

namespace {

TEST(JitProgram, SoftmaxRowsAndTheirSums) {
  ein::Jit jit;
  const char *source = "in X[i,j] : f64\n"
                       "P[i,j] = softmax[j](X[i,j])\n"
                       "s[i] = P[i,j]\n"
                       "out P, s\n";
  auto k = jit.compileProgram(source, {{"X", {2, 3}}});
  ASSERT_TRUE(bool(k)) << llvm::toString(k.takeError());
  EXPECT_EQ(k->inputNames(), (std::vector<std::string>{"X"}));
  EXPECT_EQ(k->outputNames(), (std::vector<std::string>{"P", "s"}));
  EXPECT_EQ(k->outputShapes()[0], (ein::Shape{2, 3}));
  EXPECT_EQ(k->dtype(), ein::f64);
  std::vector<double> x{1000, 1001, 1002, -5, 0, 5}, p(6), s(2);
  ASSERT_FALSE(bool((*k)({x.data()}, {p.data(), s.data()})));
  EXPECT_NEAR(s[0], 1.0, 1e-12); // no overflow for large logits
  EXPECT_NEAR(s[1], 1.0, 1e-12);
  EXPECT_NEAR(p[2], std::exp(2.0) / (1 + std::exp(1.0) + std::exp(2.0)), 1e-12);
}

TEST(JitProgram, ErrorsPointIntoTheProgram) {
  ein::Jit jit;
  auto k =
      jit.compileProgram("in A[i] : f32\nY[i] = A[i] +\nout Y", {{"A", {3}}});
  ASSERT_FALSE(bool(k));
  std::string line;
  size_t column = 0;
  llvm::handleAllErrors(k.takeError(), [&](const ein::ExprError &e) {
    line = e.source();
    column = e.column();
  });
  EXPECT_EQ(line, "Y[i] = A[i] +");
  EXPECT_EQ(column, 13u);
  auto missing = jit.compileProgram("in A[i] : f32\nY[i] = A[i]\nout Y", {});
  ASSERT_FALSE(bool(missing));
  EXPECT_NE(llvm::toString(missing.takeError()).find("no shape was given"),
            std::string::npos);
}

} // namespace
