//===- GpuDecompositions.cpp - Decompositions on the GPU via cuSOLVER -----===//
//
// The einrt_gpu_kernel_* entry points of einrt/gpu.h. Matrices are
// row-major, cuSOLVER is column-major: a row-major m x n buffer is the
// column-major n x m matrix A^T, which is enough for most routines.
// - inv, det, slogdet: the LU of A^T (det A^T = det A, inv(A^T)^T = inv A).
// - cholesky: potrf('U') of A^T = conj(A) gives U with conj(A) = U^H U;
//   read row-major, U^T = L with A = L L^H.
// - svd of a wide A: gesvd (which needs m >= n) of A^T = U' S V'^H gives
//   A = conj(V') S U'^T, so gesvd's U and VT buffers are vt and u.
// - eigh: heevd of conj(A) has the eigenvalues of A and the conjugated
//   eigenvectors; their conjugate transpose (cuBLAS geam) is V row-major.
// - qr, solve, and svd of a tall A transpose with geam on the device.
// - lstsq: x = V diag(1/s) U^H b from the SVD, with cuBLAS gemm and dgmm.
// - eig: cusolverDnXgeev (CUDA 12.6+) of A transposed to column-major.
// Everything runs on the calling thread's stream (copies and clears
// included); info and the few values the host needs (pivots, a diagonal,
// singular values for a cutoff) are read back with synchronous copies,
// which wait for it because the stream is a blocking one (flags 0).
//
//===----------------------------------------------------------------------===//

#include "CudaLibraries.h"
#include "GpuThread.h"
#include "einrt/einrt.h"
#include "einrt/gpu.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <complex>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <vector>

using namespace einrt::cuda;

namespace {

bool fits(int64_t v) { return v >= 0 && v <= INT_MAX / 2; }

size_t elementSize(int32_t dtype) {
  return dtype == EINRT_F32 ? 4 : dtype == EINRT_C128 ? 16 : 8;
}
size_t realSize(int32_t dtype) {
  return dtype == EINRT_F32 || dtype == EINRT_C64 ? 4 : 8;
}
bool isComplex(int32_t dtype) {
  return dtype == EINRT_C64 || dtype == EINRT_C128;
}

CUdeviceptr dev(const void *p) { return reinterpret_cast<CUdeviceptr>(p); }
void *ptr(CUdeviceptr p) { return reinterpret_cast<void *>(p); }

/// A thread's library handles, made on its first decomposition and
/// destroyed when the thread ends (with their workspaces).
struct Handles {
  void *solver = nullptr;
  void *blas = nullptr;
  const Libraries *libs = nullptr;
  ~Handles() {
    if (libs && solver && libs->solverDestroy)
      libs->solverDestroy(solver);
    if (libs && blas && libs->blasDestroy)
      libs->blasDestroy(blas);
  }
};
thread_local Handles handles;

/// One decomposition call: the libraries and handles on the thread's
/// stream, scratch device memory freed when it ends, and its first failure
/// recorded for einrt_gpu_take_error_at.
class Call {
public:
  Call(const char *name, int32_t dtype, int64_t statement)
      : name(name), dtype(dtype), statement(statement) {
    d = einrt::gpu::readyForLaunch();
    if (!d) {
      code = EINRT_LA_BAD_ARGUMENT; // an earlier error: do nothing
      return;
    }
    if (dtype < EINRT_F32 || dtype > EINRT_C128) {
      fail(EINRT_LA_BAD_ARGUMENT, std::string(name) +
                                      " needs floating-point numbers, not " +
                                      einrt_dtype_name(einrt_dtype(dtype)));
      return;
    }
    std::string why;
    libs = libraries(why);
    stream = einrt::gpu::threadStream(*d);
    if (!libs) {
      fail(EINRT_LA_BAD_ARGUMENT, why);
      return;
    }
    if (!stream) {
      code = EINRT_LA_BAD_ARGUMENT;
      return;
    }
    handles.libs = libs;
    if (!handles.solver &&
        !solverOk(libs->solverCreate(&handles.solver), "cusolverDnCreate"))
      return;
    if (!handles.blas &&
        !blasOk(libs->blasCreate(&handles.blas), "cublasCreate"))
      return;
    if (solverOk(libs->solverSetStream(handles.solver, stream),
                 "cusolverDnSetStream"))
      blasOk(libs->blasSetStream(handles.blas, stream), "cublasSetStream");
  }
  ~Call() {
    // The last routines (a transpose, say) may still read the scratch
    // buffers: wait for them before freeing.
    if (!scratch.empty() && stream)
      failed(d->streamSynchronize(stream), "running cuSOLVER");
    for (CUdeviceptr p : scratch)
      d->memFree(p);
  }

  bool ok() const { return code == EINRT_LA_OK; }

  /// Records the failure (prefixed with the routine's name unless it
  /// names itself) and returns its code.
  int32_t fail(int32_t c, const std::string &message) {
    if (code == EINRT_LA_OK) {
      code = c;
      einrt::gpu::fail(message, statement);
    }
    return code;
  }

  const SolverRoutines &lapack() const { return libs->solver[dtype]; }
  const BlasRoutines &blas() const { return libs->blas[dtype]; }
  void *solverHandle() const { return handles.solver; }
  void *blasHandle() const { return handles.blas; }
  size_t size() const { return elementSize(dtype); }

  bool solverOk(Status s, const std::string &routine) {
    if (s == kStatusSuccess)
      return ok();
    fail(EINRT_LA_BAD_ARGUMENT, std::string(name) + ": " +
                                    describeSolver(s, routine) + " (cuSOLVER " +
                                    libs->solverPath + ")");
    return false;
  }
  bool blasOk(Status s, const std::string &routine) {
    if (s == kStatusSuccess)
      return ok();
    fail(EINRT_LA_BAD_ARGUMENT, std::string(name) + ": " +
                                    describeBlas(s, routine) + " (cuBLAS " +
                                    libs->blasPath + ")");
    return false;
  }
  /// Records a failure of the stream's work with the call's statement
  /// (unless an error is already kept).
  void failed(CUresult r, const char *what) {
    if (r != kSuccess)
      einrt::gpu::fail(std::string(name) + ": " + describe(*d, r, what),
                       statement);
  }
  bool driverOk(CUresult r, const char *what) {
    if (r == kSuccess)
      return ok();
    fail(EINRT_LA_BAD_ARGUMENT,
         std::string(name) + ": " + describe(*d, r, what));
    return false;
  }

  /// Scratch device memory for `count` elements of `bytes` each.
  CUdeviceptr alloc(size_t count, size_t bytes) {
    CUdeviceptr p = 0;
    if (!ok())
      return 0;
    size_t total = std::max<size_t>(count * bytes, 1);
    if (!driverOk(
            d->memAlloc(&p, total),
            ("cannot allocate " + std::to_string(total) + " bytes").c_str()))
      return 0;
    scratch.push_back(p);
    return p;
  }
  /// A cuSOLVER workspace of `lwork` elements.
  CUdeviceptr workspace(int lwork) {
    return alloc(size_t(std::max(lwork, 1)), size());
  }

  /// Copies and clears go on the thread's stream, in order with the
  /// libraries' work.
  bool copy(CUdeviceptr dst, CUdeviceptr src, size_t bytes) {
    return !ok() || !bytes
               ? ok()
               : driverOk(d->memcpyDtoDAsync(dst, src, bytes, stream),
                          "copying on the GPU");
  }
  bool download(void *dst, CUdeviceptr src, size_t bytes) {
    return !ok() || !bytes ? ok()
                           : driverOk(d->memcpyDtoH(dst, src, bytes),
                                      "copying from the GPU");
  }
  bool upload(CUdeviceptr dst, const void *src, size_t bytes) {
    return !ok() || !bytes
               ? ok()
               : driverOk(d->memcpyHtoD(dst, src, bytes), "copying to the GPU");
  }
  bool zero(CUdeviceptr dst, size_t bytes) {
    return !ok() || !bytes ? ok()
                           : driverOk(d->memsetD8Async(dst, 0, bytes, stream),
                                      "clearing GPU memory");
  }
  /// Clears `width` bytes of each of `height` rows `pitch` bytes apart.
  bool zero2D(CUdeviceptr dst, size_t pitch, size_t width, size_t height) {
    return !ok() || !width || !height
               ? ok()
               : driverOk(
                     d->memsetD2D8Async(dst, pitch, 0, width, height, stream),
                     "clearing GPU memory");
  }

  /// cuSOLVER's info (device memory): negative means a bad argument,
  /// which is a bug here; positive values are for the caller.
  bool info(CUdeviceptr devInfo, int &value, const char *routine) {
    value = 0;
    if (!download(&value, devInfo, sizeof value))
      return false;
    if (value < 0) {
      fail(EINRT_LA_BAD_ARGUMENT, std::string(name) + ": " + routine +
                                      " rejected argument " +
                                      std::to_string(-value));
      return false;
    }
    return true;
  }

  /// c (cols x rows, column-major, ldc = cols) = a^T (or a^H with
  /// `conjugate`), a being rows x cols column-major with leading dimension
  /// lda.
  /// `type` is the einrt_dtype of the elements (default: the call's).
  bool transpose(CUdeviceptr a, int rows, int cols, int lda, CUdeviceptr c,
                 bool conjugate = false, int type = -1) {
    if (!ok() || rows == 0 || cols == 0)
      return ok();
    if (type < 0)
      type = dtype;
    static const double one[2] = {1, 0}, zeroes[2] = {0, 0};
    static const float onef[2] = {1, 0}, zeroesf[2] = {0, 0};
    bool single = realSize(type) == 4;
    int op = conjugate && isComplex(type) ? kOpC : kOpT;
    // beta = 0: b is not read, but must be a matrix of op(a)'s shape.
    return blasOk(libs->blas[type].geam(
                      blasHandle(), op, op, cols, rows,
                      single ? static_cast<const void *>(onef) : one, ptr(a),
                      lda, single ? static_cast<const void *>(zeroesf) : zeroes,
                      ptr(a), lda, ptr(c), cols),
                  "cublas geam");
  }

  /// `count` real values (float or double by dtype) from device memory to
  /// doubles.
  bool downloadReal(CUdeviceptr src, int64_t count, std::vector<double> &out) {
    out.assign(count, 0);
    if (realSize(dtype) == 8)
      return download(out.data(), src, count * 8);
    std::vector<float> f(count);
    if (!download(f.data(), src, count * 4))
      return false;
    std::copy(f.begin(), f.end(), out.begin());
    return true;
  }
  /// Writes real values into `count` elements of the dtype (complex ones
  /// get a zero imaginary part).
  bool uploadWidened(CUdeviceptr dst, const std::vector<double> &values) {
    std::vector<char> bytes(values.size() * size(), 0);
    for (size_t i = 0; i < values.size(); ++i) {
      if (realSize(dtype) == 4) {
        float f = float(values[i]);
        std::memcpy(&bytes[i * size()], &f, 4);
      } else {
        std::memcpy(&bytes[i * size()], &values[i], 8);
      }
    }
    return upload(dst, bytes.data(), bytes.size());
  }

  const char *name;
  int32_t dtype;
  int64_t statement;
  const Driver *d = nullptr;
  CUstream stream = nullptr;
  const Libraries *libs = nullptr;
  int32_t code = EINRT_LA_OK;
  std::vector<CUdeviceptr> scratch;
};

/// LU of the column-major n x n matrix at `lu` (overwritten) with its
/// pivots; `singularAt` gets getrf's info (the first zero pivot, 1-based).
bool luFactor(Call &c, int n, CUdeviceptr lu, CUdeviceptr ipiv,
              CUdeviceptr devInfo, int &singularAt) {
  int lwork = 0;
  if (!c.solverOk(c.lapack().getrfBufferSize(c.solverHandle(), n, n, ptr(lu), n,
                                             &lwork),
                  "getrf_bufferSize"))
    return false;
  CUdeviceptr work = c.workspace(lwork);
  return c.ok() &&
         c.solverOk(c.lapack().getrf(c.solverHandle(), n, n, ptr(lu), n,
                                     ptr(work), static_cast<int *>(ptr(ipiv)),
                                     static_cast<int *>(ptr(devInfo))),
                    "getrf") &&
         c.info(devInfo, singularAt, "getrf");
}

/// The diagonal of U and the pivots of the LU of the n x n matrix at `a`
/// (a copy of it is factored): det A is the diagonal's product, negated
/// per row swap. An exactly singular matrix is not an error here.
template <typename T>
bool luDiagonal(Call &c, int n, CUdeviceptr a, std::vector<T> &diagonal,
                std::vector<int> &pivots) {
  diagonal.assign(n, T(0));
  pivots.assign(n, 0);
  CUdeviceptr lu = c.alloc(size_t(n) * n, sizeof(T));
  CUdeviceptr ipiv = c.alloc(n, sizeof(int));
  CUdeviceptr devInfo = c.alloc(1, sizeof(int));
  CUdeviceptr diag = c.alloc(n, sizeof(T));
  int singularAt = 0;
  return c.copy(lu, a, size_t(n) * n * sizeof(T)) &&
         luFactor(c, n, lu, ipiv, devInfo, singularAt) &&
         c.blasOk(
             c.blas().copy(c.blasHandle(), n, ptr(lu), n + 1, ptr(diag), 1),
             "cublas copy") &&
         c.download(diagonal.data(), diag, n * sizeof(T)) &&
         c.download(pivots.data(), ipiv, n * sizeof(int));
}

template <typename T>
int32_t det(Call &c, int n, CUdeviceptr a, CUdeviceptr out) {
  T result(1);
  if (n > 0) {
    std::vector<T> diagonal;
    std::vector<int> pivots;
    if (!luDiagonal(c, n, a, diagonal, pivots))
      return c.code;
    for (int i = 0; i < n; ++i) {
      result *= diagonal[i];
      if (pivots[i] != i + 1)
        result = -result;
    }
  }
  c.upload(out, &result, sizeof(T));
  return c.code;
}

template <typename T>
int32_t slogdet(Call &c, int n, CUdeviceptr a, CUdeviceptr signOut,
                CUdeviceptr logOut) {
  using R = decltype(std::abs(T()));
  T sign(1);
  R logabs(0);
  if (n > 0) {
    std::vector<T> diagonal;
    std::vector<int> pivots;
    if (!luDiagonal(c, n, a, diagonal, pivots))
      return c.code;
    for (int i = 0; i < n; ++i) {
      R magnitude = std::abs(diagonal[i]);
      if (magnitude == R(0)) {
        // Singular: NumPy gives sign 0 and log|det| = -inf.
        sign = T(0);
        logabs = -std::numeric_limits<R>::infinity();
        break;
      }
      sign *= diagonal[i] / T(magnitude);
      logabs += std::log(magnitude);
      if (pivots[i] != i + 1)
        sign = -sign;
    }
  }
  c.upload(signOut, &sign, sizeof(T));
  c.uploadWidened(logOut, {double(logabs)});
  return c.code;
}

int32_t inv(Call &c, int n, CUdeviceptr a, CUdeviceptr out) {
  if (n == 0)
    return c.code;
  size_t bytes = size_t(n) * n * c.size();
  CUdeviceptr lu = c.alloc(size_t(n) * n, c.size());
  CUdeviceptr ipiv = c.alloc(n, sizeof(int));
  CUdeviceptr devInfo = c.alloc(1, sizeof(int));
  int singularAt = 0;
  if (!c.copy(lu, a, bytes) || !luFactor(c, n, lu, ipiv, devInfo, singularAt))
    return c.code;
  if (singularAt > 0)
    return c.fail(EINRT_LA_SINGULAR, "inv: the matrix is singular (U(" +
                                         std::to_string(singularAt) + "," +
                                         std::to_string(singularAt) +
                                         ") is exactly zero)");
  // Solve A^T X = I: X = inv(A)^T column-major, which is inv(A) row-major.
  std::vector<char> identity(bytes, 0);
  for (int i = 0; i < n; ++i) {
    char *one = &identity[(size_t(i) * n + i) * c.size()];
    if (realSize(c.dtype) == 4) {
      float f = 1;
      std::memcpy(one, &f, 4);
    } else {
      double f = 1;
      std::memcpy(one, &f, 8);
    }
  }
  int unused = 0;
  if (c.upload(out, identity.data(), bytes) &&
      c.solverOk(c.lapack().getrs(c.solverHandle(), kOpN, n, n, ptr(lu), n,
                                  static_cast<int *>(ptr(ipiv)), ptr(out), n,
                                  static_cast<int *>(ptr(devInfo))),
                 "getrs"))
    c.info(devInfo, unused, "getrs");
  return c.code;
}

int32_t solve(Call &c, int n, int nrhs, CUdeviceptr a, CUdeviceptr b,
              CUdeviceptr x) {
  if (n == 0 || nrhs == 0)
    return c.code;
  CUdeviceptr lu = c.alloc(size_t(n) * n, c.size());
  CUdeviceptr ipiv = c.alloc(n, sizeof(int));
  CUdeviceptr devInfo = c.alloc(1, sizeof(int));
  int singularAt = 0;
  if (!c.copy(lu, a, size_t(n) * n * c.size()) ||
      !luFactor(c, n, lu, ipiv, devInfo, singularAt))
    return c.code;
  if (singularAt > 0)
    return c.fail(EINRT_LA_SINGULAR, "solve: the matrix is singular (U(" +
                                         std::to_string(singularAt) + "," +
                                         std::to_string(singularAt) +
                                         ") is exactly zero)");
  // getrs('T') with the LU of A^T solves A Y = B for a column-major B: b
  // is transposed in and out (one right-hand side needs neither).
  CUdeviceptr rhs = nrhs == 1 ? x : c.alloc(size_t(n) * nrhs, c.size());
  if (nrhs == 1)
    c.copy(x, b, size_t(n) * c.size());
  else
    c.transpose(b, nrhs, n, nrhs, rhs);
  int unused = 0;
  if (c.ok() &&
      c.solverOk(c.lapack().getrs(c.solverHandle(), kOpT, n, nrhs, ptr(lu), n,
                                  static_cast<int *>(ptr(ipiv)), ptr(rhs), n,
                                  static_cast<int *>(ptr(devInfo))),
                 "getrs") &&
      c.info(devInfo, unused, "getrs") && nrhs > 1)
    c.transpose(rhs, n, nrhs, n, x);
  return c.code;
}

int32_t cholesky(Call &c, int n, CUdeviceptr a, CUdeviceptr l) {
  if (n == 0)
    return c.code;
  CUdeviceptr devInfo = c.alloc(1, sizeof(int));
  int lwork = 0, notPositive = 0;
  if (!c.copy(l, a, size_t(n) * n * c.size()) ||
      !c.solverOk(c.lapack().potrfBufferSize(c.solverHandle(), kFillUpper, n,
                                             ptr(l), n, &lwork),
                  "potrf_bufferSize"))
    return c.code;
  CUdeviceptr work = c.workspace(lwork);
  if (!c.ok() ||
      !c.solverOk(c.lapack().potrf(c.solverHandle(), kFillUpper, n, ptr(l), n,
                                   ptr(work), lwork,
                                   static_cast<int *>(ptr(devInfo))),
                  "potrf") ||
      !c.info(devInfo, notPositive, "potrf"))
    return c.code;
  if (notPositive > 0)
    return c.fail(EINRT_LA_NOT_POSITIVE_DEFINITE,
                  "cholesky: the matrix is not positive definite (its "
                  "leading minor of order " +
                      std::to_string(notPositive) + " is not)");
  // potrf left A's other triangle: the strict upper one, row-major.
  for (int i = 0; i + 1 < n && c.ok(); ++i)
    c.zero(l + (size_t(i) * n + i + 1) * c.size(),
           size_t(n - i - 1) * c.size());
  return c.code;
}

int32_t qr(Call &c, int m, int n, CUdeviceptr a, CUdeviceptr q, CUdeviceptr r) {
  int k = std::min(m, n);
  if (k == 0)
    return c.code;
  // t = A column-major (m x n), factored in place.
  CUdeviceptr t = c.alloc(size_t(m) * n, c.size());
  CUdeviceptr tau = c.alloc(k, c.size());
  CUdeviceptr devInfo = c.alloc(1, sizeof(int));
  int lwork = 0, unused = 0;
  if (!c.transpose(a, n, m, n, t) ||
      !c.solverOk(
          c.lapack().geqrfBufferSize(c.solverHandle(), m, n, ptr(t), m, &lwork),
          "geqrf_bufferSize"))
    return c.code;
  CUdeviceptr work = c.workspace(lwork);
  if (!c.ok() ||
      !c.solverOk(c.lapack().geqrf(c.solverHandle(), m, n, ptr(t), m, ptr(tau),
                                   ptr(work), lwork,
                                   static_cast<int *>(ptr(devInfo))),
                  "geqrf") ||
      !c.info(devInfo, unused, "geqrf"))
    return c.code;
  // R is the upper k x n part of t; row-major it is that part transposed,
  // with its strict lower triangle cleared.
  if (!c.transpose(t, k, n, m, r))
    return c.code;
  for (int i = 1; i < k && c.ok(); ++i)
    c.zero(r + size_t(i) * n * c.size(), size_t(std::min(i, n)) * c.size());
  int qwork = 0;
  if (!c.ok() ||
      !c.solverOk(c.lapack().orgqrBufferSize(c.solverHandle(), m, k, k, ptr(t),
                                             m, ptr(tau), &qwork),
                  "orgqr_bufferSize"))
    return c.code;
  CUdeviceptr work2 = c.workspace(qwork);
  if (c.ok() &&
      c.solverOk(c.lapack().orgqr(c.solverHandle(), m, k, k, ptr(t), m,
                                  ptr(tau), ptr(work2), qwork,
                                  static_cast<int *>(ptr(devInfo))),
                 "orgqr") &&
      c.info(devInfo, unused, "orgqr"))
    c.transpose(t, m, k, m, q);
  return c.code;
}

int32_t eigh(Call &c, int n, CUdeviceptr a, CUdeviceptr w, CUdeviceptr v) {
  if (n == 0)
    return c.code;
  CUdeviceptr vectors = c.alloc(size_t(n) * n, c.size());
  CUdeviceptr values = c.alloc(n, realSize(c.dtype));
  CUdeviceptr devInfo = c.alloc(1, sizeof(int));
  int lwork = 0, unconverged = 0;
  // The upper triangle of A^T is the lower one of A, which NumPy reads.
  if (!c.copy(vectors, a, size_t(n) * n * c.size()) ||
      !c.solverOk(c.lapack().syevdBufferSize(c.solverHandle(), kEigVectors,
                                             kFillUpper, n, ptr(vectors), n,
                                             ptr(values), &lwork),
                  "syevd_bufferSize"))
    return c.code;
  CUdeviceptr work = c.workspace(lwork);
  if (!c.ok() ||
      !c.solverOk(c.lapack().syevd(c.solverHandle(), kEigVectors, kFillUpper, n,
                                   ptr(vectors), n, ptr(values), ptr(work),
                                   lwork, static_cast<int *>(ptr(devInfo))),
                  "syevd") ||
      !c.info(devInfo, unconverged, "syevd"))
    return c.code;
  if (unconverged > 0)
    return c.fail(EINRT_LA_NO_CONVERGENCE, "eigh did not converge (cuSOLVER "
                                           "syevd info " +
                                               std::to_string(unconverged) +
                                               ")");
  std::vector<double> real;
  if (c.transpose(vectors, n, n, n, v, /*conjugate=*/true) &&
      c.downloadReal(values, n, real))
    c.uploadWidened(w, real);
  return c.code;
}

/// The thin SVD of the row-major m x n matrix at `a` (k = min(m, n) > 0):
/// u (m x k) and vt (k x n) row-major on the device, the singular values
/// in `values` on the host.
bool svdFactor(Call &c, int m, int n, CUdeviceptr a, CUdeviceptr u,
               CUdeviceptr vt, std::vector<double> &values) {
  int k = std::min(m, n);
  CUdeviceptr s = c.alloc(k, realSize(c.dtype));
  CUdeviceptr rwork = c.alloc(k, realSize(c.dtype));
  CUdeviceptr devInfo = c.alloc(1, sizeof(int));
  CUdeviceptr t = c.alloc(size_t(m) * n, c.size());
  bool wide = n >= m;
  // gesvd takes rows >= cols: A^T (n x m) when A is wide, else A
  // transposed to column-major.
  int rows = wide ? n : m, cols = wide ? m : n;
  CUdeviceptr uc = wide ? vt : c.alloc(size_t(m) * k, c.size());
  CUdeviceptr vtc = wide ? u : c.alloc(size_t(k) * n, c.size());
  int lwork = 0, unconverged = 0;
  if (wide)
    c.copy(t, a, size_t(m) * n * c.size());
  else
    c.transpose(a, n, m, n, t);
  if (!c.ok() || !c.solverOk(c.lapack().gesvdBufferSize(c.solverHandle(), rows,
                                                        cols, &lwork),
                             "gesvd_bufferSize"))
    return false;
  CUdeviceptr work = c.workspace(lwork);
  if (!c.ok() ||
      !c.solverOk(c.lapack().gesvd(c.solverHandle(), 'S', 'S', rows, cols,
                                   ptr(t), rows, ptr(s), ptr(uc), rows,
                                   ptr(vtc), k, ptr(work), lwork, ptr(rwork),
                                   static_cast<int *>(ptr(devInfo))),
                  "gesvd") ||
      !c.info(devInfo, unconverged, "gesvd"))
    return false;
  if (unconverged > 0) {
    std::string what = c.name == std::string("svd")
                           ? "svd did not converge"
                           : std::string(c.name) + ": the SVD did not converge";
    c.fail(EINRT_LA_NO_CONVERGENCE,
           what + " (cuSOLVER gesvd info " + std::to_string(unconverged) + ")");
    return false;
  }
  if (!wide && (!c.transpose(uc, m, k, m, u) || !c.transpose(vtc, k, n, k, vt)))
    return false;
  return c.downloadReal(s, k, values);
}

int32_t svd(Call &c, int m, int n, CUdeviceptr a, CUdeviceptr u, CUdeviceptr s,
            CUdeviceptr vt, double cutoff) {
  int k = std::min(m, n);
  std::vector<double> real;
  if (k == 0 || !svdFactor(c, m, n, a, u, vt, real))
    return c.code;
  if (cutoff != 0) {
    // The values are descending: those below the cutoff are a suffix,
    // whose columns of u and rows of vt are cleared too.
    int keep = 0;
    while (keep < k && !(real[keep] < cutoff * real[0]))
      ++keep;
    std::fill(real.begin() + keep, real.end(), 0.0);
    size_t size = c.size();
    if (keep < k)
      c.zero2D(u + size_t(keep) * size, size_t(k) * size,
               size_t(k - keep) * size, size_t(m));
    if (keep < k)
      c.zero(vt + size_t(keep) * n * size, size_t(k - keep) * n * size);
  }
  c.uploadWidened(s, real);
  return c.code;
}

/// The minimum-norm least-squares solution through the SVD, as LAPACK's
/// gelsd: x = V diag(1/s) U^H b, singular values at most eps max(m, n)
/// s_max counting as zero. In column-major terms, with Uc, Bc and VTc the
/// buffers of U, B and VT read column-major (U^T, B^T, VT^T):
/// t^T = Bc Uc^H, scaled column by column, then x^T = t^T VTc^H.
int32_t lstsq(Call &c, int m, int n, int nrhs, CUdeviceptr a, CUdeviceptr b,
              CUdeviceptr x) {
  size_t size = c.size();
  c.zero(x, size_t(n) * nrhs * size);
  int k = std::min(m, n);
  if (k == 0 || nrhs == 0)
    return c.code;
  CUdeviceptr u = c.alloc(size_t(m) * k, size);
  CUdeviceptr vt = c.alloc(size_t(k) * n, size);
  CUdeviceptr t = c.alloc(size_t(k) * nrhs, size);
  CUdeviceptr scale = c.alloc(k, size);
  std::vector<double> values;
  if (!c.ok() || !svdFactor(c, m, n, a, u, vt, values))
    return c.code;
  double eps = realSize(c.dtype) == 4 ? std::numeric_limits<float>::epsilon()
                                      : std::numeric_limits<double>::epsilon();
  double rcond = eps * std::max(m, n) * values[0];
  std::vector<double> inverse(k, 0.0);
  for (int i = 0; i < k; ++i)
    if (values[i] > rcond)
      inverse[i] = 1 / values[i];
  static const double one[2] = {1, 0}, zeroes[2] = {0, 0};
  static const float onef[2] = {1, 0}, zeroesf[2] = {0, 0};
  bool single = realSize(c.dtype) == 4;
  const void *alpha = single ? static_cast<const void *>(onef) : one;
  const void *beta = single ? static_cast<const void *>(zeroesf) : zeroes;
  int conj = isComplex(c.dtype) ? kOpC : kOpT;
  if (c.uploadWidened(scale, inverse) &&
      c.blasOk(c.blas().gemm(c.blasHandle(), kOpN, conj, nrhs, k, m, alpha,
                             ptr(b), nrhs, ptr(u), k, beta, ptr(t), nrhs),
               "cublas gemm") &&
      c.blasOk(c.blas().dgmm(c.blasHandle(), kSideRight, nrhs, k, ptr(t), nrhs,
                             ptr(scale), 1, ptr(t), nrhs),
               "cublas dgmm"))
    c.blasOk(c.blas().gemm(c.blasHandle(), kOpN, conj, nrhs, n, k, alpha,
                           ptr(t), nrhs, ptr(vt), n, beta, ptr(x), nrhs),
             "cublas gemm");
  return c.code;
}

/// eig through cusolverDnXgeev: A (a real one widened to complex first)
/// transposed to column-major, its right eigenvectors (unit norm, as
/// LAPACK's geev) transposed back to row-major columns.
int32_t eig(Call &c, int n, CUdeviceptr a, CUdeviceptr w, CUdeviceptr v) {
  if (n == 0)
    return c.code;
  const GeneralEigensolver &e = c.libs->eigensolver;
  if (!e.geev)
    return c.fail(EINRT_LA_BAD_ARGUMENT,
                  "eig: " + c.libs->solverPath +
                      " has no cusolverDnXgeev (cuSOLVER of CUDA 12.6 and "
                      "later has it): run this program on the CPU");
  int complexType = isComplex(c.dtype) ? c.dtype : c.dtype + 2;
  int cudaType = realSize(c.dtype) == 4 ? kCudaC32F : kCudaC64F;
  size_t csize = elementSize(complexType), cells = size_t(n) * n;
  CUdeviceptr t = c.alloc(cells, csize);
  CUdeviceptr vr = c.alloc(cells, csize);
  CUdeviceptr devInfo = c.alloc(1, sizeof(int));
  if (isComplex(c.dtype)) {
    c.transpose(a, n, n, n, t);
  } else {
    // Transposed as reals, then spread into the real parts of t.
    // Column by column where n^2 passes cuBLAS's int.
    CUdeviceptr real = c.alloc(cells, c.size());
    bool whole = cells <= size_t(INT_MAX);
    if (c.transpose(a, n, n, n, real) && c.zero(t, cells * csize))
      for (int col = 0; col < (whole ? 1 : n) && c.ok(); ++col) {
        size_t at = whole ? 0 : size_t(col) * n;
        c.blasOk(c.blas().copy(c.blasHandle(), whole ? int(cells) : n,
                               ptr(real + at * c.size()), 1,
                               ptr(t + at * csize), 2),
                 "cublas copy");
      }
  }
  if (!c.ok())
    return c.code;
  void *params = nullptr;
  if (!c.solverOk(e.createParams(&params), "cusolverDnCreateParams"))
    return c.code;
  size_t deviceBytes = 0, hostBytes = 0;
  int unconverged = 0;
  if (c.solverOk(e.bufferSize(c.solverHandle(), params, kEigNoVectors,
                              kEigVectors, n, cudaType, ptr(t), n, cudaType,
                              ptr(w), cudaType, nullptr, 1, cudaType, ptr(vr),
                              n, cudaType, &deviceBytes, &hostBytes),
                 "Xgeev_bufferSize")) {
    CUdeviceptr deviceWork = c.alloc(std::max<size_t>(deviceBytes, 1), 1);
    std::vector<char> hostWork(std::max<size_t>(hostBytes, 1));
    if (c.ok() &&
        c.solverOk(e.geev(c.solverHandle(), params, kEigNoVectors, kEigVectors,
                          n, cudaType, ptr(t), n, cudaType, ptr(w), cudaType,
                          nullptr, 1, cudaType, ptr(vr), n, cudaType,
                          ptr(deviceWork), deviceBytes, hostWork.data(),
                          hostBytes, static_cast<int *>(ptr(devInfo))),
                   "Xgeev"))
      c.info(devInfo, unconverged, "Xgeev");
  }
  e.destroyParams(params);
  if (!c.ok())
    return c.code;
  if (unconverged > 0)
    return c.fail(EINRT_LA_NO_CONVERGENCE,
                  "eig did not converge (cuSOLVER Xgeev info " +
                      std::to_string(unconverged) + ")");
  c.transpose(vr, n, n, n, v, /*conjugate=*/false, complexType);
  return c.code;
}

int32_t badSize(Call &c) {
  return c.fail(EINRT_LA_BAD_ARGUMENT,
                std::string(c.name) +
                    ": matrix sizes must be between 0 and 2^30");
}

/// Runs `fn(call)` for the decomposition `name` once its call is ready
/// (no earlier error on this thread, the libraries loaded) and `sizes` fit
/// the libraries' ints.
template <typename F>
int32_t entry(const char *name, int32_t dtype, int64_t statement,
              std::initializer_list<int64_t> sizes, F fn) {
  Call c(name, dtype, statement);
  if (!c.ok())
    return c.code;
  for (int64_t size : sizes)
    if (!fits(size))
      return badSize(c);
  return fn(c);
}

/// `fn(T{})` with T the element type of `dtype`.
template <typename F> int32_t byType(int32_t dtype, F fn) {
  switch (dtype) {
  case EINRT_F32:
    return fn(float());
  case EINRT_F64:
    return fn(double());
  case EINRT_C64:
    return fn(std::complex<float>());
  default:
    return fn(std::complex<double>());
  }
}

} // namespace

extern "C" {

int32_t einrt_gpu_kernel_inv(int32_t dtype, int64_t n, const void *a, void *out,
                             int64_t statement) {
  return entry("inv", dtype, statement, {n},
               [&](Call &c) { return inv(c, int(n), dev(a), dev(out)); });
}

int32_t einrt_gpu_kernel_det(int32_t dtype, int64_t n, const void *a, void *out,
                             int64_t statement) {
  return entry("det", dtype, statement, {n}, [&](Call &c) {
    return byType(dtype, [&](auto t) {
      return det<decltype(t)>(c, int(n), dev(a), dev(out));
    });
  });
}

int32_t einrt_gpu_kernel_slogdet(int32_t dtype, int64_t n, const void *a,
                                 void *sign, void *logabsdet,
                                 int64_t statement) {
  return entry("slogdet", dtype, statement, {n}, [&](Call &c) {
    return byType(dtype, [&](auto t) {
      return slogdet<decltype(t)>(c, int(n), dev(a), dev(sign), dev(logabsdet));
    });
  });
}

int32_t einrt_gpu_kernel_cholesky(int32_t dtype, int64_t n, const void *a,
                                  void *out, int64_t statement) {
  return entry("cholesky", dtype, statement, {n},
               [&](Call &c) { return cholesky(c, int(n), dev(a), dev(out)); });
}

int32_t einrt_gpu_kernel_solve(int32_t dtype, int64_t n, int64_t nrhs,
                               const void *a, const void *b, void *x,
                               int64_t statement) {
  return entry("solve", dtype, statement, {n, nrhs}, [&](Call &c) {
    return solve(c, int(n), int(nrhs), dev(a), dev(b), dev(x));
  });
}

int32_t einrt_gpu_kernel_svd(int32_t dtype, int64_t m, int64_t n, const void *a,
                             void *u, void *s, void *vt, int64_t statement) {
  return einrt_gpu_kernel_svd_cutoff(dtype, m, n, a, u, s, vt, 0, statement);
}

int32_t einrt_gpu_kernel_svd_cutoff(int32_t dtype, int64_t m, int64_t n,
                                    const void *a, void *u, void *s, void *vt,
                                    double cutoff, int64_t statement) {
  return entry("svd", dtype, statement, {m, n}, [&](Call &c) {
    return svd(c, int(m), int(n), dev(a), dev(u), dev(s), dev(vt), cutoff);
  });
}

int32_t einrt_gpu_kernel_qr(int32_t dtype, int64_t m, int64_t n, const void *a,
                            void *q, void *r, int64_t statement) {
  return entry("qr", dtype, statement, {m, n}, [&](Call &c) {
    return qr(c, int(m), int(n), dev(a), dev(q), dev(r));
  });
}

int32_t einrt_gpu_kernel_lstsq(int32_t dtype, int64_t m, int64_t n,
                               int64_t nrhs, const void *a, const void *b,
                               void *x, int64_t statement) {
  return entry("lstsq", dtype, statement, {m, n, nrhs}, [&](Call &c) {
    return lstsq(c, int(m), int(n), int(nrhs), dev(a), dev(b), dev(x));
  });
}

int32_t einrt_gpu_kernel_eig(int32_t dtype, int64_t n, const void *a, void *w,
                             void *v, int64_t statement) {
  return entry("eig", dtype, statement, {n},
               [&](Call &c) { return eig(c, int(n), dev(a), dev(w), dev(v)); });
}

int32_t einrt_gpu_kernel_eigh(int32_t dtype, int64_t n, const void *a, void *w,
                              void *v, int64_t statement) {
  return entry("eigh", dtype, statement, {n}, [&](Call &c) {
    return eigh(c, int(n), dev(a), dev(w), dev(v));
  });
}

} // extern "C"
