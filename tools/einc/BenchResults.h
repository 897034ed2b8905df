//===- BenchResults.h - What both `einc bench` targets report ---*- C++ -*-===//

#ifndef EINC_TOOLS_EINC_BENCHRESULTS_H
#define EINC_TOOLS_EINC_BENCHRESULTS_H

#include "einc/DType.h"
#include "einrt/einrt.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <complex>
#include <cstdint>
#include <string>
#include <vector>

namespace einc {

/// The timed runs of one implementation (none when it was skipped, with
/// the reason in `note`).
struct Timing {
  std::string name, note;
  int threads = 1;
  std::vector<double> ms; ///< every timed run
  double maxRelError = 0;
  double median() const {
    std::vector<double> s = ms;
    std::sort(s.begin(), s.end());
    size_t n = s.size();
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }
  double min() const { return *std::min_element(ms.begin(), ms.end()); }
  double max() const { return *std::max_element(ms.begin(), ms.end()); }
};

template <typename T>
double relativeError(const void *gotData, const void *wantData, int64_t n) {
  const T *got = static_cast<const T *>(gotData),
          *want = static_cast<const T *>(wantData);
  double diff = 0, scale = 0;
  for (int64_t i = 0; i < n; ++i) {
    diff = std::max(diff, double(std::abs(got[i] - want[i])));
    scale = std::max(scale, double(std::abs(want[i])));
  }
  return scale > 0 ? diff / scale : diff;
}

/// Half-precision elements (f16 or bf16) widened to f32.
inline std::vector<float> widenHalf(ein::DType dtype, const void *data,
                                    int64_t n) {
  std::vector<float> out(n);
  const uint16_t *bits = static_cast<const uint16_t *>(data);
  for (int64_t i = 0; i < n; ++i)
    out[i] = dtype == ein::f16 ? einrt_f16_to_f32(bits[i])
                               : einrt_bf16_to_f32(bits[i]);
  return out;
}

/// max |got - want| / max |want| over `n` elements of `dtype` (f32, f64,
/// complex64, complex128, f16 or bf16).
inline double relativeError(ein::DType dtype, const void *got, const void *want,
                            int64_t n) {
  switch (dtype) {
  case ein::f16:
  case ein::bf16:
    return relativeError<float>(widenHalf(dtype, got, n).data(),
                                widenHalf(dtype, want, n).data(), n);
  case ein::f32:
    return relativeError<float>(got, want, n);
  case ein::c64:
    return relativeError<std::complex<float>>(got, want, n);
  case ein::c128:
    return relativeError<std::complex<double>>(got, want, n);
  default:
    return relativeError<double>(got, want, n);
  }
}

/// `v` with `digits` decimals.
inline std::string fixed(double v, int digits) {
  return llvm::formatv(
             "{0}",
             llvm::format(("%." + std::to_string(digits) + "f").c_str(), v))
      .str();
}

} // namespace einc

#endif // EINC_TOOLS_EINC_BENCHRESULTS_H
