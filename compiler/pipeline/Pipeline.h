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

/// The LLVM-dialect tail of buildLinalgToLLVMPipeline: loops, OpenMP
/// regions and memrefs -> the LLVM dialect with the C entry point.
void buildLoopsToLLVMPipeline(mlir::OpPassManager &pm, Threads threads);

/// The whole CPU pipeline: both of the above. Registered as
/// `--ein-cpu-pipeline` in ein-opt.
void buildEinCPUPipeline(mlir::OpPassManager &pm,
                         const PathOptions &path = defaultCompilePathOptions(),
                         Threads threads = Threads::Runtime,
                         bool fuseAttention = true);

/// What the NVPTX back end is asked for.
struct GPUTargetOptions {
  std::string chip = "sm_80"; ///< the `--gpu-arch`
  unsigned optLevel = 3;
  /// f32 contractions may use TF32 tensor cores (sm_80 and later).
  bool tf32 = false;
  /// The kernels are for ein-emulate-gpu-launches: no warp-level
  /// operations. Tensor-core kernels (for `chip`, as on a GPU) hold whole
  /// fragments per lane instead; an empty `chip` uses no tensor cores.
  bool emulated = false;
};

/// 80 for "sm_80"; 0 when `chip` is not of that form.
unsigned smVersion(llvm::StringRef chip);

/// linalg on tensors (built with `cpu` false) -> memrefs and one gpu.launch
/// per linalg op: contractions tiled through shared memory
/// (ein-gpu-tile-contractions), every other op one thread per output
/// element in blocks of 256 (ein-gpu-parallel-loops, ein-gpu-map-loops).
void buildLinalgToGPULaunchesPipeline(mlir::OpPassManager &pm,
                                      const GPUTargetOptions &target);

/// The same, then the launches outlined: the entry function on memrefs
/// launches kernels (`gpu.launch_func`) of one `gpu.module`.
void buildLinalgToGPUPipeline(mlir::OpPassManager &pm,
                              const GPUTargetOptions &target);

/// After buildLinalgToGPULaunchesPipeline (with `emulated` set): the
/// launches as loops and OpenMP threads on the CPU, then the LLVM dialect
/// as for the JIT, to check the GPU kernels without a GPU.
void buildGPUEmulationPipeline(mlir::OpPassManager &pm);

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
