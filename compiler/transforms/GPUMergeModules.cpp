//===- GPUMergeModules.cpp - One gpu.module for every kernel --------------===//
//
// gpu-kernel-outlining makes a gpu.module per kernel, and each becomes its
// own PTX text. This pass moves every kernel into one module, named after
// the module it came from, and retargets the launches, so that one PTX
// file (one .version / .target header) holds all of a program's kernels.
// Kernels' workgroup (shared) buffers get an alignment of 32 bytes on the
// way, which tensor-core fragment accesses need.
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir {
namespace ein {
#define GEN_PASS_DEF_EINGPUMERGEMODULES
#include "compiler/Passes.h.inc"
} // namespace ein
} // namespace mlir

using namespace mlir;

namespace {

constexpr int64_t kSharedAlignment = 32;

struct EinGpuMergeModulesPass
    : mlir::ein::impl::EinGpuMergeModulesBase<EinGpuMergeModulesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<gpu::GPUModuleOp> modules(module.getOps<gpu::GPUModuleOp>());
    std::string name = "kernels";
    auto funcs = module.getOps<FunctionOpInterface>();
    if (!funcs.empty())
      name = ((*funcs.begin()).getName() + "_kernels").str();
    // Made even without kernels (nothing to compute: a zero-size output),
    // so that the program still has its PTX module.
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    if (!modules.empty())
      b.setInsertionPoint(modules.front());
    auto merged = gpu::GPUModuleOp::create(b, module.getLoc(), name);
    SymbolTable mergedSymbols(merged);
    // (old module, old kernel) -> the kernel's name in `merged`.
    llvm::DenseMap<std::pair<StringAttr, StringAttr>, StringAttr> renamed;
    for (gpu::GPUModuleOp old : modules) {
      for (Operation &op : llvm::make_early_inc_range(*old.getBody())) {
        auto symbol = dyn_cast<SymbolOpInterface>(op);
        if (!symbol)
          continue;
        StringAttr oldName = symbol.getNameAttr();
        // Kernels take their module's (unique) name; anything else keeps
        // its own, made unique by the symbol table.
        if (auto kernel = dyn_cast<gpu::GPUFuncOp>(op)) {
          symbol.setName(old.getName());
          // Tensor-core fragment loads and stores (WMMA) need 32-byte
          // aligned shared memory; 16-byte vector accesses need 16.
          for (unsigned i = 0; i < kernel.getNumWorkgroupAttributions(); ++i)
            kernel.setWorkgroupAttributionAttr(
                i, "llvm.align", b.getI64IntegerAttr(kSharedAlignment));
        }
        op.remove();
        renamed[{old.getNameAttr(), oldName}] = mergedSymbols.insert(&op);
      }
    }
    module.walk([&](gpu::LaunchFuncOp launch) {
      auto it =
          renamed.find({launch.getKernelModuleName(), launch.getKernelName()});
      if (it == renamed.end())
        return;
      launch.setKernelAttr(SymbolRefAttr::get(
          merged.getNameAttr(), {FlatSymbolRefAttr::get(it->second)}));
    });
    for (gpu::GPUModuleOp old : modules) {
      // Targets and offloading attributes of the outlined modules carry
      // over (outlining gives them all the same).
      if (!merged.getTargetsAttr() && old.getTargetsAttr())
        merged.setTargetsAttr(old.getTargetsAttr());
      old.erase();
    }
  }
};

} // namespace
