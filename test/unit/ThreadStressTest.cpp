//===- ThreadStressTest.cpp - Many threads on one ein::Jit ----------------===//
//
// Eight threads compile and run kernels through one shared Jit whose cache is
// smaller than the set of keys they use, so compiles, cache hits, waits on a
// compile in progress and evictions all happen at once. The TSan job of the
// test command runs these tests (ThreadStress.*) in a -fsanitize=thread build.
//
//===----------------------------------------------------------------------===//

#include "einc/einc.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int kThreads = 8;

/// C = A B for n x n matrices of f64, the reference.
std::vector<double> matmul(const std::vector<double> &a,
                           const std::vector<double> &b, int64_t n) {
  std::vector<double> c(n * n, 0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < n; ++k)
      for (int64_t j = 0; j < n; ++j)
        c[i * n + j] += a[i * n + k] * b[k * n + j];
  return c;
}

std::vector<double> iota(int64_t n, double scale) {
  std::vector<double> v(n);
  for (int64_t i = 0; i < n; ++i)
    v[i] = scale * double((i * 7) % 13 - 6);
  return v;
}

/// Compiles and checks one matmul of size n; returns the failures.
int matmulRound(ein::Jit &jit, int64_t n) {
  auto k = jit.compile("ij,jk->ik", {{n, n}, {n, n}}, ein::f64);
  if (!k) {
    llvm::consumeError(k.takeError());
    return 1;
  }
  std::vector<double> a = iota(n * n, 0.5), b = iota(n * n, 0.25), c(n * n);
  if (llvm::Error e = (*k)({a.data(), b.data()}, c.data())) {
    llvm::consumeError(std::move(e));
    return 1;
  }
  // Integers times 1/8: every product and sum is exact in f64.
  return c == matmul(a, b, n) ? 0 : 1;
}

int programRound(ein::Jit &jit, int64_t n) {
  const char *source = "in X[i,j]\n"
                       "P[i,j] = softmax[j](X[i,j])\n"
                       "s[i] = P[i,j]\n"
                       "out P, s\n";
  auto k = jit.compileProgram(source, {{"X", {n, n + 1}}}, ein::f64);
  if (!k) {
    llvm::consumeError(k.takeError());
    return 1;
  }
  std::vector<double> x = iota(n * (n + 1), 1.0), p(n * (n + 1)), s(n);
  if (llvm::Error e = (*k)({x.data()}, {p.data(), s.data()})) {
    llvm::consumeError(std::move(e));
    return 1;
  }
  for (double v : s)
    if (std::abs(v - 1) > 1e-12)
      return 1;
  return 0;
}

TEST(ThreadStress, EightThreadsCompileAndRunThroughOneJit) {
  ein::Jit jit(ein::JitOptions{/*cacheCapacity=*/4});
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int round = 0; round < 6; ++round) {
        // Sizes shared by all threads (hits, waits) and one per thread
        // (misses); six keys in all against a capacity of four.
        failures += matmulRound(jit, 3 + (t + round) % 3);
        failures += matmulRound(jit, 8 + t % 2);
        failures += programRound(jit, 2 + round % 2);
      }
    });
  for (auto &t : threads)
    t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_LE(jit.cacheSize(), 4u);
  EXPECT_GT(jit.evictionCount(), 0u);
}

TEST(ThreadStress, OneKernelCalledFromEightThreads) {
  ein::Jit jit;
  // Large enough to take the threaded path inside every call as well.
  const int64_t n = 128;
  auto k = jit.compile("ij,jk->ik", {{n, n}, {n, n}}, ein::f64);
  ASSERT_TRUE(bool(k)) << llvm::toString(k.takeError());
  std::vector<double> a = iota(n * n, 0.5), b = iota(n * n, 0.25);
  std::vector<double> expected = matmul(a, b, n);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      std::vector<double> c(n * n);
      for (int round = 0; round < 4; ++round) {
        if (llvm::Error e = (*k)({a.data(), b.data()}, c.data())) {
          llvm::consumeError(std::move(e));
          ++failures;
        }
        if (c != expected)
          ++failures;
      }
    });
  for (auto &t : threads)
    t.join();
  EXPECT_EQ(failures, 0);
}

} // namespace
