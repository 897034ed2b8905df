//===- ProgramLowering.h - The program-to-ein-IR builder --------*- C++ -*-===//
//
// Private to compiler/codegen: the state of lowering one program to ein IR.
// ProgramBuilder.cpp holds the general statements (products, sums,
// functions, reductions); ProgramLinalg.cpp the linear algebra (matrix
// functions, decompositions, norms).
//
//===----------------------------------------------------------------------===//

#ifndef EINC_CODEGEN_PROGRAMLOWERING_H
#define EINC_CODEGEN_PROGRAMLOWERING_H

#include "compiler/codegen/ModuleBuilder.h"
#include "compiler/parser/Program.h"
#include "dialect/Subscripts.h"
#include "einc/Jit.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace ein {

/// A value with a label (one letter per index name) for each dimension.
struct Labeled {
  mlir::Value value;
  std::string labels;
};

class ProgramLowering {
  using Location = mlir::Location;
  using OpBuilder = mlir::OpBuilder;
  using RankedTensorType = mlir::RankedTensorType;
  using Subscripts = mlir::ein::Subscripts;
  using Type = mlir::Type;
  using Value = mlir::Value;

public:
  ProgramLowering(mlir::MLIRContext &ctx, const Program &p, DType dtype)
      : ctx(ctx), p(p), dtype(dtype), b(&ctx) {
    element = elementType(ctx, dtype);
  }

  llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
  build(const std::vector<Shape> &shapes, llvm::StringRef name,
        std::vector<Shape> &outputShapes);

private:
  llvm::Error setExtent(const std::string &index, int64_t extent, size_t offset,
                        const std::string &tensor);

  char label(const std::string &index);

  RankedTensorType typeFor(const std::string &labels);

  /// The subscripts `ops -> out`, collecting the operands' values.
  static Subscripts subscriptsOf(const std::vector<Labeled> &ops,
                                 const std::string &out,
                                 llvm::SmallVectorImpl<Value> &values);

  Value contract(const std::vector<Labeled> &ops, const std::string &out);

  /// Labels in order of first appearance, without repeats.
  static std::string unionOf(const std::vector<Labeled> &ops);

  llvm::Expected<Labeled> map(llvm::StringRef fn,
                              const std::vector<Labeled> &ops, size_t offset);

  using Names = std::set<std::string>;

  /// Index names used in `e` outside reduction brackets.
  static void freeIndices(const Expr &e, Names &out);
  static Names freeOf(const Expr &e);
  static Names unite(Names a, const Names &b);

  /// A sum or difference: each term is summed on its own, as in Einstein's
  /// convention (an index shared by two terms is not thereby kept).
  llvm::Expected<Labeled> lowerSum(const Expr &e, const Names &outer, bool top);

  /// A product term. Indices not in `outer` (the left-hand side, or what
  /// surrounds an enclosing function call) are summed here when the term is
  /// a top-level term of the statement, or, nested inside a function, when
  /// two of its factors share them (a contraction, as in
  /// relu(X[n,i]*W[i,h] + b[h])). Otherwise they stay free and the
  /// enclosing term sums them: sum over j of abs(B[j]) for abs(B[j]).
  llvm::Expected<Labeled> lowerTerm(const Expr &e, const Names &outer,
                                    bool top);

  llvm::Expected<Labeled> lowerFactor(const Expr &e, const Names &outer);

  /// inv, det, cholesky (of a matrix A[i,j]) and solve(A[i,j], b[i,...]).
  /// A matrix's rows are its first index as lowered; inv and cholesky keep
  /// the indices, det has none; solve's result is indexed by the index of
  /// A that b's rows do not use, then b's other indices.
  mlir::Value singularValues(mlir::Value matrix);

  llvm::Expected<Labeled> linearAlgebra(const Expr &e,
                                        const std::vector<Labeled> &args);

  /// `U[a,r], s[r], V[r,b] = svd(A[a,b])`, `Q[a,r], R[r,b] = qr(A[a,b])`
  /// and `w[k], V[a,k] = eigh(A[a,b])`: the results' index names must
  /// follow that pattern, with r (or k) a new index of extent min(m, n) (n).
  llvm::Error decomposition(const Statement &s);

  /// norm(x[...]) over all entries: ord=2 (default; Frobenius for a
  /// matrix), ord=1, ord=p or ord=inf (the largest magnitude).
  llvm::Expected<Labeled> norm(const Expr &e, const Labeled &x);

  /// cross(a[..., i], b[..., i]): the cross product of 3-vectors along the
  /// index both end with, batched over the others (numpy.cross), as one
  /// contraction with the Levi-Civita tensor.
  llvm::Expected<Labeled> cross(const Expr &e,
                                const std::vector<Labeled> &args);

  /// Extents written in an index list (`i:3`): set, or checked against
  /// what is known.
  llvm::Error setWrittenExtents(const std::vector<std::string> &indices,
                                const IndexLayout &layout,
                                const std::string &tensor);

  /// `value`, the tensor `e` reads, with each group of `e`'s index list
  /// split into its indices (T[b,(h:4,d)] reads T as [b,h,d]). A group
  /// may leave one extent unwritten: the dimension's size divided by the
  /// others.
  llvm::Expected<Value> splitGroups(const Expr &e, Value value);

  /// `value` (indexed by `indices`) with each group of `layout` collapsed
  /// into one dimension.
  Value collapseGroups(Value value, const IndexLayout &layout);

  /// eye(i, j), arange(i), zeros/ones(i, ...), full(i, ..., value=V),
  /// uniform(i, ..., seed=S, low=, high=), normal(i, ..., seed=S, mean=,
  /// std=). Their indices must have known extents; eye's unknown ones
  /// take the first known one's (square).
  llvm::Expected<Labeled> constructor(const Expr &e);

  /// `sign, logdet = slogdet(A[i,j])`.
  llvm::Error slogdet(const Statement &s);

  llvm::Error statement(const Statement &s);

  mlir::MLIRContext &ctx;
  const Program &p;
  DType dtype;
  OpBuilder b;
  Type element;
  std::map<std::string, Labeled> tensors;
  std::map<std::string, std::pair<int64_t, std::string>> extents;
  std::map<std::string, char> labelOf;
  std::map<char, std::string> indexOf;
  int64_t statementNumber = 0;
};

} // namespace ein

#endif // EINC_CODEGEN_PROGRAMLOWERING_H
