//===- MockCudaDriver.cpp - A stand-in libcuda for tests without a GPU ----===//
//
// A shared library with the CUDA driver entry points the runtime loads,
// for EINRT_CUDA_DRIVER. It runs no kernel: it checks what the runtime and
// generated host code ask of a driver, and records it.
// - Device memory comes from one reserved range, so a launch whose 64-bit
//   parameters hold a host address (a buffer the host code allocated on
//   the CPU) is refused with CUDA_ERROR_INVALID_VALUE.
// - Modules must be PTX with a `.version` line, or the "cubin" this mock's
//   linker makes of one; kernels must be `.entry` points of a loaded
//   module, launched with 1 to 1024 threads a block.
// - MOCK_CUDA_DEVICES=0 makes cuInit fail as with no device;
//   MOCK_CUDA_MEMORY=N limits device memory to N bytes;
//   MOCK_CUDA_FAIL_LAUNCH=1 fails every launch (CUDA_ERROR_LAUNCH_FAILED);
//   MOCK_CUDA_LOG=FILE appends one line per link (PTX compiled to an
//   image), load (of PTX or of such an image), launch, allocation and free.
// mockCudaStats() reports counters to tests that link the library too.
// The same library is the mock cuSOLVER and cuBLAS (MockCudaLibraries.cpp)
// for EINRT_CUSOLVER and EINRT_CUBLAS.
//
//===----------------------------------------------------------------------===//

#include "MockCuda.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <sys/mman.h>
#include <vector>

namespace {

constexpr int kSuccess = 0, kInvalidValue = 1, kOutOfMemory = 2,
              kNoDevice = 100, kInvalidImage = 200, kInvalidPtx = 218,
              kNotFound = 500, kLaunchFailed = 719;
constexpr size_t kReserved = size_t(1) << 34;

/// Per kernel, whether each parameter is 64 bits wide.
using Params = std::vector<bool>;
struct Function {
  std::string name;
  Params params;
};
struct Module {
  std::map<std::string, Function> entries;
};

std::mutex mutex;
char *base = nullptr;
size_t used = 0;
std::map<uintptr_t, size_t> live;
// Modules live as long as the process, as the runtime keeps them: the list
// is never destroyed, so LeakSanitizer sees them reachable at exit.
std::vector<Module *> *allModules = new std::vector<Module *>;
long loads = 0, launches = 0, allocs = 0, frees = 0;

void log(const std::string &line) {
  if (const char *path = std::getenv("MOCK_CUDA_LOG")) {
    if (FILE *f = std::fopen(path, "a")) {
      std::fprintf(f, "%s\n", line.c_str());
      std::fclose(f);
    }
  }
}

bool isDevice(uintptr_t p) {
  return p >= uintptr_t(base) && p < uintptr_t(base) + kReserved;
}

/// Parses the `.entry NAME(` points of `ptx` and counts their `.param`s.
bool parsePtx(const std::string &ptx, Module &m) {
  if (ptx.find(".version") == std::string::npos)
    return false;
  size_t pos = 0;
  while ((pos = ptx.find(".entry ", pos)) != std::string::npos) {
    pos += 7;
    size_t open = ptx.find('(', pos);
    size_t close = ptx.find(')', open);
    if (open == std::string::npos || close == std::string::npos)
      return false;
    std::string name = ptx.substr(pos, open - pos);
    while (!name.empty() && name.back() == ' ')
      name.pop_back();
    Params params;
    for (size_t p = open; (p = ptx.find(".param ", p)) < close; p += 7) {
      std::string type = ptx.substr(p + 7, 4);
      params.push_back(type == ".u64" || type == ".b64" || type == ".s64");
    }
    m.entries[name] = Function{name, params};
  }
  return true;
}

} // namespace

bool mockcuda::isDeviceAddress(const void *p) {
  return isDevice(reinterpret_cast<uintptr_t>(p));
}
void mockcuda::logLine(const std::string &line) { log(line); }
size_t mockcuda::deviceBytesFrom(const void *p) {
  std::lock_guard<std::mutex> lock(mutex);
  uintptr_t at = reinterpret_cast<uintptr_t>(p);
  auto next = live.upper_bound(at);
  if (next == live.begin())
    return 0;
  auto [start, bytes] = *std::prev(next);
  return at < start + std::max<size_t>(bytes, 1) ? start + bytes - at : 0;
}

extern "C" {

struct MockCudaStats {
  long loads, launches, allocs, frees, liveBuffers;
};
MockCudaStats mockCudaStats() {
  std::lock_guard<std::mutex> lock(mutex);
  return {loads, launches, allocs, frees, long(live.size())};
}

int cuInit(unsigned) {
  const char *devices = std::getenv("MOCK_CUDA_DEVICES");
  if (devices && std::atoi(devices) == 0)
    return kNoDevice;
  std::lock_guard<std::mutex> lock(mutex);
  if (!base) {
    void *p = mmap(nullptr, kReserved, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
      return kOutOfMemory;
    base = static_cast<char *>(p);
  }
  return kSuccess;
}
int cuDriverGetVersion(int *v) {
  *v = 13000;
  return kSuccess;
}
int cuDeviceGetCount(int *n) {
  *n = 1;
  return kSuccess;
}
int cuDeviceGet(int *d, int ordinal) {
  *d = ordinal;
  return ordinal == 0 ? kSuccess : kInvalidValue;
}
int cuDeviceGetName(char *name, int len, int) {
  std::snprintf(name, size_t(len), "Mock GPU");
  return kSuccess;
}
int cuDeviceGetAttribute(int *value, int attribute, int) {
  *value = attribute == 75 ? 9 : 0;
  return kSuccess;
}
int cuDevicePrimaryCtxRetain(void **ctx, int) {
  *ctx = reinterpret_cast<void *>(0x1);
  return kSuccess;
}
int cuCtxSetCurrent(void *) { return kSuccess; }

int cuModuleLoadData(void **module, const void *image) {
  if (std::getenv("MOCK_CUDA_FAIL_LOAD"))
    return kInvalidImage;
  std::string text = static_cast<const char *>(image);
  const std::string magic = "MOCKCUBIN\n";
  bool cubin = text.compare(0, magic.size(), magic) == 0;
  if (cubin)
    text = text.substr(magic.size());
  auto *m = new Module;
  if (!parsePtx(text, *m)) {
    delete m;
    return kInvalidImage;
  }
  std::lock_guard<std::mutex> lock(mutex);
  allModules->push_back(m);
  ++loads;
  *module = m;
  log(std::string("load ") + (cubin ? "cubin " : "ptx ") +
      std::to_string(m->entries.size()) + " kernels");
  return kSuccess;
}
int cuModuleGetFunction(void **fn, void *module, const char *name) {
  auto *m = static_cast<Module *>(module);
  auto it = m->entries.find(name);
  if (it == m->entries.end())
    return kNotFound;
  *fn = &it->second;
  return kSuccess;
}

struct Link {
  std::string image;
};
int cuLinkCreate_v2(unsigned, int *, void **, void **state) {
  *state = new Link;
  return kSuccess;
}
int cuLinkAddData_v2(void *state, int type, void *data, size_t size,
                     const char *, unsigned, int *, void **) {
  std::string ptx(static_cast<const char *>(data),
                  strnlen(static_cast<const char *>(data), size));
  Module probe;
  if (type != 1 || !parsePtx(ptx, probe))
    return kInvalidPtx;
  static_cast<Link *>(state)->image = "MOCKCUBIN\n" + ptx;
  return kSuccess;
}
int cuLinkComplete(void *state, void **cubin, size_t *size) {
  auto *l = static_cast<Link *>(state);
  log("link ptx");
  *cubin = l->image.data();
  *size = l->image.size() + 1;
  return kSuccess;
}
int cuLinkDestroy(void *state) {
  delete static_cast<Link *>(state);
  return kSuccess;
}

int cuMemAlloc_v2(unsigned long long *ptr, size_t bytes) {
  std::lock_guard<std::mutex> lock(mutex);
  size_t limit = kReserved;
  if (const char *env = std::getenv("MOCK_CUDA_MEMORY"))
    limit = std::strtoull(env, nullptr, 10);
  size_t inUse = 0;
  for (auto &[p, n] : live)
    inUse += n;
  size_t rounded = (bytes + 255) / 256 * 256;
  if (inUse + bytes > limit || used + rounded > kReserved)
    return kOutOfMemory;
  *ptr = reinterpret_cast<uintptr_t>(base + used);
  live[*ptr] = bytes;
  used += rounded;
  ++allocs;
  log("alloc " + std::to_string(bytes));
  return kSuccess;
}
int cuMemFree_v2(unsigned long long ptr) {
  std::lock_guard<std::mutex> lock(mutex);
  if (!live.erase(ptr))
    return kInvalidValue;
  ++frees;
  log("free");
  return kSuccess;
}
int cuMemcpyHtoD_v2(unsigned long long dst, const void *src, size_t n) {
  if (!isDevice(dst) || isDevice(uintptr_t(src)))
    return kInvalidValue;
  std::memcpy(reinterpret_cast<void *>(dst), src, n);
  return kSuccess;
}
int cuMemcpyDtoH_v2(void *dst, unsigned long long src, size_t n) {
  if (!isDevice(src) || isDevice(uintptr_t(dst)))
    return kInvalidValue;
  std::memcpy(dst, reinterpret_cast<void *>(src), n);
  return kSuccess;
}
int cuMemcpyDtoD_v2(unsigned long long dst, unsigned long long src, size_t n) {
  if (!isDevice(dst) || !isDevice(src))
    return kInvalidValue;
  std::memmove(reinterpret_cast<void *>(dst), reinterpret_cast<void *>(src), n);
  return kSuccess;
}
// The asynchronous forms run at once: the mock has no streams to order.
int cuMemcpyDtoDAsync_v2(unsigned long long dst, unsigned long long src,
                         size_t n, void *stream) {
  return stream ? cuMemcpyDtoD_v2(dst, src, n) : kInvalidValue;
}
int cuMemsetD8Async(unsigned long long dst, unsigned char value, size_t n,
                    void *stream) {
  if (!stream || !isDevice(dst) || (n && !isDevice(dst + n - 1)))
    return kInvalidValue;
  std::memset(reinterpret_cast<void *>(dst), value, n);
  return kSuccess;
}
int cuMemsetD2D8Async(unsigned long long dst, size_t pitch, unsigned char value,
                      size_t width, size_t height, void *stream) {
  if (!stream || width > pitch)
    return kInvalidValue;
  for (size_t row = 0; row < height; ++row)
    if (int r = cuMemsetD8Async(dst + row * pitch, value, width, stream))
      return r;
  return kSuccess;
}
int cuMemsetD8_v2(unsigned long long dst, unsigned char value, size_t n) {
  if (!isDevice(dst))
    return kInvalidValue;
  std::memset(reinterpret_cast<void *>(dst), value, n);
  return kSuccess;
}
// Streams and events are tokens: the mock runs nothing to order or time.
int cuStreamCreate(void **stream, unsigned) {
  *stream = reinterpret_cast<void *>(0x10);
  return kSuccess;
}
int cuStreamSynchronize(void *) { return kSuccess; }

int cuLaunchKernel(void *fn, unsigned gx, unsigned gy, unsigned gz, unsigned bx,
                   unsigned by, unsigned bz, unsigned smem, void *stream,
                   void **params, void **) {
  auto *f = static_cast<Function *>(fn);
  if (!f || !stream || bx * by * bz == 0 || bx * by * bz > 1024)
    return kInvalidValue;
  if (std::getenv("MOCK_CUDA_FAIL_LAUNCH"))
    return kLaunchFailed;
  // Every 64-bit parameter that holds an address must be a device one.
  // Small values (extents, strides, offsets) are not addresses.
  for (size_t i = 0; i < f->params.size(); ++i) {
    if (!f->params[i])
      continue;
    uint64_t v = 0;
    std::memcpy(&v, params[i], sizeof v);
    if (v > (uint64_t(1) << 32) && !isDevice(uintptr_t(v))) {
      log("launch " + f->name + " refused: parameter " + std::to_string(i) +
          " is a host address");
      return kInvalidValue;
    }
  }
  std::lock_guard<std::mutex> lock(mutex);
  ++launches;
  log("launch " + f->name + " grid " + std::to_string(gx) + "," +
      std::to_string(gy) + "," + std::to_string(gz) + " block " +
      std::to_string(bx) + "," + std::to_string(by) + "," + std::to_string(bz) +
      " smem " + std::to_string(smem) + " params " +
      std::to_string(f->params.size()));
  return kSuccess;
}

int cuEventCreate(void **event, unsigned) {
  *event = reinterpret_cast<void *>(0x20);
  return kSuccess;
}
int cuEventRecord(void *, void *) { return kSuccess; }
int cuEventSynchronize(void *) { return kSuccess; }
int cuEventElapsedTime(float *ms, void *, void *) {
  *ms = 0.5f;
  return kSuccess;
}

int cuGetErrorName(int error, const char **name) {
  switch (error) {
  case kSuccess:
    *name = "CUDA_SUCCESS";
    return kSuccess;
  case kInvalidValue:
    *name = "CUDA_ERROR_INVALID_VALUE";
    return kSuccess;
  case kOutOfMemory:
    *name = "CUDA_ERROR_OUT_OF_MEMORY";
    return kSuccess;
  case kNoDevice:
    *name = "CUDA_ERROR_NO_DEVICE";
    return kSuccess;
  case kInvalidImage:
    *name = "CUDA_ERROR_INVALID_IMAGE";
    return kSuccess;
  case kInvalidPtx:
    *name = "CUDA_ERROR_INVALID_PTX";
    return kSuccess;
  case kNotFound:
    *name = "CUDA_ERROR_NOT_FOUND";
    return kSuccess;
  case kLaunchFailed:
    *name = "CUDA_ERROR_LAUNCH_FAILED";
    return kSuccess;
  }
  return kInvalidValue;
}
int cuGetErrorString(int error, const char **text) {
  switch (error) {
  case kInvalidValue:
    *text = "invalid argument";
    return kSuccess;
  case kOutOfMemory:
    *text = "out of memory";
    return kSuccess;
  case kNoDevice:
    *text = "no CUDA-capable device is detected";
    return kSuccess;
  case kNotFound:
    *text = "named symbol not found";
    return kSuccess;
  case kLaunchFailed:
    *text = "unspecified launch failure";
    return kSuccess;
  }
  *text = "mock error";
  return kSuccess;
}

} // extern "C"
