//===- Pipeline.h - Pass pipelines of the compiler --------------*- C++ -*-===//

#ifndef EINC_PIPELINE_PIPELINE_H
#define EINC_PIPELINE_PIPELINE_H

#include "einc/Path.h"

namespace mlir {
class OpPassManager;
} // namespace mlir

namespace ein {

/// The path options the compiler uses unless told otherwise: like
/// PathOptions() but with a fixed number of hyper trials, so that the same
/// program compiles to the same code on any machine.
PathOptions defaultCompilePathOptions();

/// ein dialect -> linalg on tensors: split n-ary contractions along the
/// path `path` chooses, then lower each to linalg.generic. (`--emit linalg`
/// stops here.)
/// `fuseAttention` runs ein-fuse-attention.
void buildEinToLinalgPipeline(
    mlir::OpPassManager &pm,
    const PathOptions &path = defaultCompilePathOptions(),
    bool fuseAttention = true);

/// How the block loops of large contractions use threads.
enum class Threads {
  Off,    ///< one thread, no OpenMP: objects link with nothing else
  OpenMP, ///< OpenMP regions with OpenMP's default count (OMP_NUM_THREADS)
  /// The JIT: OpenMP regions sized by einrt_num_threads(), and memory
  /// from the runtime's guarded allocator (_mlir_memref_to_llvm_alloc).
  Runtime,
};

/// linalg on tensors -> LLVM dialect: destination-passing entry, one-shot
/// bufferization, deallocation, loops, threads, LLVM, and the C entry
/// point.
void buildLinalgToLLVMPipeline(mlir::OpPassManager &pm,
                               Threads threads = Threads::Runtime);

/// The whole CPU pipeline: both of the above. Registered as
/// `--ein-cpu-pipeline` in ein-opt.
void buildEinCPUPipeline(mlir::OpPassManager &pm,
                         const PathOptions &path = defaultCompilePathOptions(),
                         Threads threads = Threads::Runtime,
                         bool fuseAttention = true);

/// Registers the pipelines above for command-line use.
void registerEinPipelines();

} // namespace ein

#endif // EINC_PIPELINE_PIPELINE_H
