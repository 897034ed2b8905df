//===- Gpu.cpp - Device memory, modules and launches ----------------------===//
//
// The C ABI of einrt/gpu.h over the CUDA driver (CudaDriver.cpp). Each
// thread launches on a stream of its own, so launches of one call run in
// order and calls from several threads overlap. Generated code cannot take
// errors back, so the first failure of a thread is kept (later work of the
// thread is skipped) until einrt_gpu_take_error returns it.
//
//===----------------------------------------------------------------------===//

#include "einrt/gpu.h"
#include "CudaDriver.h"
#include "GpuThread.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <unordered_map>

using namespace einrt::cuda;
using namespace einrt::gpu;

namespace {

struct Device {
  CUdevice device = 0;
  CUcontext context = nullptr;
  std::string name;
  std::string arch;
  int driverVersion = 0;
};

struct DeviceState {
  const Driver *d = nullptr;
  Device device;
  std::string why;
};

const DeviceState &deviceState() {
  static const DeviceState state = [] {
    DeviceState s;
    const Driver *d = driver(s.why);
    if (!d)
      return s;
    int ordinal = 0;
    if (const char *env = std::getenv("EINRT_CUDA_DEVICE"))
      ordinal = std::atoi(env);
    int count = 0;
    CUresult r = d->deviceGetCount(&count);
    if (r != kSuccess) {
      s.why = "no CUDA device: " + describe(*d, r, "cuDeviceGetCount");
      return s;
    }
    if (count == 0 || ordinal < 0 || ordinal >= count) {
      s.why = count == 0 ? "no CUDA device: the driver found none"
                         : "no CUDA device " + std::to_string(ordinal) +
                               " (EINRT_CUDA_DEVICE): the driver found " +
                               std::to_string(count);
      return s;
    }
    Device &dev = s.device;
    int major = 0, minor = 0;
    char name[256] = {0};
    if ((r = d->deviceGet(&dev.device, ordinal)) != kSuccess ||
        (r = d->deviceGetName(name, sizeof name - 1, dev.device)) != kSuccess ||
        (r = d->deviceGetAttribute(&major, kAttrComputeMajor, dev.device)) !=
            kSuccess ||
        (r = d->deviceGetAttribute(&minor, kAttrComputeMinor, dev.device)) !=
            kSuccess) {
      s.why = "no usable CUDA device: " + describe(*d, r, "querying it");
      return s;
    }
    if ((r = d->primaryCtxRetain(&dev.context, dev.device)) != kSuccess) {
      s.why = "no usable CUDA device: " +
              describe(*d, r, "cuDevicePrimaryCtxRetain");
      return s;
    }
    d->driverGetVersion(&dev.driverVersion);
    dev.name = name;
    dev.arch = "sm_" + std::to_string(major * 10 + minor);
    s.d = d;
    return s;
  }();
  return state;
}

/// What a thread keeps: its stream, its first error, its timer events.
struct ThreadState {
  bool current = false;
  CUstream stream = nullptr;
  std::string error;
  int64_t errorStatement = 0; ///< the program statement that raised it
  CUevent timerStart = nullptr;
  CUevent timerStop = nullptr;
};
thread_local ThreadState thread;

void fill(char *err, size_t errlen, const std::string &message) {
  if (err && errlen)
    std::snprintf(err, errlen, "%s", message.c_str());
}

//===----------------------------------------------------------------------===//
// Modules: in memory by PTX text, on disk by a hash of it
//===----------------------------------------------------------------------===//

std::mutex moduleMutex;
std::unordered_map<std::string, CUmodule> modules;
std::string cacheDir;
std::atomic<int64_t> ptxCompiles{0};
std::atomic<int64_t> diskLoads{0};

uint64_t fnv1a(const std::string &text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text)
    h = (h ^ c) * 1099511628211ull;
  return h;
}

std::string cacheFile(const std::string &ptx) {
  if (cacheDir.empty())
    return "";
  const Device &dev = deviceState().device;
  std::string key = ptx + "|" + dev.arch + "|" + dev.name + "|" +
                    std::to_string(dev.driverVersion);
  char name[32];
  std::snprintf(name, sizeof name, "/%016llx.cubin",
                static_cast<unsigned long long>(fnv1a(key)));
  return cacheDir + name;
}

bool readFile(const std::string &path, std::string &out) {
  FILE *f = std::fopen(path.c_str(), "rb");
  if (!f)
    return false;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
    out.append(buf, n);
  bool ok = !std::ferror(f);
  std::fclose(f);
  return ok && !out.empty();
}

/// Writes through a temporary renamed into place; failing only means no
/// cache entry.
void writeFile(const std::string &path, const void *data, size_t size) {
  mkdir(cacheDir.c_str(), 0755);
  std::string tmp = path + ".tmp" + std::to_string(getpid());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd < 0)
    return;
  bool ok = write(fd, data, size) == ssize_t(size);
  ok &= close(fd) == 0;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0)
    unlink(tmp.c_str());
}

/// Compiles `ptx` to the device's image through the driver's linker,
/// stores it in the cache and loads it.
CUresult compileAndLoad(const Driver &d, const std::string &ptx,
                        const std::string &file, CUmodule &module) {
  CUlinkState link = nullptr;
  CUresult r = d.linkCreate(0, nullptr, nullptr, &link);
  if (r != kSuccess)
    return r;
  void *image = nullptr;
  size_t size = 0;
  r = d.linkAddData(link, kJitInputPtx, const_cast<char *>(ptx.c_str()),
                    ptx.size() + 1, "einc", 0, nullptr, nullptr);
  if (r == kSuccess)
    r = d.linkComplete(link, &image, &size);
  if (r == kSuccess) {
    ++ptxCompiles;
    writeFile(file, image, size);
    r = d.moduleLoadData(&module, image);
  }
  d.linkDestroy(link);
  return r;
}

CUmodule loadModule(const Driver &d, const std::string &ptx) {
  std::lock_guard<std::mutex> lock(moduleMutex);
  auto it = modules.find(ptx);
  if (it != modules.end())
    return it->second;
  CUmodule module = nullptr;
  std::string file = cacheFile(ptx);
  std::string image;
  CUresult r = 1;
  if (!file.empty() && readFile(file, image)) {
    r = d.moduleLoadData(&module, image.data());
    if (r == kSuccess)
      ++diskLoads;
  }
  if (r != kSuccess) {
    if (!file.empty()) {
      r = compileAndLoad(d, ptx, file, module);
    } else {
      r = d.moduleLoadData(&module, ptx.c_str());
      if (r == kSuccess)
        ++ptxCompiles;
    }
  }
  if (failed(d, r, "loading the kernels' PTX"))
    return nullptr;
  modules.emplace(ptx, module);
  return module;
}

} // namespace

//===----------------------------------------------------------------------===//
// The thread's state, for the runtime's other files (GpuThread.h)
//===----------------------------------------------------------------------===//

const Driver *einrt::gpu::ready(std::string &why) {
  const DeviceState &s = deviceState();
  if (!s.d) {
    why = s.why;
    return nullptr;
  }
  if (!thread.current) {
    CUresult r = s.d->ctxSetCurrent(s.device.context);
    if (r != kSuccess) {
      why = describe(*s.d, r, "cuCtxSetCurrent");
      return nullptr;
    }
    thread.current = true;
  }
  return s.d;
}

const Driver *einrt::gpu::readyForLaunch() {
  if (!thread.error.empty())
    return nullptr;
  std::string why;
  const Driver *d = ready(why);
  if (!d)
    thread.error = why;
  return d;
}

bool einrt::gpu::failed(const Driver &d, CUresult r, const char *what) {
  if (r == kSuccess)
    return false;
  fail(describe(d, r, what), 0);
  return true;
}

CUstream einrt::gpu::threadStream(const Driver &d) {
  // A blocking stream (flags 0): synchronous copies on the legacy stream
  // wait for its work, which the decompositions rely on to read results.
  if (!thread.stream &&
      failed(d, d.streamCreate(&thread.stream, 0), "cuStreamCreate"))
    return nullptr;
  return thread.stream;
}

void einrt::gpu::fail(const std::string &message, int64_t statement) {
  if (!thread.error.empty())
    return;
  thread.error = message;
  thread.errorStatement = statement;
}

bool einrt::gpu::hasError() { return !thread.error.empty(); }

//===----------------------------------------------------------------------===//
// The C ABI
//===----------------------------------------------------------------------===//

extern "C" {

int einrt_gpu_init(char *err, size_t errlen) {
  std::string why;
  if (!ready(why)) {
    fill(err, errlen, why);
    return 1;
  }
  return 0;
}

int einrt_gpu_device_name(char *name, size_t namelen, char *err,
                          size_t errlen) {
  if (einrt_gpu_init(err, errlen))
    return 1;
  fill(name, namelen, deviceState().device.name);
  return 0;
}

int einrt_gpu_device_arch(char *arch, size_t archlen, char *err,
                          size_t errlen) {
  if (einrt_gpu_init(err, errlen))
    return 1;
  fill(arch, archlen, deviceState().device.arch);
  return 0;
}

int einrt_gpu_alloc(void **ptr, size_t bytes, char *err, size_t errlen) {
  *ptr = nullptr;
  std::string why;
  const Driver *d = ready(why);
  if (!d) {
    fill(err, errlen, why);
    return 1;
  }
  CUdeviceptr p = 0;
  CUresult r = d->memAlloc(&p, bytes ? bytes : 1);
  if (r != kSuccess) {
    fill(err, errlen,
         describe(
             *d, r,
             ("cannot allocate " + std::to_string(bytes) + " bytes").c_str()));
    return 1;
  }
  *ptr = reinterpret_cast<void *>(p);
  return 0;
}

void einrt_gpu_free(void *ptr) {
  std::string why;
  if (const Driver *d = ptr ? ready(why) : nullptr)
    d->memFree(reinterpret_cast<CUdeviceptr>(ptr));
}

static int copy(bool toDevice, void *dst, const void *src, size_t bytes,
                char *err, size_t errlen) {
  if (bytes == 0)
    return 0;
  std::string why;
  const Driver *d = ready(why);
  if (!d) {
    fill(err, errlen, why);
    return 1;
  }
  CUresult r =
      toDevice ? d->memcpyHtoD(reinterpret_cast<CUdeviceptr>(dst), src, bytes)
               : d->memcpyDtoH(dst, reinterpret_cast<CUdeviceptr>(src), bytes);
  if (r != kSuccess) {
    fill(err, errlen,
         describe(*d, r,
                  toDevice ? "copying to the GPU" : "copying from the GPU"));
    return 1;
  }
  return 0;
}

int einrt_gpu_copy_to_device(void *dst, const void *src, size_t bytes,
                             char *err, size_t errlen) {
  return copy(true, dst, src, bytes, err, errlen);
}

int einrt_gpu_copy_to_host(void *dst, const void *src, size_t bytes, char *err,
                           size_t errlen) {
  return copy(false, dst, src, bytes, err, errlen);
}

int einrt_gpu_memset(void *dst, int value, size_t bytes, char *err,
                     size_t errlen) {
  std::string why;
  const Driver *d = ready(why);
  if (!d) {
    fill(err, errlen, why);
    return 1;
  }
  CUresult r = d->memsetD8(reinterpret_cast<CUdeviceptr>(dst),
                           static_cast<unsigned char>(value), bytes);
  if (r != kSuccess) {
    fill(err, errlen, describe(*d, r, "cuMemsetD8"));
    return 1;
  }
  return 0;
}

int einrt_gpu_take_error(char *err, size_t errlen) {
  int64_t statement = 0;
  return einrt_gpu_take_error_at(&statement, err, errlen);
}

int einrt_gpu_take_error_at(int64_t *statement, char *err, size_t errlen) {
  // Errors the kernels raise (a bad address, say) show when the stream is
  // waited for.
  if (thread.error.empty() && thread.stream) {
    const Driver *d = deviceState().d;
    failed(*d, d->streamSynchronize(thread.stream), "running the kernels");
  }
  *statement = 0;
  if (thread.error.empty())
    return 0;
  fill(err, errlen, thread.error);
  *statement = thread.errorStatement;
  thread.error.clear();
  thread.errorStatement = 0;
  return 1;
}

void einrt_gpu_set_cache_dir(const char *dir) {
  std::lock_guard<std::mutex> lock(moduleMutex);
  cacheDir = dir ? dir : "";
}

int64_t einrt_gpu_ptx_compiles(void) { return ptxCompiles; }
int64_t einrt_gpu_disk_loads(void) { return diskLoads; }

void *einrt_gpu_stream(void) {
  std::string why;
  const Driver *d = ready(why);
  return d ? threadStream(*d) : nullptr;
}

int einrt_gpu_timer_start(char *err, size_t errlen) {
  std::string why;
  const Driver *d = ready(why);
  CUstream stream = d ? threadStream(*d) : nullptr;
  if (d && !thread.timerStart)
    failed(*d, d->eventCreate(&thread.timerStart, 0), "cuEventCreate");
  if (d && !thread.timerStop)
    failed(*d, d->eventCreate(&thread.timerStop, 0), "cuEventCreate");
  if (d && thread.timerStart)
    failed(*d, d->eventRecord(thread.timerStart, stream), "cuEventRecord");
  if (!d || !thread.error.empty()) {
    fill(err, errlen, d ? thread.error : why);
    thread.error.clear();
    return 1;
  }
  return 0;
}

int einrt_gpu_timer_stop(double *ms, char *err, size_t errlen) {
  *ms = 0;
  const Driver *d = deviceState().d;
  if (!d || !thread.timerStop) {
    fill(err, errlen, "einrt_gpu_timer_stop without einrt_gpu_timer_start");
    return 1;
  }
  float elapsed = 0;
  if (!failed(*d, d->eventRecord(thread.timerStop, thread.stream),
              "cuEventRecord") &&
      !failed(*d, d->eventSynchronize(thread.timerStop), "running the kernels"))
    failed(*d,
           d->eventElapsedTime(&elapsed, thread.timerStart, thread.timerStop),
           "cuEventElapsedTime");
  if (!thread.error.empty()) {
    fill(err, errlen, thread.error);
    thread.error.clear();
    return 1;
  }
  *ms = elapsed;
  return 0;
}

//===----------------------------------------------------------------------===//
// MLIR's entry points for generated host code
//===----------------------------------------------------------------------===//

void *mgpuModuleLoadJIT(void *data, int /*optLevel*/) {
  const Driver *d = readyForLaunch();
  // The compiler embeds the PTX with a terminating NUL.
  return d ? loadModule(*d, static_cast<const char *>(data)) : nullptr;
}

// Modules stay loaded for the process: the next launch of the same
// kernels finds them in the cache.
void mgpuModuleUnload(void *) {}

void einrt_gpu_load_once(int64_t *guard, void (*load)(void)) {
  if (__atomic_load_n(guard, __ATOMIC_ACQUIRE))
    return;
  static std::mutex loadMutex;
  std::lock_guard<std::mutex> lock(loadMutex);
  if (__atomic_load_n(guard, __ATOMIC_RELAXED))
    return;
  load();
  // Only a load that worked is kept: after a failure (reported through this
  // thread's error) the next call tries again.
  if (thread.error.empty())
    __atomic_store_n(guard, 1, __ATOMIC_RELEASE);
}

void *mgpuModuleGetFunction(void *module, const char *name) {
  const Driver *d = readyForLaunch();
  CUfunction fn = nullptr;
  if (d && !module)
    thread.error = std::string("the GPU kernels are not loaded (their "
                               "module failed to load earlier)");
  else if (d)
    failed(*d, d->moduleGetFunction(&fn, static_cast<CUmodule>(module), name),
           (std::string("finding kernel ") + name).c_str());
  return fn;
}

void *mgpuStreamCreate(void) {
  const Driver *d = readyForLaunch();
  return d ? threadStream(*d) : nullptr;
}

// The thread's stream lives as long as the thread.
void mgpuStreamDestroy(void *) {}

// Launches of a thread are ordered on its stream, and einrt_gpu_take_error
// waits for it: nothing to wait for between two launches.
void mgpuStreamSynchronize(void *) {}

void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t smem, void *stream,
                      void **params, void **extra, size_t) {
  const Driver *d = function && stream ? readyForLaunch() : nullptr;
  if (!d)
    return;
  // An empty grid (a zero-size result) launches nothing.
  if (gridX == 0 || gridY == 0 || gridZ == 0)
    return;
  failed(*d,
         d->launchKernel(static_cast<CUfunction>(function), unsigned(gridX),
                         unsigned(gridY), unsigned(gridZ), unsigned(blockX),
                         unsigned(blockY), unsigned(blockZ), unsigned(smem),
                         static_cast<CUstream>(stream), params, extra),
         "launching a kernel");
}

void *mgpuMemAlloc(uint64_t bytes, void *, int8_t) {
  const Driver *d = readyForLaunch();
  CUdeviceptr p = 0;
  if (d &&
      failed(*d, d->memAlloc(&p, bytes ? bytes : 1),
             ("cannot allocate " + std::to_string(bytes) + " bytes").c_str()))
    return nullptr;
  return reinterpret_cast<void *>(p);
}

void mgpuMemFree(void *ptr, void *) { einrt_gpu_free(ptr); }

} // extern "C"
