//===- ein-opt.cpp - The opt driver with the ein dialect and passes -------===//

#include "compiler/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  ein::registerAllEinPasses();
  mlir::DialectRegistry registry;
  ein::registerEinDialects(registry);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Einc optimizer driver\n", registry));
}
