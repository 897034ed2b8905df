//===- Jit.cpp - Compile einsum expressions and call them -----------------===//

#include "einc/Jit.h"
#include "einc/Error.h"
#include "compiler/codegen/Compile.h"
#include "compiler/codegen/LLVMCodegen.h"
#include "compiler/parser/Einsum.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/MLIRContext.h"

#include <atomic>
#include <map>
#include <mutex>

using namespace ein;

struct Kernel::Impl {
  std::unique_ptr<mlir::ExecutionEngine> engine;
  void (*entry)(void **) = nullptr;
  DType dtype = f32;
  std::string subscripts;
  std::vector<Shape> inputShapes;
  Shape outputShape;
  int64_t outputElements = 0;
  std::vector<int64_t> inputElements;
};

DType Kernel::dtype() const { return impl->dtype; }
size_t Kernel::numInputs() const { return impl->inputShapes.size(); }
const std::vector<Shape> &Kernel::inputShapes() const {
  return impl->inputShapes;
}
const Shape &Kernel::outputShape() const { return impl->outputShape; }
int64_t Kernel::outputElements() const { return impl->outputElements; }
const std::string &Kernel::subscripts() const { return impl->subscripts; }

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
  std::vector<void *> pointers(inputs.size() + 1);
  std::vector<void *> args(inputs.size() + 1);
  for (size_t i = 0; i < inputs.size(); ++i)
    pointers[i] = const_cast<void *>(inputs[i]);
  pointers.back() = output;
  for (size_t i = 0; i < pointers.size(); ++i)
    args[i] = &pointers[i];
  impl->entry(args.data());
  return llvm::Error::success();
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

namespace {
/// One cache slot; the first caller compiles, later callers wait for it.
struct CacheEntry {
  std::mutex mutex;
  bool done = false;
  std::shared_ptr<const Kernel::Impl> kernel;
  std::string error;
};
} // namespace

struct Jit::Impl {
  mutable std::mutex mutex;
  std::map<std::string, std::shared_ptr<CacheEntry>> cache;
  std::atomic<size_t> compiles{0};
};

Jit::Jit() : impl(std::make_unique<Impl>()) {}
Jit::~Jit() = default;

size_t Jit::cacheSize() const {
  std::lock_guard<std::mutex> lock(impl->mutex);
  return impl->cache.size();
}

size_t Jit::compileCount() const { return impl->compiles; }

static int64_t product(const Shape &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

/// Compiles a resolved problem; errors here are internal.
static llvm::Expected<std::shared_ptr<const Kernel::Impl>>
compileProblem(const EinsumProblem &problem, const CompileOptions &options) {
  std::unique_ptr<mlir::MLIRContext> ctx = createContext();
  const char *name = "einsum";
  auto module = lowerEinsum(*ctx, problem, name, Stage::LLVMDialect);
  if (!module)
    return module.takeError();

  initializeNativeTarget();
  auto kernel = std::make_shared<Kernel::Impl>();
  auto transformer =
      mlir::makeOptimizingTransformer(std::min(options.optLevel, 3u), 0,
                                      /*targetMachine=*/nullptr);
  mlir::ExecutionEngineOptions engineOptions;
  engineOptions.transformer = transformer;
  engineOptions.jitCodeGenOptLevel =
      options.optLevel == 0 ? llvm::CodeGenOptLevel::None
                            : llvm::CodeGenOptLevel::Aggressive;
  engineOptions.enableGDBNotificationListener = false;
  engineOptions.enablePerfNotificationListener = false;
  auto engine = mlir::ExecutionEngine::create(**module, engineOptions);
  if (!engine)
    return engine.takeError();
  kernel->engine = std::move(*engine);
  auto entry = kernel->engine->lookupPacked(name);
  if (!entry)
    return entry.takeError();
  kernel->entry = *entry;

  kernel->dtype = problem.dtype;
  kernel->subscripts = problem.subscripts.str();
  for (const auto &shape : problem.inputShapes) {
    kernel->inputShapes.emplace_back(shape.begin(), shape.end());
    kernel->inputElements.push_back(product(kernel->inputShapes.back()));
  }
  kernel->outputShape.assign(problem.outputShape.begin(),
                             problem.outputShape.end());
  kernel->outputElements = product(kernel->outputShape);
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

  std::string key = problem->subscripts.str() + "|" + dtypeName(dtype) + "|" +
                    std::to_string(options.optLevel);
  for (const Shape &s : shapes)
    key += "|" + shapeStr(s);

  std::shared_ptr<CacheEntry> entry;
  {
    std::lock_guard<std::mutex> lock(impl->mutex);
    std::shared_ptr<CacheEntry> &slot = impl->cache[key];
    if (!slot)
      slot = std::make_shared<CacheEntry>();
    entry = slot;
  }
  std::lock_guard<std::mutex> lock(entry->mutex);
  if (!entry->done) {
    ++impl->compiles;
    auto kernel = compileProblem(*problem, options);
    if (kernel)
      entry->kernel = *kernel;
    else
      entry->error = llvm::toString(kernel.takeError());
    entry->done = true;
  }
  if (!entry->kernel)
    return llvm::createStringError("internal compiler error: " +
                                   entry->error);
  return Kernel(entry->kernel);
}
