//===- GPUHostMemory.cpp - The host code's buffers on the GPU -------------===//
//
// After outlining, host code allocates the intermediates that kernels
// pass to one another. For a GPU run they must live on the device: this
// pass turns host allocations and deallocations into their gpu dialect
// forms, which gpu-to-llvm lowers to the runtime's mgpu* calls. (Host code
// copies nothing: lowerEinsumForGPU checks that every copy is a kernel.)
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir {
namespace ein {
#define GEN_PASS_DEF_EINGPUHOSTMEMORY
#include "compiler/Passes.h.inc"
} // namespace ein
} // namespace mlir

using namespace mlir;

namespace {

struct EinGpuHostMemoryPass
    : mlir::ein::impl::EinGpuHostMemoryBase<EinGpuHostMemoryPass> {
  void runOnOperation() override {
    SmallVector<Operation *> hostOps;
    getOperation()->walk([&](Operation *op) {
      if (isa<gpu::GPUModuleOp>(op))
        return WalkResult::skip();
      if (isa<memref::AllocOp, memref::DeallocOp>(op))
        hostOps.push_back(op);
      return WalkResult::advance();
    });
    // gpu-to-llvm lowers only the asynchronous forms: each becomes an
    // allocation (or free) on a stream that is waited for at once.
    Type token = gpu::AsyncTokenType::get(&getContext());
    for (Operation *op : hostOps) {
      OpBuilder b(op);
      Location loc = op->getLoc();
      Value stream =
          gpu::WaitOp::create(b, loc, token, ValueRange()).getAsyncToken();
      Value done;
      if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
        auto device = gpu::AllocOp::create(
            b, loc, alloc.getType(), token, ValueRange{stream},
            alloc.getDynamicSizes(), alloc.getSymbolOperands(),
            /*hostShared=*/false);
        alloc.replaceAllUsesWith(device.getMemref());
        done = device.getAsyncToken();
      } else {
        done = gpu::DeallocOp::create(b, loc, token, ValueRange{stream},
                                      cast<memref::DeallocOp>(op).getMemref())
                   .getAsyncToken();
      }
      gpu::WaitOp::create(b, loc, Type(), ValueRange{done});
      op->erase();
    }
  }
};

} // namespace
