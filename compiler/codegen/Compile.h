//===- Compile.h - Einsum problem to each stage of IR -----------*- C++ -*-===//

#ifndef EINC_CODEGEN_COMPILE_H
#define EINC_CODEGEN_COMPILE_H

#include "compiler/parser/Einsum.h"
#include "compiler/pipeline/Pipeline.h"
#include "einc/Path.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <memory>

namespace mlir {
class MLIRContext;
} // namespace mlir

namespace ein {

/// Where lowering stops.
enum class Stage {
  Ein,         ///< the ein dialect as built from the expression
  Linalg,      ///< linalg on tensors
  LLVMDialect, ///< the LLVM dialect with the C entry point
};

/// A context with every dialect and translation Einc needs registered.
/// Multi-threading is off: the JIT compiles many small modules in parallel
/// from its own threads instead.
std::unique_ptr<mlir::MLIRContext> createContext();

/// Builds `problem` as ein IR and lowers it to `stage`. MLIR diagnostics
/// become the error message (they indicate a compiler bug, not a user
/// error: the problem was checked when it was resolved).
/// `path` chooses the contraction order (see defaultCompilePathOptions()),
/// `threads` how large contractions use threads.
llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
lowerEinsum(mlir::MLIRContext &ctx, const EinsumProblem &problem,
            llvm::StringRef name, Stage stage, const PathOptions &path,
            Threads threads = Threads::Runtime);

/// Where lowering for an NVIDIA GPU stops.
enum class GPUStage {
  Ein,    ///< the ein dialect as built from the expression
  Linalg, ///< linalg on tensors, without the CPU's blocking
  GPU,    ///< the entry function launching the kernels of one gpu.module
  NVVM,   ///< the kernels in NVVM (the LLVM dialect for NVPTX)
  Binary, ///< the kernels as a gpu.binary holding their PTX
  /// The host side in the LLVM dialect with its C entry point, ready for
  /// the JIT: kernels launched and buffers allocated through the runtime's
  /// GPU entry points (einrt/gpu.h), the PTX embedded with a terminating
  /// NUL for the driver.
  HostLLVM,
};

/// Builds `problem` as ein IR and lowers it for an NVIDIA GPU to `stage`
/// (as lowerEinsum does for the CPU). Needs no CUDA toolkit or driver:
/// PTX comes from LLVM's NVPTX back end.
llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
lowerEinsumForGPU(mlir::MLIRContext &ctx, const EinsumProblem &problem,
                  llvm::StringRef name, GPUStage stage, const PathOptions &path,
                  const GPUTargetOptions &target);

/// Builds `problem` through the GPU pipeline up to its launches (tiled
/// kernels with shared memory, no tensor cores) and then for the CPU, each
/// launch emulated by ein-emulate-gpu-launches: the LLVM dialect for the
/// JIT, to check the GPU kernels' logic numerically without a GPU.
llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
lowerEinsumEmulatingGPU(mlir::MLIRContext &ctx, const EinsumProblem &problem,
                        llvm::StringRef name, const PathOptions &path,
                        const GPUTargetOptions &target);

/// Lowers `module` from linalg on tensors (buildEinToLinalgPipeline with
/// `cpu` false) for an NVIDIA GPU to `stage` (GPU or later), checking that
/// the host code only allocates, reshapes and launches.
llvm::Error lowerLinalgForGPU(mlir::MLIRContext &ctx, mlir::ModuleOp module,
                              GPUStage stage, const GPUTargetOptions &target);

/// Lowers `module` from linalg on tensors through the GPU's launches to
/// the LLVM dialect for the CPU, each launch emulated (see
/// lowerEinsumEmulatingGPU).
llvm::Error lowerLinalgEmulatingGPU(mlir::MLIRContext &ctx,
                                    mlir::ModuleOp module,
                                    GPUTargetOptions target);

/// Fails (a user error) unless `chip` names a GPU architecture that LLVM's
/// NVPTX back end knows ("sm_80", "sm_90a", ...).
llvm::Error checkGPUArch(llvm::StringRef chip);

/// The PTX text of the kernels of `module` (lowered to GPUStage::Binary).
llvm::Expected<std::string> ptxOf(mlir::ModuleOp module);

/// A C header declaring the entry point that the object file defines.
/// Fails (a user error naming the shape) when a statically shaped tensor
/// of `module` would need 2^63 bytes or more: its offsets overflow int64.
llvm::Error checkTensorSizes(mlir::ModuleOp module);

/// `gpu`: for the host code of --target nvptx, whose pointers are device
/// memory.
std::string generateCHeader(const EinsumProblem &problem, llvm::StringRef name,
                            bool gpu = false);

} // namespace ein

#endif // EINC_CODEGEN_COMPILE_H
