//===- CudaLibraries.h - cuSOLVER and cuBLAS, loaded at run time -*- C++
//-*-===//
//
// The entry points the GPU decompositions use, declared here (no CUDA
// header is needed to build) and resolved with dlopen/dlsym from the CUDA
// toolkit's libcusolver and libcublas, or from the libraries
// $EINRT_CUSOLVER and $EINRT_CUBLAS name (tests use mocks). Both are
// column-major, as LAPACK and BLAS are.
//
//===----------------------------------------------------------------------===//

#ifndef EINRT_CUDALIBRARIES_H
#define EINRT_CUDALIBRARIES_H

#include "CudaDriver.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace einrt::cuda {

using Status = int;
constexpr Status kStatusSuccess = 0;
// cublasFillMode_t, cublasOperation_t and cusolverEigMode_t.
constexpr int kFillLower = 0, kFillUpper = 1;
constexpr int kOpN = 0, kOpT = 1, kOpC = 2;
constexpr int kSideLeft = 0, kSideRight = 1;
constexpr int kEigVectors = 1;

/// cuSOLVER's dense routines of one element type (S, D, C or Z). Data
/// pointers are void *: float *, double *, cuComplex * and
/// cuDoubleComplex * are passed alike.
struct SolverRoutines {
  Status (*potrfBufferSize)(void *h, int uplo, int n, void *a, int lda,
                            int *lwork);
  Status (*potrf)(void *h, int uplo, int n, void *a, int lda, void *work,
                  int lwork, int *info);
  Status (*getrfBufferSize)(void *h, int m, int n, void *a, int lda,
                            int *lwork);
  Status (*getrf)(void *h, int m, int n, void *a, int lda, void *work,
                  int *ipiv, int *info);
  Status (*getrs)(void *h, int trans, int n, int nrhs, const void *a, int lda,
                  const int *ipiv, void *b, int ldb, int *info);
  Status (*geqrfBufferSize)(void *h, int m, int n, void *a, int lda,
                            int *lwork);
  Status (*geqrf)(void *h, int m, int n, void *a, int lda, void *tau,
                  void *work, int lwork, int *info);
  /// orgqr for real types, ungqr for complex ones.
  Status (*orgqrBufferSize)(void *h, int m, int n, int k, const void *a,
                            int lda, const void *tau, int *lwork);
  Status (*orgqr)(void *h, int m, int n, int k, void *a, int lda,
                  const void *tau, void *work, int lwork, int *info);
  /// syevd for real types, heevd for complex ones; w is real.
  Status (*syevdBufferSize)(void *h, int jobz, int uplo, int n, const void *a,
                            int lda, const void *w, int *lwork);
  Status (*syevd)(void *h, int jobz, int uplo, int n, void *a, int lda, void *w,
                  void *work, int lwork, int *info);
  /// Needs m >= n; s and rwork are real.
  Status (*gesvdBufferSize)(void *h, int m, int n, int *lwork);
  Status (*gesvd)(void *h, signed char jobu, signed char jobvt, int m, int n,
                  void *a, int lda, void *s, void *u, int ldu, void *vt,
                  int ldvt, void *work, int lwork, void *rwork, int *info);
};

/// cuBLAS's routines of one element type.
struct BlasRoutines {
  /// c = alpha op(a) + beta op(b); alpha and beta are host scalars.
  Status (*geam)(void *h, int transa, int transb, int m, int n,
                 const void *alpha, const void *a, int lda, const void *beta,
                 const void *b, int ldb, void *c, int ldc);
  /// y[i * incy] = x[i * incx] for i < n.
  Status (*copy)(void *h, int n, const void *x, int incx, void *y, int incy);
  /// c = alpha op(a) op(b) + beta c, with op(a) m x k and op(b) k x n.
  Status (*gemm)(void *h, int transa, int transb, int m, int n, int k,
                 const void *alpha, const void *a, int lda, const void *b,
                 int ldb, const void *beta, void *c, int ldc);
  /// c = a diag(x) (kSideRight) or diag(x) a (kSideLeft), a m x n.
  Status (*dgmm)(void *h, int side, int m, int n, const void *a, int lda,
                 const void *x, int incx, void *c, int ldc);
};

/// cuSOLVER's 64-bit general eigensolver (CUDA 12.6 and later), for any
/// element type through cudaDataType codes; its workspaces are in bytes.
struct GeneralEigensolver {
  Status (*createParams)(void **params);
  Status (*destroyParams)(void *params);
  Status (*bufferSize)(void *h, void *params, int jobvl, int jobvr, int64_t n,
                       int typeA, const void *a, int64_t lda, int typeW,
                       const void *w, int typeVL, const void *vl, int64_t ldvl,
                       int typeVR, const void *vr, int64_t ldvr,
                       int computeType, size_t *deviceBytes, size_t *hostBytes);
  Status (*geev)(void *h, void *params, int jobvl, int jobvr, int64_t n,
                 int typeA, void *a, int64_t lda, int typeW, void *w,
                 int typeVL, void *vl, int64_t ldvl, int typeVR, void *vr,
                 int64_t ldvr, int computeType, void *deviceWork,
                 size_t deviceBytes, void *hostWork, size_t hostBytes,
                 int *info);
};
/// cudaDataType's codes of f32, f64, complex64 and complex128.
constexpr int kCudaR32F = 0, kCudaR64F = 1, kCudaC32F = 4, kCudaC64F = 5;
constexpr int kEigNoVectors = 0;

/// Both libraries; `routines` by einrt_dtype (f32, f64, c64, c128).
struct Libraries {
  Status (*solverCreate)(void **handle);
  Status (*solverDestroy)(void *handle);
  Status (*solverSetStream)(void *handle, CUstream stream);
  /// All null where cuSOLVER is older than CUDA 12.6.
  GeneralEigensolver eigensolver;
  Status (*blasCreate)(void **handle);
  Status (*blasDestroy)(void *handle);
  Status (*blasSetStream)(void *handle, CUstream stream);
  SolverRoutines solver[4];
  BlasRoutines blas[4];
  std::string solverPath, blasPath; ///< what was loaded, for messages
};

/// The libraries, loaded once they load (a failed load is tried again by
/// the next call); null with the reason in `why`.
const Libraries *libraries(std::string &why);

/// "cusolverDnSgetrf failed: CUSOLVER_STATUS_..." for status `s`.
std::string describeSolver(Status s, const std::string &what);
std::string describeBlas(Status s, const std::string &what);

} // namespace einrt::cuda

#endif // EINRT_CUDALIBRARIES_H
