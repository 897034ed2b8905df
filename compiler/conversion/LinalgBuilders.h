//===- LinalgBuilders.h - Pieces shared by the ein lowerings ----*- C++ -*-===//

#ifndef EINC_CONVERSION_LINALGBUILDERS_H
#define EINC_CONVERSION_LINALGBUILDERS_H

#include "dialect/Subscripts.h"

#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

namespace ein {

/// Operand shapes with kDynamicExtent for dynamic dims.
llvm::SmallVector<llvm::SmallVector<int64_t>> operandShapes(mlir::ValueRange);

/// One linalg.generic's iteration space read off einsum subscripts.
struct GenericSpace {
  llvm::SmallVector<mlir::AffineMap> maps; ///< inputs, then the output
  llvm::SmallVector<mlir::utils::IteratorType> iterators;
  bool reduces = false; ///< some label is summed
};

/// Loops over every label of `s` (output labels but the last, summed
/// labels, then the last output label, so the innermost loop is contiguous
/// in the output). A repeated label gives a repeated dim, and a dimension
/// of extent 1 whose label is larger elsewhere reads index 0.
GenericSpace
buildGenericSpace(const mlir::ein::Subscripts &s,
                  llvm::ArrayRef<llvm::SmallVector<int64_t>> shapes,
                  const mlir::ein::LabelExtents &extents,
                  mlir::MLIRContext *ctx);

/// tensor.empty of `type`, with dynamic extents read from an operand that
/// has the same label.
mlir::Value buildEmpty(mlir::OpBuilder &b, mlir::Location loc,
                       mlir::RankedTensorType type,
                       const mlir::ein::Subscripts &s, mlir::ValueRange inputs,
                       llvm::ArrayRef<llvm::SmallVector<int64_t>> shapes);

/// Scalar arithmetic on f32/f64, complex or integers.
mlir::Value buildConstant(mlir::OpBuilder &b, mlir::Location loc,
                          mlir::Type type, double value);
mlir::Value buildMul(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                     mlir::Value y);
mlir::Value buildAdd(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                     mlir::Value y);

} // namespace ein

#endif // EINC_CONVERSION_LINALGBUILDERS_H
