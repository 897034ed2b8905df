//===- DecompositionChecks.h - Decompositions checked by identity -*- C++
//-*-===//
//
// Every decomposition checked by its defining identity (U S V^H = A,
// Q^H Q = I, A V = V diag(w), L L^H = A, A X = B, A A^-1 = I, and the
// normal equations A^H (A X - B) = 0 for least squares) on random,
// ill-conditioned, rank-deficient, 1x1, empty, tall and wide inputs, for
// one element type T, through a backend B whose static functions have the
// signatures of einrt.h's einrt_svd, einrt_qr, einrt_eigh, einrt_cholesky,
// einrt_solve, einrt_lstsq, einrt_inv, einrt_det, einrt_slogdet and
// einrt_eig: LAPACK on
// the CPU (DecompositionsTest.cpp), cuSOLVER on device memory (the GPU tests).
//
//===----------------------------------------------------------------------===//

#ifndef EIN_TEST_SUPPORT_DECOMPOSITIONCHECKS_H
#define EIN_TEST_SUPPORT_DECOMPOSITIONCHECKS_H

#include "einrt/einrt.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace ein::decomposition_checks {

template <typename T> struct Traits {
  using Real = T;
  static constexpr einrt_dtype dtype = sizeof(T) == 4 ? EINRT_F32 : EINRT_F64;
  static T random(std::mt19937_64 &rng) {
    return std::uniform_real_distribution<Real>(-1, 1)(rng);
  }
  static T conj(T x) { return x; }
};
template <typename R> struct Traits<std::complex<R>> {
  using Real = R;
  static constexpr einrt_dtype dtype = sizeof(R) == 4 ? EINRT_C64 : EINRT_C128;
  static std::complex<R> random(std::mt19937_64 &rng) {
    std::uniform_real_distribution<R> d(-1, 1);
    return {d(rng), d(rng)};
  }
  static std::complex<R> conj(std::complex<R> x) { return std::conj(x); }
};

template <typename T> using Mat = std::vector<T>;

template <typename T>
Mat<T> randomMatrix(int64_t m, int64_t n, std::mt19937_64 &rng) {
  Mat<T> a(m * n);
  for (T &x : a)
    x = Traits<T>::random(rng);
  return a;
}

/// c = a (m x k) * b (k x n); with conjA, a^H (a is k x m).
template <typename T>
Mat<T> matmul(const Mat<T> &a, const Mat<T> &b, int64_t m, int64_t k, int64_t n,
              bool conjA = false) {
  Mat<T> c(m * n, T(0));
  for (int64_t i = 0; i < m; ++i)
    for (int64_t p = 0; p < k; ++p) {
      T aip = conjA ? Traits<T>::conj(a[p * m + i]) : a[i * k + p];
      for (int64_t j = 0; j < n; ++j)
        c[i * n + j] += aip * b[p * n + j];
    }
  return c;
}

template <typename T> double maxDiff(const Mat<T> &a, const Mat<T> &b) {
  double d = 0;
  for (size_t i = 0; i < a.size(); ++i)
    d = std::max(d, double(std::abs(a[i] - b[i])));
  return d;
}

template <typename T> Mat<T> identity(int64_t n) {
  Mat<T> e(n * n, T(0));
  for (int64_t i = 0; i < n; ++i)
    e[i * n + i] = T(1);
  return e;
}

template <typename T> double tolerance() {
  return sizeof(typename Traits<T>::Real) == 4 ? 2e-4 : 1e-10;
}

/// A Hermitian positive-definite matrix: b^H b + n I.
template <typename T> Mat<T> spd(int64_t n, std::mt19937_64 &rng) {
  Mat<T> b = randomMatrix<T>(n, n, rng);
  Mat<T> a = matmul(b, b, n, n, n, true);
  for (int64_t i = 0; i < n; ++i)
    a[i * n + i] += T(n);
  return a;
}

template <typename B, typename T> void checkSvd() {
  using R = typename Traits<T>::Real;
  std::mt19937_64 rng(1);
  for (auto [m, n] : std::vector<std::pair<int64_t, int64_t>>{
           {4, 4}, {6, 3}, {3, 6}, {1, 1}, {0, 3}, {5, 0}}) {
    int64_t k = std::min(m, n);
    Mat<T> a = randomMatrix<T>(m, n, rng);
    // Rank-deficient variant: repeat the first row.
    for (int rankDeficient = 0; rankDeficient < 2; ++rankDeficient) {
      if (rankDeficient && m > 1)
        for (int64_t j = 0; j < n; ++j)
          a[n + j] = a[j];
      Mat<T> u(m * k + 1), vt(k * n + 1);
      std::vector<R> s(k + 1);
      char err[256] = "";
      ASSERT_EQ(B::svd(Traits<T>::dtype, m, n, a.data(), u.data(), s.data(),
                       vt.data(), err, sizeof(err)),
                EINRT_LA_OK)
          << err;
      Mat<T> us(m * k);
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < k; ++j)
          us[i * k + j] = u[i * k + j] * T(s[j]);
      EXPECT_LT(maxDiff(matmul(us, vt, m, k, n), a), tolerance<T>())
          << m << "x" << n;
      u.resize(m * k);
      EXPECT_LT(maxDiff(matmul(u, u, k, m, k, true), identity<T>(k)),
                tolerance<T>());
      for (int64_t j = 1; j < k; ++j)
        EXPECT_GE(s[j - 1], s[j]);
    }
  }
}

template <typename B, typename T> void checkQr() {
  std::mt19937_64 rng(2);
  for (auto [m, n] : std::vector<std::pair<int64_t, int64_t>>{
           {4, 4}, {6, 3}, {3, 6}, {1, 1}, {0, 2}}) {
    int64_t k = std::min(m, n);
    Mat<T> a = randomMatrix<T>(m, n, rng), q(m * k + 1), r(k * n + 1);
    char err[256] = "";
    ASSERT_EQ(B::qr(Traits<T>::dtype, m, n, a.data(), q.data(), r.data(), err,
                    sizeof(err)),
              EINRT_LA_OK)
        << err;
    q.resize(m * k);
    r.resize(k * n);
    EXPECT_LT(maxDiff(matmul(q, r, m, k, n), a), tolerance<T>());
    EXPECT_LT(maxDiff(matmul(q, q, k, m, k, true), identity<T>(k)),
              tolerance<T>());
    for (int64_t i = 0; i < k; ++i)
      for (int64_t j = 0; j < i && j < n; ++j)
        EXPECT_EQ(r[i * n + j], T(0));
  }
}

template <typename B, typename T> void checkEigh() {
  using R = typename Traits<T>::Real;
  std::mt19937_64 rng(3);
  for (int64_t n : {5, 1, 0}) {
    Mat<T> a = spd<T>(n, rng), v(n * n + 1);
    std::vector<R> w(n + 1);
    char err[256] = "";
    ASSERT_EQ(B::eigh(Traits<T>::dtype, n, a.data(), w.data(), v.data(), err,
                      sizeof(err)),
              EINRT_LA_OK)
        << err;
    v.resize(n * n);
    Mat<T> vw(n * n);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j)
        vw[i * n + j] = v[i * n + j] * T(w[j]);
    EXPECT_LT(maxDiff(matmul(a, v, n, n, n), vw), tolerance<T>() * 10);
    for (int64_t j = 1; j < n; ++j)
      EXPECT_LE(w[j - 1], w[j]);
  }
}

template <typename B, typename T> void checkCholeskySolveInvDet() {
  std::mt19937_64 rng(4);
  const int64_t n = 5, nrhs = 2;
  Mat<T> a = spd<T>(n, rng), l(n * n), x(n * nrhs), inv(n * n);
  char err[256] = "";
  ASSERT_EQ(
      B::cholesky(Traits<T>::dtype, n, a.data(), l.data(), err, sizeof(err)),
      EINRT_LA_OK)
      << err;
  // l l^H = a: build l^H explicitly.
  Mat<T> lh(n * n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      lh[i * n + j] = Traits<T>::conj(l[j * n + i]);
  EXPECT_LT(maxDiff(matmul(l, lh, n, n, n), a), tolerance<T>() * 10);

  Mat<T> b = randomMatrix<T>(n, nrhs, rng);
  ASSERT_EQ(B::solve(Traits<T>::dtype, n, nrhs, a.data(), b.data(), x.data(),
                     err, sizeof(err)),
            EINRT_LA_OK);
  EXPECT_LT(maxDiff(matmul(a, x, n, n, nrhs), b), tolerance<T>() * 10);

  ASSERT_EQ(B::inv(Traits<T>::dtype, n, a.data(), inv.data(), err, sizeof(err)),
            EINRT_LA_OK);
  EXPECT_LT(maxDiff(matmul(a, inv, n, n, n), identity<T>(n)),
            tolerance<T>() * 10);

  // det of a triangular matrix is the product of its diagonal; a row swap
  // flips the sign.
  Mat<T> t = {T(2), T(7), T(1), T(0), T(3), T(5), T(0), T(0), T(-4)};
  T det;
  ASSERT_EQ(B::det(Traits<T>::dtype, 3, t.data(), &det, err, sizeof(err)),
            EINRT_LA_OK);
  EXPECT_LT(std::abs(det - T(-24)), tolerance<T>() * 100);
  std::swap_ranges(t.begin(), t.begin() + 3, t.begin() + 3);
  ASSERT_EQ(B::det(Traits<T>::dtype, 3, t.data(), &det, err, sizeof(err)),
            EINRT_LA_OK);
  EXPECT_LT(std::abs(det - T(24)), tolerance<T>() * 100);
}

template <typename B, typename T> void checkIllConditionedSolve() {
  // A Hilbert matrix of order 4 (condition number ~1.5e4).
  const int64_t n = 4;
  Mat<T> h(n * n), x(n), b(n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      h[i * n + j] = T(1.0 / double(i + j + 1));
  for (int64_t i = 0; i < n; ++i) {
    b[i] = T(0);
    for (int64_t j = 0; j < n; ++j)
      b[i] += h[i * n + j];
  }
  char err[256] = "";
  ASSERT_EQ(B::solve(Traits<T>::dtype, n, 1, h.data(), b.data(), x.data(), err,
                     sizeof(err)),
            EINRT_LA_OK);
  for (int64_t i = 0; i < n; ++i)
    EXPECT_LT(std::abs(x[i] - T(1)), tolerance<T>() * 1e4);
}

template <typename B, typename T> void checkFailures() {
  Mat<T> singular = {T(1), T(2), T(2), T(4)}, out(4);
  char err[256] = "";
  EXPECT_EQ(B::inv(Traits<T>::dtype, 2, singular.data(), out.data(), err,
                   sizeof(err)),
            EINRT_LA_SINGULAR);
  EXPECT_NE(std::string(err).find("singular"), std::string::npos) << err;
  EXPECT_EQ(B::solve(Traits<T>::dtype, 2, 2, singular.data(), singular.data(),
                     out.data(), err, sizeof(err)),
            EINRT_LA_SINGULAR);
  T det;
  EXPECT_EQ(
      B::det(Traits<T>::dtype, 2, singular.data(), &det, err, sizeof(err)),
      EINRT_LA_OK);
  EXPECT_EQ(det, T(0));
  Mat<T> indefinite = {T(1), T(0), T(0), T(-1)};
  EXPECT_EQ(B::cholesky(Traits<T>::dtype, 2, indefinite.data(), out.data(), err,
                        sizeof(err)),
            EINRT_LA_NOT_POSITIVE_DEFINITE);
  EXPECT_NE(std::string(err).find("not positive definite"), std::string::npos);
}

/// det and slogdet agree: sign * exp(logabsdet) = det, and a singular
/// matrix has sign 0 and log|det| = -inf.
template <typename B, typename T> void checkSlogdet() {
  using R = typename Traits<T>::Real;
  std::mt19937_64 rng(7);
  for (int64_t n : {4, 1, 0}) {
    Mat<T> a = randomMatrix<T>(n, n, rng);
    T det(0), sign(0);
    R logabs(0);
    char err[256] = "";
    ASSERT_EQ(B::det(Traits<T>::dtype, n, a.data(), &det, err, sizeof(err)),
              EINRT_LA_OK)
        << err;
    ASSERT_EQ(B::slogdet(Traits<T>::dtype, n, a.data(), &sign, &logabs, err,
                         sizeof(err)),
              EINRT_LA_OK)
        << err;
    EXPECT_LT(std::abs(sign * T(std::exp(logabs)) - det),
              tolerance<T>() * 10 * std::max(R(1), R(std::abs(det))))
        << n;
  }
  Mat<T> singular = {T(1), T(2), T(2), T(4)};
  T sign(1);
  R logabs(0);
  char err[256] = "";
  ASSERT_EQ(B::slogdet(Traits<T>::dtype, 2, singular.data(), &sign, &logabs,
                       err, sizeof(err)),
            EINRT_LA_OK);
  EXPECT_EQ(sign, T(0));
  EXPECT_TRUE(std::isinf(logabs) && logabs < 0);
}

template <typename B, typename T> void checkLstsq() {
  std::mt19937_64 rng(6);
  for (auto [m, n, r] :
       std::vector<std::tuple<int64_t, int64_t, int64_t>>{{6, 3, 3},
                                                          {3, 6, 3},
                                                          {4, 4, 4},
                                                          {6, 4, 2},
                                                          {1, 1, 1},
                                                          {0, 3, 0},
                                                          {3, 0, 0}}) {
    // a has rank r: a product of m x r and r x n factors.
    Mat<T> a =
        matmul(randomMatrix<T>(m, r, rng), randomMatrix<T>(r, n, rng), m, r, n);
    const int64_t nrhs = 2;
    Mat<T> b = randomMatrix<T>(m, nrhs, rng), x(n * nrhs + 1, T(7));
    char err[256] = "";
    ASSERT_EQ(B::lstsq(Traits<T>::dtype, m, n, nrhs, a.data(), b.data(),
                       x.data(), err, sizeof(err)),
              EINRT_LA_OK)
        << err;
    x.resize(n * nrhs);
    // The normal equations a^H (a x - b) = 0 hold at a least-squares
    // solution; the minimum-norm one lies in the row space of a, so
    // adding a null-space vector would only lengthen it (not checked).
    Mat<T> residual = matmul(a, x, m, n, nrhs);
    for (int64_t i = 0; i < m * nrhs; ++i)
      residual[i] -= b[i];
    Mat<T> normal = matmul(a, residual, n, m, nrhs, /*conjA=*/true);
    EXPECT_LT(maxDiff(normal, Mat<T>(n * nrhs, T(0))), tolerance<T>() * 100)
        << m << "x" << n << " rank " << r;
  }
  // An empty matrix gives a zero solution.
  Mat<T> x(3, T(7));
  char err[256] = "";
  ASSERT_EQ(B::lstsq(Traits<T>::dtype, 0, 3, 1, nullptr, nullptr, x.data(), err,
                     sizeof(err)),
            EINRT_LA_OK);
  EXPECT_EQ(maxDiff(x, Mat<T>(3, T(0))), 0);
}

template <typename B, typename T> void checkEig() {
  using C = std::complex<typename Traits<T>::Real>;
  std::mt19937_64 rng(5);
  for (int64_t n : {4, 1, 0, 7}) {
    Mat<T> a = randomMatrix<T>(n, n, rng);
    Mat<C> ac(a.begin(), a.end()), w(n + 1), v(n * n + 1);
    char err[256] = "";
    ASSERT_EQ(B::eig(Traits<T>::dtype, n, a.data(), w.data(), v.data(), err,
                     sizeof(err)),
              EINRT_LA_OK)
        << err;
    v.resize(n * n);
    Mat<C> vw(n * n);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t k = 0; k < n; ++k)
        vw[i * n + k] = v[i * n + k] * w[k];
    // A V = V diag(w), and every eigenvector has unit norm.
    EXPECT_LT(maxDiff(matmul(ac, v, n, n, n), vw), tolerance<T>() * 10) << n;
    for (int64_t k = 0; k < n; ++k) {
      double norm = 0;
      for (int64_t i = 0; i < n; ++i)
        norm += std::norm(v[i * n + k]);
      EXPECT_NEAR(norm, 1, tolerance<T>());
    }
  }
  // A rotation has the eigenvalues +-i, also from real input.
  Mat<T> rotation = {T(0), T(-1), T(1), T(0)};
  Mat<C> w(2), v(4);
  char err[256] = "";
  ASSERT_EQ(B::eig(Traits<T>::dtype, 2, rotation.data(), w.data(), v.data(),
                   err, sizeof(err)),
            EINRT_LA_OK);
  EXPECT_LT(std::abs(std::abs(w[0].imag()) - 1), tolerance<T>());
  EXPECT_LT(std::abs(w[0] - std::conj(w[1])), tolerance<T>());
}

/// solve (one and several right-hand sides) and inv of a matrix that is
/// not symmetric: a layout that transposed A would fail.
template <typename B, typename T> void checkNonSymmetricSolveInv() {
  std::mt19937_64 rng(8);
  const int64_t n = 6;
  Mat<T> a = randomMatrix<T>(n, n, rng);
  for (int64_t i = 0; i < n; ++i)
    a[i * n + i] += T(n);
  char err[256] = "";
  for (int64_t nrhs : {1, 3}) {
    Mat<T> b = randomMatrix<T>(n, nrhs, rng), x(n * nrhs);
    ASSERT_EQ(B::solve(Traits<T>::dtype, n, nrhs, a.data(), b.data(), x.data(),
                       err, sizeof(err)),
              EINRT_LA_OK)
        << err;
    EXPECT_LT(maxDiff(matmul(a, x, n, n, nrhs), b), tolerance<T>() * 10)
        << nrhs << " right-hand sides";
  }
  Mat<T> inverse(n * n);
  ASSERT_EQ(
      B::inv(Traits<T>::dtype, n, a.data(), inverse.data(), err, sizeof(err)),
      EINRT_LA_OK)
      << err;
  EXPECT_LT(maxDiff(matmul(a, inverse, n, n, n), identity<T>(n)),
            tolerance<T>() * 10);
}

/// cholesky and eigh read only the lower triangle, as NumPy's do: other
/// values in the strict upper one change nothing.
template <typename B, typename T> void checkLowerTriangleOnly() {
  using R = typename Traits<T>::Real;
  std::mt19937_64 rng(9);
  const int64_t n = 5;
  Mat<T> a = spd<T>(n, rng), junk = a;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = i + 1; j < n; ++j)
      junk[i * n + j] = Traits<T>::random(rng);
  char err[256] = "";
  Mat<T> l(n * n), lJunk(n * n);
  ASSERT_EQ(
      B::cholesky(Traits<T>::dtype, n, a.data(), l.data(), err, sizeof(err)),
      EINRT_LA_OK)
      << err;
  ASSERT_EQ(B::cholesky(Traits<T>::dtype, n, junk.data(), lJunk.data(), err,
                        sizeof(err)),
            EINRT_LA_OK)
      << err;
  EXPECT_LT(maxDiff(l, lJunk), tolerance<T>());
  std::vector<R> w(n), wJunk(n);
  Mat<T> v(n * n);
  ASSERT_EQ(B::eigh(Traits<T>::dtype, n, a.data(), w.data(), v.data(), err,
                    sizeof(err)),
            EINRT_LA_OK)
      << err;
  ASSERT_EQ(B::eigh(Traits<T>::dtype, n, junk.data(), wJunk.data(), v.data(),
                    err, sizeof(err)),
            EINRT_LA_OK)
      << err;
  for (int64_t i = 0; i < n; ++i)
    EXPECT_NEAR(w[i], wJunk[i], tolerance<T>() * 10);
}

} // namespace ein::decomposition_checks

#endif // EIN_TEST_SUPPORT_DECOMPOSITIONCHECKS_H
