//===- EinDialect.cpp - The ein dialect -----------------------------------===//

#include "dialect/EinDialect.h"
#include "dialect/EinOps.h"

using namespace mlir;
using namespace mlir::ein;

#include "dialect/EinOpsDialect.cpp.inc"

void EinDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialect/EinOps.cpp.inc"
      >();
}
