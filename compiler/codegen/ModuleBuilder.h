//===- ModuleBuilder.h - Einsum problems as ein dialect IR ------*- C++ -*-===//

#ifndef EINC_CODEGEN_MODULEBUILDER_H
#define EINC_CODEGEN_MODULEBUILDER_H

#include "compiler/parser/Einsum.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace ein {

/// The MLIR element type of `dtype`.
mlir::Type elementType(mlir::MLIRContext &ctx, DType dtype);

/// Builds a module with one entry function `name` computing `problem`:
///
///   func.func @name(%a: tensor<...>, ...) -> tensor<...>
///       attributes {ein.entry_sizes = [...]} {
///     %r = ein.contract "..." %a, ... : (...) -> tensor<...>
///     return %r
///   }
///
/// `ein.entry_sizes` lists, per argument and then the result, each
/// dimension's static extent or -(k+1) for the k-th size parameter of the C
/// entry point (the labels of EinsumProblem::dynamicLabels()).
mlir::OwningOpRef<mlir::ModuleOp>
buildEinsumModule(mlir::MLIRContext &ctx, const EinsumProblem &problem,
                  llvm::StringRef name);

} // namespace ein

#endif // EINC_CODEGEN_MODULEBUILDER_H
