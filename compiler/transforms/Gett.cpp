//===- Gett.cpp - Contractions as packed, register-blocked loop nests -----===//
//
// Lowers each contraction marked `ein.gett` (see GettPlan.h), on buffers,
// to the loop nest of BLIS:
//
//   for each batch entry
//     for jc: nc columns                   (a panel of B: L3)
//       for pc: kc sums                    pack B[pc.., jc..] -> Bp
//         for ic: mc rows                  pack A[ic.., pc..] -> Ap (L2)
//           for jr: nr columns             (kc x nr of Bp: L1)
//             for ir: mr rows              micro-kernel, then C += block
//
// Bp holds nr-column strips, each kc rows of nr contiguous elements; Ap
// holds mr-row strips, each kc columns of mr. The micro-kernel keeps an
// mr x nr block of C in mr * nr / lanes vector registers and per sum loads
// nr / lanes vectors of Bp and broadcasts mr elements of Ap into fused
// multiply-adds. Strips are padded with zeros, so any extents work; a
// block of C that is partial, or whose columns are not contiguous in C
// (grouped columns that wrap), is added element by element from a small
// buffer. Packing reads every operand through its flat buffer, with the
// offsets of grouped loops taken from tables made once per panel, so an
// operand's index order only changes the order of the packing reads.
// Every element of C sums its terms in the same order whatever the
// threads, so results do not depend on the thread count.
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"
#include "compiler/transforms/GettPlan.h"
#include "compiler/transforms/ParallelMarks.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Complex/IR/Complex.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/TargetParser/Host.h"

#include <unistd.h>

namespace mlir {
namespace ein {
#define GEN_PASS_DEF_EINGETT
#include "compiler/Passes.h.inc"
} // namespace ein
} // namespace mlir

using namespace mlir;

namespace {

/// Block sizes of one contraction.
struct Config {
  int64_t lanes = 8; ///< elements in one vector
  int64_t mr = 6;    ///< rows of the register block
  int64_t nv = 2;    ///< vectors of columns in the register block
  int64_t kc = 256;  ///< sums in one panel
  int64_t mc = 144;  ///< rows in one panel of A
  int64_t nc = 4096; ///< columns in one panel of B
  int64_t nr() const { return nv * lanes; }
};

/// Which loop runs on threads.
enum class Threads { None, Batch, Columns, Rows };

int64_t roundUp(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

/// Index arithmetic and loops at one insertion point.
class Emitter {
public:
  Emitter(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value add(Value x, int64_t y) { return y == 0 ? x : add(x, idx(y)); }
  Value sub(Value x, Value y) { return arith::SubIOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
  Value mul(Value x, int64_t y) { return y == 1 ? x : mul(x, idx(y)); }
  Value div(Value x, int64_t y) {
    return y == 1 ? x : arith::DivUIOp::create(b, loc, x, idx(y));
  }
  Value rem(Value x, int64_t y) {
    return arith::RemUIOp::create(b, loc, x, idx(y));
  }
  Value min(Value x, Value y) { return arith::MinUIOp::create(b, loc, x, y); }
  Value lt(Value x, Value y) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, x, y);
  }
  Value eq(Value x, Value y) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, x, y);
  }
  Value both(Value x, Value y) { return arith::AndIOp::create(b, loc, x, y); }

  /// Starts `for iv = lb to ub step s` and moves into its body.
  scf::ForOp loop(Value lb, Value ub, Value step) {
    auto forOp = scf::ForOp::create(b, loc, lb, ub, step);
    b.setInsertionPoint(forOp.getBody()->getTerminator());
    return forOp;
  }
  scf::ForOp loop(Value ub) { return loop(idx(0), ub, idx(1)); }
  void after(Operation *op) { b.setInsertionPointAfter(op); }

  Value load(Value memref, Value at) {
    return memref::LoadOp::create(b, loc, memref, ValueRange{at});
  }
  void store(Value v, Value memref, Value at) {
    memref::StoreOp::create(b, loc, v, memref, ValueRange{at});
  }
  Value loadVector(VectorType type, Value memref, Value at) {
    return vector::LoadOp::create(b, loc, type, memref, ValueRange{at});
  }
  void storeVector(Value v, Value memref, Value at) {
    vector::StoreOp::create(b, loc, v, memref, ValueRange{at});
  }
  Value alloc(int64_t n, Type element) {
    // Cache-line aligned, so that no vector load of a panel splits a line.
    return memref::AllocOp::create(b, loc, MemRefType::get({n}, element),
                                   b.getI64IntegerAttr(64));
  }

  OpBuilder &b;
  Location loc;
};

/// An operand as a flat buffer: the element at loop indices i sits at
/// sum_d i_d * stride[d] of `flat`.
struct Flat {
  Value flat;
  llvm::DenseMap<unsigned, int64_t> stride; ///< per loop the operand has
};

/// Whether memref operand `operand` of `op` has a static shape and static
/// strides (its offset may be dynamic).
bool staticLayout(linalg::GenericOp op, unsigned operand) {
  auto type = dyn_cast<MemRefType>(op->getOperand(operand).getType());
  SmallVector<int64_t> strides;
  int64_t offset;
  return type && type.hasStaticShape() &&
         succeeded(type.getStridesAndOffset(strides, offset)) &&
         llvm::none_of(strides, ShapedType::isDynamic);
}

/// The flat view of memref operand `operand` of `op`, which has a static
/// layout.
Flat flatten(Emitter &e, linalg::GenericOp op, unsigned operand) {
  Value value = op->getOperand(operand);
  auto type = cast<MemRefType>(value.getType());
  auto [strides, offset] = type.getStridesAndOffset();
  Flat flat;
  AffineMap map = op.getMatchingIndexingMap(&op->getOpOperand(operand));
  int64_t span = 1;
  for (unsigned r = 0; r < map.getNumResults(); ++r) {
    flat.stride[map.getDimPosition(r)] = strides[r];
    span += (type.getDimSize(r) - 1) * strides[r];
  }
  MLIRContext *ctx = op.getContext();
  auto meta = memref::ExtractStridedMetadataOp::create(e.b, e.loc, value);
  OpFoldResult at = ShapedType::isDynamic(offset)
                        ? OpFoldResult(meta.getOffset())
                        : OpFoldResult(e.b.getIndexAttr(offset));
  MemRefType flatType =
      offset == 0 ? MemRefType::get({span}, type.getElementType())
                  : MemRefType::get({span}, type.getElementType(),
                                    StridedLayoutAttr::get(ctx, offset, {1}));
  flat.flat = memref::ReinterpretCastOp::create(
      e.b, e.loc, flatType, meta.getBaseBuffer(), at,
      ArrayRef<OpFoldResult>{e.b.getIndexAttr(span)},
      ArrayRef<OpFoldResult>{e.b.getIndexAttr(1)});
  return flat;
}

/// The offset in `x` of flat index `f` of `group` (its loops row-major).
Value groupOffset(Emitter &e, const Flat &x, ArrayRef<unsigned> group,
                  ArrayRef<int64_t> extents, Value f) {
  Value sum;
  int64_t inner = 1;
  for (unsigned i = group.size(); i-- > 0;) {
    unsigned d = group[i];
    Value q = e.div(f, inner);
    if (i > 0)
      q = e.rem(q, extents[d]);
    Value term = e.mul(q, x.stride.lookup(d));
    sum = sum ? e.add(sum, term) : term;
    inner *= extents[d];
  }
  return sum ? sum : e.idx(0);
}

/// Offsets in one operand of a window of one group's flat indices: a
/// multiple of the stride for a group of one loop, else a table filled
/// once per window.
struct Offsets {
  Value table; ///< i64 offsets of start, start + 1, ...; null: stride
  Value start;
  int64_t stride = 0;

  Value at(Emitter &e, Value f) const {
    if (!table)
      return e.mul(f, stride);
    Value v = e.load(table, e.sub(f, start));
    return arith::IndexCastOp::create(e.b, e.loc, e.b.getIndexType(), v);
  }
};

/// Offsets of `count` indices of `group` from `start` in `x`; `table` is
/// the buffer for them when the group has several loops.
Offsets offsets(Emitter &e, const Flat &x, ArrayRef<unsigned> group,
                ArrayRef<int64_t> extents, Value start, Value count,
                Value table) {
  Offsets o;
  o.start = start;
  if (group.size() == 1) {
    o.stride = x.stride.lookup(group[0]);
    return o;
  }
  o.table = table;
  scf::ForOp fill = e.loop(count);
  Value t = fill.getInductionVar();
  Value off = groupOffset(e, x, group, extents, e.add(start, t));
  e.store(arith::IndexCastOp::create(e.b, e.loc, e.b.getI64Type(), off), table,
          t);
  e.after(fill);
  return o;
}

/// An elementwise generic (ein.gett_epilogue) computed on each element of
/// C in the last panel of sums, as the element is finished.
struct Epilogue {
  linalg::GenericOp op;
  Value c;                     ///< the contraction's C, read by `op`
  SmallVector<int64_t> loopOf; ///< per contraction loop: op's loop, or -1
  bool storeC = true;    ///< whether C is read afterwards (else not stored)
  bool vector = true;    ///< whole blocks in vectors along C's last column
  int64_t lastLoop = -1; ///< op's loop of C's last column
};

/// Whether `v` is available where `op` is: defined before it in its
/// block, or in an enclosing one.
bool availableAt(Value v, Operation *op) {
  Operation *def = v.getDefiningOp();
  return !def || def->getBlock() != op->getBlock() || def->isBeforeInBlock(op);
}

/// Whether memref operand `operand` of `op` is read and written in vectors
/// along op's loop `loop`: it is its last index, of stride 1 (or it does
/// not index it at all).
bool vectorAlong(linalg::GenericOp op, OpOperand &operand, int64_t loop) {
  AffineMap map = op.getMatchingIndexingMap(&operand);
  if (!map.isFunctionOfDim(loop))
    return true;
  auto type = dyn_cast<MemRefType>(operand.get().getType());
  SmallVector<int64_t> strides;
  int64_t offset;
  return type && map.getNumResults() > 0 &&
         map.getDimPosition(map.getNumResults() - 1) == loop &&
         succeeded(type.getStridesAndOffset(strides, offset)) &&
         strides.back() == 1;
}

/// The epilogue of contraction `op` (see Epilogue), or nullopt: the
/// generic marked ein.gett_epilogue that reads op's C next after it, with
/// only allocations and reads between them and every operand available
/// at `op` (allocations of its result are moved there).
std::optional<Epilogue> findEpilogue(linalg::GenericOp op,
                                     const ::ein::GettPlan &plan) {
  Value c = op.getDpsInits()[0];
  linalg::GenericOp found;
  for (Operation *next = op->getNextNode(); next && !found;
       next = next->getNextNode()) {
    auto generic = dyn_cast<linalg::GenericOp>(next);
    if (generic && generic->hasAttr(::ein::kGettEpilogueAttr) &&
        llvm::is_contained(generic.getDpsInputs(), c)) {
      found = generic;
      break;
    }
    auto effects = dyn_cast<MemoryEffectOpInterface>(next);
    if (!effects || effects.hasEffect<MemoryEffects::Write>() ||
        effects.hasEffect<MemoryEffects::Free>())
      return std::nullopt;
  }
  if (!found || !found.hasPureBufferSemantics() ||
      !::ein::isGettEpilogue(found, c))
    return std::nullopt;
  Value d = found.getDpsInits()[0];
  if (llvm::is_contained(op.getDpsInputs(), d))
    return std::nullopt;
  // Operands and values the body uses must exist where the contraction is.
  for (Value v : found->getOperands()) {
    if (availableAt(v, op))
      continue;
    auto alloc = v.getDefiningOp<memref::AllocOp>();
    if (!alloc || !llvm::all_of(alloc->getOperands(), [&](Value size) {
          return availableAt(size, op);
        }))
      return std::nullopt;
    alloc->moveBefore(op);
  }
  bool outside = false;
  found.getRegion().walk([&](Operation *inner) {
    for (Value v : inner->getOperands())
      if (v.getParentRegion() != &found.getRegion() && !availableAt(v, op))
        outside = true;
  });
  if (outside)
    return std::nullopt;

  Epilogue ep;
  ep.op = found;
  ep.c = c;
  AffineMap cMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  AffineMap eMap;
  for (OpOperand *input : found.getDpsInputOperands())
    if (input->get() == c)
      eMap = found.getMatchingIndexingMap(input);
  ep.loopOf.assign(plan.extents.size(), -1);
  for (unsigned r = 0; r < cMap.getNumResults(); ++r)
    ep.loopOf[cMap.getDimPosition(r)] = eMap.getDimPosition(r);
  ep.lastLoop = ep.loopOf[plan.cols.back()];
  // C need not be stored when it is a buffer of its own that nothing but
  // the contraction, its fill and the epilogue use.
  ep.storeC = !c.getDefiningOp<memref::AllocOp>() ||
              llvm::any_of(c.getUsers(), [&](Operation *user) {
                return user != op && user != found &&
                       !isa<linalg::FillOp, memref::DeallocOp>(user);
              });
  // Then the sums can accumulate in D itself, when C is only a scratch
  // copy of it: the same type, written through the same map as C is read,
  // and D not read by the epilogue. The last panel updates D in place.
  OpOperand *init = found.getDpsInitOperand(0);
  Operation *cAlloc = c.getDefiningOp();
  if (!ep.storeC && d.getType() == c.getType() &&
      found.getMatchingIndexingMap(init) == eMap &&
      !llvm::is_contained(found.getDpsInputs(), d)) {
    Operation *dDef = d.getDefiningOp();
    bool available = availableAt(d, cAlloc);
    if (!available && isa<memref::AllocOp>(dDef) &&
        dDef->getNumOperands() == 0) {
      dDef->moveBefore(cAlloc);
      available = true;
    }
    if (available) {
      c.replaceUsesWithIf(d, [](OpOperand &use) {
        return !isa<memref::DeallocOp>(use.getOwner());
      });
      ep.c = d;
    }
  }
  ep.vector = ::ein::isGettEpilogue(found, ep.c, /*vectorized=*/true) &&
              llvm::all_of(found->getOpOperands(), [&](OpOperand &operand) {
                return operand.get() == ep.c ||
                       vectorAlong(found, operand, ep.lastLoop);
              });
  return ep;
}

/// Sets `loops[d]` for each loop d of `group` to its index at flat index
/// `f` of the group (row-major).
void splitGroup(Emitter &e, ArrayRef<unsigned> group, ArrayRef<int64_t> ext,
                Value f, SmallVectorImpl<Value> &loops) {
  int64_t inner = 1;
  for (unsigned i = group.size(); i-- > 0;) {
    unsigned d = group[i];
    Value q = e.div(f, inner);
    loops[d] = i > 0 ? e.rem(q, ext[d]) : q;
    inner *= ext[d];
  }
}

/// Emits `ep` on the element of C whose contraction loop indices are
/// `loops` and whose final value is `v`; with `lanes` > 0 on the vector
/// `v` of that many elements along C's last column from there.
void emitEpilogue(Emitter &e, const Epilogue &ep, ArrayRef<Value> loops,
                  Value v, int64_t lanes) {
  linalg::GenericOp E = ep.op;
  SmallVector<Value> at(E.getNumLoops());
  for (auto [d, loop] : llvm::enumerate(ep.loopOf))
    if (loop >= 0)
      at[loop] = loops[d];
  auto indices = [&](OpOperand &operand) {
    AffineMap map = E.getMatchingIndexingMap(&operand);
    SmallVector<Value> result;
    for (unsigned r = 0; r < map.getNumResults(); ++r)
      result.push_back(at[map.getDimPosition(r)]);
    return result;
  };
  auto vectorOf = [&](Type t) { return VectorType::get({lanes}, t); };
  auto splat = [&](Value x) -> Value {
    return vector::BroadcastOp::create(e.b, e.loc, vectorOf(x.getType()), x);
  };
  auto along = [&](OpOperand &operand) {
    return E.getMatchingIndexingMap(&operand).isFunctionOfDim(ep.lastLoop);
  };
  Block &body = E.getRegion().front();
  IRMapping map;
  for (OpOperand *input : E.getDpsInputOperands()) {
    Value x;
    Type element = getElementTypeOrSelf(input->get().getType());
    if (input->get() == ep.c)
      x = v;
    else if (lanes > 0 && along(*input))
      x = vector::LoadOp::create(e.b, e.loc, vectorOf(element), input->get(),
                                 indices(*input));
    else
      x = memref::LoadOp::create(e.b, e.loc, input->get(), indices(*input));
    if (lanes > 0 && !isa<VectorType>(x.getType()))
      x = splat(x);
    map.map(E.getMatchingBlockArgument(input), x);
  }
  for (Operation &inner : body.without_terminator()) {
    if (lanes == 0) {
      e.b.clone(inner, map);
      continue;
    }
    if (auto constant = dyn_cast<arith::ConstantOp>(inner)) {
      map.map(constant.getResult(), splat(e.b.clone(inner)->getResult(0)));
      continue;
    }
    OperationState state(e.loc, inner.getName());
    for (Value operand : inner.getOperands()) {
      Value mapped = map.lookupOrNull(operand);
      state.addOperands(mapped ? mapped : splat(operand));
    }
    state.addAttributes(inner.getAttrs());
    for (Type t : inner.getResultTypes())
      state.addTypes(vectorOf(t));
    map.map(inner.getResults(), e.b.create(state)->getResults());
  }
  Value yielded = body.getTerminator()->getOperand(0);
  Value result = map.lookupOrNull(yielded);
  if (!result)
    result = lanes > 0 ? splat(yielded) : yielded;
  OpOperand *init = E.getDpsInitOperand(0);
  if (lanes > 0)
    vector::StoreOp::create(e.b, e.loc, result, init->get(), indices(*init));
  else
    memref::StoreOp::create(e.b, e.loc, result, init->get(), indices(*init));
}

/// Lowers `op` along `plan` with blocks `cfg`, the loop `threads` marked
/// to run on threads. Returns false (and changes nothing) when an operand's
/// layout is not static.
bool lowerGett(linalg::GenericOp op, const ::ein::GettPlan &plan,
               const Config &cfg, Threads threads) {
  OpBuilder b(op);
  Emitter e(b, op.getLoc());
  SmallVector<int64_t> ext = plan.extents;
  unsigned cOperand = 2;
  for (unsigned operand : {plan.a, plan.b, cOperand})
    if (!staticLayout(op, operand))
      return false;
  std::optional<Epilogue> epilogue = findEpilogue(op, plan);
  b.setInsertionPoint(op); // after any allocation moved before it
  Flat A = flatten(e, op, plan.a), B = flatten(e, op, plan.b),
       C = flatten(e, op, cOperand);
  // Complex elements are packed as real parts, then imaginary parts, of
  // `element`; the micro-kernel multiplies them out in real vectors.
  Type stored = getElementTypeOrSelf(op.getDpsInits()[0].getType());
  auto complexType = dyn_cast<ComplexType>(stored);
  Type element = complexType ? complexType.getElementType() : stored;
  const int64_t parts = complexType ? 2 : 1;
  Type i64 = b.getI64Type();
  VectorType vec = VectorType::get({cfg.lanes}, element);
  const int64_t mr = cfg.mr, nv = cfg.nv, nr = cfg.nr(), lanes = cfg.lanes;
  const int64_t M = plan.extent(plan.rows), N = plan.extent(plan.cols),
                K = plan.extent(plan.sums), NB = plan.extent(plan.batch);
  const int64_t kcMax = std::min(cfg.kc, K);
  // Whole strips: panels hold a multiple of the register block.
  const int64_t mcMax = roundUp(std::min(cfg.mc, M), mr);
  const int64_t ncMax = roundUp(std::min(cfg.nc, N), nr);
  // Columns of B and of C are vectors when their last loop is contiguous
  // (and they are real: complex ones go element by element).
  unsigned lastCol = plan.cols.back();
  bool vectorB = !complexType && B.stride.lookup(lastCol) == 1;
  bool vectorC = !complexType && C.stride.lookup(lastCol) == 1;
  int64_t lastColExtent = ext[lastCol];
  // Whether a strip of nr columns from `first` lies in one run of the last
  // column loop, i.e. is contiguous (always, with one column loop).
  auto oneRun = [&](Value first) -> Value {
    if (plan.cols.size() == 1)
      return arith::ConstantIntOp::create(b, e.loc, 1, 1);
    Value in = e.rem(first, lastColExtent);
    return e.lt(e.add(in, nr - 1), e.idx(lastColExtent));
  };
  // A is read along its rows when that is where it is contiguous.
  bool rowsOuter =
      A.stride.lookup(plan.rows.back()) >= A.stride.lookup(plan.sums.back());

  // Buffers shared by the blocks of rows: Bp and the column and sum
  // offset tables, made where the threads' loop leaves them private.
  struct Shared {
    Value bp, colB, colC, sumA, sumB;
  } shared;
  SmallVector<Value> sharedBuffers;
  auto allocShared = [&] {
    shared.bp = e.alloc(ncMax * kcMax * parts, element);
    sharedBuffers = {shared.bp};
    if (plan.cols.size() > 1) {
      shared.colB = e.alloc(ncMax, i64);
      shared.colC = e.alloc(ncMax, i64);
      sharedBuffers.append({shared.colB, shared.colC});
    }
    if (plan.sums.size() > 1) {
      shared.sumA = e.alloc(kcMax, i64);
      shared.sumB = e.alloc(kcMax, i64);
      sharedBuffers.append({shared.sumA, shared.sumB});
    }
  };
  auto freeShared = [&] {
    for (Value buffer : sharedBuffers)
      memref::DeallocOp::create(b, e.loc, buffer);
  };
  auto mark = [&](scf::ForOp loop) {
    loop->setAttr(::ein::kParallelAttr, b.getUnitAttr());
  };

  if (threads != Threads::Batch && threads != Threads::Columns)
    allocShared();
  scf::ForOp batchLoop = e.loop(e.idx(NB));
  if (threads == Threads::Batch) {
    mark(batchLoop);
    allocShared();
  }
  Value bi = batchLoop.getInductionVar();
  Value batchA = groupOffset(e, A, plan.batch, ext, bi);
  Value batchB = groupOffset(e, B, plan.batch, ext, bi);
  Value batchC = groupOffset(e, C, plan.batch, ext, bi);

  scf::ForOp jcLoop = e.loop(e.idx(0), e.idx(N), e.idx(ncMax));
  if (threads == Threads::Columns) {
    mark(jcLoop);
    allocShared();
  }
  Value jc = jcLoop.getInductionVar();
  Value nc = e.min(e.idx(ncMax), e.sub(e.idx(N), jc));
  Offsets colB = offsets(e, B, plan.cols, ext, jc, nc, shared.colB);
  Offsets colC = offsets(e, C, plan.cols, ext, jc, nc, shared.colC);

  scf::ForOp pcLoop = e.loop(e.idx(0), e.idx(K), e.idx(kcMax));
  Value pc = pcLoop.getInductionVar();
  Value kc = e.min(e.idx(kcMax), e.sub(e.idx(K), pc));
  Offsets sumA = offsets(e, A, plan.sums, ext, pc, kc, shared.sumA);
  Offsets sumB = offsets(e, B, plan.sums, ext, pc, kc, shared.sumB);

  // A zero of `element`, and the real and imaginary parts of `v` (just
  // `v` when real).
  auto zeroOf = [&] {
    return arith::ConstantOp::create(b, e.loc, element, b.getZeroAttr(element));
  };
  auto partsOf = [&](Value v) -> SmallVector<Value, 2> {
    if (!complexType)
      return {v};
    return {complex::ReOp::create(b, e.loc, v),
            complex::ImOp::create(b, e.loc, v)};
  };
  // Pack B: strip s holds columns s*nr.. as kc rows of nr elements (of
  // real parts, then nr of imaginary parts).
  {
    Value strips = e.div(e.add(nc, nr - 1), nr);
    scf::ForOp stripLoop = e.loop(strips);
    // With the row panels on threads, the threads share the packing too.
    if (threads == Threads::Rows)
      mark(stripLoop);
    Value first = e.mul(stripLoop.getInductionVar(), nr);
    Value width = e.min(e.idx(nr), e.sub(nc, first));
    Value dst = e.mul(stripLoop.getInductionVar(), kcMax * nr * parts);
    // Whole contiguous strips by vectors, the rest element by element.
    scf::IfOp choice;
    if (vectorB) {
      Value whole = e.both(e.eq(width, e.idx(nr)), oneRun(e.add(jc, first)));
      choice = scf::IfOp::create(b, e.loc, whole, /*withElse=*/true);
      b.setInsertionPoint(choice.thenBlock()->getTerminator());
      Value col = colB.at(e, e.add(jc, first));
      scf::ForOp p = e.loop(kc);
      Value iv = p.getInductionVar();
      Value src = e.add(e.add(batchB, sumB.at(e, e.add(pc, iv))), col);
      Value to = e.add(dst, e.mul(iv, nr * parts));
      for (int64_t j = 0; j < nv; ++j)
        e.storeVector(e.loadVector(vec, B.flat, e.add(src, j * lanes)),
                      shared.bp, e.add(to, j * lanes));
      e.after(p);
      b.setInsertionPoint(choice.elseBlock()->getTerminator());
    }
    {
      scf::ForOp p = e.loop(kc);
      Value iv = p.getInductionVar();
      Value row = e.add(batchB, sumB.at(e, e.add(pc, iv)));
      Value to = e.add(dst, e.mul(iv, nr * parts));
      scf::ForOp c = e.loop(width);
      Value civ = c.getInductionVar();
      Value col = colB.at(e, e.add(e.add(jc, first), civ));
      for (auto [part, v] :
           llvm::enumerate(partsOf(e.load(B.flat, e.add(row, col)))))
        e.store(v, shared.bp, e.add(to, e.add(civ, part * nr)));
      e.after(c);
      scf::ForOp z = e.loop(width, e.idx(nr), e.idx(1));
      Value zero = zeroOf();
      for (int64_t part = 0; part < parts; ++part)
        e.store(zero, shared.bp,
                e.add(to, e.add(z.getInductionVar(), part * nr)));
      e.after(z);
      e.after(p);
    }
    if (choice)
      e.after(choice);
    e.after(stripLoop);
  }

  scf::ForOp icLoop = e.loop(e.idx(0), e.idx(M), e.idx(mcMax));
  if (threads == Threads::Rows)
    mark(icLoop);
  Value ic = icLoop.getInductionVar();
  Value mc = e.min(e.idx(mcMax), e.sub(e.idx(M), ic));
  // Ap, then an mr x nr buffer for blocks of C added element by element.
  const int64_t blockAt = mcMax * kcMax * parts;
  Value ap = e.alloc(blockAt + mr * nr * parts, element);
  Value rowTableA, rowTableC;
  if (plan.rows.size() > 1) {
    rowTableA = e.alloc(mcMax, i64);
    rowTableC = e.alloc(mcMax, i64);
  }
  Offsets rowA = offsets(e, A, plan.rows, ext, ic, mc, rowTableA);
  Offsets rowC = offsets(e, C, plan.rows, ext, ic, mc, rowTableC);

  // Pack A: strip s holds rows s*mr.. as kc columns of mr elements (real
  // parts, then mr imaginary parts); rows past mc are zeros.
  {
    Value zero = zeroOf();
    auto place = [&](Value i, Value p) {
      return e.add(e.add(e.mul(e.div(i, mr), kcMax * mr * parts), e.rem(i, mr)),
                   e.mul(p, mr * parts));
    };
    auto source = [&](Value i, Value p) {
      return e.add(e.add(batchA, rowA.at(e, e.add(ic, i))),
                   sumA.at(e, e.add(pc, p)));
    };
    scf::ForOp outer = e.loop(rowsOuter ? mc : kc);
    scf::ForOp inner = e.loop(rowsOuter ? kc : mc);
    Value i = rowsOuter ? outer.getInductionVar() : inner.getInductionVar();
    Value p = rowsOuter ? inner.getInductionVar() : outer.getInductionVar();
    Value to = place(i, p);
    for (auto [part, v] :
         llvm::enumerate(partsOf(e.load(A.flat, source(i, p)))))
      e.store(v, ap, e.add(to, part * mr));
    e.after(outer);
    Value padded = e.mul(e.div(e.add(mc, mr - 1), mr), mr);
    scf::ForOp zi = e.loop(mc, padded, e.idx(1));
    scf::ForOp zp = e.loop(kc);
    Value zeroAt = place(zi.getInductionVar(), zp.getInductionVar());
    for (int64_t part = 0; part < parts; ++part)
      e.store(zero, ap, e.add(zeroAt, part * mr));
    e.after(zi);
  }

  scf::ForOp jrLoop = e.loop(e.idx(0), nc, e.idx(nr));
  Value jr = jrLoop.getInductionVar();
  Value width = e.min(e.idx(nr), e.sub(nc, jr));
  scf::ForOp irLoop = e.loop(e.idx(0), mc, e.idx(mr));
  Value ir = irLoop.getInductionVar();
  Value height = e.min(e.idx(mr), e.sub(mc, ir));

  // The micro-kernel: acc[r][j] += Ap[r, p] * Bp[p, j-th vector]; complex
  // ones keep the real and the imaginary part of each accumulator.
  Value aStrip = e.mul(e.div(ir, mr), kcMax * mr * parts);
  Value bStrip = e.mul(e.div(jr, nr), kcMax * nr * parts);
  Value zeroVector = arith::ConstantOp::create(
      b, e.loc, vec, DenseElementsAttr::get(vec, b.getZeroAttr(element)));
  // The block of C is read after the sums: ask for its rows now (rows past
  // the last repeat the last; a prefetch never faults).
  Value colAt = e.add(jc, jr);
  if (vectorC) {
    Value col = e.add(batchC, colC.at(e, colAt));
    Value lastRow = e.sub(e.add(ic, mc), e.idx(1));
    for (int64_t r = 0; r < mr; ++r) {
      Value row = e.min(e.add(e.add(ic, ir), e.idx(r)), lastRow);
      Value at = e.add(col, rowC.at(e, row));
      for (Value v : {at, e.add(at, nr - 1)})
        memref::PrefetchOp::create(b, e.loc, C.flat, ValueRange{v},
                                   b.getBoolAttr(true), b.getI32IntegerAttr(3),
                                   b.getBoolAttr(true));
    }
  }
  // Accumulator `part` of row r, vector j.
  auto accAt = [&](int64_t r, int64_t j, int64_t part) {
    return (r * nv + j) * parts + part;
  };
  SmallVector<Value> init(mr * nv * parts, zeroVector);
  auto kernel = scf::ForOp::create(b, e.loc, e.idx(0), kc, e.idx(1), init);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToEnd(kernel.getBody());
    Value p = kernel.getInductionVar();
    Value bAt = e.add(bStrip, e.mul(p, nr * parts));
    Value aAt = e.add(aStrip, e.mul(p, mr * parts));
    SmallVector<Value> bv; // [part * nv + j]
    for (int64_t part = 0; part < parts; ++part)
      for (int64_t j = 0; j < nv; ++j)
        bv.push_back(
            e.loadVector(vec, shared.bp, e.add(bAt, part * nr + j * lanes)));
    SmallVector<Value> acc(kernel.getRegionIterArgs());
    auto fma = [&](Value x, Value y, Value z) {
      return vector::FMAOp::create(b, e.loc, x, y, z);
    };
    for (int64_t r = 0; r < mr; ++r) {
      auto broadcast = [&](int64_t part) -> Value {
        return vector::BroadcastOp::create(
            b, e.loc, vec, e.load(ap, e.add(aAt, r + part * mr)));
      };
      Value av = broadcast(0);
      if (!complexType) {
        for (int64_t j = 0; j < nv; ++j)
          acc[accAt(r, j, 0)] = fma(av, bv[j], acc[accAt(r, j, 0)]);
        continue;
      }
      // (ar + i ai)(br + i bi): re += ar br - ai bi, im += ar bi + ai br.
      Value ai = broadcast(1);
      Value negAi = arith::NegFOp::create(b, e.loc, ai);
      for (int64_t j = 0; j < nv; ++j) {
        Value br = bv[j], bi = bv[nv + j];
        Value &re = acc[accAt(r, j, 0)], &im = acc[accAt(r, j, 1)];
        re = fma(negAi, bi, fma(av, br, re));
        im = fma(ai, br, fma(av, bi, im));
      }
    }
    scf::YieldOp::create(b, e.loc, acc);
  }
  ResultRange acc = kernel.getResults();

  // C += the block: whole vectors where they are, else element by element;
  // with `ep`, C's elements are final and the epilogue runs on them.
  Value rowFirst = e.add(ic, ir);
  auto update = [&](const Epilogue *ep) {
    bool storeC = !ep || ep->storeC;
    SmallVector<Value> loops(ext.size());
    if (ep)
      splitGroup(e, plan.batch, ext, bi, loops);
    scf::IfOp choice;
    if (vectorC && (!ep || ep->vector)) {
      Value whole =
          e.both(e.both(e.eq(height, e.idx(mr)), e.eq(width, e.idx(nr))),
                 oneRun(colAt));
      choice = scf::IfOp::create(b, e.loc, whole, /*withElse=*/true);
      b.setInsertionPoint(choice.thenBlock()->getTerminator());
      Value col = e.add(batchC, colC.at(e, colAt));
      for (int64_t r = 0; r < mr; ++r) {
        Value rowAt = e.add(rowFirst, e.idx(r));
        Value row = e.add(col, rowC.at(e, rowAt));
        if (ep)
          splitGroup(e, plan.rows, ext, rowAt, loops);
        for (int64_t j = 0; j < nv; ++j) {
          Value at = e.add(row, j * lanes);
          Value sum = arith::AddFOp::create(
              b, e.loc, e.loadVector(vec, C.flat, at), acc[accAt(r, j, 0)]);
          if (storeC)
            e.storeVector(sum, C.flat, at);
          if (ep) {
            splitGroup(e, plan.cols, ext, e.add(colAt, j * lanes), loops);
            emitEpilogue(e, *ep, loops, sum, lanes);
          }
        }
      }
      b.setInsertionPoint(choice.elseBlock()->getTerminator());
    }
    // Row r of the block: nr elements (real parts, then imaginary parts).
    for (int64_t r = 0; r < mr; ++r)
      for (int64_t part = 0; part < parts; ++part)
        for (int64_t j = 0; j < nv; ++j)
          e.storeVector(acc[accAt(r, j, part)], ap,
                        e.idx(blockAt + (r * parts + part) * nr + j * lanes));
    scf::ForOp rows = e.loop(height);
    Value r = rows.getInductionVar();
    Value rowAt = e.add(rowFirst, r);
    Value row = e.add(batchC, rowC.at(e, rowAt));
    if (ep)
      splitGroup(e, plan.rows, ext, rowAt, loops);
    scf::ForOp cols = e.loop(width);
    Value c = cols.getInductionVar();
    Value at = e.add(row, colC.at(e, e.add(colAt, c)));
    Value from = e.add(e.add(e.mul(r, nr * parts), c), e.idx(blockAt));
    Value old = e.load(C.flat, at);
    Value sum;
    if (complexType) {
      Value part = complex::CreateOp::create(
          b, e.loc, complexType, e.load(ap, from), e.load(ap, e.add(from, nr)));
      sum = complex::AddOp::create(b, e.loc, old, part);
    } else {
      sum = arith::AddFOp::create(b, e.loc, old, e.load(ap, from));
    }
    if (storeC)
      e.store(sum, C.flat, at);
    if (ep) {
      splitGroup(e, plan.cols, ext, e.add(colAt, c), loops);
      emitEpilogue(e, *ep, loops, sum, 0);
    }
    e.after(rows);
    if (choice)
      e.after(choice);
  };
  if (epilogue) {
    // The last panel of sums finishes C.
    Value last = e.eq(e.add(pc, kc), e.idx(K));
    auto split = scf::IfOp::create(b, e.loc, last, /*withElse=*/true);
    b.setInsertionPoint(split.thenBlock()->getTerminator());
    update(&*epilogue);
    b.setInsertionPoint(split.elseBlock()->getTerminator());
    update(nullptr);
    e.after(split);
  } else {
    update(nullptr);
  }
  e.after(irLoop);
  e.after(jrLoop);
  memref::DeallocOp::create(b, e.loc, ap);
  if (rowTableA) {
    memref::DeallocOp::create(b, e.loc, rowTableA);
    memref::DeallocOp::create(b, e.loc, rowTableC);
  }
  e.after(icLoop);
  e.after(pcLoop);
  if (threads == Threads::Columns)
    freeShared();
  e.after(jcLoop);
  if (threads == Threads::Batch)
    freeShared();
  e.after(batchLoop);
  if (threads != Threads::Batch && threads != Threads::Columns)
    freeShared();
  op->erase();
  if (epilogue)
    epilogue->op->erase();
  return true;
}

struct EinGettPass : mlir::ein::impl::EinGettBase<EinGettPass> {
  using Base::Base;

  /// Bits in a vector register: the option, else 512 with AVX-512, else 256.
  int64_t bits() const {
    if (vectorBits > 0)
      return vectorBits;
    llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
    return features.lookup("avx512f") ? 512 : 256;
  }

  int64_t l2() const {
    int64_t bytes = l2Bytes;
    if (bytes <= 0)
      bytes = sysconf(_SC_LEVEL2_CACHE_SIZE);
    return bytes > 0 ? bytes : int64_t(512) << 10;
  }

  void runOnOperation() override {
    SmallVector<linalg::GenericOp> marked;
    getOperation()->walk([&](linalg::GenericOp op) {
      if (op->hasAttr(::ein::kGettAttr) && op.hasPureBufferSemantics())
        marked.push_back(op);
    });
    for (linalg::GenericOp op : marked) {
      std::optional<::ein::GettPlan> plan = ::ein::gettPlan(op);
      if (!plan)
        continue;
      Type element = getElementTypeOrSelf(op.getDpsInits()[0].getType());
      int64_t parts = 1;
      if (auto complexType = dyn_cast<ComplexType>(element)) {
        element = complexType.getElementType();
        parts = 2;
      }
      int64_t realBytes = element.getIntOrFloatBitWidth() / 8;
      int64_t bytes = realBytes * parts;
      Config cfg;
      int64_t vectorBits = bits();
      cfg.lanes = vectorBits / (8 * realBytes);
      // 16 vector registers: 6 x 2 accumulators, 2 for B, some to
      // broadcast A into; 32 (AVX-512): 12 x 2. Complex blocks are one
      // vector wide, with a real and an imaginary accumulator each.
      cfg.mr = vectorBits >= 512 ? 12 : 6;
      cfg.nv = parts == 2 ? 1 : 2;
      int64_t nr = cfg.nr();
      int64_t M = plan->extent(plan->rows), N = plan->extent(plan->cols),
              K = plan->extent(plan->sums), NB = plan->extent(plan->batch);

      int64_t kc = std::min(cfg.kc, K);
      // A panel of A takes about a third of L2 (BLIS: 144 x 256 f32 in
      // 512 KiB).
      int64_t mcCap = std::max<int64_t>(cfg.mr, (l2() * 3 / 10) / (kc * bytes) /
                                                    cfg.mr * cfg.mr);
      int64_t rowPanels = (M + mcCap - 1) / mcCap;
      int64_t work = ::ein::loopWork(plan->extents);
      bool parallel = minParallelWork > 0 && work >= minParallelWork &&
                      !::ein::insideParallelLoop(op);
      Threads threads = Threads::None;
      // The batch loop when it splits evenly (or finely) or the rows are
      // few; else two or more row panels (B packed once, by all threads),
      // whenever there are rows enough for a few blocks each; else column
      // panels, where each thread packs its own B and all of A.
      bool manyRows = rowPanels >= 2 || M >= 8 * cfg.mr;
      if (parallel) {
        if (NB >= 2 && (NB % 2 == 0 || NB >= 8 || !manyRows))
          threads = Threads::Batch;
        else if (manyRows)
          threads = Threads::Rows;
        else if (N >= 2 * nr)
          threads = Threads::Columns;
      }
      // Panels of B private to a thread stay under 512 KiB (its stack).
      int64_t privateColumns =
          std::max(nr, (int64_t(512) << 10) / (kc * bytes) / nr * nr);
      cfg.nc = threads == Threads::Batch || threads == Threads::Columns
                   ? std::min(roundUp(N, nr), privateColumns)
                   : std::min(roundUp(N, nr), int64_t(4096));
      if (threads == Threads::Columns)
        cfg.nc = std::min(cfg.nc, roundUp((N + 1) / 2, nr));
      if (threads == Threads::Rows) {
        // An even number of equal panels, for two threads.
        int64_t panels = std::max<int64_t>(2, rowPanels + rowPanels % 2);
        cfg.mc = roundUp((M + panels - 1) / panels, cfg.mr);
      } else {
        cfg.mc = std::min(roundUp(M, cfg.mr), mcCap);
      }
      // Operands with dynamic strides stay a linalg.generic (loops later).
      (void)lowerGett(op, *plan, cfg, threads);
    }
  }
};

} // namespace
