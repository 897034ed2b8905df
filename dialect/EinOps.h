//===- EinOps.h - Ein dialect ops -------------------------------*- C++ -*-===//

#ifndef EIN_DIALECT_EINOPS_H
#define EIN_DIALECT_EINOPS_H

#include "dialect/EinDialect.h"
#include "dialect/Subscripts.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "dialect/EinOps.h.inc"

#endif // EIN_DIALECT_EINOPS_H
