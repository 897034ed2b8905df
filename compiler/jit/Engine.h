//===- Engine.h - LLVM-dialect modules to callable code ---------*- C++ -*-===//

#ifndef EINC_JIT_ENGINE_H
#define EINC_JIT_ENGINE_H

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/BuiltinOps.h"

#include <memory>

namespace ein {

/// A JIT-compiled module and its entry point's packed interface.
struct Engine {
  std::unique_ptr<mlir::ExecutionEngine> engine;
  void (*entry)(void **) = nullptr;
  /// Whether the code has parallel (OpenMP) regions.
  bool parallel = false;
};

/// Compiles a module in the LLVM dialect for the host with LLVM at
/// `optLevel` and looks up the packed wrapper of `name`. Failures are
/// internal errors ("internal compiler error: ...").
llvm::Expected<Engine> createEngine(mlir::ModuleOp module, llvm::StringRef name,
                                    unsigned optLevel);

/// Calls a packed entry with one pointer argument per buffer.
void callPacked(void (*entry)(void **), llvm::ArrayRef<void *> buffers);

} // namespace ein

#endif // EINC_JIT_ENGINE_H
