//===- LLVMCodegen.cpp - LLVM dialect to LLVM IR and machine code ---------===//

#include "compiler/codegen/LLVMCodegen.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/IR/Constants.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"

#include <algorithm>
#include <mutex>
#include <tuple>
#include <vector>

using namespace ein;

void ein::initializeNativeTarget() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    llvm::InitializeNativeTargetAsmParser();
  });
}

llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
ein::createTargetMachine(const TargetOptions &options) {
  initializeNativeTarget();
  llvm::Triple triple(options.triple.empty() ? llvm::sys::getProcessTriple()
                                             : options.triple);
  std::string error;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return llvm::createStringError("unknown target '" + triple.str() +
                                   "': " + error);
  std::string cpu = options.cpu;
  std::string features = options.features;
  if (cpu.empty() || cpu == "native") {
    cpu = llvm::sys::getHostCPUName().str();
    if (features.empty()) {
      llvm::SubtargetFeatures host;
      for (auto &f : llvm::sys::getHostCPUFeatures())
        host.AddFeature(f.first(), f.second);
      features = host.getString();
    }
  }
  llvm::CodeGenOptLevel level =
      options.optLevel >= 3   ? llvm::CodeGenOptLevel::Aggressive
      : options.optLevel == 0 ? llvm::CodeGenOptLevel::None
                              : llvm::CodeGenOptLevel::Default;
  std::unique_ptr<llvm::TargetMachine> tm(
      target->createTargetMachine(triple, cpu, features, llvm::TargetOptions(),
                                  llvm::Reloc::PIC_, std::nullopt, level));
  if (!tm)
    return llvm::createStringError("cannot create a target machine for '" +
                                   triple.str() + "' (cpu '" + cpu + "')");
  return tm;
}

llvm::Expected<std::unique_ptr<llvm::Module>>
ein::translateAndOptimize(mlir::ModuleOp module, llvm::LLVMContext &llvmContext,
                          llvm::TargetMachine &tm, unsigned optLevel) {
  std::unique_ptr<llvm::Module> llvmModule =
      mlir::translateModuleToLLVMIR(module, llvmContext);
  if (!llvmModule)
    return llvm::createStringError("translation to LLVM IR failed");
  llvmModule->setDataLayout(tm.createDataLayout());
  llvmModule->setTargetTriple(tm.getTargetTriple());
  auto optimize = mlir::makeOptimizingTransformer(optLevel, 0, &tm);
  if (llvm::Error err = optimize(llvmModule.get()))
    return std::move(err);
  return llvmModule;
}

llvm::Error ein::emitMachineCode(llvm::Module &module, llvm::TargetMachine &tm,
                                 llvm::raw_pwrite_stream &os, bool assembly) {
  llvm::legacy::PassManager pm;
  auto kind = assembly ? llvm::CodeGenFileType::AssemblyFile
                       : llvm::CodeGenFileType::ObjectFile;
  if (tm.addPassesToEmitFile(pm, os, nullptr, kind))
    return llvm::createStringError("the target cannot emit this file type");
  pm.run(module);
  return llvm::Error::success();
}

void ein::loadKernelsOnFirstCall(llvm::Module &module, llvm::StringRef name) {
  llvm::GlobalVariable *ctors = module.getNamedGlobal("llvm.global_ctors");
  llvm::Function *entry = module.getFunction(name);
  if (!ctors || !entry || entry->isDeclaration())
    return;
  // (priority, position, constructor): by priority, ties in list order.
  std::vector<std::tuple<uint64_t, size_t, llvm::Function *>> loads;
  if (auto *list = llvm::dyn_cast<llvm::ConstantArray>(ctors->getInitializer()))
    for (llvm::Value *item : list->operands()) {
      auto *ctor = llvm::cast<llvm::ConstantStruct>(item);
      if (auto *fn = llvm::dyn_cast<llvm::Function>(ctor->getOperand(1)))
        loads.emplace_back(
            llvm::cast<llvm::ConstantInt>(ctor->getOperand(0))->getZExtValue(),
            loads.size(), fn);
    }
  llvm::sort(loads, [](const auto &a, const auto &b) {
    return std::tie(std::get<0>(a), std::get<1>(a)) <
           std::tie(std::get<0>(b), std::get<1>(b));
  });
  ctors->eraseFromParent();
  if (llvm::GlobalVariable *dtors = module.getNamedGlobal("llvm.global_dtors"))
    dtors->eraseFromParent();
  llvm::LLVMContext &ctx = module.getContext();
  auto *voidFn = llvm::FunctionType::get(llvm::Type::getVoidTy(ctx), false);
  auto *load = llvm::Function::Create(voidFn, llvm::Function::InternalLinkage,
                                      "einc_load_kernels", module);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", load));
  for (auto &[priority, position, fn] : loads)
    b.CreateCall(fn);
  b.CreateRetVoid();
  auto *i64 = llvm::Type::getInt64Ty(ctx);
  auto *guard = new llvm::GlobalVariable(
      module, i64, /*isConstant=*/false, llvm::GlobalValue::InternalLinkage,
      llvm::ConstantInt::get(i64, 0), "einc_kernels_loaded");
  auto *ptr = llvm::PointerType::getUnqual(ctx);
  llvm::FunctionCallee once = module.getOrInsertFunction(
      "einrt_gpu_load_once", llvm::Type::getVoidTy(ctx), ptr, ptr);
  llvm::IRBuilder<> e(&*entry->getEntryBlock().getFirstInsertionPt());
  e.CreateCall(once, {guard, load});
}
