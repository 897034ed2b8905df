//===- Pipeline.cpp - Pass pipelines of the compiler ----------------------===//

#include "compiler/pipeline/Pipeline.h"
#include "compiler/Passes.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ComplexToLLVM/ComplexToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void ::ein::buildEinToLinalgPipeline(OpPassManager &pm) {
  pm.addPass(mlir::ein::createEinDecomposeContractions());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(mlir::ein::createConvertEinToLinalg());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void ::ein::buildLinalgToLLVMPipeline(OpPassManager &pm) {
  pm.addPass(mlir::ein::createEinMemrefEntry());
  pm.addPass(bufferization::createEmptyTensorEliminationPass());
  pm.addPass(bufferization::createOneShotBufferizePass());
  bufferization::buildBufferDeallocationPipeline(pm);
  pm.addPass(createConvertLinalgToLoopsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertComplexToLLVMPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(mlir::ein::createEinEmitCEntryPoint());
  pm.addPass(createCanonicalizerPass());
}

void ::ein::buildEinCPUPipeline(OpPassManager &pm) {
  buildEinToLinalgPipeline(pm);
  buildLinalgToLLVMPipeline(pm);
}

void ::ein::registerEinPipelines() {
  PassPipelineRegistration<>(
      "ein-cpu-pipeline",
      "Lower ein dialect entry functions to the LLVM dialect for the CPU",
      buildEinCPUPipeline);
  PassPipelineRegistration<>("ein-to-linalg-pipeline",
                             "Lower the ein dialect to linalg on tensors",
                             buildEinToLinalgPipeline);
}
