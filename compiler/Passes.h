//===- Passes.h - Einc passes -----------------------------------*- C++ -*-===//

#ifndef EINC_PASSES_H
#define EINC_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;
namespace affine {
class AffineDialect;
}
namespace arith {
class ArithDialect;
}
namespace bufferization {
class BufferizationDialect;
}
namespace cf {
class ControlFlowDialect;
}
namespace complex {
class ComplexDialect;
}
namespace func {
class FuncDialect;
}
namespace gpu {
class GPUDialect;
}
namespace linalg {
class LinalgDialect;
}
namespace LLVM {
class LLVMDialect;
}
namespace math {
class MathDialect;
}
namespace memref {
class MemRefDialect;
}
namespace omp {
class OpenMPDialect;
}
namespace scf {
class SCFDialect;
}
namespace tensor {
class TensorDialect;
}
namespace ub {
class UBDialect;
}
namespace vector {
class VectorDialect;
}
class ModuleOp;
namespace ein {
class EinDialect;

#define GEN_PASS_DECL
#include "compiler/Passes.h.inc"

/// Patterns that lower ein.contract to linalg.generic.
void populateEinToLinalgConversionPatterns(RewritePatternSet &patterns);
/// Patterns that lower ein.map, ein.reduce and ein.softmax to linalg.
void populateEinMapReduceToLinalgPatterns(RewritePatternSet &patterns);
/// Patterns that lower ein.broadcast, ein.iota and ein.random to linalg.
void populateEinConstructorsToLinalgPatterns(RewritePatternSet &patterns);
/// Patterns that lower ein.inv, ein.det, ein.solve and ein.cholesky to calls
/// of the runtime (einrt_kernel_*).
void populateEinLinalgToRuntimeCallsPatterns(RewritePatternSet &patterns);
/// For a program that runs on the GPU: points its runtime calls at the
/// cuSOLVER forms (einrt_kernel_X -> einrt_gpu_kernel_X, which take device
/// pointers).
LogicalResult retargetRuntimeCallsToGPU(ModuleOp module);

#define GEN_PASS_REGISTRATION
#include "compiler/Passes.h.inc"

} // namespace ein
} // namespace mlir

#endif // EINC_PASSES_H
