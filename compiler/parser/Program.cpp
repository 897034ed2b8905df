//===- Program.cpp - Index-notation programs ------------------------------===//

#include "compiler/parser/Program.h"
#include "einc/Error.h"

#include "llvm/ADT/StringSet.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <set>

using namespace ein;

llvm::Error ein::programError(llvm::StringRef source, size_t offset,
                              const llvm::Twine &message) {
  offset = std::min(offset, source.size());
  size_t lineStart = 0;
  if (offset > 0) {
    // rfind searches before `offset`.
    size_t newline = source.rfind('\n', offset);
    lineStart = newline == llvm::StringRef::npos ? 0 : newline + 1;
  }
  size_t lineEnd = source.find('\n', offset);
  if (lineEnd == llvm::StringRef::npos)
    lineEnd = source.size();
  unsigned line = 1 + source.substr(0, lineStart).count('\n');
  size_t column = offset - lineStart;
  return llvm::make_error<ExprError>(
      ("line " + llvm::Twine(line) + ", column " + llvm::Twine(column + 1) +
       ": " + message)
          .str(),
      source.substr(lineStart, lineEnd - lineStart).str(), column);
}

namespace {

struct Token {
  enum Kind { Ident, Number, Punct, Newline, End };
  Kind kind = End;
  std::string text;
  double number = 0;
  size_t offset = 0;
};

class Parser {
public:
  explicit Parser(llvm::StringRef source) : src(source) { advance(); }

  llvm::Expected<Program> parse() {
    Program p;
    p.source = src.str();
    while (tok.kind != Token::End) {
      if (tok.kind == Token::Newline || isPunct(";")) {
        advance();
        continue;
      }
      if (tok.kind == Token::Ident && tok.text == "in") {
        if (llvm::Error e = parseInputs(p))
          return std::move(e);
      } else if (tok.kind == Token::Ident && tok.text == "out") {
        advance();
        for (;;) {
          if (tok.kind != Token::Ident)
            return error("expected the name of an output tensor");
          p.outputs.push_back(tok.text);
          p.outputOffsets.push_back(tok.offset);
          advance();
          if (!isPunct(","))
            break;
          advance();
        }
      } else if (tok.kind == Token::Ident) {
        Statement s;
        s.offset = tok.offset;
        for (;;) {
          if (tok.kind != Token::Ident)
            return error("expected the name of a result");
          TensorDecl t;
          t.name = tok.text;
          t.offset = tok.offset;
          advance();
          if (isPunct("["))
            if (llvm::Error e = parseIndexList(t.indices, t.layout))
              return std::move(e);
          s.targets.push_back(std::move(t));
          if (!isPunct(","))
            break;
          advance();
        }
        s.target = s.targets[0].name;
        s.indices = s.targets[0].indices;
        s.layout = s.targets[0].layout;
        if (s.targets.size() > 1)
          for (const TensorDecl &t : s.targets)
            if (t.layout.grouped() || t.layout.hasExtents())
              return programError(src, t.offset,
                                  "the results of a decomposition take "
                                  "plain index names (no groups or "
                                  "extents)");
        if (!isPunct("="))
          return error("expected '=' after '" + s.targets.back().name + "'");
        advance();
        auto value = parseExpr();
        if (!value)
          return value.takeError();
        s.value = std::move(*value);
        p.statements.push_back(std::move(s));
      } else {
        return error("expected 'in', 'out' or an assignment");
      }
      if (tok.kind != Token::Newline && tok.kind != Token::End && !isPunct(";"))
        return error("unexpected '" + tok.text + "' at the end of a statement");
    }
    return p;
  }

private:
  llvm::Error error(const llvm::Twine &message) {
    return programError(src, tok.offset, message);
  }

  bool isPunct(llvm::StringRef p) const {
    return tok.kind == Token::Punct && tok.text == p;
  }

  void advance() {
    // Skip spaces and comments.
    while (pos < src.size()) {
      char c = src[pos];
      if (c == '#') {
        while (pos < src.size() && src[pos] != '\n')
          ++pos;
      } else if (c == ' ' || c == '\t' || c == '\r') {
        ++pos;
      } else if (c == '\\' && pos + 1 < src.size() && src[pos + 1] == '\n') {
        pos += 2; // line continuation
      } else {
        break;
      }
    }
    tok = Token();
    tok.offset = pos;
    if (pos >= src.size())
      return;
    char c = src[pos];
    if (c == '\n') {
      tok.kind = Token::Newline;
      tok.text = "newline";
      ++pos;
      return;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t start = pos;
      while (pos < src.size() &&
             (std::isalnum(static_cast<unsigned char>(src[pos])) ||
              src[pos] == '_'))
        ++pos;
      tok.kind = Token::Ident;
      tok.text = src.substr(start, pos - start).str();
      return;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) ||
        (c == '.' && pos + 1 < src.size() &&
         std::isdigit(static_cast<unsigned char>(src[pos + 1])))) {
      std::string text = src.substr(pos).str();
      char *end = nullptr;
      tok.number = std::strtod(text.c_str(), &end);
      size_t length = end - text.c_str();
      tok.kind = Token::Number;
      tok.text = src.substr(pos, length).str();
      pos += length;
      return;
    }
    tok.kind = Token::Punct;
    tok.text = std::string(1, c);
    ++pos;
  }

  /// One index name with an optional extent (`i` or `i:3`).
  llvm::Error parseIndex(std::vector<std::string> &names, IndexLayout &layout) {
    if (tok.kind != Token::Ident)
      return error("expected an index name");
    std::string name = tok.text;
    names.push_back(name);
    advance();
    int64_t extent = -1;
    if (isPunct(":")) {
      advance();
      if (tok.kind != Token::Number || tok.number != std::floor(tok.number) ||
          tok.number > 9.2e18)
        return error(isPunct("-")
                         ? "the extent of '" + name + "' must not be negative"
                         : "expected the extent of '" + name +
                               "' (a non-negative integer) after ':'");
      extent = int64_t(tok.number);
      advance();
    }
    layout.extents.push_back(extent);
    return llvm::Error::success();
  }

  /// `[i, j:3, (h, d:64)]`: names, their extents and their groups.
  llvm::Error parseIndexList(std::vector<std::string> &names,
                             IndexLayout &layout) {
    advance(); // '['
    if (isPunct("]")) {
      advance();
      return llvm::Error::success();
    }
    for (;;) {
      layout.offsets.push_back(tok.offset);
      if (isPunct("(")) {
        advance();
        unsigned span = 0;
        for (;;) {
          if (llvm::Error e = parseIndex(names, layout))
            return e;
          ++span;
          if (isPunct(")"))
            break;
          if (!isPunct(","))
            return error("expected ',' or ')' in an index group");
          advance();
        }
        advance();
        layout.spans.push_back(span);
      } else {
        if (llvm::Error e = parseIndex(names, layout))
          return e;
        layout.spans.push_back(1);
      }
      if (isPunct("]")) {
        advance();
        return llvm::Error::success();
      }
      if (!isPunct(","))
        return error("expected ',' or ']' in an index list");
      advance();
    }
  }

  llvm::Error parseInputs(Program &p) {
    advance(); // 'in'
    // `in : f64` only sets the dtype, for programs without inputs.
    for (bool first = true; !(first && isPunct(":")); first = false) {
      if (tok.kind != Token::Ident)
        return error("expected the name of an input tensor");
      TensorDecl d;
      d.name = tok.text;
      d.offset = tok.offset;
      advance();
      if (isPunct("["))
        if (llvm::Error e = parseIndexList(d.indices, d.layout))
          return e;
      if (d.layout.grouped())
        return programError(src, d.offset,
                            "input '" + d.name +
                                "' groups indices: declare one index per "
                                "dimension and group them where it is "
                                "read, e.g. X[b,(h:4,d)]");
      p.inputs.push_back(std::move(d));
      if (!isPunct(","))
        break;
      advance();
    }
    if (isPunct(":")) {
      advance();
      if (tok.kind != Token::Ident && tok.kind != Token::Number)
        return error("expected a dtype after ':'");
      std::string name = tok.text;
      // Accept f32/f64/i32/i64 as one identifier and complex64 etc.
      std::optional<DType> dtype = parseDType(name);
      if (!dtype || isHalf(*dtype))
        return error("unsupported dtype '" + name +
                     "' (f32, f64, complex64, complex128, i32, i64; float16 "
                     "and bfloat16 are for einsum expressions)");
      if (p.dtype && *p.dtype != *dtype)
        return error("every input must have the same dtype");
      p.dtype = dtype;
      advance();
    }
    return llvm::Error::success();
  }

  static bool isFunction(llvm::StringRef name) {
    return llvm::is_contained(
        {"exp",     "log",  "sqrt",  "rsqrt",   "abs",      "tanh",
         "sigmoid", "relu", "neg",   "max",     "min",      "pow",
         "lt",      "le",   "gt",    "ge",      "eq",       "ne",
         "where",   "inv",  "det",   "solve",   "cholesky", "svd",
         "qr",      "eigh", "trace", "norm",    "cond",     "rank",
         "slogdet", "eig",  "lstsq", "cross",   "eye",      "arange",
         "zeros",   "ones", "full",  "uniform", "normal"},
        name);
  }
  static bool isReduction(llvm::StringRef name) {
    return llvm::is_contained({"sum", "prod", "mean", "max", "min", "logsumexp",
                               "softmax", "cumsum", "cumprod"},
                              name);
  }

  using Rule = llvm::Expected<std::unique_ptr<Expr>> (Parser::*)();

  /// One left-associative level: operands parsed by `next`, joined by any
  /// of the one-character operators in `ops`.
  llvm::Expected<std::unique_ptr<Expr>> parseLevel(llvm::StringRef ops,
                                                   Rule next) {
    auto lhs = (this->*next)();
    if (!lhs)
      return lhs.takeError();
    std::unique_ptr<Expr> e = std::move(*lhs);
    while (tok.kind == Token::Punct && ops.contains(tok.text[0])) {
      auto node = std::make_unique<Expr>();
      node->kind = Expr::Binary;
      node->op = tok.text[0];
      node->offset = tok.offset;
      advance();
      auto rhs = (this->*next)();
      if (!rhs)
        return rhs.takeError();
      node->args.push_back(std::move(e));
      node->args.push_back(std::move(*rhs));
      e = std::move(node);
    }
    return e;
  }

  llvm::Expected<std::unique_ptr<Expr>> parseExpr() {
    return parseLevel("+-", &Parser::parseTerm);
  }

  llvm::Expected<std::unique_ptr<Expr>> parseTerm() {
    return parseLevel("*/", &Parser::parseUnary);
  }

  llvm::Expected<std::unique_ptr<Expr>> parseUnary() {
    if (isPunct("-")) {
      size_t offset = tok.offset;
      advance();
      auto operand = parseUnary();
      if (!operand)
        return operand.takeError();
      auto node = std::make_unique<Expr>();
      node->kind = Expr::Call;
      node->name = "neg";
      node->offset = offset;
      node->args.push_back(std::move(*operand));
      return node;
    }
    return parsePrimary();
  }

  llvm::Expected<std::unique_ptr<Expr>> parsePrimary() {
    auto node = std::make_unique<Expr>();
    node->offset = tok.offset;
    if (tok.kind == Token::Number) {
      node->kind = Expr::Number;
      node->value = tok.number;
      advance();
      return node;
    }
    if (isPunct("(")) {
      advance();
      auto inner = parseExpr();
      if (!inner)
        return inner.takeError();
      if (!isPunct(")"))
        return error("expected ')'");
      advance();
      return inner;
    }
    if (tok.kind != Token::Ident)
      return error(tok.kind == Token::End || tok.kind == Token::Newline ||
                           isPunct(";")
                       ? llvm::Twine("the expression ends too early")
                       : "unexpected '" + tok.text + "' in an expression");
    node->name = tok.text;
    advance();
    // sum[j](...), softmax[j](...)
    if (isPunct("[") && isReduction(node->name)) {
      size_t save = pos;
      Token saved = tok;
      std::vector<std::string> indices;
      IndexLayout layout;
      if (llvm::Error e = parseIndexList(indices, layout))
        return std::move(e);
      if (isPunct("(")) {
        if (layout.grouped() || layout.hasExtents())
          return programError(src, node->offset,
                              node->name + "[...] takes plain index names "
                                           "(no groups or extents)");
        node->kind = node->name == "softmax"           ? Expr::Softmax
                     : node->name.rfind("cum", 0) == 0 ? Expr::Scan
                                                       : Expr::Reduce;
        node->indices = indices;
        if (node->kind != Expr::Reduce && node->indices.size() != 1)
          return programError(src, node->offset,
                              node->name + " takes exactly one index");
        advance();
        auto arg = parseExpr();
        if (!arg)
          return arg.takeError();
        node->args.push_back(std::move(*arg));
        if (!isPunct(")"))
          return error("expected ')'");
        advance();
        return node;
      }
      // Not a reduction after all: an access to a tensor named like one.
      pos = save;
      tok = saved;
    }
    if (isPunct("(")) {
      if (!isFunction(node->name))
        return programError(src, node->offset,
                            "unknown function '" + node->name + "'");
      node->kind = Expr::Call;
      advance();
      for (;;) {
        // A keyword argument: name=number.
        if (tok.kind == Token::Ident && pos < src.size() && src[pos] == '=') {
          std::string key = tok.text;
          size_t offset = tok.offset;
          advance(); // name
          advance(); // '='
          Keyword value;
          value.offset = offset;
          bool negative = isPunct("-");
          if (negative)
            advance();
          if (tok.kind == Token::Ident && tok.text == "inf")
            value.number = negative ? -HUGE_VAL : HUGE_VAL;
          else if (tok.kind == Token::Number)
            value.number = negative ? -tok.number : tok.number;
          else if (tok.kind == Token::Ident && !negative)
            value.word = tok.text;
          else
            return error("expected a number or a name for '" + key + "='");
          if (node->keywords.count(key))
            return programError(src, offset, "'" + key + "=' is given twice");
          node->keywords[key] = value;
          advance();
          if (isPunct(")"))
            break;
          if (!isPunct(","))
            return error("expected ',' or ')' in the arguments of '" +
                         node->name + "'");
          advance();
          continue;
        }
        auto arg = parseExpr();
        if (!arg)
          return arg.takeError();
        node->args.push_back(std::move(*arg));
        if (isPunct(")"))
          break;
        if (!isPunct(","))
          return error("expected ',' or ')' in the arguments of '" +
                       node->name + "'");
        advance();
      }
      advance();
      return node;
    }
    node->kind = Expr::Access;
    if (isPunct("["))
      if (llvm::Error e = parseIndexList(node->indices, node->layout))
        return std::move(e);
    return node;
  }

  llvm::StringRef src;
  size_t pos = 0;
  Token tok;
};

/// Every tensor is defined once before use with one rank, outputs exist.
llvm::Error checkNames(const Program &p) {
  std::map<std::string, size_t> rank;
  for (const TensorDecl &d : p.inputs) {
    if (rank.count(d.name))
      return programError(p.source, d.offset,
                          "input '" + d.name + "' is declared twice");
    rank[d.name] = d.layout.rank();
  }
  std::function<llvm::Error(const Expr &)> visit =
      [&](const Expr &e) -> llvm::Error {
    if (e.kind == Expr::Access) {
      auto it = rank.find(e.name);
      if (it == rank.end())
        return programError(p.source, e.offset,
                            "'" + e.name + "' is not defined");
      if (it->second != e.layout.rank())
        return programError(p.source, e.offset,
                            "'" + e.name + "' has " + llvm::Twine(it->second) +
                                " dimensions, not " +
                                llvm::Twine(e.layout.rank()));
    }
    if (e.kind == Expr::Call && isConstructor(e.name)) {
      // eye(i, j), arange(i), zeros(i, j), uniform(i, seed=0): the
      // arguments are index names, not tensors.
      size_t least = e.name == "eye" ? 2 : e.name == "arange" ? 1 : 0;
      if (e.args.size() < least || (e.name == "arange" && e.args.size() > 1))
        return programError(
            p.source, e.offset,
            e.name == "arange"
                ? llvm::Twine("'arange' takes one index, e.g. arange(i)")
                : "'eye' takes two or more indices, e.g. eye(i, j)");
      for (const auto &a : e.args)
        if (a->kind != Expr::Access || !a->indices.empty() ||
            rank.count(a->name))
          return programError(p.source, a->offset,
                              "the arguments of '" + e.name +
                                  "' are index names, e.g. " + e.name +
                                  (e.name == "arange" ? "(i)" : "(i, j)"));
      return llvm::Error::success();
    }
    if (e.kind == Expr::Call) {
      unsigned want =
          llvm::is_contained({"max", "min", "pow", "lt", "le", "gt", "ge", "eq",
                              "ne", "solve", "lstsq", "cross"},
                             e.name)
              ? 2
          : e.name == "where" ? 3
                              : 1;
      if (e.args.size() != want)
        return programError(p.source, e.offset,
                            "'" + e.name + "' takes " + llvm::Twine(want) +
                                " argument" + (want == 1 ? "" : "s"));
    }
    for (const auto &a : e.args)
      if (llvm::Error err = visit(*a))
        return err;
    return llvm::Error::success();
  };
  for (const Statement &s : p.statements) {
    if (llvm::Error err = visit(*s.value))
      return err;
    for (const TensorDecl &t : s.targets) {
      if (rank.count(t.name))
        return programError(p.source, t.offset,
                            "'" + t.name + "' is already defined");
      std::set<std::string> seen;
      for (const std::string &i : t.indices)
        if (!seen.insert(i).second)
          return programError(p.source, t.offset,
                              "index '" + i + "' repeats on the left of '" +
                                  t.name + "'");
      rank[t.name] = t.layout.rank();
    }
  }
  if (p.outputs.empty())
    return programError(p.source, p.source.size(),
                        "the program has no 'out' line naming its results");
  for (size_t k = 0; k < p.outputs.size(); ++k)
    if (!rank.count(p.outputs[k]))
      return programError(p.source, p.outputOffsets[k],
                          "output '" + p.outputs[k] + "' is not defined");
  return llvm::Error::success();
}

} // namespace

bool ein::isConstructor(llvm::StringRef name) {
  return llvm::is_contained(
      {"eye", "arange", "zeros", "ones", "full", "uniform", "normal"}, name);
}

llvm::Expected<Program> ein::parseProgram(llvm::StringRef source) {
  auto program = Parser(source).parse();
  if (!program)
    return program.takeError();
  if (llvm::Error err = checkNames(*program))
    return std::move(err);
  return program;
}
