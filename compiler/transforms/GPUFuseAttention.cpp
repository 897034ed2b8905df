//===- GPUFuseAttention.cpp - softmax(scale Q K^T) V as one GPU kernel ----===//
//
// ein-gpu-fuse-attention replaces an attention chain (the matcher of
// ein-fuse-attention) in the NVPTX pipeline with one kernel of online
// softmax, as FlashAttention computes it: each thread owns one query row,
// keeps its scaled query, the running maximum m, the running sum l of
// exp(s - m) and the unnormalised output row in registers, and visits the
// keys in tiles of 32 that the block's 64 threads stage in shared memory
// (K's and V's rows). The scores never reach memory, so memory grows with
// the sequence length and not its square, and the three kernels of the
// unfused chain (with the score matrix written and read twice) become
// one. The operands are first permuted into Q[B, i, d], K[B, j, d],
// V[B, j, e] (ein transposes, kernels of their own when needed) and the
// output out of O[B, i, e]. Until bufferization is done the kernel is a
// call (of a declaration marked ein.gpu_attention) on the operands'
// buffers (bufferization.to_buffer, a memref.alloc for O):
// buffer deallocation does not look into launches. ein-gpu-attention-
// kernels then puts the gpu.launch in the call's place.
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"
#include "compiler/transforms/AttentionMatch.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <limits>

namespace mlir {
namespace ein {
#define GEN_PASS_DEF_EINGPUFUSEATTENTION
#define GEN_PASS_DEF_EINGPUATTENTIONKERNELS
#include "compiler/Passes.h.inc"
} // namespace ein
} // namespace mlir

using namespace mlir;
using namespace mlir::ein;

namespace {

constexpr int64_t kQueries = 64;       // threads (queries) per block
constexpr int64_t kKeys = 32;          // keys per shared tile
constexpr int64_t kMaxRegisters = 192; // d + e per thread
constexpr int64_t kMaxGrid = 65535;
/// On the declarations standing for attention kernels: the scale.
constexpr llvm::StringLiteral kAttentionAttr = "ein.gpu_attention";

class KernelBuilder {
public:
  KernelBuilder(OpBuilder &b, Location loc, Type element)
      : b(b), loc(loc), element(element) {}

  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value flt(double v) {
    return arith::ConstantOp::create(b, loc, element,
                                     b.getFloatAttr(element, v));
  }
  Value add(Value x, Value y) {
    if (isa<IndexType>(x.getType()))
      return arith::AddIOp::create(b, loc, x, y);
    return arith::AddFOp::create(b, loc, x, y, contract());
  }
  Value mul(Value x, Value y) {
    if (isa<IndexType>(x.getType()))
      return arith::MulIOp::create(b, loc, x, y);
    return arith::MulFOp::create(b, loc, x, y, contract());
  }
  Value minIdx(Value x, Value y) {
    return arith::MinUIOp::create(b, loc, x, y);
  }
  arith::FastMathFlagsAttr contract() {
    return arith::FastMathFlagsAttr::get(b.getContext(),
                                         arith::FastMathFlags::contract);
  }

  OpBuilder &b;
  Location loc;
  Type element;
};

/// Builds the kernel computing O[B, i, e] from Q[B, i, d], K[B, j, d] and
/// V[B, j, e] (memrefs) with `scale` on the scores.
void buildKernel(OpBuilder &b, Location loc, Value q, Value k, Value v, Value o,
                 double scale) {
  auto qType = cast<MemRefType>(q.getType()),
       kType = cast<MemRefType>(k.getType()),
       vType = cast<MemRefType>(v.getType());
  int64_t rank = qType.getRank();
  int64_t ni = qType.getDimSize(rank - 2), d = qType.getDimSize(rank - 1),
          nj = kType.getDimSize(rank - 2), e = vType.getDimSize(rank - 1);
  SmallVector<int64_t> batch(qType.getShape().drop_back(2));
  int64_t batches = 1;
  for (int64_t x : batch)
    batches *= x;
  Type element = qType.getElementType();
  KernelBuilder kb(b, loc, element);
  auto space =
      gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  auto shared = [&](int64_t cols) {
    return MemRefType::get({kKeys, cols}, element, MemRefLayoutAttrInterface(),
                           space);
  };
  auto launch = gpu::LaunchOp::create(
      b, loc, kb.idx(llvm::divideCeil(ni, kQueries)), kb.idx(batches),
      kb.idx(1), kb.idx(kQueries), kb.idx(1), kb.idx(1),
      /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
      /*asyncDependencies=*/{}, TypeRange{shared(d), shared(e)});
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(&launch.getBody().front());
  gpu::TerminatorOp::create(b, loc);
  b.setInsertionPointToStart(&launch.getBody().front());
  Value sharedK = launch.getWorkgroupAttributions()[0],
        sharedV = launch.getWorkgroupAttributions()[1];
  Value t = launch.getThreadIds().x;
  Value i = kb.add(kb.mul(launch.getBlockIds().x, kb.idx(kQueries)), t);
  // The batch indices from the linear block index y.
  SmallVector<Value> at;
  Value linear = launch.getBlockIds().y;
  for (int64_t dim = int64_t(batch.size()) - 1; dim >= 0; --dim) {
    at.insert(at.begin(),
              arith::RemUIOp::create(b, loc, linear, kb.idx(batch[dim])));
    linear = arith::DivUIOp::create(b, loc, linear, kb.idx(batch[dim]));
  }
  auto indices = [&](Value row, Value col) {
    SmallVector<Value> all(at);
    all.push_back(row);
    all.push_back(col);
    return all;
  };
  // Rows past the end read the last one (clamped) and store nothing.
  Value row = kb.minIdx(i, kb.idx(ni - 1));
  SmallVector<Value> query;
  Value scaleValue = kb.flt(scale);
  for (int64_t x = 0; x < d; ++x)
    query.push_back(
        kb.mul(memref::LoadOp::create(b, loc, q, indices(row, kb.idx(x))),
               scaleValue));
  SmallVector<Value> init = {kb.flt(-std::numeric_limits<double>::infinity()),
                             kb.flt(0)};
  init.append(e, kb.flt(0));
  auto tiles =
      scf::ForOp::create(b, loc, kb.idx(0), kb.idx(nj), kb.idx(kKeys), init);
  {
    OpBuilder::InsertionGuard inTiles(b);
    b.setInsertionPointToStart(tiles.getBody());
    Value j0 = tiles.getInductionVar();
    // K's and V's rows of this tile to shared memory, rows past the end
    // clamped (they are not visited).
    for (auto [source, target, cols] :
         {std::tuple(k, sharedK, d), std::tuple(v, sharedV, e)}) {
      auto copy =
          scf::ForOp::create(b, loc, t, kb.idx(kKeys * cols), kb.idx(kQueries));
      OpBuilder::InsertionGuard inCopy(b);
      b.setInsertionPointToStart(copy.getBody());
      Value n = copy.getInductionVar();
      Value jj = arith::DivUIOp::create(b, loc, n, kb.idx(cols));
      Value col = arith::RemUIOp::create(b, loc, n, kb.idx(cols));
      Value key = kb.minIdx(kb.add(j0, jj), kb.idx(nj - 1));
      Value x = memref::LoadOp::create(b, loc, source, indices(key, col));
      memref::StoreOp::create(b, loc, x, target, ValueRange{jj, col});
    }
    gpu::BarrierOp::create(b, loc);
    Value count =
        kb.minIdx(kb.idx(kKeys), arith::SubIOp::create(b, loc, kb.idx(nj), j0));
    auto keys = scf::ForOp::create(b, loc, kb.idx(0), count, kb.idx(1),
                                   tiles.getRegionIterArgs());
    {
      OpBuilder::InsertionGuard inKeys(b);
      b.setInsertionPointToStart(keys.getBody());
      Value jj = keys.getInductionVar();
      ValueRange state = keys.getRegionIterArgs();
      Value s = kb.flt(0);
      for (int64_t x = 0; x < d; ++x)
        s = kb.add(s, kb.mul(query[x],
                             memref::LoadOp::create(
                                 b, loc, sharedK, ValueRange{jj, kb.idx(x)})));
      Value m = state[0], l = state[1];
      Value mNew = arith::MaximumFOp::create(b, loc, m, s);
      Value c =
          math::ExpOp::create(b, loc, arith::SubFOp::create(b, loc, m, mNew));
      Value p =
          math::ExpOp::create(b, loc, arith::SubFOp::create(b, loc, s, mNew));
      SmallVector<Value> next = {mNew, kb.add(kb.mul(l, c), p)};
      for (int64_t x = 0; x < e; ++x)
        next.push_back(
            kb.add(kb.mul(state[2 + x], c),
                   kb.mul(p, memref::LoadOp::create(
                                 b, loc, sharedV, ValueRange{jj, kb.idx(x)}))));
      scf::YieldOp::create(b, loc, next);
    }
    gpu::BarrierOp::create(b, loc);
    scf::YieldOp::create(b, loc, keys.getResults());
  }
  Value inside =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, i, kb.idx(ni));
  auto store = scf::IfOp::create(b, loc, inside, /*withElseRegion=*/false);
  b.setInsertionPointToStart(store.thenBlock());
  Value l = tiles.getResult(1);
  for (int64_t x = 0; x < e; ++x)
    memref::StoreOp::create(
        b, loc, arith::DivFOp::create(b, loc, tiles.getResult(2 + x), l), o,
        indices(i, kb.idx(x)));
}

struct EinGpuFuseAttentionPass
    : mlir::ein::impl::EinGpuFuseAttentionBase<EinGpuFuseAttentionPass> {
  unsigned count = 0;

  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    forEachAttention(getOperation(), [&](Attention &a) {
      auto qType = cast<RankedTensorType>(a.q.getType());
      auto kType = cast<RankedTensorType>(a.k.getType());
      auto vType = cast<RankedTensorType>(a.v.getType());
      int64_t rank = qType.getRank();
      int64_t ni = qType.getDimSize(a.qPerm[rank - 2]),
              d = qType.getDimSize(a.qPerm[rank - 1]),
              nj = kType.getDimSize(a.kPerm[rank - 2]),
              e = vType.getDimSize(a.vPerm[rank - 1]);
      int64_t batches = 1;
      for (int64_t dim = 0; dim < rank - 2; ++dim)
        batches *= qType.getDimSize(a.qPerm[dim]);
      // Registers hold the query and the output row; empty problems and
      // grids too large for y stay unfused.
      if (d + e > kMaxRegisters || ni == 0 || nj == 0 || d == 0 ||
          batches == 0 || batches > kMaxGrid)
        return false;
      rewriter.setInsertionPoint(a.output);
      Location loc = a.output.getLoc();
      Value q = permuted(rewriter, loc, a.q, a.qPerm),
            k = permuted(rewriter, loc, a.k, a.kPerm),
            v = permuted(rewriter, loc, a.v, a.vPerm);
      auto buffer = [&](Value tensor) {
        auto type = cast<RankedTensorType>(tensor.getType());
        return bufferization::ToBufferOp::create(
            rewriter, loc,
            MemRefType::get(type.getShape(), type.getElementType()), tensor,
            /*readOnly=*/true);
      };
      SmallVector<int64_t> shape(
          cast<RankedTensorType>(q.getType()).getShape());
      shape.back() = e;
      auto outType = MemRefType::get(shape, qType.getElementType());
      Value out = memref::AllocOp::create(rewriter, loc, outType);
      // The kernel goes in after bufferization (whose deallocation does
      // not look into launches): a call of a declaration stands for it.
      SmallVector<Value> operands = {buffer(q), buffer(k), buffer(v), out};
      ModuleOp module = getOperation();
      std::string name;
      do
        name = "ein_gpu_attention_" + std::to_string(count++);
      while (module.lookupSymbol(name));
      {
        OpBuilder::InsertionGuard guard(rewriter);
        rewriter.setInsertionPointToEnd(module.getBody());
        auto decl = func::FuncOp::create(
            rewriter, loc, name,
            rewriter.getFunctionType(ValueRange(operands).getTypes(), {}));
        decl.setPrivate();
        decl->setAttr(kAttentionAttr, rewriter.getF64FloatAttr(a.scale));
      }
      func::CallOp::create(rewriter, loc, name, TypeRange{}, operands);
      Value result = bufferization::ToTensorOp::create(
          rewriter, loc, RankedTensorType::get(shape, qType.getElementType()),
          out,
          /*restrict=*/true, /*writable=*/true);
      rewriter.replaceOp(a.output, permuted(rewriter, loc, result, a.oPerm));
      rewriter.eraseOp(a.softmax);
      if (a.permutedScores)
        rewriter.eraseOp(a.permutedScores);
      rewriter.eraseOp(a.scores);
      return true;
    });
  }
};

struct EinGpuAttentionKernelsPass
    : mlir::ein::impl::EinGpuAttentionKernelsBase<EinGpuAttentionKernelsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::CallOp> calls;
    module.walk([&](func::CallOp call) {
      auto callee = module.lookupSymbol<func::FuncOp>(call.getCallee());
      if (callee && callee->hasAttr(kAttentionAttr))
        calls.push_back(call);
    });
    OpBuilder b(&getContext());
    for (func::CallOp call : calls) {
      auto callee = module.lookupSymbol<func::FuncOp>(call.getCallee());
      double scale =
          cast<FloatAttr>(callee->getAttr(kAttentionAttr)).getValueAsDouble();
      b.setInsertionPoint(call);
      buildKernel(b, call.getLoc(), call.getOperand(0), call.getOperand(1),
                  call.getOperand(2), call.getOperand(3), scale);
      call.erase();
    }
    for (auto fn : llvm::make_early_inc_range(module.getOps<func::FuncOp>()))
      if (fn->hasAttr(kAttentionAttr))
        fn.erase();
  }
};

} // namespace
