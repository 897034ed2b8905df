//===- MemrefEntry.cpp - Destination-passing entry functions --------------===//

#include "compiler/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"

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

/// Gives every use of a tensor.empty, or of a linalg.fill of one, its own
/// copy. CSE merges identical ones (the initial values of two reductions,
/// say), and empty-tensor elimination would then compute two results in
/// the same output buffer.
void unshareDestinations(func::FuncOp func) {
  SmallVector<Operation *> shared;
  func.walk([&](Operation *op) {
    bool fillOfEmpty = isa<linalg::FillOp>(op) &&
                       op->getOperand(1).getDefiningOp<tensor::EmptyOp>();
    if ((isa<tensor::EmptyOp>(op) || fillOfEmpty) && op->getNumResults() == 1)
      shared.push_back(op);
  });
  for (Operation *op : shared) {
    SmallVector<OpOperand *> uses;
    for (OpOperand &use : op->getResult(0).getUses())
      uses.push_back(&use);
    OpBuilder b(op);
    for (OpOperand *use : llvm::drop_begin(uses)) {
      IRMapping map;
      if (auto fill = dyn_cast<linalg::FillOp>(op)) {
        Operation *empty = fill.getOutputs()[0].getDefiningOp();
        map.map(empty->getResult(0), b.clone(*empty)->getResult(0));
      }
      use->set(b.clone(*op, map)->getResult(0));
    }
  }
}

LogicalResult rewriteEntry(func::FuncOp func) {
  unshareDestinations(func);
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
