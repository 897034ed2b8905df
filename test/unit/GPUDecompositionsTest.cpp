//===- GPUDecompositionsTest.cpp - cuSOLVER decompositions on a GPU -------===//
//
// The runtime's cuSOLVER decompositions (einrt_gpu_kernel_*) through the
// identity checks of LAPACK's (test/support/DecompositionChecks.h), for
// f32, f64, complex64 and complex128. Each test skips and says why where
// the driver finds no device (CI has no GPU). The same file is built into
// scripts/gpu-check.sh's program for machines that have a GPU but no LLVM.
//
//===----------------------------------------------------------------------===//

#include "test/support/GpuDecompositions.h"
#include "einrt/gpu.h"
#include "test/support/DecompositionChecks.h"

#include <gtest/gtest.h>

#include <complex>
#include <string>

namespace {

using ein::decomposition_checks::GpuLinalg;

// cuSOLVER's decompositions (and cuBLAS's transposes around them) pass the
// identity checks of LAPACK's.
template <typename T> class GPUDecompositions : public ::testing::Test {
protected:
  void SetUp() override {
    char err[512] = "";
    if (einrt_gpu_init(err, sizeof err))
      GTEST_SKIP() << "no GPU to run on: " << err;
  }
};
using DecompositionTypes =
    ::testing::Types<float, double, std::complex<float>, std::complex<double>>;
TYPED_TEST_SUITE(GPUDecompositions, DecompositionTypes);

TYPED_TEST(GPUDecompositions, SvdReconstructsAndIsOrthonormal) {
  ein::decomposition_checks::checkSvd<GpuLinalg, TypeParam>();
}
TYPED_TEST(GPUDecompositions, QrReconstructs) {
  ein::decomposition_checks::checkQr<GpuLinalg, TypeParam>();
}
TYPED_TEST(GPUDecompositions, EighDiagonalises) {
  ein::decomposition_checks::checkEigh<GpuLinalg, TypeParam>();
}
TYPED_TEST(GPUDecompositions, CholeskySolveInvDet) {
  ein::decomposition_checks::checkCholeskySolveInvDet<GpuLinalg, TypeParam>();
}
TYPED_TEST(GPUDecompositions, IllConditionedSolveStaysAccurate) {
  ein::decomposition_checks::checkIllConditionedSolve<GpuLinalg, TypeParam>();
}
TYPED_TEST(GPUDecompositions, LstsqMinimisesTheResidual) {
  ein::decomposition_checks::checkLstsq<GpuLinalg, TypeParam>();
}
TYPED_TEST(GPUDecompositions, EigDiagonalisesGeneralMatrices) {
  ein::decomposition_checks::checkEig<GpuLinalg, TypeParam>();
}
TYPED_TEST(GPUDecompositions, NonSymmetricSolveInv) {
  ein::decomposition_checks::checkNonSymmetricSolveInv<GpuLinalg, TypeParam>();
}
TYPED_TEST(GPUDecompositions, ReadsOnlyTheLowerTriangle) {
  ein::decomposition_checks::checkLowerTriangleOnly<GpuLinalg, TypeParam>();
}
TYPED_TEST(GPUDecompositions, SlogdetAgreesWithDet) {
  ein::decomposition_checks::checkSlogdet<GpuLinalg, TypeParam>();
}
TYPED_TEST(GPUDecompositions, FailuresAreMessages) {
  ein::decomposition_checks::checkFailures<GpuLinalg, TypeParam>();
}

} // namespace
