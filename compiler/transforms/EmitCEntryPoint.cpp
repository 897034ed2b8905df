//===- EmitCEntryPoint.cpp - Plain C signatures for entry functions -------===//

#include "compiler/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinAttributes.h"

namespace mlir {
namespace ein {
#define GEN_PASS_DEF_EINEMITCENTRYPOINT
#include "compiler/Passes.h.inc"
} // namespace ein
} // namespace mlir

using namespace mlir;

namespace {

LogicalResult emitEntry(LLVM::LLVMFuncOp impl, ArrayAttr sizes) {
  MLIRContext *ctx = impl.getContext();
  std::string name = impl.getSymName().str();
  impl.setSymName(name + "_impl");
  impl.setLinkage(LLVM::Linkage::Internal);
  impl->removeAttr("ein.entry_sizes");

  auto ptrType = LLVM::LLVMPointerType::get(ctx);
  auto i64 = IntegerType::get(ctx, 64);
  int64_t numSizeArgs = 0;
  for (Attribute a : sizes)
    for (int64_t e : cast<DenseI64ArrayAttr>(a).asArrayRef())
      numSizeArgs = std::max(numSizeArgs, e < 0 ? -e : 0);

  SmallVector<Type> params(sizes.size(), ptrType);
  params.append(numSizeArgs, i64);
  OpBuilder b(ctx);
  b.setInsertionPointAfter(impl);
  Location loc = impl.getLoc();
  auto entry = LLVM::LLVMFuncOp::create(
      b, loc, name,
      LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx), params));
  Block *body = entry.addEntryBlock(b);
  b.setInsertionPointToStart(body);

  llvm::DenseMap<int64_t, Value> constants;
  auto constant = [&](int64_t v) -> Value {
    Value &c = constants[v];
    if (!c)
      c = LLVM::ConstantOp::create(b, loc, i64, b.getI64IntegerAttr(v));
    return c;
  };
  SmallVector<Value> args;
  for (auto [i, attr] : llvm::enumerate(sizes)) {
    ArrayRef<int64_t> dims = cast<DenseI64ArrayAttr>(attr).asArrayRef();
    Value ptr = body->getArgument(i);
    SmallVector<Value> extents;
    for (int64_t e : dims)
      extents.push_back(e >= 0 ? constant(e)
                               : body->getArgument(sizes.size() + (-e - 1)));
    SmallVector<Value> strides(dims.size());
    Value stride = constant(1);
    for (int64_t d = static_cast<int64_t>(dims.size()) - 1; d >= 0; --d) {
      strides[d] = stride;
      if (d > 0)
        stride = LLVM::MulOp::create(b, loc, stride, extents[d]);
    }
    args.push_back(ptr);
    args.push_back(ptr);
    args.push_back(constant(0));
    args.append(extents);
    args.append(strides);
  }
  if (impl.getNumArguments() != args.size())
    return impl.emitOpError("does not take the expanded memref arguments of "
                            "its ein.entry_sizes");
  LLVM::CallOp::create(b, loc, impl, args);
  LLVM::ReturnOp::create(b, loc, ValueRange{});
  return success();
}

struct EinEmitCEntryPointPass
    : mlir::ein::impl::EinEmitCEntryPointBase<EinEmitCEntryPointPass> {
  using Base::Base;
  void runOnOperation() override {
    SmallVector<LLVM::LLVMFuncOp> entries;
    for (auto func : getOperation().getOps<LLVM::LLVMFuncOp>())
      if (func->hasAttr("ein.entry_sizes"))
        entries.push_back(func);
    for (LLVM::LLVMFuncOp func : entries)
      if (failed(emitEntry(func,
                           func->getAttrOfType<ArrayAttr>("ein.entry_sizes"))))
        return signalPassFailure();
  }
};

} // namespace
