//===- einc.cpp - The Einc command-line tool ------------------------------===//
//
//   einc EXPR [--shapes ...|--sizes ...] [--dtype] [--emit ...] [-o FILE]
//   einc run EXPR IN.npy... -o OUT.npy
//   einc explain EXPR --shapes ... [--json]
//   einc bench EXPR --shapes ... [--json]
//
// Exit codes: 0 success, 1 user error, 2 internal error.
//
//===----------------------------------------------------------------------===//

#include "Common.h"
#include "einrt/einrt.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"

#include <csignal>
#include <cstdlib>

extern llvm::cl::SubCommand runCommand;
extern llvm::cl::SubCommand explainCommand;
extern llvm::cl::SubCommand benchCommand;

static const char *overview =
    "Einc: compile einsum expressions with MLIR\n\n"
    "  einc EXPR --shapes 4x8x16,4x16x32 --emit ein|linalg|llvm-mlir|llvm|"
    "asm|obj|header [-o FILE]\n"
    "      Generate code. Without --shapes/--sizes the extents are dynamic "
    "and the\n      generated C function takes one int64_t per label.\n"
    "  einc EXPR --shapes ... --target nvptx [--gpu-arch sm_90] --emit "
    "linalg|gpu|nvvm|ptx|\n"
    "      llvm-mlir|llvm|asm|obj|header\n"
    "      Kernels for NVIDIA GPUs (LLVM's NVPTX back end; no CUDA toolkit "
    "needed);\n"
    "      contractions tiled through shared memory, f16 (sm_70+) and "
    "bf16 (sm_80+)\n      on tensor cores, f32 too with --gpu-tf32 "
    "(sm_80+); obj and header: the host\n      code that launches them, "
    "for C programs.\n"
    "  einc run EXPR A.npy B.npy... -o OUT.npy [--threads N] "
    "[--memory-limit 512MiB]\n"
    "      Compute through the JIT; the dtype follows NumPy's promotion of "
    "the inputs.\n"
    "      --memory-limit bounds all it holds at once (slicing to fit).\n"
    "      --target gpu runs it on an NVIDIA GPU through the CUDA driver, "
    "loaded at\n      run time (libcuda.so.1, or EINRT_CUDA_DRIVER).\n"
    "  einc run (-f PROG.ein | -e 'PROGRAM') NAME=IN.npy... (-o NAME=OUT.npy "
    "| --print)\n"
    "      Run an index-notation program (softmax, norms, svd, ...).\n"
    "  einc explain EXPR --shapes 8x8,8x8,8x8 [--json]\n"
    "      Show the contraction path: steps, FLOPs (counted as opt_einsum "
    "does), sizes.\n"
    "  einc bench EXPR --shapes 512x512,512x512 [--dtype f64|complex64] "
    "[--json]\n"
    "      Time the compiled kernel against OpenBLAS, Eigen and a naive loop "
    "nest;\n"
    "      --target gpu: CUDA events on device buffers, against cuBLAS (f16 "
    "and\n"
    "      bf16 too; --gpu-tf32 puts f32 on TF32 tensor cores in both).\n\n"
    "Large contractions run on EINC_NUM_THREADS threads (default: every "
    "CPU);\nresults do not depend on the count. Compiled kernels are kept "
    "in EINC_CACHE_DIR\n(default ~/.cache/einc; off disables it).\n"
    "Dtypes: f32, f64, f16, bf16 (multiplied and summed in f32), "
    "complex64,\ncomplex128, i32, i64.\n"
    "EXPR is any NumPy einsum string ('bij,bjk->bik', 'ii', '...ij,...jk'). "
    "Put '--'\nbefore an expression that starts with '-'.\n"
    "Exit codes: 0 success, 1 bad input, 2 internal error.\n";

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  // A write past `ulimit -f` fails with EFBIG (reported, the partial file
  // removed) instead of killing the process.
  std::signal(SIGXFSZ, SIG_IGN);
  llvm::cl::HideUnrelatedOptions({&einc::codegenCategory, &einc::runCategory,
                                  &einc::explainCategory,
                                  &einc::benchCategory});
  llvm::cl::ParseCommandLineOptions(argc, argv, overview);
  if (const char *threads = std::getenv("EINC_NUM_THREADS"))
    if (!einrt_parse_thread_count(threads))
      return einc::reportError("EINC_NUM_THREADS='" + llvm::Twine(threads) +
                               "' is not a thread count (1 to 4096)");
  if (runCommand)
    return einc::runRun(argc, argv);
  if (explainCommand)
    return einc::runExplain(argc, argv);
  if (benchCommand)
    return einc::runBench(argc, argv);
  return einc::runCodegen(argc, argv);
}
