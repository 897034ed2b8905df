//===- Pipeline.h - Pass pipelines of the compiler --------------*- C++ -*-===//

#ifndef EINC_PIPELINE_PIPELINE_H
#define EINC_PIPELINE_PIPELINE_H

namespace mlir {
class OpPassManager;
} // namespace mlir

namespace ein {

/// ein dialect -> linalg on tensors: decompose n-ary contractions, then
/// lower each to linalg.generic. (`--emit linalg` stops here.)
void buildEinToLinalgPipeline(mlir::OpPassManager &pm);

/// linalg on tensors -> LLVM dialect: destination-passing entry, one-shot
/// bufferization, deallocation, loops, LLVM, and the C entry point.
void buildLinalgToLLVMPipeline(mlir::OpPassManager &pm);

/// The whole CPU pipeline: both of the above. Registered as
/// `--ein-cpu-pipeline` in ein-opt.
void buildEinCPUPipeline(mlir::OpPassManager &pm);

/// Registers the pipelines above for command-line use.
void registerEinPipelines();

} // namespace ein

#endif // EINC_PIPELINE_PIPELINE_H
