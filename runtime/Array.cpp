//===- Array.cpp - Dtypes, sizes and aligned buffers ----------------------===//

#include "einrt/einrt.h"

#include <cerrno>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>

namespace {

void setError(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

void setError(char *err, size_t errlen, const char *fmt, ...) {
  if (!err || errlen == 0)
    return;
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(err, errlen, fmt, args);
  va_end(args);
}

/// "3x4x5", or "()" for a 0-d array.
std::string shapeString(int32_t rank, const int64_t *shape) {
  if (rank == 0)
    return "()";
  std::string out;
  for (int32_t d = 0; d < rank; ++d)
    out += (d ? "x" : "") + std::to_string(shape[d]);
  return out;
}

/// The machine's physical memory in bytes, or UINT64_MAX when unknown.
uint64_t physicalMemory() {
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  uint64_t bytes;
  if (pages <= 0 || page <= 0 ||
      __builtin_mul_overflow(uint64_t(pages), uint64_t(page), &bytes))
    return UINT64_MAX;
  return bytes;
}

} // namespace

extern "C" {

size_t einrt_dtype_size(einrt_dtype t) {
  switch (t) {
  case EINRT_F16:
  case EINRT_BF16:
    return 2;
  case EINRT_F32:
  case EINRT_I32:
    return 4;
  case EINRT_F64:
  case EINRT_I64:
  case EINRT_C64:
    return 8;
  case EINRT_C128:
    return 16;
  }
  return 0;
}

const char *einrt_dtype_name(einrt_dtype t) {
  switch (t) {
  case EINRT_F32:
    return "float32";
  case EINRT_F64:
    return "float64";
  case EINRT_C64:
    return "complex64";
  case EINRT_C128:
    return "complex128";
  case EINRT_I32:
    return "int32";
  case EINRT_I64:
    return "int64";
  case EINRT_F16:
    return "float16";
  case EINRT_BF16:
    return "bfloat16";
  }
  return "unknown";
}

float einrt_f16_to_f32(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16, exponent = (h >> 10) & 0x1f,
           mantissa = h & 0x3ff, bits;
  if (exponent == 0x1f) {
    bits = sign | 0x7f800000 | (mantissa << 13);
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    bits = sign;
  } else {
    // A subnormal half is a normal float: shift the mantissa up.
    int shift = 0;
    while (!(mantissa & 0x400)) {
      mantissa <<= 1;
      ++shift;
    }
    bits = sign | uint32_t(113 - shift) << 23 | ((mantissa & 0x3ff) << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

uint16_t einrt_f32_to_f16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  uint16_t sign = uint16_t((bits >> 16) & 0x8000);
  uint32_t exponent = (bits >> 23) & 0xff, mantissa = bits & 0x7fffff;
  if (exponent == 0xff)
    return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  int e = int(exponent) - 112; // the half's biased exponent
  if (e >= 0x1f)
    return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10)
      return sign;
    // Subnormal: the implicit bit joins the mantissa, shifted down.
    mantissa |= 0x800000;
    int shift = 14 - e;
    uint32_t half = mantissa >> shift, rest = mantissa & ((1u << shift) - 1),
             midpoint = 1u << (shift - 1);
    if (rest > midpoint || (rest == midpoint && (half & 1)))
      ++half;
    return sign | uint16_t(half);
  }
  uint32_t half = (uint32_t(e) << 10) | (mantissa >> 13),
           rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (half & 1)))
    ++half; // may carry into the exponent, up to infinity: still right
  return sign | uint16_t(half);
}

float einrt_bf16_to_f32(uint16_t h) {
  uint32_t bits = uint32_t(h) << 16;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

uint16_t einrt_f32_to_bf16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  if ((bits & 0x7fffffff) > 0x7f800000)
    return uint16_t((bits >> 16) | 0x40); // a quiet NaN
  bits += 0x7fff + ((bits >> 16) & 1);
  return uint16_t(bits >> 16);
}

einrt_status einrt_element_count(int32_t rank, const int64_t *shape,
                                 int64_t *count) {
  if (rank < 0 || (rank > 0 && !shape))
    return 1;
  int64_t n = 1;
  for (int32_t d = 0; d < rank; ++d) {
    if (shape[d] < 0 || __builtin_mul_overflow(n, shape[d], &n))
      return 1;
  }
  *count = n;
  return 0;
}

void *einrt_aligned_alloc(size_t bytes) {
  void *p = nullptr;
  size_t size = bytes < 64 ? 64 : bytes;
  if (posix_memalign(&p, 64, size) != 0)
    return nullptr;
  return p;
}

void einrt_aligned_free(void *p) { std::free(p); }

einrt_status einrt_array_alloc(einrt_array *a, char *err, size_t errlen) {
  a->data = nullptr;
  if (a->rank < 0 || a->rank > EINRT_MAX_RANK) {
    setError(err, errlen,
             "cannot allocate an array of rank %d: einc supports "
             "at most %d dimensions",
             int(a->rank), EINRT_MAX_RANK);
    return 1;
  }
  size_t size = einrt_dtype_size(a->dtype);
  if (size == 0) {
    setError(err, errlen, "cannot allocate an array of unknown dtype %d",
             int(a->dtype));
    return 1;
  }
  std::string shape = shapeString(a->rank, a->shape);
  const char *name = einrt_dtype_name(a->dtype);
  int64_t n = 0;
  uint64_t bytes = 0;
  if (einrt_element_count(a->rank, a->shape, &n) ||
      __builtin_mul_overflow(static_cast<uint64_t>(n), size, &bytes)) {
    setError(err, errlen,
             "cannot allocate an array of shape %s (%s): its size overflows "
             "64 bits",
             shape.c_str(), name);
    return 1;
  }
  uint64_t physical = physicalMemory();
  if (bytes > physical) {
    setError(err, errlen,
             "cannot allocate %llu bytes (shape %s, %s): more than this "
             "machine's %llu bytes of memory",
             static_cast<unsigned long long>(bytes), shape.c_str(), name,
             static_cast<unsigned long long>(physical));
    return 1;
  }
  if (bytes > SIZE_MAX || !(a->data = einrt_aligned_alloc(bytes))) {
    setError(err, errlen, "cannot allocate %llu bytes (shape %s, %s): %s",
             static_cast<unsigned long long>(bytes), shape.c_str(), name,
             std::strerror(ENOMEM));
    return 1;
  }
  std::memset(a->data, 0, bytes < 64 ? 64 : bytes);
  return 0;
}

void einrt_array_free(einrt_array *a) {
  einrt_aligned_free(a->data);
  a->data = nullptr;
}

} // extern "C"
