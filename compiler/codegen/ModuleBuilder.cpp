//===- ModuleBuilder.cpp - Einsum problems as ein dialect IR --------------===//

#include "compiler/codegen/ModuleBuilder.h"
#include "dialect/EinOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

using mlir::ArrayRef;
using mlir::Attribute;
using mlir::Block;
using mlir::ComplexType;
using mlir::DenseI64ArrayAttr;
using mlir::FileLineColLoc;
using mlir::Float32Type;
using mlir::Float64Type;
using mlir::IntegerType;
using mlir::Location;
using mlir::MLIRContext;
using mlir::ModuleOp;
using mlir::OpBuilder;
using mlir::OwningOpRef;
using mlir::RankedTensorType;
using mlir::ShapedType;
using mlir::SmallVector;
using mlir::Type;
using mlir::Value;
using mlir::ein::kDynamicExtent;

Type ein::elementType(MLIRContext &ctx, DType dtype) {
  switch (dtype) {
  case f32:
    return Float32Type::get(&ctx);
  case f64:
    return Float64Type::get(&ctx);
  case c64:
    return ComplexType::get(Float32Type::get(&ctx));
  case c128:
    return ComplexType::get(Float64Type::get(&ctx));
  case i32:
    return IntegerType::get(&ctx, 32);
  case i64:
    return IntegerType::get(&ctx, 64);
  case f16:
    return mlir::Float16Type::get(&ctx);
  case bf16:
    return mlir::BFloat16Type::get(&ctx);
  }
  llvm_unreachable("unknown dtype");
}

OwningOpRef<ModuleOp> ein::buildEinsumModule(MLIRContext &ctx,
                                             const EinsumProblem &problem,
                                             llvm::StringRef name) {
  ctx.loadDialect<mlir::ein::EinDialect, mlir::func::FuncDialect>();
  Location loc = FileLineColLoc::get(&ctx, problem.expression, 1, 1);
  OpBuilder b(&ctx);
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  b.setInsertionPointToEnd(module->getBody());

  Type element = elementType(ctx, problem.dtype);
  std::string dynamicLabels = problem.dynamicLabels();
  auto toType = [&](ArrayRef<int64_t> shape) {
    SmallVector<int64_t> dims;
    for (int64_t d : shape)
      dims.push_back(d == kDynamicExtent ? ShapedType::kDynamic : d);
    return RankedTensorType::get(dims, element);
  };
  auto sizesAttr = [&](ArrayRef<int64_t> shape, llvm::StringRef labels) {
    SmallVector<int64_t> sizes;
    for (auto [d, extent] : llvm::enumerate(shape))
      sizes.push_back(
          extent != kDynamicExtent
              ? extent
              : -static_cast<int64_t>(dynamicLabels.find(labels[d]) + 1));
    return DenseI64ArrayAttr::get(&ctx, sizes);
  };

  SmallVector<Type> inputTypes;
  SmallVector<Attribute> sizes;
  for (auto [i, shape] : llvm::enumerate(problem.inputShapes)) {
    inputTypes.push_back(toType(shape));
    sizes.push_back(sizesAttr(shape, problem.subscripts.inputs[i]));
  }
  Type resultType = toType(problem.outputShape);
  sizes.push_back(sizesAttr(problem.outputShape, problem.subscripts.output));

  auto func = mlir::func::FuncOp::create(
      b, loc, name, b.getFunctionType(inputTypes, resultType));
  func->setAttr("ein.entry_sizes", b.getArrayAttr(sizes));
  Block *body = func.addEntryBlock();
  b.setInsertionPointToStart(body);
  Value result = mlir::ein::ContractOp::create(
      b, loc, resultType, problem.subscripts.str(), body->getArguments());
  mlir::func::ReturnOp::create(b, loc, result);
  return module;
}
