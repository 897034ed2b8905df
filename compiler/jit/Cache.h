//===- Cache.h - The JIT's thread-safe cache of compiled code ---*- C++ -*-===//

#ifndef EINC_JIT_CACHE_H
#define EINC_JIT_CACHE_H

#include "einc/Jit.h"

#include "llvm/ADT/STLFunctionalExtras.h"

#include <atomic>
#include <list>
#include <map>
#include <mutex>

namespace ein {

/// Compiled kernels by key, at most `capacity` of them: beyond it the least
/// recently used one is dropped (kernels already handed out stay valid, they
/// share ownership). The first caller of a key compiles while later callers
/// of the same key wait; different keys compile in parallel. Failures are
/// not cached: the error goes back to the caller as it is (keeping its type,
/// e.g. ExprError) and the next call tries again.
class KernelCache {
public:
  using Compiled = std::shared_ptr<const void>;

  explicit KernelCache(size_t capacity) : capacity(capacity) {}

  llvm::Expected<Compiled>
  get(const std::string &key,
      llvm::function_ref<llvm::Expected<Compiled>()> compile);

  size_t size() const;
  size_t compiles() const { return compileCount; }
  size_t evictions() const { return evictionCount; }
  size_t getCapacity() const;
  /// Changes the capacity, dropping least recently used kernels to fit.
  void setCapacity(size_t newCapacity);

private:
  struct Entry {
    std::mutex mutex;
    Compiled value;
  };
  using Recency = std::list<std::string>;
  struct Slot {
    std::shared_ptr<Entry> entry;
    Recency::iterator position; ///< in `recency`
  };
  /// Drops least recently used entries until at most `capacity` remain.
  /// The caller holds `mutex`.
  void shrink();

  mutable std::mutex mutex;
  size_t capacity;
  std::map<std::string, Slot> entries;
  Recency recency; ///< keys, most recently used first
  std::atomic<size_t> compileCount{0}, evictionCount{0};
};

struct Jit::Impl {
  explicit Impl(const JitOptions &options) : cache(options.cacheCapacity) {}
  KernelCache cache;
};

/// The part of a cache key that PathOptions contribute.
std::string cacheKey(const PathOptions &options);

/// For Target::GPU: initialises the device (a user error without one),
/// fills in `options.gpuArch` from it when empty and checks it, and points
/// the runtime's compiled-module cache into the disk cache.
llvm::Error prepareGPU(CompileOptions &options);

/// What a compiled kernel's code depends on besides its source: the
/// target (and architecture, TF32) or GPU emulation.
std::string targetKey(const CompileOptions &options);

} // namespace ein

#endif // EINC_JIT_CACHE_H
