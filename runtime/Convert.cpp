//===- Convert.cpp - Element type conversion of arrays --------------------===//
//
// The widening conversions NumPy's type promotion needs before a mixed-type
// einsum: integers to floats or complex, f16/bf16 to wider floats or
// complex, f32 to f64, c64 to c128, i32 to i64.
//
//===----------------------------------------------------------------------===//

#include "einrt/einrt.h"

#include <complex>
#include <cstdio>
#include <cstring>

namespace {

/// Converts `n` elements of `From` to `To`.
template <typename From, typename To>
void convertAll(const void *src, void *dst, int64_t n) {
  const From *in = static_cast<const From *>(src);
  To *out = static_cast<To *>(dst);
  for (int64_t i = 0; i < n; ++i)
    out[i] = To(in[i]);
}

template <typename From>
bool convertFrom(einrt_dtype to, const void *src, void *dst, int64_t n) {
  switch (to) {
  case EINRT_F32:
    convertAll<From, float>(src, dst, n);
    return true;
  case EINRT_F64:
    convertAll<From, double>(src, dst, n);
    return true;
  case EINRT_I32:
    convertAll<From, int32_t>(src, dst, n);
    return true;
  case EINRT_I64:
    convertAll<From, int64_t>(src, dst, n);
    return true;
  case EINRT_C64:
    convertAll<From, std::complex<float>>(src, dst, n);
    return true;
  case EINRT_C128:
    convertAll<From, std::complex<double>>(src, dst, n);
    return true;
  default:
    return false; // nothing narrows to f16 or bf16
  }
}

/// Half-precision bits to float, then on as a float.
bool convertHalf(bool brain, einrt_dtype to, const void *src, void *dst,
                 int64_t n) {
  if (to != EINRT_F32 && to != EINRT_F64 && to != EINRT_C64 && to != EINRT_C128)
    return false;
  const uint16_t *in = static_cast<const uint16_t *>(src);
  for (int64_t i = 0; i < n; ++i) {
    float f = brain ? einrt_bf16_to_f32(in[i]) : einrt_f16_to_f32(in[i]);
    convertFrom<float>(to, &f,
                       static_cast<char *>(dst) + i * einrt_dtype_size(to), 1);
  }
  return true;
}

template <typename From>
bool convertComplexFrom(einrt_dtype to, const void *src, void *dst, int64_t n) {
  switch (to) {
  case EINRT_C64:
    convertAll<From, std::complex<float>>(src, dst, n);
    return true;
  case EINRT_C128:
    convertAll<From, std::complex<double>>(src, dst, n);
    return true;
  default:
    return false; // complex never narrows to a real type
  }
}

} // namespace

extern "C" einrt_status einrt_array_convert(const einrt_array *src,
                                            einrt_dtype to, einrt_array *dst,
                                            char *err, size_t errlen) {
  *dst = einrt_array{};
  dst->dtype = to;
  dst->rank = src->rank;
  std::memcpy(dst->shape, src->shape, sizeof(int64_t) * src->rank);
  if (einrt_array_alloc(dst, err, errlen))
    return 1;
  int64_t n = 0;
  einrt_element_count(src->rank, src->shape, &n);
  bool ok = false;
  switch (src->dtype) {
  case EINRT_F32:
    ok = convertFrom<float>(to, src->data, dst->data, n);
    break;
  case EINRT_F64:
    ok = convertFrom<double>(to, src->data, dst->data, n);
    break;
  case EINRT_I32:
    ok = convertFrom<int32_t>(to, src->data, dst->data, n);
    break;
  case EINRT_I64:
    ok = convertFrom<int64_t>(to, src->data, dst->data, n);
    break;
  case EINRT_C64:
    ok = convertComplexFrom<std::complex<float>>(to, src->data, dst->data, n);
    break;
  case EINRT_C128:
    ok = convertComplexFrom<std::complex<double>>(to, src->data, dst->data, n);
    break;
  case EINRT_F16:
  case EINRT_BF16:
    ok = convertHalf(src->dtype == EINRT_BF16, to, src->data, dst->data, n);
    break;
  }
  if (!ok) {
    einrt_array_free(dst);
    std::snprintf(err, errlen, "cannot convert %s to %s",
                  einrt_dtype_name(src->dtype), einrt_dtype_name(to));
    return 1;
  }
  return 0;
}
