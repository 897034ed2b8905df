//===- Jit.h - Compile einsum expressions and call them ---------*- C++ -*-===//

#ifndef EINC_JIT_H
#define EINC_JIT_H

#include "einc/DType.h"
#include "einc/Path.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ein {

using Shape = std::vector<int64_t>;

/// A dense C-order tensor owned by someone else.
struct TensorView {
  void *data = nullptr;
  DType dtype = f32;
  Shape shape;
};

/// Where a kernel runs.
enum class Target {
  CPU, ///< the host, with its own vector extensions
  /// An NVIDIA GPU through the CUDA driver, loaded at run time (see
  /// einrt/gpu.h): compiling fails with "no CUDA driver: ..." or "no CUDA
  /// device: ..." where there is none.
  GPU,
};

/// Options that change the generated code; part of the cache key.
struct CompileOptions {
  Target target = Target::CPU;
  /// For Target::GPU, the architecture to generate PTX for ("sm_80");
  /// empty: the device's own.
  std::string gpuArch;
  /// For Target::GPU, f32 contractions may use TF32 tensor cores (sm_80
  /// and later): products of operands rounded to 10-bit mantissas, sums in
  /// f32, as cuBLAS's TF32 mode.
  bool allowTF32 = false;
  /// Testing aid (Target::CPU only): compile through the GPU lowering
  /// (tiled kernels, shared memory, launches) and run its kernels on the
  /// CPU, each block's threads as OpenMP threads; checks the GPU kernels'
  /// logic on machines without a GPU. Much slower than either target.
  bool emulateGPU = false;
  /// LLVM optimisation level, 0-3.
  unsigned optLevel = 3;
  /// Compute softmax(Q K^T) V chains in programs as one online-softmax
  /// loop nest (false: three kernels and the whole score matrix, for
  /// comparison).
  bool fuseAttention = true;
  /// Keep compiled code in the on-disk cache ($EINC_CACHE_DIR, else
  /// $XDG_CACHE_HOME/einc or ~/.cache/einc; EINC_CACHE_DIR=off turns it
  /// off), so that a second process loads instead of compiling.
  bool diskCache = true;
  /// The contraction order. By default hyper stops after 256 trials rather
  /// than after a time, so the same program compiles to the same code on
  /// any machine. A memory limit makes the kernel loop over slices.
  PathOptions path = [] {
    PathOptions options;
    options.maxTrials = 256;
    return options;
  }();
};

/// A compiled einsum, cheap to copy and safe to call from many threads.
class Kernel {
public:
  struct Impl;
  Kernel() = default;
  explicit Kernel(std::shared_ptr<const Impl> impl) : impl(std::move(impl)) {}

  DType dtype() const;
  size_t numInputs() const;
  const std::vector<Shape> &inputShapes() const;
  const Shape &outputShape() const;
  /// Number of elements of the output.
  int64_t outputElements() const;
  /// The strict subscripts that were compiled ("ab,bc->ac").
  const std::string &subscripts() const;
  /// The contraction path the kernel follows (and its slicing).
  const Path &path() const;
  /// Whether some of its loops run on numThreads() threads (large
  /// contractions); small ones run on the calling thread only.
  bool parallel() const;
  /// Whether it was loaded from the on-disk cache rather than compiled.
  bool fromDiskCache() const;
  /// Where it runs, and for the GPU the architecture it was compiled for.
  Target target() const;
  const std::string &gpuArch() const;

  /// Runs on raw C-order buffers of the compiled shapes and dtype; `output`
  /// must hold outputElements() elements. Fails only on a wrong number of
  /// inputs or null pointers.
  llvm::Error operator()(llvm::ArrayRef<const void *> inputs,
                         void *output) const;
  /// Runs on views, checking their dtypes and shapes first.
  llvm::Error run(llvm::ArrayRef<TensorView> inputs,
                  const TensorView &output) const;
  /// For a GPU kernel: runs on device buffers the caller owns (CUdeviceptr
  /// values as pointers), copying nothing, and waits for the kernels. The
  /// host-pointer calls above copy the operands to the device and the
  /// result back around the same call. Fails for a CPU kernel, and for a
  /// kernel that loops over slices (a memory limit), whose slices are
  /// gathered on the host.
  llvm::Error runOnDevice(llvm::ArrayRef<const void *> deviceInputs,
                          void *deviceOutput) const;

private:
  std::shared_ptr<const Impl> impl;
};

/// A compiled index-notation program: several named inputs and outputs.
class ProgramKernel {
public:
  struct Impl;
  ProgramKernel() = default;
  explicit ProgramKernel(std::shared_ptr<const Impl> impl)
      : impl(std::move(impl)) {}

  DType dtype() const;
  /// Names in the order of the program's `in` declarations.
  const std::vector<std::string> &inputNames() const;
  const std::vector<Shape> &inputShapes() const;
  /// Names in the order of its `out` line.
  const std::vector<std::string> &outputNames() const;
  const std::vector<Shape> &outputShapes() const;

  /// Runs on raw C-order buffers, inputs and outputs in the orders above.
  llvm::Error operator()(llvm::ArrayRef<const void *> inputs,
                         llvm::ArrayRef<void *> outputs) const;

private:
  std::shared_ptr<const Impl> impl;
};

/// Threads that compiled kernels run large contractions on, for the whole
/// process: `n` > 0 sets the count, 0 restores the default (the
/// EINC_NUM_THREADS environment variable, else every CPU). Results do not
/// depend on it: each element is summed in the same order.
void setNumThreads(int n);
/// The count kernels use now.
int numThreads();

/// Options of a Jit object.
struct JitOptions {
  /// Compiled kernels kept in memory; beyond it the least recently used one
  /// is dropped (a Kernel already returned keeps working). Each holds its
  /// machine code, typically 50-500 KiB. At least one is always kept.
  size_t cacheCapacity = 256;
};

/// Compiles einsum expressions for the host CPU (or, with Target::GPU, an
/// NVIDIA GPU) through the `ein` dialect and LLVM's JIT. Compiled kernels are
/// cached on (expression, shapes, dtype, options) in a bounded LRU cache; the
/// cache is thread-safe and a second compile of the same key returns the cached
/// kernel without compiling.
class Jit {
public:
  explicit Jit(const JitOptions &options = {});
  ~Jit();
  Jit(const Jit &) = delete;
  Jit &operator=(const Jit &) = delete;

  /// Compiles `expr` (any NumPy einsum string) for operands of the given
  /// shapes and dtype. User errors (bad expression, shapes) come back as
  /// ein::ExprError; nothing aborts.
  llvm::Expected<Kernel> compile(llvm::StringRef expr,
                                 const std::vector<Shape> &shapes, DType dtype,
                                 const CompileOptions &options = {});

  /// Compiles an index-notation program (see compiler/parser/Program.h)
  /// for inputs of the given shapes, by name. The dtype is the program's
  /// (`in ... : f64`), or `dtype` when it declares none. Parse, shape and
  /// type errors are ein::ExprError values pointing into the program.
  llvm::Expected<ProgramKernel>
  compileProgram(llvm::StringRef source,
                 const std::map<std::string, Shape> &shapes, DType dtype = f32,
                 const CompileOptions &options = {});

  /// Kernels held by the cache.
  size_t cacheSize() const;
  /// The most kernels it holds, and a new bound (dropping the least
  /// recently used ones to fit).
  size_t cacheCapacity() const;
  void setCacheCapacity(size_t kernels);
  /// Kernels dropped to stay within the capacity.
  size_t evictionCount() const;
  /// How many times the compiler actually ran (cache misses).
  size_t compileCount() const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl;
};

} // namespace ein

#endif // EINC_JIT_H
