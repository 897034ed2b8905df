/*===- einrt.h - The Einc runtime C ABI ------------------------*- C -*-===*/

#ifndef EINRT_EINRT_H
#define EINRT_EINRT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EINRT_ABI_VERSION 1

typedef enum einrt_dtype {
  EINRT_F32 = 0,
  EINRT_F64 = 1,
  EINRT_C64 = 2,
  EINRT_C128 = 3,
  EINRT_I32 = 4,
  EINRT_I64 = 5
} einrt_dtype;

#define EINRT_MAX_RANK 64

typedef struct einrt_array {
  einrt_dtype dtype;
  int32_t rank;
  int64_t shape[EINRT_MAX_RANK];
  void *data;
} einrt_array;

typedef int einrt_status;

size_t einrt_dtype_size(einrt_dtype);
const char *einrt_dtype_name(einrt_dtype);
einrt_status einrt_element_count(int32_t rank, const int64_t *shape,
                                 int64_t *count);
void *einrt_aligned_alloc(size_t bytes);
void einrt_aligned_free(void *p);
einrt_status einrt_array_alloc(einrt_array *a, char *err, size_t errlen);
void einrt_array_free(einrt_array *a);
einrt_status einrt_npy_read(const char *path, einrt_array *out, char *err,
                            size_t errlen);
einrt_status einrt_npy_write(const char *path, const einrt_array *a, char *err,
                             size_t errlen);

/// Converts `src` to `to` into a newly allocated `dst` (widening only, as
/// NumPy's type promotion needs: ints to floats or complex, f32 to f64, c64
/// to c128, i32 to i64). Complex never converts to a real type.
einrt_status einrt_array_convert(const einrt_array *src, einrt_dtype to,
                                 einrt_array *dst, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* EINRT_EINRT_H */
