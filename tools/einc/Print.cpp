//===- Print.cpp - Arrays as text for `einc run --print` ------------------===//

#include "Common.h"
#include "einrt/einrt.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <complex>

using namespace llvm;

namespace {

void printElement(raw_ostream &os, const einrt_array &a, int64_t i) {
  switch (a.dtype) {
  case EINRT_F32:
    os << format("%g", static_cast<const float *>(a.data)[i]);
    return;
  case EINRT_F64:
    os << format("%.12g", static_cast<const double *>(a.data)[i]);
    return;
  case EINRT_I32:
    os << static_cast<const int32_t *>(a.data)[i];
    return;
  case EINRT_I64:
    os << static_cast<const int64_t *>(a.data)[i];
    return;
  case EINRT_C64: {
    auto v = static_cast<const std::complex<float> *>(a.data)[i];
    os << format("%g%+gj", v.real(), v.imag());
    return;
  }
  case EINRT_C128: {
    auto v = static_cast<const std::complex<double> *>(a.data)[i];
    os << format("%.12g%+.12gj", v.real(), v.imag());
    return;
  }
  case EINRT_F16:
    os << format("%.5g",
                 einrt_f16_to_f32(static_cast<const uint16_t *>(a.data)[i]));
    return;
  case EINRT_BF16:
    os << format("%.4g",
                 einrt_bf16_to_f32(static_cast<const uint16_t *>(a.data)[i]));
    return;
  }
}

/// Prints dimension `dim` starting at flat index `offset`.
void printDim(raw_ostream &os, const einrt_array &a, int dim, int64_t offset,
              int64_t stride) {
  if (dim == a.rank) {
    printElement(os, a, offset);
    return;
  }
  int64_t inner = stride / (a.shape[dim] ? a.shape[dim] : 1);
  os << "[";
  for (int64_t i = 0; i < a.shape[dim]; ++i) {
    if (i) {
      os << (dim + 1 == a.rank ? " " : "\n");
      if (dim + 1 < a.rank)
        os.indent(dim + 1);
    }
    printDim(os, a, dim + 1, offset + i * inner, inner);
  }
  os << "]";
}

} // namespace

void einc::printArray(raw_ostream &os, const einrt_array &a) {
  int64_t n = 1;
  os << "shape (";
  for (int d = 0; d < a.rank; ++d) {
    os << (d ? ", " : "") << a.shape[d];
    n *= a.shape[d];
  }
  os << (a.rank == 1 ? ",)" : ")") << ", " << einrt_dtype_name(a.dtype) << "\n";
  printDim(os, a, 0, 0, n);
  os << "\n";
}
