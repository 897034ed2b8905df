//===- GpuDecompositions.h - The GPU's decompositions from host data -*- C++
//-*-===//
//
// A backend for DecompositionChecks.h over the runtime's cuSOLVER entry
// points (einrt_gpu_kernel_*): each call copies its inputs to the device,
// runs there, copies the results back, and turns the thread's GPU error
// into the einrt_* functions' message. Real results (singular values,
// eigenvalues, log|det|), which the GPU entry points write in the dtype's
// layout as generated code expects, come back as real numbers.
//
//===----------------------------------------------------------------------===//

#ifndef EIN_TEST_SUPPORT_GPUDECOMPOSITIONS_H
#define EIN_TEST_SUPPORT_GPUDECOMPOSITIONS_H

#include "einrt/einrt.h"
#include "einrt/gpu.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <vector>

namespace ein::decomposition_checks {

struct GpuLinalg {
  /// The program statement the calls claim, to check errors carry it.
  static constexpr int64_t kStatement = 7;

  static size_t size(einrt_dtype t) {
    return t == EINRT_F32 ? 4 : t == EINRT_C128 ? 16 : 8;
  }
  static size_t realSize(einrt_dtype t) {
    return t == EINRT_F32 || t == EINRT_C64 ? 4 : 8;
  }

  /// Device memory of `count` elements, filled from `host` when given.
  struct Buffer {
    einrt::DeviceBuffer device;
    size_t bytes;
    Buffer(size_t count, size_t elementSize, const void *host = nullptr)
        : bytes(count * elementSize) {
      char err[256] = "";
      EXPECT_EQ(einrt_gpu_alloc(&device.data, bytes, err, sizeof err), 0)
          << err;
      if (host) {
        EXPECT_EQ(
            einrt_gpu_copy_to_device(device.data, host, bytes, err, sizeof err),
            0)
            << err;
      }
    }
    void *get() const { return device.data; }
    void copyTo(void *host) const {
      char err[256] = "";
      EXPECT_EQ(
          einrt_gpu_copy_to_host(host, device.data, bytes, err, sizeof err), 0)
          << err;
    }
    /// The real parts of the first `count` elements (the dtype's layout).
    void copyRealTo(void *host, einrt_dtype t, size_t count) const {
      std::vector<char> all(bytes);
      copyTo(all.data());
      size_t r = realSize(t);
      for (size_t i = 0; i < count; ++i)
        std::memcpy(static_cast<char *>(host) + i * r, &all[i * size(t)], r);
    }
  };

  /// The call's code, with the thread's GPU error (which must be there
  /// exactly when the code is not EINRT_LA_OK) in `err`.
  static int finish(int code, char *err, size_t errlen) {
    int64_t statement = 0;
    char message[512] = "";
    bool failed = einrt_gpu_take_error_at(&statement, message, sizeof message);
    EXPECT_EQ(failed, code != EINRT_LA_OK) << message;
    if (failed) {
      EXPECT_EQ(statement, kStatement) << message;
      std::snprintf(err, errlen, "%s", message);
    }
    return code;
  }

  static int svd(einrt_dtype t, int64_t m, int64_t n, const void *a, void *u,
                 void *s, void *vt, char *err, size_t errlen) {
    int64_t k = std::min(m, n);
    Buffer da(m * n, size(t), a), du(m * k, size(t)), ds(k, size(t)),
        dvt(k * n, size(t));
    int code = einrt_gpu_kernel_svd(t, m, n, da.get(), du.get(), ds.get(),
                                    dvt.get(), kStatement);
    if (code == EINRT_LA_OK) {
      du.copyTo(u);
      ds.copyRealTo(s, t, k);
      dvt.copyTo(vt);
    }
    return finish(code, err, errlen);
  }

  static int qr(einrt_dtype t, int64_t m, int64_t n, const void *a, void *q,
                void *r, char *err, size_t errlen) {
    int64_t k = std::min(m, n);
    Buffer da(m * n, size(t), a), dq(m * k, size(t)), dr(k * n, size(t));
    int code =
        einrt_gpu_kernel_qr(t, m, n, da.get(), dq.get(), dr.get(), kStatement);
    if (code == EINRT_LA_OK) {
      dq.copyTo(q);
      dr.copyTo(r);
    }
    return finish(code, err, errlen);
  }

  static int eigh(einrt_dtype t, int64_t n, const void *a, void *w, void *v,
                  char *err, size_t errlen) {
    Buffer da(n * n, size(t), a), dw(n, size(t)), dv(n * n, size(t));
    int code =
        einrt_gpu_kernel_eigh(t, n, da.get(), dw.get(), dv.get(), kStatement);
    if (code == EINRT_LA_OK) {
      dw.copyRealTo(w, t, n);
      dv.copyTo(v);
    }
    return finish(code, err, errlen);
  }

  /// inv, det and cholesky: one n x n input, one result of `outCount`.
  template <typename Fn>
  static int unary(Fn fn, einrt_dtype t, int64_t n, const void *a, void *out,
                   int64_t outCount, char *err, size_t errlen) {
    Buffer da(n * n, size(t), a), dout(outCount, size(t));
    int code = fn(t, n, da.get(), dout.get(), kStatement);
    if (code == EINRT_LA_OK)
      dout.copyTo(out);
    return finish(code, err, errlen);
  }
  static int cholesky(einrt_dtype t, int64_t n, const void *a, void *l,
                      char *err, size_t errlen) {
    return unary(einrt_gpu_kernel_cholesky, t, n, a, l, n * n, err, errlen);
  }
  static int inv(einrt_dtype t, int64_t n, const void *a, void *out, char *err,
                 size_t errlen) {
    return unary(einrt_gpu_kernel_inv, t, n, a, out, n * n, err, errlen);
  }
  static int det(einrt_dtype t, int64_t n, const void *a, void *out, char *err,
                 size_t errlen) {
    return unary(einrt_gpu_kernel_det, t, n, a, out, 1, err, errlen);
  }

  static int slogdet(einrt_dtype t, int64_t n, const void *a, void *sign,
                     void *logabsdet, char *err, size_t errlen) {
    Buffer da(n * n, size(t), a), dsign(1, size(t)), dlog(1, size(t));
    int code = einrt_gpu_kernel_slogdet(t, n, da.get(), dsign.get(), dlog.get(),
                                        kStatement);
    if (code == EINRT_LA_OK) {
      dsign.copyTo(sign);
      dlog.copyRealTo(logabsdet, t, 1);
    }
    return finish(code, err, errlen);
  }

  /// w and v are complex of t's precision, as einrt_eig's.
  static int eig(einrt_dtype t, int64_t n, const void *a, void *w, void *v,
                 char *err, size_t errlen) {
    size_t complexSize = 2 * realSize(t);
    Buffer da(n * n, size(t), a), dw(n, complexSize), dv(n * n, complexSize);
    int code =
        einrt_gpu_kernel_eig(t, n, da.get(), dw.get(), dv.get(), kStatement);
    if (code == EINRT_LA_OK) {
      dw.copyTo(w);
      dv.copyTo(v);
    }
    return finish(code, err, errlen);
  }

  static int lstsq(einrt_dtype t, int64_t m, int64_t n, int64_t nrhs,
                   const void *a, const void *b, void *x, char *err,
                   size_t errlen) {
    Buffer da(m * n, size(t), a), db(m * nrhs, size(t), b),
        dx(n * nrhs, size(t));
    int code = einrt_gpu_kernel_lstsq(t, m, n, nrhs, da.get(), db.get(),
                                      dx.get(), kStatement);
    if (code == EINRT_LA_OK)
      dx.copyTo(x);
    return finish(code, err, errlen);
  }

  static int solve(einrt_dtype t, int64_t n, int64_t nrhs, const void *a,
                   const void *b, void *x, char *err, size_t errlen) {
    Buffer da(n * n, size(t), a), db(n * nrhs, size(t), b),
        dx(n * nrhs, size(t));
    int code = einrt_gpu_kernel_solve(t, n, nrhs, da.get(), db.get(), dx.get(),
                                      kStatement);
    if (code == EINRT_LA_OK)
      dx.copyTo(x);
    return finish(code, err, errlen);
  }
};

} // namespace ein::decomposition_checks

#endif // EIN_TEST_SUPPORT_GPUDECOMPOSITIONS_H
