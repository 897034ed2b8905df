//===- DecompositionsTest.cpp - LAPACKE decompositions by identity --------===//
//
// The LAPACK decompositions through the identity checks that the GPU's
// cuSOLVER ones share (test/support/DecompositionChecks.h), plus eig,
// which only the CPU has, for f32, f64, complex64 and complex128;
// and every failure is a message.
//
//===----------------------------------------------------------------------===//

#include "einrt/einrt.h"
#include "test/support/DecompositionChecks.h"

#include <gtest/gtest.h>

#include <complex>
#include <random>
#include <string>
#include <tuple>
#include <vector>

namespace {

using namespace ein::decomposition_checks;

/// The runtime's LAPACK entry points, as the shared checks call them.
struct Lapack {
  static constexpr auto svd = einrt_svd;
  static constexpr auto qr = einrt_qr;
  static constexpr auto eigh = einrt_eigh;
  static constexpr auto cholesky = einrt_cholesky;
  static constexpr auto solve = einrt_solve;
  static constexpr auto inv = einrt_inv;
  static constexpr auto det = einrt_det;
  static constexpr auto slogdet = einrt_slogdet;
  static constexpr auto lstsq = einrt_lstsq;
};

template <typename T> class Decompositions : public ::testing::Test {};
using Types =
    ::testing::Types<float, double, std::complex<float>, std::complex<double>>;
TYPED_TEST_SUITE(Decompositions, Types);

TYPED_TEST(Decompositions, SvdReconstructsAndIsOrthonormal) {
  checkSvd<Lapack, TypeParam>();
}
TYPED_TEST(Decompositions, QrReconstructs) { checkQr<Lapack, TypeParam>(); }
TYPED_TEST(Decompositions, EighDiagonalises) { checkEigh<Lapack, TypeParam>(); }
TYPED_TEST(Decompositions, CholeskySolveInvDet) {
  checkCholeskySolveInvDet<Lapack, TypeParam>();
}
TYPED_TEST(Decompositions, IllConditionedSolveStaysAccurate) {
  checkIllConditionedSolve<Lapack, TypeParam>();
}
TYPED_TEST(Decompositions, SlogdetAgreesWithDet) {
  checkSlogdet<Lapack, TypeParam>();
}
TYPED_TEST(Decompositions, FailuresAreMessages) {
  checkFailures<Lapack, TypeParam>();
}

TYPED_TEST(Decompositions, EigDiagonalisesGeneralMatrices) {
  using T = TypeParam;
  using C = std::complex<typename Traits<T>::Real>;
  std::mt19937_64 rng(5);
  for (int64_t n : {4, 1, 0, 7}) {
    Mat<T> a = randomMatrix<T>(n, n, rng);
    Mat<C> ac(a.begin(), a.end()), w(n + 1), v(n * n + 1);
    char err[256] = "";
    ASSERT_EQ(einrt_eig(Traits<T>::dtype, n, a.data(), w.data(), v.data(), err,
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
  ASSERT_EQ(einrt_eig(Traits<T>::dtype, 2, rotation.data(), w.data(), v.data(),
                      err, sizeof(err)),
            EINRT_LA_OK);
  EXPECT_LT(std::abs(std::abs(w[0].imag()) - 1), tolerance<T>());
  EXPECT_LT(std::abs(w[0] - std::conj(w[1])), tolerance<T>());
}

TYPED_TEST(Decompositions, LstsqMinimisesTheResidual) {
  checkLstsq<Lapack, TypeParam>();
}

TEST(DecompositionsRefuse, IntegersAndHugeSizes) {
  int32_t a[4] = {1, 2, 3, 4}, out[4];
  char err[256] = "";
  EXPECT_EQ(einrt_inv(EINRT_I32, 2, a, out, err, sizeof(err)),
            EINRT_LA_BAD_ARGUMENT);
  EXPECT_NE(std::string(err).find("inv needs floating-point numbers, not "
                                  "int32"),
            std::string::npos)
      << err;
  EXPECT_EQ(einrt_svd(EINRT_F64, int64_t(1) << 40, 2, nullptr, nullptr, nullptr,
                      nullptr, err, sizeof(err)),
            EINRT_LA_BAD_ARGUMENT);
}

} // namespace
