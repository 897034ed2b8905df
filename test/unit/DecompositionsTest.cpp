//===- DecompositionsTest.cpp - LAPACKE decompositions by identity --------===//
//
// The LAPACK decompositions through the identity checks that the GPU's
// cuSOLVER ones share (test/support/DecompositionChecks.h), for f32, f64,
// complex64 and complex128; and every failure is a message.
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
  static constexpr auto eig = einrt_eig;
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
TYPED_TEST(Decompositions, NonSymmetricSolveInv) {
  checkNonSymmetricSolveInv<Lapack, TypeParam>();
}
TYPED_TEST(Decompositions, ReadsOnlyTheLowerTriangle) {
  checkLowerTriangleOnly<Lapack, TypeParam>();
}
TYPED_TEST(Decompositions, SlogdetAgreesWithDet) {
  checkSlogdet<Lapack, TypeParam>();
}
TYPED_TEST(Decompositions, FailuresAreMessages) {
  checkFailures<Lapack, TypeParam>();
}

TYPED_TEST(Decompositions, EigDiagonalisesGeneralMatrices) {
  checkEig<Lapack, TypeParam>();
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
