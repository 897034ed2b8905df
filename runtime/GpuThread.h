//===- GpuThread.h - A thread's GPU state, for the runtime's own files ----===//
//
// Gpu.cpp keeps, per thread, a stream and the first failure of the GPU
// work generated code asked for; the decompositions (GpuDecompositions.cpp)
// run on that stream and record their failures the same way.
//
//===----------------------------------------------------------------------===//

#ifndef EINRT_GPUTHREAD_H
#define EINRT_GPUTHREAD_H

#include "CudaDriver.h"

#include <cstdint>
#include <string>

namespace einrt::gpu {

/// The driver with the device's context current on this thread, or null
/// with the reason in `why`.
const cuda::Driver *ready(std::string &why);

/// The driver for generated code's work: null once this thread has an
/// error (a missing device becomes that error).
const cuda::Driver *readyForLaunch();

/// Records `r` as this thread's error unless it is success or an error is
/// already kept; true when `r` is a failure.
bool failed(const cuda::Driver &d, cuda::CUresult r, const char *what);

/// Records `message` as this thread's error, raised by program statement
/// `statement` (0: none), unless an error is already kept.
void fail(const std::string &message, int64_t statement);

/// True once this thread has an error.
bool hasError();

/// This thread's stream, created on first use; null on failure (recorded).
cuda::CUstream threadStream(const cuda::Driver &d);

} // namespace einrt::gpu

#endif // EINRT_GPUTHREAD_H
