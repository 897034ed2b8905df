//===- CudaDriver.cpp - The CUDA driver API, loaded at run time -----------===//

#include "CudaDriver.h"

#include <cstdlib>
#include <dlfcn.h>

using namespace einrt::cuda;

namespace {

/// Resolves every entry point of `d` from `lib`; names the first missing.
bool resolve(void *lib, Driver &d, std::string &missing) {
  bool ok = true;
  auto get = [&](auto &fn, const char *name) {
    void *sym = dlsym(lib, name);
    if (!sym && ok) {
      missing = name;
      ok = false;
    }
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(sym);
  };
  get(d.init, "cuInit");
  get(d.driverGetVersion, "cuDriverGetVersion");
  get(d.deviceGetCount, "cuDeviceGetCount");
  get(d.deviceGet, "cuDeviceGet");
  get(d.deviceGetName, "cuDeviceGetName");
  get(d.deviceGetAttribute, "cuDeviceGetAttribute");
  get(d.primaryCtxRetain, "cuDevicePrimaryCtxRetain");
  get(d.ctxSetCurrent, "cuCtxSetCurrent");
  get(d.moduleLoadData, "cuModuleLoadData");
  get(d.moduleGetFunction, "cuModuleGetFunction");
  get(d.linkCreate, "cuLinkCreate_v2");
  get(d.linkAddData, "cuLinkAddData_v2");
  get(d.linkComplete, "cuLinkComplete");
  get(d.linkDestroy, "cuLinkDestroy");
  get(d.memAlloc, "cuMemAlloc_v2");
  get(d.memFree, "cuMemFree_v2");
  get(d.memcpyHtoD, "cuMemcpyHtoD_v2");
  get(d.memcpyDtoH, "cuMemcpyDtoH_v2");
  get(d.memsetD8, "cuMemsetD8_v2");
  get(d.memcpyDtoDAsync, "cuMemcpyDtoDAsync_v2");
  get(d.memsetD8Async, "cuMemsetD8Async");
  get(d.memsetD2D8Async, "cuMemsetD2D8Async");
  get(d.streamCreate, "cuStreamCreate");
  get(d.streamSynchronize, "cuStreamSynchronize");
  get(d.launchKernel, "cuLaunchKernel");
  get(d.eventCreate, "cuEventCreate");
  get(d.eventRecord, "cuEventRecord");
  get(d.eventSynchronize, "cuEventSynchronize");
  get(d.eventElapsedTime, "cuEventElapsedTime");
  get(d.getErrorName, "cuGetErrorName");
  get(d.getErrorString, "cuGetErrorString");
  return ok;
}

struct Loaded {
  Driver driver{};
  const Driver *usable = nullptr;
  std::string why;
};

Loaded load() {
  Loaded l;
  const char *override = std::getenv("EINRT_CUDA_DRIVER");
  const char *path = override && *override ? override : "libcuda.so.1";
  // The library stays loaded for the life of the process.
  void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char *e = dlerror();
    l.why = std::string("no CUDA driver: cannot load ") + path + " (" +
            (e ? e : "unknown reason") + ")";
    return l;
  }
  std::string missing;
  if (!resolve(lib, l.driver, missing)) {
    l.why = std::string("no CUDA driver: ") + path + " has no " + missing +
            " (the driver is too old)";
    return l;
  }
  CUresult r = l.driver.init(0);
  if (r == kNoDevice) {
    l.why = "no CUDA device: the driver found none (" +
            describe(l.driver, r, "cuInit") + ")";
    return l;
  }
  if (r != kSuccess) {
    l.why = "no usable CUDA driver: " + describe(l.driver, r, "cuInit");
    return l;
  }
  l.usable = &l.driver;
  return l;
}

} // namespace

const Driver *einrt::cuda::driver(std::string &why) {
  static const Loaded loaded = load();
  why = loaded.why;
  return loaded.usable;
}

std::string einrt::cuda::describe(const Driver &d, CUresult result,
                                  const char *what) {
  const char *name = nullptr;
  const char *text = nullptr;
  if (d.getErrorName(result, &name) != kSuccess || !name)
    name = nullptr;
  if (d.getErrorString(result, &text) != kSuccess || !text)
    text = nullptr;
  std::string message;
  if (result == kOutOfMemory)
    message = "out of GPU memory: ";
  message += what;
  message += ": ";
  message += text ? text : "unknown CUDA error";
  message += " (";
  message += name ? name : "CUDA error " + std::to_string(result);
  message += ")";
  if (result == kUnsupportedPtxVersion || result == kInvalidPtx)
    message += "; the driver cannot compile this PTX: update the driver or "
               "compile for an older --gpu-arch";
  return message;
}
