//===- ParallelizeLoops.cpp - Marked loops onto OpenMP threads ------------===//
//
// ein-vectorize-contractions marks the outermost loop over independent
// blocks of C with `ein.parallel`. After bufferization such a loop returns
// nothing; here it becomes an scf.parallel, MLIR's SCF-to-OpenMP conversion
// turns that into omp.parallel + omp.wsloop, and each region's thread
// count is read from the runtime when it starts. Scratch buffers of the
// block loops (packed panels) move to each thread's stack, so that worker
// threads never call malloc: running out of memory can then only happen
// on the calling thread, where the runtime turns it into an error.
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"
#include "compiler/transforms/ParallelMarks.h"

#include "mlir/Conversion/SCFToOpenMP/SCFToOpenMP.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/PassManager.h"

namespace mlir {
namespace ein {
#define GEN_PASS_DEF_EINPARALLELIZELOOPS
#include "compiler/Passes.h.inc"
} // namespace ein
} // namespace mlir

using namespace mlir;

namespace {

constexpr llvm::StringLiteral threadsFn = "einrt_num_threads";

/// Stack a parallel region may take for scratch buffers, per thread (libomp
/// gives its threads 4 MiB; the calling thread has its own stack).
constexpr int64_t kMaxStackScratch = 1 << 20;

/// Bytes of a statically shaped buffer, or 0 when unknown.
int64_t staticBytes(MemRefType type) {
  if (!type.hasStaticShape())
    return 0;
  Type element = type.getElementType();
  int64_t factor = 1;
  if (auto complex = dyn_cast<ComplexType>(element)) {
    element = complex.getElementType();
    factor = 2;
  }
  if (!element.isIntOrFloat())
    return 0;
  return type.getNumElements() * factor *
         int64_t(llvm::divideCeil(element.getIntOrFloatBitWidth(), 8));
}

/// A static memref.alloc in a parallel region whose one dealloc follows it
/// in the same block lives within one iteration of whatever loop runs that
/// block; it becomes one memref.alloca at the start of the region, reused
/// by every iteration the thread runs.
void hoistScratchToStack(ModuleOp module, RewriterBase &rewriter) {
  module.walk([&](omp::ParallelOp region) {
    int64_t bytes = 0;
    SmallVector<std::pair<memref::AllocOp, memref::DeallocOp>> scratch;
    region.walk([&](memref::AllocOp alloc) {
      int64_t size = staticBytes(alloc.getType());
      if (size == 0 || !alloc.getType().getLayout().isIdentity() ||
          bytes + size > kMaxStackScratch)
        return;
      memref::DeallocOp dealloc;
      for (Operation *user : alloc->getUsers())
        if (auto d = dyn_cast<memref::DeallocOp>(user)) {
          if (dealloc)
            return;
          dealloc = d;
        }
      if (!dealloc || dealloc->getBlock() != alloc->getBlock() ||
          !alloc->isBeforeInBlock(dealloc))
        return;
      bytes += size;
      scratch.push_back({alloc, dealloc});
    });
    for (auto [alloc, dealloc] : scratch) {
      rewriter.setInsertionPointToStart(&region.getRegion().front());
      auto alloca = memref::AllocaOp::create(
          rewriter, alloc.getLoc(), alloc.getType(), alloc.getAlignmentAttr());
      rewriter.replaceOp(alloc, alloca.getResult());
      rewriter.eraseOp(dealloc);
    }
  });
}

/// Replaces `loop` (no results) with a one-dimensional scf.parallel over
/// the same range.
void toParallel(RewriterBase &rewriter, scf::ForOp loop) {
  rewriter.setInsertionPoint(loop);
  auto parallel = scf::ParallelOp::create(
      rewriter, loop.getLoc(), ValueRange{loop.getLowerBound()},
      ValueRange{loop.getUpperBound()}, ValueRange{loop.getStep()});
  Block *body = parallel.getBody();
  // The new body ends with scf.reduce; the loop's own terminator (a
  // yield of nothing) is left behind.
  rewriter.setInsertionPointToStart(body);
  IRMapping mapping;
  mapping.map(loop.getInductionVar(), parallel.getInductionVars()[0]);
  for (Operation &op : loop.getBody()->without_terminator())
    rewriter.clone(op, mapping);
  rewriter.eraseOp(loop);
}

struct EinParallelizeLoopsPass
    : mlir::ein::impl::EinParallelizeLoopsBase<EinParallelizeLoopsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<scf::ForOp> loops;
    module.walk([&](scf::ForOp loop) {
      if (!loop->hasAttr(::ein::kParallelAttr))
        return;
      loop->removeAttr(::ein::kParallelAttr);
      // A loop that still carries values is not a set of independent
      // iterations: it stays sequential.
      if (loop.getNumResults() == 0)
        loops.push_back(loop);
    });
    if (loops.empty())
      return;
    IRRewriter rewriter(&getContext());
    for (scf::ForOp loop : loops)
      toParallel(rewriter, loop);

    OpPassManager convert(ModuleOp::getOperationName());
    convert.addPass(createConvertSCFToOpenMPPass());
    if (failed(runPipeline(convert, module)))
      return signalPassFailure();
    // The conversion wraps each body in memref.alloca_scope, which must
    // stay one block, so the inner loops could not be lowered to branches.
    // Block bodies allocate nothing on the stack: drop the scopes.
    SmallVector<memref::AllocaScopeOp> scopes;
    module.walk([&](memref::AllocaScopeOp scope) {
      bool allocates = false;
      scope.walk([&](memref::AllocaOp) { allocates = true; });
      if (scope->getParentOfType<omp::ParallelOp>() && !allocates)
        scopes.push_back(scope);
    });
    for (memref::AllocaScopeOp scope : scopes) {
      Block *body = &scope.getBodyRegion().front();
      Operation *terminator = body->getTerminator();
      SmallVector<Value> results(terminator->getOperands());
      rewriter.eraseOp(terminator);
      rewriter.inlineBlockBefore(body, scope);
      rewriter.replaceOp(scope, results);
    }
    hoistScratchToStack(module, rewriter);
    if (!runtimeThreads)
      return;

    // Every region asks the runtime how many threads to use.
    auto i32 = rewriter.getI32Type();
    auto fnType = rewriter.getFunctionType({}, {i32});
    if (!module.lookupSymbol<func::FuncOp>(threadsFn)) {
      rewriter.setInsertionPointToEnd(module.getBody());
      auto decl =
          func::FuncOp::create(rewriter, module.getLoc(), threadsFn, fnType);
      decl.setPrivate();
    }
    module.walk([&](omp::ParallelOp region) {
      rewriter.setInsertionPoint(region);
      auto count = func::CallOp::create(rewriter, region.getLoc(), threadsFn,
                                        TypeRange{i32}, ValueRange{});
      region.getNumThreadsMutable().assign(count.getResult(0));
    });
  }
};

} // namespace
