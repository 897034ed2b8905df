//===- GPUMockTest.cpp - The GPU run path against a stand-in driver -------===//
//
// Runs in its own executable with EINRT_CUDA_DRIVER naming the mock driver
// (MockCudaDriver.cpp, whose library is also the mock cuSOLVER and cuBLAS
// of MockCudaLibraries.cpp), which runs no kernel but checks what it is asked:
// these tests cover the runtime (device memory, copies, errors, the module
// caches) and the JIT's GPU path (compiling to PTX and host code, loading
// the module, launching, freeing every device buffer) without a GPU. The
// kernels' results are checked where a GPU is (GPUExecutionTest.cpp).
//
//===----------------------------------------------------------------------===//

#include "einc/einc.h"
#include "einrt/gpu.h"
#include "test/support/DecompositionChecks.h"
#include "test/support/GpuDecompositions.h"
#include "test/support/ProgramExamples.h"
#include "test/support/RandomEinsum.h"

#include <gtest/gtest.h>

#include <complex>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

namespace {

/// The mock driver's library is also the mock cuSOLVER and cuBLAS; the
/// kernel cache goes to the build tree (unless the caller chose others).
const bool mockEnvironment = [] {
  if (const char *driver = std::getenv("EINRT_CUDA_DRIVER")) {
    setenv("EINRT_CUSOLVER", driver, /*overwrite=*/0);
    setenv("EINRT_CUBLAS", driver, /*overwrite=*/0);
  }
  setenv("EINC_CACHE_DIR", EIN_TEST_CACHE_DIR, /*overwrite=*/0);
  return true;
}();

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
  // host addresses); its two outputs come back.
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
}

// Decompositions, through the mock cuSOLVER and cuBLAS (LAPACKE on the
// mock's device memory, with cuSOLVER's column-major contracts), pass the
// same identity checks as LAPACK's (DecompositionsTest.cpp).
template <typename T> class GPUMockDecompositions : public ::testing::Test {};
using DecompositionTypes =
    ::testing::Types<float, double, std::complex<float>, std::complex<double>>;
TYPED_TEST_SUITE(GPUMockDecompositions, DecompositionTypes);

using ein::decomposition_checks::GpuLinalg;
TYPED_TEST(GPUMockDecompositions, SvdReconstructsAndIsOrthonormal) {
  ein::decomposition_checks::checkSvd<GpuLinalg, TypeParam>();
}
TYPED_TEST(GPUMockDecompositions, QrReconstructs) {
  ein::decomposition_checks::checkQr<GpuLinalg, TypeParam>();
}
TYPED_TEST(GPUMockDecompositions, EighDiagonalises) {
  ein::decomposition_checks::checkEigh<GpuLinalg, TypeParam>();
}
TYPED_TEST(GPUMockDecompositions, CholeskySolveInvDet) {
  ein::decomposition_checks::checkCholeskySolveInvDet<GpuLinalg, TypeParam>();
}
TYPED_TEST(GPUMockDecompositions, IllConditionedSolveStaysAccurate) {
  ein::decomposition_checks::checkIllConditionedSolve<GpuLinalg, TypeParam>();
}
TYPED_TEST(GPUMockDecompositions, LstsqMinimisesTheResidual) {
  ein::decomposition_checks::checkLstsq<GpuLinalg, TypeParam>();
}
TYPED_TEST(GPUMockDecompositions, EigDiagonalisesGeneralMatrices) {
  ein::decomposition_checks::checkEig<GpuLinalg, TypeParam>();
}
TYPED_TEST(GPUMockDecompositions, NonSymmetricSolveInv) {
  ein::decomposition_checks::checkNonSymmetricSolveInv<GpuLinalg, TypeParam>();
}
TYPED_TEST(GPUMockDecompositions, ReadsOnlyTheLowerTriangle) {
  ein::decomposition_checks::checkLowerTriangleOnly<GpuLinalg, TypeParam>();
}
TYPED_TEST(GPUMockDecompositions, SlogdetAgreesWithDet) {
  ein::decomposition_checks::checkSlogdet<GpuLinalg, TypeParam>();
}
TYPED_TEST(GPUMockDecompositions, FailuresAreMessages) {
  ein::decomposition_checks::checkFailures<GpuLinalg, TypeParam>();
}

// svd with a cutoff clears the same values, columns of U and rows of V on
// the GPU as on the CPU (einrt_kernel_svd_cutoff), for tall and wide input.
TEST(GPUMock, SvdCutoffMatchesTheCPU) {
  using GL = ein::decomposition_checks::GpuLinalg;
  std::mt19937_64 rng(9);
  for (auto [m, n] : std::vector<std::pair<int64_t, int64_t>>{{6, 4}, {4, 6}}) {
    int64_t k = std::min(m, n);
    // Rank 2: two outer products.
    std::vector<double> a(m * n, 0);
    std::uniform_real_distribution<double> d(-1, 1);
    for (int r = 0; r < 2; ++r) {
      std::vector<double> x(m), y(n);
      for (double &v : x)
        v = d(rng);
      for (double &v : y)
        v = d(rng);
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j)
          a[i * n + j] += x[i] * y[j];
    }
    std::vector<double> u(m * k), s(k), vt(k * n), gu(m * k), gs(k), gvt(k * n);
    ASSERT_EQ(einrt_kernel_svd_cutoff(EINRT_F64, m, n, a.data(), u.data(),
                                      s.data(), vt.data(), 1e-6, 1),
              EINRT_LA_OK);
    GL::Buffer da(m * n, 8, a.data()), du(m * k, 8), ds(k, 8), dvt(k * n, 8);
    ASSERT_EQ(einrt_gpu_kernel_svd_cutoff(EINRT_F64, m, n, da.get(), du.get(),
                                          ds.get(), dvt.get(), 1e-6, 1),
              EINRT_LA_OK);
    du.copyTo(gu.data());
    ds.copyTo(gs.data());
    dvt.copyTo(gvt.data());
    for (int64_t i = 0; i < k; ++i)
      EXPECT_NEAR(gs[i], s[i], 1e-12) << m << "x" << n;
    EXPECT_EQ(gs[2], 0);
    // Singular vectors are unique up to sign: compare |u| and |vt|, and
    // the cleared ones exactly.
    for (int64_t i = 0; i < m * k; ++i)
      EXPECT_NEAR(std::abs(gu[i]), std::abs(u[i]), 1e-10);
    for (int64_t i = 0; i < k * n; ++i)
      EXPECT_NEAR(std::abs(gvt[i]), std::abs(vt[i]), 1e-10);
    for (int64_t row = 0; row < m; ++row)
      for (int64_t c = 2; c < k; ++c)
        EXPECT_EQ(gu[row * k + c], 0);
  }
}

// A program's decompositions call cuSOLVER on the device buffers between
// its kernels, and a failure names its statement.
TEST(GPUMock, ProgramDecompositionsCallCuSolver) {
  std::string log = ::testing::TempDir() + "/gpu-mock-cusolver.log";
  std::remove(log.c_str());
  setenv("MOCK_CUDA_LOG", log.c_str(), 1);
  ein::Jit jit;
  auto program =
      jit.compileProgram("in A[i,j], b[i] : f64\n"
                         "B[i,j] = inv(A[i,j])\n"
                         "x[j] = solve(A[i,j], b[i])\n"
                         "U[i,k], s[k], V[k,j] = svd(A[i,j])\n"
                         "y[j] = lstsq(A[i,j], b[i])\n"
                         "out B, x, s, y",
                         {{"A", {4, 4}}, {"b", {4}}}, ein::f64, gpuOptions());
  ASSERT_TRUE(bool(program)) << llvm::toString(program.takeError());
  long live = stats().liveBuffers;
  std::vector<double> a = {4, 1, 0, 0, 1, 4, 1, 0, 0, 1, 4, 1, 0, 0, 1, 4},
                      b(4, 1), inv(16), x(4), s(4), y(4);
  std::vector<void *> outputs = {inv.data(), x.data(), s.data(), y.data()};
  llvm::Error err = (*program)({a.data(), b.data()}, outputs);
  EXPECT_FALSE(bool(err)) << llvm::toString(std::move(err));
  EXPECT_EQ(stats().liveBuffers, live);

  std::vector<double> singular(16, 1);
  err = (*program)({singular.data(), b.data()}, outputs);
  EXPECT_EQ(llvm::toString(std::move(err)),
            "statement 1 ('B[i,j] = inv(A[i,j])'): inv: the matrix is "
            "singular (U(2,2) is exactly zero)");
  EXPECT_EQ(stats().liveBuffers, live);
  unsetenv("MOCK_CUDA_LOG");

  std::ifstream in(log);
  std::string text((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  for (const char *line : {"cusolver getrf 4x4", "cusolver getrs 4x4",
                           "cusolver gesvd 4x4", "cublas gemm 1x4x4"})
    EXPECT_NE(text.find(line), std::string::npos) << line << " in\n" << text;

  // eig's results are complex: a complex128 program.
  auto eig = jit.compileProgram(
      "in A[i,j] : complex128\nw[k], V[i,k] = eig(A[i,j])\nout w, V",
      {{"A", {3, 3}}}, ein::c128, gpuOptions());
  ASSERT_TRUE(bool(eig)) << llvm::toString(eig.takeError());
  std::vector<std::complex<double>> ca = {1, 2, 0, 0, 3, 1, 1, 0, 2}, w(3),
                                    v(9);
  err = (*eig)({ca.data()}, {w.data(), v.data()});
  EXPECT_FALSE(bool(err)) << llvm::toString(std::move(err));
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
