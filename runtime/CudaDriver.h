//===- CudaDriver.h - The CUDA driver API, loaded at run time ---*- C++ -*-===//
//
// The few driver entry points Einc uses, declared here (no CUDA header is
// needed to build) and resolved with dlopen/dlsym from libcuda.so.1, or
// from the library $EINRT_CUDA_DRIVER names (tests use a mock driver).
//
//===----------------------------------------------------------------------===//

#ifndef EINRT_CUDADRIVER_H
#define EINRT_CUDADRIVER_H

#include <cstddef>
#include <string>

namespace einrt::cuda {

using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = struct CUctx_st *;
using CUmodule = struct CUmod_st *;
using CUfunction = struct CUfunc_st *;
using CUstream = struct CUstream_st *;
using CUevent = struct CUevent_st *;
using CUlinkState = struct CUlinkState_st *;

constexpr CUresult kSuccess = 0;
constexpr CUresult kOutOfMemory = 2;
constexpr CUresult kNoDevice = 100;
constexpr CUresult kInvalidPtx = 218;
constexpr CUresult kUnsupportedPtxVersion = 222;
constexpr int kAttrComputeMajor = 75;
constexpr int kAttrComputeMinor = 76;
constexpr int kJitInputPtx = 1;

/// The driver's entry points (the _v2 ones where CUDA versions them).
struct Driver {
  CUresult (*init)(unsigned flags);
  CUresult (*driverGetVersion)(int *version);
  CUresult (*deviceGetCount)(int *count);
  CUresult (*deviceGet)(CUdevice *device, int ordinal);
  CUresult (*deviceGetName)(char *name, int len, CUdevice device);
  CUresult (*deviceGetAttribute)(int *value, int attribute, CUdevice device);
  CUresult (*primaryCtxRetain)(CUcontext *ctx, CUdevice device);
  CUresult (*ctxSetCurrent)(CUcontext ctx);
  CUresult (*moduleLoadData)(CUmodule *module, const void *image);
  CUresult (*moduleGetFunction)(CUfunction *fn, CUmodule module,
                                const char *name);
  CUresult (*linkCreate)(unsigned numOptions, int *options, void **values,
                         CUlinkState *state);
  CUresult (*linkAddData)(CUlinkState state, int type, void *data, size_t size,
                          const char *name, unsigned numOptions, int *options,
                          void **values);
  CUresult (*linkComplete)(CUlinkState state, void **cubin, size_t *size);
  CUresult (*linkDestroy)(CUlinkState state);
  CUresult (*memAlloc)(CUdeviceptr *ptr, size_t bytes);
  CUresult (*memFree)(CUdeviceptr ptr);
  CUresult (*memcpyHtoD)(CUdeviceptr dst, const void *src, size_t bytes);
  CUresult (*memcpyDtoH)(void *dst, CUdeviceptr src, size_t bytes);
  CUresult (*memsetD8)(CUdeviceptr dst, unsigned char value, size_t count);
  CUresult (*memcpyDtoDAsync)(CUdeviceptr dst, CUdeviceptr src, size_t bytes,
                              CUstream stream);
  CUresult (*memsetD8Async)(CUdeviceptr dst, unsigned char value, size_t count,
                            CUstream stream);
  CUresult (*memsetD2D8Async)(CUdeviceptr dst, size_t pitch,
                              unsigned char value, size_t width, size_t height,
                              CUstream stream);
  CUresult (*streamCreate)(CUstream *stream, unsigned flags);
  CUresult (*streamSynchronize)(CUstream stream);
  CUresult (*launchKernel)(CUfunction fn, unsigned gridX, unsigned gridY,
                           unsigned gridZ, unsigned blockX, unsigned blockY,
                           unsigned blockZ, unsigned smem, CUstream stream,
                           void **params, void **extra);
  CUresult (*eventCreate)(CUevent *event, unsigned flags);
  CUresult (*eventRecord)(CUevent event, CUstream stream);
  CUresult (*eventSynchronize)(CUevent event);
  CUresult (*eventElapsedTime)(float *ms, CUevent start, CUevent end);
  CUresult (*getErrorName)(CUresult error, const char **name);
  CUresult (*getErrorString)(CUresult error, const char **text);
};

/// The driver, loaded and initialised once per process; null with the
/// reason in `why` when there is no usable driver.
const Driver *driver(std::string &why);

/// "what: the driver's text (CUDA_ERROR_NAME)", with a hint for the
/// errors a user can act on (out of memory, a PTX newer than the driver).
std::string describe(const Driver &d, CUresult result, const char *what);

} // namespace einrt::cuda

#endif // EINRT_CUDADRIVER_H
