//===- LinalgToRuntimeCalls.cpp - ein linear algebra to runtime calls -----===//
//
// Each op becomes a call of the runtime's einrt_kernel_* entry point on the
// operands' buffers: bufferization.to_buffer for the inputs, a fresh
// memref.alloc for the result, and bufferization.to_tensor of it after the
// call. Pointers travel as i64 (the runtime takes them as pointers).
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"
#include "dialect/EinOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

#include <type_traits>

using namespace mlir;
using namespace mlir::ein;

namespace {

/// The runtime's dtype code of `type`'s elements (einrt_dtype).
int32_t dtypeCode(Type element) {
  if (auto c = dyn_cast<ComplexType>(element))
    return c.getElementType().isF32() ? 2 : 3;
  return element.isF32() ? 0 : 1;
}

/// Declares `name(params...) -> i32` in the module once.
func::FuncOp declare(OpBuilder &b, Operation *op, StringRef name,
                     TypeRange params) {
  auto module = op->getParentOfType<ModuleOp>();
  if (auto f = module.lookupSymbol<func::FuncOp>(name))
    return f;
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(module.getBody());
  auto f = func::FuncOp::create(b, op->getLoc(), name,
                                b.getFunctionType(params, b.getI32Type()));
  f.setPrivate();
  return f;
}

/// Declares `name(i32, i64...) -> i32` in the module once.
func::FuncOp declare(OpBuilder &b, Operation *op, StringRef name,
                     unsigned numI64) {
  SmallVector<Type> params{b.getI32Type()};
  params.append(numI64, b.getI64Type());
  return declare(b, op, name, params);
}

Value i64(OpBuilder &b, Location loc, Value index) {
  return arith::IndexCastOp::create(b, loc, b.getI64Type(), index);
}

/// The aligned pointer of `memref` as an i64.
Value pointerOf(OpBuilder &b, Location loc, Value memref) {
  return i64(b, loc,
             memref::ExtractAlignedPointerAsIndexOp::create(b, loc, memref));
}

Value bufferOf(OpBuilder &b, Location loc, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  auto memrefType = MemRefType::get(type.getShape(), type.getElementType());
  return bufferization::ToBufferOp::create(b, loc, memrefType, tensor,
                                           /*readOnly=*/true);
}

/// An uninitialised buffer shaped like `like` (a tensor).
Value allocLike(OpBuilder &b, Location loc, RankedTensorType type, Value like) {
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      sizes.push_back(tensor::DimOp::create(b, loc, like, d));
  return memref::AllocOp::create(
      b, loc, MemRefType::get(type.getShape(), type.getElementType()), sizes);
}

Value toTensor(OpBuilder &b, Location loc, RankedTensorType type,
               Value memref) {
  return bufferization::ToTensorOp::create(b, loc, type, memref,
                                           /*restrict=*/true,
                                           /*writable=*/true);
}

/// inv, det and cholesky: name(dtype, n, a, out, statement).
template <typename OpTy> struct MatrixOpLowering : OpConversionPattern<OpTy> {
  MatrixOpLowering(MLIRContext *ctx, StringRef fn)
      : OpConversionPattern<OpTy>(ctx), fn(fn) {}

  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    auto resultType = cast<RankedTensorType>(op.getType());
    func::FuncOp callee = declare(b, op, fn, 4);
    Value out = allocLike(b, loc, resultType, input);
    Value n = i64(b, loc, tensor::DimOp::create(b, loc, input, 0));
    Value args[] = {
        arith::ConstantOp::create(
            b, loc, b.getI32IntegerAttr(dtypeCode(inputType.getElementType()))),
        n, pointerOf(b, loc, bufferOf(b, loc, input)), pointerOf(b, loc, out),
        arith::ConstantOp::create(b, loc,
                                  b.getI64IntegerAttr(op.getStatement()))};
    func::CallOp::create(b, loc, callee, args);
    b.replaceOp(op, toTensor(b, loc, resultType, out));
    return success();
  }

  std::string fn;
};

/// solve: fn(dtype, n, nrhs, a, b, x, statement); lstsq (`rectangular`):
/// fn(dtype, m, n, nrhs, a, b, x, statement) with x of n rows.
template <typename OpTy> struct SolveOpLowering : OpConversionPattern<OpTy> {
  SolveOpLowering(MLIRContext *ctx, StringRef fn, bool rectangular)
      : OpConversionPattern<OpTy>(ctx), fn(fn), rectangular(rectangular) {}

  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    Value a = adaptor.getA(), rhs = adaptor.getB();
    auto type = cast<RankedTensorType>(op.getType());
    func::FuncOp callee = declare(b, op, fn, rectangular ? 7 : 6);
    SmallVector<Value> sizes;
    if (type.isDynamicDim(0))
      sizes.push_back(tensor::DimOp::create(b, loc, a, 1));
    if (type.getRank() == 2 && type.isDynamicDim(1))
      sizes.push_back(tensor::DimOp::create(b, loc, rhs, 1));
    Value out = memref::AllocOp::create(
        b, loc, MemRefType::get(type.getShape(), type.getElementType()), sizes);
    Value nrhs =
        type.getRank() == 1
            ? Value(arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(1)))
            : i64(b, loc, tensor::DimOp::create(b, loc, rhs, 1));
    SmallVector<Value> args{arith::ConstantOp::create(
        b, loc, b.getI32IntegerAttr(dtypeCode(type.getElementType())))};
    args.push_back(i64(b, loc, tensor::DimOp::create(b, loc, a, 0)));
    if (rectangular)
      args.push_back(i64(b, loc, tensor::DimOp::create(b, loc, a, 1)));
    args.append(
        {nrhs, pointerOf(b, loc, bufferOf(b, loc, a)),
         pointerOf(b, loc, bufferOf(b, loc, rhs)), pointerOf(b, loc, out),
         arith::ConstantOp::create(b, loc,
                                   b.getI64IntegerAttr(op.getStatement()))});
    func::CallOp::create(b, loc, callee, args);
    b.replaceOp(op, toTensor(b, loc, type, out));
    return success();
  }

  std::string fn;
  bool rectangular;
};

/// svd, qr, eigh, eig and slogdet: fn(dtype, sizes..., a, results...,
/// statement); svd with a cutoff calls einrt_kernel_svd_cutoff(dtype, m,
/// n, a, u, s, vt, cutoff, statement).
template <typename OpTy> struct FactorOpLowering : OpConversionPattern<OpTy> {
  FactorOpLowering(MLIRContext *ctx, StringRef fn, bool square)
      : OpConversionPattern<OpTy>(ctx), fn(fn), square(square) {}

  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    SmallVector<Value> args{arith::ConstantOp::create(
        b, loc, b.getI32IntegerAttr(dtypeCode(inputType.getElementType())))};
    args.push_back(i64(b, loc, tensor::DimOp::create(b, loc, input, 0)));
    if (!square)
      args.push_back(i64(b, loc, tensor::DimOp::create(b, loc, input, 1)));
    args.push_back(pointerOf(b, loc, bufferOf(b, loc, input)));
    SmallVector<Value> outs;
    for (Value result : op->getResults()) {
      auto type = cast<RankedTensorType>(result.getType());
      // Dynamic result extents are the operand's (or their minimum, which
      // the runtime computes; only static shapes reach here from programs).
      SmallVector<Value> sizes;
      for (int64_t d = 0; d < type.getRank(); ++d)
        if (type.isDynamicDim(d))
          return b.notifyMatchFailure(op, "dynamic factor shapes");
      Value out = memref::AllocOp::create(
          b, loc, MemRefType::get(type.getShape(), type.getElementType()),
          sizes);
      outs.push_back(out);
      args.push_back(pointerOf(b, loc, out));
    }
    StringRef name = fn;
    if constexpr (std::is_same_v<OpTy, SvdOp>) {
      // svd(..., cutoff=c) zeroes the small singular values in the runtime.
      if (double cutoff = op.getCutoffAttr().getValueAsDouble(); cutoff != 0) {
        name = "einrt_kernel_svd_cutoff";
        args.push_back(
            arith::ConstantOp::create(b, loc, b.getF64FloatAttr(cutoff)));
      }
    }
    args.push_back(arith::ConstantOp::create(
        b, loc, b.getI64IntegerAttr(op.getStatement())));
    func::FuncOp callee =
        declare(b, op, name, llvm::to_vector(ValueRange(args).getTypes()));
    func::CallOp::create(b, loc, callee, args);
    SmallVector<Value> results;
    for (auto [out, result] : llvm::zip(outs, op->getResults()))
      results.push_back(
          toTensor(b, loc, cast<RankedTensorType>(result.getType()), out));
    b.replaceOp(op, results);
    return success();
  }

  std::string fn;
  bool square;
};

} // namespace

void mlir::ein::populateEinLinalgToRuntimeCallsPatterns(
    RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<MatrixOpLowering<InvOp>>(ctx, "einrt_kernel_inv");
  patterns.add<MatrixOpLowering<DetOp>>(ctx, "einrt_kernel_det");
  patterns.add<MatrixOpLowering<CholeskyOp>>(ctx, "einrt_kernel_cholesky");
  patterns.add<SolveOpLowering<SolveOp>>(ctx, "einrt_kernel_solve", false);
  patterns.add<SolveOpLowering<LstsqOp>>(ctx, "einrt_kernel_lstsq", true);
  patterns.add<FactorOpLowering<SvdOp>>(ctx, "einrt_kernel_svd", false);
  patterns.add<FactorOpLowering<QrOp>>(ctx, "einrt_kernel_qr", false);
  patterns.add<FactorOpLowering<EighOp>>(ctx, "einrt_kernel_eigh", true);
  patterns.add<FactorOpLowering<SlogdetOp>>(ctx, "einrt_kernel_slogdet", true);
  patterns.add<FactorOpLowering<EigOp>>(ctx, "einrt_kernel_eig", true);
}

LogicalResult mlir::ein::retargetRuntimeCallsToGPU(ModuleOp module) {
  constexpr StringLiteral prefix = "einrt_kernel_";
  SmallVector<func::FuncOp> declarations;
  for (auto f : module.getOps<func::FuncOp>())
    if (f.isDeclaration() && f.getName().starts_with(prefix))
      declarations.push_back(f);
  for (func::FuncOp f : declarations) {
    auto name = StringAttr::get(module.getContext(),
                                "einrt_gpu_kernel_" +
                                    f.getName().drop_front(prefix.size()));
    if (failed(SymbolTable::replaceAllSymbolUses(f, name, module)))
      return failure();
    SymbolTable::setSymbolName(f, name);
  }
  return success();
}
