//===- Prepare.cpp - A GPU check that runs without LLVM ------------------===//
//
//   ein-gpu-check-prepare OUTDIR [--arch sm_90] [--cases N] [--seed S]
//                         [--no-benches]
//
// Writes what scripts/gpu-check.sh links into one program that checks and
// times Einc's GPU code on a machine that has a GPU but no LLVM or Einc
// build (the device machines lent to some sessions): for N random
// expressions of the CPU's generator, the GPU host object (--target nvptx
// --emit obj, for generic x86-64), the inputs and the CPU kernel's result;
// for a few large products, objects only (their inputs are made there and
// cuBLAS is the reference); a 30-tensor chain end to end and step by
// step; a manifest of all of them, and cases.c, the table the runner
// (runner.c) calls them through.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/Compile.h"
#include "compiler/codegen/LLVMCodegen.h"
#include "compiler/parser/Einsum.h"
#include "einc/einc.h"
#include "test/support/RandomEinsum.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <tuple>
#include <vector>

namespace {

struct Options {
  std::string dir, arch = "sm_90";
  int cases = 150;
  bool benches = true;
  unsigned seed = 20261207;
};

bool writeFile(const std::string &path, const void *data, size_t size) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec)
    return false;
  os.write(static_cast<const char *>(data), size);
  return !os.has_error();
}

/// The GPU host object of `problem` as `name`, for any x86-64.
std::string writeObject(const ein::EinsumProblem &problem,
                        const std::string &name, const Options &o) {
  std::unique_ptr<mlir::MLIRContext> ctx = ein::createContext();
  ein::GPUTargetOptions target;
  target.chip = o.arch;
  auto module =
      ein::lowerEinsumForGPU(*ctx, problem, name, ein::GPUStage::HostLLVM,
                             ein::defaultCompilePathOptions(), target);
  if (!module)
    return llvm::toString(module.takeError());
  ein::TargetOptions host;
  host.cpu = "x86-64";
  host.features = "";
  auto tm = ein::createTargetMachine(host);
  if (!tm)
    return llvm::toString(tm.takeError());
  llvm::LLVMContext llvmContext;
  auto llvmModule = ein::translateAndOptimize(**module, llvmContext, **tm, 2);
  if (!llvmModule)
    return llvm::toString(llvmModule.takeError());
  ein::loadKernelsOnFirstCall(**llvmModule, name);
  std::error_code ec;
  llvm::raw_fd_ostream os(o.dir + "/" + name + ".o", ec);
  if (ec)
    return ec.message();
  if (llvm::Error err = ein::emitMachineCode(**llvmModule, **tm, os, false))
    return llvm::toString(std::move(err));
  return "";
}

int64_t elements(const ein::Shape &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

} // namespace

int main(int argc, char **argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--arch" && i + 1 < argc)
      o.arch = argv[++i];
    else if (a == "--cases" && i + 1 < argc)
      o.cases = std::atoi(argv[++i]);
    else if (a == "--no-benches")
      o.benches = false;
    else if (a == "--seed" && i + 1 < argc)
      o.seed = unsigned(std::strtoul(argv[++i], nullptr, 10));
    else if (o.dir.empty() && a[0] != '-')
      o.dir = a;
    else {
      std::fprintf(stderr, "usage: ein-gpu-check-prepare OUTDIR [--arch "
                           "sm_90] [--cases N] [--seed S] [--no-benches]\n");
      return 1;
    }
  }
  if (o.dir.empty() || llvm::sys::fs::create_directories(o.dir)) {
    std::fprintf(stderr, "ein-gpu-check-prepare: cannot create '%s'\n",
                 o.dir.c_str());
    return 1;
  }
  std::string manifest, table;
  std::vector<std::pair<std::string, size_t>> names; // entry, inputs
  ein::oracle::Generator gen(o.seed);
  ein::Jit jit;
  std::mt19937_64 rng(o.seed);
  ein::oracle::Dice dice{std::mt19937_64(o.seed + 1)};
  for (int n = 0; n < o.cases; ++n) {
    // Every third case a contraction shaped for the tiled kernels (tensor
    // cores for f16).
    ein::oracle::Case c =
        n % 3 == 2 ? ein::oracle::randomContraction(dice) : gen.next();
    // Every fifth real case in a half type, alternately f16 and bf16.
    if (n % 5 == 4 && c.dtype != ein::c64 && c.dtype != ein::c128)
      c.dtype = n % 10 == 4 ? ein::f16 : ein::bf16;
    std::vector<llvm::SmallVector<int64_t>> shapes;
    for (const ein::Shape &s : c.shapes)
      shapes.emplace_back(s.begin(), s.end());
    auto problem = ein::resolveEinsum(c.expr, shapes, c.dtype);
    auto kernel = jit.compile(c.expr, c.shapes, c.dtype);
    if (!problem || !kernel) {
      std::fprintf(stderr, "ein-gpu-check-prepare: %s does not compile\n",
                   c.describe().c_str());
      return 2;
    }
    std::string name = "check_" + std::to_string(n);
    if (std::string err = writeObject(*problem, name, o); !err.empty()) {
      std::fprintf(stderr, "ein-gpu-check-prepare: %s: %s\n",
                   c.describe().c_str(), err.c_str());
      return 2;
    }
    ein::oracle::Inputs in = ein::oracle::makeInputs(c, rng);
    size_t size = ein::dtypeSize(c.dtype);
    std::vector<char> out(size_t(kernel->outputElements()) * size + 1);
    std::vector<const void *> pointers;
    for (size_t i = 0; i < in.bytes.size(); ++i) {
      pointers.push_back(in.bytes[i].data());
      writeFile(o.dir + "/" + name + ".in" + std::to_string(i),
                in.bytes[i].data(), in.bytes[i].size());
    }
    if (llvm::Error err = (*kernel)(pointers, out.data())) {
      std::fprintf(stderr, "ein-gpu-check-prepare: %s: %s\n",
                   c.describe().c_str(),
                   llvm::toString(std::move(err)).c_str());
      return 2;
    }
    writeFile(o.dir + "/" + name + ".out", out.data(),
              size_t(kernel->outputElements()) * size);
    manifest += "check " + name + " " + std::to_string(int(c.dtype)) + " " +
                std::to_string(c.shapes.size());
    for (const ein::Shape &s : c.shapes)
      manifest += " " + std::to_string(elements(s));
    manifest +=
        " " + std::to_string(kernel->outputElements()) + " " + c.expr + "\n";
    names.push_back({name, c.shapes.size()});
  }
  // Large products: the rates the issue sets targets for, against cuBLAS.
  struct Bench {
    const char *name, *expr;
    ein::DType dtype;
    int64_t batch, m, n, k;
  };
  const Bench benches[] = {
      {"bench_sgemm_4096", "ij,jk->ik", ein::f32, 1, 4096, 4096, 4096},
      {"bench_sgemm_8192", "ij,jk->ik", ein::f32, 1, 8192, 8192, 8192},
      {"bench_dgemm_4096", "ij,jk->ik", ein::f64, 1, 4096, 4096, 4096},
      {"bench_bmm_32x512x64", "bij,bjk->bik", ein::f32, 32, 512, 512, 64},
      {"bench_hgemm_4096", "ij,jk->ik", ein::f16, 1, 4096, 4096, 4096},
      {"bench_hgemm_8192", "ij,jk->ik", ein::f16, 1, 8192, 8192, 8192},
      {"bench_bf16gemm_4096", "ij,jk->ik", ein::bf16, 1, 4096, 4096, 4096},
  };
  for (const Bench &b : benches) {
    if (!o.benches)
      break;
    std::vector<llvm::SmallVector<int64_t>> shapes;
    if (b.batch > 1)
      shapes = {{b.batch, b.m, b.k}, {b.batch, b.k, b.n}};
    else
      shapes = {{b.m, b.k}, {b.k, b.n}};
    auto problem = ein::resolveEinsum(b.expr, shapes, b.dtype);
    if (!problem) {
      llvm::consumeError(problem.takeError());
      return 2;
    }
    if (std::string err = writeObject(*problem, b.name, o); !err.empty()) {
      std::fprintf(stderr, "ein-gpu-check-prepare: %s: %s\n", b.name,
                   err.c_str());
      return 2;
    }
    manifest += std::string("bench ") + b.name + " " +
                std::to_string(int(b.dtype)) + " " + std::to_string(b.batch) +
                " " + std::to_string(b.m) + " " + std::to_string(b.n) + " " +
                std::to_string(b.k) + " " + b.expr + "\n";
    names.push_back({b.name, 2});
  }
  // A network of 30 tensors (a chain of 512 x 512 matrices) contracted end
  // to end in one call, against the same products one call at a time with
  // each intermediate back on the host in between: the runner times both.
  const int chainLength = 30;
  const int64_t chainExtent = 512;
  if (o.benches) {
    std::string labels = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ", expr;
    for (int t = 0; t < chainLength; ++t)
      expr += std::string(t ? "," : "") + labels[t] + labels[t + 1];
    expr += std::string("->") + labels[0] + labels[chainLength];
    std::vector<llvm::SmallVector<int64_t>> shapes(chainLength,
                                                   {chainExtent, chainExtent});
    for (auto [name, e, n] :
         {std::tuple{"chain_whole", expr, chainLength},
          std::tuple{"chain_step", std::string("ij,jk->ik"), 2}}) {
      auto problem =
          ein::resolveEinsum(e, llvm::ArrayRef(shapes).take_front(n), ein::f32);
      if (!problem) {
        llvm::consumeError(problem.takeError());
        return 2;
      }
      if (std::string err = writeObject(*problem, name, o); !err.empty()) {
        std::fprintf(stderr, "ein-gpu-check-prepare: %s: %s\n", name,
                     err.c_str());
        return 2;
      }
      names.push_back({name, size_t(n)});
    }
    manifest += "chain chain_whole chain_step " + std::to_string(chainLength) +
                " " + std::to_string(chainExtent) + " " + expr + "\n";
  }
  // Each entry takes one pointer per operand, then the output (static
  // shapes: no size arguments); the runner calls them all through
  // wrappers of one type.
  table += "/* Generated by ein-gpu-check-prepare. */\n#include <stddef.h>\n";
  for (const auto &[name, inputs] : names) {
    std::string params, args;
    for (size_t i = 0; i < inputs; ++i) {
      params += "void *, ";
      args += "in[" + std::to_string(i) + "], ";
    }
    table += "extern void " + name + "(" + params + "void *);\n" +
             "static void call_" + name + "(void **in, void *out) { " + name +
             "(" + args + "out); }\n";
  }
  table += "struct gpu_check_entry {\n  const char *name;\n  void (*call)(void "
           "**, void *);\n};\n"
           "const struct gpu_check_entry gpu_check_entries[] = {\n";
  for (const auto &[name, inputs] : names)
    table += "  {\"" + name + "\", call_" + name + "},\n";
  table += "  {NULL, NULL}};\n";
  if (!writeFile(o.dir + "/manifest.txt", manifest.data(), manifest.size()) ||
      !writeFile(o.dir + "/cases.c", table.data(), table.size())) {
    std::fprintf(stderr, "ein-gpu-check-prepare: cannot write to '%s'\n",
                 o.dir.c_str());
    return 1;
  }
  std::printf("ein-gpu-check-prepare: %d random cases and %zu benchmarks for "
              "%s in %s\n",
              o.cases, o.benches ? std::size(benches) : 0, o.arch.c_str(),
              o.dir.c_str());
  return 0;
}
