//===- LLVMCodegen.h - LLVM dialect to LLVM IR and machine code -*- C++ -*-===//

#ifndef EINC_CODEGEN_LLVMCODEGEN_H
#define EINC_CODEGEN_LLVMCODEGEN_H

#include "mlir/IR/BuiltinOps.h"

#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"

#include <memory>
#include <string>

namespace ein {

/// Where generated code runs.
struct TargetOptions {
  std::string triple;   ///< empty: the host
  std::string cpu;      ///< empty: the host CPU ("native" works too)
  std::string features; ///< LLVM feature string, e.g. "+avx2,+fma"
  unsigned optLevel = 3;
};

/// Initialises LLVM's native target once; safe to call from many threads.
void initializeNativeTarget();

/// A target machine for `options` (the host when fields are empty).
llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(const TargetOptions &options);

/// Translates a module in the LLVM dialect to LLVM IR for `tm` and runs
/// LLVM's optimisation pipeline at `optLevel`.
llvm::Expected<std::unique_ptr<llvm::Module>>
translateAndOptimize(mlir::ModuleOp module, llvm::LLVMContext &llvmContext,
                     llvm::TargetMachine &tm, unsigned optLevel);

/// Writes assembly or an object file for `module`.
llvm::Error emitMachineCode(llvm::Module &module, llvm::TargetMachine &tm,
                            llvm::raw_pwrite_stream &os, bool assembly);

/// GPU programs load their kernels in global constructors (MLIR's
/// gpu.binary translation) and unload them in destructors: at the start of
/// any program that links them, and never in the JIT. This moves the
/// constructors into one function that `name` (the entry point) calls
/// first, through the runtime's einrt_gpu_load_once (once per program,
/// thread-safe), and drops the destructors: the runtime keeps loaded
/// modules for the process. Modules without constructors are unchanged.
void loadKernelsOnFirstCall(llvm::Module &module, llvm::StringRef name);

} // namespace ein

#endif // EINC_CODEGEN_LLVMCODEGEN_H
