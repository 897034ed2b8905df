//===- GpuBench.h - `einc bench --target gpu` -------------------*- C++ -*-===//

#ifndef EINC_TOOLS_EINC_GPUBENCH_H
#define EINC_TOOLS_EINC_GPUBENCH_H

#include "compiler/parser/Einsum.h"
#include "einc/Jit.h"

#include <string>
#include <vector>

namespace einc {

struct GpuBenchSettings {
  unsigned repeats = 0; ///< 0: enough for minTime, 3 to 50
  double minTime = 0.5; ///< seconds
  bool json = false;
  bool cublas = true; ///< time cuBLAS on GEMM-shaped work
  bool tf32 = false;  ///< f32 on TF32 tensor cores (Einc and cuBLAS)
};

/// Times the expression compiled for the GPU on device copies of
/// `hostInputs` (CUDA events around each call; median, min, max), checks
/// its result against the CPU's, and times cuBLAS (dlopen'd) on the same
/// device buffers when the expression is a batched matrix product whose
/// operands cuBLAS takes as they are. Prints a table or JSON.
int runGpuBench(const ein::EinsumProblem &problem,
                const std::vector<ein::Shape> &shapes,
                const ein::PathOptions &path,
                const std::vector<const void *> &hostInputs,
                const GpuBenchSettings &settings);

} // namespace einc

#endif // EINC_TOOLS_EINC_GPUBENCH_H
