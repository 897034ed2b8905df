//===- KernelMemory.cpp - Memory of JIT-compiled kernels ------------------===//
//
// JIT-compiled kernels allocate their intermediates through the functions
// MLIR's memref lowering calls with use-generic-functions. A kernel run
// through einrt_call_guarded that cannot get memory on the calling thread
// jumps back to the guard, which frees what the call still held and
// reports the size: the caller gets an error instead of a crash. (Worker
// threads allocate nothing: ein-parallelize-loops gives their scratch
// buffers stack space.) Objects from `einc --emit obj` call malloc and
// free directly and do not need this file.
//
//===----------------------------------------------------------------------===//

#include "einrt/einrt.h"

#include <csetjmp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

namespace {

/// One guarded call on this thread.
struct Guard {
  std::jmp_buf env;
  size_t failedBytes = 0;
  /// Blocks the call allocated and has not freed.
  std::vector<void *> live;
};

thread_local Guard *current = nullptr;

/// Bytes as "1.5 GiB".
void formatBytes(char *out, size_t len, double bytes) {
  const char *units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int u = 0;
  while (bytes >= 1024 && u < 6) {
    bytes /= 1024;
    ++u;
  }
  if (u == 0)
    std::snprintf(out, len, "%.0f %s", bytes, units[u]);
  else
    std::snprintf(out, len, "%.1f %s", bytes, units[u]);
}

[[noreturn]] void outOfMemory(size_t bytes) {
  if (Guard *guard = current) {
    guard->failedBytes = bytes;
    std::longjmp(guard->env, 1);
  }
  // Not reachable from einc: kernels allocate on the calling thread only,
  // inside a guard.
  char size[64];
  formatBytes(size, sizeof(size), double(bytes));
  std::fprintf(stderr,
               "einrt: out of memory: a kernel could not allocate %s outside "
               "a guarded call\n",
               size);
  std::abort();
}

/// EINRT_GUARD_PAGES=1 (a debugging aid, used by the tests): every block
/// ends, up to its alignment, where an inaccessible page begins, so that
/// generated code reading past an intermediate's end faults at once.
bool guardPages() {
  static const bool on = [] {
    const char *v = std::getenv("EINRT_GUARD_PAGES");
    return v && *v && *v != '0';
  }();
  return on;
}

/// What a guarded block keeps in front of its data.
struct GuardHeader {
  void *base;
  size_t mapped;
  uint64_t magic;
};
constexpr uint64_t kGuardMagic = 0x45494e52474d4150ull; // "EINRGMAP"

void *guardedAlloc(size_t alignment, size_t bytes) {
  size_t page = size_t(sysconf(_SC_PAGESIZE));
  size_t need = bytes + sizeof(GuardHeader) + alignment;
  size_t mapped = (need + page - 1) / page * page + page;
  void *base = mmap(nullptr, mapped, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED)
    return nullptr;
  char *guard = static_cast<char *>(base) + mapped - page;
  mprotect(guard, page, PROT_NONE);
  uintptr_t data = (reinterpret_cast<uintptr_t>(guard) - bytes) &
                   ~(uintptr_t(alignment) - 1);
  auto *header = reinterpret_cast<GuardHeader *>(data) - 1;
  *header = {base, mapped, kGuardMagic};
  return reinterpret_cast<void *>(data);
}

void guardedFree(void *p) {
  auto *header = static_cast<GuardHeader *>(p) - 1;
  if (header->magic == kGuardMagic)
    munmap(header->base, header->mapped);
}

void *track(void *p, size_t bytes) {
  if (!p)
    outOfMemory(bytes);
  if (Guard *guard = current)
    guard->live.push_back(p);
  return p;
}

} // namespace

extern "C" {

void *_mlir_memref_to_llvm_alloc(size_t bytes) {
  if (guardPages())
    return track(guardedAlloc(16, bytes), bytes);
  return track(std::malloc(bytes ? bytes : 1), bytes);
}

void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment, size_t bytes) {
  void *p = nullptr;
  if (alignment < sizeof(void *))
    alignment = sizeof(void *);
  if (guardPages())
    return track(guardedAlloc(alignment, bytes), bytes);
  if (posix_memalign(&p, alignment, bytes ? bytes : 1) != 0)
    p = nullptr;
  return track(p, bytes);
}

void _mlir_memref_to_llvm_free(void *p) {
  if (Guard *guard = current) {
    std::vector<void *> &live = guard->live;
    for (size_t i = live.size(); i-- > 0;)
      if (live[i] == p) {
        live[i] = live.back();
        live.pop_back();
        break;
      }
  }
  if (p && guardPages())
    guardedFree(p);
  else
    std::free(p);
}

int einrt_call_guarded(void (*entry)(void **), void **args, char *err,
                       size_t errlen) {
  Guard guard;
  guard.live.reserve(64);
  Guard *outer = current;
  current = &guard;
  if (setjmp(guard.env) == 0) {
    entry(args);
    current = outer;
    return 0;
  }
  current = outer;
  for (void *p : guard.live)
    if (guardPages())
      guardedFree(p);
    else
      std::free(p);
  if (err && errlen) {
    char size[64];
    formatBytes(size, sizeof(size), double(guard.failedBytes));
    std::snprintf(err, errlen,
                  "out of memory: the kernel could not allocate %s for an "
                  "intermediate",
                  size);
  }
  return 1;
}

} // extern "C"
