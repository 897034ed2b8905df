//===- Pipeline.h - Pass pipelines of the compiler --------------*- C++ -*-===//

#ifndef EINC_PIPELINE_PIPELINE_H
#define EINC_PIPELINE_PIPELINE_H

#include "einc/Path.h"

#include <string>

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
/// `fuseAttention` runs ein-fuse-attention; `cpu` the CPU's fusion and
/// register blocking (ein-fuse-elementwise, ein-vectorize-contractions).
void buildEinToLinalgPipeline(
    mlir::OpPassManager &pm,
    const PathOptions &path = defaultCompilePathOptions(),
    bool fuseAttention = true, bool cpu = true);

/// Tensors to memrefs, as the CPU and the GPU pipelines both start: the
/// destination-passing entry (ein-memref-entry), one-shot bufferization,
/// deallocation.
void buildBufferizationPipeline(mlir::OpPassManager &pm);

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

/// linalg on tensors (built with `cpu` false) -> the gpu dialect: the entry
/// function on memrefs launches kernels (`gpu.launch_func`) of one
/// `gpu.module`; every linalg op is a kernel of one thread per output
/// element in blocks of 256 (ein-gpu-parallel-loops, ein-gpu-map-loops).
void buildLinalgToGPUPipeline(mlir::OpPassManager &pm);

/// What the NVPTX back end is asked for.
struct GPUTargetOptions {
  std::string chip = "sm_80"; ///< the `--gpu-arch`
  unsigned optLevel = 3;
};

/// The kernels' gpu.module -> NVVM (the LLVM dialect for NVPTX) with the
/// target attached; the host function stays as it is.
void buildGPUToNVVMPipeline(mlir::OpPassManager &pm,
                            const GPUTargetOptions &target);

/// The NVVM gpu.module -> a gpu.binary holding its PTX (LLVM's NVPTX back
/// end: no CUDA toolkit needed).
void buildNVVMToPTXPipeline(mlir::OpPassManager &pm);

/// The host side of a lowered GPU module (after the NVVM -> PTX pipeline)
/// -> the LLVM dialect, for running: buffers become device memory
/// (ein-gpu-host-memory), launches and allocations calls of the runtime's
/// mgpu* entry points (gpu-to-llvm), and the entry function gets the C
/// entry point the JIT calls with device pointers.
void buildGPUHostToLLVMPipeline(mlir::OpPassManager &pm);

/// Registers the pipelines above for command-line use.
void registerEinPipelines();

} // namespace ein

#endif // EINC_PIPELINE_PIPELINE_H
