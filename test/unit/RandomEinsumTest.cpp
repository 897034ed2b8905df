//===- RandomEinsumTest.cpp - JIT vs a reference loop nest ----------------===//
//
// A randomized property test of the JIT. A seeded generator writes valid
// NumPy einsum expressions (1-5 operands, ranks 0-5, labels from a small
// mixed-case pool so that they are shared, repeated within an operand and
// summed; ellipses covering different numbers of dimensions in different
// operands; size-1 broadcasting; zero-size dimensions; spaces; implicit and
// explicit outputs; all six dtypes) with small random shapes. Every case is
// compiled and run, and the result is compared with a reference written here
// independently of the compiler: a tiny interpreter of NumPy's rules expands
// the ellipses and the implicit output, and one plain loop nest sums the
// products of the operand elements over every assignment of every label.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/Compile.h"
#include "compiler/parser/Einsum.h"
#include "einc/einc.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <complex>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace {

using Complex = std::complex<double>;

/// The reference loop nest runs at most this many iterations per case.
constexpr int64_t kMaxIterations = 20000;

int64_t product(const ein::Shape &shape) {
  int64_t n = 1;
  for (int64_t e : shape)
    n *= e;
  return n;
}

std::string shapeString(const ein::Shape &shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "," : "") + std::to_string(shape[i]);
  return s + ")";
}

/// One test case: what the JIT is given.
struct Case {
  std::string expr;
  std::vector<ein::Shape> shapes;
  ein::DType dtype = ein::f32;

  std::string describe() const {
    std::string s = "'" + expr + "' shapes";
    for (const ein::Shape &shape : shapes)
      s += " " + shapeString(shape);
    return s + " dtype " + ein::dtypeName(dtype);
  }
};

//===----------------------------------------------------------------------===//
// NumPy's semantics, written out directly
//===----------------------------------------------------------------------===//

/// An expression as NumPy reads it: one label per dimension of each input
/// and of the output. The ellipsis dimensions are right-aligned across the
/// operands and named '0' + k for the k-th dimension (from the left) of
/// their broadcast shape; letters are the user's labels.
struct Einsum {
  std::vector<std::string> inputs;
  std::string output;
  bool implicit = false;
};

/// Expands a valid expression for operands of the given shapes.
Einsum interpret(const std::string &expr,
                 const std::vector<ein::Shape> &shapes) {
  std::string s; // NumPy ignores spaces.
  for (char ch : expr)
    if (ch != ' ')
      s.push_back(ch);
  size_t arrow = s.find("->");
  std::string lhs = s.substr(0, arrow);
  std::vector<std::string> terms;
  for (size_t start = 0;;) {
    size_t comma = lhs.find(',', start);
    terms.push_back(lhs.substr(start, comma - start));
    if (comma == std::string::npos)
      break;
    start = comma + 1;
  }
  // An ellipsis covers the dimensions its letters leave; the broadcast
  // shape has as many as the longest ellipsis.
  std::vector<size_t> covered(terms.size(), 0);
  size_t broadcastRank = 0;
  for (size_t i = 0; i < terms.size(); ++i)
    if (terms[i].find("...") != std::string::npos) {
      covered[i] = shapes[i].size() - (terms[i].size() - 3);
      broadcastRank = std::max(broadcastRank, covered[i]);
    }
  auto expand = [&](const std::string &term, size_t n) {
    std::string labels;
    for (size_t k = 0; k < term.size(); ++k) {
      if (term.compare(k, 3, "...") != 0) {
        labels.push_back(term[k]);
        continue;
      }
      for (size_t d = broadcastRank - n; d < broadcastRank; ++d)
        labels.push_back(char('0' + d));
      k += 2;
    }
    return labels;
  };
  Einsum e;
  for (size_t i = 0; i < terms.size(); ++i)
    e.inputs.push_back(expand(terms[i], covered[i]));
  if (arrow != std::string::npos) {
    e.output = expand(s.substr(arrow + 2), broadcastRank);
    return e;
  }
  // Implicit: the ellipsis dimensions, then the letters used exactly once
  // (repeats within an operand count), in ASCII order.
  e.implicit = true;
  e.output = expand("...", broadcastRank);
  std::map<char, int> count;
  for (const std::string &term : terms)
    for (char ch : term)
      if (std::isalpha(static_cast<unsigned char>(ch)))
        ++count[ch];
  for (auto [label, n] : count)
    if (n == 1)
      e.output.push_back(label);
  return e;
}

/// Every label's extent: the largest of its dimensions, since 1 broadcasts
/// against anything, and 0 when any of them is 0.
std::map<char, int64_t> labelExtents(const Einsum &e,
                                     const std::vector<ein::Shape> &shapes) {
  std::map<char, int64_t> extent;
  for (size_t i = 0; i < e.inputs.size(); ++i)
    for (size_t d = 0; d < shapes[i].size(); ++d) {
      int64_t x = shapes[i][d];
      auto [it, fresh] = extent.emplace(e.inputs[i][d], x);
      if (!fresh)
        it->second = it->second == 0 || x == 0 ? 0 : std::max(it->second, x);
    }
  return extent;
}

/// Iterations of the reference loop nest (at least one per label value).
int64_t iterations(const Einsum &e, const std::vector<ein::Shape> &shapes) {
  int64_t n = 1;
  for (auto [label, x] : labelExtents(e, shapes))
    n *= std::max<int64_t>(x, 1);
  return n;
}

/// What the output should be, and for each element the sum of the
/// magnitudes of its terms, which scales the rounding tolerance.
struct Expected {
  ein::Shape shape;
  std::vector<Complex> values; ///< exact for integers (small values)
  std::vector<double> magnitude;
};

/// The loop nest: an odometer over the values of all labels; every
/// assignment adds the product of the operand elements it selects to the
/// output element it selects.
Expected reference(const Einsum &e, const std::vector<ein::Shape> &shapes,
                   const std::vector<std::vector<Complex>> &in) {
  std::map<char, int64_t> extent = labelExtents(e, shapes);
  std::string labels;
  ein::Shape extents;
  for (auto [label, x] : extent) {
    labels.push_back(label);
    extents.push_back(x);
  }
  auto positions = [&](const std::string &term) {
    std::vector<size_t> result;
    for (char l : term)
      result.push_back(labels.find(l));
    return result;
  };
  std::vector<std::vector<size_t>> inputAt;
  for (const std::string &term : e.inputs)
    inputAt.push_back(positions(term));
  std::vector<size_t> outputAt = positions(e.output);

  Expected r;
  for (char l : e.output)
    r.shape.push_back(extent[l]);
  r.values.assign(product(r.shape), 0);
  r.magnitude.assign(product(r.shape), 0);
  std::vector<int64_t> index(labels.size(), 0);
  for (int64_t it = 0, total = product(extents); it < total; ++it) {
    Complex term = 1;
    for (size_t i = 0; i < in.size(); ++i) {
      int64_t offset = 0;
      for (size_t d = 0; d < shapes[i].size(); ++d) {
        int64_t x = shapes[i][d];
        // A dimension of extent 1 broadcasts: it is always read at 0.
        offset = offset * x + (x == 1 ? 0 : index[inputAt[i][d]]);
      }
      term *= in[i][offset];
    }
    int64_t out = 0;
    for (size_t k = 0; k < outputAt.size(); ++k)
      out = out * r.shape[k] + index[outputAt[k]];
    r.values[out] += term;
    r.magnitude[out] += std::abs(term);
    for (size_t k = labels.size(); k-- > 0;) {
      if (++index[k] < extents[k])
        break;
      index[k] = 0;
    }
  }
  return r;
}

//===----------------------------------------------------------------------===//
// The generator
//===----------------------------------------------------------------------===//

/// Random valid expressions and shapes, reproducible from the seed.
class Generator {
public:
  explicit Generator(uint64_t seed) : rng(seed) {}

  /// A case whose reference loop nest stays cheap.
  Case next() {
    for (;;) {
      Case c = attempt();
      if (iterations(interpret(c.expr, c.shapes), c.shapes) <= kMaxIterations)
        return c;
    }
  }

private:
  int uniform(int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng);
  }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng); }

  Case attempt() {
    // Few labels, so that operands share them, repeat them and sum them.
    static const std::string pool = "abcdijkAB";
    Case c;
    c.dtype = static_cast<ein::DType>(uniform(0, 5));
    std::map<char, int64_t> extent;
    for (char l : pool)
      extent[l] = chance(0.05) ? 0 : uniform(1, 4);
    // The broadcast shape of the ellipsis; each operand's ellipsis covers
    // its last 0 to all of these dimensions.
    bool useEllipsis = chance(0.25);
    int broadcastRank = useEllipsis ? uniform(1, 2) : 0;
    std::vector<int64_t> ellipsisExtent(broadcastRank);
    for (int64_t &x : ellipsisExtent)
      x = chance(0.05) ? 0 : uniform(1, 3);
    // Size-1 broadcasting: now and then a dimension of extent 1 where the
    // label is larger (or zero) in the other operands.
    auto maybeOne = [&](int64_t x) { return x != 1 && chance(0.1) ? 1 : x; };

    std::vector<std::string> terms;
    std::string used; // letters of the inputs, each once
    bool anyCovered = false;
    for (int i = 0, n = uniform(1, 5); i < n; ++i) {
      bool hasEllipsis = useEllipsis && chance(0.7);
      int covered = hasEllipsis ? uniform(0, broadcastRank) : 0;
      anyCovered |= covered > 0;
      std::string labels;
      for (int k = uniform(0, 5 - covered); k > 0; --k) {
        // Now and then a label of this operand again (a diagonal).
        bool again = !labels.empty() && chance(0.15);
        labels.push_back(again ? labels[uniform(0, labels.size() - 1)]
                               : pool[uniform(0, pool.size() - 1)]);
      }
      int ellipsisAt = hasEllipsis ? uniform(0, labels.size()) : -1;
      std::string term;
      ein::Shape shape;
      for (int k = 0; k <= int(labels.size()); ++k) {
        if (k == ellipsisAt) {
          term += "...";
          for (int d = broadcastRank - covered; d < broadcastRank; ++d)
            shape.push_back(maybeOne(ellipsisExtent[d]));
        }
        if (k == int(labels.size()))
          break;
        char l = labels[k];
        term.push_back(l);
        // A label repeated in one operand has one extent there.
        bool repeated = std::count(labels.begin(), labels.end(), l) > 1;
        shape.push_back(repeated ? extent[l] : maybeOne(extent[l]));
        if (used.find(l) == std::string::npos)
          used.push_back(l);
      }
      terms.push_back(term);
      c.shapes.push_back(shape);
    }

    std::string expr;
    for (size_t i = 0; i < terms.size(); ++i)
      expr += (i ? "," : "") + terms[i];
    if (chance(0.6)) {
      // Explicit: some of the letters, in any order. NumPy needs '...' in
      // the output when an ellipsis covers dimensions, and allows it (then
      // covering none) otherwise.
      std::shuffle(used.begin(), used.end(), rng);
      std::string output = used.substr(0, uniform(0, used.size()));
      if (anyCovered || (useEllipsis && chance(0.5)))
        output.insert(uniform(0, output.size()), "...");
      expr += "->" + output;
    }
    c.expr = chance(0.2) ? withSpaces(expr) : expr;
    return c;
  }

  /// Spaces anywhere but inside '...' and '->'.
  std::string withSpaces(const std::string &expr) {
    std::string result;
    for (size_t i = 0; i <= expr.size(); ++i) {
      bool inside = i > 0 && i < expr.size() &&
                    ((expr[i - 1] == '.' && expr[i] == '.') ||
                     (expr[i - 1] == '-' && expr[i] == '>'));
      if (!inside && chance(0.2))
        result.append(uniform(1, 2), ' ');
      if (i < expr.size())
        result.push_back(expr[i]);
    }
    return result;
  }

  std::mt19937_64 rng;
};

//===----------------------------------------------------------------------===//
// Running a case and comparing
//===----------------------------------------------------------------------===//

bool isInteger(ein::DType dtype) {
  return dtype == ein::i32 || dtype == ein::i64;
}

/// Writes `v` as an element of `dtype` (dropping what the type cannot hold).
void store(ein::DType dtype, char *p, Complex v) {
  switch (dtype) {
  case ein::f32: {
    float x = float(v.real());
    std::memcpy(p, &x, sizeof(x));
    return;
  }
  case ein::f64: {
    double x = v.real();
    std::memcpy(p, &x, sizeof(x));
    return;
  }
  case ein::c64: {
    std::complex<float> x(float(v.real()), float(v.imag()));
    std::memcpy(p, &x, sizeof(x));
    return;
  }
  case ein::c128:
    std::memcpy(p, &v, sizeof(v));
    return;
  case ein::i32: {
    int32_t x = int32_t(v.real());
    std::memcpy(p, &x, sizeof(x));
    return;
  }
  case ein::i64: {
    int64_t x = int64_t(v.real());
    std::memcpy(p, &x, sizeof(x));
    return;
  }
  }
}

Complex load(ein::DType dtype, const char *p) {
  switch (dtype) {
  case ein::f32: {
    float x;
    std::memcpy(&x, p, sizeof(x));
    return x;
  }
  case ein::f64: {
    double x;
    std::memcpy(&x, p, sizeof(x));
    return x;
  }
  case ein::c64: {
    std::complex<float> x;
    std::memcpy(&x, p, sizeof(x));
    return Complex(x.real(), x.imag());
  }
  case ein::c128: {
    Complex x;
    std::memcpy(&x, p, sizeof(x));
    return x;
  }
  case ein::i32: {
    int32_t x;
    std::memcpy(&x, p, sizeof(x));
    return double(x);
  }
  case ein::i64: {
    int64_t x;
    std::memcpy(&x, p, sizeof(x));
    return double(x);
  }
  }
  return 0;
}

/// Random operands: integers in [-3, 3], reals in [-1, 1], complex numbers
/// with both parts in [-1, 1]. `values` holds exactly what `bytes` holds.
struct Inputs {
  std::vector<std::vector<char>> bytes;
  std::vector<std::vector<Complex>> values;
};

Inputs makeInputs(const Case &c, std::mt19937_64 &rng) {
  std::uniform_int_distribution<int> small(-3, 3);
  std::uniform_real_distribution<double> unit(-1, 1);
  size_t size = ein::dtypeSize(c.dtype);
  bool complex = c.dtype == ein::c64 || c.dtype == ein::c128;
  Inputs in;
  for (const ein::Shape &shape : c.shapes) {
    int64_t n = product(shape);
    std::vector<char> bytes(n * size + 16);
    std::vector<Complex> values(n);
    for (int64_t k = 0; k < n; ++k) {
      Complex v;
      if (isInteger(c.dtype))
        v = small(rng);
      else if (complex)
        v = Complex(unit(rng), unit(rng));
      else
        v = unit(rng);
      store(c.dtype, bytes.data() + k * size, v);
      values[k] = load(c.dtype, bytes.data() + k * size);
    }
    in.bytes.push_back(std::move(bytes));
    in.values.push_back(std::move(values));
  }
  return in;
}

/// Compiles and runs `c` and compares it with the reference: integers
/// exactly, floats within a tolerance relative to the dtype's rounding.
/// Returns "" when they agree, else what went wrong.
std::string check(ein::Jit &jit, const Case &c, std::mt19937_64 &rng,
                  const ein::CompileOptions &options = {}) {
  llvm::Expected<ein::Kernel> kernel =
      jit.compile(c.expr, c.shapes, c.dtype, options);
  if (!kernel)
    return "compile failed: " + llvm::toString(kernel.takeError());
  Einsum e = interpret(c.expr, c.shapes);
  Inputs in = makeInputs(c, rng);
  Expected want = reference(e, c.shapes, in.values);
  std::string meaning = " (reference output labels '" + e.output + "')";
  if (kernel->outputShape() != want.shape)
    return "output shape " + shapeString(kernel->outputShape()) + ", want " +
           shapeString(want.shape) + meaning;
  if (kernel->outputElements() != product(want.shape))
    return "outputElements() is " + std::to_string(kernel->outputElements()) +
           ", want " + std::to_string(product(want.shape));

  // Garbage in the output first: the kernel must overwrite all of it.
  size_t size = ein::dtypeSize(c.dtype);
  std::vector<char> out(want.values.size() * size + 16, 0x5a);
  std::vector<const void *> pointers;
  for (const std::vector<char> &b : in.bytes)
    pointers.push_back(b.data());
  if (llvm::Error err = (*kernel)(pointers, out.data()))
    return "run failed: " + llvm::toString(std::move(err));
  double tol = c.dtype == ein::f32 || c.dtype == ein::c64 ? 1e-5 : 1e-12;
  for (size_t k = 0; k < want.values.size(); ++k) {
    Complex got = load(c.dtype, out.data() + k * size);
    double err = std::abs(got - want.values[k]);
    bool ok = isInteger(c.dtype) ? err == 0
                                 : err <= tol * (want.magnitude[k] + 1e-300);
    if (!ok) {
      char buf[200];
      std::snprintf(buf, sizeof(buf),
                    "element %zu of %zu: got (%.17g, %.17g), want "
                    "(%.17g, %.17g)",
                    k, want.values.size(), got.real(), got.imag(),
                    want.values[k].real(), want.values[k].imag());
      return buf + meaning;
    }
  }
  return "";
}

/// What a case exercises, to show (and check) that the generator covers it.
struct Coverage {
  int cases = 0, implicit = 0, ellipsis = 0, unevenEllipsis = 0, diagonal = 0,
      sharedBy3 = 0, summed = 0, broadcast = 0, zeroSize = 0, spaces = 0,
      maxOperands = 0, maxRank = 0;
  int perDtype[6] = {};

  void add(const Case &c) {
    Einsum e = interpret(c.expr, c.shapes);
    std::map<char, int64_t> extent = labelExtents(e, c.shapes);
    std::map<char, int> operandsWith, uses;
    std::set<int> ellipsisCounts;
    bool diag = false, bcast = false, zero = false;
    for (size_t i = 0; i < e.inputs.size(); ++i) {
      const std::string &term = e.inputs[i];
      std::set<char> seen(term.begin(), term.end());
      diag |= seen.size() < term.size();
      for (char l : seen)
        ++operandsWith[l];
      for (size_t d = 0; d < term.size(); ++d) {
        ++uses[term[d]];
        bcast |= c.shapes[i][d] == 1 && extent[term[d]] != 1;
      }
      ellipsisCounts.insert(std::count_if(term.begin(), term.end(), [](char l) {
        return std::isdigit(static_cast<unsigned char>(l));
      }));
      maxRank = std::max(maxRank, int(term.size()));
    }
    bool shared3 = false, sum = false;
    for (auto [l, n] : operandsWith) {
      shared3 |= n >= 3;
      sum |= e.output.find(l) == std::string::npos;
    }
    for (auto [l, x] : extent)
      zero |= x == 0;
    ++cases;
    ++perDtype[c.dtype];
    implicit += e.implicit;
    ellipsis += c.expr.find("...") != std::string::npos;
    unevenEllipsis += ellipsisCounts.size() > 1;
    diagonal += diag;
    sharedBy3 += shared3;
    summed += sum;
    broadcast += bcast;
    zeroSize += zero;
    spaces += c.expr.find(' ') != std::string::npos;
    maxOperands = std::max(maxOperands, int(e.inputs.size()));
  }

  void print() const {
    std::printf("random einsum: %d cases; %d implicit, %d with '...' (%d "
                "covering different numbers of dims), %d diagonals, %d "
                "labels shared by 3+ operands, %d summed labels, %d size-1 "
                "broadcasts, %d zero-size, %d with spaces; up to %d operands "
                "of rank %d;",
                cases, implicit, ellipsis, unevenEllipsis, diagonal, sharedBy3,
                summed, broadcast, zeroSize, spaces, maxOperands, maxRank);
    for (int t = 0; t < 6; ++t)
      std::printf(" %s %d", ein::dtypeName(ein::DType(t)), perDtype[t]);
    std::printf("\n");
  }
};

//===----------------------------------------------------------------------===//
// Tests
//===----------------------------------------------------------------------===//

TEST(RandomEinsum, ReferenceFollowsNumPy) {
  // The interpreter: implicit outputs in ASCII order, after the ellipsis
  // dimensions; right-aligned ellipses of different lengths.
  EXPECT_EQ(interpret("ba", {{2, 3}}).output, "ab");
  EXPECT_EQ(interpret("bA,Ac", {{2, 3}, {3, 4}}).output, "bc");
  EXPECT_EQ(interpret("aB,Cd", {{2, 3}, {3, 4}}).output, "BCad");
  EXPECT_EQ(interpret("iij", {{2, 2, 3}}).output, "j");
  Einsum e = interpret(" a... , ...b ", {{2, 3, 4}, {4, 5}});
  EXPECT_EQ(e.inputs, (std::vector<std::string>{"a01", "1b"}));
  EXPECT_EQ(e.output, "01ab");
  EXPECT_EQ(interpret("b...a->a...", {{2, 3, 4}}).output, "a0");
  EXPECT_EQ(interpret("ij->...ji", {{2, 3}}).output, "ji");
  // The loop nest: a matrix product with a broadcast row, and a trace.
  Einsum mm = interpret("ij,jk->ik", {{1, 2}, {2, 2}});
  Expected r = reference(mm, {{1, 2}, {2, 2}}, {{1, 2}, {3, 4, 5, 6}});
  EXPECT_EQ(r.shape, (ein::Shape{1, 2}));
  EXPECT_EQ(r.values, (std::vector<Complex>{13, 16}));
  Expected trace =
      reference(interpret("ii", {{2, 2}}), {{2, 2}}, {{1, 2, 3, 4}});
  EXPECT_EQ(trace.values, (std::vector<Complex>{5}));
  Expected zero = reference(interpret("ij->i", {{2, 0}}), {{2, 0}}, {{}});
  EXPECT_EQ(zero.values, (std::vector<Complex>{0, 0}));
}

TEST(RandomEinsum, MatchesReferenceLoopNest) {
  Generator gen(20261122);
  std::mt19937_64 rng(42);
  ein::Jit jit;
  Coverage coverage;
  int failures = 0;
  for (int n = 0; n < 1100 && failures < 10; ++n) {
    Case c = gen.next();
    coverage.add(c);
    std::string problem = check(jit, c, rng);
    if (!problem.empty()) {
      ++failures;
      ADD_FAILURE() << "case " << n << ": " << c.describe() << ": " << problem;
    }
  }
  coverage.print();
  if (failures)
    return;
  // The generator really exercises what it claims to.
  EXPECT_GE(coverage.cases, 1000);
  for (int count :
       {coverage.implicit, coverage.ellipsis, coverage.unevenEllipsis,
        coverage.diagonal, coverage.sharedBy3, coverage.summed,
        coverage.broadcast, coverage.zeroSize, coverage.spaces})
    EXPECT_GT(count, 10);
  for (int count : coverage.perDtype)
    EXPECT_GT(count, 100);
  EXPECT_EQ(coverage.maxOperands, 5);
  EXPECT_EQ(coverage.maxRank, 5);
}

TEST(RandomEinsum, SlicedKernelsAgree) {
  // The same checks through sliced kernels: left-to-right trees make large
  // intermediates, and a limit of the largest operand or output forces the
  // JIT to loop over slices.
  Generator gen(7);
  std::mt19937_64 rng(8);
  ein::Jit jit;
  ein::CompileOptions options;
  options.path.algorithm = ein::PathAlgorithm::LeftToRight;
  int sliced = 0, failures = 0;
  for (int n = 0; n < 300 && failures < 5; ++n) {
    Case c = gen.next();
    if (c.shapes.size() < 3)
      continue;
    Einsum e = interpret(c.expr, c.shapes);
    std::map<char, int64_t> extent = labelExtents(e, c.shapes);
    double limit = 1;
    for (char l : e.output)
      limit *= double(extent[l]);
    for (const ein::Shape &shape : c.shapes)
      limit = std::max(limit, double(product(shape)));
    options.path.memoryLimit = std::max(limit, 1.0);
    llvm::Expected<ein::Kernel> kernel =
        jit.compile(c.expr, c.shapes, c.dtype, options);
    if (!kernel) {
      // Refused when slicing cannot reach the limit.
      llvm::consumeError(kernel.takeError());
      continue;
    }
    sliced += !kernel->path().slicedIndices.empty();
    std::string problem = check(jit, c, rng, options);
    if (!problem.empty()) {
      ++failures;
      ADD_FAILURE() << c.describe() << " (memory limit "
                    << options.path.memoryLimit << "): " << problem;
    }
  }
  std::printf("sliced kernels: %d\n", sliced);
  EXPECT_GT(sliced, 0);
}

/// Whether `c` compiles to the register-blocked vector code of
/// ein-vectorize-contractions (fused multiply-adds on vectors).
/// Whether the IR of `c` at `stage` contains `needle`.
bool irContains(const Case &c, ein::Stage stage, const char *needle) {
  std::vector<llvm::SmallVector<int64_t>> shapes;
  for (const ein::Shape &s : c.shapes)
    shapes.emplace_back(s.begin(), s.end());
  auto problem = ein::resolveEinsum(c.expr, shapes, c.dtype);
  if (!problem) {
    llvm::consumeError(problem.takeError());
    return false;
  }
  auto ctx = ein::createContext();
  auto module = ein::lowerEinsum(*ctx, *problem, "einsum", stage,
                                 ein::CompileOptions().path);
  if (!module) {
    llvm::consumeError(module.takeError());
    return false;
  }
  std::string text;
  llvm::raw_string_ostream os(text);
  (*module)->print(os);
  return text.find(needle) != std::string::npos;
}

bool usesBlockedKernel(const Case &c) {
  return irContains(c, ein::Stage::Linalg, "vector.fma");
}

/// Random choices for the layout tests.
struct Dice {
  std::mt19937_64 rng;
  int64_t pick(std::initializer_list<int64_t> options) {
    std::vector<int64_t> v(options);
    return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)];
  }
  std::string shuffled(std::string s) {
    std::shuffle(s.begin(), s.end(), rng);
    return s;
  }
};

/// A binary contraction of terms `a`, `b` -> `out` with the extents of
/// `extent`.
Case binaryCase(const std::string &a, const std::string &b,
                const std::string &out, std::map<char, int64_t> &extent,
                ein::DType dtype) {
  Case c;
  c.expr = a + "," + b + "->" + out;
  c.dtype = dtype;
  for (const std::string &term : {a, b}) {
    ein::Shape shape;
    for (char l : term)
      shape.push_back(extent[l]);
    c.shapes.push_back(shape);
  }
  return c;
}

TEST(RandomEinsum, BlockedKernelsMatchReference) {
  // Binary contractions shaped for the register-blocked path: batch, row
  // (m), column (n) and summed (k) label groups of one or two labels in
  // random orders, the block-divisible extents on the innermost row and
  // column, odd extents (1, 2, 3, 5, 7) elsewhere, so that slices of k of
  // every depth and operands in every layout are exercised; layouts whose
  // columns end no operand go through a transposed copy of B.
  Dice dice{std::mt19937_64(2026)};
  std::mt19937_64 values(5);
  auto pick = [&](std::initializer_list<int64_t> o) { return dice.pick(o); };
  auto shuffled = [&](std::string s) { return dice.shuffled(s); };
  ein::Jit jit;
  int blocked = 0, transposed = 0, failures = 0, cases = 0;
  for (int n = 0; n < 150 && failures < 5; ++n) {
    std::string pool = "abcdefghij";
    auto take = [&](int count) {
      std::string labels = pool.substr(0, count);
      pool.erase(0, count);
      return labels;
    };
    std::string batch = take(int(pick({0, 0, 1}))), m = take(int(pick({1, 2}))),
                cols = take(int(pick({1, 1, 2}))), k = take(int(pick({1, 2})));
    ein::DType dtype = pick({0, 1}) ? ein::f64 : ein::f32;
    std::map<char, int64_t> extent;
    for (char l : batch + m + cols + k)
      extent[l] = pick({1, 2, 3, 5, 7});
    extent[m.back()] = pick({4, 8, 12});
    extent[cols.back()] = dtype == ein::f32 ? pick({16, 32}) : pick({8, 16});
    bool blockable = pick({0, 1, 1, 1});
    // Blockable: C and B end with the innermost column label, C's row
    // label before it. Otherwise any order.
    std::string a = shuffled(batch + m + k);
    std::string b =
        blockable ? shuffled(batch + k + cols.substr(0, cols.size() - 1)) +
                        cols.back()
                  : shuffled(batch + k + cols);
    std::string out = blockable ? shuffled(batch + m.substr(0, m.size() - 1) +
                                           cols.substr(0, cols.size() - 1)) +
                                      m.back() + cols.back()
                                : shuffled(batch + m + cols);
    Case c = binaryCase(a, b, out, extent, dtype);
    if (iterations(interpret(c.expr, c.shapes), c.shapes) > 200000)
      continue;
    ++cases;
    blocked += usesBlockedKernel(c);
    transposed += irContains(c, ein::Stage::Linalg, "linalg.transpose");
    std::string problem = check(jit, c, values);
    if (!problem.empty()) {
      ++failures;
      ADD_FAILURE() << c.describe() << ": " << problem;
    }
  }
  std::printf("blocked kernels: %d of %d cases, %d of them with B packed "
              "transposed\n",
              blocked, cases, transposed);
  EXPECT_GT(blocked - transposed, 40);
  EXPECT_GT(transposed, 10);
}

TEST(RandomEinsum, ThreadedKernelsDoNotDependOnThreadCount) {
  // Contractions large enough for parallel block loops (1-4 M
  // multiply-adds), batch/row/column/summed groups in random layouts, the
  // edge extents 1, 2, 3, 17, 31, 33 and 127 anywhere, and the innermost row
  // and column block-divisible or not. Each runs on 1, 2 and 3 threads:
  // the results must be bitwise equal, and equal to the reference.
  Dice dice{std::mt19937_64(77)};
  std::mt19937_64 values(9);
  auto pick = [&](std::initializer_list<int64_t> o) { return dice.pick(o); };
  auto shuffled = [&](std::string s) { return dice.shuffled(s); };
  ein::Jit jit;
  int parallel = 0, cases = 0, failures = 0;
  auto runCase = [&](const Case &c) {
    parallel += irContains(c, ein::Stage::LLVMDialect, "omp.parallel");
    ein::setNumThreads(1);
    std::string problem = check(jit, c, values);
    llvm::Expected<ein::Kernel> kernel = jit.compile(c.expr, c.shapes, c.dtype);
    ASSERT_TRUE(bool(kernel)) << llvm::toString(kernel.takeError());
    Inputs in = makeInputs(c, values);
    std::vector<const void *> pointers;
    for (const std::vector<char> &bytes : in.bytes)
      pointers.push_back(bytes.data());
    size_t bytes = size_t(kernel->outputElements()) * ein::dtypeSize(c.dtype);
    std::vector<std::vector<char>> results;
    for (int threads : {1, 2, 3}) {
      ein::setNumThreads(threads);
      results.emplace_back(bytes, 0x5a);
      if (llvm::Error err = (*kernel)(pointers, results.back().data()))
        problem += llvm::toString(std::move(err));
      if (results.back() != results.front())
        problem += " differs on " + std::to_string(threads) + " threads;";
    }
    if (!problem.empty()) {
      ++failures;
      ADD_FAILURE() << c.describe() << ": " << problem;
    }
  };
  for (int n = 0; cases < 24 && n < 2000 && failures < 3; ++n) {
    std::string pool = "abcdefghij";
    auto take = [&](int count) {
      std::string labels = pool.substr(0, count);
      pool.erase(0, count);
      return labels;
    };
    std::string batch = take(int(pick({0, 1}))), m = take(int(pick({1, 2}))),
                cols = take(int(pick({1, 2}))), k = take(int(pick({1, 2})));
    ein::DType dtype = pick({0, 1}) ? ein::f64 : ein::f32;
    std::map<char, int64_t> extent;
    for (char l : batch + m + cols + k)
      extent[l] = pick({1, 2, 3, 17, 31, 33, 127});
    if (pick({0, 1, 1})) {
      extent[m.back()] = pick({32, 64, 128});
      extent[cols.back()] = pick({32, 64, 128});
    }
    std::string a = shuffled(batch + m + k);
    std::string b =
        shuffled(batch + k + cols.substr(0, cols.size() - 1)) + cols.back();
    std::string out = shuffled(batch + m.substr(0, m.size() - 1) +
                               cols.substr(0, cols.size() - 1)) +
                      m.back() + cols.back();
    Case c = binaryCase(a, b, out, extent, dtype);
    int64_t work = iterations(interpret(c.expr, c.shapes), c.shapes);
    if (work < (int64_t(1) << 20) || work > (int64_t(4) << 20))
      continue;
    ++cases;
    runCase(c);
  }
  // Cache panels with packed B (B of 1-2 MiB, over half of any L2 up to
  // 2 MiB; 1024 columns, which every panel width divides), in both layouts
  // of C and with a batch.
  for (Case c :
       {Case{"ik,kj->ij", {{64, 256}, {256, 1024}}, ein::f32},
        Case{"kj,ik->ji", {{256, 1024}, {64, 256}}, ein::f64},
        Case{"bik,bkj->bij", {{2, 64, 256}, {2, 256, 1024}}, ein::f32}}) {
    EXPECT_TRUE(irContains(c, ein::Stage::Linalg, "linalg.copy"))
        << c.describe() << " is not packed";
    runCase(c);
  }
  ein::setNumThreads(0);
  std::printf("parallel kernels: %d of %d cases\n", parallel, cases);
  EXPECT_EQ(cases, 24);
  EXPECT_GT(parallel, 11);
  EXPECT_GT(cases - parallel, 2);
}

TEST(RandomEinsum, Classics) {
  struct Classic {
    const char *expr;
    std::vector<ein::Shape> shapes;
  };
  const std::vector<Classic> classics = {
      {"ij,jk->ik", {{2, 3}, {3, 4}}},
      {"ii->i", {{3, 3}}},
      {"ii", {{4, 4}}},
      {"ijji->", {{2, 3, 3, 2}}},
      {"iij->j", {{3, 3, 2}}},
      {"...ij,...jk", {{2, 2, 3}, {2, 3, 2}}},
      {"i,i", {{5}, {5}}},
      {"ij->", {{2, 3}}},
      {",ij->ij", {{}, {2, 3}}},
      {"ab,bc,cd,de->ae", {{2, 3}, {3, 2}, {2, 4}, {4, 2}}},
      {"bij,bjk->bik", {{2, 2, 3}, {2, 3, 2}}},
      {"a...,...->a...", {{2, 3}, {3}}},
      {"ij,ij->ij", {{1, 3}, {2, 3}}},
      {"ij,jk->ik", {{2, 1}, {3, 4}}},
      {"ba", {{2, 3}}},
      {"Ab,bC", {{2, 3}, {3, 4}}},
      {"...i,i...->...", {{2, 1, 3}, {3, 4}}},
      {"ij,jk->ik", {{2, 0}, {0, 3}}},
  };
  ein::Jit jit;
  std::mt19937_64 rng(1);
  int failures = 0;
  for (const Classic &classic : classics)
    for (int t = 0; t < 6 && failures < 10; ++t) {
      Case c{classic.expr, classic.shapes, ein::DType(t)};
      std::string problem = check(jit, c, rng);
      failures += !problem.empty();
      EXPECT_EQ(problem, "") << c.describe();
    }
}

} // namespace
