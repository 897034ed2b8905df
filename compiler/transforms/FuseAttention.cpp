//===- FuseAttention.cpp - contract, softmax, contract as one loop nest ---===//
//
// S = scale * Q K^T, P = softmax over j of S, O = P V is rewritten as the
// online softmax of FlashAttention: for each block of Bi queries, blocks of
// Bj keys are visited in turn, keeping per query the running maximum m,
// the running sum l of exp(s - m) and the unnormalised output acc, all
// rescaled by exp(m_old - m_new) when the maximum grows; O = acc / l at the
// end. The scores exist only one Bi x Bj block at a time, so memory grows
// with the sequence length, not its square. Both block products are plain
// matrix products that ein-vectorize-contractions register-blocks (K's
// block is transposed once per key block for that).
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"
#include "compiler/transforms/AttentionMatch.h"
#include "compiler/transforms/ParallelMarks.h"
#include "dialect/EinOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

#include <limits>

namespace mlir {
namespace ein {
#define GEN_PASS_DEF_EINFUSEATTENTION
#include "compiler/Passes.h.inc"
} // namespace ein
} // namespace mlir

using namespace mlir;
using namespace mlir::ein;

namespace {

/// The value of a rank-0 float constant, if `v` is one.
std::optional<double> scalarConstant(Value v) {
  DenseElementsAttr attr;
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || type.getRank() != 0 || !matchPattern(v, m_Constant(&attr)) ||
      !isa<FloatType>(type.getElementType()))
    return std::nullopt;
  return cast<FloatAttr>(attr.getSplatValue<Attribute>()).getValueAsDouble();
}

bool hasRepeats(StringRef labels) {
  for (size_t n = 0; n < labels.size(); ++n)
    if (labels.find(labels[n], n + 1) != StringRef::npos)
      return true;
  return false;
}

/// Where each of `wanted` sits in `labels`, or nothing unless `labels`
/// holds exactly those labels.
std::optional<SmallVector<int64_t>> permutation(StringRef labels,
                                                StringRef wanted) {
  if (labels.size() != wanted.size())
    return std::nullopt;
  SmallVector<int64_t> perm;
  for (char c : wanted) {
    size_t at = labels.find(c);
    if (at == StringRef::npos)
      return std::nullopt;
    perm.push_back(int64_t(at));
  }
  return perm;
}

} // namespace

std::optional<Attention> mlir::ein::matchAttention(ContractOp output) {
  Attention a;
  a.output = output;
  Subscripts out = output.getParsedSubscripts();
  if (output.getInputs().size() != 2)
    return std::nullopt;
  unsigned pIndex = output.getInputs()[0].getDefiningOp<SoftmaxOp>() ? 0 : 1;
  a.softmax = output.getInputs()[pIndex].getDefiningOp<SoftmaxOp>();
  if (!a.softmax || !a.softmax->hasOneUse())
    return std::nullopt;
  a.scores = a.softmax.getInput().getDefiningOp<ContractOp>();
  if (!a.scores || !a.scores->hasOneUse())
    return std::nullopt;
  Subscripts s = a.scores.getParsedSubscripts();
  std::string ss = s.output;
  // A program's scores in another index order than their product's are
  // the product then a permutation: S is then the permuted product.
  if (s.inputs.size() == 1 && !hasRepeats(s.inputs[0]) &&
      permutation(s.inputs[0], ss)) {
    auto product = a.scores.getInputs()[0].getDefiningOp<ContractOp>();
    if (!product || !product->hasOneUse())
      return std::nullopt;
    a.permutedScores = a.scores;
    a.scores = product;
    Subscripts inner = product.getParsedSubscripts();
    std::string renamed;
    for (char c : ss)
      renamed += inner.output[s.inputs[0].find(c)];
    s = inner;
    ss = renamed;
  }
  if (ss.size() < 2 || hasRepeats(ss))
    return std::nullopt;
  char j = ss[a.softmax.getDim()];
  // Scores: two tensors Q (without j) and K, and scalar constants.
  SmallVector<std::pair<Value, std::string>> tensors;
  for (auto [value, labels] : llvm::zip(a.scores.getInputs(), s.inputs)) {
    if (labels.empty()) {
      std::optional<double> c = scalarConstant(value);
      if (!c)
        return std::nullopt;
      a.scale *= *c;
      continue;
    }
    tensors.push_back({value, labels});
  }
  if (tensors.size() != 2)
    return std::nullopt;
  if (StringRef(tensors[0].second).contains(j))
    std::swap(tensors[0], tensors[1]);
  StringRef ql = tensors[0].second, kl = tensors[1].second;
  if (ql.contains(j) || hasRepeats(ql) || hasRepeats(kl))
    return std::nullopt;
  // d: Q's one label that S lacks; i: S's one label in Q alone; B: the
  // rest of S, in both.
  std::string summed, batch;
  for (char c : ql)
    if (ss.find(c) == std::string::npos)
      summed += c;
  if (summed.size() != 1)
    return std::nullopt;
  char d = summed[0], i = 0;
  for (char c : ss) {
    if (c == j)
      continue;
    bool inQ = ql.contains(c), inK = kl.contains(c);
    if (inQ && inK)
      batch += c;
    else if (inQ && !i)
      i = c;
    else
      return std::nullopt;
  }
  if (!i)
    return std::nullopt;
  auto qPerm = permutation(ql, batch + i + d);
  auto kPerm = permutation(kl, batch + j + d);
  if (!qPerm || !kPerm)
    return std::nullopt;
  a.q = tensors[0].first;
  a.k = tensors[1].first;
  a.qPerm = *qPerm;
  a.kPerm = *kPerm;
  // Output: P (its labels named afresh, position for position) times
  // V[B, j, e] into O[B, i, e].
  const std::string &ps = out.inputs[pIndex];
  StringRef vl = out.inputs[1 - pIndex];
  if (ps.size() != ss.size() || hasRepeats(ps) || hasRepeats(vl))
    return std::nullopt;
  auto renamed = [&](char c) { return ps[ss.find(c)]; };
  std::string batchOut;
  for (char c : batch)
    batchOut += renamed(c);
  std::string extra;
  for (char c : vl)
    if (ps.find(c) == std::string::npos)
      extra += c;
  if (extra.size() != 1)
    return std::nullopt;
  char e = extra[0];
  auto vPerm = permutation(vl, batchOut + renamed(j) + e);
  auto oPerm = permutation(batchOut + renamed(i) + e, out.output);
  if (!vPerm || !oPerm)
    return std::nullopt;
  a.v = output.getInputs()[1 - pIndex];
  a.vPerm = *vPerm;
  a.oPerm = *oPerm;
  for (Value t : {a.q, a.k, a.v, Value(output.getResult())}) {
    auto type = cast<RankedTensorType>(t.getType());
    if (!type.hasStaticShape() || !isa<FloatType>(type.getElementType()))
      return std::nullopt;
  }
  return a;
}

void mlir::ein::forEachAttention(Operation *root,
                                 function_ref<bool(Attention &)> rewrite) {
  llvm::DenseSet<Operation *> declined;
  for (;;) {
    std::optional<Attention> found;
    root->walk([&](ContractOp op) {
      if (declined.contains(op))
        return WalkResult::advance();
      found = matchAttention(op);
      return found ? WalkResult::interrupt() : WalkResult::advance();
    });
    if (!found)
      return;
    Operation *output = found->output;
    if (!rewrite(*found))
      declined.insert(output);
  }
}

namespace {

/// `t` with dimension `dim` extended to `extent` by zeros.
Value padded(RewriterBase &b, Location loc, Value t, int64_t dim,
             int64_t extent) {
  auto type = cast<RankedTensorType>(t.getType());
  if (type.getDimSize(dim) == extent)
    return t;
  SmallVector<int64_t> shape(type.getShape());
  shape[dim] = extent;
  Type element = type.getElementType();
  Value zero =
      arith::ConstantOp::create(b, loc, element, b.getFloatAttr(element, 0));
  Value empty = tensor::EmptyOp::create(b, loc, shape, element);
  Value zeros = linalg::FillOp::create(b, loc, zero, empty).getResult(0);
  SmallVector<OpFoldResult> offsets(shape.size(), b.getIndexAttr(0)),
      strides(shape.size(), b.getIndexAttr(1)), sizes;
  for (int64_t x : type.getShape())
    sizes.push_back(b.getIndexAttr(x));
  return tensor::InsertSliceOp::create(b, loc, t, zeros, offsets, sizes,
                                       strides);
}

/// 0 for the first `real` of `extent` keys, -inf for the rest.
Value keyMask(RewriterBase &b, Location loc, Type element, int64_t real,
              int64_t extent) {
  Value empty = tensor::EmptyOp::create(b, loc, {extent}, element);
  AffineMap id = b.getMultiDimIdentityMap(1);
  return linalg::GenericOp::create(
             b, loc, empty.getType(), ValueRange{}, empty, {id},
             {utils::IteratorType::parallel},
             [&](OpBuilder &nb, Location l, ValueRange) {
               Value j = linalg::IndexOp::create(nb, l, 0);
               Value inside = arith::CmpIOp::create(
                   nb, l, arith::CmpIPredicate::ult, j,
                   arith::ConstantIndexOp::create(nb, l, real));
               Value zero = arith::ConstantOp::create(
                   nb, l, element, nb.getFloatAttr(element, 0));
               Value minusInf = arith::ConstantOp::create(
                   nb, l, element,
                   nb.getFloatAttr(element,
                                   -std::numeric_limits<double>::infinity()));
               linalg::YieldOp::create(nb, l,
                                       Value(arith::SelectOp::create(
                                           nb, l, inside, zero, minusInf)));
             })
      .getResult(0);
}

} // namespace

Value mlir::ein::permuted(RewriterBase &b, Location loc, Value t,
                          ArrayRef<int64_t> perm) {
  if (llvm::equal(perm, llvm::seq<int64_t>(0, perm.size())))
    return t;
  auto type = cast<RankedTensorType>(t.getType());
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(type.getDimSize(p));
  Value empty = tensor::EmptyOp::create(b, loc, shape, type.getElementType());
  return linalg::TransposeOp::create(b, loc, t, empty, perm).getResult()[0];
}

namespace {

/// The largest of `options` that divides `extent`, or 0.
int64_t blockFor(int64_t extent, ArrayRef<int64_t> options) {
  for (int64_t o : options)
    if (extent % o == 0)
      return o;
  return 0;
}

/// Builds the loop nest that replaces `a`'s three ops.
class Builder {
public:
  /// `mask`, when there are padded keys: 0 for each real key, -inf for
  /// each padded one, added to the scores.
  Builder(RewriterBase &rewriter, Attention a, int64_t bi, int64_t bj,
          Value mask)
      : b(rewriter), loc(a.output.getLoc()), a(a), bi(bi), bj(bj), mask(mask) {
    auto qType = cast<RankedTensorType>(a.q.getType());
    element = qType.getElementType();
    rank = qType.getRank();
    d = qType.getDimSize(rank - 1);
    auto vType = cast<RankedTensorType>(a.v.getType());
    jExtent = vType.getDimSize(rank - 2);
    e = vType.getDimSize(rank - 1);
  }

  Value build();

private:
  RewriterBase &b;
  Location loc;
  Attention a;
  int64_t bi, bj;
  Value mask;
  Type element;
  int64_t rank, d, jExtent, e;

  RankedTensorType tensor(ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, element);
  }
  Value constant(double v) {
    return arith::ConstantOp::create(b, loc, element,
                                     b.getFloatAttr(element, v));
  }
  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value filled(ArrayRef<int64_t> shape, double v) {
    Value empty = tensor::EmptyOp::create(b, loc, shape, element);
    return linalg::FillOp::create(b, loc, constant(v), empty).getResult(0);
  }
  /// A rows x cols block of the rank-`rank` tensor `t` at the batch
  /// indices `batch` and row `row`, as a matrix.
  Value block(Value t, ValueRange batch, Value row, int64_t rows,
              int64_t cols) {
    SmallVector<OpFoldResult> offsets(batch.begin(), batch.end()),
        sizes(rank - 2, b.getIndexAttr(1)), strides(rank, b.getIndexAttr(1));
    offsets.append({row, b.getIndexAttr(0)});
    sizes.append({b.getIndexAttr(rows), b.getIndexAttr(cols)});
    return tensor::ExtractSliceOp::create(b, loc, tensor({rows, cols}), t,
                                          offsets, sizes, strides);
  }
  /// linalg.generic whose loops are named by `loops` (letters), with one
  /// map per operand given by the letters of its dimensions.
  Value generic(StringRef loops, StringRef reduced,
                ArrayRef<std::pair<Value, StringRef>> inputs, Value init,
                StringRef initLabels,
                function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
    auto mapOf = [&](StringRef labels) {
      SmallVector<AffineExpr> exprs;
      for (char c : labels)
        exprs.push_back(b.getAffineDimExpr(loops.find(c)));
      return AffineMap::get(loops.size(), 0, exprs, b.getContext());
    };
    SmallVector<AffineMap> maps;
    SmallVector<Value> values;
    for (auto [value, labels] : inputs) {
      values.push_back(value);
      maps.push_back(mapOf(labels));
    }
    maps.push_back(mapOf(initLabels));
    SmallVector<utils::IteratorType> iterators;
    for (char c : loops)
      iterators.push_back(reduced.contains(c) ? utils::IteratorType::reduction
                                              : utils::IteratorType::parallel);
    return linalg::GenericOp::create(
               b, loc, init.getType(), values, init, maps, iterators,
               [&](OpBuilder &nb, Location l, ValueRange args) {
                 linalg::YieldOp::create(nb, l, body(nb, l, args));
               })
        .getResult(0);
  }

  Value queryBlock(ValueRange batch, Value i0, Value out);
};

Value Builder::queryBlock(ValueRange batch, Value i0, Value out) {
  using B = OpBuilder;
  using L = Location;
  using R = ValueRange;
  // The scale goes onto Q's block once.
  Value q = block(a.q, batch, i0, bi, d);
  Value scale = constant(a.scale);
  q = generic(
      "id", "", {{q, "id"}},
      tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{bi, d}, element), "id",
      [&](B &nb, L l, R x) -> Value {
        return arith::MulFOp::create(nb, l, x[0], scale);
      });
  double inf = std::numeric_limits<double>::infinity();
  SmallVector<Value> inits = {filled({bi}, -inf), filled({bi}, 0),
                              filled({bi, e}, 0)};
  auto keys = scf::ForOp::create(
      b, loc, index(0), index(jExtent), index(bj), inits,
      [&](OpBuilder &nested, Location, Value j0, ValueRange carried) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nested.getInsertionBlock(),
                            nested.getInsertionPoint());
        Value m = carried[0], l = carried[1], acc = carried[2];
        Value k = block(a.k, batch, j0, bj, d);
        Value v = block(a.v, batch, j0, bj, e);
        Value kT = linalg::TransposeOp::create(
                       b, loc, k,
                       tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{d, bj},
                                               element),
                       ArrayRef<int64_t>{1, 0})
                       .getResult()[0];
        Value s =
            generic("ijd", "d", {{q, "id"}, {kT, "dj"}}, filled({bi, bj}, 0),
                    "ij", [&](B &nb, L loc2, R x) -> Value {
                      Value p = arith::MulFOp::create(nb, loc2, x[0], x[1]);
                      return arith::AddFOp::create(nb, loc2, x[2], p);
                    });
        if (mask) {
          SmallVector<OpFoldResult> at = {j0}, size = {b.getIndexAttr(bj)},
                                    one = {b.getIndexAttr(1)};
          Value keys = tensor::ExtractSliceOp::create(b, loc, tensor({bj}),
                                                      mask, at, size, one);
          s = generic("ij", "", {{keys, "j"}}, s, "ij",
                      [&](B &nb, L loc2, R x) -> Value {
                        return arith::AddFOp::create(nb, loc2, x[1], x[0]);
                      });
        }
        // The block's row maxima first, then the rescaling factor
        // exp(m_old - m_new) from the old maxima (0 while nothing has been
        // summed: m_old = -inf) and everything it rescales, and only then
        // m updated in place: every carried value is rewritten in its own
        // buffer, after its last read.
        double inf = std::numeric_limits<double>::infinity();
        Value t =
            generic("ij", "j", {{s, "ij"}}, filled({bi}, -inf), "i",
                    [&](B &nb, L loc2, R x) -> Value {
                      return arith::MaximumFOp::create(nb, loc2, x[1], x[0]);
                    });
        Value corr = generic(
            "i", "", {{m, "i"}, {t, "i"}},
            tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{bi}, element),
            "i", [&](B &nb, L loc2, R x) -> Value {
              Value mNew = arith::MaximumFOp::create(nb, loc2, x[0], x[1]);
              Value diff = arith::SubFOp::create(nb, loc2, x[0], mNew);
              return math::ExpOp::create(nb, loc2, diff);
            });
        Value lScaled = generic(
            "i", "", {{corr, "i"}}, l, "i", [&](B &nb, L loc2, R x) -> Value {
              return arith::MulFOp::create(nb, loc2, x[1], x[0]);
            });
        Value accScaled =
            generic("ie", "", {{corr, "i"}}, acc, "ie",
                    [&](B &nb, L loc2, R x) -> Value {
                      return arith::MulFOp::create(nb, loc2, x[1], x[0]);
                    });
        Value mNew = generic(
            "i", "", {{t, "i"}}, m, "i", [&](B &nb, L loc2, R x) -> Value {
              return arith::MaximumFOp::create(nb, loc2, x[1], x[0]);
            });
        Value p = generic(
            "ij", "", {{mNew, "i"}}, s, "ij", [&](B &nb, L loc2, R x) -> Value {
              Value diff = arith::SubFOp::create(nb, loc2, x[1], x[0]);
              return math::ExpOp::create(nb, loc2, diff);
            });
        Value lNew =
            generic("ij", "j", {{p, "ij"}}, lScaled, "i",
                    [&](B &nb, L loc2, R x) -> Value {
                      return arith::AddFOp::create(nb, loc2, x[1], x[0]);
                    });
        Value accNew =
            generic("iej", "j", {{p, "ij"}, {v, "je"}}, accScaled, "ie",
                    [&](B &nb, L loc2, R x) -> Value {
                      Value pv = arith::MulFOp::create(nb, loc2, x[0], x[1]);
                      return arith::AddFOp::create(nb, loc2, x[2], pv);
                    });
        scf::YieldOp::create(b, loc, ValueRange{mNew, lNew, accNew});
      });
  Value o = generic(
      "ie", "", {{keys.getResult(2), "ie"}, {keys.getResult(1), "i"}},
      tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{bi, e}, element), "ie",
      [&](B &nb, L l, R x) -> Value {
        return arith::DivFOp::create(nb, l, x[0], x[1]);
      });
  SmallVector<OpFoldResult> offsets(batch.begin(), batch.end()),
      sizes(rank - 2, b.getIndexAttr(1)), strides(rank, b.getIndexAttr(1));
  offsets.append({i0, b.getIndexAttr(0)});
  sizes.append({b.getIndexAttr(bi), b.getIndexAttr(e)});
  return tensor::InsertSliceOp::create(b, loc, o, out, offsets, sizes, strides);
}

Value Builder::build() {
  // O[B, i, e]: Q's shape with e last.
  SmallVector<int64_t> shape(cast<RankedTensorType>(a.q.getType()).getShape());
  shape.back() = e;
  auto outType = RankedTensorType::get(shape, element);
  Value out = tensor::EmptyOp::create(b, loc, outType.getShape(), element);
  // Loops over the batch dimensions and the blocks of queries.
  SmallVector<Value> lbs, ubs, steps;
  for (int64_t dim = 0; dim < rank - 1; ++dim) {
    lbs.push_back(index(0));
    ubs.push_back(index(outType.getDimSize(dim)));
    steps.push_back(index(dim == rank - 2 ? bi : 1));
  }
  scf::LoopNest nest = scf::buildLoopNest(
      b, loc, lbs, ubs, steps, ValueRange{out},
      [&](OpBuilder &nested, Location, ValueRange ivs, ValueRange carried) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nested.getInsertionBlock(),
                            nested.getInsertionPoint());
        return scf::ValueVector{
            queryBlock(ivs.drop_back(), ivs.back(), carried[0])};
      });
  // Query blocks are independent: threads share out the outermost loop
  // that has several iterations.
  int64_t work = outType.getNumElements() * jExtent * (d + e);
  if (work >= ::ein::kMinParallelWork) {
    SmallVector<LoopLikeOpInterface> loops(nest.loops.begin(),
                                           nest.loops.end());
    ::ein::markParallel(loops, SmallVector<bool>(loops.size(), true));
  }
  return nest.results.front();
}

struct EinFuseAttentionPass
    : mlir::ein::impl::EinFuseAttentionBase<EinFuseAttentionPass> {
  using Base::Base;

  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    forEachAttention(getOperation(), [&](Attention &a) {
      auto qType = cast<RankedTensorType>(a.q.getType());
      auto vType = cast<RankedTensorType>(a.v.getType());
      int64_t rank = qType.getRank();
      // Blocks the register kernels divide (rows by 4, columns by 16).
      // Queries and keys that no block divides are padded with zeros to
      // whole blocks: padded queries' rows are dropped at the end, padded
      // keys' scores are -inf (so they weigh nothing).
      int64_t ni = qType.getDimSize(a.qPerm[rank - 2]);
      int64_t nj = vType.getDimSize(a.vPerm[rank - 2]);
      auto roundUp = [](int64_t x, int64_t m) { return (x + m - 1) / m * m; };
      int64_t pi = blockFor(ni, {64, 32, 16, 8, 4})
                       ? ni
                       : roundUp(ni, ni >= 64 ? 64 : 4);
      int64_t pj = blockFor(nj, {128, 64, 32, 16})
                       ? nj
                       : roundUp(nj, nj >= 128 ? 128 : 16);
      int64_t bi = blockFor(pi, {64, 32, 16, 8, 4});
      int64_t bj = blockFor(pj, {128, 64, 32, 16});
      rewriter.setInsertionPoint(a.output);
      // Other layouts are copied into the fused loops' (O(n d) memory,
      // against the O(n^2 d) work) and the result out of it.
      Location loc = a.output.getLoc();
      a.q = padded(rewriter, loc, permuted(rewriter, loc, a.q, a.qPerm),
                   rank - 2, pi);
      a.k = padded(rewriter, loc, permuted(rewriter, loc, a.k, a.kPerm),
                   rank - 2, pj);
      a.v = padded(rewriter, loc, permuted(rewriter, loc, a.v, a.vPerm),
                   rank - 2, pj);
      Type element = qType.getElementType();
      Value mask = pj > nj ? keyMask(rewriter, loc, element, nj, pj) : Value();
      Value fused = Builder(rewriter, a, bi, bj, mask).build();
      if (pi > ni) {
        auto type = cast<RankedTensorType>(fused.getType());
        SmallVector<int64_t> shape(type.getShape());
        shape[rank - 2] = ni;
        SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0)),
            strides(rank, rewriter.getIndexAttr(1)), sizes;
        for (int64_t x : shape)
          sizes.push_back(rewriter.getIndexAttr(x));
        fused = tensor::ExtractSliceOp::create(
            rewriter, loc, RankedTensorType::get(shape, element), fused,
            offsets, sizes, strides);
      }
      Value result = permuted(rewriter, loc, fused, a.oPerm);
      rewriter.replaceOp(a.output, result);
      rewriter.eraseOp(a.softmax);
      if (a.permutedScores)
        rewriter.eraseOp(a.permutedScores);
      rewriter.eraseOp(a.scores);
      return true;
    });
  }
};

} // namespace
