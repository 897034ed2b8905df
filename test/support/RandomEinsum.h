//===- RandomEinsum.h - Random einsums and a reference loop nest -*- C++
//-*-===//
//
// Shared by the randomized unit tests and the compile fuzzer: a seeded
// generator of valid NumPy einsum expressions with small random shapes, an
// interpreter of NumPy's rules (ellipses, implicit outputs, broadcasting),
// a plain loop nest that computes the reference result, and `check`, which
// compiles a case through ein::Jit, runs it and compares.
//
//===----------------------------------------------------------------------===//

#ifndef EINC_TEST_SUPPORT_RANDOMEINSUM_H
#define EINC_TEST_SUPPORT_RANDOMEINSUM_H

#include "einc/einc.h"
#include "einrt/einrt.h"

#include <algorithm>
#include <cctype>
#include <complex>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <sys/mman.h>
#include <unistd.h>

namespace ein::oracle {

using Complex = std::complex<double>;

/// The reference loop nest runs at most this many iterations per case.
inline constexpr int64_t kMaxIterations = 20000;

inline int64_t product(const ein::Shape &shape) {
  int64_t n = 1;
  for (int64_t e : shape)
    n *= e;
  return n;
}

inline std::string shapeString(const ein::Shape &shape) {
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
inline Einsum interpret(const std::string &expr,
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
inline std::map<char, int64_t>
labelExtents(const Einsum &e, const std::vector<ein::Shape> &shapes) {
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
inline int64_t iterations(const Einsum &e,
                          const std::vector<ein::Shape> &shapes) {
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
inline Expected reference(const Einsum &e,
                          const std::vector<ein::Shape> &shapes,
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

inline bool isInteger(ein::DType dtype) {
  return dtype == ein::i32 || dtype == ein::i64;
}

/// Writes `v` as an element of `dtype` (dropping what the type cannot hold).
inline void store(ein::DType dtype, char *p, Complex v) {
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
  case ein::f16:
  case ein::bf16: {
    uint16_t x = dtype == ein::f16 ? einrt_f32_to_f16(float(v.real()))
                                   : einrt_f32_to_bf16(float(v.real()));
    std::memcpy(p, &x, sizeof(x));
    return;
  }
  }
}

inline Complex load(ein::DType dtype, const char *p) {
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
  case ein::f16:
  case ein::bf16: {
    uint16_t x;
    std::memcpy(&x, p, sizeof(x));
    return double(dtype == ein::f16 ? einrt_f16_to_f32(x)
                                    : einrt_bf16_to_f32(x));
  }
  }
  return 0;
}

/// Bytes that end exactly where an inaccessible page begins, so that a
/// kernel reading or writing past the end of its operand crashes instead
/// of passing by luck (the JIT's code is not instrumented by sanitizers).
class GuardedBytes {
public:
  explicit GuardedBytes(size_t size, char fill = 0) : length(size) {
    size_t page = size_t(sysconf(_SC_PAGESIZE));
    mapped = (size + page - 1) / page * page + page;
    void *p = mmap(nullptr, mapped, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
      std::perror("mmap");
      std::abort();
    }
    base = static_cast<char *>(p);
    mprotect(base + mapped - page, page, PROT_NONE);
    bytes = base + mapped - page - size;
    std::memset(bytes, fill, size);
  }
  GuardedBytes(GuardedBytes &&other) noexcept
      : base(other.base), bytes(other.bytes), mapped(other.mapped),
        length(other.length) {
    other.base = nullptr;
  }
  GuardedBytes(const GuardedBytes &) = delete;
  GuardedBytes &operator=(const GuardedBytes &) = delete;
  GuardedBytes &operator=(GuardedBytes &&) = delete;
  ~GuardedBytes() {
    if (base)
      munmap(base, mapped);
  }
  char *data() const { return bytes; }
  size_t size() const { return length; }

private:
  char *base = nullptr, *bytes = nullptr;
  size_t mapped = 0, length = 0;
};

/// Random choices for the layout tests: one of some options, a shuffle.
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

/// The first `count` labels of `pool`, removed from it.
inline std::string takeLabels(std::string &pool, int count) {
  std::string labels = pool.substr(0, count);
  pool.erase(0, count);
  return labels;
}

/// A binary contraction of terms `a`, `b` -> `out` with the extents of
/// `extent`.
inline Case binaryCase(const std::string &a, const std::string &b,
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

/// A random binary contraction for the GPU's tiled kernels: batch, M, N and
/// K label groups of one or two labels (the first optional) in random
/// orders in each operand, one label of M, N and K large enough for a
/// tiled kernel with partial tiles at the edges, the others 1 to 3; f32,
/// f64, f16 or bf16.
inline Case randomContraction(Dice &dice) {
  auto pick = [&](std::initializer_list<int64_t> o) { return dice.pick(o); };
  auto shuffled = [&](std::string s) { return dice.shuffled(s); };
  std::string pool = "abcdefghij";
  auto take = [&](int64_t count) { return takeLabels(pool, int(count)); };
  std::string batch = take(pick({0, 0, 1})), m = take(pick({1, 1, 2})),
              cols = take(pick({1, 1, 2})), k = take(pick({1, 1, 2}));
  auto dtype =
      ein::DType(pick({ein::f32, ein::f32, ein::f64, ein::f16, ein::bf16}));
  std::map<char, int64_t> extent;
  for (char l : batch + m + cols + k)
    extent[l] = pick({1, 2, 3});
  extent[m.back()] = pick({17, 40, 70, 129});
  extent[cols.back()] = pick({16, 33, 65, 100});
  extent[k.back()] = pick({16, 23, 48, 81});
  std::string a = shuffled(batch + m + k), b = shuffled(batch + k + cols),
              out = shuffled(batch + m + cols);
  return binaryCase(a, b, out, extent, dtype);
}

/// Random operands: integers in [-3, 3], reals in [-1, 1], complex numbers
/// with both parts in [-1, 1]. `values` holds exactly what `bytes` holds.
struct Inputs {
  std::vector<GuardedBytes> bytes;
  std::vector<std::vector<Complex>> values;
};

inline Inputs makeInputs(const Case &c, std::mt19937_64 &rng) {
  std::uniform_int_distribution<int> small(-3, 3);
  std::uniform_real_distribution<double> unit(-1, 1);
  size_t size = ein::dtypeSize(c.dtype);
  bool complex = c.dtype == ein::c64 || c.dtype == ein::c128;
  Inputs in;
  for (const ein::Shape &shape : c.shapes) {
    int64_t n = product(shape);
    GuardedBytes bytes(n * size);
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
inline std::string check(ein::Jit &jit, const Case &c, std::mt19937_64 &rng,
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
  GuardedBytes out(want.values.size() * size, 0x5a);
  std::vector<const void *> pointers;
  for (const GuardedBytes &b : in.bytes)
    pointers.push_back(b.data());
  if (llvm::Error err = (*kernel)(pointers, out.data()))
    return "run failed: " + llvm::toString(std::move(err));
  // f16 and bf16 sum in f32 and round each result once: half an ulp
  // (2^-11, 2^-9 relative) per contraction of the path, whose intermediates
  // are stored in the same type.
  double steps = double(std::max<size_t>(1, c.shapes.size() - 1));
  // TF32 keeps 10 of f32's mantissa bits of each operand.
  bool tf32 = c.dtype == ein::f32 && options.allowTF32;
  double tol = c.dtype == ein::f16                          ? 1e-3 * steps
               : c.dtype == ein::bf16                       ? 8e-3 * steps
               : tf32                                       ? 3e-3 * steps
               : c.dtype == ein::f32 || c.dtype == ein::c64 ? 1e-5
                                                            : 1e-12;
  for (size_t k = 0; k < want.values.size(); ++k) {
    Complex got = load(c.dtype, out.data() + k * size);
    double err = std::abs(got - want.values[k]);
    // f16's subnormals are spaced 2^-24 apart whatever the magnitude.
    double floor = c.dtype == ein::f16 ? 0x1p-24 * steps : 1e-300;
    bool ok =
        isInteger(c.dtype) ? err == 0 : err <= tol * want.magnitude[k] + floor;
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

} // namespace ein::oracle

#endif // EINC_TEST_SUPPORT_RANDOMEINSUM_H
