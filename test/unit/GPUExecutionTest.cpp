//===- GPUExecutionTest.cpp - Kernels run on a real GPU -------------------===//
//
// Where the CUDA driver finds a device, the random expressions of the CPU's
// generator (every dtype, broadcasting, diagonals, zero-size dimensions)
// run on it through ein::Jit and are compared with the reference loop nest,
// as the CPU's kernels are; so do caller-owned device buffers. Without a
// driver or a device each test skips and says why (CI has no GPU).
//
//===----------------------------------------------------------------------===//

#include "einc/einc.h"
#include "einrt/gpu.h"
#include "test/support/ProgramExamples.h"
#include "test/support/RandomEinsum.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <vector>

namespace {

/// "" when a GPU is there; else why not.
std::string noGpu() {
  char err[512] = "";
  if (einrt_gpu_init(err, sizeof err))
    return err;
  return "";
}

ein::CompileOptions gpuOptions() {
  ein::CompileOptions options;
  options.target = ein::Target::GPU;
  return options;
}

TEST(GPUExecution, RandomExpressionsMatchReference) {
  if (std::string why = noGpu(); !why.empty())
    GTEST_SKIP() << "no GPU to run on: " << why;
  char name[128] = "", err[256];
  einrt_gpu_device_name(name, sizeof name, err, sizeof err);
  ein::oracle::Generator gen(20261207);
  ein::Jit jit;
  std::mt19937_64 rng(11);
  int cases = 0, failures = 0;
  for (int n = 0; n < 150 && failures < 5; ++n) {
    ein::oracle::Case c = gen.next();
    std::string problem = ein::oracle::check(jit, c, rng, gpuOptions());
    ++cases;
    if (!problem.empty()) {
      ++failures;
      ADD_FAILURE() << c.describe() << ": " << problem;
    }
  }
  std::printf("gpu execution on %s: %d random expressions, %d failed\n", name,
              cases, failures);
}

TEST(GPUExecution, HalfPrecisionMatchesReference) {
  if (std::string why = noGpu(); !why.empty())
    GTEST_SKIP() << "no GPU to run on: " << why;
  ein::oracle::Generator gen(20261208);
  ein::Jit jit;
  std::mt19937_64 rng(12);
  int cases = 0, failures = 0;
  for (int n = 0; n < 100 && failures < 5; ++n) {
    ein::oracle::Case c = gen.next();
    if (c.dtype == ein::c64 || c.dtype == ein::c128)
      continue;
    c.dtype = n % 2 ? ein::f16 : ein::bf16;
    std::string problem = ein::oracle::check(jit, c, rng, gpuOptions());
    ++cases;
    if (!problem.empty()) {
      ++failures;
      ADD_FAILURE() << c.describe() << ": " << problem;
    }
  }
  std::printf("gpu execution, half precision: %d cases, %d failed\n", cases,
              failures);
}

TEST(GPUExecution, TiledContractionsMatchReference) {
  // The contractions of GPUEmulation.TiledContractionsMatchReference on
  // the device: the tiled kernels, and tensor cores (WMMA) for f16, which
  // emulation cannot run.
  if (std::string why = noGpu(); !why.empty())
    GTEST_SKIP() << "no GPU to run on: " << why;
  ein::oracle::Dice dice{std::mt19937_64(2027)};
  std::mt19937_64 rng(13);
  ein::Jit jit;
  int cases = 0, failures = 0;
  for (int n = 0; n < 60 && failures < 5; ++n) {
    ein::oracle::Case c = ein::oracle::randomContraction(dice);
    std::string problem = ein::oracle::check(jit, c, rng, gpuOptions());
    ++cases;
    if (!problem.empty()) {
      ++failures;
      ADD_FAILURE() << c.describe() << ": " << problem;
    }
  }
  std::printf("gpu execution, tiled contractions: %d cases, %d failed\n", cases,
              failures);
}

TEST(GPUExecution, ProgramsMatchTheCPU) {
  if (std::string why = noGpu(); !why.empty())
    GTEST_SKIP() << "no GPU to run on: " << why;
  ein::Jit jit;
  int failures = 0;
  for (const ein::oracle::ProgramExample &e : ein::oracle::programExamples()) {
    std::string problem = ein::oracle::compareWithCPU(jit, e, gpuOptions());
    if (!problem.empty()) {
      ++failures;
      ADD_FAILURE() << e.source << ": " << problem;
    }
  }
  std::printf("gpu execution, programs: %zu, %d failed\n",
              ein::oracle::programExamples().size(), failures);
}

TEST(GPUExecution, DeviceBuffersOfTheCaller) {
  if (std::string why = noGpu(); !why.empty())
    GTEST_SKIP() << "no GPU to run on: " << why;
  const int64_t m = 67, k = 129, n = 33;
  std::vector<float> a(m * k), b(k * n), want(m * n, 0), got(m * n, -1);
  for (size_t i = 0; i < a.size(); ++i)
    a[i] = float(int(i % 7) - 3);
  for (size_t i = 0; i < b.size(); ++i)
    b[i] = float(int(i % 5) - 2);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t l = 0; l < k; ++l)
        want[i * n + j] += a[i * k + l] * b[l * n + j];
  ein::Jit jit;
  auto kernel =
      jit.compile("ik,kj->ij", {{m, k}, {k, n}}, ein::f32, gpuOptions());
  ASSERT_TRUE(bool(kernel)) << llvm::toString(kernel.takeError());
  char err[256];
  void *da = nullptr, *db = nullptr, *dc = nullptr;
  ASSERT_EQ(einrt_gpu_alloc(&da, a.size() * 4, err, sizeof err), 0) << err;
  ASSERT_EQ(einrt_gpu_alloc(&db, b.size() * 4, err, sizeof err), 0) << err;
  ASSERT_EQ(einrt_gpu_alloc(&dc, got.size() * 4, err, sizeof err), 0) << err;
  ASSERT_EQ(
      einrt_gpu_copy_to_device(da, a.data(), a.size() * 4, err, sizeof err), 0);
  ASSERT_EQ(
      einrt_gpu_copy_to_device(db, b.data(), b.size() * 4, err, sizeof err), 0);
  llvm::Error run = kernel->runOnDevice({da, db}, dc);
  ASSERT_FALSE(bool(run)) << llvm::toString(std::move(run));
  ASSERT_EQ(
      einrt_gpu_copy_to_host(got.data(), dc, got.size() * 4, err, sizeof err),
      0);
  EXPECT_EQ(got, want); // small integers: exact in f32
  einrt_gpu_free(da);
  einrt_gpu_free(db);
  einrt_gpu_free(dc);
}

} // namespace
