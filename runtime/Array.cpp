//===- Array.cpp - Dtypes, sizes and aligned buffers ----------------------===//

#include "einrt/einrt.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>

extern "C" {

size_t einrt_dtype_size(einrt_dtype t) {
  switch (t) {
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
  }
  return "unknown";
}

einrt_status einrt_element_count(int32_t rank, const int64_t *shape,
                                 int64_t *count) {
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
  std::string shape;
  for (int32_t d = 0; d < a->rank; ++d)
    shape += (d ? "x" : "") + std::to_string(a->shape[d]);
  if (shape.empty())
    shape = "()";
  int64_t n = 0;
  uint64_t bytes = 0;
  if (a->rank < 0 || a->rank > EINRT_MAX_RANK ||
      einrt_element_count(a->rank, a->shape, &n) ||
      __builtin_mul_overflow(static_cast<uint64_t>(n),
                             einrt_dtype_size(a->dtype), &bytes)) {
    std::snprintf(err, errlen,
                  "cannot allocate an array of shape %s (%s): its size "
                  "overflows 64 bits",
                  shape.c_str(), einrt_dtype_name(a->dtype));
    return 1;
  }
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  uint64_t physical =
      pages > 0 && page > 0 ? static_cast<uint64_t>(pages) * page : UINT64_MAX;
  if (bytes > physical) {
    std::snprintf(err, errlen,
                  "cannot allocate %llu bytes (shape %s, %s): more than "
                  "this machine's %llu bytes of memory",
                  static_cast<unsigned long long>(bytes), shape.c_str(),
                  einrt_dtype_name(a->dtype),
                  static_cast<unsigned long long>(physical));
    return 1;
  }
  a->data = einrt_aligned_alloc(bytes);
  if (!a->data) {
    std::snprintf(err, errlen, "cannot allocate %llu bytes (shape %s, %s): %s",
                  static_cast<unsigned long long>(bytes), shape.c_str(),
                  einrt_dtype_name(a->dtype), std::strerror(ENOMEM));
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
