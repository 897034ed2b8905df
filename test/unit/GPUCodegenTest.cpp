//===- GPUCodegenTest.cpp - PTX for random einsum expressions -------------===//
//
// The NVPTX path must take every expression the CPU path takes. The same
// seeded generator as the CPU's randomized test (1-5 operands, ranks 0-5,
// repeated, shared and summed labels, ellipses, size-1 broadcasts, zero-size
// dimensions, all six dtypes) feeds lowerEinsumForGPU down to PTX, and the
// same expressions with every extent dynamic. Each PTX module must name its
// target and hold a kernel unless there is nothing to compute; where the
// CUDA toolkit's ptxas is installed, every module is assembled by it too.
// No GPU is needed: running the kernels is tested where one is.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/Compile.h"
#include "compiler/parser/Einsum.h"
#include "compiler/pipeline/Pipeline.h"
#include "test/support/RandomEinsum.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace {

using namespace ein::oracle;

/// ptxas from PATH or the usual CUDA location, or "" when absent.
std::string findPtxas() {
  if (llvm::ErrorOr<std::string> path = llvm::sys::findProgramByName("ptxas"))
    return *path;
  const char *usual = "/usr/local/cuda/bin/ptxas";
  return llvm::sys::fs::can_execute(usual) ? usual : "";
}

/// Assembles `ptx` with `ptxas` for `arch`; "" on success, else why not.
std::string assemble(const std::string &ptxas, const std::string &ptx,
                     const std::string &arch) {
  llvm::SmallString<128> input, output;
  if (llvm::sys::fs::createTemporaryFile("einc-gpu", "ptx", input) ||
      llvm::sys::fs::createTemporaryFile("einc-gpu", "cubin", output))
    return "cannot create temporary files";
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(input, ec);
    os << ptx;
  }
  std::string error;
  std::string archFlag = "-arch=" + arch;
  llvm::StringRef args[] = {ptxas, archFlag, input, "-o", output};
  int rc =
      llvm::sys::ExecuteAndWait(ptxas, args, std::nullopt, {}, 60, 0, &error);
  llvm::sys::fs::remove(input);
  llvm::sys::fs::remove(output);
  if (rc != 0)
    return "ptxas failed (" + std::to_string(rc) + ") " + error;
  return "";
}

/// Lowers `problem` to PTX for `arch`; the PTX, or the error as "error: ...".
std::string ptxFor(const ein::EinsumProblem &problem, const std::string &arch) {
  std::unique_ptr<mlir::MLIRContext> ctx = ein::createContext();
  ein::GPUTargetOptions target;
  target.chip = arch;
  auto module =
      ein::lowerEinsumForGPU(*ctx, problem, "einsum", ein::GPUStage::Binary,
                             ein::defaultCompilePathOptions(), target);
  if (!module)
    return "error: " + llvm::toString(module.takeError());
  auto ptx = ein::ptxOf(**module);
  if (!ptx)
    return "error: " + llvm::toString(ptx.takeError());
  return *ptx;
}

int countOf(const std::string &text, const std::string &what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos;
       at = text.find(what, at + 1))
    ++n;
  return n;
}

TEST(GPUCodegen, HalfPrecisionBecomesPTX) {
  // The generator's real cases in f16 and bf16: products and sums in f32
  // (cvt from the half type, fma.rn.f32), one rounding at the end.
  Generator gen(20261207);
  std::string ptxas = findPtxas();
  int cases = 0, assembled = 0, failures = 0;
  for (int n = 0; n < 60 && failures < 5; ++n) {
    Case c = gen.next();
    if (c.dtype == ein::c64 || c.dtype == ein::c128)
      continue;
    c.dtype = n % 2 ? ein::f16 : ein::bf16;
    std::vector<llvm::SmallVector<int64_t>> shapes;
    for (const ein::Shape &s : c.shapes)
      shapes.emplace_back(s.begin(), s.end());
    auto problem = ein::resolveEinsum(c.expr, shapes, c.dtype);
    ASSERT_TRUE(bool(problem)) << llvm::toString(problem.takeError());
    const std::string arch = n % 4 < 2 ? "sm_90" : "sm_80";
    std::string ptx = ptxFor(*problem, arch);
    ++cases;
    std::string problemText;
    if (ptx.rfind("error: ", 0) == 0)
      problemText = ptx;
    else if (!ptxas.empty()) {
      problemText = assemble(ptxas, ptx, arch);
      assembled += problemText.empty();
    }
    if (!problemText.empty()) {
      ++failures;
      ADD_FAILURE() << c.describe() << ": " << problemText;
    }
  }
  std::printf("gpu codegen, half precision: %d cases, %d assembled\n", cases,
              assembled);
  EXPECT_GT(cases, 30);
}

TEST(GPUCodegen, RandomExpressionsBecomePTX) {
  Generator gen(20261202);
  std::string ptxas = findPtxas();
  if (ptxas.empty())
    std::printf("ptxas not found: PTX is generated but not assembled\n");
  int cases = 0, dynamicCases = 0, assembled = 0, failures = 0;
  int perDtype[6] = {};
  for (int n = 0; n < 120 && failures < 5; ++n) {
    Case c = gen.next();
    std::vector<llvm::SmallVector<int64_t>> shapes;
    int64_t outputs = 1;
    for (const ein::Shape &s : c.shapes)
      shapes.emplace_back(s.begin(), s.end());
    auto problem = ein::resolveEinsum(c.expr, shapes, c.dtype);
    ASSERT_TRUE(bool(problem))
        << c.describe() << ": " << llvm::toString(problem.takeError());
    for (int64_t d : problem->outputShape)
      outputs *= d;
    const std::string arch = n % 2 ? "sm_90" : "sm_80";
    std::string ptx = ptxFor(*problem, arch);
    ++cases;
    ++perDtype[c.dtype];
    std::string problemText;
    if (ptx.rfind("error: ", 0) == 0)
      problemText = ptx;
    else if (countOf(ptx, ".target " + arch) != 1)
      problemText = "the PTX does not name its target once";
    else if (outputs > 0 && countOf(ptx, ".visible .entry") == 0)
      problemText = "no kernel although the output has elements";
    else if (!ptxas.empty()) {
      problemText = assemble(ptxas, ptx, arch);
      assembled += problemText.empty();
    }
    // The same expression with every extent dynamic (no ellipsis: their
    // ranks come from the shapes).
    if (problemText.empty() && c.expr.find("...") == std::string::npos) {
      auto dynamic = ein::resolveEinsumDynamic(c.expr, c.dtype);
      if (dynamic) {
        ++dynamicCases;
        std::string dynamicPtx = ptxFor(*dynamic, arch);
        if (dynamicPtx.rfind("error: ", 0) == 0)
          problemText = "dynamic extents: " + dynamicPtx;
        else if (!ptxas.empty())
          problemText = assemble(ptxas, dynamicPtx, arch);
      } else {
        llvm::consumeError(dynamic.takeError());
      }
    }
    if (!problemText.empty()) {
      ++failures;
      ADD_FAILURE() << c.describe() << ": " << problemText;
    }
  }
  std::printf("gpu codegen: %d cases (%d also with dynamic extents), %d "
              "assembled by ptxas; f32 %d, f64 %d, complex64 %d, complex128 "
              "%d, i32 %d, i64 %d\n",
              cases, dynamicCases, assembled, perDtype[ein::f32],
              perDtype[ein::f64], perDtype[ein::c64], perDtype[ein::c128],
              perDtype[ein::i32], perDtype[ein::i64]);
  EXPECT_EQ(cases, 120);
  EXPECT_GT(dynamicCases, 40);
  for (int count : perDtype)
    EXPECT_GT(count, 5);
}

} // namespace
