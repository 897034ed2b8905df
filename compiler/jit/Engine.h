//===- Engine.h - LLVM-dialect modules to callable code ---------*- C++ -*-===//

#ifndef EINC_JIT_ENGINE_H
#define EINC_JIT_ENGINE_H

#include "mlir/IR/BuiltinOps.h"

#include <memory>
#include <optional>
#include <string>

namespace llvm::orc {
class LLJIT;
} // namespace llvm::orc

namespace ein {

/// A compiled module linked into a JIT of its own (freshly compiled or
/// loaded from the on-disk cache) and its entry point's packed interface.
struct Engine {
  std::shared_ptr<llvm::orc::LLJIT> loaded;
  void (*entry)(void **) = nullptr;
  /// Whether the code has parallel (OpenMP) regions.
  bool parallel = false;
  /// Whether it came from the on-disk cache.
  bool fromDisk = false;
};

/// Compiles a module in the LLVM dialect to an object file for the host
/// with LLVM at `optLevel`, links it and looks up the packed wrapper of
/// `name`. With a `diskKey`
/// (everything the module was built from) the object code is also stored
/// in the on-disk cache. Failures are internal errors ("internal compiler
/// error: ...").
llvm::Expected<Engine> createEngine(mlir::ModuleOp module, llvm::StringRef name,
                                    unsigned optLevel,
                                    llvm::StringRef diskKey = "");

/// The engine the on-disk cache holds for `diskKey`, or nullopt when it
/// has none (or a damaged one, or the cache is off).
std::optional<Engine> loadCachedEngine(llvm::StringRef diskKey,
                                       llvm::StringRef name);

/// Where compiled kernels are kept between processes: $EINC_CACHE_DIR
/// ("off" turns the cache off), else $XDG_CACHE_HOME/einc, else
/// ~/.cache/einc; "" when off.
std::string diskCacheDirectory();

/// Calls a packed entry with one pointer argument per buffer. Fails (with
/// nothing leaked) when the kernel runs out of memory.
llvm::Error callPacked(void (*entry)(void **), llvm::ArrayRef<void *> buffers);

} // namespace ein

#endif // EINC_JIT_ENGINE_H
