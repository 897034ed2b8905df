/*===- einrt.h - The Einc runtime C ABI ------------------------*- C -*-===*/

#ifndef EINRT_EINRT_H
#define EINRT_EINRT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Bumped whenever a declaration below changes incompatibly.
#define EINRT_ABI_VERSION 1

/// The element types Einc computes in. The values are part of the ABI:
/// generated code passes them as int32_t.
typedef enum einrt_dtype {
  EINRT_F32 = 0,
  EINRT_F64 = 1,
  EINRT_C64 = 2,
  EINRT_C128 = 3,
  EINRT_I32 = 4,
  EINRT_I64 = 5,
  EINRT_F16 = 6, /* IEEE binary16 (NumPy's float16) */
  EINRT_BF16 = 7 /* bfloat16 (no .npy type: NumPy has none) */
} einrt_dtype;

/// The most dimensions an array may have (NumPy's own limit).
#define EINRT_MAX_RANK 64

/// A dense array. Only the first `rank` entries of `shape` are meaningful.
typedef struct einrt_array {
  einrt_dtype dtype;
  int32_t rank;
  int64_t shape[EINRT_MAX_RANK];
  /// C order, native (little-endian) byte order, 64-byte aligned, owned:
  /// free it with einrt_array_free.
  void *data;
} einrt_array;

/// 0 on success; non-zero on error, with a one-line message in `err`.
typedef int einrt_status;

/// The size in bytes of one element of `t` (0 for an invalid value).
size_t einrt_dtype_size(einrt_dtype t);

/// NumPy's name for `t`: "float32", "float64", "complex64", "complex128",
/// "int32", "int64", "float16" or "bfloat16" ("unknown" for an invalid
/// value).
const char *einrt_dtype_name(einrt_dtype t);

/// Stores the number of elements of an array of `rank` dimensions `shape`
/// in `*count` and returns 0. Returns non-zero, leaving `*count` alone, when
/// a dimension or the rank is negative or the product overflows int64_t.
einrt_status einrt_element_count(int32_t rank, const int64_t *shape,
                                 int64_t *count);

/// Half-precision values as their bits: conversions to and from float,
/// rounding to nearest even (NaN stays NaN, overflow becomes infinity).
float einrt_f16_to_f32(uint16_t h);
uint16_t einrt_f32_to_f16(float f);
float einrt_bf16_to_f32(uint16_t h);
uint16_t einrt_f32_to_bf16(float f);

/// Allocates `bytes` bytes aligned to 64 bytes (at least 64 bytes, so that
/// a zero-byte request still gets a distinct pointer); NULL on failure.
void *einrt_aligned_alloc(size_t bytes);

/// Frees memory from einrt_aligned_alloc; does nothing for NULL.
void einrt_aligned_free(void *p);

/// Allocates zero-initialised data for `a->dtype`, `a->rank`, `a->shape`
/// into `a->data`. Refuses, leaving `a->data` NULL, when the byte size
/// overflows, exceeds the physical memory of the machine or cannot be
/// allocated; the message names the size, the shape and the dtype, as in
/// "cannot allocate N bytes (shape 3x4x5, float32): ...".
einrt_status einrt_array_alloc(einrt_array *a, char *err, size_t errlen);

/// Frees `a->data` and sets it to NULL; safe on a zeroed struct.
void einrt_array_free(einrt_array *a);

/// Reads the .npy file at `path` (format 1.0, 2.0 or 3.0; either byte
/// order; C or Fortran order) into `out`, converted to native byte order
/// and C order. Every failure, including a dtype Einc does not compute in,
/// returns non-zero with `out->data` NULL and a message naming the file.
einrt_status einrt_npy_read(const char *path, einrt_array *out, char *err,
                            size_t errlen);

/// Writes `a` to `path` as a .npy file (format 1.0, as numpy.save writes
/// it). The file is written to a temporary in the same directory and
/// renamed over `path`, so a failed write leaves `path` as it was.
einrt_status einrt_npy_write(const char *path, const einrt_array *a, char *err,
                             size_t errlen);

/// Converts `src` to `to` into a newly allocated `dst` (widening only, as
/// NumPy's type promotion needs: ints to floats or complex, f16/bf16 to
/// f32, f64 or complex, f32 to f64, c64 to c128, i32 to i64). Complex never
/// converts to a real type.
einrt_status einrt_array_convert(const einrt_array *src, einrt_dtype to,
                                 einrt_array *dst, char *err, size_t errlen);

/* Linear algebra through LAPACKE (runtime/Decompositions.cpp). Matrices are
 * dense, row-major, of dtype f32, f64, complex64 or complex128 (integers
 * are refused); inputs are not modified; results go to caller buffers.
 * Real outputs (singular values, eigenvalues) are f32 for f32/complex64
 * and f64 for f64/complex128. Each returns EINRT_LA_OK or an error code
 * with a one-line message in err. */
typedef enum einrt_la_error {
  EINRT_LA_OK = 0,
  EINRT_LA_BAD_ARGUMENT = 1,
  EINRT_LA_SINGULAR = 2,
  EINRT_LA_NOT_POSITIVE_DEFINITE = 3,
  EINRT_LA_NO_CONVERGENCE = 4
} einrt_la_error;

/* Thin SVD of the m x n matrix a, k = min(m, n): u is m x k, s has k
 * values in decreasing order, vt is k x n; a = u diag(s) vt. */
int einrt_svd(einrt_dtype t, int64_t m, int64_t n, const void *a, void *u,
              void *s, void *vt, char *err, size_t errlen);
/* Thin QR: q is m x k with orthonormal columns, r is k x n upper
 * triangular; a = q r. */
int einrt_qr(einrt_dtype t, int64_t m, int64_t n, const void *a, void *q,
             void *r, char *err, size_t errlen);
/* Eigen-decomposition of the Hermitian n x n matrix a (its lower triangle
 * is read): w holds the n eigenvalues in ascending order, the columns of
 * the n x n matrix v the eigenvectors; a v = v diag(w). */
int einrt_eigh(einrt_dtype t, int64_t n, const void *a, void *w, void *v,
               char *err, size_t errlen);
/* Lower-triangular l with l l^H = a, for Hermitian positive-definite a. */
int einrt_cholesky(einrt_dtype t, int64_t n, const void *a, void *l, char *err,
                   size_t errlen);
/* x (n x nrhs) with a x = b. */
int einrt_solve(einrt_dtype t, int64_t n, int64_t nrhs, const void *a,
                const void *b, void *x, char *err, size_t errlen);
/* The inverse of the n x n matrix a. */
int einrt_inv(einrt_dtype t, int64_t n, const void *a, void *out, char *err,
              size_t errlen);
/* The determinant of a, one element of dtype t (0 when a is singular). */
int einrt_det(einrt_dtype t, int64_t n, const void *a, void *out, char *err,
              size_t errlen);

/* The sign (of dtype t: +-1, a unit complex number, or 0 when singular)
 * and the log of the absolute value (real: f32 or f64) of det(a), which
 * stays finite where det would overflow. */
int einrt_slogdet(einrt_dtype t, int64_t n, const void *a, void *sign,
                  void *logabsdet, char *err, size_t errlen);

/* Eigenvalues w (n, in LAPACK's order) and unit-norm right eigenvectors
 * (the columns of the n x n matrix v) of a general matrix: a v = v diag(w).
 * Both results are complex: complex64 for f32/complex64 inputs, complex128
 * for f64/complex128 (a real a is widened first). */
int einrt_eig(einrt_dtype t, int64_t n, const void *a, void *w, void *v,
              char *err, size_t errlen);
/* The minimum-norm least-squares solution x (n x nrhs) of a x = b for an
 * m x n matrix a and m x nrhs b, singular values below
 * eps * max(m, n) * s_max treated as zero (numpy.linalg.lstsq's rcond). */
int einrt_lstsq(einrt_dtype t, int64_t m, int64_t n, int64_t nrhs,
                const void *a, const void *b, void *x, char *err,
                size_t errlen);

/* Entry points that generated code calls (runtime/KernelCalls.cpp): the
 * functions above with the dtype as an int32_t and the program statement
 * (counted from 1) that a failure is reported for. The first failure is
 * kept per thread until einrt_kernel_take_error returns it (its code,
 * with *statement and err filled) and clears it; 0 means none. */
int32_t einrt_kernel_inv(int32_t dtype, int64_t n, const void *a, void *out,
                         int64_t statement);
int32_t einrt_kernel_det(int32_t dtype, int64_t n, const void *a, void *out,
                         int64_t statement);
int32_t einrt_kernel_cholesky(int32_t dtype, int64_t n, const void *a,
                              void *out, int64_t statement);
int32_t einrt_kernel_solve(int32_t dtype, int64_t n, int64_t nrhs,
                           const void *a, const void *b, void *x,
                           int64_t statement);
/* svd and eigh write their real values in the dtype's layout (complex with
 * a zero imaginary part), so that a program has one element type. */
int32_t einrt_kernel_svd(int32_t dtype, int64_t m, int64_t n, const void *a,
                         void *u, void *s, void *vt, int64_t statement);
/* svd whose singular values below cutoff * s_max are set to zero, with
 * their columns of u and rows of vt. */
int32_t einrt_kernel_svd_cutoff(int32_t dtype, int64_t m, int64_t n,
                                const void *a, void *u, void *s, void *vt,
                                double cutoff, int64_t statement);
int32_t einrt_kernel_qr(int32_t dtype, int64_t m, int64_t n, const void *a,
                        void *q, void *r, int64_t statement);
int32_t einrt_kernel_eigh(int32_t dtype, int64_t n, const void *a, void *w,
                          void *v, int64_t statement);
int32_t einrt_kernel_slogdet(int32_t dtype, int64_t n, const void *a,
                             void *sign, void *logabsdet, int64_t statement);
/* eig of a complex matrix (programs convert real ones first). */
int32_t einrt_kernel_eig(int32_t dtype, int64_t n, const void *a, void *w,
                         void *v, int64_t statement);
int32_t einrt_kernel_lstsq(int32_t dtype, int64_t m, int64_t n, int64_t nrhs,
                           const void *a, const void *b, void *x,
                           int64_t statement);
int einrt_kernel_take_error(int64_t *statement, char *err, size_t errlen);

/* An unranked memref as MLIR passes it: the rank and a pointer to the
 * ranked descriptor (base, data, offset, sizes[rank], strides[rank]). */
typedef struct einrt_unranked_memref {
  int64_t rank;
  void *descriptor;
} einrt_unranked_memref;
/* Copies between strided memrefs of equal shape: what lowered
 * memref.copy calls ("memrefCopy") when a layout is not contiguous. */
void einrt_memref_copy(int64_t elementSize, const einrt_unranked_memref *src,
                       const einrt_unranked_memref *dst);

/* Memory of JIT-compiled kernels (runtime/KernelMemory.cpp). The JIT's
 * generated code allocates through the _mlir_memref_to_llvm_* functions;
 * einrt_call_guarded calls a packed entry point so that an allocation it
 * cannot get ends the call, not the process: it returns 0, or 1 with
 * "out of memory: ..." in err after freeing what the call had allocated. */
void *_mlir_memref_to_llvm_alloc(size_t bytes);
void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment, size_t bytes);
void _mlir_memref_to_llvm_free(void *p);
int einrt_call_guarded(void (*entry)(void **), void **args, char *err,
                       size_t errlen);

/* Threads of generated parallel loops (OpenMP regions). The count is, in
 * order: the last einrt_set_num_threads(n > 0), else the EINC_NUM_THREADS
 * environment variable (a positive integer; anything else is ignored
 * here, and the einc tool refuses it), else the number of online CPUs.
 * einrt_set_num_threads(0) goes back to the default. Thread-safe; read at the
 * start of every parallel loop. */
void einrt_set_num_threads(int32_t n);
int32_t einrt_num_threads(void);
/* A thread count as EINC_NUM_THREADS spells it (1 to 4096, digits only),
 * or 0 when `text` is not one. */
int32_t einrt_parse_thread_count(const char *text);

#ifdef __cplusplus
}
#endif

#endif /* EINRT_EINRT_H */
