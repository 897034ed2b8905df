//===- Peers.cpp - OpenBLAS, Eigen and a naive loop nest ------------------===//

#include "Peers.h"

#include <cblas.h>
#include <unsupported/Eigen/CXX11/Tensor>

#include <chrono>
#include <complex>
#include <cstring>
#include <thread>

using mlir::ein::LabelExtents;
using mlir::ein::Subscripts;

namespace einc {
namespace {

bool has(const std::string &s, char c) {
  return s.find(c) != std::string::npos;
}

/// Copies `src` (labels `from`) into `dst` laid out by `to`, a permutation
/// of the same labels.
template <typename T>
void permute(const T *src, const std::string &from, T *dst,
             const std::string &to, const LabelExtents &extents) {
  size_t rank = to.size();
  std::vector<int64_t> size(rank), stride(rank);
  int64_t count = 1;
  for (size_t d = 0; d < rank; ++d) {
    size[d] = extents[static_cast<unsigned char>(to[d])];
    count *= size[d];
    int64_t s = 1;
    for (size_t e = from.find(to[d]) + 1; e < from.size(); ++e)
      s *= extents[static_cast<unsigned char>(from[e])];
    stride[d] = s;
  }
  std::vector<int64_t> index(rank, 0);
  int64_t offset = 0;
  for (int64_t i = 0; i < count; ++i) {
    dst[i] = src[offset];
    for (size_t d = rank; d-- > 0;) {
      offset += stride[d];
      if (++index[d] < size[d])
        break;
      offset -= stride[d] * size[d];
      index[d] = 0;
    }
  }
}

/// How one operand is read as a matrix: its rows/cols in memory order,
/// or a permuted copy when its labels are in neither order.
struct MatrixOperand {
  std::string labels, layout; ///< the operand's and the matrix's labels
  bool transposed = false;    ///< layout is batch + cols + rows
  bool copy = false;          ///< layout differs from labels
};

MatrixOperand matrixOperand(const std::string &labels, const std::string &batch,
                            const std::string &rows, const std::string &cols) {
  MatrixOperand m;
  m.labels = labels;
  if (labels == batch + rows + cols) {
    m.layout = labels;
  } else if (labels == batch + cols + rows) {
    m.layout = labels;
    m.transposed = true;
  } else {
    m.layout = batch + rows + cols;
    m.copy = true;
  }
  return m;
}

/// The operands and result as batched matrices, copying where needed;
/// `body(a, b, c, transA, transB)` then computes one batch entry.
template <typename T, typename Body>
void asMatrices(const Subscripts &s, const GemmView &g,
                const LabelExtents &extents,
                const std::vector<const void *> &inputs, void *output,
                Body body) {
  MatrixOperand a = matrixOperand(s.inputs[0], g.batch, g.m, g.k);
  MatrixOperand b = matrixOperand(s.inputs[1], g.batch, g.k, g.n);
  std::string cLayout = g.batch + g.m + g.n;
  const T *pa = static_cast<const T *>(inputs[0]);
  const T *pb = static_cast<const T *>(inputs[1]);
  std::vector<T> ca, cb, cc;
  if (a.copy) {
    ca.resize(g.batchSize * g.mSize * g.kSize);
    permute(pa, a.labels, ca.data(), a.layout, extents);
    pa = ca.data();
  }
  if (b.copy) {
    cb.resize(g.batchSize * g.kSize * g.nSize);
    permute(pb, b.labels, cb.data(), b.layout, extents);
    pb = cb.data();
  }
  T *pc = static_cast<T *>(output);
  bool copyOut = s.output != cLayout;
  if (copyOut) {
    cc.resize(g.batchSize * g.mSize * g.nSize);
    pc = cc.data();
  }
  int64_t strideA = g.mSize * g.kSize, strideB = g.kSize * g.nSize,
          strideC = g.mSize * g.nSize;
  for (int64_t e = 0; e < g.batchSize; ++e)
    body(pa + e * strideA, pb + e * strideB, pc + e * strideC, a.transposed,
         b.transposed);
  if (copyOut)
    permute(cc.data(), cLayout, static_cast<T *>(output), s.output, extents);
}

template <typename T>
void blasGemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const T *a,
              const T *b, T *c) {
  auto transA = ta ? CblasTrans : CblasNoTrans;
  auto transB = tb ? CblasTrans : CblasNoTrans;
  int64_t lda = ta ? m : k, ldb = tb ? k : n;
  const T one(1), zero(0);
  if constexpr (std::is_same_v<T, float>)
    cblas_sgemm(CblasRowMajor, transA, transB, m, n, k, 1.0f, a, lda, b, ldb,
                0.0f, c, n);
  else if constexpr (std::is_same_v<T, double>)
    cblas_dgemm(CblasRowMajor, transA, transB, m, n, k, 1.0, a, lda, b, ldb,
                0.0, c, n);
  else if constexpr (std::is_same_v<T, std::complex<float>>)
    cblas_cgemm(CblasRowMajor, transA, transB, m, n, k, &one, a, lda, b, ldb,
                &zero, c, n);
  else
    cblas_zgemm(CblasRowMajor, transA, transB, m, n, k, &one, a, lda, b, ldb,
                &zero, c, n);
}

template <typename T>
void eigenGemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const T *a,
               const T *b, T *c) {
  using Map =
      Eigen::TensorMap<const Eigen::Tensor<const T, 2, Eigen::RowMajor>>;
  Map ma(a, ta ? k : m, ta ? m : k), mb(b, tb ? n : k, tb ? k : n);
  Eigen::TensorMap<Eigen::Tensor<T, 2, Eigen::RowMajor>> mc(c, m, n);
  Eigen::array<Eigen::IndexPair<int>, 1> dims = {
      Eigen::IndexPair<int>(ta ? 0 : 1, tb ? 1 : 0)};
  mc = ma.contract(mb, dims);
}

template <typename T>
PeerFn matrixPeer(const Subscripts &s, const GemmView &g, bool blas) {
  return [s, g, blas](const std::vector<const void *> &inputs, void *output) {
    asMatrices<T>(s, g, g.extents, inputs, output,
                  [&](const T *a, const T *b, T *c, bool ta, bool tb) {
                    if (blas)
                      blasGemm(ta, tb, g.mSize, g.nSize, g.kSize, a, b, c);
                    else
                      eigenGemm(ta, tb, g.mSize, g.nSize, g.kSize, a, b, c);
                  });
  };
}

template <typename T> struct Naive {
  std::vector<std::vector<int64_t>> strides; ///< per operand, per label
  std::vector<int64_t> outStrides, sizes;

  void operator()(const std::vector<const void *> &inputs, void *output) const {
    size_t numLabels = sizes.size(), numInputs = strides.size();
    int64_t count = 1, outCount = 1;
    for (int64_t size : sizes)
      count *= size;
    T *out = static_cast<T *>(output);
    for (size_t l = 0; l < numLabels; ++l)
      if (outStrides[l])
        outCount *= sizes[l];
    std::fill(out, out + outCount, T(0));
    if (count == 0)
      return;
    std::vector<int64_t> index(numLabels, 0), offsets(numInputs, 0);
    int64_t outOffset = 0;
    for (int64_t i = 0; i < count; ++i) {
      T product(1);
      for (size_t k = 0; k < numInputs; ++k)
        product *= static_cast<const T *>(inputs[k])[offsets[k]];
      out[outOffset] += product;
      for (size_t l = numLabels; l-- > 0;) {
        for (size_t k = 0; k < numInputs; ++k)
          offsets[k] += strides[k][l];
        outOffset += outStrides[l];
        if (++index[l] < sizes[l])
          break;
        for (size_t k = 0; k < numInputs; ++k)
          offsets[k] -= strides[k][l] * sizes[l];
        outOffset -= outStrides[l] * sizes[l];
        index[l] = 0;
      }
    }
  }
};

/// Strides of `term`'s dimensions summed per label of `labels` (repeated
/// labels take a diagonal; size-1 broadcast dimensions have stride 0).
std::vector<int64_t> stridesOf(const std::string &term,
                               const std::string &labels,
                               const std::vector<int64_t> &dims) {
  std::vector<int64_t> strides(labels.size(), 0);
  int64_t stride = 1;
  for (size_t d = term.size(); d-- > 0;) {
    if (dims[d] != 1)
      strides[labels.find(term[d])] += stride;
    stride *= dims[d];
  }
  return strides;
}

/// Twelve independent chains of fused multiply-adds on vectors of `Bytes`
/// bytes of T (GCC vector extensions; a * b + c contracts to vfmadd in the
/// targets below, which it is inlined into).
template <typename T, int Bytes>
__attribute__((always_inline)) inline double fmaChains(int64_t iterations) {
  typedef T Vector __attribute__((vector_size(Bytes)));
  Vector acc[12];
  for (int i = 0; i < 12; ++i)
    acc[i] = Vector{} + T(i);
  Vector mul = Vector{} + T(0.999999), add = Vector{} + T(1e-6);
  for (int64_t it = 0; it < iterations; ++it)
    for (int i = 0; i < 12; ++i)
      acc[i] = acc[i] * mul + add;
  double sum = 0;
  for (int i = 0; i < 12; ++i)
    sum += acc[i][0];
  return sum;
}

template <typename T>
__attribute__((target("avx2,fma"))) double fmaLoop256(int64_t iterations) {
  return fmaChains<T, 32>(iterations);
}

template <typename T>
__attribute__((target("avx512f"))) double fmaLoop512(int64_t iterations) {
  return fmaChains<T, 64>(iterations);
}

} // namespace

std::optional<GemmView> gemmView(const Subscripts &s,
                                 const LabelExtents &extents) {
  if (s.inputs.size() != 2)
    return std::nullopt;
  const std::string &a = s.inputs[0], &b = s.inputs[1], &c = s.output;
  for (const std::string *term : {&a, &b, &c})
    for (size_t i = 0; i < term->size(); ++i)
      if (term->find((*term)[i]) != i)
        return std::nullopt;
  GemmView g;
  g.extents = extents;
  auto size = [&](char l) { return extents[static_cast<unsigned char>(l)]; };
  for (char l : c) {
    if (has(a, l) && has(b, l))
      g.batch.push_back(l), g.batchSize *= size(l);
    else if (has(a, l))
      g.m.push_back(l), g.mSize *= size(l);
    else
      g.n.push_back(l), g.nSize *= size(l);
  }
  for (char l : a)
    if (!has(c, l)) {
      if (!has(b, l))
        return std::nullopt; // summed in one operand only
      g.k.push_back(l), g.kSize *= size(l);
    }
  for (char l : b)
    if (!has(c, l) && !has(a, l))
      return std::nullopt;
  return g;
}

/// `make(T{})` for the element type T of `dtype` (f32, f64, c64, c128).
template <typename Make> PeerFn byType(ein::DType dtype, Make make) {
  switch (dtype) {
  case ein::f32:
    return make(float{});
  case ein::c64:
    return make(std::complex<float>{});
  case ein::c128:
    return make(std::complex<double>{});
  default:
    return make(double{});
  }
}

PeerFn openBlasPeer(const Subscripts &s, const GemmView &g, ein::DType dtype) {
  return byType(dtype,
                [&](auto t) { return matrixPeer<decltype(t)>(s, g, true); });
}

PeerFn eigenPeer(const Subscripts &s, const GemmView &g, ein::DType dtype) {
  return byType(dtype,
                [&](auto t) { return matrixPeer<decltype(t)>(s, g, false); });
}

PeerFn naivePeer(const Subscripts &s, const LabelExtents &extents,
                 ein::DType dtype) {
  std::string labels = s.labels();
  auto dimsOf = [&](const std::string &term) {
    std::vector<int64_t> dims;
    for (char l : term)
      dims.push_back(extents[static_cast<unsigned char>(l)]);
    return dims;
  };
  auto build = [&](auto naive) -> PeerFn {
    for (const std::string &in : s.inputs)
      naive.strides.push_back(stridesOf(in, labels, dimsOf(in)));
    naive.outStrides = stridesOf(s.output, labels, dimsOf(s.output));
    for (char l : labels)
      naive.sizes.push_back(extents[static_cast<unsigned char>(l)]);
    return naive;
  };
  return byType(dtype, [&](auto t) { return build(Naive<decltype(t)>{}); });
}

std::string openBlasCore() { return openblas_get_corename(); }

std::string betterOpenBlasCore() {
  if (openBlasCore() != "Prescott")
    return "";
  if (__builtin_cpu_supports("avx512f"))
    return "SkylakeX";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return "Haswell";
  return "";
}

int openBlasThreads(int threads) {
  if (threads > 0)
    openblas_set_num_threads(threads);
  return openblas_get_num_threads();
}

std::optional<double> measurePeakGflops(ein::DType dtype, unsigned threads) {
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma"))
    return std::nullopt;
  bool wide = __builtin_cpu_supports("avx512f");
  const int64_t iterations = 20'000'000;
  bool single = dtype == ein::f32 || dtype == ein::c64;
  double flopsPerIteration = 12 * 2 * (single ? 8 : 4) * (wide ? 2 : 1);
  std::vector<std::thread> pool;
  std::vector<double> sink(threads);
  auto start = std::chrono::steady_clock::now();
  for (unsigned t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      if (wide)
        sink[t] = single ? fmaLoop512<float>(iterations)
                         : fmaLoop512<double>(iterations);
      else
        sink[t] = single ? fmaLoop256<float>(iterations)
                         : fmaLoop256<double>(iterations);
    });
  for (std::thread &t : pool)
    t.join();
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  return threads * iterations * flopsPerIteration / seconds / 1e9;
}

} // namespace einc
