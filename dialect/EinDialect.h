//===- EinDialect.h - The ein dialect ---------------------------*- C++ -*-===//

#ifndef EIN_DIALECT_EINDIALECT_H
#define EIN_DIALECT_EINDIALECT_H

#include "mlir/IR/Dialect.h"

#include "dialect/EinOpsDialect.h.inc"

#endif // EIN_DIALECT_EINDIALECT_H
