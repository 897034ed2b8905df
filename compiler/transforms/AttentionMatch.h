//===- AttentionMatch.h - softmax(scale Q K^T) V chains in the ein dialect ===//
//
// The matcher ein-fuse-attention (CPU) and ein-gpu-fuse-attention share.
//
//===----------------------------------------------------------------------===//

#ifndef EINC_TRANSFORMS_ATTENTIONMATCH_H
#define EINC_TRANSFORMS_ATTENTIONMATCH_H

#include "dialect/EinOps.h"

#include "mlir/IR/PatternMatch.h"

#include <optional>

namespace mlir {
namespace ein {

/// A matched chain: S = scale * Q K^T over labels B (batch), i, j and d,
/// P = softmax along j, O = P V over B, i, j and e, in any index order.
/// The fused loop nest reads Q[B, i, d], K[B, j, d] and V[B, j, e] and
/// writes O[B, i, e] (B in the scores' order); the permutations take each
/// operand into that layout and O out of it (result dimension r is the
/// source's dimension perm[r]).
struct Attention {
  ContractOp scores, output;
  ContractOp permutedScores; ///< S as a permutation of `scores`, if so
  SoftmaxOp softmax;
  Value q, k, v;
  double scale = 1;
  SmallVector<int64_t> qPerm, kPerm, vPerm, oPerm;
};

/// The attention chain whose second product is `output`, if it is one.
std::optional<Attention> matchAttention(ContractOp output);

/// Calls `rewrite` on each attention chain under `root`, matched afresh
/// after every rewrite (a rewrite may erase or replace what another chain
/// was matched on); a chain `rewrite` declines (returns false) is left.
void forEachAttention(Operation *root, function_ref<bool(Attention &)> rewrite);

/// `t` with its dimensions permuted (result dimension r is t's perm[r]).
Value permuted(RewriterBase &b, Location loc, Value t, ArrayRef<int64_t> perm);

} // namespace ein
} // namespace mlir

#endif // EINC_TRANSFORMS_ATTENTIONMATCH_H
