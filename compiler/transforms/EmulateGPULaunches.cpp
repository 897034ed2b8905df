//===- EmulateGPULaunches.cpp - gpu.launch as CPU loops and threads -------===//
//
// ein-emulate-gpu-launches runs GPU kernels on the CPU, so that what the
// NVPTX pipeline builds (tiling, shared memory, index arithmetic, masks)
// is checked numerically on machines without a GPU. Each gpu.launch
// becomes loops over its blocks, one after another. A block whose kernel
// synchronises (gpu.barrier) runs its threads as the threads of an
// omp.parallel region of exactly that many threads, the barrier an
// omp.barrier, its workgroup buffers on the stack of the calling thread
// and shared by the region; a block without barriers runs its threads as
// loops. Warp-level operations (gpu.subgroup_mma_*) have no emulation:
// the pass fails on them.
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace ein {
#define GEN_PASS_DEF_EINEMULATEGPULAUNCHES
#include "compiler/Passes.h.inc"
} // namespace ein
} // namespace mlir

using namespace mlir;

namespace {

constexpr llvm::StringLiteral threadNumFn = "omp_get_thread_num";
constexpr llvm::StringLiteral threadCountFn = "omp_get_num_threads";

struct EinEmulateGpuLaunchesPass
    : mlir::ein::impl::EinEmulateGpuLaunchesBase<EinEmulateGpuLaunchesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<gpu::LaunchOp> launches;
    module.walk([&](gpu::LaunchOp op) { launches.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (gpu::LaunchOp launch : launches)
      if (failed(emulate(rewriter, launch)))
        return signalPassFailure();
  }

  /// Declares the OpenMP runtime's `name` (() -> i32) once.
  void declareOmpQuery(RewriterBase &rewriter, StringRef name) {
    ModuleOp module = getOperation();
    if (module.lookupSymbol<func::FuncOp>(name))
      return;
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointToEnd(module.getBody());
    auto fn = func::FuncOp::create(
        rewriter, module.getLoc(), name,
        rewriter.getFunctionType({}, {rewriter.getI32Type()}));
    fn.setPrivate();
  }

  LogicalResult emulate(RewriterBase &rewriter, gpu::LaunchOp launch) {
    Location loc = launch.getLoc();
    if (launch.getAsyncToken() || !launch.getAsyncDependencies().empty() ||
        !launch.getPrivateAttributions().empty() ||
        launch.getDynamicSharedMemorySize() || launch.hasClusterSize() ||
        !launch.getBody().hasOneBlock())
      return launch.emitError("this launch has no CPU emulation");
    bool warpLevel = false, barriers = false;
    launch.walk([&](Operation *op) {
      auto intrinsic = dyn_cast<LLVM::CallIntrinsicOp>(op);
      warpLevel |=
          isa<gpu::SubgroupMmaComputeOp, gpu::SubgroupMmaLoadMatrixOp,
              gpu::SubgroupMmaStoreMatrixOp, gpu::ShuffleOp,
              gpu::SubgroupReduceOp>(op) ||
          (intrinsic && intrinsic.getIntrin().starts_with("llvm.nvvm."));
      barriers |= isa<gpu::BarrierOp>(op);
    });
    if (warpLevel)
      return launch.emitError("warp-level GPU operations have no CPU "
                              "emulation");
    gpu::KernelDim3 blockSize = launch.getBlockSizeOperandValues();
    std::optional<int64_t> bx = getConstantIntValue(blockSize.x),
                           by = getConstantIntValue(blockSize.y),
                           bz = getConstantIntValue(blockSize.z);
    if (!bx || !by || !bz)
      return launch.emitError("emulation needs blocks of a static size");

    rewriter.setInsertionPoint(launch);
    auto index = [&](int64_t v) -> Value {
      return arith::ConstantIndexOp::create(rewriter, loc, v);
    };
    Value zero = index(0), one = index(1);
    IRMapping mapping;
    // Workgroup buffers, reused by the blocks (which run one at a time),
    // aligned to 32 bytes as ein-gpu-merge-modules aligns them on a GPU
    // (kernels store vectors there).
    for (BlockArgument arg : launch.getWorkgroupAttributions()) {
      auto type = cast<MemRefType>(arg.getType());
      auto local = MemRefType::get(type.getShape(), type.getElementType());
      mapping.map(arg,
                  memref::AllocaOp::create(rewriter, loc, local,
                                           rewriter.getI64IntegerAttr(32)));
    }
    gpu::KernelDim3 gridSize = launch.getGridSizeOperandValues();
    gpu::KernelDim3 blockArgs = launch.getBlockIds(),
                    threadArgs = launch.getThreadIds(),
                    gridArgs = launch.getGridSize(),
                    blockDimArgs = launch.getBlockSize();
    mapping.map(gridArgs.x, gridSize.x);
    mapping.map(gridArgs.y, gridSize.y);
    mapping.map(gridArgs.z, gridSize.z);
    mapping.map(blockDimArgs.x, blockSize.x);
    mapping.map(blockDimArgs.y, blockSize.y);
    mapping.map(blockDimArgs.z, blockSize.z);

    OpBuilder::InsertionGuard guard(rewriter);
    auto loop = [&](Value ub, Value iv) {
      auto forOp = scf::ForOp::create(rewriter, loc, zero, ub, one);
      rewriter.setInsertionPointToStart(forOp.getBody());
      mapping.map(iv, forOp.getInductionVar());
    };
    loop(gridSize.z, blockArgs.z);
    loop(gridSize.y, blockArgs.y);
    loop(gridSize.x, blockArgs.x);

    Block &body = launch.getBody().front();
    auto cloneBody = [&]() {
      for (Operation &op : body.without_terminator()) {
        Operation *clone = rewriter.clone(op, mapping);
        SmallVector<gpu::BarrierOp> inner; // the walk includes `clone`
        clone->walk([&](gpu::BarrierOp b) { inner.push_back(b); });
        for (gpu::BarrierOp b : inner) {
          OpBuilder::InsertionGuard g(rewriter);
          rewriter.setInsertionPoint(b);
          rewriter.replaceOpWithNewOp<omp::BarrierOp>(b);
        }
      }
    };
    if (!barriers) {
      loop(blockSize.z, threadArgs.z);
      loop(blockSize.y, threadArgs.y);
      loop(blockSize.x, threadArgs.x);
      cloneBody();
    } else {
      declareOmpQuery(rewriter, threadNumFn);
      Value count = arith::ConstantIntOp::create(
          rewriter, loc, rewriter.getI32Type(), *bx * *by * *bz);
      auto region = omp::ParallelOp::create(rewriter, loc);
      region.getNumThreadsMutable().assign(count);
      Block *entry = rewriter.createBlock(&region.getRegion());
      rewriter.setInsertionPointToStart(entry);
      omp::TerminatorOp::create(rewriter, loc);
      rewriter.setInsertionPointToStart(entry);
      auto num =
          func::CallOp::create(rewriter, loc, threadNumFn,
                               TypeRange{rewriter.getI32Type()}, ValueRange{});
      // num_threads is a request: a smaller team would skip threads.
      declareOmpQuery(rewriter, threadCountFn);
      auto team =
          func::CallOp::create(rewriter, loc, threadCountFn,
                               TypeRange{rewriter.getI32Type()}, ValueRange{});
      Value whole = arith::CmpIOp::create(
          rewriter, loc, arith::CmpIPredicate::eq, team.getResult(0), count);
      cf::AssertOp::create(rewriter, loc, whole,
                           "an emulated GPU block got fewer OpenMP threads "
                           "than its size");
      Value t = arith::IndexCastOp::create(
          rewriter, loc, rewriter.getIndexType(), num.getResult(0));
      mapping.map(threadArgs.x,
                  arith::RemUIOp::create(rewriter, loc, t, index(*bx)));
      Value rest = arith::DivUIOp::create(rewriter, loc, t, index(*bx));
      mapping.map(threadArgs.y,
                  arith::RemUIOp::create(rewriter, loc, rest, index(*by)));
      mapping.map(threadArgs.z,
                  arith::DivUIOp::create(rewriter, loc, rest, index(*by)));
      cloneBody();
    }
    rewriter.eraseOp(launch);
    return success();
  }
};

} // namespace
