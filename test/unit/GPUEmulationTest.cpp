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
// of the CPU's test are compared with the reference loop nest. Tensor
// cores (warp-level WMMA) have no emulation; their PTX is checked by lit
// and their results on a GPU by scripts/gpu-check.sh.
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
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <random>
#include <string>

namespace {

using namespace ein::oracle;

/// Whether `c` gets a kernel tiled through shared memory on the GPU.
bool usesTiledKernel(const Case &c) {
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
                             ein::CompileOptions().path, {});
  if (!module) {
    llvm::consumeError(module.takeError());
    return false;
  }
  std::string text;
  llvm::raw_string_ostream os(text);
  (*module)->print(os);
  return text.find("#gpu.address_space<workgroup>") != std::string::npos;
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
