//===- Compile.cpp - Einsum problem to each stage of IR -------------------===//

#include "compiler/codegen/Compile.h"
#include "compiler/InitAll.h"
#include "compiler/codegen/ModuleBuilder.h"
#include "compiler/pipeline/Pipeline.h"
#include "einc/Error.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Triple.h"

using mlir::Diagnostic;
using mlir::DiagnosticSeverity;
using mlir::DialectRegistry;
using mlir::MLIRContext;
using mlir::ModuleOp;
using mlir::OwningOpRef;
using mlir::PassManager;
using mlir::ScopedDiagnosticHandler;
using mlir::success;
using mlir::verify;

std::unique_ptr<MLIRContext> ein::createContext() {
  static const DialectRegistry *registry = [] {
    auto *r = new DialectRegistry();
    registerEinDialects(*r);
    return r;
  }();
  return std::make_unique<MLIRContext>(*registry,
                                       MLIRContext::Threading::DISABLED);
}

/// Bytes of one element of `type`, or 0 when it has no fixed size.
static int64_t elementBytes(mlir::Type type) {
  int64_t factor = 1;
  if (auto complex = llvm::dyn_cast<mlir::ComplexType>(type)) {
    type = complex.getElementType();
    factor = 2;
  }
  if (!type.isIntOrFloat())
    return 0;
  return factor * int64_t(llvm::divideCeil(type.getIntOrFloatBitWidth(), 8));
}

llvm::Error ein::checkTensorSizes(ModuleOp module) {
  std::string problem;
  auto check = [&](mlir::Type type) {
    auto shaped = llvm::dyn_cast<mlir::ShapedType>(type);
    if (!shaped || !shaped.hasRank() || !problem.empty())
      return;
    int64_t bytes = elementBytes(shaped.getElementType());
    bool overflow = false;
    for (int64_t d : shaped.getShape())
      if (!mlir::ShapedType::isDynamic(d))
        overflow |= __builtin_mul_overflow(bytes, d, &bytes);
    if (!overflow)
      return;
    std::string shape;
    for (int64_t d : shaped.getShape())
      shape += (shape.empty() ? "" : "x") + (mlir::ShapedType::isDynamic(d)
                                                 ? std::string("?")
                                                 : std::to_string(d));
    std::string element;
    llvm::raw_string_ostream os(element);
    shaped.getElementType().print(os);
    problem = "a tensor of shape " + shape + " (" + element +
              ") would need more than 2^63 bytes, beyond 64-bit indexing";
  };
  module.walk([&](mlir::Operation *op) {
    for (mlir::Type t : op->getResultTypes())
      check(t);
    for (mlir::Region &region : op->getRegions())
      for (mlir::Block &block : region)
        for (mlir::BlockArgument arg : block.getArguments())
          check(arg.getType());
  });
  if (!problem.empty())
    return userError(problem);
  return llvm::Error::success();
}

namespace {
/// Runs pipelines on one module, collecting MLIR's error diagnostics into
/// the message of the failure.
class Lowering {
public:
  explicit Lowering(MLIRContext &ctx)
      : ctx(ctx), os(diagnostics), handler(&ctx, [this](Diagnostic &diag) {
          if (diag.getSeverity() == DiagnosticSeverity::Error)
            os << diag.str() << "\n";
          return success();
        }) {}

  /// The verified ein module of `problem`, its tensor sizes checked.
  llvm::Expected<OwningOpRef<ModuleOp>> build(const ein::EinsumProblem &problem,
                                              llvm::StringRef name) {
    OwningOpRef<ModuleOp> module = ein::buildEinsumModule(ctx, problem, name);
    if (failed(verify(*module)))
      return llvm::createStringError("generated IR does not verify: " +
                                     diagnostics);
    if (llvm::Error err = ein::checkTensorSizes(*module))
      return std::move(err);
    return module;
  }

  /// Runs the passes `build` adds on `module`.
  llvm::Error run(ModuleOp module,
                  llvm::function_ref<void(PassManager &)> build) {
    PassManager pm(&ctx);
    build(pm);
    if (failed(pm.run(module)))
      return llvm::createStringError("lowering failed: " + diagnostics);
    return llvm::Error::success();
  }

private:
  MLIRContext &ctx;
  std::string diagnostics;
  llvm::raw_string_ostream os;
  ScopedDiagnosticHandler handler;
};
} // namespace

llvm::Expected<OwningOpRef<ModuleOp>>
ein::lowerEinsum(MLIRContext &ctx, const EinsumProblem &problem,
                 llvm::StringRef name, Stage stage, const PathOptions &path,
                 Threads threads) {
  Lowering lowering(ctx);
  auto module = lowering.build(problem, name);
  if (!module || stage == Stage::Ein)
    return module;
  // Intermediates exist once the path is chosen: check them before the
  // code that would index them is generated.
  if (llvm::Error err = lowering.run(**module, [&](PassManager &pm) {
        buildEinToLinalgPipeline(pm, path);
      }))
    return std::move(err);
  if (llvm::Error err = checkTensorSizes(**module))
    return std::move(err);
  if (stage == Stage::Linalg)
    return module;
  if (llvm::Error err = lowering.run(**module, [&](PassManager &pm) {
        buildLinalgToLLVMPipeline(pm, threads);
      }))
    return std::move(err);
  return module;
}

/// `problem` built and lowered to linalg on tensors for the GPU, its tensor
/// sizes checked.
static llvm::Expected<OwningOpRef<ModuleOp>>
buildLinalgForGPU(Lowering &lowering, const ein::EinsumProblem &problem,
                  llvm::StringRef name, const ein::PathOptions &path) {
  auto module = lowering.build(problem, name);
  if (!module)
    return module;
  if (llvm::Error err = lowering.run(**module, [&](PassManager &pm) {
        ein::buildEinToLinalgPipeline(pm, path, /*fuseAttention=*/false,
                                      /*cpu=*/false);
      }))
    return std::move(err);
  if (llvm::Error err = ein::checkTensorSizes(**module))
    return std::move(err);
  return module;
}

llvm::Expected<OwningOpRef<ModuleOp>> ein::lowerEinsumForGPU(
    MLIRContext &ctx, const EinsumProblem &problem, llvm::StringRef name,
    GPUStage stage, const PathOptions &path, const GPUTargetOptions &target) {
  if (llvm::Error err = checkGPUArch(target.chip))
    return std::move(err);
  Lowering lowering(ctx);
  if (stage == GPUStage::Ein)
    return lowering.build(problem, name);
  auto module = buildLinalgForGPU(lowering, problem, name, path);
  if (!module || stage == GPUStage::Linalg)
    return module;
  if (llvm::Error err = lowerLinalgForGPU(ctx, **module, stage, target))
    return std::move(err);
  return module;
}

llvm::Error ein::lowerLinalgForGPU(MLIRContext &ctx, ModuleOp module,
                                   GPUStage stage,
                                   const GPUTargetOptions &target) {
  Lowering lowering(ctx);
  if (llvm::Error err = lowering.run(module, [&](PassManager &pm) {
        buildLinalgToGPUPipeline(pm, target);
      }))
    return err;
  // Everything that reads or writes tensor memory is in kernels: the host
  // only allocates, reshapes views and launches.
  std::string hostWork;
  bool constantTensor = false;
  module->walk([&](mlir::Operation *op) {
    if (!hostWork.empty() || op->getParentOfType<mlir::gpu::GPUModuleOp>())
      return;
    mlir::StringRef dialect =
        op->getDialect() ? op->getDialect()->getNamespace() : "";
    if (llvm::isa<mlir::memref::LoadOp, mlir::memref::StoreOp,
                  mlir::memref::CopyOp>(op) ||
        dialect == "linalg" || dialect == "vector" || dialect == "scf")
      hostWork = op->getName().getStringRef().str();
    if (hostWork.empty() && llvm::isa<mlir::memref::GetGlobalOp>(op))
      constantTensor = true;
  });
  // Splat constants are folded into kernels; others would be host memory.
  if (constantTensor)
    return userError("a constant tensor that is not one repeated value "
                     "cannot be read by GPU kernels yet: run this on the "
                     "CPU");
  if (!hostWork.empty())
    return llvm::createStringError("lowering failed: '" + hostWork +
                                   "' left in host code for the GPU");
  if (stage == GPUStage::GPU)
    return llvm::Error::success();
  if (llvm::Error err = lowering.run(
          module, [&](PassManager &pm) { buildGPUToNVVMPipeline(pm, target); }))
    return err;
  if (stage == GPUStage::NVVM)
    return llvm::Error::success();
  if (llvm::Error err = lowering.run(
          module, [&](PassManager &pm) { buildNVVMToPTXPipeline(pm); }))
    return err;
  if (stage == GPUStage::Binary)
    return llvm::Error::success();
  // The driver reads PTX up to a NUL, which the embedded text lacks.
  for (auto binary : module.getOps<mlir::gpu::BinaryOp>()) {
    llvm::SmallVector<mlir::Attribute> objects;
    for (mlir::Attribute a : binary.getObjects()) {
      auto o = llvm::cast<mlir::gpu::ObjectAttr>(a);
      std::string text = o.getObject().getValue().str();
      text.push_back('\0');
      objects.push_back(mlir::gpu::ObjectAttr::get(
          &ctx, o.getTarget(), o.getFormat(), mlir::StringAttr::get(&ctx, text),
          o.getProperties(), o.getKernels()));
    }
    binary.setObjectsAttr(mlir::ArrayAttr::get(&ctx, objects));
  }
  return lowering.run(module,
                      [&](PassManager &pm) { buildGPUHostToLLVMPipeline(pm); });
}

llvm::Error ein::lowerLinalgEmulatingGPU(MLIRContext &ctx, ModuleOp module,
                                         GPUTargetOptions target) {
  target.emulated = true;
  Lowering lowering(ctx);
  return lowering.run(module, [&](PassManager &pm) {
    buildLinalgToGPULaunchesPipeline(pm, target);
    buildGPUEmulationPipeline(pm);
  });
}

llvm::Expected<OwningOpRef<ModuleOp>>
ein::lowerEinsumEmulatingGPU(MLIRContext &ctx, const EinsumProblem &problem,
                             llvm::StringRef name, const PathOptions &path,
                             const GPUTargetOptions &target) {
  Lowering lowering(ctx);
  auto module = buildLinalgForGPU(lowering, problem, name, path);
  if (!module)
    return module;
  if (llvm::Error err = lowerLinalgEmulatingGPU(ctx, **module, target))
    return std::move(err);
  return module;
}

llvm::Error ein::checkGPUArch(llvm::StringRef chip) {
  static const bool initialized = [] {
    LLVMInitializeNVPTXTargetInfo();
    LLVMInitializeNVPTXTarget();
    LLVMInitializeNVPTXTargetMC();
    return true;
  }();
  (void)initialized;
  std::string error;
  llvm::Triple triple("nvptx64-nvidia-cuda");
  const llvm::Target *nvptx = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!nvptx)
    return llvm::createStringError("LLVM's NVPTX back end is missing: " +
                                   error);
  std::unique_ptr<llvm::MCSubtargetInfo> info(
      nvptx->createMCSubtargetInfo(triple, "", ""));
  if (!chip.starts_with("sm_") || !info || !info->isCPUStringValid(chip))
    return userError("unknown --gpu-arch '" + chip +
                     "' (an NVIDIA architecture such as sm_80 or sm_90)");
  return llvm::Error::success();
}

llvm::Expected<std::string> ein::ptxOf(ModuleOp module) {
  std::string ptx;
  for (auto binary : module.getOps<mlir::gpu::BinaryOp>())
    for (mlir::Attribute object : binary.getObjects())
      if (auto o = llvm::dyn_cast<mlir::gpu::ObjectAttr>(object))
        ptx += o.getObject().getValue();
  if (ptx.empty())
    return llvm::createStringError("no PTX was generated");
  return ptx;
}

static const char *cType(ein::DType dtype) {
  switch (dtype) {
  case ein::f32:
    return "float";
  case ein::f64:
    return "double";
  case ein::c64:
    return "float _Complex";
  case ein::c128:
    return "double _Complex";
  case ein::i32:
    return "int32_t";
  case ein::i64:
    return "int64_t";
  case ein::f16:
    return "_Float16";
  case ein::bf16:
    return "uint16_t /* bfloat16 bits */";
  }
  return "void";
}

std::string ein::generateCHeader(const EinsumProblem &problem,
                                 llvm::StringRef name, bool gpu) {
  std::string guard = "EINC_" + name.upper() + "_H";
  for (char &c : guard)
    if (!std::isalnum(static_cast<unsigned char>(c)))
      c = '_';
  std::string s;
  llvm::raw_string_ostream os(s);
  auto shapeStr = [&](llvm::ArrayRef<int64_t> shape, llvm::StringRef labels) {
    std::string r = "[";
    for (auto [d, e] : llvm::enumerate(shape)) {
      if (d)
        r += "][";
      r += e == mlir::ein::kDynamicExtent ? "size_" + std::string(1, labels[d])
                                          : std::to_string(e);
    }
    return r + "]";
  };
  const char *t = cType(problem.dtype);
  os << "/* Generated by einc for '" << problem.expression << "'\n"
     << " * (subscripts " << problem.subscripts.str() << ", "
     << dtypeName(problem.dtype) << ").\n"
     << " * Arrays are dense, C order (row-major). Shapes:\n";
  for (auto [i, shape] : llvm::enumerate(problem.inputShapes))
    os << " *   in" << i << shapeStr(shape, problem.subscripts.inputs[i])
       << "\n";
  os << " *   out" << shapeStr(problem.outputShape, problem.subscripts.output)
     << "\n"
     << " * `out` is overwritten and must not overlap the inputs.\n";
  if (gpu)
    os << " * GPU code (--target nvptx): every pointer is device memory\n"
       << " * (cuMemAlloc, or einrt_gpu_alloc of einrt/gpu.h). The call loads\n"
       << " * the kernels on its first use and queues them on the calling\n"
       << " * thread's stream; einrt_gpu_take_error(err, len) then waits for\n"
       << " * them and returns non-zero with a message if anything failed.\n"
       << " * Link with Einc's runtime (libEinRuntime.a) and -ldl -lstdc++;\n"
       << " * the CUDA driver is loaded when the program runs.\n";
  os << " */\n"
     << "#ifndef " << guard << "\n#define " << guard << "\n\n"
     << "#include <stdint.h>\n";
  if (problem.dtype == c64 || problem.dtype == c128)
    os << "#ifndef __cplusplus\n#include <complex.h>\n#endif\n";
  os << "\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n"
     << "void " << name << "(";
  for (size_t i = 0; i < problem.inputShapes.size(); ++i)
    os << "const " << t << " *in" << i << ", ";
  os << t << " *out";
  for (char l : problem.dynamicLabels())
    os << ", int64_t size_" << l;
  os << ");\n\n#ifdef __cplusplus\n}\n#endif\n\n#endif /* " << guard << " */\n";
  return s;
}
