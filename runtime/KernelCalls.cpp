//===- KernelCalls.cpp - Runtime entry points for generated code ----------===//
//
// Generated code calls these for the ops that lower to LAPACK. They cannot
// return an llvm::Error, so the first failure is recorded for the calling
// thread with the program statement it came from; the host takes it with
// einrt_kernel_take_error after the kernel returns.
//
//===----------------------------------------------------------------------===//

#include "einrt/einrt.h"

#include <cstdio>
#include <string>

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
