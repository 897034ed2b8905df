//===- InitAll.cpp - Register what Einc's tools use -----------------------===//
//
// The only file that includes MLIR's InitAll headers: they are slow to
// compile, so everything else keeps its includes narrow.
//
//===----------------------------------------------------------------------===//

#include "compiler/InitAll.h"
#include "compiler/Passes.h"
#include "compiler/pipeline/Pipeline.h"
#include "dialect/EinDialect.h"

#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

void ein::registerEinDialects(mlir::DialectRegistry &registry) {
  registry.insert<mlir::ein::EinDialect>();
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerAllToLLVMIRTranslations(registry);
}

void ein::registerAllEinPasses() {
  mlir::registerAllPasses();
  mlir::ein::registerEinPasses();
  registerEinPipelines();
}
