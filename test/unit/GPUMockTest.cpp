//===- GPUMockTest.cpp - The GPU run path against a stand-in driver -------===//
//
// Runs in its own executable with EINRT_CUDA_DRIVER naming the mock driver
// (MockCudaDriver.cpp), which runs no kernel but checks what it is asked:
// these tests cover the runtime (device memory, copies, errors, the module
// caches) and the JIT's GPU path (compiling to PTX and host code, loading
// the module, launching, freeing every device buffer) without a GPU. The
// kernels' results are checked where a GPU is (GPUExecutionTest.cpp).
//
//===----------------------------------------------------------------------===//

#include "einc/einc.h"
#include "einrt/gpu.h"
#include "test/support/ProgramExamples.h"
#include "test/support/RandomEinsum.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <string>
#include <vector>

namespace {

struct MockCudaStats {
  long loads, launches, allocs, frees, liveBuffers;
};

/// The mock's counters, through the same library the runtime loaded.
MockCudaStats stats() {
  static auto fn = [] {
    const char *path = std::getenv("EINRT_CUDA_DRIVER");
    void *lib = path ? dlopen(path, RTLD_NOW | RTLD_LOCAL) : nullptr;
    return lib ? reinterpret_cast<MockCudaStats (*)()>(
                     dlsym(lib, "mockCudaStats"))
               : nullptr;
  }();
  if (!fn) {
    ADD_FAILURE() << "EINRT_CUDA_DRIVER does not name the mock driver";
    return {};
  }
  return fn();
}

ein::CompileOptions gpuOptions() {
  ein::CompileOptions options;
  options.target = ein::Target::GPU;
  return options;
}

TEST(GPUMock, RuntimeFindsTheDevice) {
  char err[256] = "", text[64] = "";
  ASSERT_EQ(einrt_gpu_init(err, sizeof err), 0) << err;
  ASSERT_EQ(einrt_gpu_device_name(text, sizeof text, err, sizeof err), 0);
  EXPECT_STREQ(text, "Mock GPU");
  ASSERT_EQ(einrt_gpu_device_arch(text, sizeof text, err, sizeof err), 0);
  EXPECT_STREQ(text, "sm_90");
}

TEST(GPUMock, MemoryRoundTrip) {
  char err[256] = "";
  std::vector<float> host = {1, 2, 3, 4}, back(4, 0);
  void *device = nullptr;
  long live = stats().liveBuffers;
  ASSERT_EQ(einrt_gpu_alloc(&device, 16, err, sizeof err), 0) << err;
  EXPECT_EQ(stats().liveBuffers, live + 1);
  ASSERT_EQ(einrt_gpu_copy_to_device(device, host.data(), 16, err, sizeof err),
            0)
      << err;
  ASSERT_EQ(einrt_gpu_copy_to_host(back.data(), device, 16, err, sizeof err), 0)
      << err;
  EXPECT_EQ(back, host);
  ASSERT_EQ(einrt_gpu_memset(device, 0, 16, err, sizeof err), 0) << err;
  ASSERT_EQ(einrt_gpu_copy_to_host(back.data(), device, 16, err, sizeof err),
            0);
  EXPECT_EQ(back, std::vector<float>(4, 0));
  einrt_gpu_free(device);
  EXPECT_EQ(stats().liveBuffers, live);
}

TEST(GPUMock, OutOfMemoryIsAnError) {
  char err[256] = "";
  void *device = nullptr;
  setenv("MOCK_CUDA_MEMORY", "1000", 1);
  int rc = einrt_gpu_alloc(&device, 4096, err, sizeof err);
  unsetenv("MOCK_CUDA_MEMORY");
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(device, nullptr);
  EXPECT_STREQ(err, "out of GPU memory: cannot allocate 4096 bytes: out of "
                    "memory (CUDA_ERROR_OUT_OF_MEMORY)");
}

TEST(GPUMock, JitRunsLaunchesAndFreesEverything) {
  ein::Jit jit;
  auto kernel = jit.compile("bij,bjk->bik", {{2, 3, 4}, {2, 4, 5}}, ein::f32,
                            gpuOptions());
  ASSERT_TRUE(bool(kernel)) << llvm::toString(kernel.takeError());
  EXPECT_EQ(kernel->target(), ein::Target::GPU);
  EXPECT_EQ(kernel->gpuArch(), "sm_90");
  std::vector<float> a(24, 1), b(40, 1), c(30, -1);
  MockCudaStats before = stats();
  ASSERT_FALSE(bool((*kernel)({a.data(), b.data()}, c.data())));
  MockCudaStats after = stats();
  EXPECT_GE(after.launches, before.launches + 1);
  EXPECT_EQ(after.liveBuffers, before.liveBuffers)
      << "device buffers left allocated";
  // Compiled from PTX, or read from the disk cache of an earlier run.
  int64_t made = einrt_gpu_ptx_compiles() + einrt_gpu_disk_loads();
  EXPECT_GE(made, 1);
  // The module stays loaded: a second call loads nothing.
  ASSERT_FALSE(bool((*kernel)({a.data(), b.data()}, c.data())));
  EXPECT_EQ(stats().loads, after.loads);
  EXPECT_EQ(einrt_gpu_ptx_compiles() + einrt_gpu_disk_loads(), made);
  EXPECT_GE(stats().launches, after.launches + 1);
}

TEST(GPUMock, DevicePointersAreUsedAsGiven) {
  ein::Jit jit;
  auto kernel =
      jit.compile("ij,jk->ik", {{8, 16}, {16, 4}}, ein::f64, gpuOptions());
  ASSERT_TRUE(bool(kernel)) << llvm::toString(kernel.takeError());
  char err[256];
  void *a = nullptr, *b = nullptr, *c = nullptr;
  ASSERT_EQ(einrt_gpu_alloc(&a, 8 * 16 * 8, err, sizeof err), 0);
  ASSERT_EQ(einrt_gpu_alloc(&b, 16 * 4 * 8, err, sizeof err), 0);
  ASSERT_EQ(einrt_gpu_alloc(&c, 8 * 4 * 8, err, sizeof err), 0);
  MockCudaStats before = stats();
  llvm::Error run = kernel->runOnDevice({a, b}, c);
  EXPECT_FALSE(bool(run)) << llvm::toString(std::move(run));
  // No operand was copied: the only allocations are the kernel's own
  // intermediates, all freed.
  EXPECT_EQ(stats().liveBuffers, before.liveBuffers);
  EXPECT_GE(stats().launches, before.launches + 1);
  llvm::Error wrong = kernel->runOnDevice({a}, c);
  EXPECT_EQ(llvm::toString(std::move(wrong)),
            "kernel 'ij,jk->ik' takes 2 inputs but was given 1");
  einrt_gpu_free(a);
  einrt_gpu_free(b);
  einrt_gpu_free(c);

  auto cpu = jit.compile("ij,jk->ik", {{8, 16}, {16, 4}}, ein::f64);
  ASSERT_TRUE(bool(cpu));
  EXPECT_EQ(llvm::toString(cpu->runOnDevice({a, b}, c)),
            "runOnDevice needs a kernel compiled for Target::GPU");
}

TEST(GPUMock, LaunchFailuresComeBackAsErrors) {
  ein::Jit jit;
  auto kernel = jit.compile("ij->ji", {{3, 5}}, ein::f32, gpuOptions());
  ASSERT_TRUE(bool(kernel)) << llvm::toString(kernel.takeError());
  std::vector<float> a(15, 1), out(15);
  long live = stats().liveBuffers;
  setenv("MOCK_CUDA_FAIL_LAUNCH", "1", 1);
  llvm::Error err = (*kernel)({a.data()}, out.data());
  unsetenv("MOCK_CUDA_FAIL_LAUNCH");
  EXPECT_EQ(llvm::toString(std::move(err)),
            "launching a kernel: unspecified launch failure "
            "(CUDA_ERROR_LAUNCH_FAILED)");
  EXPECT_EQ(stats().liveBuffers, live);
  // The error was taken: the next call runs.
  EXPECT_FALSE(bool((*kernel)({a.data()}, out.data())));
}

TEST(GPUMock, FailedModuleLoadsAreRetried) {
  // The kernels' module is loaded on a kernel's first call; when that
  // fails the call reports it, and the next call loads it again.
  ein::Jit jit;
  auto kernel = jit.compile("ij->ji", {{3, 7}}, ein::f32, gpuOptions());
  ASSERT_TRUE(bool(kernel)) << llvm::toString(kernel.takeError());
  std::vector<float> a(21, 1), out(21);
  setenv("MOCK_CUDA_FAIL_LOAD", "1", 1);
  llvm::Error err = (*kernel)({a.data()}, out.data());
  unsetenv("MOCK_CUDA_FAIL_LOAD");
  std::string message = llvm::toString(std::move(err));
  EXPECT_NE(message.find("CUDA_ERROR_INVALID_IMAGE"), std::string::npos)
      << message;
  llvm::Error again = (*kernel)({a.data()}, out.data());
  EXPECT_FALSE(bool(again)) << llvm::toString(std::move(again));
}

TEST(GPUMock, ProgramsLaunchOnDeviceMemory) {
  // A program's statements are kernels on device memory (the mock refuses
  // host addresses); its two outputs come back. Decompositions are
  // refused.
  ein::Jit jit;
  auto program = jit.compileProgram("in A[i,j] : f32\n"
                                    "B[j,i] = softmax[j](A[i,j])\n"
                                    "s[i] = max[j](A[i,j])\nout B, s",
                                    {{"A", {20, 30}}}, ein::f32, gpuOptions());
  ASSERT_TRUE(bool(program)) << llvm::toString(program.takeError());
  long live = stats().liveBuffers;
  std::vector<float> a(600, 1), b(600), s(20);
  llvm::Error err = (*program)({a.data()}, {b.data(), s.data()});
  EXPECT_FALSE(bool(err)) << llvm::toString(std::move(err));
  EXPECT_EQ(stats().liveBuffers, live);

  // Every example program too: scalar constants are folded into the
  // kernels, not left in host memory.
  for (const ein::oracle::ProgramExample &e : ein::oracle::programExamples()) {
    auto p = jit.compileProgram(e.source, e.shapes, ein::f32, gpuOptions());
    ASSERT_TRUE(bool(p)) << e.source << llvm::toString(p.takeError());
    std::string error;
    ein::oracle::runOnRandomInputs(*p, 1, error);
    EXPECT_EQ(error, "") << e.source;
  }
  EXPECT_EQ(stats().liveBuffers, live);

  auto inv = jit.compileProgram("in A[i,j] : f64\nB[i,j] = inv(A[i,j])\n"
                                "out B",
                                {{"A", {3, 3}}}, ein::f64, gpuOptions());
  ASSERT_FALSE(bool(inv));
  EXPECT_NE(llvm::toString(inv.takeError()).find("inv does not run on the GPU"),
            std::string::npos);
}

// Every random expression of the CPU's generator compiles for the GPU, and
// its host code launches only on device memory (the mock refuses a host
// address in a kernel's parameters) and frees all it allocates.
TEST(GPUMock, RandomExpressionsLaunchOnDeviceMemory) {
  ein::oracle::Generator gen(20261207);
  ein::Jit jit;
  std::mt19937_64 rng(7);
  int cases = 0, launched = 0;
  for (int n = 0; n < 60; ++n) {
    ein::oracle::Case c = gen.next();
    auto kernel = jit.compile(c.expr, c.shapes, c.dtype, gpuOptions());
    ASSERT_TRUE(bool(kernel))
        << c.describe() << ": " << llvm::toString(kernel.takeError());
    ein::oracle::Inputs in = ein::oracle::makeInputs(c, rng);
    std::vector<const void *> pointers;
    for (const auto &b : in.bytes)
      pointers.push_back(b.data());
    std::vector<char> out(
        size_t(kernel->outputElements()) * ein::dtypeSize(c.dtype) + 1);
    MockCudaStats before = stats();
    llvm::Error err = (*kernel)(pointers, out.data());
    ASSERT_FALSE(bool(err))
        << c.describe() << ": " << llvm::toString(std::move(err));
    MockCudaStats after = stats();
    EXPECT_EQ(after.liveBuffers, before.liveBuffers) << c.describe();
    if (kernel->outputElements() > 0) {
      EXPECT_GT(after.launches, before.launches) << c.describe();
    }
    launched += after.launches > before.launches;
    ++cases;
  }
  std::printf("gpu mock: %d random expressions run, %d launched kernels\n",
              cases, launched);
  EXPECT_EQ(cases, 60);
}

} // namespace
