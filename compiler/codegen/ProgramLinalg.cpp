//===- ProgramLinalg.cpp - Linear algebra statements of programs ----------===//
//
// Matrix functions (inv, det, solve, ...), decompositions with several
// results (svd, qr, eigh, ...) and norms, lowered to the ein dialect's
// linear-algebra ops and to maps and reductions.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/ProgramLowering.h"
#include "dialect/EinOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

// Member functions see ProgramLowering's aliases (Value, Location, ...).
using llvm::cast;
using llvm::isa;
using mlir::Value;
using mlir::ValueRange;

namespace ein {

/// The singular values of `matrix` (a 2-d tensor), in decreasing order.
Value ProgramLowering::singularValues(Value matrix) {
  auto type = cast<RankedTensorType>(matrix.getType());
  int64_t m = type.getDimSize(0), n = type.getDimSize(1), k = std::min(m, n);
  auto shaped = [&](llvm::ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, element);
  };
  return mlir::ein::SvdOp::create(b, b.getUnknownLoc(), shaped({m, k}),
                                  shaped({k}), shaped({k, n}), matrix,
                                  statementNumber, llvm::APFloat(0.0))
      .getS();
}

/// inv, det, cholesky, trace, rank, cond (of a matrix A[i,j]), and
/// solve(A[i,j], b[i,...]) and lstsq(A[i,j], b[i,...]).
/// A matrix's rows are its first index as lowered; inv and cholesky keep
/// the indices, det has none; solve's result is indexed by the index of
/// A that b's rows do not use, then b's other indices.
llvm::Expected<Labeled>
ProgramLowering::linearAlgebra(const Expr &e,
                               const std::vector<Labeled> &args) {
  if (!isa<mlir::FloatType>(element) && !isa<mlir::ComplexType>(element))
    return programError(p.source, e.offset,
                        "'" + e.name + "' needs floating-point numbers");
  const Labeled &a = args[0];
  auto extent = [&](char c) { return extents[indexOf[c]].first; };
  if (a.labels.size() != 2)
    return programError(p.source, e.offset,
                        "'" + e.name +
                            "' takes a matrix (two indices), "
                            "not " +
                            llvm::Twine(a.labels.size()) + " indices");
  bool rectangularOk =
      e.name == "rank" || e.name == "cond" || e.name == "lstsq";
  if (!rectangularOk && extent(a.labels[0]) != extent(a.labels[1]))
    return programError(p.source, e.offset,
                        "'" + e.name + "' needs a square matrix, not " +
                            llvm::Twine(extent(a.labels[0])) + "x" +
                            llvm::Twine(extent(a.labels[1])));
  Location loc = b.getUnknownLoc();
  if (e.name == "trace") {
    Subscripts s{{std::string(2, a.labels[0])}, ""};
    Value t =
        mlir::ein::ContractOp::create(b, loc, typeFor(""), s.str(), a.value);
    return Labeled{t, ""};
  }
  if (e.name == "rank") {
    // Singular values above max(m, n) * eps * s_max, as
    // numpy.linalg.matrix_rank counts them.
    int64_t m = extent(a.labels[0]), n = extent(a.labels[1]);
    int64_t k = std::min(m, n);
    Value singular = singularValues(a.value);
    Subscripts all{{"a"}, ""};
    Value hi = mlir::ein::ReduceOp::create(b, loc, typeFor(""), "max",
                                           all.str(), singular);
    n = std::max(m, n);
    double eps =
        isa<mlir::Float32Type>(element) ? 1.1920929e-07 : 2.220446049250313e-16;
    Expr scale;
    scale.kind = Expr::Number;
    scale.value = double(n) * eps;
    auto factor = lowerFactor(scale, {});
    auto tol = map("mul", {{hi, ""}, *factor}, e.offset);
    if (!tol)
      return tol.takeError();
    // s has min(m, n) entries, which no program index may have: build
    // the comparison with its own type rather than through labels.
    Value above = mlir::ein::MapOp::create(
        b, loc, RankedTensorType::get({k}, element), "gt", "a,->a",
        ValueRange{singular, tol->value});
    Value count = mlir::ein::ReduceOp::create(b, loc, typeFor(""), "sum",
                                              all.str(), above);
    return Labeled{count, ""};
  }
  if (e.name == "cond") {
    // The ratio of the largest to the smallest singular value (2-norm
    // condition number, as numpy.linalg.cond).
    Value singular = singularValues(a.value);
    Subscripts all{{"a"}, ""};
    Value hi = mlir::ein::ReduceOp::create(b, loc, typeFor(""), "max",
                                           all.str(), singular);
    Value lo = mlir::ein::ReduceOp::create(b, loc, typeFor(""), "min",
                                           all.str(), singular);
    return map("div", {{hi, ""}, {lo, ""}}, e.offset);
  }
  if (e.name == "inv")
    return Labeled{mlir::ein::InvOp::create(b, loc, a.value, statementNumber),
                   a.labels};
  if (e.name == "cholesky")
    return Labeled{
        mlir::ein::CholeskyOp::create(b, loc, a.value, statementNumber),
        a.labels};
  if (e.name == "det")
    return Labeled{
        mlir::ein::DetOp::create(b, loc, typeFor(""), a.value, statementNumber),
        ""};
  // solve and lstsq: a x = b.
  const Labeled &rhs = args[1];
  std::string fn = e.name;
  if (rhs.labels.empty() || rhs.labels.size() > 2)
    return programError(p.source, e.offset,
                        fn + "'s right-hand side is a vector or a matrix");
  if (extent(rhs.labels[0]) != extent(a.labels[0]))
    return programError(
        p.source, e.offset,
        fn + "'s right-hand side has " + llvm::Twine(extent(rhs.labels[0])) +
            " rows but the matrix has " + llvm::Twine(extent(a.labels[0])));
  // The solution takes whichever of A's indices the right-hand side's
  // rows do not use: x[j] = solve(A[i,j], b[i]) (A x = b read as index
  // notation) and X[i,k] = solve(A[i,j], B[j,k]) both work.
  char first = rhs.labels[0] == a.labels[1] ? a.labels[0] : a.labels[1];
  std::string out = std::string(1, first) + rhs.labels.substr(1);
  if (out.size() == 2 && out[0] == out[1])
    return programError(p.source, e.offset,
                        fn + "'s result would repeat index '" +
                            indexOf[out[0]] + "'");
  if (fn == "solve")
    return Labeled{
        mlir::ein::SolveOp::create(b, loc, a.value, rhs.value, statementNumber),
        out};
  // lstsq's solution has as many rows as the matrix has columns.
  if (fn == "lstsq" && first == a.labels[0] &&
      extent(a.labels[0]) != extent(a.labels[1]))
    return programError(p.source, e.offset,
                        "lstsq's right-hand side must use the matrix's row "
                        "index, as in x[j] = lstsq(A[i,j], b[i])");
  Value x = mlir::ein::LstsqOp::create(b, loc, typeFor(out), a.value, rhs.value,
                                       statementNumber);
  return Labeled{x, out};
}

/// `U[a,r], s[r], V[r,b] = svd(A[a,b])`, `Q[a,r], R[r,b] = qr(A[a,b])`,
/// `w[k], V[a,k] = eigh(A[a,b])` and `eig`: the results' index names must
/// follow that pattern, with r (or k) a new index. svd and qr also split a
/// tensor: `L[a,b,r], s[r], R[r,c,d] = svd(T[a,b,c,d])` groups the indices
/// before r into the rows and those after it into the columns.
llvm::Error ProgramLowering::decomposition(const Statement &s) {
  const Expr &call = *s.value;
  llvm::StringRef fn = call.name;
  bool eigen = fn == "eigh" || fn == "eig";
  auto usage = [&]() -> llvm::Error {
    const char *form = fn == "svd"    ? "U[a,r], s[r], V[r,b] = svd(A[a,b])"
                       : fn == "qr"   ? "Q[a,r], R[r,b] = qr(A[a,b])"
                       : fn == "eigh" ? "w[k], V[a,k] = eigh(A[a,b])"
                                      : "w[k], V[a,k] = eig(A[a,b])";
    return programError(p.source, s.offset,
                        llvm::Twine("write ") + form +
                            ", with a new index for " + (eigen ? "k" : "r") +
                            (eigen ? ""
                                   : " (several indices on each side of "
                                     "r split a tensor)"));
  };
  if (call.kind != Expr::Call ||
      !llvm::is_contained({"svd", "qr", "eigh", "eig", "slogdet"}, fn))
    return programError(p.source, s.offset,
                        "only svd, qr, eigh, eig and slogdet have several "
                        "results");
  if (fn == "slogdet")
    return slogdet(s);
  size_t want = fn == "svd" ? 3 : 2;
  if (s.targets.size() != want)
    return usage();
  // An index on both sides of the results (or more than one eigenvalue
  // index) would be a batch of matrices.
  auto batched = [&]() -> llvm::Error {
    return programError(p.source, s.offset,
                        "batched decompositions (an index shared by the "
                        "results, like b in U[b,i,r]) are not supported yet: "
                        "decompose one matrix per statement");
  };
  for (const std::string &name : s.targets[0].indices)
    if (name != s.targets[0].indices.back() &&
        llvm::is_contained(s.targets.back().indices, name) && !eigen)
      return batched();
  if (eigen && s.targets[0].indices.size() > 1)
    return batched();
  if (!isa<mlir::FloatType>(element) && !isa<mlir::ComplexType>(element))
    return programError(p.source, call.offset,
                        "'" + fn + "' needs floating-point numbers");
  if (fn == "eig" && !isa<mlir::ComplexType>(element))
    return programError(p.source, call.offset,
                        "'eig' has complex results: declare the program's "
                        "inputs complex64 or complex128 (real .npy files "
                        "are converted)");
  Names outer;
  for (const TensorDecl &t : s.targets)
    outer.insert(t.indices.begin(), t.indices.end());
  auto arg = lowerSum(*call.args[0], outer, /*top=*/false);
  if (!arg)
    return arg.takeError();
  if (arg->labels.size() < 2 || (eigen && arg->labels.size() != 2))
    return programError(p.source, call.offset,
                        "'" + fn + "' takes a matrix (two indices)" +
                            (eigen ? "" : " or a tensor to split"));
  // The row and column groups, and the new index r between them.
  std::vector<std::string> rowNames, colNames;
  std::string r;
  const TensorDecl &first = s.targets[0], &last = s.targets.back();
  if (eigen) {
    if (first.indices.size() != 1 || last.indices.size() != 2)
      return usage();
    r = first.indices[0];
    rowNames = {indexOf[arg->labels[0]]};
    colNames = {indexOf[arg->labels[1]]};
    if (last.indices != std::vector<std::string>{rowNames[0], r})
      return usage();
  } else {
    if (first.indices.size() < 2 || last.indices.size() < 2)
      return usage();
    r = first.indices.back();
    rowNames.assign(first.indices.begin(), first.indices.end() - 1);
    colNames.assign(last.indices.begin() + 1, last.indices.end());
    if (last.indices[0] != r ||
        (fn == "svd" && s.targets[1].indices != std::vector<std::string>{r}))
      return usage();
  }
  // Each index of the argument in exactly one group; r is new.
  std::string rowLabels, colLabels;
  for (auto [names, labels] :
       {std::pair{&rowNames, &rowLabels}, std::pair{&colNames, &colLabels}})
    for (const std::string &name : *names) {
      auto it = labelOf.find(name);
      if (name == r || it == labelOf.end() ||
          arg->labels.find(it->second) == std::string::npos ||
          rowLabels.find(it->second) != std::string::npos)
        return usage();
      labels->push_back(it->second);
    }
  if (rowLabels.size() + colLabels.size() != arg->labels.size())
    return programError(p.source, call.offset,
                        "every index of '" + fn +
                            "''s argument must be a row or a column index "
                            "of its results");
  if (labelOf.count(r) && extents.count(r))
    return usage();
  auto product = [&](const std::string &labels) {
    int64_t n = 1;
    for (char c : labels)
      n *= extents[indexOf[c]].first;
    return n;
  };
  int64_t m = product(rowLabels), n = product(colLabels);
  if (eigen && m != n)
    return programError(p.source, call.offset,
                        "'" + fn + "' needs a square matrix, not " +
                            llvm::Twine(m) + "x" + llvm::Twine(n));
  int64_t full = eigen ? n : std::min(m, n), k = full;
  // svd(..., rank=K) keeps the K largest singular values; cutoff=C zeroes
  // those below C times the largest.
  double cutoff = 0;
  for (const auto &[key, value] : call.keywords) {
    if (fn != "svd" || (key != "rank" && key != "cutoff"))
      return programError(p.source, value.offset,
                          "'" + fn + "' has no argument '" + key + "'" +
                              (fn == "svd" ? " (only rank= and cutoff=)" : ""));
    if (key == "rank") {
      if (!value.word.empty() || value.number < 1 ||
          value.number != std::floor(value.number))
        return programError(p.source, value.offset,
                            "rank= must be a positive integer");
      k = std::min<int64_t>(k, int64_t(value.number));
    } else {
      if (!value.word.empty() || !(value.number >= 0) ||
          std::isinf(value.number))
        return programError(p.source, value.offset,
                            "cutoff= must be a number at least 0");
      cutoff = value.number;
    }
  }
  if (llvm::Error e = setExtent(r, k, first.offset, s.target))
    return e;
  char rl = label(r);
  Location loc = b.getUnknownLoc();
  // The argument as an m x n matrix: rows then columns, each group
  // collapsed into one dimension.
  Value matrix = arg->value;
  if (rowLabels + colLabels != arg->labels)
    matrix = contract({*arg}, rowLabels + colLabels);
  auto shaped = [&](llvm::ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, element);
  };
  if (arg->labels.size() > 2) {
    llvm::SmallVector<mlir::ReassociationIndices> groups(2);
    for (size_t d = 0; d < arg->labels.size(); ++d)
      groups[d < rowLabels.size() ? 0 : 1].push_back(d);
    matrix = mlir::tensor::CollapseShapeOp::create(b, loc, shaped({m, n}),
                                                   matrix, groups);
  }
  // A factor shaped [m or rows..., k] / [k, n or cols...] back into the
  // groups' indices.
  auto expand = [&](Value v, std::string labels, bool rowsFirst) -> Value {
    auto type = cast<RankedTensorType>(v.getType());
    if (type.getRank() == int64_t(labels.size()))
      return v;
    llvm::SmallVector<mlir::ReassociationIndices> groups(2);
    for (size_t d = 0; d < labels.size(); ++d) {
      bool inGroup = rowsFirst ? d + 1 < labels.size() : d > 0;
      groups[rowsFirst ? (inGroup ? 0 : 1) : (inGroup ? 1 : 0)].push_back(d);
    }
    return mlir::tensor::ExpandShapeOp::create(b, loc, typeFor(labels), v,
                                               groups);
  };
  // Truncation keeps the leading k columns of U, values, rows of V.
  auto keep = [&](Value v, llvm::ArrayRef<int64_t> shape) -> Value {
    if (k == full)
      return v;
    llvm::SmallVector<mlir::OpFoldResult> offsets(shape.size(),
                                                  b.getIndexAttr(0));
    llvm::SmallVector<mlir::OpFoldResult> sizes, strides;
    for (int64_t d : shape) {
      sizes.push_back(b.getIndexAttr(d));
      strides.push_back(b.getIndexAttr(1));
    }
    return mlir::tensor::ExtractSliceOp::create(b, loc, v, offsets, sizes,
                                                strides);
  };
  auto define = [&](size_t t, Value v) {
    std::string labels;
    for (const std::string &name : s.targets[t].indices)
      labels.push_back(labelOf.at(name));
    tensors[s.targets[t].name] = {v, labels};
  };
  std::string uLabels = rowLabels + rl, vLabels = rl + colLabels;
  if (fn == "svd") {
    auto op = mlir::ein::SvdOp::create(
        b, loc, shaped({m, full}), shaped({full}), shaped({full, n}), matrix,
        statementNumber, llvm::APFloat(cutoff));
    define(0, expand(keep(op.getU(), {m, k}), uLabels, true));
    define(1, keep(op.getS(), {k}));
    define(2, expand(keep(op.getVt(), {k, n}), vLabels, false));
  } else if (fn == "qr") {
    auto op = mlir::ein::QrOp::create(b, loc, shaped({m, k}), shaped({k, n}),
                                      matrix, statementNumber);
    define(0, expand(op.getQ(), uLabels, true));
    define(1, expand(op.getR(), vLabels, false));
  } else if (fn == "eigh") {
    auto op = mlir::ein::EighOp::create(b, loc, shaped({n}), shaped({n, n}),
                                        matrix, statementNumber);
    define(0, op.getW());
    define(1, op.getV());
  } else {
    auto op = mlir::ein::EigOp::create(b, loc, shaped({n}), shaped({n, n}),
                                       matrix, statementNumber);
    define(0, op.getW());
    define(1, op.getV());
  }
  return llvm::Error::success();
}

/// norm(x[...]) as numpy.linalg.norm: without ord=, the 2-norm of all
/// entries (Frobenius for a matrix); for a vector, ord=p (any p, inf,
/// -inf, 0: the count of non-zeros); for a matrix, ord=fro, nuc, 1, -1
/// (largest / smallest column sum), inf, -inf (row sums), 2, -2 (largest /
/// smallest singular value).
llvm::Expected<Labeled> ProgramLowering::norm(const Expr &e, const Labeled &x) {
  if (!isa<mlir::FloatType>(element))
    return programError(p.source, e.offset,
                        "'norm' needs real floating-point numbers");
  std::optional<Keyword> ord;
  for (const auto &[key, value] : e.keywords) {
    if (key != "ord")
      return programError(p.source, value.offset,
                          "'norm' has no argument '" + key + "' (only ord=)");
    ord = value;
  }
  Location loc = b.getUnknownLoc();
  auto constant = [&](double v) {
    Expr number;
    number.kind = Expr::Number;
    number.value = v;
    return *lowerFactor(number, {});
  };
  auto reduce = [&](llvm::StringRef kind, const Labeled &v,
                    const std::string &out) {
    Subscripts s{{v.labels}, out};
    return Labeled{mlir::ein::ReduceOp::create(b, loc, typeFor(out), kind,
                                               s.str(), v.value),
                   out};
  };
  auto absX = map("abs", {x}, e.offset);
  if (!absX)
    return absX.takeError();
  // (sum |x|^p)^(1/p) over every entry.
  auto pNorm = [&](double power) -> llvm::Expected<Labeled> {
    if (power == 1)
      return reduce("sum", *absX, "");
    auto raised = map("pow", {*absX, constant(power)}, e.offset);
    if (!raised)
      return raised.takeError();
    return map("pow", {reduce("sum", *raised, ""), constant(1 / power)},
               e.offset);
  };
  if (!ord)
    return pNorm(2);
  size_t rank = x.labels.size();
  if (rank == 1) {
    if (!ord->word.empty())
      return programError(p.source, ord->offset,
                          "ord=" + ord->word + " is a matrix norm; '" +
                              "norm' of a vector takes a number or inf");
    double q = ord->number;
    if (std::isinf(q))
      return reduce(q > 0 ? "max" : "min", *absX, "");
    if (q == 0) {
      auto nonzero = map("ne", {x, constant(0)}, e.offset);
      if (!nonzero)
        return nonzero.takeError();
      return reduce("sum", *nonzero, "");
    }
    return pNorm(q);
  }
  if (rank != 2)
    return programError(p.source, ord->offset,
                        "'norm' with ord= takes a vector or a matrix, not " +
                            llvm::Twine(rank) + " indices");
  std::string word = ord->word;
  double q = ord->number;
  if (word == "fro")
    return pNorm(2);
  bool spectral = word == "nuc" || (word.empty() && (q == 2 || q == -2));
  if (spectral) {
    Value singular = singularValues(x.value);
    Subscripts all{{"a"}, ""};
    llvm::StringRef kind = word == "nuc" ? "sum" : q > 0 ? "max" : "min";
    return Labeled{mlir::ein::ReduceOp::create(b, loc, typeFor(""), kind,
                                               all.str(), singular),
                   ""};
  }
  if (!word.empty() || !(std::abs(q) == 1 || std::isinf(q)))
    return programError(p.source, ord->offset,
                        "a matrix norm's ord= is fro, nuc, 1, -1, 2, -2, inf "
                        "or -inf");
  // ord=±1 sums each column (over rows), ord=±inf each row.
  std::string kept(1, x.labels[std::isinf(q) ? 0 : 1]);
  return reduce(q > 0 ? "max" : "min", reduce("sum", *absX, kept), "");
}

/// `sign, logdet = slogdet(A[i,j])`.
llvm::Error ProgramLowering::slogdet(const Statement &s) {
  const Expr &call = *s.value;
  if (s.targets.size() != 2 || !s.targets[0].indices.empty() ||
      !s.targets[1].indices.empty())
    return programError(p.source, s.offset,
                        "write sign, logdet = slogdet(A[a,b])");
  if (!isa<mlir::FloatType>(element) && !isa<mlir::ComplexType>(element))
    return programError(p.source, call.offset,
                        "'slogdet' needs floating-point numbers");
  auto arg = lowerSum(*call.args[0], {}, /*top=*/false);
  if (!arg)
    return arg.takeError();
  if (arg->labels.size() != 2 || extents[indexOf[arg->labels[0]]].first !=
                                     extents[indexOf[arg->labels[1]]].first)
    return programError(p.source, call.offset,
                        "'slogdet' needs a square matrix");
  auto op =
      mlir::ein::SlogdetOp::create(b, b.getUnknownLoc(), typeFor(""),
                                   typeFor(""), arg->value, statementNumber);
  tensors[s.targets[0].name] = {op.getSign(), ""};
  tensors[s.targets[1].name] = {op.getLogabsdet(), ""};
  return llvm::Error::success();
}

} // namespace ein
