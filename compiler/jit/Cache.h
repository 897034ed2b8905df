//===- Cache.h - The JIT's thread-safe cache of compiled code ---*- C++ -*-===//

#ifndef EINC_JIT_CACHE_H
#define EINC_JIT_CACHE_H

#include "einc/Jit.h"

#include "llvm/ADT/STLFunctionalExtras.h"

#include <atomic>
#include <map>
#include <mutex>

namespace ein {

/// Compiled kernels by key. The first caller of a key compiles while later
/// callers of the same key wait; different keys compile in parallel.
/// Failures are not cached: the error goes back to the caller as it is
/// (keeping its type, e.g. ExprError) and the next call tries again.
class KernelCache {
public:
  using Compiled = std::shared_ptr<const void>;

  llvm::Expected<Compiled>
  get(const std::string &key,
      llvm::function_ref<llvm::Expected<Compiled>()> compile);

  size_t size() const;
  size_t compiles() const { return compileCount; }

private:
  struct Entry {
    std::mutex mutex;
    Compiled value;
  };
  mutable std::mutex mutex;
  std::map<std::string, std::shared_ptr<Entry>> entries;
  std::atomic<size_t> compileCount{0};
};

struct Jit::Impl {
  KernelCache cache;
};

/// The part of a cache key that PathOptions contribute.
std::string cacheKey(const PathOptions &options);

} // namespace ein

#endif // EINC_JIT_CACHE_H
