//===- GPUTileContractions.cpp - Contractions as tiled GPU kernels --------===//
//
// ein-gpu-tile-contractions turns each contraction of the NVPTX pipeline
// (a linalg.generic on memrefs summing out + a * b, its loops batch, M, N
// and K dimensions of any number and order) into a gpu.launch of its own
// that computes a tile of C per thread block. Tiles of A and B are
// double-buffered in shared memory: each step along K fetches the next
// tiles into registers, computes on the current ones, then stores the next
// ones into the other buffers, with one barrier a step.
//
//  * SIMT: 64x64 tiles of 16x16 threads, each holding a 4x4 block of C in
//    registers; K advances 16 at a time, and each thread's 16 sums per
//    step reuse 4 elements of A and 4 of B read from shared memory. For
//    problems of at least 128 tiles of 128x128, those: 8x8 sums a thread,
//    K by 8.
//  * Tensor cores (sm_70 and later for f16 inputs summed in f32; sm_80 and
//    later for bf16, and for f32 when TF32 is allowed): WMMA fragments of
//    16x16 (NVVM's intrinsics for f16 and bf16, gpu.subgroup_mma_* for
//    TF32); A and B fetched 16 bytes at a time where their layouts and
//    addresses allow; 64x64 tiles
//    of 4 warps of 32x32, or, for problems of at least 128 such blocks,
//    128x128 tiles of 8 warps of 64x32; K by 32 (16 where two tiles of f32
//    would not fit). Each fragment of sums goes through 16x16 of shared
//    memory per warp to C, added to C's initial value, so that edges need
//    no special fragments. With `emulated`, fragments are buffers that
//    lane 0 of each warp fills and multiplies, for
//    ein-emulate-gpu-launches.
//
// Edges are padded with zeros in shared memory (products of padding are
// zero and never stored), so every size works; where the tiles divide M,
// N or K, no bounds are checked along it. A linalg.fill that sets C just
// before the contraction is folded in: the sums start from its scalar, and
// C is written once instead of filled, read and written. The batch, M, N
// and K indices are linear; each is split into the loop indices of its
// dimensions (in C's order for M and N, A's for K) to address operands of
// any layout. Other ops are left to ein-gpu-parallel-loops.
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"

#include <functional>

namespace mlir {
namespace ein {
#define GEN_PASS_DEF_EINGPUTILECONTRACTIONS
#include "compiler/Passes.h.inc"
} // namespace ein
} // namespace mlir

using namespace mlir;

namespace {

constexpr int64_t kMaxGrid = 65535; // blocks along y and z

/// The extents of a block's tile of C (m x n) and of its steps along K.
struct Tiling {
  int64_t m, n, k;
};

/// The loops of a contraction by role, each in the order its linear index
/// splits into (the last the fastest).
struct Contraction {
  SmallVector<unsigned> batch, m, n, k;
  SmallVector<int64_t> extents; // of every loop
  int64_t B = 1, M = 1, N = 1, K = 1;
  bool aKFast = false;  // A's contiguous dimension is a K loop
  bool bNFast = false;  // B's contiguous dimension is an N loop
  bool widened = false; // the body extends A's and B's elements first
};

bool isArg(Value v, Value arg, bool &widened) {
  if (v == arg)
    return true;
  if (auto ext = v.getDefiningOp<arith::ExtFOp>(); ext && ext.getIn() == arg) {
    widened = true;
    return true;
  }
  return false;
}

/// Whether `op`'s body yields out + a * b (a and b possibly extended).
bool isMulAdd(linalg::GenericOp op, bool &widened) {
  Block &body = op.getRegion().front();
  Value a = body.getArgument(0), b = body.getArgument(1),
        out = body.getArgument(2);
  auto add = body.getTerminator()->getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add)
    return false;
  Value product = add.getLhs() == out ? add.getRhs() : add.getLhs();
  if (product == out || (add.getLhs() != out && add.getRhs() != out))
    return false;
  auto mul = product.getDefiningOp<arith::MulFOp>();
  if (!mul)
    return false;
  // The body is cloned into kernels as it is: no linalg.index.
  if (!body.getOps<linalg::IndexOp>().empty())
    return false;
  for (auto [x, y] : {std::pair(a, b), std::pair(b, a)}) {
    bool wx = false, wy = false;
    if (isArg(mul.getLhs(), x, wx) && isArg(mul.getRhs(), y, wy)) {
      widened = wx || wy;
      return true;
    }
  }
  return false;
}

/// The loop positions of `map`'s results, in order.
SmallVector<unsigned> dimsOf(AffineMap map) {
  SmallVector<unsigned> dims;
  for (AffineExpr e : map.getResults())
    dims.push_back(cast<AffineDimExpr>(e).getPosition());
  return dims;
}

std::optional<Contraction> analyze(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || !op.getRegion().hasOneBlock())
    return std::nullopt;
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<MemRefType>(operand.get().getType());
    if (!type || !type.hasStaticShape() ||
        !isa<FloatType>(type.getElementType()))
      return std::nullopt;
  }
  for (AffineMap map : op.getIndexingMapsArray())
    if (!map.isProjectedPermutation(/*allowZeroInResults=*/false))
      return std::nullopt;
  Contraction c;
  if (!isMulAdd(op, c.widened))
    return std::nullopt;
  c.extents = op.getStaticLoopRanges();
  if (llvm::any_of(c.extents, ShapedType::isDynamic))
    return std::nullopt;
  AffineMap mapA = op.getIndexingMapsArray()[0],
            mapB = op.getIndexingMapsArray()[1],
            mapC = op.getIndexingMapsArray()[2];
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  auto uses = [](AffineMap map, unsigned d) { return map.isFunctionOfDim(d); };
  for (unsigned d = 0; d < op.getNumLoops(); ++d) {
    bool inA = uses(mapA, d), inB = uses(mapB, d), inC = uses(mapC, d);
    bool parallel = iterators[d] == utils::IteratorType::parallel;
    if (!(parallel ? inC && (inA || inB) : inA && inB && !inC))
      return std::nullopt; // broadcasts and one-sided sums
  }
  for (unsigned d : dimsOf(mapC)) {
    bool inA = uses(mapA, d), inB = uses(mapB, d);
    (inA && inB ? c.batch : inA ? c.m : c.n).push_back(d);
  }
  for (unsigned d : dimsOf(mapA))
    if (!uses(mapC, d))
      c.k.push_back(d);
  if (c.m.empty() || c.n.empty() || c.k.empty())
    return std::nullopt;
  auto product = [&](ArrayRef<unsigned> dims) {
    int64_t p = 1;
    for (unsigned d : dims)
      p *= c.extents[d];
    return p;
  };
  c.B = product(c.batch);
  c.M = product(c.m);
  c.N = product(c.n);
  c.K = product(c.k);
  c.aKFast = !uses(mapC, dimsOf(mapA).back());
  c.bNFast = !uses(mapA, dimsOf(mapB).back());
  return c;
}

/// Emits one kernel; `ivs` of every loop are filled in from linear indices.
class KernelBuilder {
public:
  KernelBuilder(OpBuilder &b, Location loc, linalg::GenericOp op,
                const Contraction &c)
      : b(b), loc(loc), op(op), c(c) {}

  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value mul(Value x, int64_t y) {
    return arith::MulIOp::create(b, loc, x, idx(y));
  }
  Value div(Value x, int64_t y) {
    return arith::DivUIOp::create(b, loc, x, idx(y));
  }
  Value rem(Value x, int64_t y) {
    return arith::RemUIOp::create(b, loc, x, idx(y));
  }
  Value less(Value x, int64_t y) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, x, idx(y));
  }
  Value both(Value x, Value y) { return arith::AndIOp::create(b, loc, x, y); }

  /// Sets the loop indices of `dims` from their linear index.
  void split(SmallVector<Value> &ivs, ArrayRef<unsigned> dims, Value linear) {
    for (unsigned d : llvm::reverse(dims)) {
      if (d == dims.front()) {
        ivs[d] = linear;
        break;
      }
      ivs[d] = rem(linear, c.extents[d]);
      linear = div(linear, c.extents[d]);
    }
  }

  /// The loop indices of element (batch, m, n, k); a null one stays 0.
  SmallVector<Value> loops(Value batch, Value m, Value n, Value k) {
    SmallVector<Value> ivs(op.getNumLoops(), idx(0));
    if (batch && !c.batch.empty())
      split(ivs, c.batch, batch);
    if (m)
      split(ivs, c.m, m);
    if (n)
      split(ivs, c.n, n);
    if (k)
      split(ivs, c.k, k);
    return ivs;
  }

  SmallVector<Value> indices(unsigned operand, ArrayRef<Value> ivs) {
    SmallVector<Value> result;
    for (unsigned d : dimsOf(op.getIndexingMapsArray()[operand]))
      result.push_back(ivs[d]);
    return result;
  }

  Value zero(Type type) {
    return arith::ConstantOp::create(b, loc, type, b.getZeroAttr(type));
  }

  /// Operand `operand`'s element at `ivs`, or zero where `inside` (null:
  /// always inside) is false, as an integer of its width for half types
  /// (values of those types that join in branches would be converted by
  /// CPUs without half arithmetic).
  Value fetch(unsigned operand, ArrayRef<Value> ivs, Value inside) {
    Value memref = op->getOperand(operand);
    Type element = getElementTypeOrSelf(memref.getType());
    Type held = heldType(element);
    return readOrZero(inside, held, [&]() -> Value {
      Value v = memref::LoadOp::create(b, loc, memref, indices(operand, ivs));
      return held == element ? v : arith::BitcastOp::create(b, loc, held, v);
    });
  }

  /// The type fetch holds an element of type `element` in.
  Type heldType(Type element) {
    return element.isF16() || element.isBF16()
               ? Type(IntegerType::get(b.getContext(), 16))
               : element;
  }

  /// `read()` where `inside` (null: always) holds, else zero of `type`.
  Value readOrZero(Value inside, Type type, function_ref<Value()> read) {
    if (!inside)
      return read();
    auto branch = scf::IfOp::create(b, loc, type, inside,
                                    /*withElseRegion=*/true);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(branch.thenBlock());
    scf::YieldOp::create(b, loc, read());
    b.setInsertionPointToStart(branch.elseBlock());
    scf::YieldOp::create(b, loc, zero(type));
    return branch.getResult(0);
  }

  /// `v` (from fetch, or fetchVector: then 16-byte aligned there) stored
  /// to `shared` at `at`.
  void deposit(Value v, Value shared, ValueRange at) {
    Type stored = getElementTypeOrSelf(shared.getType());
    if (auto vector = dyn_cast<VectorType>(v.getType())) {
      auto type = VectorType::get(vector.getShape(), stored);
      if (vector != type)
        v = arith::BitcastOp::create(b, loc, type, v);
      vector::StoreOp::create(b, loc, v, shared, at, /*nontemporal=*/false,
                              llvm::MaybeAlign(16));
      return;
    }
    if (v.getType() != stored)
      v = arith::BitcastOp::create(b, loc, stored, v);
    memref::StoreOp::create(b, loc, v, shared, at);
  }

  /// `x < bound` for an index of `extent` in tiles of `tile` starting at
  /// multiples of it; null when always true (the tiles divide `bound`).
  Value within(Value x, int64_t bound, int64_t tile) {
    return bound % tile == 0 ? Value() : less(x, bound);
  }

  /// The conjunction of `x` and `y`, either possibly null (true).
  Value all(Value x, Value y) { return !x ? y : !y ? x : both(x, y); }

  /// Elements of operand `operand` (0: A, 1: B) in 16 bytes when its tile
  /// can be fetched in such vectors: its contiguous dimension is the
  /// tile's contiguous one (A's last K loop, B's last N loop), with an
  /// extent and every other stride a multiple of that count; else 1.
  int64_t vectorWidth(unsigned operand) {
    auto type = cast<MemRefType>(op->getOperand(operand).getType());
    int64_t width = 128 / type.getElementTypeBitWidth();
    unsigned last = dimsOf(op.getIndexingMapsArray()[operand]).back();
    bool fast = operand == 0 ? c.aKFast && c.k.back() == last
                             : c.bNFast && c.n.back() == last;
    SmallVector<int64_t> strides;
    int64_t offset;
    if (width < 2 || !fast || c.extents[last] % width ||
        failed(type.getStridesAndOffset(strides, offset)) ||
        strides.back() != 1)
      return 1;
    for (int64_t stride : ArrayRef(strides).drop_back())
      if (ShapedType::isDynamic(stride) || stride % width)
        return 1;
    return width;
  }

  /// Plans fetching tiles in 16-byte vectors where vectorWidth allows and
  /// the `tile` divides into them among `threads`: sets widthA and widthB,
  /// and `aligned` to whether the vectorized operands start on 16 bytes,
  /// which the kernel checks. Call at the start of the kernel.
  void planVectors(const Tiling &tile, int64_t threads) {
    auto plan = [&](unsigned operand, int64_t rows, int64_t cols) -> int64_t {
      int64_t w = vectorWidth(operand);
      if (w == 1 || cols % w || (rows * cols / w) % threads)
        return 1;
      Value memref = op->getOperand(operand);
      auto meta = memref::ExtractStridedMetadataOp::create(b, loc, memref);
      Value base =
          memref::ExtractAlignedPointerAsIndexOp::create(b, loc, memref);
      int64_t bytes =
          cast<MemRefType>(memref.getType()).getElementTypeBitWidth() / 8;
      Value start = add(base, mul(meta.getOffset(), bytes));
      Value ok = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                       rem(start, 16), idx(0));
      aligned = all(aligned, ok);
      return w;
    };
    widthA = plan(0, tile.m, tile.k);
    widthB = plan(1, tile.k, tile.n);
  }

  /// The address of `memref`'s element `at`.
  Value address(Value memref, ValueRange at) {
    auto meta = memref::ExtractStridedMetadataOp::create(b, loc, memref);
    Value linear = meta.getOffset();
    for (auto [i, stride] : llvm::zip(at, meta.getStrides()))
      linear = add(linear, arith::MulIOp::create(b, loc, i, stride));
    int64_t bytes =
        cast<MemRefType>(memref.getType()).getElementTypeBitWidth() / 8;
    return add(memref::ExtractAlignedPointerAsIndexOp::create(b, loc, memref),
               mul(linear, bytes));
  }

  /// Operand `operand`'s `width` elements from `ivs` on along its
  /// contiguous dimension, as fetch returns them but in a vector: one
  /// 16-byte load where the operand starts on 16 bytes (`aligned`), else
  /// element by element; zeros where `inside` (null: always) is false.
  Value fetchVector(unsigned operand, ArrayRef<Value> ivs, Value inside,
                    int64_t width) {
    Value memref = op->getOperand(operand);
    Type element = getElementTypeOrSelf(memref.getType());
    auto type = VectorType::get({width}, heldType(element));
    return readOrZero(inside, type, [&]() -> Value {
      auto branch = scf::IfOp::create(b, loc, type, aligned,
                                      /*withElseRegion=*/true);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(branch.thenBlock());
      // Through a pointer to global memory (cvta.to.global): LLVM would
      // merge a load from the generic pointer of the other branch with its
      // loads, as one load of the lesser alignment.
      Value at = arith::IndexCastOp::create(
          b, loc, b.getI64Type(), address(memref, indices(operand, ivs)));
      Value pointer = LLVM::IntToPtrOp::create(
          b, loc, LLVM::LLVMPointerType::get(b.getContext()), at);
      if (globalSpace != 0)
        pointer = LLVM::AddrSpaceCastOp::create(
            b, loc, LLVM::LLVMPointerType::get(b.getContext(), globalSpace),
            pointer);
      scf::YieldOp::create(
          b, loc,
          LLVM::LoadOp::create(b, loc, type, pointer, /*alignment=*/16)
              .getResult());
      b.setInsertionPointToStart(branch.elseBlock());
      unsigned last = dimsOf(op.getIndexingMapsArray()[operand]).back();
      SmallVector<Value> elements;
      for (int64_t j = 0; j < width; ++j) {
        SmallVector<Value> next(ivs);
        next[last] = add(next[last], idx(j));
        elements.push_back(fetch(operand, next, nullptr));
      }
      scf::YieldOp::create(
          b, loc,
          vector::FromElementsOp::create(b, loc, type, elements).getResult());
      return branch.getResult(0);
    });
  }

  /// Thread `t` of `threads`' share of A's tile (tile.m x tile.k) and B's
  /// (tile.k x tile.n) at (m0, n0) and K offset `k0`, as fetch or
  /// fetchVector return them, A's first.
  SmallVector<Value> fetchTiles(Value t, int64_t threads, Value batch, Value m0,
                                Value n0, Value k0, const Tiling &tile) {
    SmallVector<Value> values;
    for (int64_t e = 0; e < tile.m * tile.k / widthA / threads; ++e) {
      auto [mm, kk] = positionA(t, e, threads, tile);
      Value m = add(m0, mm), kv = add(k0, kk);
      SmallVector<Value> ivs = loops(batch, m, nullptr, kv);
      Value inside = all(within(m, c.M, tile.m), within(kv, c.K, tile.k));
      values.push_back(widthA == 1 ? fetch(0, ivs, inside)
                                   : fetchVector(0, ivs, inside, widthA));
    }
    for (int64_t e = 0; e < tile.n * tile.k / widthB / threads; ++e) {
      auto [kk, nn] = positionB(t, e, threads, tile);
      Value n = add(n0, nn), kv = add(k0, kk);
      SmallVector<Value> ivs = loops(batch, nullptr, n, kv);
      Value inside = all(within(n, c.N, tile.n), within(kv, c.K, tile.k));
      values.push_back(widthB == 1 ? fetch(1, ivs, inside)
                                   : fetchVector(1, ivs, inside, widthB));
    }
    return values;
  }

  /// Stores fetchTiles' `values` into `sharedA` at row `rowA` on ([mm][kk],
  /// or [kk][mm] unless `aRowsM`) and `sharedB` ([kk][nn]) at row `rowB` on.
  void depositTiles(ArrayRef<Value> values, Value t, int64_t threads,
                    const Tiling &tile, Value sharedA, Value rowA, bool aRowsM,
                    Value sharedB, Value rowB) {
    int64_t perA = tile.m * tile.k / widthA / threads;
    for (int64_t e = 0; e < perA; ++e) {
      auto [mm, kk] = positionA(t, e, threads, tile);
      deposit(values[e], sharedA,
              aRowsM ? ValueRange{add(rowA, mm), kk}
                     : ValueRange{add(rowA, kk), mm});
    }
    for (int64_t e = 0; e < tile.n * tile.k / widthB / threads; ++e) {
      auto [kk, nn] = positionB(t, e, threads, tile);
      deposit(values[perA + e], sharedB, ValueRange{add(rowB, kk), nn});
    }
  }

  /// The (mm, kk) in A's tile of thread `t`'s `e`th element (or vector):
  /// consecutive threads take consecutive elements of A's contiguous
  /// dimension.
  std::pair<Value, Value> positionA(Value t, int64_t e, int64_t threads,
                                    const Tiling &tile) {
    Value i = add(t, idx(e * threads));
    if (c.aKFast)
      return {div(i, tile.k / widthA), mul(rem(i, tile.k / widthA), widthA)};
    return {rem(i, tile.m), div(i, tile.m)};
  }

  /// The (kk, nn) in B's tile of thread `t`'s `e`th element (or vector).
  std::pair<Value, Value> positionB(Value t, int64_t e, int64_t threads,
                                    const Tiling &tile) {
    Value i = add(t, idx(e * threads));
    if (c.bNFast)
      return {div(i, tile.n / widthB), mul(rem(i, tile.n / widthB), widthB)};
    return {rem(i, tile.k), div(i, tile.k)};
  }

  /// The element of `shared` at `at` as a value of type `element`.
  Value loadShared(Value shared, ValueRange at, Type element) {
    Value v = memref::LoadOp::create(b, loc, shared, at);
    if (v.getType() != element)
      v = arith::BitcastOp::create(b, loc, element, v);
    return v;
  }

  /// C's element at (batch, m, n) becomes `value(old)` when `inside` (null:
  /// always); with `readOld` false, `value` gets no old value and C is not
  /// read.
  void update(Value batch, Value m, Value n, Value inside,
              function_ref<Value(Value)> value, bool readOld = true) {
    OpBuilder::InsertionGuard guard(b);
    if (inside) {
      auto branch = scf::IfOp::create(b, loc, inside, /*withElseRegion=*/false);
      b.setInsertionPointToStart(branch.thenBlock());
    }
    SmallVector<Value> at = indices(2, loops(batch, m, n, nullptr));
    Value memref = op->getOperand(2);
    Value old = readOld ? memref::LoadOp::create(b, loc, memref, at).getResult()
                        : Value();
    memref::StoreOp::create(b, loc, value(old), memref, at);
  }

  /// The body's result for elements `a`, `bv` and accumulator `acc`.
  Value body(Value a, Value bv, Value acc) {
    Block &block = op.getRegion().front();
    IRMapping mapping;
    mapping.map(block.getArgument(0), a);
    mapping.map(block.getArgument(1), bv);
    mapping.map(block.getArgument(2), acc);
    for (Operation &inner : block.without_terminator()) {
      Operation *clone = b.clone(inner, mapping);
      if (isa<arith::MulFOp, arith::AddFOp>(clone))
        clone->setAttr("fastmath",
                       arith::FastMathFlagsAttr::get(
                           b.getContext(), arith::FastMathFlags::contract));
    }
    return mapping.lookup(block.getTerminator()->getOperand(0));
  }

  OpBuilder &b;
  Location loc;
  linalg::GenericOp op;
  const Contraction &c;
  /// Elements per fetch of A and B, and whether both start on 16 bytes
  /// where that is more than 1 (see planVectors).
  int64_t widthA = 1, widthB = 1;
  Value aligned;
  /// The address space of vector loads of A and B: NVVM's global one, or
  /// the CPU's for ein-emulate-gpu-launches.
  unsigned globalSpace = 1;
};

MemRefType sharedType(ArrayRef<int64_t> shape, Type element) {
  auto space = gpu::AddressSpaceAttr::get(element.getContext(),
                                          gpu::AddressSpace::Workgroup);
  return MemRefType::get(shape, element, MemRefLayoutAttrInterface(), space);
}

/// The launch of one block per tile of C (x: N, y: M, z: batch) of
/// `threadsX` x `threadsY` threads, with `shared` buffers.
gpu::LaunchOp createLaunch(OpBuilder &b, Location loc, const Contraction &c,
                           const Tiling &tile, int64_t threadsX,
                           int64_t threadsY, TypeRange shared) {
  auto index = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v).getResult();
  };
  auto launch = gpu::LaunchOp::create(
      b, loc, index(llvm::divideCeil(c.N, tile.n)),
      index(llvm::divideCeil(c.M, tile.m)), index(c.B), index(threadsX),
      index(threadsY), index(1), /*dynamicSharedMemorySize=*/nullptr,
      /*asyncTokenType=*/nullptr, /*asyncDependencies=*/{}, shared);
  b.setInsertionPointToEnd(&launch.getBody().front());
  gpu::TerminatorOp::create(b, loc);
  b.setInsertionPointToStart(&launch.getBody().front());
  return launch;
}

/// The K loop of a block, its tiles double-buffered in shared memory:
/// `sharedA` and `sharedB` hold two tiles each, one above the other. Each
/// step fetches the next tiles into registers, computes on the current
/// ones (`compute` gets the first rows of A's and B's and the sums), then
/// stores the next ones into the other halves; one barrier per step. The
/// loop's results are the sums, which start as `accs`.
scf::ForOp pipelinedKLoop(
    KernelBuilder &k, Value t, int64_t threads, Value batch, Value m0, Value n0,
    const Tiling &tile, Value sharedA, bool aRowsM, Value sharedB,
    ValueRange accs,
    function_ref<SmallVector<Value>(Value rowA, Value rowB, ValueRange sums)>
        compute) {
  OpBuilder &b = k.b;
  Location loc = k.loc;
  int64_t rowsA = aRowsM ? tile.m : tile.k;
  int64_t lastK = (llvm::divideCeil(k.c.K, tile.k) - 1) * tile.k;
  k.depositTiles(k.fetchTiles(t, threads, batch, m0, n0, k.idx(0), tile), t,
                 threads, tile, sharedA, k.idx(0), aRowsM, sharedB, k.idx(0));
  gpu::BarrierOp::create(b, loc);
  auto loop =
      scf::ForOp::create(b, loc, k.idx(0), k.idx(k.c.K), k.idx(tile.k), accs);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value k0 = loop.getInductionVar();
  Value current = k.rem(k.div(k0, tile.k), 2);
  Value other = arith::SubIOp::create(b, loc, k.idx(1), current);
  // The last step fetches its own tiles again, never past K.
  Value nextK =
      arith::MinUIOp::create(b, loc, k.add(k0, k.idx(tile.k)), k.idx(lastK));
  SmallVector<Value> next =
      k.fetchTiles(t, threads, batch, m0, n0, nextK, tile);
  SmallVector<Value> sums = compute(
      k.mul(current, rowsA), k.mul(current, tile.k), loop.getRegionIterArgs());
  k.depositTiles(next, t, threads, tile, sharedA, k.mul(other, rowsA), aRowsM,
                 sharedB, k.mul(other, tile.k));
  gpu::BarrierOp::create(b, loc);
  scf::YieldOp::create(b, loc, sums);
  return loop;
}

/// Contractions with at least this many 128x128 tiles of C use them (a
/// GPU's worth of blocks); smaller ones 64x64, for more blocks.
constexpr int64_t kLargeTileBlocks = 128;

/// Whether `c` gets 128x128 tiles.
bool largeTiles(const Contraction &c) {
  return c.M >= 128 && c.N >= 128 &&
         c.B * llvm::divideCeil(c.M, 128) * llvm::divideCeil(c.N, 128) >=
             kLargeTileBlocks;
}

/// 16x16 threads, each holding 4x4 elements of C of a 64x64 tile with K by
/// 16, or 8x8 of a 128x128 tile with K by 8 for large problems (twice the
/// sums per element read from shared memory). With `init`, C's initial
/// value is that scalar (a folded fill), not read.
void buildSimtKernel(OpBuilder &b, linalg::GenericOp op, const Contraction &c,
                     Value init) {
  constexpr int64_t threads = 16;
  const Tiling tile = largeTiles(c) ? Tiling{128, 128, 8} : Tiling{64, 64, 16};
  const int64_t perThread = tile.m / threads;
  Location loc = op.getLoc();
  Type ta = getElementTypeOrSelf(op->getOperand(0).getType()),
       tb = getElementTypeOrSelf(op->getOperand(1).getType()),
       tc = getElementTypeOrSelf(op->getOperand(2).getType());
  // One column of padding keeps the transposing stores of a K-contiguous
  // A from hitting one bank. Half types are kept as 16-bit integers there
  // (only the body computes with them), so that merged stores of loaded
  // elements and padding are integer moves on any target.
  auto storage = [](Type t) -> Type {
    return t.isF16() || t.isBF16() ? IntegerType::get(t.getContext(), 16) : t;
  };
  gpu::LaunchOp launch =
      createLaunch(b, loc, c, tile, threads, threads,
                   {sharedType({2 * tile.k, tile.m + 1}, storage(ta)),
                    sharedType({2 * tile.k, tile.n + 1}, storage(tb))});
  KernelBuilder k(b, loc, op, c);
  Value sharedA = launch.getWorkgroupAttributions()[0],
        sharedB = launch.getWorkgroupAttributions()[1];
  Value tx = launch.getThreadIds().x, ty = launch.getThreadIds().y;
  Value batch = launch.getBlockIds().z;
  Value m0 = k.mul(launch.getBlockIds().y, tile.m),
        n0 = k.mul(launch.getBlockIds().x, tile.n);
  Value t = k.add(k.mul(ty, threads), tx);
  SmallVector<Value> rows, cols, rowIn, colIn;
  for (int64_t i = 0; i < perThread; ++i) {
    rows.push_back(k.add(ty, k.idx(i * threads)));
    cols.push_back(k.add(tx, k.idx(i * threads)));
    rowIn.push_back(k.within(k.add(m0, rows.back()), c.M, tile.m));
    colIn.push_back(k.within(k.add(n0, cols.back()), c.N, tile.n));
  }
  // The accumulators start from C (its initial value is part of the sum).
  SmallVector<Value> accs;
  for (int64_t i = 0; i < perThread; ++i)
    for (int64_t j = 0; j < perThread; ++j) {
      if (init) {
        accs.push_back(init);
        continue;
      }
      SmallVector<Value> at = k.indices(
          2, k.loops(batch, k.add(m0, rows[i]), k.add(n0, cols[j]), nullptr));
      Value inside = k.all(rowIn[i], colIn[j]);
      if (!inside) {
        accs.push_back(memref::LoadOp::create(b, loc, op->getOperand(2), at));
        continue;
      }
      auto branch = scf::IfOp::create(b, loc, tc, inside, true);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(branch.thenBlock());
      scf::YieldOp::create(
          b, loc,
          memref::LoadOp::create(b, loc, op->getOperand(2), at).getResult());
      b.setInsertionPointToStart(branch.elseBlock());
      scf::YieldOp::create(b, loc, k.zero(tc));
      b.setInsertionPointAfter(branch);
      accs.push_back(branch.getResult(0));
    }
  // The steps of a tile unrolled: 2 x perThread shared loads feed
  // perThread^2 multiply-adds each.
  auto compute = [&](Value rowA, Value rowB, ValueRange sums) {
    SmallVector<Value> current(sums);
    for (int64_t kk = 0; kk < tile.k; ++kk) {
      SmallVector<Value> as, bs;
      for (int64_t i = 0; i < perThread; ++i) {
        as.push_back(k.loadShared(
            sharedA, ValueRange{k.add(rowA, k.idx(kk)), rows[i]}, ta));
        bs.push_back(k.loadShared(
            sharedB, ValueRange{k.add(rowB, k.idx(kk)), cols[i]}, tb));
      }
      for (int64_t i = 0; i < perThread; ++i)
        for (int64_t j = 0; j < perThread; ++j)
          current[i * perThread + j] =
              k.body(as[i], bs[j], current[i * perThread + j]);
    }
    return current;
  };
  scf::ForOp kLoop =
      pipelinedKLoop(k, t, threads * threads, batch, m0, n0, tile, sharedA,
                     /*aRowsM=*/false, sharedB, accs, compute);
  for (int64_t i = 0; i < perThread; ++i)
    for (int64_t j = 0; j < perThread; ++j) {
      Value sum = kLoop.getResult(i * perThread + j);
      k.update(
          batch, k.add(m0, rows[i]), k.add(n0, cols[j]),
          k.all(rowIn[i], colIn[j]), [&](Value) { return sum; },
          /*readOld=*/false);
    }
}

/// The warp-level operations of a tensor-core kernel on 16x16 fragments,
/// each a list of values (one !gpu.mma_matrix, or the registers of an
/// intrinsic's fragment).
struct Fragments {
  unsigned accValues = 1; ///< values per accumulator fragment
  std::function<SmallVector<Value>()> zero;
  /// A's fragment at (row, col) of `shared` with rows of `ld` elements.
  std::function<SmallVector<Value>(Value shared, Value row, Value col,
                                   int64_t ld)>
      loadA, loadB;
  std::function<SmallVector<Value>(ArrayRef<Value> a, ArrayRef<Value> b,
                                   ArrayRef<Value> acc)>
      mma;
  std::function<void(ValueRange acc, Value shared, Value row, Value col,
                     int64_t ld)>
      storeC;
};

/// Through gpu.subgroup_mma_* (f32 as TF32).
Fragments mmaFragments(OpBuilder &b, Location loc, Type ta, Type tb, Type tc,
                       int64_t fragK) {
  constexpr int64_t frag = 16;
  auto typeA = gpu::MMAMatrixType::get({frag, fragK}, ta, "AOp");
  auto typeB = gpu::MMAMatrixType::get({fragK, frag}, tb, "BOp");
  auto typeC = gpu::MMAMatrixType::get({frag, frag}, tc, "COp");
  Fragments f;
  f.zero = [&b, loc, typeC, tc]() -> SmallVector<Value> {
    Value zero = arith::ConstantOp::create(b, loc, tc, b.getZeroAttr(tc));
    return {gpu::SubgroupMmaConstantMatrixOp::create(b, loc, typeC, zero)};
  };
  auto load = [&b, loc](Type type) {
    return [&b, loc, type](Value shared, Value row, Value col,
                           int64_t ld) -> SmallVector<Value> {
      return {gpu::SubgroupMmaLoadMatrixOp::create(
          b, loc, type, shared, ValueRange{row, col}, b.getIndexAttr(ld),
          /*transpose=*/nullptr)};
    };
  };
  f.loadA = load(typeA);
  f.loadB = load(typeB);
  f.mma = [&b, loc, typeC](ArrayRef<Value> a, ArrayRef<Value> bv,
                           ArrayRef<Value> acc) -> SmallVector<Value> {
    return {gpu::SubgroupMmaComputeOp::create(b, loc, typeC, a[0], bv[0],
                                              acc[0], nullptr, nullptr)};
  };
  f.storeC = [&b, loc](ValueRange acc, Value shared, Value row, Value col,
                       int64_t ld) {
    gpu::SubgroupMmaStoreMatrixOp::create(b, loc, acc[0], shared,
                                          ValueRange{row, col},
                                          b.getIndexAttr(ld), nullptr);
  };
  return f;
}

/// f16 and bf16 through NVVM's WMMA intrinsics (MLIR's !gpu.mma_matrix
/// has no bf16; for f16 the intrinsics need fewer registers in the kernel
/// with two versions of its K loop): fragments of A and B are 8 x <2 x
/// f16> or 4 x i32 (bf16), accumulators 8 x f32, in the layouts the
/// hardware chooses (load, mma and store agree on them).
Fragments halfFragments(OpBuilder &b, Location loc, Type element) {
  MLIRContext *ctx = b.getContext();
  Type i32 = b.getI32Type(), f32 = b.getF32Type();
  auto ptr = LLVM::LLVMPointerType::get(ctx, 3);
  bool bf16 = element.isBF16();
  unsigned abValues = bf16 ? 4 : 8;
  Type abPart = bf16 ? i32 : VectorType::get({2}, b.getF16Type());
  auto ab = LLVM::LLVMStructType::getLiteral(
      ctx, SmallVector<Type>(abValues, abPart));
  auto cd = LLVM::LLVMStructType::getLiteral(ctx, SmallVector<Type>(8, f32));
  // The shared-memory address of element (row, col).
  auto address = [&b, loc, ptr](Value shared, Value row, Value col,
                                int64_t ld) -> Value {
    unsigned bytes =
        getElementTypeOrSelf(shared.getType()).getIntOrFloatBitWidth() / 8;
    Value base = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, shared);
    Value offset = arith::AddIOp::create(
        b, loc,
        arith::MulIOp::create(b, loc, row,
                              arith::ConstantIndexOp::create(b, loc, ld)),
        col);
    Value at = arith::AddIOp::create(
        b, loc, base,
        arith::MulIOp::create(b, loc, offset,
                              arith::ConstantIndexOp::create(b, loc, bytes)));
    Value i64 = arith::IndexCastOp::create(b, loc, b.getI64Type(), at);
    return LLVM::IntToPtrOp::create(b, loc, ptr, i64);
  };
  auto stride = [&b, loc, i32](int64_t ld) -> Value {
    return arith::ConstantOp::create(b, loc, i32, b.getI32IntegerAttr(ld));
  };
  auto unpack = [&b, loc](Value v, unsigned n) {
    SmallVector<Value> parts;
    for (unsigned k = 0; k < n; ++k)
      parts.push_back(LLVM::ExtractValueOp::create(b, loc, v, k));
    return parts;
  };
  Fragments f;
  f.accValues = 8;
  f.zero = [&b, loc, f32]() {
    Value zero = arith::ConstantOp::create(b, loc, f32, b.getF32FloatAttr(0));
    return SmallVector<Value>(8, zero);
  };
  auto load = [&b, loc, ab, address, stride, unpack,
               abValues](std::string name) {
    return [&b, loc, ab, address, stride, unpack, abValues,
            name](Value shared, Value row, Value col, int64_t ld) {
      Value v = LLVM::CallIntrinsicOp::create(
                    b, loc, ab, b.getStringAttr(name),
                    ValueRange{address(shared, row, col, ld), stride(ld)})
                    .getResult(0);
      return unpack(v, abValues);
    };
  };
  std::string suffix = bf16 ? "bf16" : "f16";
  f.loadA = load("llvm.nvvm.wmma.m16n16k16.load.a.row.stride." + suffix);
  f.loadB = load("llvm.nvvm.wmma.m16n16k16.load.b.row.stride." + suffix);
  std::string mma = bf16 ? "llvm.nvvm.wmma.m16n16k16.mma.row.row.bf16"
                         : "llvm.nvvm.wmma.m16n16k16.mma.row.row.f32.f32";
  f.mma = [&b, loc, cd, unpack, mma](ArrayRef<Value> a, ArrayRef<Value> bv,
                                     ArrayRef<Value> acc) {
    SmallVector<Value> args(a);
    llvm::append_range(args, bv);
    llvm::append_range(args, acc);
    Value d =
        LLVM::CallIntrinsicOp::create(b, loc, cd, b.getStringAttr(mma), args)
            .getResult(0);
    return unpack(d, 8);
  };
  f.storeC = [&b, loc, address, stride](ValueRange acc, Value shared, Value row,
                                        Value col, int64_t ld) {
    SmallVector<Value> args = {address(shared, row, col, ld)};
    llvm::append_range(args, acc);
    args.push_back(stride(ld));
    LLVM::CallIntrinsicOp::create(
        b, loc,
        b.getStringAttr("llvm.nvvm.wmma.m16n16k16.store.d.row.stride.f32"),
        args);
  };
  return f;
}

/// For ein-emulate-gpu-launches, which has no warp-level operations: each
/// fragment is a buffer of f32 on the stack of each thread (allocated at
/// the start of the kernel `body`), which lane 0 of each warp fills,
/// multiplies and stores alone; an accumulator is updated in place. Loads
/// and stores take the same (row, col, ld) as the hardware's, so the kernel
/// around the fragments is checked as it runs on a GPU. A and B are of
/// type `element` in shared memory (bf16 kept as i16); with `tf32`, their
/// elements keep the 10 mantissa bits that TF32 tensor cores use.
Fragments emulatedFragments(OpBuilder &b, Location loc, Type element,
                            int64_t fragK, Value lane, bool tf32, Block *body) {
  constexpr int64_t frag = 16;
  Type f32 = b.getF32Type();
  auto idx = [&b, loc](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  auto buffer = [&b, loc, f32, body](int64_t rows, int64_t cols) -> Value {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(body);
    return memref::AllocaOp::create(b, loc, MemRefType::get({rows, cols}, f32));
  };
  // Runs `inner(i, j)` for i < rows, j < cols, on lane 0 only with
  // `laneZero`.
  auto each = [&b, loc, idx, lane](bool laneZero, int64_t rows, int64_t cols,
                                   function_ref<void(Value, Value)> inner) {
    OpBuilder::InsertionGuard guard(b);
    if (laneZero) {
      Value first =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, lane, idx(0));
      auto branch = scf::IfOp::create(b, loc, first, /*withElseRegion=*/false);
      b.setInsertionPointToStart(branch.thenBlock());
    }
    auto outer = scf::ForOp::create(b, loc, idx(0), idx(rows), idx(1));
    b.setInsertionPointToStart(outer.getBody());
    auto loop = scf::ForOp::create(b, loc, idx(0), idx(cols), idx(1));
    b.setInsertionPointToStart(loop.getBody());
    inner(outer.getInductionVar(), loop.getInductionVar());
  };
  auto plus = [&b, loc](Value x, Value y) -> Value {
    return arith::AddIOp::create(b, loc, x, y);
  };
  auto widen = [&b, loc, f32, element, tf32](Value v) -> Value {
    if (v.getType() != element)
      v = arith::BitcastOp::create(b, loc, element, v);
    if (element != f32)
      return arith::ExtFOp::create(b, loc, f32, v);
    if (!tf32)
      return v;
    Type i32 = b.getI32Type();
    Value bits = arith::BitcastOp::create(b, loc, i32, v);
    Value mask =
        arith::ConstantOp::create(b, loc, i32, b.getI32IntegerAttr(~0x1fff));
    return arith::BitcastOp::create(b, loc, f32,
                                    arith::AndIOp::create(b, loc, bits, mask));
  };
  auto load = [&b, loc, buffer, each, plus, widen](int64_t rows, int64_t cols) {
    return [&b, loc, buffer, each, plus, widen, rows,
            cols](Value shared, Value row, Value col, int64_t) {
      Value fragment = buffer(rows, cols);
      each(/*laneZero=*/true, rows, cols, [&](Value i, Value j) {
        Value v = memref::LoadOp::create(
            b, loc, shared, ValueRange{plus(row, i), plus(col, j)});
        memref::StoreOp::create(b, loc, widen(v), fragment, ValueRange{i, j});
      });
      return SmallVector<Value>{fragment};
    };
  };
  Fragments f;
  f.zero = [&b, loc, f32, buffer, each]() -> SmallVector<Value> {
    Value fragment = buffer(frag, frag);
    each(/*laneZero=*/false, frag, frag, [&](Value i, Value j) {
      Value zero = arith::ConstantOp::create(b, loc, f32, b.getZeroAttr(f32));
      memref::StoreOp::create(b, loc, zero, fragment, ValueRange{i, j});
    });
    return {fragment};
  };
  f.loadA = load(frag, fragK);
  f.loadB = load(fragK, frag);
  f.mma = [&b, loc, fragK, idx, each](ArrayRef<Value> a, ArrayRef<Value> bv,
                                      ArrayRef<Value> acc) {
    each(/*laneZero=*/true, frag, frag, [&](Value i, Value j) {
      Value sum = memref::LoadOp::create(b, loc, acc[0], ValueRange{i, j});
      auto loop = scf::ForOp::create(b, loc, idx(0), idx(fragK), idx(1),
                                     ValueRange{sum});
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value kk = loop.getInductionVar();
      Value x = memref::LoadOp::create(b, loc, a[0], ValueRange{i, kk});
      Value y = memref::LoadOp::create(b, loc, bv[0], ValueRange{kk, j});
      Value next =
          math::FmaOp::create(b, loc, x, y, loop.getRegionIterArgs()[0]);
      scf::YieldOp::create(b, loc, next);
      b.setInsertionPointAfter(loop);
      memref::StoreOp::create(b, loc, loop.getResult(0), acc[0],
                              ValueRange{i, j});
    });
    return SmallVector<Value>(acc);
  };
  f.storeC = [&b, loc, each, plus](ValueRange acc, Value shared, Value row,
                                   Value col, int64_t) {
    each(/*laneZero=*/true, frag, frag, [&](Value i, Value j) {
      Value v = memref::LoadOp::create(b, loc, acc[0], ValueRange{i, j});
      memref::StoreOp::create(b, loc, v, shared,
                              ValueRange{plus(row, i), plus(col, j)});
    });
  };
  return f;
}

/// A tensor-core kernel's shape: its tiles and its warps, warpsM x warpsN,
/// each computing an equal part of the block's tile of C.
struct TensorCoreShape {
  Tiling tile;
  int64_t warpsM, warpsN;
};

/// The static shared memory of a block.
constexpr int64_t kSharedBytes = 48 * 1024;

/// 128x128 tiles of 8 warps (2 x 4, each 64x32) for large problems, else
/// 64x64 of 4 (2 x 2, each 32x32); K by 32 elements, or 16 where two
/// tiles of A and B would not fit in shared memory.
TensorCoreShape tensorCoreShape(const Contraction &c, Type ta, Type tb,
                                int64_t padA, int64_t padB) {
  TensorCoreShape shape = largeTiles(c) ? TensorCoreShape{{128, 128, 32}, 2, 4}
                                        : TensorCoreShape{{64, 64, 32}, 2, 2};
  auto bytes = [&](const Tiling &t) {
    int64_t a = 2 * t.m * (t.k + padA) * ta.getIntOrFloatBitWidth() / 8;
    int64_t b = 2 * t.k * (t.n + padB) * tb.getIntOrFloatBitWidth() / 8;
    int64_t sums = shape.warpsM * shape.warpsN * 16 * 16 * 4;
    return a + b + sums;
  };
  if (bytes(shape.tile) > kSharedBytes)
    shape.tile.k = 16;
  return shape;
}

/// Warps of WMMA fragments of 16x16 (x16 for f16 and bf16, x8 for TF32),
/// their tiles of A and B double-buffered in shared memory (see
/// pipelinedKLoop); the sums are added to C (or to `init`, C's initial
/// value from a folded fill) one fragment at a time through 16x16 of
/// shared memory per warp.
void buildTensorCoreKernel(OpBuilder &b, linalg::GenericOp op,
                           const Contraction &c, Value init, bool emulated) {
  constexpr int64_t frag = 16;
  Location loc = op.getLoc();
  Type ta = getElementTypeOrSelf(op->getOperand(0).getType()),
       tb = getElementTypeOrSelf(op->getOperand(1).getType()),
       tc = getElementTypeOrSelf(op->getOperand(2).getType());
  // Rows padded by 16 bytes: fragment loads need leading dimensions that
  // are multiples of 16 bytes and starts on 32 bytes, which 16-row steps
  // keep; the padding spreads rows over banks.
  int64_t padA = 16 * 8 / ta.getIntOrFloatBitWidth(),
          padB = 16 * 8 / tb.getIntOrFloatBitWidth();
  TensorCoreShape shape = tensorCoreShape(c, ta, tb, padA, padB);
  const Tiling &tile = shape.tile;
  int64_t warps = shape.warpsM * shape.warpsN, threads = 32 * warps;
  int64_t fragsM = tile.m / shape.warpsM / frag,
          fragsN = tile.n / shape.warpsN / frag;
  int64_t fragK = ta.isF32() ? 8 : 16;
  int64_t ldA = tile.k + padA, ldB = tile.n + padB;
  // bf16 is kept as i16 (the intrinsics take addresses), so that no bf16
  // value is converted on CPUs without bf16 arithmetic.
  auto storage = [](Type t) -> Type {
    return t.isBF16() ? IntegerType::get(t.getContext(), 16) : t;
  };
  gpu::LaunchOp launch =
      createLaunch(b, loc, c, tile, threads, 1,
                   {sharedType({2 * tile.m, ldA}, storage(ta)),
                    sharedType({2 * tile.k, ldB}, storage(tb)),
                    sharedType({warps * frag, frag}, tc)});
  KernelBuilder k(b, loc, op, c);
  k.globalSpace = emulated ? 0 : 1;
  k.planVectors(tile, threads);
  Value sharedA = launch.getWorkgroupAttributions()[0],
        sharedB = launch.getWorkgroupAttributions()[1],
        sharedC = launch.getWorkgroupAttributions()[2];
  Value t = launch.getThreadIds().x, batch = launch.getBlockIds().z;
  Value m0 = k.mul(launch.getBlockIds().y, tile.m),
        n0 = k.mul(launch.getBlockIds().x, tile.n);
  Value warp = k.div(t, 32), lane = k.rem(t, 32);
  Value warpM = k.mul(k.div(warp, shape.warpsN), fragsM * frag),
        warpN = k.mul(k.rem(warp, shape.warpsN), fragsN * frag);
  Fragments f = emulated     ? emulatedFragments(b, loc, ta, fragK, lane,
                                                 /*tf32=*/ta.isF32(),
                                                 &launch.getBody().front())
                : ta.isF32() ? mmaFragments(b, loc, ta, tb, tc, fragK)
                             : halfFragments(b, loc, ta);
  SmallVector<Value> accs;
  for (int64_t n = 0; n < fragsM * fragsN; ++n)
    llvm::append_range(accs, f.zero());
  auto compute = [&](Value rowA, Value rowB, ValueRange sums) {
    SmallVector<Value> current(sums);
    for (int64_t kk = 0; kk < tile.k; kk += fragK) {
      SmallVector<SmallVector<Value>> as, bs;
      for (int64_t i = 0; i < fragsM; ++i)
        as.push_back(f.loadA(sharedA,
                             k.add(rowA, k.add(warpM, k.idx(i * frag))),
                             k.idx(kk), ldA));
      for (int64_t j = 0; j < fragsN; ++j)
        bs.push_back(f.loadB(sharedB, k.add(rowB, k.idx(kk)),
                             k.add(warpN, k.idx(j * frag)), ldB));
      for (int64_t i = 0; i < fragsM; ++i)
        for (int64_t j = 0; j < fragsN; ++j) {
          MutableArrayRef<Value> acc = MutableArrayRef<Value>(current).slice(
              (i * fragsN + j) * f.accValues, f.accValues);
          SmallVector<Value> next = f.mma(as[i], bs[j], acc);
          llvm::copy(next, acc.begin());
        }
    }
    return current;
  };
  SmallVector<Value> sums(pipelinedKLoop(k, t, threads, batch, m0, n0, tile,
                                         sharedA, /*aRowsM=*/true, sharedB,
                                         accs, compute)
                              .getResults());
  // Each fragment through the warp's 16x16 of shared memory, 8 elements a
  // lane.
  Value rowC = k.mul(warp, frag);
  for (int64_t i = 0; i < fragsM; ++i)
    for (int64_t j = 0; j < fragsN; ++j) {
      f.storeC(
          ValueRange(sums).slice((i * fragsN + j) * f.accValues, f.accValues),
          sharedC, rowC, k.idx(0), frag);
      gpu::BarrierOp::create(b, loc);
      for (int64_t e = 0; e < frag * frag / 32; ++e) {
        Value at = k.add(lane, k.idx(e * 32));
        Value mm = k.div(at, frag), nn = k.rem(at, frag);
        Value m = k.add(m0, k.add(warpM, k.add(k.idx(i * frag), mm))),
              n = k.add(n0, k.add(warpN, k.add(k.idx(j * frag), nn)));
        k.update(
            batch, m, n,
            k.all(k.within(m, c.M, tile.m), k.within(n, c.N, tile.n)),
            [&](Value old) {
              Value sum = memref::LoadOp::create(
                  b, loc, sharedC, ValueRange{k.add(rowC, mm), nn});
              return arith::AddFOp::create(b, loc, init ? init : old, sum)
                  .getResult();
            },
            /*readOld=*/!init);
      }
      gpu::BarrierOp::create(b, loc);
    }
}

/// The linalg.fill of a scalar that gives `op`'s output its initial value
/// just before `op` (the buffer's last use before it, in the same block),
/// or null. The kernel then starts its sums from the scalar, and the fill,
/// a kernel of its own, goes. Buffers with views are left alone: a view
/// could read or write the buffer in between unseen.
linalg::FillOp initialFill(linalg::GenericOp op) {
  Value out = op.getDpsInits()[0];
  bool owned =
      isa_and_nonnull<memref::AllocOp, memref::AllocaOp>(out.getDefiningOp()) ||
      isa<BlockArgument>(out);
  if (!owned || llvm::any_of(out.getUsers(), [](Operation *user) {
        return isa<ViewLikeOpInterface>(user);
      }))
    return nullptr;
  for (Operation *prev = op->getPrevNode(); prev; prev = prev->getPrevNode()) {
    bool uses = false;
    prev->walk([&](Operation *inner) {
      uses |= llvm::is_contained(inner->getOperands(), out);
    });
    if (!uses)
      continue;
    auto fill = dyn_cast<linalg::FillOp>(prev);
    if (fill && fill.hasPureBufferSemantics() && fill.getDpsInits()[0] == out &&
        fill.getInputs()[0].getType() == getElementTypeOrSelf(out.getType()))
      return fill;
    return nullptr;
  }
  return nullptr;
}

struct EinGpuTileContractionsPass
    : mlir::ein::impl::EinGpuTileContractionsBase<EinGpuTileContractionsPass> {
  using Base::Base;

  bool useTensorCores(linalg::GenericOp op, const Contraction &c) {
    Type ta = getElementTypeOrSelf(op->getOperand(0).getType()),
         tb = getElementTypeOrSelf(op->getOperand(1).getType()),
         tc = getElementTypeOrSelf(op->getOperand(2).getType());
    if (!tc.isF32() || ta != tb)
      return false;
    if (ta.isF16())
      return c.widened && sm >= 70;
    if (ta.isBF16())
      return c.widened && sm >= 80;
    return ta.isF32() && tf32 && sm >= 80;
  }

  void runOnOperation() override {
    SmallVector<linalg::GenericOp> generics;
    getOperation()->walk([&](linalg::GenericOp op) { generics.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (linalg::GenericOp op : generics) {
      std::optional<Contraction> c = analyze(op);
      if (!c || c->M < minExtent || c->N < minExtent || c->K < minExtent ||
          llvm::divideCeil(c->M, 64) > kMaxGrid || c->B > kMaxGrid)
        continue;
      linalg::FillOp fill = initialFill(op);
      Value init = fill ? fill.getInputs()[0] : Value();
      rewriter.setInsertionPoint(op);
      if (useTensorCores(op, *c))
        buildTensorCoreKernel(rewriter, op, *c, init, emulated);
      else
        buildSimtKernel(rewriter, op, *c, init);
      rewriter.eraseOp(op);
      if (fill)
        rewriter.eraseOp(fill);
    }
  }
};

} // namespace
