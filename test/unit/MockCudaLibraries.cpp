//===- MockCudaLibraries.cpp - A stand-in cuSOLVER and cuBLAS for tests ---===//
//
// The cuSOLVER and cuBLAS entry points the runtime's GPU decompositions
// load, computed on the host with LAPACKE's column-major routines: the
// mock's device memory is host memory. They keep the real libraries'
// contracts that the runtime relies on, so a layout mistake fails a test:
// - column-major storage with leading dimensions, checked against the
//   matrix extents; info is written to device memory;
// - gesvd takes only m >= n and jobu, jobvt 'S' or 'A';
// - every matrix, vector, pivot array, info and workspace must lie in one
//   live device allocation of the mock driver, large enough for its
//   extent (ld x columns elements, lwork elements of the type); the
//   *_bufferSize routines report workspaces that grow with the matrix, so
//   that one counted in bytes instead of elements is too small;
// - a handle must be created before use.
// Built with MOCK_NO_XGEEV it has no cusolverDnXgeev, as cuSOLVER before
// CUDA 12.6. MOCK_CUSOLVER_FAIL=1 makes every cuSOLVER routine fail with
// CUSOLVER_STATUS_EXECUTION_FAILED. Each routine logs one line
// ("cusolver getrf 4x4") to $MOCK_CUDA_LOG.
//
//===----------------------------------------------------------------------===//

#include "MockCuda.h"

#include <lapacke.h>

#include <algorithm>
#include <complex>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <type_traits>
#include <vector>

namespace {

constexpr int kSuccess = 0, kNotInitialized = 1, kInvalidValue = 3,
              kExecutionFailed = 6;
constexpr int kBlasInvalidValue = 7;

using c64 = std::complex<float>;
using c128 = std::complex<double>;

int handleToken;
void *const theHandle = &handleToken;

/// The workspace (in elements) the *_bufferSize routines report for an
/// m x n problem.
int64_t workFor(int64_t m, int64_t n) { return 64 + m * n; }

template <typename T> using Real = decltype(std::abs(T()));

bool device(const void *p) { return mockcuda::isDeviceAddress(p); }

/// A pointer and the bytes the routine will touch from it.
struct Extent {
  const void *p;
  int64_t bytes;
};

/// Whether every extent lies in one live device allocation.
bool inDeviceMemory(std::initializer_list<Extent> extents) {
  for (const Extent &e : extents)
    if (!device(e.p) ||
        int64_t(mockcuda::deviceBytesFrom(e.p)) < std::max<int64_t>(e.bytes, 1))
      return false;
  return true;
}

/// Checks the handle and the extents, for cuSOLVER.
int check(void *h, std::initializer_list<Extent> extents) {
  if (h != theHandle)
    return kNotInitialized;
  if (std::getenv("MOCK_CUSOLVER_FAIL"))
    return kExecutionFailed;
  return inDeviceMemory(extents) ? kSuccess : kInvalidValue;
}

/// Bytes of an ld x cols column-major matrix of T.
template <typename T> int64_t matrix(int64_t ld, int64_t cols) {
  return ld * cols * int64_t(sizeof(T));
}

void log(const char *routine, int m, int n) {
  mockcuda::logLine(std::string("cusolver ") + routine + " " +
                    std::to_string(m) + "x" + std::to_string(n));
}

template <typename T> struct Lapack;
#define MOCK_LAPACK(T, L, p, her, orth)                                        \
  template <> struct Lapack<T> {                                               \
    static L *c(T *x) { return reinterpret_cast<L *>(x); }                     \
    static int potrf(char uplo, int n, T *a, int lda) {                        \
      return LAPACKE_##p##potrf(LAPACK_COL_MAJOR, uplo, n, c(a), lda);         \
    }                                                                          \
    static int getrf(int m, int n, T *a, int lda, int *ipiv) {                 \
      return LAPACKE_##p##getrf(LAPACK_COL_MAJOR, m, n, c(a), lda, ipiv);      \
    }                                                                          \
    static int getrs(char t, int n, int nrhs, T *a, int lda, int *ipiv, T *b,  \
                     int ldb) {                                                \
      return LAPACKE_##p##getrs(LAPACK_COL_MAJOR, t, n, nrhs, c(a), lda, ipiv, \
                                c(b), ldb);                                    \
    }                                                                          \
    static int geqrf(int m, int n, T *a, int lda, T *tau) {                    \
      return LAPACKE_##p##geqrf(LAPACK_COL_MAJOR, m, n, c(a), lda, c(tau));    \
    }                                                                          \
    static int orgqr(int m, int n, int k, T *a, int lda, T *tau) {             \
      return LAPACKE_##p##orth(LAPACK_COL_MAJOR, m, n, k, c(a), lda, c(tau));  \
    }                                                                          \
    static int syevd(char uplo, int n, T *a, int lda, Real<T> *w) {            \
      return LAPACKE_##p##her(LAPACK_COL_MAJOR, 'V', uplo, n, c(a), lda, w);   \
    }                                                                          \
    static int gesvd(char ju, char jvt, int m, int n, T *a, int lda,           \
                     Real<T> *s, T *u, int ldu, T *vt, int ldvt,               \
                     Real<T> *superb) {                                        \
      return LAPACKE_##p##gesvd(LAPACK_COL_MAJOR, ju, jvt, m, n, c(a), lda, s, \
                                c(u), ldu, c(vt), ldvt, superb);               \
    }                                                                          \
  };
MOCK_LAPACK(float, float, s, syevd, orgqr)
MOCK_LAPACK(double, double, d, syevd, orgqr)
MOCK_LAPACK(c64, lapack_complex_float, c, heevd, ungqr)
MOCK_LAPACK(c128, lapack_complex_double, z, heevd, ungqr)
#undef MOCK_LAPACK

#ifndef MOCK_NO_XGEEV
/// Right eigenvectors of a general complex matrix, column-major.
int geev(int n, c64 *a, int lda, c64 *w, c64 *vr, int ldvr) {
  using L = lapack_complex_float;
  return LAPACKE_cgeev(LAPACK_COL_MAJOR, 'N', 'V', n, reinterpret_cast<L *>(a),
                       lda, reinterpret_cast<L *>(w), nullptr, 1,
                       reinterpret_cast<L *>(vr), ldvr);
}
int geev(int n, c128 *a, int lda, c128 *w, c128 *vr, int ldvr) {
  using L = lapack_complex_double;
  return LAPACKE_zgeev(LAPACK_COL_MAJOR, 'N', 'V', n, reinterpret_cast<L *>(a),
                       lda, reinterpret_cast<L *>(w), nullptr, 1,
                       reinterpret_cast<L *>(vr), ldvr);
}
#endif

char fill(int uplo) { return uplo == 1 ? 'U' : 'L'; }
char op(int trans) { return trans == 0 ? 'N' : trans == 1 ? 'T' : 'C'; }

int bufferSize(void *h, int64_t m, int64_t n, int *lwork) {
  if (h != theHandle)
    return kNotInitialized;
  *lwork = int(workFor(m, n));
  return kSuccess;
}

/// Writes LAPACK's info to cuSOLVER's device int (LAPACKE's own argument
/// errors, below -1000, mean the mock was misused: they stay negative).
int finish(int *devInfo, int info) {
  *devInfo = info;
  return kSuccess;
}

template <typename T>
int potrf(void *h, int uplo, int n, T *a, int lda, T *work, int lwork,
          int *info) {
  if (n < 0 || lda < std::max(1, n) || lwork < workFor(n, n))
    return kInvalidValue;
  if (int s = check(
          h, {{a, matrix<T>(lda, n)}, {work, matrix<T>(lwork, 1)}, {info, 4}}))
    return s;
  log("potrf", n, n);
  return finish(info, Lapack<T>::potrf(fill(uplo), n, a, lda));
}

template <typename T>
int getrf(void *h, int m, int n, T *a, int lda, T *work, int *ipiv, int *info) {
  if (m < 0 || n < 0 || lda < std::max(1, m))
    return kInvalidValue;
  if (int s = check(h, {{a, matrix<T>(lda, n)},
                        {work, matrix<T>(workFor(m, n), 1)},
                        {ipiv, 4 * std::min(m, n)},
                        {info, 4}}))
    return s;
  log("getrf", m, n);
  return finish(info, Lapack<T>::getrf(m, n, a, lda, ipiv));
}

template <typename T>
int getrs(void *h, int trans, int n, int nrhs, const T *a, int lda,
          const int *ipiv, T *b, int ldb, int *info) {
  if (n < 0 || nrhs < 0 || lda < std::max(1, n) || ldb < std::max(1, n) ||
      trans < 0 || trans > 2)
    return kInvalidValue;
  if (int s = check(h, {{a, matrix<T>(lda, n)},
                        {ipiv, 4 * n},
                        {b, matrix<T>(ldb, nrhs)},
                        {info, 4}}))
    return s;
  log("getrs", n, nrhs);
  return finish(info, Lapack<T>::getrs(op(trans), n, nrhs, const_cast<T *>(a),
                                       lda, const_cast<int *>(ipiv), b, ldb));
}

template <typename T>
int geqrf(void *h, int m, int n, T *a, int lda, T *tau, T *work, int lwork,
          int *info) {
  if (m < 0 || n < 0 || lda < std::max(1, m) || lwork < workFor(m, n))
    return kInvalidValue;
  if (int s = check(h, {{a, matrix<T>(lda, n)},
                        {tau, matrix<T>(std::min(m, n), 1)},
                        {work, matrix<T>(lwork, 1)},
                        {info, 4}}))
    return s;
  log("geqrf", m, n);
  return finish(info, Lapack<T>::geqrf(m, n, a, lda, tau));
}

template <typename T>
int orgqr(void *h, int m, int n, int k, T *a, int lda, const T *tau, T *work,
          int lwork, int *info) {
  if (m < 0 || n < 0 || n > m || k < 0 || k > n || lda < std::max(1, m) ||
      lwork < workFor(m, n))
    return kInvalidValue;
  if (int s = check(h, {{a, matrix<T>(lda, n)},
                        {tau, matrix<T>(k, 1)},
                        {work, matrix<T>(lwork, 1)},
                        {info, 4}}))
    return s;
  log("orgqr", m, n);
  return finish(info, Lapack<T>::orgqr(m, n, k, a, lda, const_cast<T *>(tau)));
}

template <typename T>
int syevd(void *h, int jobz, int uplo, int n, T *a, int lda, Real<T> *w,
          T *work, int lwork, int *info) {
  if (jobz != 1 || n < 0 || lda < std::max(1, n) || lwork < workFor(n, n))
    return kInvalidValue;
  if (int s = check(h, {{a, matrix<T>(lda, n)},
                        {w, matrix<Real<T>>(n, 1)},
                        {work, matrix<T>(lwork, 1)},
                        {info, 4}}))
    return s;
  log("syevd", n, n);
  return finish(info, Lapack<T>::syevd(fill(uplo), n, a, lda, w));
}

template <typename T>
int gesvd(void *h, signed char jobu, signed char jobvt, int m, int n, T *a,
          int lda, Real<T> *s, T *u, int ldu, T *vt, int ldvt, T *work,
          int lwork, Real<T> *rwork, int *info) {
  int k = std::min(m, n);
  // cuSOLVER's gesvd supports only m >= n.
  if (m < n || (jobu != 'S' && jobu != 'A') || (jobvt != 'S' && jobvt != 'A') ||
      lda < std::max(1, m) || ldu < std::max(1, m) ||
      ldvt < std::max(1, jobvt == 'A' ? n : k) || lwork < workFor(m, n))
    return kInvalidValue;
  if (int st = check(h, {{a, matrix<T>(lda, n)},
                         {s, matrix<Real<T>>(k, 1)},
                         {u, matrix<T>(ldu, jobu == 'A' ? m : k)},
                         {vt, matrix<T>(ldvt, n)},
                         {work, matrix<T>(lwork, 1)},
                         {info, 4}}))
    return st;
  if (rwork && (!device(rwork) || int64_t(mockcuda::deviceBytesFrom(rwork)) <
                                      matrix<Real<T>>(k - 1, 1)))
    return kInvalidValue;
  log("gesvd", m, n);
  std::vector<Real<T>> superb(std::max(1, k));
  return finish(info, Lapack<T>::gesvd(char(jobu), char(jobvt), m, n, a, lda, s,
                                       u, ldu, vt, ldvt, superb.data()));
}

#ifndef MOCK_NO_XGEEV
/// cusolverDnXgeev for complex data (the runtime widens real matrices).
template <typename T>
int xgeev(void *h, int jobvl, int jobvr, int64_t n, T *a, int64_t lda, T *w,
          T *vr, int64_t ldvr, void *deviceWork, size_t deviceBytes,
          int *info) {
  if (jobvl != 0 || jobvr != 1 || n < 0 || lda < std::max<int64_t>(1, n) ||
      ldvr < std::max<int64_t>(1, n) ||
      int64_t(deviceBytes) < matrix<T>(workFor(n, n), 1))
    return kInvalidValue;
  if (int s = check(h, {{a, matrix<T>(lda, n)},
                        {w, matrix<T>(n, 1)},
                        {vr, matrix<T>(ldvr, n)},
                        {deviceWork, int64_t(deviceBytes)},
                        {info, 4}}))
    return s;
  log("geev", int(n), int(n));
  return finish(info, geev(int(n), a, int(lda), w, vr, int(ldvr)));
}

#endif

template <typename T> T conjugate(T x) {
  if constexpr (std::is_floating_point_v<T>)
    return x;
  else
    return std::conj(x);
}

/// Element (i, j) of op(x), x column-major with leading dimension ld.
template <typename T> T element(int op, const T *x, int ld, int i, int j) {
  if (op == 0)
    return x[i + size_t(j) * ld];
  T v = x[j + size_t(i) * ld];
  return op == 2 ? conjugate(v) : v;
}

/// For cuBLAS: the handle, host scalars, and device extents.
int checkBlas(void *h, std::initializer_list<const void *> scalars,
              std::initializer_list<Extent> extents) {
  if (h != theHandle)
    return kNotInitialized;
  for (const void *scalar : scalars)
    if (device(scalar))
      return kBlasInvalidValue;
  return inDeviceMemory(extents) ? kSuccess : kBlasInvalidValue;
}

template <typename T>
int geam(void *h, int transa, int transb, int m, int n, const T *alpha,
         const T *a, int lda, const T *beta, const T *b, int ldb, T *c,
         int ldc) {
  auto rowsOf = [&](int t) { return t == 0 ? m : n; };
  auto colsOf = [&](int t) { return t == 0 ? n : m; };
  if (m < 0 || n < 0 || ldc < std::max(1, m) ||
      lda < std::max(1, rowsOf(transa)) || ldb < std::max(1, rowsOf(transb)))
    return kBlasInvalidValue;
  if (int s = checkBlas(h, {alpha, beta},
                        {{a, matrix<T>(lda, colsOf(transa))},
                         {b, matrix<T>(ldb, colsOf(transb))},
                         {c, matrix<T>(ldc, n)}}))
    return s;
  mockcuda::logLine("cublas geam " + std::to_string(m) + "x" +
                    std::to_string(n));
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < m; ++i) {
      T v = *alpha * element(transa, a, lda, i, j);
      if (*beta != T(0))
        v += *beta * element(transb, b, ldb, i, j);
      c[i + size_t(j) * ldc] = v;
    }
  return kSuccess;
}

template <typename T>
int gemm(void *h, int transa, int transb, int m, int n, int k, const T *alpha,
         const T *a, int lda, const T *b, int ldb, const T *beta, T *c,
         int ldc) {
  if (m < 0 || n < 0 || k < 0 || ldc < std::max(1, m) ||
      lda < std::max(1, transa == 0 ? m : k) ||
      ldb < std::max(1, transb == 0 ? k : n))
    return kBlasInvalidValue;
  if (int s = checkBlas(h, {alpha, beta},
                        {{a, matrix<T>(lda, transa == 0 ? k : m)},
                         {b, matrix<T>(ldb, transb == 0 ? n : k)},
                         {c, matrix<T>(ldc, n)}}))
    return s;
  mockcuda::logLine("cublas gemm " + std::to_string(m) + "x" +
                    std::to_string(n) + "x" + std::to_string(k));
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < m; ++i) {
      T sum(0);
      for (int p = 0; p < k; ++p)
        sum += element(transa, a, lda, i, p) * element(transb, b, ldb, p, j);
      T &out = c[i + size_t(j) * ldc];
      out = *alpha * sum + (*beta == T(0) ? T(0) : *beta * out);
    }
  return kSuccess;
}

template <typename T>
int dgmm(void *h, int side, int m, int n, const T *a, int lda, const T *x,
         int incx, T *c, int ldc) {
  if (m < 0 || n < 0 || lda < std::max(1, m) || ldc < std::max(1, m) ||
      incx <= 0 || (side != 0 && side != 1))
    return kBlasInvalidValue;
  if (int s = checkBlas(
          h, {},
          {{a, matrix<T>(lda, n)},
           {x, matrix<T>(int64_t(side == 0 ? m : n) * incx - incx + 1, 1)},
           {c, matrix<T>(ldc, n)}}))
    return s;
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < m; ++i)
      c[i + size_t(j) * ldc] =
          a[i + size_t(j) * lda] * x[size_t(side == 0 ? i : j) * incx];
  return kSuccess;
}

template <typename T>
int copy(void *h, int n, const T *x, int incx, T *y, int incy) {
  if (n < 0 || incx <= 0 || incy <= 0)
    return kBlasInvalidValue;
  if (int s = checkBlas(h, {},
                        {{x, matrix<T>(int64_t(n - 1) * incx + 1, 1)},
                         {y, matrix<T>(int64_t(n - 1) * incy + 1, 1)}}))
    return s;
  for (int i = 0; i < n; ++i)
    y[size_t(i) * incy] = x[size_t(i) * incx];
  return kSuccess;
}

/// LAPACKE's high-level routines refuse NaN input with a negative info;
/// cuSOLVER computes with it, so the mock does too.
const bool nanChecksOff = [] {
  LAPACKE_set_nancheck(0);
  return true;
}();

} // namespace

extern "C" {

int cusolverDnCreate(void **h) {
  *h = theHandle;
  return kSuccess;
}
int cusolverDnSetStream(void *h, void *) {
  return h == theHandle ? kSuccess : kNotInitialized;
}
// Built with MOCK_NO_XGEEV, the library is a cuSOLVER older than CUDA
// 12.6, which has no 64-bit general eigensolver.
#ifndef MOCK_NO_XGEEV
int paramsToken;
int cusolverDnCreateParams(void **params) {
  *params = &paramsToken;
  return kSuccess;
}
int cusolverDnDestroyParams(void *params) {
  return params == &paramsToken ? kSuccess : kInvalidValue;
}
/// cudaDataType: CUDA_C_32F = 4, CUDA_C_64F = 5.
int cusolverDnXgeev_bufferSize(void *h, void *params, int, int, int64_t n,
                               int typeA, const void *, int64_t, int typeW,
                               const void *, int typeVL, const void *, int64_t,
                               int typeVR, const void *, int64_t,
                               int computeType, size_t *deviceBytes,
                               size_t *hostBytes) {
  if (h != theHandle || params != &paramsToken)
    return kNotInitialized;
  if ((typeA != 4 && typeA != 5) || typeW != typeA || typeVL != typeA ||
      typeVR != typeA || computeType != typeA)
    return kInvalidValue;
  *deviceBytes = (typeA == 4 ? 8 : 16) * size_t(workFor(n, n));
  *hostBytes = 16;
  return kSuccess;
}
int cusolverDnXgeev(void *h, void *params, int jobvl, int jobvr, int64_t n,
                    int typeA, void *a, int64_t lda, int typeW, void *w,
                    int typeVL, void *, int64_t, int typeVR, void *vr,
                    int64_t ldvr, int computeType, void *deviceWork,
                    size_t deviceBytes, void *hostWork, size_t hostBytes,
                    int *info) {
  if (h != theHandle || params != &paramsToken)
    return kNotInitialized;
  if ((typeA != 4 && typeA != 5) || typeW != typeA || typeVL != typeA ||
      typeVR != typeA || computeType != typeA || !hostWork ||
      device(hostWork) || hostBytes < 16)
    return kInvalidValue;
  if (typeA == 4)
    return xgeev(h, jobvl, jobvr, n, static_cast<c64 *>(a), lda,
                 static_cast<c64 *>(w), static_cast<c64 *>(vr), ldvr,
                 deviceWork, deviceBytes, info);
  return xgeev(h, jobvl, jobvr, n, static_cast<c128 *>(a), lda,
               static_cast<c128 *>(w), static_cast<c128 *>(vr), ldvr,
               deviceWork, deviceBytes, info);
}
#endif

int cusolverDnDestroy(void *h) {
  return h == theHandle ? kSuccess : kNotInitialized;
}
int cublasDestroy_v2(void *h) {
  return h == theHandle ? kSuccess : kNotInitialized;
}
int cublasCreate_v2(void **h) {
  *h = theHandle;
  return kSuccess;
}
int cublasSetStream_v2(void *h, void *) {
  return h == theHandle ? kSuccess : kNotInitialized;
}

#define MOCK_ROUTINES(L, T, orth, her)                                         \
  int cusolverDn##L##potrf_bufferSize(void *h, int, int n, T *, int,           \
                                      int *lw) {                               \
    return bufferSize(h, n, n, lw);                                            \
  }                                                                            \
  int cusolverDn##L##potrf(void *h, int uplo, int n, T *a, int lda, T *w,      \
                           int lw, int *info) {                                \
    return potrf(h, uplo, n, a, lda, w, lw, info);                             \
  }                                                                            \
  int cusolverDn##L##getrf_bufferSize(void *h, int m, int n, T *, int,         \
                                      int *lw) {                               \
    return bufferSize(h, m, n, lw);                                            \
  }                                                                            \
  int cusolverDn##L##getrf(void *h, int m, int n, T *a, int lda, T *w,         \
                           int *ipiv, int *info) {                             \
    return getrf(h, m, n, a, lda, w, ipiv, info);                              \
  }                                                                            \
  int cusolverDn##L##getrs(void *h, int t, int n, int nrhs, const T *a,        \
                           int lda, const int *ipiv, T *b, int ldb,            \
                           int *info) {                                        \
    return getrs(h, t, n, nrhs, a, lda, ipiv, b, ldb, info);                   \
  }                                                                            \
  int cusolverDn##L##geqrf_bufferSize(void *h, int m, int n, T *, int,         \
                                      int *lw) {                               \
    return bufferSize(h, m, n, lw);                                            \
  }                                                                            \
  int cusolverDn##L##geqrf(void *h, int m, int n, T *a, int lda, T *tau, T *w, \
                           int lw, int *info) {                                \
    return geqrf(h, m, n, a, lda, tau, w, lw, info);                           \
  }                                                                            \
  int cusolverDn##L##orth##_bufferSize(void *h, int m, int n, int, const T *,  \
                                       int, const T *, int *lw) {              \
    return bufferSize(h, m, n, lw);                                            \
  }                                                                            \
  int cusolverDn##L##orth(void *h, int m, int n, int k, T *a, int lda,         \
                          const T *tau, T *w, int lw, int *info) {             \
    return orgqr(h, m, n, k, a, lda, tau, w, lw, info);                        \
  }                                                                            \
  int cusolverDn##L##her##_bufferSize(void *h, int, int, int n, const T *,     \
                                      int, const Real<T> *, int *lw) {         \
    return bufferSize(h, n, n, lw);                                            \
  }                                                                            \
  int cusolverDn##L##her(void *h, int jobz, int uplo, int n, T *a, int lda,    \
                         Real<T> *w, T *work, int lw, int *info) {             \
    return syevd(h, jobz, uplo, n, a, lda, w, work, lw, info);                 \
  }                                                                            \
  int cusolverDn##L##gesvd_bufferSize(void *h, int m, int n, int *lw) {        \
    return bufferSize(h, m, n, lw);                                            \
  }                                                                            \
  int cusolverDn##L##gesvd(void *h, signed char ju, signed char jvt, int m,    \
                           int n, T *a, int lda, Real<T> *s, T *u, int ldu,    \
                           T *vt, int ldvt, T *w, int lw, Real<T> *rw,         \
                           int *info) {                                        \
    return gesvd(h, ju, jvt, m, n, a, lda, s, u, ldu, vt, ldvt, w, lw, rw,     \
                 info);                                                        \
  }                                                                            \
  int cublas##L##geam(void *h, int ta, int tb, int m, int n, const T *alpha,   \
                      const T *a, int lda, const T *beta, const T *b, int ldb, \
                      T *c, int ldc) {                                         \
    return geam(h, ta, tb, m, n, alpha, a, lda, beta, b, ldb, c, ldc);         \
  }                                                                            \
  int cublas##L##copy_v2(void *h, int n, const T *x, int incx, T *y,           \
                         int incy) {                                           \
    return copy(h, n, x, incx, y, incy);                                       \
  }                                                                            \
  int cublas##L##gemm_v2(void *h, int ta, int tb, int m, int n, int k,         \
                         const T *alpha, const T *a, int lda, const T *b,      \
                         int ldb, const T *beta, T *c, int ldc) {              \
    return gemm(h, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);      \
  }                                                                            \
  int cublas##L##dgmm(void *h, int side, int m, int n, const T *a, int lda,    \
                      const T *x, int incx, T *c, int ldc) {                   \
    return dgmm(h, side, m, n, a, lda, x, incx, c, ldc);                       \
  }
MOCK_ROUTINES(S, float, orgqr, syevd)
MOCK_ROUTINES(D, double, orgqr, syevd)
MOCK_ROUTINES(C, c64, ungqr, heevd)
MOCK_ROUTINES(Z, c128, ungqr, heevd)
#undef MOCK_ROUTINES

} // extern "C"
