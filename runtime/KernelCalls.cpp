//===- KernelCalls.cpp - Runtime entry points for generated code ----------===//
//
// Generated code calls these for the ops that lower to LAPACK. They cannot
// return an llvm::Error, so the first failure is recorded for the calling
// thread with the program statement it came from; the host takes it with
// einrt_kernel_take_error after the kernel returns.
//
//===----------------------------------------------------------------------===//

#include "einrt/einrt.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

struct KernelError {
  int code = 0;
  int64_t statement = 0;
  std::string message;
};

thread_local KernelError lastError;

int32_t record(int code, const char *message, int64_t statement) {
  if (code != EINRT_LA_OK && lastError.code == 0) {
    lastError.code = code;
    lastError.statement = statement;
    lastError.message = message;
  }
  return code;
}

/// Real values (singular values, eigenvalues) into the dtype's layout: a
/// complex dtype gets a zero imaginary part.
void widenReal(int32_t dtype, const double *values, int64_t n, void *out) {
  for (int64_t i = 0; i < n; ++i) {
    switch (dtype) {
    case EINRT_F32:
      static_cast<float *>(out)[i] = float(values[i]);
      break;
    case EINRT_F64:
      static_cast<double *>(out)[i] = values[i];
      break;
    case EINRT_C64:
      static_cast<float *>(out)[2 * i] = float(values[i]);
      static_cast<float *>(out)[2 * i + 1] = 0;
      break;
    default:
      static_cast<double *>(out)[2 * i] = values[i];
      static_cast<double *>(out)[2 * i + 1] = 0;
      break;
    }
  }
}

/// Calls `fn(realBuffer)` with a buffer of the real type of `dtype`, then
/// widens its `n` values into `out`.
template <typename F>
int32_t withReal(int32_t dtype, int64_t n, void *out, F fn) {
  bool single = dtype == EINRT_F32 || dtype == EINRT_C64;
  std::vector<double> values(n);
  int32_t code;
  if (single) {
    std::vector<float> real(n + 1);
    code = fn(static_cast<void *>(real.data()));
    std::copy(real.begin(), real.begin() + n, values.begin());
  } else {
    code = fn(static_cast<void *>(values.data()));
  }
  widenReal(dtype, values.data(), n, out);
  return code;
}

} // namespace

extern "C" {

int32_t einrt_kernel_inv(int32_t dtype, int64_t n, const void *a, void *out,
                         int64_t statement) {
  char err[256] = "";
  return record(einrt_inv(einrt_dtype(dtype), n, a, out, err, sizeof(err)), err,
                statement);
}

int32_t einrt_kernel_det(int32_t dtype, int64_t n, const void *a, void *out,
                         int64_t statement) {
  char err[256] = "";
  return record(einrt_det(einrt_dtype(dtype), n, a, out, err, sizeof(err)), err,
                statement);
}

int32_t einrt_kernel_cholesky(int32_t dtype, int64_t n, const void *a,
                              void *out, int64_t statement) {
  char err[256] = "";
  return record(einrt_cholesky(einrt_dtype(dtype), n, a, out, err, sizeof(err)),
                err, statement);
}

int32_t einrt_kernel_solve(int32_t dtype, int64_t n, int64_t nrhs,
                           const void *a, const void *b, void *x,
                           int64_t statement) {
  char err[256] = "";
  return record(
      einrt_solve(einrt_dtype(dtype), n, nrhs, a, b, x, err, sizeof(err)), err,
      statement);
}

int32_t einrt_kernel_svd(int32_t dtype, int64_t m, int64_t n, const void *a,
                         void *u, void *s, void *vt, int64_t statement) {
  char err[256] = "";
  int32_t code = withReal(dtype, std::min(m, n), s, [&](void *real) {
    return einrt_svd(einrt_dtype(dtype), m, n, a, u, real, vt, err,
                     sizeof(err));
  });
  return record(code, err, statement);
}

int32_t einrt_kernel_svd_cutoff(int32_t dtype, int64_t m, int64_t n,
                                const void *a, void *u, void *s, void *vt,
                                double cutoff, int64_t statement) {
  char err[256] = "";
  int64_t k = std::min(m, n);
  std::vector<double> values(k);
  int32_t code = withReal(dtype, k, s, [&](void *real) {
    int32_t c =
        einrt_svd(einrt_dtype(dtype), m, n, a, u, real, vt, err, sizeof(err));
    bool single = dtype == EINRT_F32 || dtype == EINRT_C64;
    for (int64_t i = 0; i < k; ++i)
      values[i] = single ? static_cast<float *>(real)[i]
                         : static_cast<double *>(real)[i];
    for (int64_t i = 0; i < k; ++i)
      if (values[i] < cutoff * values[0]) {
        if (single)
          static_cast<float *>(real)[i] = 0;
        else
          static_cast<double *>(real)[i] = 0;
      }
    return c;
  });
  // The columns of u and rows of vt that belong to a zeroed value.
  size_t size = dtype == EINRT_F32   ? 4
                : dtype == EINRT_F64 ? 8
                : dtype == EINRT_C64 ? 8
                                     : 16;
  char *uBytes = static_cast<char *>(u), *vBytes = static_cast<char *>(vt);
  for (int64_t i = 0; code == EINRT_LA_OK && i < k; ++i) {
    if (!(values[i] < cutoff * values[0]))
      continue;
    for (int64_t row = 0; row < m; ++row)
      std::memset(uBytes + (row * k + i) * size, 0, size);
    std::memset(vBytes + i * n * size, 0, n * size);
  }
  return record(code, err, statement);
}

int32_t einrt_kernel_qr(int32_t dtype, int64_t m, int64_t n, const void *a,
                        void *q, void *r, int64_t statement) {
  char err[256] = "";
  return record(einrt_qr(einrt_dtype(dtype), m, n, a, q, r, err, sizeof(err)),
                err, statement);
}

int32_t einrt_kernel_eigh(int32_t dtype, int64_t n, const void *a, void *w,
                          void *v, int64_t statement) {
  char err[256] = "";
  int32_t code = withReal(dtype, n, w, [&](void *real) {
    return einrt_eigh(einrt_dtype(dtype), n, a, real, v, err, sizeof(err));
  });
  return record(code, err, statement);
}

int32_t einrt_kernel_eig(int32_t dtype, int64_t n, const void *a, void *w,
                         void *v, int64_t statement) {
  char err[256] = "";
  return record(einrt_eig(einrt_dtype(dtype), n, a, w, v, err, sizeof(err)),
                err, statement);
}

int32_t einrt_kernel_lstsq(int32_t dtype, int64_t m, int64_t n, int64_t nrhs,
                           const void *a, const void *b, void *x,
                           int64_t statement) {
  char err[256] = "";
  return record(
      einrt_lstsq(einrt_dtype(dtype), m, n, nrhs, a, b, x, err, sizeof(err)),
      err, statement);
}

void einrt_memref_copy(int64_t elementSize, const einrt_unranked_memref *src,
                       const einrt_unranked_memref *dst) {
  // Descriptor: base pointer, data pointer, offset, sizes[rank],
  // strides[rank] (MLIR's memref layout).
  struct View {
    char *data;
    int64_t offset;
    const int64_t *sizes, *strides;
  };
  auto view = [](const einrt_unranked_memref *m) {
    auto *words = static_cast<const int64_t *>(m->descriptor);
    View v;
    v.data = reinterpret_cast<char *>(words[1]);
    v.offset = words[2];
    v.sizes = words + 3;
    v.strides = words + 3 + m->rank;
    return v;
  };
  View a = view(src), b = view(dst);
  int64_t rank = src->rank, count = 1;
  for (int64_t d = 0; d < rank; ++d)
    count *= a.sizes[d];
  std::vector<int64_t> index(rank, 0);
  for (int64_t n = 0; n < count; ++n) {
    int64_t from = a.offset, to = b.offset;
    for (int64_t d = 0; d < rank; ++d) {
      from += index[d] * a.strides[d];
      to += index[d] * b.strides[d];
    }
    std::memcpy(b.data + to * elementSize, a.data + from * elementSize,
                elementSize);
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++index[d] < a.sizes[d])
        break;
      index[d] = 0;
    }
  }
}

int32_t einrt_kernel_slogdet(int32_t dtype, int64_t n, const void *a,
                             void *sign, void *logabsdet, int64_t statement) {
  char err[256] = "";
  int32_t code = withReal(dtype, 1, logabsdet, [&](void *real) {
    return einrt_slogdet(einrt_dtype(dtype), n, a, sign, real, err,
                         sizeof(err));
  });
  return record(code, err, statement);
}

int einrt_kernel_take_error(int64_t *statement, char *err, size_t errlen) {
  int code = lastError.code;
  if (code) {
    *statement = lastError.statement;
    std::snprintf(err, errlen, "%s", lastError.message.c_str());
  }
  lastError = KernelError();
  return code;
}

} // extern "C"
