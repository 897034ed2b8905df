//===- ProgramBuilder.cpp - Index-notation programs as ein IR -------------===//

#include "compiler/codegen/ProgramBuilder.h"
#include "compiler/codegen/ProgramLowering.h"
#include "compiler/conversion/LinalgBuilders.h"
#include "dialect/EinOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>
#include <complex>
#include <functional>

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

llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
ProgramLowering::build(const std::vector<Shape> &shapes, llvm::StringRef name,
                       std::vector<Shape> &outputShapes) {
  ctx.loadDialect<mlir::ein::EinDialect, mlir::func::FuncDialect,
                  mlir::arith::ArithDialect, mlir::tensor::TensorDialect>();
  Location loc = mlir::FileLineColLoc::get(&ctx, "<program>", 1, 1);
  mlir::OwningOpRef<mlir::ModuleOp> module = mlir::ModuleOp::create(loc);
  if (shapes.size() != p.inputs.size())
    return programError(p.source, 0,
                        "the program declares " + llvm::Twine(p.inputs.size()) +
                            " inputs but " + llvm::Twine(shapes.size()) +
                            " were given");
  // Every index name needs a letter of the ein dialect's subscripts.
  Names all;
  for (const TensorDecl &d : p.inputs)
    all.insert(d.indices.begin(), d.indices.end());
  std::function<void(const Expr &)> collect = [&](const Expr &e) {
    all.insert(e.indices.begin(), e.indices.end());
    if (e.kind == Expr::Call && isConstructor(e.name))
      for (const auto &a : e.args)
        all.insert(a->name);
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
    for (size_t k = 0; k < d.indices.size(); ++k) {
      int64_t written = d.layout.extents[k];
      if (written >= 0 && written != shapes[i][k])
        return programError(p.source, d.layout.offsets[k],
                            "input '" + d.name + "' has extent " +
                                llvm::Twine(shapes[i][k]) + " in dimension " +
                                llvm::Twine(k) + ", not " +
                                llvm::Twine(written));
      if (llvm::Error e =
              setExtent(d.indices[k], shapes[i][k], d.offset, d.name))
        return std::move(e);
    }
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

llvm::Error ProgramLowering::setExtent(const std::string &index, int64_t extent,
                                       size_t offset,
                                       const std::string &tensor) {
  auto [it, inserted] = extents.insert({index, {extent, tensor}});
  if (!inserted && it->second.first != extent)
    return programError(p.source, offset,
                        "index '" + index + "' has extent " +
                            llvm::Twine(extent) + " in '" + tensor + "' but " +
                            llvm::Twine(it->second.first) + " in '" +
                            it->second.second + "'");
  return llvm::Error::success();
}

char ProgramLowering::label(const std::string &index) {
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

RankedTensorType ProgramLowering::typeFor(const std::string &labels) {
  llvm::SmallVector<int64_t> shape;
  for (char c : labels)
    shape.push_back(extents[indexOf[c]].first);
  return RankedTensorType::get(shape, element);
}

/// The subscripts `ops -> out`, collecting the operands' values.
Subscripts ProgramLowering::subscriptsOf(const std::vector<Labeled> &ops,
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

Value ProgramLowering::contract(const std::vector<Labeled> &ops,
                                const std::string &out) {
  llvm::SmallVector<Value> values;
  Subscripts s = subscriptsOf(ops, out, values);
  return mlir::ein::ContractOp::create(b, b.getUnknownLoc(), typeFor(out),
                                       s.str(), values);
}

/// Labels in order of first appearance, without repeats.
std::string ProgramLowering::unionOf(const std::vector<Labeled> &ops) {
  std::string u;
  for (const Labeled &o : ops)
    for (char c : o.labels)
      if (u.find(c) == std::string::npos)
        u.push_back(c);
  return u;
}

llvm::Expected<Labeled> ProgramLowering::map(llvm::StringRef fn,
                                             const std::vector<Labeled> &ops,
                                             size_t offset) {
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

llvm::Expected<Labeled>
ProgramLowering::cross(const Expr &e, const std::vector<Labeled> &args) {
  const Labeled &a = args[0], &v = args[1];
  if (a.labels.empty() || v.labels.empty() ||
      a.labels.back() != v.labels.back())
    return programError(p.source, e.offset,
                        "cross takes two vectors that end with the same "
                        "index (their 3 components), e.g. "
                        "cross(a[n,i], b[n,i])");
  char component = a.labels.back();
  int64_t extent = extents[indexOf[component]].first;
  if (extent != 3)
    return programError(p.source, e.offset,
                        "cross needs 3-component vectors, but index '" +
                            indexOf[component] + "' has " +
                            llvm::Twine(extent) + " elements");
  // Two letters the operands do not use name the components of a and b
  // inside this one contraction: out_i = eps_ijk a_j b_k.
  std::string used = a.labels + v.labels, fresh;
  for (char c : std::string("abcdefghijklmnopqrstuvwxyz"
                            "ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    if (used.find(c) == std::string::npos && fresh.size() < 2)
      fresh.push_back(c);
  if (fresh.size() < 2)
    return programError(p.source, e.offset,
                        "cross of tensors with this many indices is not "
                        "supported (no labels left)");
  Location loc = b.getUnknownLoc();
  llvm::SmallVector<Value> entries;
  for (int x = 0; x < 3; ++x)
    for (int y = 0; y < 3; ++y)
      for (int z = 0; z < 3; ++z) {
        // The sign of the permutation (x, y, z) of (0, 1, 2), else 0.
        int sign = (x - y) * (y - z) * (z - x) / 2;
        entries.push_back(::ein::buildConstant(b, loc, element, sign));
      }
  Value epsilon = mlir::tensor::FromElementsOp::create(
      b, loc, RankedTensorType::get({3, 3, 3}, element), entries);
  std::string batch;
  for (const std::string *labels : {&a.labels, &v.labels})
    for (char c : labels->substr(0, labels->size() - 1))
      if (batch.find(c) == std::string::npos)
        batch.push_back(c);
  std::string out = batch + component;
  std::string lhs = a.labels, rhs = v.labels;
  lhs.back() = fresh[0];
  rhs.back() = fresh[1];
  Subscripts s{{std::string{component, fresh[0], fresh[1]}, lhs, rhs}, out};
  Value result = mlir::ein::ContractOp::create(
      b, loc, typeFor(out), s.str(), ValueRange{epsilon, a.value, v.value});
  return Labeled{result, out};
}

/// Index names used in `e` outside reduction brackets.
void ProgramLowering::freeIndices(const Expr &e, Names &out) {
  if (e.kind == Expr::Access)
    out.insert(e.indices.begin(), e.indices.end());
  if (e.kind == Expr::Call && isConstructor(e.name)) {
    for (const auto &a : e.args)
      out.insert(a->name);
    return;
  }
  Names inner;
  for (const auto &a : e.args)
    freeIndices(*a, inner);
  if (e.kind == Expr::Reduce)
    for (const std::string &i : e.indices)
      inner.erase(i);
  out.insert(inner.begin(), inner.end());
}

ProgramLowering::Names ProgramLowering::freeOf(const Expr &e) {
  Names n;
  freeIndices(e, n);
  return n;
}

ProgramLowering::Names ProgramLowering::unite(Names a, const Names &b) {
  a.insert(b.begin(), b.end());
  return a;
}

/// A sum or difference: each term is summed on its own, as in Einstein's
/// convention (an index shared by two terms is not thereby kept).
llvm::Expected<Labeled>
ProgramLowering::lowerSum(const Expr &e, const Names &outer, bool top) {
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
llvm::Expected<Labeled>
ProgramLowering::lowerTerm(const Expr &e, const Names &outer, bool top) {
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
  // Dividing by a number is multiplying by its reciprocal (1/0 is inf, so
  // x/0 and 0/0 keep their inf and NaN): it stays inside the contraction.
  std::vector<std::unique_ptr<Expr>> reciprocals;
  for (auto &[factor, inverse] : parts)
    if (inverse && factor->kind == Expr::Number &&
        !isa<mlir::IntegerType>(element)) {
      reciprocals.push_back(std::make_unique<Expr>());
      reciprocals.back()->offset = factor->offset;
      reciprocals.back()->value = 1.0 / factor->value;
      factor = reciprocals.back().get();
      inverse = false;
    }
  // Constructors come last, so that the other factors fix the extents of
  // their indices first (v[i] * eye(i, j)).
  std::vector<Labeled> factors(parts.size());
  bool divides = false;
  for (bool constructors : {false, true})
    for (size_t k = 0; k < parts.size(); ++k) {
      const Expr &x = *parts[k].first;
      if ((x.kind == Expr::Call && isConstructor(x.name)) != constructors)
        continue;
      Names others = outer;
      for (size_t j = 0; j < parts.size(); ++j)
        if (j != k)
          others = unite(others, freeOf(*parts[j].first));
      auto f = lowerFactor(x, others);
      if (!f)
        return f.takeError();
      factors[k] = *f;
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
  // Divisors that sum over nothing here divide the contraction of the
  // other factors: sum_j A[i,j] B[j] / c[i] = (sum_j A[i,j] B[j]) / c[i].
  bool divisorsKept = true;
  std::vector<Labeled> multiplied;
  for (size_t k = 0; k < parts.size(); ++k) {
    if (!parts[k].second) {
      multiplied.push_back(factors[k]);
      continue;
    }
    for (char c : factors[k].labels)
      divisorsKept &= kept.find(c) != std::string::npos;
  }
  if (divisorsKept) {
    std::string inProduct;
    for (char c : kept)
      if (unionOf(multiplied).find(c) != std::string::npos)
        inProduct.push_back(c);
    Labeled acc = multiplied.size() == 1 && inProduct == multiplied[0].labels
                      ? multiplied[0]
                      : Labeled{contract(multiplied, inProduct), inProduct};
    for (size_t k = 0; k < parts.size(); ++k) {
      if (!parts[k].second)
        continue;
      auto next = map("div", {acc, factors[k]}, parts[k].first->offset);
      if (!next)
        return next.takeError();
      acc = *next;
    }
    return acc;
  }
  // Divisors over summed indices: elementwise over every index, then sum.
  // (The first factor is never a divisor: a/b/c flattens to a * 1/b * 1/c.)
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

llvm::Expected<Labeled> ProgramLowering::lowerFactor(const Expr &e,
                                                     const Names &outer) {
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
      value =
          mlir::DenseElementsAttr::get(type, b.getFloatAttr(element, e.value));
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
    // T[b,(h,d)] reads T split into [b,h,d].
    auto split = splitGroups(e, tensors.at(e.name).value);
    if (!split)
      return split.takeError();
    Labeled t{*split, ""};
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
    if (isConstructor(e.name))
      return constructor(e);
    if (!e.keywords.empty() && e.name != "norm")
      return programError(p.source, e.keywords.begin()->second.offset,
                          "'" + e.name + "' takes no keyword arguments");
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
    if (llvm::is_contained({"inv", "det", "solve", "lstsq", "cholesky", "trace",
                            "cond", "rank"},
                           e.name))
      return linearAlgebra(e, args);
    if (e.name == "norm")
      return norm(e, args[0]);
    if (e.name == "cross")
      return cross(e, args);
    if (llvm::is_contained({"svd", "qr", "eigh", "eig", "slogdet"}, e.name))
      return programError(p.source, e.offset,
                          "'" + e.name +
                              "' has several results and must be the whole "
                              "right-hand side of its statement");
    std::string fn = e.name == "where" ? "select" : e.name;
    return map(fn, args, e.offset);
  }
  case Expr::Reduce:
  case Expr::Softmax:
  case Expr::Scan: {
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
    if (e.kind == Expr::Scan) {
      // cumsum/cumprod keep every index: the scanned one runs in order.
      int64_t dim = arg->labels.find(reduced[0]);
      Value v = mlir::ein::ScanOp::create(
          b, b.getUnknownLoc(), arg->value.getType(),
          b.getStringAttr(e.name == "cumsum" ? "sum" : "prod"), arg->value,
          b.getI64IntegerAttr(dim));
      return Labeled{v, arg->labels};
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

llvm::Error ProgramLowering::statement(const Statement &s) {
  ++statementNumber;
  if (s.targets.size() > 1)
    return decomposition(s);
  if (s.value->kind == Expr::Call &&
      llvm::is_contained({"svd", "qr", "eigh", "eig", "slogdet"},
                         s.value->name))
    return programError(p.source, s.offset,
                        "'" + s.value->name +
                            "' has several results: name each, e.g. "
                            "Q[a,r], R[r,b] = qr(A[a,b])");
  if (llvm::Error e = setWrittenExtents(s.indices, s.layout, s.target))
    return e;
  std::string lhs;
  for (const std::string &idx : s.indices)
    lhs.push_back(label(idx));
  Names outer(s.indices.begin(), s.indices.end());
  auto value = lowerSum(*s.value, outer, /*top=*/true);
  if (!value)
    return value.takeError();
  // Indices of the left-hand side that the right lacks repeat the value
  // along them (broadcasting) when the left writes their extents: an
  // index left out by mistake stays an error.
  bool broadcast = false;
  for (size_t k = 0; k < s.indices.size(); ++k) {
    if (value->labels.find(lhs[k]) != std::string::npos)
      continue;
    if (s.layout.extents[k] < 0) {
      auto known = extents.find(s.indices[k]);
      return programError(
          p.source, s.offset,
          "index '" + s.indices[k] + "' of '" + s.target +
              "' does not appear on the right-hand side (to repeat the "
              "value along it, write its extent: " +
              s.indices[k] + ":" +
              (known == extents.end() ? std::string("N")
                                      : std::to_string(known->second.first)) +
              ")");
    }
    broadcast = true;
  }
  Value result = value->value;
  if (broadcast)
    result = mlir::ein::BroadcastOp::create(
        b, b.getUnknownLoc(), typeFor(lhs),
        b.getStringAttr(value->labels + "->" + lhs), result);
  else if (value->labels != lhs)
    result = contract({*value}, lhs); // a permutation
  // T[b,(h,d)] = ... stores [b,h,d] as [b, h*d].
  tensors[s.target] = {collapseGroups(result, s.layout), lhs};
  return llvm::Error::success();
}

llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
buildProgramModule(mlir::MLIRContext &ctx, const Program &program,
                   const std::vector<Shape> &shapes, DType dtype,
                   llvm::StringRef name, std::vector<Shape> &outputShapes) {
  return ProgramLowering(ctx, program, dtype).build(shapes, name, outputShapes);
}

} // namespace ein
