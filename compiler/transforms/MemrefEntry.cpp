//===- MemrefEntry.cpp - Destination-passing entry functions --------------===//

#include "compiler/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace mlir {
namespace ein {
#define GEN_PASS_DEF_EINMEMREFENTRY
#include "compiler/Passes.h.inc"
} // namespace ein
} // namespace mlir

using namespace mlir;

namespace {

MemRefType toMemRef(Type type) {
  auto tensor = cast<RankedTensorType>(type);
  return MemRefType::get(tensor.getShape(), tensor.getElementType());
}

LogicalResult rewriteEntry(func::FuncOp func) {
  FunctionType type = func.getFunctionType();
  for (Type t : llvm::concat<const Type>(type.getInputs(), type.getResults()))
    if (!isa<RankedTensorType>(t))
      return func.emitOpError("an ein entry function takes and returns "
                              "ranked tensors");

  Block &entry = func.getBody().front();
  OpBuilder b(func.getContext());
  b.setInsertionPointToStart(&entry);
  SmallVector<Type> argTypes;
  unsigned numInputs = type.getNumInputs();
  for (unsigned i = 0; i < numInputs; ++i) {
    BlockArgument oldArg = entry.getArgument(i);
    MemRefType memref = toMemRef(oldArg.getType());
    argTypes.push_back(memref);
    BlockArgument newArg = entry.addArgument(memref, oldArg.getLoc());
    Value tensor = bufferization::ToTensorOp::create(
        b, oldArg.getLoc(), oldArg.getType(), newArg, /*restrict=*/true);
    oldArg.replaceAllUsesWith(tensor);
  }
  SmallVector<Value> outs;
  for (Type result : type.getResults()) {
    MemRefType outType = toMemRef(result);
    argTypes.push_back(outType);
    outs.push_back(entry.addArgument(outType, func.getLoc()));
  }
  entry.eraseArguments(0, numInputs);

  func.walk([&](func::ReturnOp ret) {
    b.setInsertionPoint(ret);
    for (auto [value, out] : llvm::zip(ret.getOperands(), outs))
      bufferization::MaterializeInDestinationOp::create(
          b, ret.getLoc(), TypeRange{}, value, out,
          /*restrict=*/true, /*writable=*/true);
    func::ReturnOp::create(b, ret.getLoc());
    ret.erase();
  });
  func.setFunctionType(b.getFunctionType(argTypes, {}));
  return success();
}

struct EinMemrefEntryPass
    : mlir::ein::impl::EinMemrefEntryBase<EinMemrefEntryPass> {
  using Base::Base;
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (func->hasAttr("ein.entry_sizes") && failed(rewriteEntry(func)))
        return signalPassFailure();
  }
};

} // namespace
