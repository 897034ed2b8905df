//===- Program.h - Index-notation programs ----------------------*- C++ -*-===//
//
// The second front end: programs of several statements in index notation,
// for what einsum strings cannot say (elementwise functions, reductions,
// softmax, scaling):
//
//   in Q[b,i,d], K[b,j,d], V[b,j,d] : f32
//   S[b,i,j] = Q[b,i,d] * K[b,j,d] * 0.125
//   P[b,i,j] = softmax[j](S[b,i,j])
//   O[b,i,d] = P[b,i,j] * V[b,j,d]
//   out O
//
// Indices on the right that are absent on the left are summed. `i:3`
// writes an extent, `(h,d)` groups indices into one dimension (T[b,(h,d)]
// = X[b,h,d] flattens, X[b,h,d] = T[b,(h:4,d)] splits), and constructors
// take index names: eye(i, j), arange(i), zeros(i), ones(i),
// full(i, value=2), uniform(i, seed=0), normal(i, seed=0). Errors are
// ExprError values whose column points into the program text (the line is
// part of the message).
//
//===----------------------------------------------------------------------===//

#ifndef EINC_PARSER_PROGRAM_H
#define EINC_PARSER_PROGRAM_H

#include "einc/DType.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/Error.h"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ein {

/// A keyword argument such as rank=2, ord=inf or ord=fro.
struct Keyword {
  double number = 0; ///< the value, when it is a number (inf included)
  std::string word;  ///< the value, when it is a name (fro, nuc)
  size_t offset = 0; ///< where the keyword starts in the source
};

/// What an index list says besides its names: extents written as `i:3`,
/// and groups such as `(h,d)` in `T[b,(h,d)]` that make one dimension of
/// several indices, row-major (h outer, d inner), as numpy.reshape.
struct IndexLayout {
  std::vector<int64_t> extents; ///< per index: the written extent, or -1
  std::vector<unsigned> spans;  ///< per dimension: how many indices it holds
  std::vector<size_t> offsets;  ///< per dimension: where it starts
  size_t rank() const { return spans.size(); }
  bool grouped() const {
    return llvm::any_of(spans, [](unsigned n) { return n != 1; });
  }
  bool hasExtents() const {
    return llvm::any_of(extents, [](int64_t n) { return n >= 0; });
  }
};

/// An expression of a statement's right-hand side.
struct Expr {
  enum Kind { Number, Access, Binary, Call, Reduce, Softmax, Scan };
  Kind kind = Number;
  size_t offset = 0;                ///< where it starts in the source
  double value = 0;                 ///< Number
  std::string name;                 ///< Access: tensor; Call/Reduce: function
  std::vector<std::string> indices; ///< Access, Reduce, Softmax, Scan indices
  IndexLayout layout;               ///< Access: extents and groups
  char op = 0;                      ///< Binary: + - * /
  std::vector<std::unique_ptr<Expr>> args;
  /// Call: keyword arguments such as svd(..., rank=2).
  std::map<std::string, Keyword> keywords;
};

struct TensorDecl {
  std::string name;
  std::vector<std::string> indices;
  IndexLayout layout;
  size_t offset = 0;
};

struct Statement {
  std::string target; ///< the first (or only) result
  std::vector<std::string> indices;
  IndexLayout layout;
  /// Every result, the first included: several for decompositions
  /// (U[i,r], s[r], V[r,j] = svd(A[i,j])).
  std::vector<TensorDecl> targets;
  std::unique_ptr<Expr> value;
  size_t offset = 0;
};

struct Program {
  std::string source;
  std::vector<TensorDecl> inputs;
  std::optional<DType> dtype; ///< from `in ... : f32`, if given
  std::vector<Statement> statements;
  std::vector<std::string> outputs;
  std::vector<size_t> outputOffsets;
};

/// Parses and checks a program's syntax and names (every tensor defined
/// once before use, ranks consistent, outputs defined).
llvm::Expected<Program> parseProgram(llvm::StringRef source);

/// Whether `name` makes a tensor from index names: eye, arange, zeros,
/// ones, full, uniform, normal.
bool isConstructor(llvm::StringRef name);

/// An error at `offset` of `source`: the message names the line and
/// column, and the caret lines show that line.
llvm::Error programError(llvm::StringRef source, size_t offset,
                         const llvm::Twine &message);

} // namespace ein

#endif // EINC_PARSER_PROGRAM_H
