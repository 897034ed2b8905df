//===- Pipeline.cpp - Pass pipelines of the compiler ----------------------===//

#include "compiler/pipeline/Pipeline.h"
#include "compiler/Passes.h"
#include "einc/Jit.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ComplexToLLVM/ComplexToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/GPUCommon/GPUCommonPass.h"
#include "mlir/Conversion/GPUToNVVM/GPUToNVVMPass.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MathToLibm/MathToLibm.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/OpenMPToLLVM/ConvertOpenMPToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/SCFToGPU/SCFToGPUPass.h"
#include "mlir/Conversion/UBToLLVM/UBToLLVM.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVMPass.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using mlir::OpPassManager;
using mlir::PassPipelineRegistration;

namespace ein {

PathOptions defaultCompilePathOptions() { return CompileOptions().path; }

void buildEinToLinalgPipeline(OpPassManager &pm, const PathOptions &path,
                              bool fuseAttention, bool cpu) {
  mlir::ein::EinOptimizeContractionOrderOptions order;
  order.algorithm = algorithmName(path.algorithm);
  order.minimize = objectiveName(path.minimize);
  order.seed = path.seed;
  order.maxTrials = path.maxTrials;
  order.maxTime = path.maxTimeSeconds;
  for (auto [a, b] : path.tree)
    order.tree += std::to_string(a) + ":" + std::to_string(b) + ",";
  // Canonicalising first merges sums into the contractions they reduce,
  // so the path search sees the real output.
  pm.addPass(mlir::createCanonicalizerPass());
  // Attention before the path search splits its scaled product.
  if (fuseAttention)
    pm.addPass(cpu ? mlir::ein::createEinFuseAttention()
                   : mlir::ein::createEinGpuFuseAttention());
  pm.addPass(mlir::ein::createEinOptimizeContractionOrder(order));
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(mlir::ein::createConvertEinToLinalg());
  pm.addPass(mlir::createCanonicalizerPass());
  if (cpu) {
    pm.addPass(mlir::ein::createEinFuseElementwise());
    pm.addPass(mlir::ein::createEinVectorizeContractions());
  } else {
    pm.addPass(mlir::ein::createEinGpuFuseElementwise());
  }
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(mlir::createCSEPass());
}

void buildBufferizationPipeline(OpPassManager &pm) {
  pm.addPass(mlir::ein::createEinMemrefEntry());
  pm.addPass(mlir::bufferization::createEmptyTensorEliminationPass());
  pm.addPass(mlir::bufferization::createOneShotBufferizePass());
  mlir::bufferization::buildBufferDeallocationPipeline(pm);
}

void buildLinalgToLLVMPipeline(OpPassManager &pm, Threads threads) {
  buildBufferizationPipeline(pm);
  // Contractions marked ein.gett: packed panels and micro-kernels.
  pm.addPass(mlir::ein::createEinGett());
  // Vector transfers of several dimensions become one-dimensional loads.
  pm.addPass(mlir::createConvertVectorToSCFPass(
      mlir::VectorTransferToSCFOptions().enableFullUnroll()));
  pm.addPass(mlir::createConvertLinalgToLoopsPass());
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(mlir::createCSEPass());
  // Large contractions' block loops onto threads (OpenMP).
  if (threads != Threads::Off) {
    mlir::ein::EinParallelizeLoopsOptions parallel;
    parallel.runtimeThreads = threads == Threads::Runtime;
    pm.addPass(mlir::ein::createEinParallelizeLoops(parallel));
  }
  buildLoopsToLLVMPipeline(pm, threads);
}

void buildLoopsToLLVMPipeline(OpPassManager &pm, Threads threads) {
  pm.addPass(mlir::createLowerAffinePass());
  pm.addPass(mlir::createSCFToControlFlowPass());
  pm.addPass(mlir::memref::createExpandStridedMetadataPass());
  pm.addPass(mlir::createLowerAffinePass());
  pm.addPass(mlir::createConvertVectorToLLVMPass());
  // bf16 conversions without compiler-rt's routines.
  pm.addPass(mlir::ein::createEinExpandBF16());
  // The JIT's kernels allocate through the runtime, which turns running
  // out of memory into an error (runtime/KernelMemory.cpp); objects for C
  // call malloc and free.
  mlir::FinalizeMemRefToLLVMConversionPassOptions memrefToLLVM;
  memrefToLLVM.useGenericFunctions = threads == Threads::Runtime;
  pm.addPass(mlir::createFinalizeMemRefToLLVMConversionPass(memrefToLLVM));
  pm.addPass(mlir::createConvertComplexToLLVMPass());
  pm.addPass(mlir::createConvertMathToLLVMPass());
  // What LLVM has no intrinsic for (tanh, ...) becomes a libm call.
  pm.addPass(mlir::createConvertMathToLibmPass());
  pm.addPass(mlir::createArithToLLVMConversionPass());
  pm.addPass(mlir::createConvertIndexToLLVMPass());
  pm.addPass(mlir::createConvertFuncToLLVMPass());
  pm.addPass(mlir::createConvertControlFlowToLLVMPass());
  pm.addPass(mlir::createConvertOpenMPToLLVMPass());
  // Padding values of vector transfers.
  pm.addPass(mlir::createUBToLLVMConversionPass());
  pm.addPass(mlir::createReconcileUnrealizedCastsPass());
  pm.addPass(mlir::ein::createEinEmitCEntryPoint());
  pm.addPass(mlir::createCanonicalizerPass());
}

unsigned smVersion(llvm::StringRef chip) {
  unsigned sm = 0;
  if (chip.consume_front("sm_"))
    (void)chip.take_while(llvm::isDigit).getAsInteger(10, sm);
  return sm;
}

void buildLinalgToGPULaunchesPipeline(OpPassManager &pm,
                                      const GPUTargetOptions &target) {
  buildBufferizationPipeline(pm);
  pm.addPass(mlir::ein::createEinGpuAttentionKernels());
  mlir::ein::EinGpuTileContractionsOptions tile;
  tile.sm = smVersion(target.chip);
  tile.emulated = target.emulated;
  tile.tf32 = target.tf32;
  pm.addPass(mlir::ein::createEinGpuTileContractions(tile));
  pm.addPass(mlir::ein::createEinGpuParallelLoops());
  // Mapped and launched before any canonicalisation, which would fold the
  // one-iteration loops of scalar results into host code.
  pm.addPass(mlir::ein::createEinGpuMapLoops());
  pm.addPass(mlir::createConvertParallelLoopToGpuPass());
  // Folded index arithmetic is constants, which outlining copies into the
  // kernels instead of passing them.
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(mlir::createCSEPass());
}

void buildLinalgToGPUPipeline(OpPassManager &pm,
                              const GPUTargetOptions &target) {
  buildLinalgToGPULaunchesPipeline(pm, target);
  pm.addPass(mlir::createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(mlir::createGpuKernelOutliningPass());
  pm.addPass(mlir::ein::createEinGpuMergeModules());
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(mlir::createCSEPass());
}

void buildGPUToNVVMPipeline(OpPassManager &pm, const GPUTargetOptions &target) {
  mlir::GpuNVVMAttachTargetOptions attach;
  attach.chip = target.chip;
  attach.optLevel = target.optLevel;
  pm.addPass(mlir::createGpuNVVMAttachTarget(attach));
  OpPassManager &device = pm.nest<mlir::gpu::GPUModuleOp>();
  device.addPass(mlir::createLowerAffinePass());
  device.addPass(mlir::createSCFToControlFlowPass());
  device.addPass(mlir::memref::createExpandStridedMetadataPass());
  device.addPass(mlir::createLowerAffinePass());
  mlir::ConvertGpuOpsToNVVMOpsOptions nvvm;
  nvvm.indexBitwidth = 64;
  device.addPass(mlir::createConvertGpuOpsToNVVMOps(nvvm));
  device.addPass(mlir::createReconcileUnrealizedCastsPass());
  device.addPass(mlir::createCanonicalizerPass());
  device.addPass(mlir::createCSEPass());
}

void buildNVVMToPTXPipeline(OpPassManager &pm) {
  mlir::GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = "isa";
  pm.addPass(mlir::createGpuModuleToBinaryPass(binary));
}

void buildGPUHostToLLVMPipeline(OpPassManager &pm) {
  pm.addPass(mlir::ein::createEinGpuHostMemory());
  pm.addPass(mlir::memref::createExpandStridedMetadataPass());
  pm.addPass(mlir::createLowerAffinePass());
  pm.addPass(mlir::createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(mlir::createGpuToLLVMConversionPass());
  pm.addPass(mlir::createArithToLLVMConversionPass());
  pm.addPass(mlir::createConvertIndexToLLVMPass());
  pm.addPass(mlir::createConvertFuncToLLVMPass());
  pm.addPass(mlir::createConvertControlFlowToLLVMPass());
  pm.addPass(mlir::createReconcileUnrealizedCastsPass());
  pm.addPass(mlir::ein::createEinEmitCEntryPoint());
  pm.addPass(mlir::createCanonicalizerPass());
}

void buildGPUEmulationPipeline(OpPassManager &pm) {
  pm.addPass(mlir::ein::createEinEmulateGpuLaunches());
  pm.addPass(mlir::createCanonicalizerPass());
  buildLoopsToLLVMPipeline(pm, Threads::Runtime);
}

void buildEinCPUPipeline(OpPassManager &pm, const PathOptions &path,
                         Threads threads, bool fuseAttention) {
  buildEinToLinalgPipeline(pm, path, fuseAttention);
  buildLinalgToLLVMPipeline(pm, threads);
}

void registerEinPipelines() {
  PassPipelineRegistration<>(
      "ein-cpu-pipeline",
      "Lower ein dialect entry functions to the LLVM dialect for the CPU",
      [](OpPassManager &pm) { buildEinCPUPipeline(pm); });
  PassPipelineRegistration<>(
      "ein-to-linalg-pipeline", "Lower the ein dialect to linalg on tensors",
      [](OpPassManager &pm) { buildEinToLinalgPipeline(pm); });
  PassPipelineRegistration<>(
      "ein-gpu-pipeline",
      "Lower ein dialect entry functions to kernels in NVVM (the gpu.module "
      "ready for gpu-module-to-binary) launched by the entry function",
      [](OpPassManager &pm) {
        buildEinToLinalgPipeline(pm, defaultCompilePathOptions(),
                                 /*fuseAttention=*/false, /*cpu=*/false);
        buildLinalgToGPUPipeline(pm, GPUTargetOptions());
        buildGPUToNVVMPipeline(pm, GPUTargetOptions());
      });
}

} // namespace ein
