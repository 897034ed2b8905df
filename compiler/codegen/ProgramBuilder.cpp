//===- ProgramBuilder.cpp - Index-notation programs as ein IR -------------===//

#include "compiler/codegen/ProgramBuilder.h"
#include "compiler/codegen/ModuleBuilder.h"
#include "dialect/EinOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>
#include <complex>
#include <functional>
#include <map>
#include <set>

using llvm::cast;
using llvm::dyn_cast;
using llvm::isa;
using mlir::Location;
using mlir::OpBuilder;
using mlir::RankedTensorType;
using mlir::Type;
using mlir::Value;
using mlir::ValueRange;
using mlir::ein::Subscripts;

namespace ein {
namespace {

/// A value with a label (one letter per index name) for each dimension.
struct Labeled {
  Value value;
  std::string labels;
};

class Builder {
public:
  Builder(mlir::MLIRContext &ctx, const Program &p, DType dtype)
      : ctx(ctx), p(p), dtype(dtype), b(&ctx) {
    element = elementType(ctx, dtype);
  }

  llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
  build(const std::vector<Shape> &shapes, llvm::StringRef name,
        std::vector<Shape> &outputShapes) {
    ctx.loadDialect<mlir::ein::EinDialect, mlir::func::FuncDialect,
                    mlir::arith::ArithDialect, mlir::tensor::TensorDialect>();
    Location loc = mlir::FileLineColLoc::get(&ctx, "<program>", 1, 1);
    mlir::OwningOpRef<mlir::ModuleOp> module = mlir::ModuleOp::create(loc);
    if (shapes.size() != p.inputs.size())
      return programError(p.source, 0,
                          "the program declares " +
                              llvm::Twine(p.inputs.size()) + " inputs but " +
                              llvm::Twine(shapes.size()) + " were given");
    // Every index name needs a letter of the ein dialect's subscripts.
    Names all;
    for (const TensorDecl &d : p.inputs)
      all.insert(d.indices.begin(), d.indices.end());
    std::function<void(const Expr &)> collect = [&](const Expr &e) {
      all.insert(e.indices.begin(), e.indices.end());
      for (const auto &a : e.args)
        collect(*a);
    };
    for (const Statement &s : p.statements) {
      all.insert(s.indices.begin(), s.indices.end());
      collect(*s.value);
    }
    if (all.size() > 52)
      return programError(p.source, 0,
                          "the program uses " + llvm::Twine(all.size()) +
                              " index names; at most 52 are supported");
    // Index extents from the inputs, consistent across them.
    for (size_t i = 0; i < p.inputs.size(); ++i) {
      const TensorDecl &d = p.inputs[i];
      if (shapes[i].size() != d.indices.size())
        return programError(p.source, d.offset,
                            "input '" + d.name + "' has rank " +
                                llvm::Twine(shapes[i].size()) +
                                " but is declared with " +
                                llvm::Twine(d.indices.size()) + " indices");
      for (size_t k = 0; k < d.indices.size(); ++k)
        if (llvm::Error e =
                setExtent(d.indices[k], shapes[i][k], d.offset, d.name))
          return std::move(e);
    }

    b.setInsertionPointToEnd(module->getBody());
    llvm::SmallVector<Type> inputTypes;
    for (const Shape &s : shapes)
      inputTypes.push_back(RankedTensorType::get(s, element));
    auto func = mlir::func::FuncOp::create(b, loc, name,
                                           b.getFunctionType(inputTypes, {}));
    mlir::Block *body = func.addEntryBlock();
    b.setInsertionPointToStart(body);
    for (size_t i = 0; i < p.inputs.size(); ++i) {
      std::string labels;
      for (const std::string &idx : p.inputs[i].indices)
        labels.push_back(label(idx));
      tensors[p.inputs[i].name] = {body->getArgument(i), labels};
    }
    for (const Statement &s : p.statements)
      if (llvm::Error e = statement(s))
        return std::move(e);

    llvm::SmallVector<Value> results;
    llvm::SmallVector<Type> resultTypes;
    llvm::SmallVector<mlir::Attribute> sizes;
    for (const Shape &s : shapes)
      sizes.push_back(mlir::DenseI64ArrayAttr::get(&ctx, s));
    for (const std::string &out : p.outputs) {
      Value v = tensors[out].value;
      auto type = cast<RankedTensorType>(v.getType());
      results.push_back(v);
      resultTypes.push_back(type);
      outputShapes.emplace_back(type.getShape().begin(), type.getShape().end());
      sizes.push_back(mlir::DenseI64ArrayAttr::get(&ctx, type.getShape()));
    }
    mlir::func::ReturnOp::create(b, loc, results);
    func.setFunctionType(b.getFunctionType(inputTypes, resultTypes));
    func->setAttr("ein.entry_sizes", b.getArrayAttr(sizes));
    return module;
  }

private:
  llvm::Error setExtent(const std::string &index, int64_t extent, size_t offset,
                        const std::string &tensor) {
    auto [it, inserted] = extents.insert({index, {extent, tensor}});
    if (!inserted && it->second.first != extent)
      return programError(p.source, offset,
                          "index '" + index + "' has extent " +
                              llvm::Twine(extent) + " in '" + tensor +
                              "' but " + llvm::Twine(it->second.first) +
                              " in '" + it->second.second + "'");
    return llvm::Error::success();
  }

  char label(const std::string &index) {
    auto it = labelOf.find(index);
    if (it != labelOf.end())
      return it->second;
    static const char *alphabet =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    char c = labelOf.size() < 52 ? alphabet[labelOf.size()] : 0;
    labelOf[index] = c;
    indexOf[c] = index;
    return c;
  }

  RankedTensorType typeFor(const std::string &labels) {
    llvm::SmallVector<int64_t> shape;
    for (char c : labels)
      shape.push_back(extents[indexOf[c]].first);
    return RankedTensorType::get(shape, element);
  }

  /// The subscripts `ops -> out`, collecting the operands' values.
  static Subscripts subscriptsOf(const std::vector<Labeled> &ops,
                                 const std::string &out,
                                 llvm::SmallVectorImpl<Value> &values) {
    Subscripts s;
    for (const Labeled &o : ops) {
      s.inputs.push_back(o.labels);
      values.push_back(o.value);
    }
    s.output = out;
    return s;
  }

  Value contract(const std::vector<Labeled> &ops, const std::string &out) {
    llvm::SmallVector<Value> values;
    Subscripts s = subscriptsOf(ops, out, values);
    return mlir::ein::ContractOp::create(b, b.getUnknownLoc(), typeFor(out),
                                         s.str(), values);
  }

  /// Labels in order of first appearance, without repeats.
  static std::string unionOf(const std::vector<Labeled> &ops) {
    std::string u;
    for (const Labeled &o : ops)
      for (char c : o.labels)
        if (u.find(c) == std::string::npos)
          u.push_back(c);
    return u;
  }

  llvm::Expected<Labeled> map(llvm::StringRef fn,
                              const std::vector<Labeled> &ops, size_t offset) {
    std::string why = mlir::ein::MapOp::checkElementType(fn, element);
    if (!why.empty())
      return programError(p.source, offset, why);
    std::string out = unionOf(ops);
    llvm::SmallVector<Value> values;
    Subscripts s = subscriptsOf(ops, out, values);
    Value v = mlir::ein::MapOp::create(b, b.getUnknownLoc(), typeFor(out), fn,
                                       s.str(), values);
    return Labeled{v, out};
  }

  using Names = std::set<std::string>;

  /// Index names used in `e` outside reduction brackets.
  static void freeIndices(const Expr &e, Names &out) {
    if (e.kind == Expr::Access)
      out.insert(e.indices.begin(), e.indices.end());
    Names inner;
    for (const auto &a : e.args)
      freeIndices(*a, inner);
    if (e.kind == Expr::Reduce)
      for (const std::string &i : e.indices)
        inner.erase(i);
    out.insert(inner.begin(), inner.end());
  }
  static Names freeOf(const Expr &e) {
    Names n;
    freeIndices(e, n);
    return n;
  }
  static Names unite(Names a, const Names &b) {
    a.insert(b.begin(), b.end());
    return a;
  }

  /// A sum or difference: each term is summed on its own, as in Einstein's
  /// convention (an index shared by two terms is not thereby kept).
  llvm::Expected<Labeled> lowerSum(const Expr &e, const Names &outer,
                                   bool top) {
    if (e.kind == Expr::Binary && (e.op == '+' || e.op == '-')) {
      auto lhs = lowerSum(*e.args[0], outer, top);
      if (!lhs)
        return lhs.takeError();
      auto rhs = lowerSum(*e.args[1], outer, top);
      if (!rhs)
        return rhs.takeError();
      return map(e.op == '+' ? "add" : "sub", {*lhs, *rhs}, e.offset);
    }
    return lowerTerm(e, outer, top);
  }

  /// A product term. Indices not in `outer` (the left-hand side, or what
  /// surrounds an enclosing function call) are summed here when the term is
  /// a top-level term of the statement, or, nested inside a function, when
  /// two of its factors share them (a contraction, as in
  /// relu(X[n,i]*W[i,h] + b[h])). Otherwise they stay free and the
  /// enclosing term sums them: sum over j of abs(B[j]) for abs(B[j]).
  llvm::Expected<Labeled> lowerTerm(const Expr &e, const Names &outer,
                                    bool top) {
    std::vector<std::pair<const Expr *, bool>> parts; // factor, divides
    std::function<void(const Expr &, bool)> flatten = [&](const Expr &x,
                                                          bool inverse) {
      if (x.kind == Expr::Binary && (x.op == '*' || x.op == '/')) {
        flatten(*x.args[0], inverse);
        flatten(*x.args[1], x.op == '/' ? !inverse : inverse);
        return;
      }
      parts.push_back({&x, inverse});
    };
    flatten(e, false);
    std::vector<Labeled> factors;
    bool divides = false;
    for (size_t k = 0; k < parts.size(); ++k) {
      Names others = outer;
      for (size_t j = 0; j < parts.size(); ++j)
        if (j != k)
          others = unite(others, freeOf(*parts[j].first));
      auto f = lowerFactor(*parts[k].first, others);
      if (!f)
        return f.takeError();
      factors.push_back(*f);
      divides |= parts[k].second;
    }
    if (divides && isa<mlir::IntegerType>(element))
      return programError(p.source, e.offset,
                          "'/' needs floating-point numbers; the program "
                          "computes in integers");
    std::string all = unionOf(factors), kept;
    for (char c : all) {
      int holders = 0;
      for (const Labeled &f : factors)
        holders += f.labels.find(c) != std::string::npos;
      if (outer.count(indexOf[c]) || (!top && holders < 2))
        kept.push_back(c);
    }
    if (!divides) {
      if (factors.size() == 1 && kept == all)
        return factors[0];
      return Labeled{contract(factors, kept), kept};
    }
    // With divisions: elementwise over every index, then sum. (The first
    // factor is never a divisor: a/b/c flattens to a * 1/b * 1/c.)
    Labeled acc = factors[0];
    size_t start = 1;
    for (size_t k = start; k < factors.size(); ++k) {
      auto next = map(parts[k].second ? "div" : "mul", {acc, factors[k]},
                      parts[k].first->offset);
      if (!next)
        return next.takeError();
      acc = *next;
    }
    if (kept == acc.labels)
      return acc;
    Subscripts s{{acc.labels}, kept};
    Value v = mlir::ein::ReduceOp::create(b, b.getUnknownLoc(), typeFor(kept),
                                          "sum", s.str(), acc.value);
    return Labeled{v, kept};
  }

  llvm::Expected<Labeled> lowerFactor(const Expr &e, const Names &outer) {
    switch (e.kind) {
    case Expr::Number: {
      auto type = RankedTensorType::get({}, element);
      mlir::Attribute value;
      if (auto complexType = dyn_cast<mlir::ComplexType>(element)) {
        auto part = complexType.getElementType();
        if (part.isF32())
          value = mlir::DenseElementsAttr::get(
              type, llvm::ArrayRef<std::complex<float>>{
                        std::complex<float>(float(e.value), 0)});
        else
          value = mlir::DenseElementsAttr::get(
              type, llvm::ArrayRef<std::complex<double>>{
                        std::complex<double>(e.value, 0)});
      } else if (isa<mlir::FloatType>(element)) {
        value = mlir::DenseElementsAttr::get(type,
                                             b.getFloatAttr(element, e.value));
      } else {
        if (e.value != std::floor(e.value))
          return programError(p.source, e.offset,
                              "the constant " + std::to_string(e.value) +
                                  " is not an integer, but the program "
                                  "computes in integers");
        value = mlir::DenseElementsAttr::get(
            type, b.getIntegerAttr(element, int64_t(e.value)));
      }
      Value v = mlir::arith::ConstantOp::create(b, b.getUnknownLoc(),
                                                cast<mlir::TypedAttr>(value));
      return Labeled{v, ""};
    }
    case Expr::Access: {
      const Labeled &t = tensors.at(e.name);
      std::string labels;
      for (const std::string &idx : e.indices) {
        if (!extents.count(idx)) {
          // The tensor's dimension gives the extent of a new index.
          size_t k = &idx - &e.indices[0];
          auto type = cast<RankedTensorType>(t.value.getType());
          if (llvm::Error err =
                  setExtent(idx, type.getDimSize(k), e.offset, e.name))
            return std::move(err);
        }
        labels.push_back(label(idx));
      }
      for (size_t k = 0; k < labels.size(); ++k) {
        auto type = cast<RankedTensorType>(t.value.getType());
        if (type.getDimSize(k) != extents[e.indices[k]].first)
          return programError(
              p.source, e.offset,
              "index '" + e.indices[k] + "' has extent " +
                  llvm::Twine(extents[e.indices[k]].first) + " in '" +
                  extents[e.indices[k]].second + "' but '" + e.name + "' has " +
                  llvm::Twine(type.getDimSize(k)) + " in that position");
      }
      std::string distinct = unionOf({{t.value, labels}});
      if (distinct == labels)
        return Labeled{t.value, labels};
      // A repeated index takes a diagonal.
      return Labeled{contract({{t.value, labels}}, distinct), distinct};
    }
    case Expr::Binary:
      // A parenthesised sum inside a product.
      return lowerSum(e, outer, /*top=*/false);
    case Expr::Call: {
      std::vector<Labeled> args;
      for (size_t k = 0; k < e.args.size(); ++k) {
        Names others = outer;
        for (size_t j = 0; j < e.args.size(); ++j)
          if (j != k)
            others = unite(others, freeOf(*e.args[j]));
        auto v = lowerSum(*e.args[k], others, /*top=*/false);
        if (!v)
          return v.takeError();
        args.push_back(*v);
      }
      if (llvm::is_contained(
              {"inv", "det", "solve", "cholesky", "trace", "cond", "rank"},
              e.name))
        return linearAlgebra(e, args);
      if (e.name == "norm")
        return norm(e, args[0]);
      if (llvm::is_contained({"svd", "qr", "eigh", "slogdet"}, e.name))
        return programError(p.source, e.offset,
                            "'" + e.name +
                                "' has several results and must be the whole "
                                "right-hand side of its statement");
      std::string fn = e.name == "where" ? "select" : e.name;
      return map(fn, args, e.offset);
    }
    case Expr::Reduce:
    case Expr::Softmax: {
      // The reduced indices are bound here, not summed implicitly inside.
      Names inside = outer;
      inside.insert(e.indices.begin(), e.indices.end());
      auto arg = lowerSum(*e.args[0], inside, /*top=*/false);
      if (!arg)
        return arg.takeError();
      std::string reduced;
      for (const std::string &idx : e.indices) {
        auto it = labelOf.find(idx);
        if (it == labelOf.end() ||
            arg->labels.find(it->second) == std::string::npos)
          return programError(p.source, e.offset,
                              "index '" + idx + "' does not appear inside " +
                                  e.name + "[...](...)");
        reduced.push_back(it->second);
      }
      if (e.kind == Expr::Softmax) {
        if (!isa<mlir::FloatType>(element))
          return programError(p.source, e.offset,
                              "softmax needs floating-point numbers");
        int64_t dim = arg->labels.find(reduced[0]);
        Value v = mlir::ein::SoftmaxOp::create(b, b.getUnknownLoc(), arg->value,
                                               b.getI64IntegerAttr(dim));
        return Labeled{v, arg->labels};
      }
      std::string why = mlir::ein::ReduceOp::checkElementType(e.name, element);
      if (!why.empty())
        return programError(p.source, e.offset, why);
      std::string out;
      for (char c : arg->labels)
        if (reduced.find(c) == std::string::npos)
          out.push_back(c);
      Subscripts s{{arg->labels}, out};
      Value v = mlir::ein::ReduceOp::create(b, b.getUnknownLoc(), typeFor(out),
                                            e.name, s.str(), arg->value);
      return Labeled{v, out};
    }
    }
    llvm_unreachable("unknown expression");
  }

  /// inv, det, cholesky (of a matrix A[i,j]) and solve(A[i,j], b[i,...]).
  /// A matrix's rows are its first index as lowered; inv and cholesky keep
  /// the indices, det has none; solve's result is indexed by the index of
  /// A that b's rows do not use, then b's other indices.
  llvm::Expected<Labeled> linearAlgebra(const Expr &e,
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
    bool rectangularOk = e.name == "rank" || e.name == "cond";
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
      auto svd = mlir::ein::SvdOp::create(
          b, loc, RankedTensorType::get({m, k}, element),
          RankedTensorType::get({k}, element),
          RankedTensorType::get({k, n}, element), a.value, statementNumber);
      Subscripts all{{"a"}, ""};
      Value hi = mlir::ein::ReduceOp::create(b, loc, typeFor(""), "max",
                                             all.str(), svd.getS());
      n = std::max(m, n);
      double eps = isa<mlir::Float32Type>(element) ? 1.1920929e-07
                                                   : 2.220446049250313e-16;
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
          ValueRange{svd.getS(), tol->value});
      Value count = mlir::ein::ReduceOp::create(b, loc, typeFor(""), "sum",
                                                all.str(), above);
      return Labeled{count, ""};
    }
    if (e.name == "cond") {
      // The ratio of the largest to the smallest singular value (2-norm
      // condition number, as numpy.linalg.cond).
      int64_t m = extent(a.labels[0]), n = extent(a.labels[1]);
      int64_t k = std::min(m, n);
      auto svd = mlir::ein::SvdOp::create(
          b, loc, RankedTensorType::get({m, k}, element),
          RankedTensorType::get({k}, element),
          RankedTensorType::get({k, n}, element), a.value, statementNumber);
      Subscripts all{{"a"}, ""};
      Value hi = mlir::ein::ReduceOp::create(b, loc, typeFor(""), "max",
                                             all.str(), svd.getS());
      Value lo = mlir::ein::ReduceOp::create(b, loc, typeFor(""), "min",
                                             all.str(), svd.getS());
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
      return Labeled{mlir::ein::DetOp::create(b, loc, typeFor(""), a.value,
                                              statementNumber),
                     ""};
    const Labeled &rhs = args[1];
    if (rhs.labels.empty() || rhs.labels.size() > 2)
      return programError(p.source, e.offset,
                          "solve's right-hand side is a vector or a matrix");
    if (extent(rhs.labels[0]) != extent(a.labels[0]))
      return programError(
          p.source, e.offset,
          "solve's right-hand side has " + llvm::Twine(extent(rhs.labels[0])) +
              " rows but the matrix has " + llvm::Twine(extent(a.labels[0])));
    // The solution takes whichever of A's indices the right-hand side's
    // rows do not use: x[j] = solve(A[i,j], b[i]) (A x = b read as index
    // notation) and X[i,k] = solve(A[i,j], B[j,k]) both work.
    char first = rhs.labels[0] == a.labels[1] ? a.labels[0] : a.labels[1];
    std::string out = std::string(1, first) + rhs.labels.substr(1);
    if (out.size() == 2 && out[0] == out[1])
      return programError(p.source, e.offset,
                          "solve's result would repeat index '" +
                              indexOf[out[0]] + "'");
    Value x =
        mlir::ein::SolveOp::create(b, loc, a.value, rhs.value, statementNumber);
    return Labeled{x, out};
  }

  /// `U[a,r], s[r], V[r,b] = svd(A[a,b])`, `Q[a,r], R[r,b] = qr(A[a,b])`
  /// and `w[k], V[a,k] = eigh(A[a,b])`: the results' index names must
  /// follow that pattern, with r (or k) a new index of extent min(m, n) (n).
  llvm::Error decomposition(const Statement &s) {
    const Expr &call = *s.value;
    llvm::StringRef fn = call.name;
    auto usage = [&]() -> llvm::Error {
      const char *form = fn == "svd"  ? "U[a,r], s[r], V[r,b] = svd(A[a,b])"
                         : fn == "qr" ? "Q[a,r], R[r,b] = qr(A[a,b])"
                                      : "w[k], V[a,k] = eigh(A[a,b])";
      return programError(p.source, s.offset,
                          llvm::Twine("write ") + form +
                              ", with a new index for r (k)");
    };
    if (call.kind != Expr::Call ||
        !llvm::is_contained({"svd", "qr", "eigh", "slogdet"}, fn))
      return programError(p.source, s.offset,
                          "only svd, qr, eigh and slogdet have several "
                          "results");
    if (fn == "slogdet")
      return slogdet(s);
    size_t want = fn == "svd" ? 3 : 2;
    if (s.targets.size() != want)
      return usage();
    if (!isa<mlir::FloatType>(element) && !isa<mlir::ComplexType>(element))
      return programError(p.source, call.offset,
                          "'" + fn + "' needs floating-point numbers");
    Names outer;
    for (const TensorDecl &t : s.targets)
      outer.insert(t.indices.begin(), t.indices.end());
    auto arg = lowerSum(*call.args[0], outer, /*top=*/false);
    if (!arg)
      return arg.takeError();
    if (arg->labels.size() != 2)
      return programError(p.source, call.offset,
                          "'" + fn + "' takes a matrix (two indices)");
    std::string rows = indexOf[arg->labels[0]], cols = indexOf[arg->labels[1]];
    int64_t m = extents[rows].first, n = extents[cols].first;
    auto is = [&](const TensorDecl &t, std::vector<std::string> idx) {
      return t.indices == idx;
    };
    std::string r;
    if (fn == "eigh") {
      if (m != n)
        return programError(p.source, call.offset,
                            "'eigh' needs a square matrix, not " +
                                llvm::Twine(m) + "x" + llvm::Twine(n));
      if (s.targets[0].indices.size() != 1)
        return usage();
      r = s.targets[0].indices[0];
      if (!is(s.targets[1], {rows, r}))
        return usage();
    } else {
      if (s.targets[0].indices.size() != 2)
        return usage();
      r = s.targets[0].indices[1];
      if (!is(s.targets[0], {rows, r}) ||
          (fn == "svd" && !is(s.targets[1], {r})) ||
          !is(s.targets.back(), {r, cols}))
        return usage();
    }
    if (r == rows || r == cols)
      return usage();
    int64_t k = fn == "eigh" ? n : std::min(m, n);
    // svd(..., rank=K) keeps the K largest singular values.
    int64_t full = k;
    for (const auto &[key, value] : call.keywords) {
      if (fn != "svd" || key != "rank")
        return programError(p.source, value.second,
                            "'" + fn + "' has no argument '" + key + "'" +
                                (fn == "svd" ? " (only rank=)" : ""));
      if (value.first < 1 || value.first != std::floor(value.first))
        return programError(p.source, value.second,
                            "rank= must be a positive integer");
      k = std::min<int64_t>(k, int64_t(value.first));
    }
    if (llvm::Error e = setExtent(r, k, s.targets[0].offset, s.target))
      return e;
    char rl = label(r), a = arg->labels[0], b2 = arg->labels[1];
    Location loc = b.getUnknownLoc();
    auto type = [&](std::string labels) { return typeFor(labels); };
    auto define = [&](size_t t, Value v, std::string labels) {
      tensors[s.targets[t].name] = {v, labels};
    };
    if (fn == "svd") {
      auto shaped = [&](llvm::ArrayRef<int64_t> shape) {
        return RankedTensorType::get(shape, element);
      };
      auto op = mlir::ein::SvdOp::create(b, loc, shaped({m, full}),
                                         shaped({full}), shaped({full, n}),
                                         arg->value, statementNumber);
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
      define(0, keep(op.getU(), {m, k}), {a, rl});
      define(1, keep(op.getS(), {k}), {rl});
      define(2, keep(op.getVt(), {k, n}), {rl, b2});
    } else if (fn == "qr") {
      auto op = mlir::ein::QrOp::create(b, loc, type({a, rl}), type({rl, b2}),
                                        arg->value, statementNumber);
      define(0, op.getQ(), {a, rl});
      define(1, op.getR(), {rl, b2});
    } else {
      auto op = mlir::ein::EighOp::create(b, loc, type({rl}), type({a, rl}),
                                          arg->value, statementNumber);
      define(0, op.getW(), {rl});
      define(1, op.getV(), {a, rl});
    }
    return llvm::Error::success();
  }

  /// norm(x[...]) over all entries: ord=2 (default; Frobenius for a
  /// matrix), ord=1, ord=p or ord=inf (the largest magnitude).
  llvm::Expected<Labeled> norm(const Expr &e, const Labeled &x) {
    if (!isa<mlir::FloatType>(element))
      return programError(p.source, e.offset,
                          "'norm' needs real floating-point numbers");
    double ord = 2;
    for (const auto &[key, value] : e.keywords) {
      if (key != "ord")
        return programError(p.source, value.second,
                            "'norm' has no argument '" + key + "' (only ord=)");
      if (!(value.first >= 1))
        return programError(p.source, value.second,
                            "ord= must be at least 1 (or inf)");
      ord = value.first;
    }
    auto absX = map("abs", {x}, e.offset);
    if (!absX)
      return absX.takeError();
    Subscripts all{{x.labels}, ""};
    Location loc = b.getUnknownLoc();
    if (std::isinf(ord))
      return Labeled{mlir::ein::ReduceOp::create(b, loc, typeFor(""), "max",
                                                 all.str(), absX->value),
                     ""};
    Labeled power = *absX;
    if (ord != 1) {
      Expr exponent;
      exponent.kind = Expr::Number;
      exponent.value = ord;
      auto p = lowerFactor(exponent, {});
      auto raised = map("pow", {*absX, *p}, e.offset);
      if (!raised)
        return raised.takeError();
      power = *raised;
    }
    Labeled sum{mlir::ein::ReduceOp::create(b, loc, typeFor(""), "sum",
                                            all.str(), power.value),
                ""};
    if (ord == 1)
      return sum;
    Expr inverse;
    inverse.kind = Expr::Number;
    inverse.value = 1 / ord;
    auto q = lowerFactor(inverse, {});
    return map("pow", {sum, *q}, e.offset);
  }

  /// `sign, logdet = slogdet(A[i,j])`.
  llvm::Error slogdet(const Statement &s) {
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

  llvm::Error statement(const Statement &s) {
    ++statementNumber;
    if (s.targets.size() > 1)
      return decomposition(s);
    if (s.value->kind == Expr::Call &&
        llvm::is_contained({"svd", "qr", "eigh", "slogdet"}, s.value->name))
      return programError(p.source, s.offset,
                          "'" + s.value->name +
                              "' has several results: name each, e.g. "
                              "Q[a,r], R[r,b] = qr(A[a,b])");
    std::string lhs;
    for (const std::string &idx : s.indices)
      lhs.push_back(label(idx));
    Names outer(s.indices.begin(), s.indices.end());
    auto value = lowerSum(*s.value, outer, /*top=*/true);
    if (!value)
      return value.takeError();
    for (size_t k = 0; k < s.indices.size(); ++k)
      if (value->labels.find(lhs[k]) == std::string::npos)
        return programError(p.source, s.offset,
                            "index '" + s.indices[k] + "' of '" + s.target +
                                "' does not appear on the right-hand side");
    Value result = value->value;
    if (value->labels != lhs)
      result = contract({*value}, lhs); // a permutation
    tensors[s.target] = {result, lhs};
    return llvm::Error::success();
  }

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

} // namespace

llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
buildProgramModule(mlir::MLIRContext &ctx, const Program &program,
                   const std::vector<Shape> &shapes, DType dtype,
                   llvm::StringRef name, std::vector<Shape> &outputShapes) {
  return Builder(ctx, program, dtype).build(shapes, name, outputShapes);
}

} // namespace ein
