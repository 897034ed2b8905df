//===- GPUEmulationTest.cpp - GPU kernels run on the CPU vs a reference ---===//
//
// The GPU's kernels are checked numerically without a GPU: with
// CompileOptions::emulateGPU the JIT builds the same launches as the NVPTX
// pipeline (contractions tiled through shared memory, everything else one
// thread per element) and ein-emulate-gpu-launches runs them on the CPU,
// the threads of a block as OpenMP threads that meet at real barriers.
// Random binary contractions (batch, M, N and K label groups of one or two
// labels in random orders and layouts, extents that are not multiples of
// the tiles, in f32, f64, f16 and bf16) and the randomized expression set
// of the CPU's test are compared with the reference loop nest. The
// tensor-core kernels of an emulated sm_90 run too, their warp-level WMMA
// fragments replaced by buffers that lane 0 of each warp computes (see
// ein-gpu-tile-contractions' `emulated`): everything around the fragments
// is checked here, the fragments' PTX by lit, and their results on a GPU
// by scripts/gpu-check.sh.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/Compile.h"
#include "compiler/parser/Einsum.h"
#include "compiler/pipeline/Pipeline.h"
#include "test/support/ProgramExamples.h"
#include "test/support/RandomEinsum.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <random>
#include <string>

namespace {

using namespace ein::oracle;

/// Whether `c`'s GPU code (for `target`) contains `needle`.
bool gpuCodeHas(const Case &c, const ein::GPUTargetOptions &target,
                llvm::StringRef needle) {
  std::vector<llvm::SmallVector<int64_t>> shapes;
  for (const ein::Shape &s : c.shapes)
    shapes.emplace_back(s.begin(), s.end());
  auto problem = ein::resolveEinsum(c.expr, shapes, c.dtype);
  if (!problem) {
    llvm::consumeError(problem.takeError());
    return false;
  }
  auto ctx = ein::createContext();
  auto module =
      ein::lowerEinsumForGPU(*ctx, *problem, "einsum", ein::GPUStage::GPU,
                             ein::CompileOptions().path, target);
  if (!module) {
    llvm::consumeError(module.takeError());
    return false;
  }
  std::string text;
  llvm::raw_string_ostream os(text);
  (*module)->print(os);
  return llvm::StringRef(text).contains(needle);
}

/// Whether `c` gets a kernel tiled through shared memory on the GPU.
bool usesTiledKernel(const Case &c) {
  return gpuCodeHas(c, {}, "#gpu.address_space<workgroup>");
}

ein::CompileOptions emulated() {
  ein::CompileOptions options;
  options.emulateGPU = true;
  return options;
}

TEST(GPUEmulation, TiledContractionsMatchReference) {
  Dice dice{std::mt19937_64(2027)};
  std::mt19937_64 values(11);
  ein::Jit jit;
  int tiled = 0, failures = 0, cases = 0;
  std::map<std::string, int> perDtype;
  for (int n = 0; n < 40 && failures < 3; ++n) {
    Case c = randomContraction(dice);
    if (iterations(interpret(c.expr, c.shapes), c.shapes) > 3000000)
      continue;
    ++cases;
    ++perDtype[ein::dtypeName(c.dtype)];
    tiled += usesTiledKernel(c);
    std::string problem = check(jit, c, values, emulated());
    if (!problem.empty()) {
      ++failures;
      ADD_FAILURE() << c.describe() << ": " << problem;
    }
  }
  std::printf("emulated GPU: %d contractions, %d with tiled kernels;", cases,
              tiled);
  for (auto [name, count] : perDtype)
    std::printf(" %s %d", name.c_str(), count);
  std::printf("\n");
  EXPECT_GT(tiled, cases * 3 / 4);
}

TEST(GPUEmulation, LargeTiledContractionsMatchReference) {
  // Products of 6 matrices of 520x520 have 150 tiles of 128x128: 16x16
  // threads of 8x8 sums each, K by 8 (the last step partial with K 20).
  std::mt19937_64 values(13);
  ein::Jit jit;
  for (auto [dtype, k] : {std::pair(ein::f32, 20), std::pair(ein::f64, 16)}) {
    std::map<char, int64_t> extent = {
        {'b', 6}, {'i', 520}, {'j', 520}, {'k', k}};
    Case c = binaryCase("bik", "bkj", "bij", extent, dtype);
    EXPECT_TRUE(gpuCodeHas(c, {}, "memref<16x129x")) // two 8x128 tiles of A
        << c.describe();
    std::string problem = check(jit, c, values, emulated());
    EXPECT_TRUE(problem.empty()) << c.describe() << ": " << problem;
  }
}

/// Compiles `c` for an emulated sm_90 (f32 as TF32) and compares it with
/// the reference; counts the cases whose kernels use tensor cores and
/// whose use 128x128 tiles (256 threads).
void checkTensorCores(ein::Jit &jit, const Case &c, std::mt19937_64 &values,
                      int &tensorCores, int &largeTiles, int &failures) {
  ein::CompileOptions options = emulated();
  options.gpuArch = "sm_90";
  options.allowTF32 = c.dtype == ein::f32;
  ein::GPUTargetOptions target;
  target.chip = options.gpuArch;
  target.tf32 = options.allowTF32;
  tensorCores += gpuCodeHas(c, target, "mma");
  largeTiles += gpuCodeHas(c, target, "memref<256x"); // two tiles of A
  std::string problem = check(jit, c, values, options);
  if (!problem.empty()) {
    ++failures;
    ADD_FAILURE() << c.describe() << ": " << problem;
  }
}

TEST(GPUEmulation, TensorCoreContractionsMatchReference) {
  // The tensor-core kernels of sm_90 (f16 and bf16 summed in f32, f32 as
  // TF32), each fragment held whole by lane 0 of its warp: tiling, the
  // double-buffered staging, fragment offsets and the epilogue as on the
  // GPU. Random contractions get 64x64 tiles, some fixed ones tiles that
  // divide them, and products of 6 matrices of 520x520 128x128 tiles (150
  // blocks; f32 steps K by 16).
  Dice dice{std::mt19937_64(4099)};
  std::mt19937_64 values(17);
  ein::Jit jit;
  int failures = 0, cases = 0, tensorCores = 0, largeTiles = 0;
  for (int n = 0; n < 18 && failures < 3; ++n) {
    Case c = randomContraction(dice);
    c.dtype = std::array{ein::f16, ein::bf16, ein::f32}[n % 3];
    if (iterations(interpret(c.expr, c.shapes), c.shapes) > 3000000)
      continue;
    ++cases;
    checkTensorCores(jit, c, values, tensorCores, largeTiles, failures);
  }
  // Tiles that divide M, N and K (no bounds checks), then 128x128 tiles.
  struct Fixed {
    ein::DType dtype;
    int64_t b, m, n, k;
  };
  for (Fixed f :
       {Fixed{ein::f16, 2, 128, 64, 96}, Fixed{ein::f32, 1, 64, 128, 64},
        Fixed{ein::bf16, 1, 192, 64, 32}, Fixed{ein::f16, 6, 520, 520, 40},
        Fixed{ein::f32, 6, 520, 520, 48}}) {
    std::map<char, int64_t> extent = {
        {'b', f.b}, {'i', f.m}, {'j', f.n}, {'k', f.k}};
    Case c = binaryCase("bik", "bkj", "bij", extent, f.dtype);
    ++cases;
    checkTensorCores(jit, c, values, tensorCores, largeTiles, failures);
  }
  std::printf("emulated sm_90: %d contractions, %d with tensor cores, %d "
              "with 128x128 tiles\n",
              cases, tensorCores, largeTiles);
  EXPECT_GT(tensorCores, cases * 3 / 4);
  EXPECT_EQ(largeTiles, 2);
}

TEST(GPUEmulation, RandomExpressionsMatchReference) {
  // The randomized expression set of the CPU's test, run as GPU kernels:
  // reductions, diagonals, broadcasts, copies and contractions of every
  // shape the GPU lowering takes.
  Generator gen(77);
  std::mt19937_64 values(78);
  ein::Jit jit;
  int failures = 0, cases = 0;
  for (int n = 0; n < 60 && failures < 3; ++n) {
    Case c = gen.next();
    if (iterations(interpret(c.expr, c.shapes), c.shapes) > 100000)
      continue;
    ++cases;
    std::string problem = check(jit, c, values, emulated());
    if (!problem.empty()) {
      ++failures;
      ADD_FAILURE() << c.describe() << ": " << problem;
    }
  }
  EXPECT_GT(cases, 30);
}

TEST(GPUEmulation, ProgramsMatchTheCPU) {
  // Index-notation programs as GPU kernels (softmax's reductions and maps,
  // contractions with epilogues, attention unfused), against the CPU's
  // code on the same random inputs.
  ein::Jit jit;
  ein::CompileOptions emulate = emulated();
  for (const ProgramExample &e : programExamples()) {
    SCOPED_TRACE(e.source);
    std::string problem = compareWithCPU(jit, e, emulate);
    EXPECT_EQ(problem, "");
  }
}

TEST(GPUEmulation, FusedAttentionMatchesTheCPU) {
  // softmax(scale Q K^T) V in random layouts and extents (partial tiles
  // of queries and keys, one key, several batch labels) as the GPU's
  // online-softmax kernel, against the CPU's code.
  Dice dice{std::mt19937_64(99)};
  auto pick = [&](std::initializer_list<int64_t> o) { return dice.pick(o); };
  auto shuffled = [&](std::string s) { return dice.shuffled(s); };
  auto term = [](const std::string &labels) {
    std::string t;
    for (char c : labels)
      t += std::string(t.empty() ? "" : ",") + c;
    return "[" + t + "]";
  };
  ein::Jit jit;
  int failures = 0;
  for (int n = 0; n < 12 && failures < 3; ++n) {
    std::string batch = std::string("bh").substr(0, pick({0, 1, 2}));
    std::map<char, int64_t> extent = {{'b', 2}, {'h', 3}};
    extent['i'] = pick({1, 5, 64, 70, 130});
    extent['j'] = pick({1, 7, 32, 33, 100});
    extent['d'] = pick({1, 8, 32, 64});
    extent['e'] = pick({1, 16, 32, 64});
    std::string q = shuffled(batch + "id"), k = shuffled(batch + "jd"),
                v = shuffled(batch + "je"), o = shuffled(batch + "ie"),
                s = batch + "ij";
    std::string source = "in Q" + term(q) + ", K" + term(k) + ", V" + term(v) +
                         " : f32\nS" + term(s) + " = Q" + term(q) + " * K" +
                         term(k) + " * 0.25\nP" + term(s) + " = softmax[j](S" +
                         term(s) + ")\nO" + term(o) + " = P" + term(s) +
                         " * V" + term(v) + "\nout O";
    ProgramExample e{source.c_str(), {}};
    for (auto [name, labels] :
         {std::pair<std::string, std::string>{"Q", q}, {"K", k}, {"V", v}}) {
      ein::Shape shape;
      for (char c : labels)
        shape.push_back(extent[c]);
      e.shapes[name] = shape;
    }
    std::string problem = compareWithCPU(jit, e, emulated());
    if (!problem.empty()) {
      ++failures;
      ADD_FAILURE() << source << ": " << problem;
    }
  }
}

// Emulated, a program's decompositions are the CPU's LAPACK calls on host
// memory between the emulated kernels (a GPU calls cuSOLVER instead:
// GPUMock and GPUExecution): the kernels around them must agree.
TEST(GPUEmulation, ProgramsWithDecompositionsMatchTheCPU) {
  ein::Jit jit;
  ProgramExample e;
  e.source = "in A[i,j], b[i] : f64\n"
             "S[i,j] = A[i,k] * A[j,k] + 3 * eye(i, j)\n"
             "x[j] = solve(S[i,j], b[i])\n"
             "L[i,j] = cholesky(S[i,j])\n"
             "E[i,j] = exp(A[i,j])\n"
             "U[i,r], s[r], V[r,j] = svd(E[i,j])\n"
             "y[i] = sum[r](U[i,r] * s[r] * s[r]) + x[i]\n"
             "out y, L";
  e.shapes = {{"A", {5, 5}}, {"b", {5}}};
  std::string problem = compareWithCPU(jit, e, emulated());
  EXPECT_EQ(problem, "");
}

TEST(GPUEmulation, RefusesGPUTarget) {
  ein::Jit jit;
  ein::CompileOptions options = emulated();
  options.target = ein::Target::GPU;
  auto kernel = jit.compile("ij,jk->ik", {{2, 2}, {2, 2}}, ein::f32, options);
  ASSERT_FALSE(bool(kernel));
  EXPECT_NE(llvm::toString(kernel.takeError()).find("needs Target::CPU"),
            std::string::npos);
}

} // namespace
