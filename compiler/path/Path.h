//===- Path.h - Contraction orders ------------------------------*- C++ -*-===//
//
// How an n-ary contraction is split into binary steps. For now: pairwise
// left to right, each intermediate keeping only the labels still needed.
//
//===----------------------------------------------------------------------===//

#ifndef EINC_PATH_PATH_H
#define EINC_PATH_PATH_H

#include "dialect/Subscripts.h"

#include <vector>

namespace ein {

/// The binary steps of `s` taken left to right: step k contracts the result
/// of step k-1 (or input 0) with input k+1. The last step's output is
/// `s.output`. Fewer than three inputs give one step equal to `s`.
std::vector<mlir::ein::Subscripts>
leftToRightSteps(const mlir::ein::Subscripts &s);

} // namespace ein

#endif // EINC_PATH_PATH_H
