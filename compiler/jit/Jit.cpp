//===- Jit.cpp - Compile einsum expressions and call them -----------------===//

#include "einc/Jit.h"
#include "compiler/codegen/Compile.h"
#include "compiler/codegen/LLVMCodegen.h"
#include "compiler/jit/Cache.h"
#include "compiler/jit/Engine.h"
#include "compiler/parser/Einsum.h"
#include "compiler/path/EinsumPaths.h"
#include "einc/Error.h"
#include "einrt/einrt.h"
#include "einrt/gpu.h"

#include "mlir/IR/MLIRContext.h"

#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/FileSystem.h"

#include <atomic>
#include <complex>
#include <cstring>
#include <map>
#include <mutex>

using namespace ein;

/// How a sliced kernel loops: the labels it fixes, and for every operand
/// the label of each dimension, so slices can be gathered and scattered.
struct SlicePlan {
  std::string labels;                   ///< sliced labels
  std::vector<int64_t> extents;         ///< their extents
  std::vector<std::string> inputLabels; ///< strict subscripts per input
  std::string outputLabels;
  std::shared_ptr<const Kernel::Impl> inner; ///< one slice's kernel
};

struct Kernel::Impl {
  Engine compiled;
  void (*entry)(void **) = nullptr;
  DType dtype = f32;
  std::string subscripts;
  std::vector<Shape> inputShapes;
  Shape outputShape;
  int64_t outputElements = 0;
  std::vector<int64_t> inputElements;
  Path path;
  std::optional<SlicePlan> slicing;
  bool parallel = false;
  bool fromDisk = false;
  Target target = Target::CPU;
  std::string gpuArch;

  /// Records the dtype, subscripts and shapes of `problem`.
  void describe(const EinsumProblem &problem);
  llvm::Error call(llvm::ArrayRef<const void *> inputs, void *output) const;
  /// GPU kernels: the entry on device buffers, then the launches' errors.
  llvm::Error callDevice(llvm::ArrayRef<const void *> inputs,
                         void *output) const;
  /// GPU kernels on host buffers: copies in, callDevice, copies out.
  llvm::Error callThroughDevice(llvm::ArrayRef<const void *> inputs,
                                void *output) const;
  llvm::Error callSliced(llvm::ArrayRef<const void *> inputs,
                         void *output) const;
};

namespace {

/// Row-major strides of `shape` in elements.
std::vector<int64_t> stridesOf(const Shape &shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (int64_t d = int64_t(shape.size()) - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
}

/// Visits every element of the sub-array of `labels`/`shape` whose sliced
/// labels are fixed to `fixed`: calls f(fullOffset, subOffset).
template <typename F>
void forEachSliceElement(const std::string &labels, const Shape &shape,
                         const SlicePlan &plan,
                         const std::vector<int64_t> &fixed, F f) {
  std::vector<int64_t> strides = stridesOf(shape);
  int64_t base = 0;
  std::vector<int64_t> freeExtent, freeStride;
  for (size_t d = 0; d < labels.size(); ++d) {
    size_t s = plan.labels.find(labels[d]);
    if (s != std::string::npos) {
      // A dimension of extent 1 broadcasts: every slice reads index 0.
      base += (shape[d] == 1 ? 0 : fixed[s]) * strides[d];
      continue;
    }
    // Every other dimension is kept, repeated labels too: the slice
    // kernel takes the diagonal itself.
    freeExtent.push_back(shape[d]);
    freeStride.push_back(strides[d]);
  }
  int64_t count = 1;
  for (int64_t e : freeExtent)
    count *= e;
  std::vector<int64_t> index(freeExtent.size(), 0);
  for (int64_t sub = 0; sub < count; ++sub) {
    int64_t offset = base;
    for (size_t d = 0; d < index.size(); ++d)
      offset += index[d] * freeStride[d];
    f(offset, sub);
    for (int64_t d = int64_t(index.size()) - 1; d >= 0; --d) {
      if (++index[d] < freeExtent[d])
        break;
      index[d] = 0;
    }
  }
}

template <typename T>
void accumulate(const std::string &labels, const Shape &shape,
                const SlicePlan &plan, const std::vector<int64_t> &fixed,
                const void *slice, void *output) {
  const T *in = static_cast<const T *>(slice);
  T *out = static_cast<T *>(output);
  forEachSliceElement(labels, shape, plan, fixed,
                      [&](int64_t full, int64_t sub) { out[full] += in[sub]; });
}

/// f16 and bf16 slices: each sum in f32, rounded back.
template <bool Brain>
void accumulateHalf(const std::string &labels, const Shape &shape,
                    const SlicePlan &plan, const std::vector<int64_t> &fixed,
                    const void *slice, void *output) {
  const uint16_t *in = static_cast<const uint16_t *>(slice);
  uint16_t *out = static_cast<uint16_t *>(output);
  auto toFloat = Brain ? einrt_bf16_to_f32 : einrt_f16_to_f32;
  auto fromFloat = Brain ? einrt_f32_to_bf16 : einrt_f32_to_f16;
  forEachSliceElement(
      labels, shape, plan, fixed, [&](int64_t full, int64_t sub) {
        out[full] = fromFloat(toFloat(out[full]) + toFloat(in[sub]));
      });
}

using AccumulateFn = void (*)(const std::string &, const Shape &,
                              const SlicePlan &, const std::vector<int64_t> &,
                              const void *, void *);

AccumulateFn accumulatorFor(DType dtype) {
  switch (dtype) {
  case f32:
    return accumulate<float>;
  case f64:
    return accumulate<double>;
  case c64:
    return accumulate<std::complex<float>>;
  case c128:
    return accumulate<std::complex<double>>;
  case i32:
    return accumulate<int32_t>;
  case i64:
    return accumulate<int64_t>;
  case f16:
    return accumulateHalf<false>;
  case bf16:
    return accumulateHalf<true>;
  }
  llvm_unreachable("unknown dtype");
}

} // namespace

llvm::Error Kernel::Impl::call(llvm::ArrayRef<const void *> inputs,
                               void *output) const {
  if (slicing)
    return callSliced(inputs, output);
  if (target == Target::GPU)
    return callThroughDevice(inputs, output);
  std::vector<void *> buffers;
  for (const void *p : inputs)
    buffers.push_back(const_cast<void *>(p));
  buffers.push_back(output);
  return callPacked(entry, buffers);
}

llvm::Error Kernel::Impl::callDevice(llvm::ArrayRef<const void *> inputs,
                                     void *output) const {
  std::vector<void *> buffers;
  for (const void *p : inputs)
    buffers.push_back(const_cast<void *>(p));
  buffers.push_back(output);
  llvm::Error err = callPacked(entry, buffers);
  char message[512];
  // Taken even after a failed call, so the next call starts clean.
  if (einrt_gpu_take_error(message, sizeof message)) {
    llvm::consumeError(std::move(err));
    return userError(message);
  }
  return err;
}

llvm::Error Kernel::Impl::callThroughDevice(llvm::ArrayRef<const void *> inputs,
                                            void *output) const {
  char message[512];
  size_t size = dtypeSize(dtype);
  std::vector<einrt::DeviceBuffer> buffers(inputs.size() + 1);
  std::vector<const void *> deviceInputs;
  for (size_t i = 0; i < inputs.size(); ++i) {
    size_t bytes = size_t(inputElements[i]) * size;
    if (einrt_gpu_alloc(&buffers[i].data, bytes, message, sizeof message) ||
        einrt_gpu_copy_to_device(buffers[i].data, inputs[i], bytes, message,
                                 sizeof message))
      return userError(message);
    deviceInputs.push_back(buffers[i].data);
  }
  size_t outBytes = size_t(outputElements) * size;
  void *&deviceOutput = buffers.back().data;
  if (einrt_gpu_alloc(&deviceOutput, outBytes, message, sizeof message))
    return userError(message);
  if (llvm::Error err = callDevice(deviceInputs, deviceOutput))
    return err;
  if (einrt_gpu_copy_to_host(output, deviceOutput, outBytes, message,
                             sizeof message))
    return userError(message);
  return llvm::Error::success();
}

namespace {
/// A buffer that may fail to allocate (then its data is null).
struct ScratchBuffer {
  char *data = nullptr;
  size_t bytes = 0;
  ScratchBuffer() = default;
  ScratchBuffer(const ScratchBuffer &) = delete;
  ScratchBuffer &operator=(const ScratchBuffer &) = delete;
  ~ScratchBuffer() { einrt_aligned_free(data); }
  bool allocate(size_t n) {
    einrt_aligned_free(data);
    data = static_cast<char *>(einrt_aligned_alloc(n));
    bytes = data ? n : 0;
    return data != nullptr;
  }
};
} // namespace

llvm::Error Kernel::Impl::callSliced(llvm::ArrayRef<const void *> inputs,
                                     void *output) const {
  const SlicePlan &plan = *slicing;
  size_t size = dtypeSize(dtype);
  std::memset(output, 0, size_t(outputElements) * size);
  const Impl &inner = *plan.inner;
  std::vector<ScratchBuffer> buffers(inputs.size());
  std::vector<const void *> sliceInputs(inputs.begin(), inputs.end());
  auto outOfMemory = [](size_t bytes) {
    return userError("out of memory: cannot allocate " + llvm::Twine(bytes) +
                     " bytes for a slice");
  };
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (plan.inputLabels[i].find_first_of(plan.labels) == std::string::npos)
      continue;
    size_t bytes = size_t(inner.inputElements[i]) * size + size;
    if (!buffers[i].allocate(bytes))
      return outOfMemory(bytes);
    sliceInputs[i] = buffers[i].data;
  }
  ScratchBuffer sliceOutput;
  size_t outBytes = size_t(inner.outputElements) * size + size;
  if (!sliceOutput.allocate(outBytes))
    return outOfMemory(outBytes);
  std::vector<int64_t> fixed(plan.labels.size(), 0);
  int64_t slices = 1;
  for (int64_t e : plan.extents)
    slices *= e;
  AccumulateFn add = accumulatorFor(dtype);
  for (int64_t s = 0; s < slices; ++s) {
    for (size_t i = 0; i < inputs.size(); ++i) {
      const std::string &labels = plan.inputLabels[i];
      if (labels.find_first_of(plan.labels) == std::string::npos)
        continue;
      const char *src = static_cast<const char *>(inputs[i]);
      char *dst = buffers[i].data;
      forEachSliceElement(
          labels, inputShapes[i], plan, fixed, [&](int64_t full, int64_t sub) {
            std::memcpy(dst + sub * size, src + full * size, size);
          });
    }
    if (llvm::Error err = inner.call(sliceInputs, sliceOutput.data))
      return err;
    add(plan.outputLabels, outputShape, plan, fixed, sliceOutput.data, output);
    for (int64_t d = int64_t(fixed.size()) - 1; d >= 0; --d) {
      if (++fixed[d] < plan.extents[d])
        break;
      fixed[d] = 0;
    }
  }
  return llvm::Error::success();
}

DType Kernel::dtype() const { return impl->dtype; }
size_t Kernel::numInputs() const { return impl->inputShapes.size(); }
const std::vector<Shape> &Kernel::inputShapes() const {
  return impl->inputShapes;
}
const Shape &Kernel::outputShape() const { return impl->outputShape; }
int64_t Kernel::outputElements() const { return impl->outputElements; }
const std::string &Kernel::subscripts() const { return impl->subscripts; }
const Path &Kernel::path() const { return impl->path; }
bool Kernel::parallel() const { return impl->parallel; }
bool Kernel::fromDiskCache() const { return impl->fromDisk; }
Target Kernel::target() const { return impl->target; }
const std::string &Kernel::gpuArch() const { return impl->gpuArch; }

llvm::Error Kernel::runOnDevice(llvm::ArrayRef<const void *> deviceInputs,
                                void *deviceOutput) const {
  if (!impl)
    return userError("calling an empty ein::Kernel");
  if (impl->target != Target::GPU)
    return userError("runOnDevice needs a kernel compiled for Target::GPU");
  if (impl->slicing)
    return userError("a kernel that loops over slices (a memory limit) "
                     "runs on host buffers only");
  if (deviceInputs.size() != impl->inputShapes.size())
    return userError("kernel '" + impl->subscripts + "' takes " +
                     llvm::Twine(impl->inputShapes.size()) +
                     " inputs but was given " +
                     llvm::Twine(deviceInputs.size()));
  for (size_t i = 0; i < deviceInputs.size(); ++i)
    if (!deviceInputs[i] && impl->inputElements[i] > 0)
      return userError("input " + llvm::Twine(i) + " is a null pointer");
  if (!deviceOutput && impl->outputElements > 0)
    return userError("the output is a null pointer");
  return impl->callDevice(deviceInputs, deviceOutput);
}

llvm::Error Kernel::operator()(llvm::ArrayRef<const void *> inputs,
                               void *output) const {
  if (!impl)
    return userError("calling an empty ein::Kernel");
  if (inputs.size() != impl->inputShapes.size())
    return userError("kernel '" + impl->subscripts + "' takes " +
                     llvm::Twine(impl->inputShapes.size()) +
                     " inputs but was given " + llvm::Twine(inputs.size()));
  for (size_t i = 0; i < inputs.size(); ++i)
    if (!inputs[i] && impl->inputElements[i] > 0)
      return userError("input " + llvm::Twine(i) + " is a null pointer");
  if (!output && impl->outputElements > 0)
    return userError("the output is a null pointer");
  return impl->call(inputs, output);
}

static std::string shapeStr(const Shape &shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

llvm::Error Kernel::run(llvm::ArrayRef<TensorView> inputs,
                        const TensorView &output) const {
  if (!impl)
    return userError("calling an empty ein::Kernel");
  if (inputs.size() != impl->inputShapes.size())
    return userError("kernel '" + impl->subscripts + "' takes " +
                     llvm::Twine(impl->inputShapes.size()) +
                     " inputs but was given " + llvm::Twine(inputs.size()));
  std::vector<const void *> pointers;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].dtype != impl->dtype)
      return userError("input " + llvm::Twine(i) + " is " +
                       dtypeName(inputs[i].dtype) + " but the kernel takes " +
                       dtypeName(impl->dtype));
    if (inputs[i].shape != impl->inputShapes[i])
      return userError("input " + llvm::Twine(i) + " has shape " +
                       shapeStr(inputs[i].shape) +
                       " but the kernel was compiled for " +
                       shapeStr(impl->inputShapes[i]));
    pointers.push_back(inputs[i].data);
  }
  if (output.dtype != impl->dtype || output.shape != impl->outputShape)
    return userError("the output must be " +
                     llvm::Twine(dtypeName(impl->dtype)) + " of shape " +
                     shapeStr(impl->outputShape));
  return (*this)(pointers, output.data);
}

//===----------------------------------------------------------------------===//
// Jit
//===----------------------------------------------------------------------===//

llvm::Expected<KernelCache::Compiled>
KernelCache::get(const std::string &key,
                 llvm::function_ref<llvm::Expected<Compiled>()> compile) {
  std::shared_ptr<Entry> entry;
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = entries.find(key);
    if (it != entries.end()) {
      recency.splice(recency.begin(), recency, it->second.position);
    } else {
      recency.push_front(key);
      it =
          entries.emplace(key, Slot{std::make_shared<Entry>(), recency.begin()})
              .first;
    }
    entry = it->second.entry;
    shrink();
  }
  std::lock_guard<std::mutex> lock(entry->mutex);
  if (entry->value)
    return entry->value;
  ++compileCount;
  auto compiled = compile();
  if (!compiled) {
    std::lock_guard<std::mutex> mapLock(mutex);
    auto it = entries.find(key);
    if (it != entries.end() && it->second.entry == entry) {
      recency.erase(it->second.position);
      entries.erase(it);
    }
    return compiled.takeError();
  }
  entry->value = *compiled;
  return entry->value;
}

void KernelCache::shrink() {
  // The newest entry (the one being looked up) always stays, even with a
  // capacity of 0: its caller is about to use it.
  while (entries.size() > std::max<size_t>(capacity, 1)) {
    entries.erase(recency.back());
    recency.pop_back();
    ++evictionCount;
  }
}

size_t KernelCache::size() const {
  std::lock_guard<std::mutex> lock(mutex);
  return entries.size();
}

size_t KernelCache::getCapacity() const {
  std::lock_guard<std::mutex> lock(mutex);
  return capacity;
}

void KernelCache::setCapacity(size_t newCapacity) {
  std::lock_guard<std::mutex> lock(mutex);
  capacity = newCapacity;
  shrink();
}

std::string ein::cacheKey(const PathOptions &po) {
  std::string key = std::string(algorithmName(po.algorithm)) + "|" +
                    objectiveName(po.minimize) + "|" + std::to_string(po.seed) +
                    "|" + std::to_string(po.maxTrials) + "|" +
                    std::to_string(po.maxTimeSeconds) + "|" +
                    std::to_string(po.memoryLimit) + "|";
  for (auto [a, b] : po.tree)
    key += std::to_string(a) + " " + std::to_string(b) + ",";
  return key;
}

Jit::Jit(const JitOptions &options) : impl(std::make_unique<Impl>(options)) {}
Jit::~Jit() = default;

size_t Jit::cacheSize() const { return impl->cache.size(); }
size_t Jit::cacheCapacity() const { return impl->cache.getCapacity(); }
void Jit::setCacheCapacity(size_t kernels) { impl->cache.setCapacity(kernels); }
size_t Jit::evictionCount() const { return impl->cache.evictions(); }

size_t Jit::compileCount() const { return impl->cache.compiles(); }

static int64_t product(const Shape &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

void Kernel::Impl::describe(const EinsumProblem &problem) {
  dtype = problem.dtype;
  subscripts = problem.subscripts.str();
  for (const auto &shape : problem.inputShapes) {
    inputShapes.emplace_back(shape.begin(), shape.end());
    inputElements.push_back(product(inputShapes.back()));
  }
  outputShape.assign(problem.outputShape.begin(), problem.outputShape.end());
  outputElements = product(outputShape);
}

void ein::setNumThreads(int n) { einrt_set_num_threads(n); }

int ein::numThreads() { return einrt_num_threads(); }

/// Compiles a resolved problem along `tree`; errors here are internal.
static llvm::Expected<std::shared_ptr<Kernel::Impl>>
compileTree(const EinsumProblem &problem, const CompileOptions &options,
            const ContractionTree &tree) {
  std::unique_ptr<mlir::MLIRContext> ctx = createContext();
  const char *name = "einsum";
  PathOptions path = options.path;
  path.memoryLimit = 0;
  path.tree = tree.steps;
  auto kernel = std::make_shared<Kernel::Impl>();
  // Everything the code depends on; another process that compiled the
  // same left it on disk.
  std::string diskKey = "einsum|" + problem.subscripts.str() + "|" +
                        dtypeName(problem.dtype) + "|O" +
                        std::to_string(options.optLevel) + "|";
  bool gpu = options.target == Target::GPU;
  diskKey += targetKey(options);
  for (const auto &shape : problem.inputShapes) {
    for (int64_t d : shape)
      diskKey += std::to_string(d) + " ";
    diskKey += "|";
  }
  for (auto [a, b] : tree.steps)
    diskKey += std::to_string(a) + ":" + std::to_string(b) + ",";
  std::optional<Engine> engine;
  if (options.diskCache)
    engine = loadCachedEngine(diskKey, name);
  if (!engine) {
    GPUTargetOptions target;
    target.chip = options.gpuArch;
    target.tf32 = options.allowTF32;
    auto module =
        gpu ? lowerEinsumForGPU(*ctx, problem, name, GPUStage::HostLLVM, path,
                                target)
        : options.emulateGPU
            ? lowerEinsumEmulatingGPU(*ctx, problem, name, path, target)
            : lowerEinsum(*ctx, problem, name, Stage::LLVMDialect, path);
    if (!module)
      return keepUserErrors(module.takeError());
    auto compiled = createEngine(**module, name, options.optLevel,
                                 options.diskCache ? diskKey : "");
    if (!compiled)
      return compiled.takeError();
    engine = std::move(*compiled);
  }
  kernel->entry = engine->entry;
  kernel->parallel = engine->parallel;
  kernel->fromDisk = engine->fromDisk;
  kernel->compiled = std::move(*engine);
  kernel->target = options.target;
  kernel->gpuArch = options.gpuArch;
  kernel->describe(problem);
  return kernel;
}

/// `problem` with the labels in `sliced` removed everywhere.
static EinsumProblem withoutLabels(const EinsumProblem &problem,
                                   const std::string &sliced) {
  EinsumProblem p = problem;
  auto strip = [&](const std::string &labels, llvm::ArrayRef<int64_t> shape,
                   std::string &outLabels,
                   llvm::SmallVector<int64_t> &outShape) {
    outLabels.clear();
    outShape.clear();
    for (size_t d = 0; d < labels.size(); ++d)
      if (sliced.find(labels[d]) == std::string::npos) {
        outLabels.push_back(labels[d]);
        outShape.push_back(shape[d]);
      }
  };
  for (size_t i = 0; i < p.inputShapes.size(); ++i)
    strip(problem.subscripts.inputs[i], problem.inputShapes[i],
          p.subscripts.inputs[i], p.inputShapes[i]);
  strip(problem.subscripts.output, problem.outputShape, p.subscripts.output,
        p.outputShape);
  for (char c : sliced)
    p.extents[c] = 0;
  return p;
}

/// Checks that there is a GPU to run on, fills in its architecture when
/// none was asked for, and points the runtime's module cache to ours.
std::string ein::targetKey(const CompileOptions &options) {
  std::string key;
  if (options.target == Target::GPU || options.emulateGPU)
    key += std::string(options.emulateGPU ? "emulated " : "") + "gpu " +
           options.gpuArch + (options.allowTF32 ? " tf32|" : "|");
  return key;
}

llvm::Error ein::prepareGPU(CompileOptions &options) {
  char message[512];
  if (einrt_gpu_init(message, sizeof message))
    return userError(message);
  if (options.gpuArch.empty()) {
    char arch[32];
    if (einrt_gpu_device_arch(arch, sizeof arch, message, sizeof message))
      return userError(message);
    options.gpuArch = arch;
  }
  if (llvm::Error err = checkGPUArch(options.gpuArch))
    return err;
  static std::once_flag cacheDir;
  std::call_once(cacheDir, [&] {
    std::string dir = diskCacheDirectory();
    if (options.diskCache && !dir.empty() &&
        !llvm::sys::fs::create_directories(dir + "/cuda"))
      einrt_gpu_set_cache_dir((dir + "/cuda").c_str());
  });
  return llvm::Error::success();
}

/// Searches the path, then compiles the kernel (and its slice kernel).
static llvm::Expected<std::shared_ptr<const Kernel::Impl>>
compileProblem(const EinsumProblem &problem, const CompileOptions &options) {
  Network net;
  auto found =
      findEinsumPath(problem.subscripts, problem.extents, options.path, &net);
  if (!found)
    return userError(llvm::toString(found.takeError()));
  Path path = describePath(problem.subscripts, net, *found);
  if (found->sliced.empty()) {
    auto kernel = compileTree(problem, options, found->tree);
    if (!kernel)
      return kernel.takeError();
    (*kernel)->path = std::move(path);
    return std::shared_ptr<const Kernel::Impl>(std::move(*kernel));
  }
  SlicePlan plan;
  plan.labels = path.slicedIndices;
  for (char c : plan.labels)
    plan.extents.push_back(problem.extents[c]);
  plan.inputLabels.assign(problem.subscripts.inputs.begin(),
                          problem.subscripts.inputs.end());
  plan.outputLabels = problem.subscripts.output;
  auto inner =
      compileTree(withoutLabels(problem, plan.labels), options, found->tree);
  if (!inner)
    return inner.takeError();
  plan.inner = std::move(*inner);
  auto kernel = std::make_shared<Kernel::Impl>();
  kernel->target = plan.inner->target;
  kernel->gpuArch = plan.inner->gpuArch;
  kernel->parallel = plan.inner->parallel;
  kernel->fromDisk = plan.inner->fromDisk;
  kernel->describe(problem);
  kernel->path = std::move(path);
  kernel->slicing = std::move(plan);
  return std::shared_ptr<const Kernel::Impl>(std::move(kernel));
}

llvm::Expected<Kernel> Jit::compile(llvm::StringRef expr,
                                    const std::vector<Shape> &shapes,
                                    DType dtype,
                                    const CompileOptions &options) {
  std::vector<llvm::SmallVector<int64_t>> operandShapes;
  for (const Shape &s : shapes)
    operandShapes.emplace_back(s.begin(), s.end());
  auto problem = resolveEinsum(expr, operandShapes, dtype);
  if (!problem)
    return problem.takeError();
  CompileOptions resolved = options;
  if (options.emulateGPU && options.target == Target::GPU)
    return userError("emulateGPU runs the GPU kernels on the CPU: it needs "
                     "Target::CPU");
  if (options.target == Target::GPU) {
    if (llvm::Error err = prepareGPU(resolved))
      return std::move(err);
  }

  std::string key = problem->subscripts.str() + "|" + dtypeName(dtype) + "|" +
                    targetKey(resolved) + std::to_string(options.optLevel) +
                    "|" + (options.diskCache ? "disk|" : "") +
                    cacheKey(options.path);
  for (const Shape &s : shapes)
    key += "|" + shapeStr(s);
  auto compiled =
      impl->cache.get(key, [&]() -> llvm::Expected<KernelCache::Compiled> {
        auto kernel = compileProblem(*problem, resolved);
        if (!kernel)
          return kernel.takeError();
        return KernelCache::Compiled(*kernel);
      });
  if (!compiled)
    return compiled.takeError();
  return Kernel(std::static_pointer_cast<const Kernel::Impl>(*compiled));
}
