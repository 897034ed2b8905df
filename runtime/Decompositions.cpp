//===- Decompositions.cpp - Linear algebra through LAPACKE ----------------===//
//
// The decompositions programs will call (svd, qr, eigh, cholesky, solve,
// inv, det) for f32, f64, complex64 and complex128 on dense row-major
// matrices, through LAPACKE's row-major interface. Inputs are never
// modified; LAPACK's failures come back as one-line messages.
//
//===----------------------------------------------------------------------===//

#include "einrt/einrt.h"

#include <lapacke.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <complex>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <limits>
#include <vector>

namespace {

using c64 = std::complex<float>;
using c128 = std::complex<double>;

int fail(char *err, size_t errlen, int code, const char *fmt, ...) {
  if (err && errlen) {
    va_list args;
    va_start(args, fmt);
    std::vsnprintf(err, errlen, fmt, args);
    va_end(args);
  }
  return code;
}

/// LAPACKE's functions by element type. LAPACKE's complex types have the
/// layout of std::complex, so pointers convert with a reinterpret_cast.
template <typename T> struct Lapack;
#define EINRT_LAPACK(T, L, R, p, her, orth)                                    \
  template <> struct Lapack<T> {                                               \
    using Real = R;                                                            \
    static L *c(T *x) { return reinterpret_cast<L *>(x); }                     \
    static const L *c(const T *x) { return reinterpret_cast<const L *>(x); }   \
    static lapack_int gesdd(lapack_int m, lapack_int n, T *a, R *s, T *u,      \
                            T *vt) {                                           \
      lapack_int k = std::min(m, n);                                           \
      return LAPACKE_##p##gesdd(LAPACK_ROW_MAJOR, 'S', m, n, c(a), n, s, c(u), \
                                k, c(vt), n);                                  \
    }                                                                          \
    static lapack_int geqrf(lapack_int m, lapack_int n, T *a, T *tau) {        \
      return LAPACKE_##p##geqrf(LAPACK_ROW_MAJOR, m, n, c(a), n, c(tau));      \
    }                                                                          \
    static lapack_int orgqr(lapack_int m, lapack_int k, T *q, const T *tau) {  \
      return LAPACKE_##p##orth(LAPACK_ROW_MAJOR, m, k, k, c(q), k, c(tau));    \
    }                                                                          \
    static lapack_int eigh(lapack_int n, T *a, R *w) {                         \
      return LAPACKE_##p##her(LAPACK_ROW_MAJOR, 'V', 'L', n, c(a), n, w);      \
    }                                                                          \
    static lapack_int potrf(lapack_int n, T *a) {                              \
      return LAPACKE_##p##potrf(LAPACK_ROW_MAJOR, 'L', n, c(a), n);            \
    }                                                                          \
    static lapack_int gesv(lapack_int n, lapack_int nrhs, T *a,                \
                           lapack_int *ipiv, T *b) {                           \
      return LAPACKE_##p##gesv(LAPACK_ROW_MAJOR, n, nrhs, c(a), n, ipiv, c(b), \
                               nrhs);                                          \
    }                                                                          \
    static lapack_int getrf(lapack_int n, T *a, lapack_int *ipiv) {            \
      return LAPACKE_##p##getrf(LAPACK_ROW_MAJOR, n, n, c(a), n, ipiv);        \
    }                                                                          \
    static lapack_int getri(lapack_int n, T *a, const lapack_int *ipiv) {      \
      return LAPACKE_##p##getri(LAPACK_ROW_MAJOR, n, c(a), n, ipiv);           \
    }                                                                          \
    static lapack_int gelsd(lapack_int m, lapack_int n, lapack_int nrhs, T *a, \
                            T *b, R *s, R rcond, lapack_int *rank) {           \
      return LAPACKE_##p##gelsd(LAPACK_ROW_MAJOR, m, n, nrhs, c(a), n, c(b),   \
                                nrhs, s, rcond, rank);                         \
    }                                                                          \
  };
EINRT_LAPACK(float, float, float, s, syevd, orgqr)
EINRT_LAPACK(double, double, double, d, syevd, orgqr)
EINRT_LAPACK(c64, lapack_complex_float, float, c, heevd, ungqr)
EINRT_LAPACK(c128, lapack_complex_double, double, z, heevd, ungqr)
#undef EINRT_LAPACK

/// Right eigenvectors of a general complex matrix (no left ones).
lapack_int geev(lapack_int n, c64 *a, c64 *w, c64 *vr) {
  using L = lapack_complex_float;
  return LAPACKE_cgeev(LAPACK_ROW_MAJOR, 'N', 'V', n, reinterpret_cast<L *>(a),
                       n, reinterpret_cast<L *>(w), nullptr, n,
                       reinterpret_cast<L *>(vr), n);
}
lapack_int geev(lapack_int n, c128 *a, c128 *w, c128 *vr) {
  using L = lapack_complex_double;
  return LAPACKE_zgeev(LAPACK_ROW_MAJOR, 'N', 'V', n, reinterpret_cast<L *>(a),
                       n, reinterpret_cast<L *>(w), nullptr, n,
                       reinterpret_cast<L *>(vr), n);
}

/// Checks sizes fit LAPACK's 32-bit integers.
bool fits(int64_t v) { return v >= 0 && v <= INT_MAX / 2; }

template <typename T> std::vector<T> copyOf(const void *p, size_t n) {
  std::vector<T> v(n);
  if (n)
    std::memcpy(v.data(), p, n * sizeof(T));
  return v;
}

template <typename T>
int svd(int64_t m, int64_t n, const void *a, void *u, void *s, void *vt,
        char *err, size_t errlen) {
  int64_t k = std::min(m, n);
  if (k == 0)
    return EINRT_LA_OK;
  std::vector<T> work = copyOf<T>(a, m * n);
  lapack_int info = Lapack<T>::gesdd(m, n, work.data(),
                                     static_cast<typename Lapack<T>::Real *>(s),
                                     static_cast<T *>(u), static_cast<T *>(vt));
  if (info > 0)
    return fail(err, errlen, EINRT_LA_NO_CONVERGENCE,
                "svd did not converge (LAPACK gesdd info %d)", int(info));
  return info < 0 ? fail(err, errlen, EINRT_LA_BAD_ARGUMENT,
                         "svd: LAPACK rejected argument %d", int(-info))
                  : EINRT_LA_OK;
}

template <typename T>
int qr(int64_t m, int64_t n, const void *a, void *qOut, void *rOut, char *err,
       size_t errlen) {
  int64_t k = std::min(m, n);
  T *q = static_cast<T *>(qOut), *r = static_cast<T *>(rOut);
  if (k == 0)
    return EINRT_LA_OK;
  std::vector<T> work = copyOf<T>(a, m * n), tau(k);
  if (lapack_int info = Lapack<T>::geqrf(m, n, work.data(), tau.data()))
    return fail(err, errlen, EINRT_LA_BAD_ARGUMENT,
                "qr: LAPACK geqrf failed (info %d)", int(info));
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = 0; j < n; ++j)
      r[i * n + j] = j >= i ? work[i * n + j] : T(0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < k; ++j)
      q[i * k + j] = work[i * n + j];
  if (lapack_int info = Lapack<T>::orgqr(m, k, q, tau.data()))
    return fail(err, errlen, EINRT_LA_BAD_ARGUMENT,
                "qr: LAPACK orgqr failed (info %d)", int(info));
  return EINRT_LA_OK;
}

template <typename T>
int eigh(int64_t n, const void *a, void *w, void *v, char *err, size_t errlen) {
  if (n == 0)
    return EINRT_LA_OK;
  T *out = static_cast<T *>(v);
  std::memcpy(out, a, n * n * sizeof(T));
  lapack_int info =
      Lapack<T>::eigh(n, out, static_cast<typename Lapack<T>::Real *>(w));
  if (info > 0)
    return fail(err, errlen, EINRT_LA_NO_CONVERGENCE,
                "eigh did not converge (LAPACK info %d)", int(info));
  return info < 0 ? fail(err, errlen, EINRT_LA_BAD_ARGUMENT,
                         "eigh: LAPACK rejected argument %d", int(-info))
                  : EINRT_LA_OK;
}

template <typename T>
int cholesky(int64_t n, const void *a, void *lOut, char *err, size_t errlen) {
  T *l = static_cast<T *>(lOut);
  if (n == 0)
    return EINRT_LA_OK;
  std::memcpy(l, a, n * n * sizeof(T));
  lapack_int info = Lapack<T>::potrf(n, l);
  if (info > 0)
    return fail(err, errlen, EINRT_LA_NOT_POSITIVE_DEFINITE,
                "cholesky: the matrix is not positive definite (its leading "
                "minor of order %d is not)",
                int(info));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = i + 1; j < n; ++j)
      l[i * n + j] = T(0);
  return info < 0 ? fail(err, errlen, EINRT_LA_BAD_ARGUMENT,
                         "cholesky: LAPACK rejected argument %d", int(-info))
                  : EINRT_LA_OK;
}

template <typename T>
int solve(int64_t n, int64_t nrhs, const void *a, const void *b, void *x,
          char *err, size_t errlen) {
  if (n == 0 || nrhs == 0)
    return EINRT_LA_OK;
  std::vector<T> work = copyOf<T>(a, n * n);
  std::vector<lapack_int> ipiv(n);
  std::memcpy(x, b, n * nrhs * sizeof(T));
  lapack_int info =
      Lapack<T>::gesv(n, nrhs, work.data(), ipiv.data(), static_cast<T *>(x));
  if (info > 0)
    return fail(err, errlen, EINRT_LA_SINGULAR,
                "solve: the matrix is singular (U(%d,%d) is exactly zero)",
                int(info), int(info));
  return info < 0 ? fail(err, errlen, EINRT_LA_BAD_ARGUMENT,
                         "solve: LAPACK rejected argument %d", int(-info))
                  : EINRT_LA_OK;
}

template <typename T>
int inv(int64_t n, const void *a, void *out, char *err, size_t errlen) {
  if (n == 0)
    return EINRT_LA_OK;
  T *work = static_cast<T *>(out);
  std::memcpy(work, a, n * n * sizeof(T));
  std::vector<lapack_int> ipiv(n);
  lapack_int info = Lapack<T>::getrf(n, work, ipiv.data());
  if (info == 0)
    info = Lapack<T>::getri(n, work, ipiv.data());
  if (info > 0)
    return fail(err, errlen, EINRT_LA_SINGULAR,
                "inv: the matrix is singular (U(%d,%d) is exactly zero)",
                int(info), int(info));
  return info < 0 ? fail(err, errlen, EINRT_LA_BAD_ARGUMENT,
                         "inv: LAPACK rejected argument %d", int(-info))
                  : EINRT_LA_OK;
}

template <typename T>
int det(int64_t n, const void *a, void *out, char *err, size_t errlen) {
  T result(1);
  if (n > 0) {
    std::vector<T> work = copyOf<T>(a, n * n);
    std::vector<lapack_int> ipiv(n);
    lapack_int info = Lapack<T>::getrf(n, work.data(), ipiv.data());
    if (info < 0)
      return fail(err, errlen, EINRT_LA_BAD_ARGUMENT,
                  "det: LAPACK rejected argument %d", int(-info));
    // An exactly singular matrix has determinant 0, not an error.
    for (int64_t i = 0; i < n; ++i) {
      result *= work[i * n + i];
      if (ipiv[i] != i + 1)
        result = -result;
    }
  }
  std::memcpy(out, &result, sizeof(T));
  return EINRT_LA_OK;
}

template <typename T>
int slogdet(int64_t n, const void *a, void *signOut, void *logOut, char *err,
            size_t errlen) {
  using R = typename Lapack<T>::Real;
  T sign(1);
  R logabs(0);
  if (n > 0) {
    std::vector<T> work = copyOf<T>(a, n * n);
    std::vector<lapack_int> ipiv(n);
    lapack_int info = Lapack<T>::getrf(n, work.data(), ipiv.data());
    if (info < 0)
      return fail(err, errlen, EINRT_LA_BAD_ARGUMENT,
                  "slogdet: LAPACK rejected argument %d", int(-info));
    for (int64_t i = 0; i < n; ++i) {
      T u = work[i * n + i];
      R magnitude = std::abs(u);
      if (magnitude == R(0)) {
        // Singular: NumPy gives sign 0 and log|det| = -inf.
        sign = T(0);
        logabs = -std::numeric_limits<R>::infinity();
        break;
      }
      sign *= u / T(magnitude);
      logabs += std::log(magnitude);
      if (ipiv[i] != i + 1)
        sign = -sign;
    }
  }
  std::memcpy(signOut, &sign, sizeof(T));
  std::memcpy(logOut, &logabs, sizeof(R));
  return EINRT_LA_OK;
}

/// eig of a matrix of element type T: real ones are widened to complex
/// first, since the eigenvalues of a general matrix are complex.
template <typename T>
int eig(int64_t n, const void *a, void *w, void *v, char *err, size_t errlen) {
  using C = std::complex<typename Lapack<T>::Real>;
  if (n == 0)
    return EINRT_LA_OK;
  std::vector<C> work(n * n);
  const T *in = static_cast<const T *>(a);
  for (int64_t i = 0; i < n * n; ++i)
    work[i] = C(in[i]);
  lapack_int info =
      geev(n, work.data(), static_cast<C *>(w), static_cast<C *>(v));
  if (info > 0)
    return fail(err, errlen, EINRT_LA_NO_CONVERGENCE,
                "eig did not converge (LAPACK geev info %d)", int(info));
  return info < 0 ? fail(err, errlen, EINRT_LA_BAD_ARGUMENT,
                         "eig: LAPACK rejected argument %d", int(-info))
                  : EINRT_LA_OK;
}

template <typename T>
int lstsq(int64_t m, int64_t n, int64_t nrhs, const void *a, const void *b,
          void *xOut, char *err, size_t errlen) {
  using R = typename Lapack<T>::Real;
  T *x = static_cast<T *>(xOut);
  std::fill(x, x + n * nrhs, T(0));
  if (m == 0 || n == 0 || nrhs == 0)
    return EINRT_LA_OK;
  // gelsd overwrites b, which needs max(m, n) rows, with the solution.
  int64_t rows = std::max(m, n);
  std::vector<T> work = copyOf<T>(a, m * n), rhs(rows * nrhs, T(0));
  std::memcpy(rhs.data(), b, m * nrhs * sizeof(T));
  std::vector<R> s(std::min(m, n));
  lapack_int rank = 0;
  R rcond = std::numeric_limits<R>::epsilon() * R(rows);
  lapack_int info = Lapack<T>::gelsd(m, n, nrhs, work.data(), rhs.data(),
                                     s.data(), rcond, &rank);
  if (info > 0)
    return fail(err, errlen, EINRT_LA_NO_CONVERGENCE,
                "lstsq: the SVD did not converge (LAPACK gelsd info %d)",
                int(info));
  if (info < 0)
    return fail(err, errlen, EINRT_LA_BAD_ARGUMENT,
                "lstsq: LAPACK rejected argument %d", int(-info));
  std::memcpy(x, rhs.data(), n * nrhs * sizeof(T));
  return EINRT_LA_OK;
}

/// Calls F<T> for the floating-point dtypes; refuses integers.
template <template <typename> class F, typename... Args>
int dispatch(einrt_dtype t, const char *name, char *err, size_t errlen,
             Args... args) {
  switch (t) {
  case EINRT_F32:
    return F<float>::run(args..., err, errlen);
  case EINRT_F64:
    return F<double>::run(args..., err, errlen);
  case EINRT_C64:
    return F<c64>::run(args..., err, errlen);
  case EINRT_C128:
    return F<c128>::run(args..., err, errlen);
  default:
    return fail(err, errlen, EINRT_LA_BAD_ARGUMENT,
                "%s needs floating-point numbers, not %s", name,
                einrt_dtype_name(t));
  }
}

#define EINRT_WRAP(name)                                                       \
  template <typename T> struct name##Fn {                                      \
    template <typename... A> static int run(A... args) {                       \
      return name<T>(args...);                                                 \
    }                                                                          \
  };
EINRT_WRAP(svd)
EINRT_WRAP(qr)
EINRT_WRAP(eigh)
EINRT_WRAP(cholesky)
EINRT_WRAP(solve)
EINRT_WRAP(inv)
EINRT_WRAP(det)
EINRT_WRAP(slogdet)
EINRT_WRAP(eig)
EINRT_WRAP(lstsq)
#undef EINRT_WRAP

int badSize(char *err, size_t errlen, const char *name) {
  return fail(err, errlen, EINRT_LA_BAD_ARGUMENT,
              "%s: matrix sizes must be between 0 and 2^30", name);
}

} // namespace

extern "C" {

int einrt_svd(einrt_dtype t, int64_t m, int64_t n, const void *a, void *u,
              void *s, void *vt, char *err, size_t errlen) {
  if (!fits(m) || !fits(n))
    return badSize(err, errlen, "svd");
  return dispatch<svdFn>(t, "svd", err, errlen, m, n, a, u, s, vt);
}

int einrt_qr(einrt_dtype t, int64_t m, int64_t n, const void *a, void *q,
             void *r, char *err, size_t errlen) {
  if (!fits(m) || !fits(n))
    return badSize(err, errlen, "qr");
  return dispatch<qrFn>(t, "qr", err, errlen, m, n, a, q, r);
}

int einrt_eigh(einrt_dtype t, int64_t n, const void *a, void *w, void *v,
               char *err, size_t errlen) {
  if (!fits(n))
    return badSize(err, errlen, "eigh");
  return dispatch<eighFn>(t, "eigh", err, errlen, n, a, w, v);
}

int einrt_cholesky(einrt_dtype t, int64_t n, const void *a, void *l, char *err,
                   size_t errlen) {
  if (!fits(n))
    return badSize(err, errlen, "cholesky");
  return dispatch<choleskyFn>(t, "cholesky", err, errlen, n, a, l);
}

int einrt_solve(einrt_dtype t, int64_t n, int64_t nrhs, const void *a,
                const void *b, void *x, char *err, size_t errlen) {
  if (!fits(n) || !fits(nrhs))
    return badSize(err, errlen, "solve");
  return dispatch<solveFn>(t, "solve", err, errlen, n, nrhs, a, b, x);
}

int einrt_inv(einrt_dtype t, int64_t n, const void *a, void *out, char *err,
              size_t errlen) {
  if (!fits(n))
    return badSize(err, errlen, "inv");
  return dispatch<invFn>(t, "inv", err, errlen, n, a, out);
}

int einrt_det(einrt_dtype t, int64_t n, const void *a, void *out, char *err,
              size_t errlen) {
  if (!fits(n))
    return badSize(err, errlen, "det");
  return dispatch<detFn>(t, "det", err, errlen, n, a, out);
}

int einrt_slogdet(einrt_dtype t, int64_t n, const void *a, void *sign,
                  void *logabsdet, char *err, size_t errlen) {
  if (!fits(n))
    return badSize(err, errlen, "slogdet");
  return dispatch<slogdetFn>(t, "slogdet", err, errlen, n, a, sign, logabsdet);
}

int einrt_eig(einrt_dtype t, int64_t n, const void *a, void *w, void *v,
              char *err, size_t errlen) {
  if (!fits(n))
    return badSize(err, errlen, "eig");
  return dispatch<eigFn>(t, "eig", err, errlen, n, a, w, v);
}

int einrt_lstsq(einrt_dtype t, int64_t m, int64_t n, int64_t nrhs,
                const void *a, const void *b, void *x, char *err,
                size_t errlen) {
  if (!fits(m) || !fits(n) || !fits(nrhs))
    return badSize(err, errlen, "lstsq");
  return dispatch<lstsqFn>(t, "lstsq", err, errlen, m, n, nrhs, a, b, x);
}

} // extern "C"
