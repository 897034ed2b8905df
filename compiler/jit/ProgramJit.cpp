//===- ProgramJit.cpp - Compile index-notation programs -------------------===//

#include "compiler/Passes.h"
#include "compiler/codegen/Compile.h"
#include "compiler/codegen/ProgramBuilder.h"
#include "compiler/jit/Cache.h"
#include "compiler/jit/Engine.h"
#include "compiler/pipeline/Pipeline.h"
#include "einc/Error.h"
#include "einc/Jit.h"
#include "einrt/einrt.h"
#include "einrt/gpu.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/Support/raw_ostream.h"

using namespace ein;

struct ProgramKernel::Impl {
  Engine engine;
  std::vector<std::string> statements; ///< source lines, for errors
  DType dtype = f32;
  std::vector<std::string> inputNames, outputNames;
  std::vector<Shape> inputShapes, outputShapes;
  Target target = Target::CPU;

  /// "statement 2 ('x = inv(a)'): " for a failure of that statement,
  /// "the program: " otherwise.
  std::string where(int64_t statement) const {
    return statement > 0 && size_t(statement) <= statements.size()
               ? "statement " + std::to_string(statement) + " ('" +
                     statements[statement - 1] + "'): "
               : std::string("the program: ");
  }

  /// Runs on host buffers through device copies of them (Target::GPU).
  llvm::Error callThroughDevice(llvm::ArrayRef<const void *> inputs,
                                llvm::ArrayRef<void *> outputs) const;
};

static int64_t elementsOf(const Shape &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

llvm::Error
ProgramKernel::Impl::callThroughDevice(llvm::ArrayRef<const void *> inputs,
                                       llvm::ArrayRef<void *> outputs) const {
  char message[512];
  size_t size = dtypeSize(dtype);
  std::vector<einrt::DeviceBuffer> device(inputs.size() + outputs.size());
  std::vector<void *> buffers;
  for (size_t i = 0; i < device.size(); ++i) {
    bool input = i < inputs.size();
    const Shape &shape =
        input ? inputShapes[i] : outputShapes[i - inputs.size()];
    size_t bytes = size_t(elementsOf(shape)) * size;
    if (einrt_gpu_alloc(&device[i].data, bytes, message, sizeof message) ||
        (input && einrt_gpu_copy_to_device(device[i].data, inputs[i], bytes,
                                           message, sizeof message)))
      return userError(message);
    buffers.push_back(device[i].data);
  }
  llvm::Error run = callPacked(engine.entry, buffers);
  // Taken even after a failed call, so the next call starts clean.
  int64_t statement = 0;
  if (einrt_gpu_take_error_at(&statement, message, sizeof message)) {
    llvm::consumeError(std::move(run));
    // CUDA's own failures (a launch, a copy) belong to no statement.
    return userError((statement ? where(statement) : std::string()) + message);
  }
  if (run)
    return run;
  for (size_t o = 0; o < outputs.size(); ++o) {
    size_t bytes = size_t(elementsOf(outputShapes[o])) * size;
    if (einrt_gpu_copy_to_host(outputs[o], device[inputs.size() + o].data,
                               bytes, message, sizeof message))
      return userError(message);
  }
  return llvm::Error::success();
}

DType ProgramKernel::dtype() const { return impl->dtype; }
const std::vector<std::string> &ProgramKernel::inputNames() const {
  return impl->inputNames;
}
const std::vector<Shape> &ProgramKernel::inputShapes() const {
  return impl->inputShapes;
}
const std::vector<std::string> &ProgramKernel::outputNames() const {
  return impl->outputNames;
}
const std::vector<Shape> &ProgramKernel::outputShapes() const {
  return impl->outputShapes;
}

llvm::Error ProgramKernel::operator()(llvm::ArrayRef<const void *> inputs,
                                      llvm::ArrayRef<void *> outputs) const {
  if (!impl)
    return userError("calling an empty ein::ProgramKernel");
  if (inputs.size() != impl->inputNames.size() ||
      outputs.size() != impl->outputNames.size())
    return userError("the program takes " +
                     llvm::Twine(impl->inputNames.size()) + " inputs and " +
                     llvm::Twine(impl->outputNames.size()) +
                     " outputs but was given " + llvm::Twine(inputs.size()) +
                     " and " + llvm::Twine(outputs.size()));
  if (impl->target == Target::GPU)
    return impl->callThroughDevice(inputs, outputs);
  std::vector<void *> buffers;
  for (const void *p : inputs)
    buffers.push_back(const_cast<void *>(p));
  for (void *p : outputs)
    buffers.push_back(p);
  llvm::Error run = callPacked(impl->engine.entry, buffers);
  int64_t statement = 0;
  char message[512];
  // Taking the error also clears it for the next call.
  bool failed = einrt_kernel_take_error(&statement, message, sizeof(message));
  if (run)
    return run;
  if (failed)
    return userError(impl->where(statement) + message);
  return llvm::Error::success();
}

/// Compiles a program; Jit::compileProgram caches the result.
static llvm::Expected<std::shared_ptr<const ProgramKernel::Impl>>
compileProgramUncached(llvm::StringRef source,
                       const std::map<std::string, Shape> &shapes, DType dtype,
                       const CompileOptions &options, llvm::StringRef diskKey) {
  auto program = parseProgram(source);
  if (!program)
    return program.takeError();
  if (program->dtype)
    dtype = *program->dtype;
  auto impl = std::make_shared<ProgramKernel::Impl>();
  impl->dtype = dtype;
  impl->target = options.target;
  bool gpu = options.target == Target::GPU || options.emulateGPU;
  for (const TensorDecl &d : program->inputs) {
    auto it = shapes.find(d.name);
    if (it == shapes.end())
      return programError(source, d.offset,
                          "no shape was given for input '" + d.name + "'");
    impl->inputNames.push_back(d.name);
    impl->inputShapes.push_back(it->second);
  }
  for (const auto &[name, shape] : shapes)
    if (!llvm::is_contained(impl->inputNames, name))
      return userError("the program has no input named '" + name + "'");
  impl->outputNames = program->outputs;
  for (const Statement &s : program->statements) {
    llvm::StringRef rest = llvm::StringRef(program->source).substr(s.offset);
    impl->statements.push_back(
        rest.take_until([](char c) { return c == '\n' || c == ';'; })
            .rtrim()
            .str());
  }

  std::unique_ptr<mlir::MLIRContext> ctx = createContext();
  auto module = buildProgramModule(*ctx, *program, impl->inputShapes, dtype,
                                   "program", impl->outputShapes);
  if (!module)
    return module.takeError();
  // The shapes are known now (they were checked above): another process
  // that compiled the same program left its code on disk.
  if (options.diskCache)
    if (std::optional<Engine> cached = loadCachedEngine(diskKey, "program")) {
      impl->engine = std::move(*cached);
      return std::shared_ptr<const ProgramKernel::Impl>(std::move(impl));
    }
  std::string diagnostics;
  llvm::raw_string_ostream os(diagnostics);
  mlir::ScopedDiagnosticHandler handler(ctx.get(), [&](mlir::Diagnostic &d) {
    os << d.str() << "\n";
    return mlir::success();
  });
  if (mlir::failed(mlir::verify(**module)))
    return llvm::createStringError("internal compiler error: " + diagnostics);
  // Tensors too large to index: the inputs and statements first, then the
  // intermediates the path search creates.
  if (llvm::Error err = checkTensorSizes(**module))
    return std::move(err);
  mlir::PassManager toLinalg(ctx.get());
  buildEinToLinalgPipeline(toLinalg, options.path, options.fuseAttention,
                           /*cpu=*/!gpu);
  if (mlir::failed(toLinalg.run(**module)))
    return llvm::createStringError("internal compiler error: " + diagnostics);
  if (llvm::Error err = checkTensorSizes(**module))
    return std::move(err);
  if (gpu) {
    // Decompositions are calls of the runtime: LAPACK's on host memory
    // when the kernels are emulated, cuSOLVER's on device memory on a GPU.
    if (!options.emulateGPU &&
        mlir::failed(mlir::ein::retargetRuntimeCallsToGPU(**module)))
      return llvm::createStringError(
          "internal compiler error: cannot rename the runtime calls");
    GPUTargetOptions target;
    // Emulation without an architecture uses no tensor cores.
    target.chip = options.gpuArch.empty() && !options.emulateGPU
                      ? "sm_80"
                      : options.gpuArch;
    target.tf32 = options.allowTF32;
    if (llvm::Error err =
            options.emulateGPU
                ? lowerLinalgEmulatingGPU(*ctx, **module, target)
                : lowerLinalgForGPU(*ctx, **module, GPUStage::HostLLVM, target))
      return llvm::createStringError("internal compiler error: " +
                                     llvm::toString(std::move(err)));
  } else {
    mlir::PassManager pm(ctx.get());
    buildLinalgToLLVMPipeline(pm, Threads::Runtime);
    if (mlir::failed(pm.run(**module)))
      return llvm::createStringError("internal compiler error: " + diagnostics);
  }
  auto engine = createEngine(**module, "program", options.optLevel,
                             options.diskCache ? diskKey : "");
  if (!engine)
    return engine.takeError();
  impl->engine = std::move(*engine);
  return std::shared_ptr<const ProgramKernel::Impl>(std::move(impl));
}

llvm::Expected<ProgramKernel>
Jit::compileProgram(llvm::StringRef source,
                    const std::map<std::string, Shape> &shapes, DType dtype,
                    const CompileOptions &options) {
  if (options.emulateGPU && options.target == Target::GPU)
    return userError("emulateGPU runs the GPU kernels on the CPU: it needs "
                     "Target::CPU");
  CompileOptions resolved = options;
  if (options.target == Target::GPU)
    if (llvm::Error err = prepareGPU(resolved))
      return std::move(err);
  if (isHalf(dtype))
    return userError(llvm::Twine("index-notation programs compute in f32, "
                                 "f64, complex64, complex128, i32 or i64, "
                                 "not ") +
                     dtypeName(dtype) +
                     " (declare the inputs ': f32' to widen them)");
  std::string key = "program|" + source.str() + "|" + dtypeName(dtype) + "|" +
                    std::to_string(options.optLevel) + "|" +
                    (options.fuseAttention ? "fused|" : "unfused|") +
                    targetKey(resolved) + cacheKey(options.path);
  for (const auto &[name, shape] : shapes) {
    key += "|" + name;
    for (int64_t d : shape)
      key += " " + std::to_string(d);
  }
  auto compiled =
      impl->cache.get(key, [&]() -> llvm::Expected<KernelCache::Compiled> {
        auto kernel =
            compileProgramUncached(source, shapes, dtype, resolved, key);
        if (!kernel)
          return kernel.takeError();
        return KernelCache::Compiled(*kernel);
      });
  if (!compiled)
    return compiled.takeError();
  return ProgramKernel(
      std::static_pointer_cast<const ProgramKernel::Impl>(*compiled));
}
