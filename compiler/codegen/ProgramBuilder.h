//===- ProgramBuilder.h - Index-notation programs as ein IR -----*- C++ -*-===//

#ifndef EINC_CODEGEN_PROGRAMBUILDER_H
#define EINC_CODEGEN_PROGRAMBUILDER_H

#include "compiler/parser/Program.h"
#include "einc/Jit.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace ein {

/// Builds one entry function `name` computing `program` for inputs of
/// `shapes` (in declaration order): arguments are the inputs, results the
/// outputs in `out` order. Products summed over indices become
/// ein.contract (so the path search sees them), everything else ein.map,
/// ein.reduce and ein.softmax. Shape and type errors are ExprErrors that
/// point into the program; `outputShapes` receives the result shapes.
llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
buildProgramModule(mlir::MLIRContext &ctx, const Program &program,
                   const std::vector<Shape> &shapes, DType dtype,
                   llvm::StringRef name, std::vector<Shape> &outputShapes);

} // namespace ein

#endif // EINC_CODEGEN_PROGRAMBUILDER_H
