//===- Emit.cpp - `einc EXPR --emit ...`: code generation -----------------===//

#include "Common.h"
#include "compiler/codegen/Compile.h"
#include "compiler/codegen/LLVMCodegen.h"
#include "compiler/parser/Einsum.h"
#include "einc/Error.h"

#include "mlir/IR/MLIRContext.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;
using namespace einc;

cl::OptionCategory
    einc::codegenCategory("einc code generation (einc EXPR [options])");

namespace {
cl::OptionCategory &category = codegenCategory;
cl::opt<std::string> expression(cl::Positional, cl::desc("EXPR"),
                                cl::cat(category));
cl::opt<std::string> shapesOpt(
    "shapes", cl::cat(category),
    cl::desc("Operand shapes, e.g. 32x128x50,32x50x768 ('?' = dynamic)"));
cl::opt<std::string>
    sizesOpt("sizes", cl::cat(category),
             cl::desc("Extents by label, e.g. b=32,i=128 (others dynamic)"));
cl::opt<std::string>
    dtypeOpt("dtype", cl::init("f32"), cl::cat(category),
             cl::desc("f32|f64|f16|bf16|complex64|complex128|i32|i64"));
cl::opt<std::string>
    targetOpt("target", cl::init("cpu"), cl::cat(category),
              cl::desc("cpu, or nvptx (alias gpu): kernels for NVIDIA GPUs"));
cl::opt<std::string>
    emitOpt("emit", cl::init("ein"), cl::cat(category),
            cl::desc("cpu: ein|linalg|llvm-mlir|llvm|asm|obj|header; "
                     "nvptx: ein|linalg|gpu|nvvm|ptx|llvm-mlir (the host "
                     "side that einc run --target gpu runs)"));
cl::opt<std::string>
    gpuArchOpt("gpu-arch", cl::init("sm_80"), cl::cat(category),
               cl::desc("nvptx: the GPU architecture (sm_80, sm_90, ...)"));
cl::opt<bool> gpuTF32Opt(
    "gpu-tf32", cl::cat(category),
    cl::desc("nvptx: f32 contractions may use TF32 tensor cores (sm_80 "
             "and later; products of 10-bit mantissas, sums in f32)"));
cl::opt<std::string> outputOpt("o", cl::init("-"), cl::cat(category),
                               cl::desc("Output file (default: stdout)"),
                               cl::value_desc("FILE"));
cl::opt<std::string> nameOpt("name", cl::init("einsum"), cl::cat(category),
                             cl::desc("Name of the generated function"));
cl::opt<std::string>
    targetCpuOpt("target-cpu", cl::init(""), cl::cat(category),
                 cl::desc("CPU for llvm/asm/obj (default: the host)"));
cl::opt<std::string>
    mattrOpt("mattr", cl::init(""), cl::cat(category),
             cl::desc("LLVM target features, e.g. +avx2,+fma"));
cl::opt<bool> openmpOpt(
    "openmp", cl::init(false), cl::cat(category),
    cl::desc("Run large contractions on OpenMP threads (OMP_NUM_THREADS); "
             "link the object with -lomp"));
cl::opt<unsigned> optLevelOpt("O", cl::init(3), cl::Prefix, cl::cat(category),
                              cl::desc("LLVM optimisation level 0-3"));
PathFlags pathFlags(cl::SubCommand::getTopLevel(), category);

bool isIdentifier(StringRef s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0])))
    return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_')
      return false;
  return true;
}

/// Resolves the expression with --shapes, --sizes or neither.
Expected<ein::EinsumProblem> resolveProblem(ein::DType dtype) {
  if (!shapesOpt.empty() && !sizesOpt.empty())
    return ein::userError("give either --shapes or --sizes, not both");
  if (!shapesOpt.empty()) {
    auto shapes = parseShapeList(shapesOpt);
    if (!shapes)
      return shapes.takeError();
    return ein::resolveEinsum(expression, *shapes, dtype);
  }
  auto dynamic = ein::resolveEinsumDynamic(expression, dtype);
  if (!dynamic || sizesOpt.empty())
    return dynamic;
  auto sizes = parseSizes(sizesOpt);
  if (!sizes)
    return sizes.takeError();
  std::string labels = dynamic->subscripts.labels();
  for (int c = 0; c < 128; ++c)
    if ((*sizes)[c] >= 0 &&
        labels.find(static_cast<char>(c)) == std::string::npos)
      return ein::userError("--sizes gives an extent for '" +
                            Twine(static_cast<char>(c)) +
                            "', which the expression does not use");
  std::vector<SmallVector<int64_t>> shapes;
  for (const std::string &in : dynamic->subscripts.inputs) {
    SmallVector<int64_t> shape;
    for (char c : in)
      shape.push_back((*sizes)[c] >= 0 ? (*sizes)[c]
                                       : mlir::ein::kDynamicExtent);
    shapes.push_back(shape);
  }
  return ein::resolveEinsum(expression, shapes, dtype);
}

/// Writes `text` to -o atomically (stdout for "-").
int writeOutput(function_ref<void(raw_ostream &)> write) {
  if (Error err = writeToOutput(outputOpt, [&](raw_ostream &os) {
        write(os);
        return Error::success();
      }))
    return reportError("cannot write '" + outputOpt +
                       "': " + toString(std::move(err)));
  return Success;
}
/// A failed lowering: an internal error, unless it is the input's fault
/// (sizes beyond 64-bit indexing, an unknown --gpu-arch).
int reportLoweringError(Error error) {
  bool user = false;
  std::string message;
  handleAllErrors(std::move(error), [&](const ErrorInfoBase &e) {
    user = ein::isUserError(e);
    message = e.message();
  });
  return reportError(message, user ? UserError : InternalError);
}

/// `--emit llvm|asm|obj` of a module in the LLVM dialect, for the host
/// CPU (--target-cpu, --mattr): GPU host code too.
int emitHostCode(mlir::ModuleOp module, StringRef emit) {
  ein::TargetOptions target;
  target.cpu = targetCpuOpt;
  target.features = mattrOpt;
  target.optLevel = optLevelOpt;
  auto tm = ein::createTargetMachine(target);
  if (!tm)
    return reportError(tm.takeError());
  LLVMContext llvmContext;
  auto llvmModule =
      ein::translateAndOptimize(module, llvmContext, **tm, optLevelOpt);
  if (!llvmModule)
    return reportError(llvmModule.takeError(), InternalError);
  ein::loadKernelsOnFirstCall(**llvmModule, nameOpt);
  if (emit == "llvm")
    return writeOutput(
        [&](raw_ostream &os) { (*llvmModule)->print(os, nullptr); });
  SmallString<0> buffer;
  raw_svector_ostream bufferStream(buffer);
  if (Error err = ein::emitMachineCode(**llvmModule, **tm, bufferStream,
                                       /*assembly=*/emit == "asm"))
    return reportError(std::move(err), InternalError);
  return writeOutput([&](raw_ostream &os) { os << buffer; });
}

/// `einc EXPR --target nvptx --emit ...`.
int runGPUCodegen(ein::DType dtype) {
  StringRef emit = emitOpt;
  std::optional<ein::GPUStage> stage =
      StringSwitch<std::optional<ein::GPUStage>>(emit)
          .Case("ein", ein::GPUStage::Ein)
          .Case("linalg", ein::GPUStage::Linalg)
          .Case("gpu", ein::GPUStage::GPU)
          .Case("nvvm", ein::GPUStage::NVVM)
          .Case("ptx", ein::GPUStage::Binary)
          .Cases({"llvm-mlir", "llvm", "asm", "obj", "header"},
                 ein::GPUStage::HostLLVM)
          .Default(std::nullopt);
  if (!stage)
    return reportError("--emit " + emitOpt +
                       " is not for --target nvptx (use ein, linalg, gpu, "
                       "nvvm, ptx, llvm-mlir, llvm, asm, obj or header)");
  if (openmpOpt)
    return reportError("--openmp applies to --target cpu");
  if (*stage != ein::GPUStage::HostLLVM &&
      (!mattrOpt.empty() || !targetCpuOpt.empty()))
    return reportError("--mattr and --target-cpu apply to the host code "
                       "(--emit llvm-mlir, llvm, asm, obj) of --target nvptx");
  if (emit == "obj" && outputOpt == "-")
    return reportError("--emit obj writes a binary file: give -o FILE");
  auto problem = resolveProblem(dtype);
  if (!problem)
    return reportError(problem.takeError());
  auto pathOptions = pathFlags.get(dtype, /*deterministic=*/true);
  if (!pathOptions)
    return reportError(pathOptions.takeError());
  if (pathOptions->memoryLimit > 0)
    return reportError("--memory-limit (slicing) applies to einc run, "
                       "einc explain and the JIT, not to generated code yet");
  if (emit == "header") {
    if (Error err = ein::checkGPUArch(gpuArchOpt))
      return reportError(std::move(err));
    std::string header = ein::generateCHeader(*problem, nameOpt, /*gpu=*/true);
    return writeOutput([&](raw_ostream &os) { os << header; });
  }
  ein::GPUTargetOptions target;
  target.chip = gpuArchOpt;
  target.optLevel = optLevelOpt;
  target.tf32 = gpuTF32Opt;
  std::unique_ptr<mlir::MLIRContext> ctx = ein::createContext();
  auto module = ein::lowerEinsumForGPU(*ctx, *problem, nameOpt, *stage,
                                       *pathOptions, target);
  if (!module)
    return reportLoweringError(module.takeError());
  if (emit == "llvm" || emit == "asm" || emit == "obj")
    return emitHostCode(**module, emit);
  if (*stage != ein::GPUStage::Binary)
    return writeOutput([&](raw_ostream &os) { (*module)->print(os); });
  auto ptx = ein::ptxOf(**module);
  if (!ptx)
    return reportError(ptx.takeError(), InternalError);
  return writeOutput([&](raw_ostream &os) { os << *ptx; });
}
} // namespace

int einc::runCodegen(int argc, char **argv) {
  if (expression.empty())
    return reportError("missing EXPR (try: einc 'ij,jk->ik' --shapes "
                       "4x8,8x16; see einc --help)");
  std::optional<ein::DType> dtype = ein::parseDType(dtypeOpt);
  if (!dtype)
    return reportError("unsupported --dtype '" + dtypeOpt +
                       "' (supported: f32, f64, f16, bf16, complex64, "
                       "complex128, i32, i64)");
  bool gpu = targetOpt == "nvptx" || targetOpt == "gpu";
  if (!gpu && targetOpt != "cpu")
    return reportError("unknown --target '" + targetOpt +
                       "' (use cpu or nvptx)");
  if (!isIdentifier(nameOpt))
    return reportError("--name '" + nameOpt + "' is not a C identifier");
  if (optLevelOpt > 3)
    return reportError("-O" + Twine(optLevelOpt) + " is not a level (0-3)");

  if (gpu)
    return runGPUCodegen(*dtype);

  StringRef emit = emitOpt;
  if (emit == "gpu" || emit == "nvvm" || emit == "ptx")
    return reportError("--emit " + emitOpt + " needs --target nvptx");
  if (gpuArchOpt.getNumOccurrences())
    return reportError("--gpu-arch applies to --target nvptx");
  if (gpuTF32Opt)
    return reportError("--gpu-tf32 applies to --target nvptx");
  ein::Stage stage;
  if (emit == "ein")
    stage = ein::Stage::Ein;
  else if (emit == "linalg")
    stage = ein::Stage::Linalg;
  else if (emit == "llvm-mlir" || emit == "llvm" || emit == "asm" ||
           emit == "obj" || emit == "header")
    stage = ein::Stage::LLVMDialect;
  else
    return reportError("unknown --emit '" + emitOpt +
                       "' (use ein, linalg, llvm-mlir, llvm, asm, obj or "
                       "header)");
  if (emit == "obj" && outputOpt == "-")
    return reportError("--emit obj writes a binary file: give -o FILE");

  auto problem = resolveProblem(*dtype);
  if (!problem)
    return reportError(problem.takeError());
  auto pathOptions = pathFlags.get(*dtype, /*deterministic=*/true);
  if (!pathOptions)
    return reportError(pathOptions.takeError());
  if (pathOptions->memoryLimit > 0)
    return reportError("--memory-limit (slicing) applies to einc run, "
                       "einc explain and the JIT, not to generated code yet");

  if (emit == "header") {
    std::string header = ein::generateCHeader(*problem, nameOpt);
    return writeOutput([&](raw_ostream &os) { os << header; });
  }

  std::unique_ptr<mlir::MLIRContext> ctx = ein::createContext();
  auto module =
      ein::lowerEinsum(*ctx, *problem, nameOpt, stage, *pathOptions,
                       openmpOpt ? ein::Threads::OpenMP : ein::Threads::Off);
  if (!module)
    return reportLoweringError(module.takeError());
  if (emit == "ein" || emit == "linalg" || emit == "llvm-mlir")
    return writeOutput([&](raw_ostream &os) { (*module)->print(os); });

  return emitHostCode(**module, emit);
}
