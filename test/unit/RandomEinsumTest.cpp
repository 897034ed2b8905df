//===- RandomEinsumTest.cpp - JIT vs a reference loop nest ----------------===//
//
// Generates random NumPy einsum expressions (1-5 operands, ranks 0-5,
// repeated labels, shared and summed labels, ellipses covering different
// numbers of dimensions, size-1 broadcasting, zero-size dimensions,
// whitespace, implicit and explicit outputs, all dtypes) and checks the JIT
// against a reference written here, independently of the compiler: it
// expands the expression itself and sums over every assignment of every
// label in one plain loop nest.
//
//===----------------------------------------------------------------------===//

#include "einc/einc.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <complex>
#include <cstdio>
#include <map>
#include <random>

namespace {

using Complex = std::complex<double>;

/// One dimension of an operand: a label (letters, or '0'+k for the k-th
/// ellipsis dimension counted from the left of the broadcast shape) and
/// its extent in this operand.
struct Dim {
  char label;
  int64_t extent;
};

struct Case {
  std::string expr;
  std::vector<std::vector<Dim>> operands;
  std::string outputLabels; ///< empty string and `implicit` for implicit
  bool implicit = false;
  int ellipsisDims = 0;
  ein::DType dtype = ein::f32;

  std::vector<ein::Shape> shapes() const {
    std::vector<ein::Shape> result;
    for (const auto &op : operands) {
      ein::Shape s;
      for (const Dim &d : op)
        s.push_back(d.extent);
      result.push_back(s);
    }
    return result;
  }
  std::string describe() const {
    std::string s = "'" + expr + "' shapes";
    for (const auto &shape : shapes()) {
      s += " (";
      for (size_t i = 0; i < shape.size(); ++i)
        s += (i ? "," : "") + std::to_string(shape[i]);
      s += ")";
    }
    return s + " dtype " + ein::dtypeName(dtype);
  }
};

/// Random valid expressions with their operand dimensions.
class Generator {
public:
  explicit Generator(uint64_t seed) : rng(seed) {}

  Case next() {
    for (;;) {
      Case c = attempt();
      if (iterations(c) <= 20000)
        return c;
    }
  }

  /// Work of the reference: the product of all label extents.
  static int64_t iterations(const Case &c) {
    std::map<char, int64_t> extents;
    for (const auto &op : c.operands)
      for (const Dim &d : op)
        extents[d.label] = std::max(extents[d.label], d.extent);
    int64_t n = 1;
    for (auto [label, e] : extents)
      n *= std::max<int64_t>(e, 1);
    return n;
  }

private:
  int uniform(int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng);
  }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng); }

  Case attempt() {
    static const std::string pool = "abcdijkAB";
    Case c;
    c.dtype = static_cast<ein::DType>(uniform(0, 5));
    std::map<char, int64_t> extent;
    for (char l : pool)
      extent[l] = chance(0.04) ? 0 : uniform(1, 4);
    bool useEllipsis = chance(0.25);
    c.ellipsisDims = useEllipsis ? uniform(0, 2) : 0;
    std::vector<int64_t> ellipsisExtent;
    for (int k = 0; k < c.ellipsisDims; ++k)
      ellipsisExtent.push_back(uniform(1, 3));

    int numOperands = uniform(1, 5);
    std::vector<std::string> terms;
    bool anyCovered = false;
    for (int i = 0; i < numOperands; ++i) {
      bool hasEllipsis = useEllipsis && chance(0.7);
      int covered = hasEllipsis ? uniform(0, c.ellipsisDims) : 0;
      anyCovered |= covered > 0;
      int letters = uniform(0, 5 - covered);
      std::string labels;
      for (int k = 0; k < letters; ++k) {
        // Repeat a label of this operand now and then (a diagonal).
        if (!labels.empty() && chance(0.12))
          labels.push_back(labels[uniform(0, labels.size() - 1)]);
        else
          labels.push_back(pool[uniform(0, pool.size() - 1)]);
      }
      int at = hasEllipsis ? uniform(0, labels.size()) : -1;
      std::vector<Dim> dims;
      std::string term;
      auto addLetter = [&](char l) {
        // Size-1 broadcasting, except for labels repeated in this operand
        // (NumPy needs equal extents there).
        bool repeated = std::count(labels.begin(), labels.end(), l) > 1;
        int64_t e = !repeated && extent[l] > 1 && chance(0.1) ? 1 : extent[l];
        dims.push_back({l, e});
        term.push_back(l);
      };
      for (int k = 0; k <= int(labels.size()); ++k) {
        if (k == at) {
          term += "...";
          for (int d = c.ellipsisDims - covered; d < c.ellipsisDims; ++d)
            dims.push_back(
                {char('0' + d), chance(0.15) ? 1 : ellipsisExtent[d]});
        }
        if (k < int(labels.size()))
          addLetter(labels[k]);
      }
      c.operands.push_back(dims);
      terms.push_back(term);
    }

    std::string expr;
    for (size_t i = 0; i < terms.size(); ++i)
      expr += (i ? "," : "") + terms[i];
    c.implicit = chance(0.4);
    if (!c.implicit) {
      std::string used;
      for (const std::string &t : terms)
        for (char l : t)
          if (l != '.' && used.find(l) == std::string::npos)
            used.push_back(l);
      std::shuffle(used.begin(), used.end(), rng);
      std::string out = used.substr(0, uniform(0, used.size()));
      std::string outTerm = out;
      // NumPy needs '...' in an explicit output whenever an ellipsis
      // covers dimensions; it is allowed (covering none) otherwise.
      if (anyCovered || (useEllipsis && chance(0.5))) {
        int at = uniform(0, out.size());
        outTerm = out.substr(0, at) + "..." + out.substr(at);
        std::string expanded = out.substr(0, at);
        for (int d = 0; d < c.ellipsisDims; ++d)
          expanded.push_back(char('0' + d));
        out = expanded + out.substr(at);
      }
      c.outputLabels = out;
      expr += "->" + outTerm;
    } else {
      std::map<char, int> count;
      for (const auto &op : c.operands)
        for (const Dim &d : op)
          if (!std::isdigit(static_cast<unsigned char>(d.label)))
            ++count[d.label];
      for (int d = 0; d < c.ellipsisDims; ++d)
        c.outputLabels.push_back(char('0' + d));
      for (auto [label, n] : count) // std::map: ASCII order, as NumPy
        if (n == 1)
          c.outputLabels.push_back(label);
    }
    // Ellipsis dimensions that no operand covers do not exist.
    std::string present, kept;
    for (const auto &op : c.operands)
      for (const Dim &d : op)
        present.push_back(d.label);
    for (char l : c.outputLabels)
      if (present.find(l) != std::string::npos)
        kept.push_back(l);
    c.outputLabels = kept;
    // Whitespace around terms and the arrow (NumPy ignores it).
    if (chance(0.2)) {
      std::string spaced = " ";
      for (size_t i = 0; i < expr.size(); ++i) {
        if (expr[i] == ',' || expr.compare(i, 2, "->") == 0)
          spaced.push_back(' ');
        spaced.push_back(expr[i]);
        if (expr[i] == ',' || expr[i] == '>')
          spaced.push_back(' ');
      }
      expr = spaced + " ";
    }
    c.expr = expr;
    return c;
  }

  std::mt19937_64 rng;
};

/// The reference: every label's extent is the largest of its dimensions
/// (1 broadcasts); sum the products over every assignment of all labels.
struct Reference {
  ein::Shape shape;
  std::vector<Complex> values;   ///< exact for integers (small values)
  std::vector<double> magnitude; ///< sum of |product| per element
};

Reference reference(const Case &c,
                    const std::vector<std::vector<Complex>> &in) {
  std::string labels;
  std::map<char, int64_t> extent;
  for (const auto &op : c.operands)
    for (const Dim &d : op) {
      if (labels.find(d.label) == std::string::npos)
        labels.push_back(d.label);
      extent[d.label] = std::max(extent[d.label], d.extent);
    }
  // A label with a zero-size dimension has extent 0 (NumPy broadcasts 1
  // against 0 too).
  for (const auto &op : c.operands)
    for (const Dim &d : op)
      if (d.extent == 0)
        extent[d.label] = 0;
  Reference r;
  for (char l : c.outputLabels)
    r.shape.push_back(extent[l]);
  int64_t outSize = 1;
  for (int64_t e : r.shape)
    outSize *= e;
  r.values.assign(outSize, 0);
  r.magnitude.assign(outSize, 0);
  int64_t total = 1;
  for (char l : labels)
    total *= extent[l];
  std::map<char, int64_t> value;
  std::vector<int64_t> index(labels.size(), 0);
  for (int64_t it = 0; it < total; ++it) {
    for (size_t k = 0; k < labels.size(); ++k)
      value[labels[k]] = index[k];
    Complex product = 1;
    for (size_t i = 0; i < c.operands.size(); ++i) {
      int64_t offset = 0;
      for (const Dim &d : c.operands[i])
        offset = offset * d.extent + (d.extent == 1 ? 0 : value[d.label]);
      product *= in[i][offset];
    }
    int64_t out = 0;
    for (size_t k = 0; k < c.outputLabels.size(); ++k)
      out = out * r.shape[k] + value[c.outputLabels[k]];
    r.values[out] += product;
    r.magnitude[out] += std::abs(product);
    for (int64_t k = int64_t(labels.size()) - 1; k >= 0; --k) {
      if (++index[k] < extent[labels[k]])
        break;
      index[k] = 0;
    }
  }
  return r;
}

/// Random inputs in the case's dtype, and the same values as Complex.
struct Inputs {
  std::vector<std::vector<char>> bytes;
  std::vector<std::vector<Complex>> values;
};

Inputs makeInputs(const Case &c, std::mt19937_64 &rng) {
  Inputs in;
  std::uniform_int_distribution<int> small(-3, 3);
  std::uniform_real_distribution<double> unit(-1, 1);
  size_t size = ein::dtypeSize(c.dtype);
  for (const ein::Shape &shape : c.shapes()) {
    int64_t n = 1;
    for (int64_t e : shape)
      n *= e;
    std::vector<char> bytes(n * size + 16);
    std::vector<Complex> values(n);
    for (int64_t k = 0; k < n; ++k) {
      char *p = bytes.data() + k * size;
      switch (c.dtype) {
      case ein::i32: {
        int32_t v = small(rng);
        std::memcpy(p, &v, 4);
        values[k] = v;
        break;
      }
      case ein::i64: {
        int64_t v = small(rng);
        std::memcpy(p, &v, 8);
        values[k] = double(v);
        break;
      }
      case ein::f32: {
        float v = float(unit(rng));
        std::memcpy(p, &v, 4);
        values[k] = v;
        break;
      }
      case ein::f64: {
        double v = unit(rng);
        std::memcpy(p, &v, 8);
        values[k] = v;
        break;
      }
      case ein::c64: {
        std::complex<float> v(float(unit(rng)), float(unit(rng)));
        std::memcpy(p, &v, 8);
        values[k] = Complex(v.real(), v.imag());
        break;
      }
      case ein::c128: {
        Complex v(unit(rng), unit(rng));
        std::memcpy(p, &v, 16);
        values[k] = v;
        break;
      }
      }
    }
    in.bytes.push_back(std::move(bytes));
    in.values.push_back(std::move(values));
  }
  return in;
}

Complex readOutput(const std::vector<char> &out, ein::DType dtype, int64_t k) {
  const char *p = out.data() + k * ein::dtypeSize(dtype);
  switch (dtype) {
  case ein::i32: {
    int32_t v;
    std::memcpy(&v, p, 4);
    return double(v);
  }
  case ein::i64: {
    int64_t v;
    std::memcpy(&v, p, 8);
    return double(v);
  }
  case ein::f32: {
    float v;
    std::memcpy(&v, p, 4);
    return v;
  }
  case ein::f64: {
    double v;
    std::memcpy(&v, p, 8);
    return v;
  }
  case ein::c64: {
    std::complex<float> v;
    std::memcpy(&v, p, 8);
    return Complex(v.real(), v.imag());
  }
  case ein::c128: {
    Complex v;
    std::memcpy(&v, p, 16);
    return v;
  }
  }
  return 0;
}

/// Compiles and runs `c`, compares with the reference; "" when they agree.
std::string check(ein::Jit &jit, const Case &c, std::mt19937_64 &rng,
                  const ein::CompileOptions &options = {}) {
  auto kernel = jit.compile(c.expr, c.shapes(), c.dtype, options);
  if (!kernel)
    return "compile failed: " + llvm::toString(kernel.takeError());
  Inputs in = makeInputs(c, rng);
  Reference want = reference(c, in.values);
  if (kernel->outputShape() != want.shape)
    return "output shape differs from the reference";
  std::vector<char> out(kernel->outputElements() * ein::dtypeSize(c.dtype) +
                        16);
  std::vector<const void *> pointers;
  for (const auto &b : in.bytes)
    pointers.push_back(b.data());
  if (llvm::Error e = (*kernel)(pointers, out.data()))
    return "run failed: " + llvm::toString(std::move(e));
  bool exact = c.dtype == ein::i32 || c.dtype == ein::i64;
  double tol = (c.dtype == ein::f32 || c.dtype == ein::c64) ? 1e-5 : 1e-12;
  for (size_t k = 0; k < want.values.size(); ++k) {
    Complex got = readOutput(out, c.dtype, k);
    double err = std::abs(got - want.values[k]);
    bool ok = exact ? err == 0 : err <= tol * (want.magnitude[k] + 1e-30);
    if (!ok) {
      char buf[160];
      std::snprintf(buf, sizeof(buf),
                    "element %zu: got (%g, %g), want (%g, %g)", k, got.real(),
                    got.imag(), want.values[k].real(), want.values[k].imag());
      return buf;
    }
  }
  return "";
}

TEST(RandomEinsum, MatchesReferenceLoopNest) {
  Generator gen(20261122);
  std::mt19937_64 rng(42);
  ein::Jit jit;
  std::map<std::string, int> perDtype;
  int failures = 0, withEllipsis = 0, implicit = 0;
  const int cases = 1100;
  for (int n = 0; n < cases && failures < 10; ++n) {
    Case c = gen.next();
    std::string problem = check(jit, c, rng);
    if (!problem.empty()) {
      ++failures;
      ADD_FAILURE() << "case " << n << ": " << c.describe() << ": " << problem;
    }
    ++perDtype[ein::dtypeName(c.dtype)];
    withEllipsis += c.expr.find("...") != std::string::npos;
    implicit += c.implicit;
  }
  std::printf("random einsum: %d cases (%d with '...', %d implicit):", cases,
              withEllipsis, implicit);
  for (auto [name, n] : perDtype)
    std::printf(" %s %d", name.c_str(), n);
  std::printf("\n");
}

TEST(RandomEinsum, SlicedKernelsAgree) {
  // The same checks through sliced kernels: left-to-right trees make large
  // intermediates, and a limit of the largest operand forces the JIT to
  // loop over slices.
  Generator gen(7);
  std::mt19937_64 rng(8);
  ein::Jit jit;
  ein::CompileOptions options;
  options.path.algorithm = ein::PathAlgorithm::LeftToRight;
  int sliced = 0, failures = 0;
  for (int n = 0; n < 400 && failures < 5; ++n) {
    Case c = gen.next();
    if (c.operands.size() < 3)
      continue;
    // The limit is the largest operand or output, so slicing can work.
    double limit = 1;
    for (const auto &shape : c.shapes()) {
      double size = 1;
      for (int64_t e : shape)
        size *= e;
      limit = std::max(limit, size);
    }
    options.path.memoryLimit = limit;
    auto kernel = jit.compile(c.expr, c.shapes(), c.dtype, options);
    if (!kernel) {
      // Refused when the output itself is larger than the limit.
      llvm::consumeError(kernel.takeError());
      continue;
    }
    sliced += !kernel->path().slicedIndices.empty();
    std::string problem = check(jit, c, rng, options);
    if (!problem.empty()) {
      ++failures;
      ADD_FAILURE() << c.describe() << " (memory limit " << limit
                    << "): " << problem;
    }
  }
  std::printf("sliced kernels: %d\n", sliced);
  EXPECT_GT(sliced, 0);
}

TEST(RandomEinsum, Classics) {
  ein::Jit jit;
  std::mt19937_64 rng(1);
  auto letters =
      [](std::initializer_list<std::pair<const char *, ein::Shape>> ops) {
        std::vector<std::vector<Dim>> result;
        for (auto &[labels, shape] : ops) {
          std::vector<Dim> dims;
          for (size_t d = 0; d < shape.size(); ++d)
            dims.push_back({labels[d], shape[d]});
          result.push_back(dims);
        }
        return result;
      };
  struct Classic {
    const char *expr, *output;
    std::vector<std::vector<Dim>> ops;
  };
  std::vector<Classic> classics = {
      {"ij,jk->ik", "ik", letters({{"ij", {2, 3}}, {"jk", {3, 4}}})},
      {"ii->i", "i", letters({{"ii", {3, 3}}})},
      {"ii", "", letters({{"ii", {4, 4}}})},
      {"ijji->", "", letters({{"ijji", {2, 3, 3, 2}}})},
      {"iij->j", "j", letters({{"iij", {3, 3, 2}}})},
      {"i,i", "", letters({{"i", {5}}, {"i", {5}}})},
      {"ij->", "", letters({{"ij", {2, 3}}})},
      {",ij->ij", "ij", letters({{"", {}}, {"ij", {2, 3}}})},
      {"ab,bc,cd,de->ae", "ae",
       letters(
           {{"ab", {2, 3}}, {"bc", {3, 2}}, {"cd", {2, 4}}, {"de", {4, 2}}})},
      {"bij,bjk->bik", "bik",
       letters({{"bij", {2, 2, 3}}, {"bjk", {2, 3, 2}}})},
      {"ij,ij->ij", "ij", letters({{"ij", {1, 3}}, {"ij", {2, 3}}})},
      {"ij,jk->ik", "ik", letters({{"ij", {2, 1}}, {"jk", {3, 4}}})},
      {"...ij,...jk", "0ik", letters({{"0ij", {2, 2, 3}}, {"0jk", {2, 3, 2}}})},
      {"a...,...->a...", "a0", letters({{"a0", {2, 3}}, {"0", {3}}})},
  };
  for (const Classic &k : classics)
    for (ein::DType dtype :
         {ein::f32, ein::f64, ein::c64, ein::c128, ein::i32, ein::i64}) {
      Case c;
      c.expr = k.expr;
      c.outputLabels = k.output;
      c.operands = k.ops;
      c.dtype = dtype;
      std::string problem = check(jit, c, rng);
      EXPECT_EQ(problem, "") << c.describe();
    }
}

} // namespace
