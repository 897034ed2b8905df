//===- jit_example.cpp - Using Einc's JIT from C++ ------------------------===//
//
// Compiles a batched matrix multiply once, calls it twice, and shows that
// the second compile is served from the cache.
//
//===----------------------------------------------------------------------===//

#include "einc/einc.h"

#include <cstdio>
#include <vector>

int main() {
  ein::Jit jit;
  auto bmm = jit.compile("bij,bjk->bik", {{2, 2, 3}, {2, 3, 2}}, ein::f32);
  if (!bmm) {
    std::fprintf(stderr, "error: %s\n",
                 llvm::toString(bmm.takeError()).c_str());
    return 1;
  }
  std::vector<float> a(12), b(12), c(8);
  for (int i = 0; i < 12; ++i) {
    a[i] = float(i);
    b[i] = float(i % 3);
  }
  if (llvm::Error err = (*bmm)({a.data(), b.data()}, c.data())) {
    std::fprintf(stderr, "error: %s\n", llvm::toString(std::move(err)).c_str());
    return 1;
  }
  std::printf("c[0] = [[%g, %g], [%g, %g]]\n", c[0], c[1], c[2], c[3]);
  std::printf("c[1] = [[%g, %g], [%g, %g]]\n", c[4], c[5], c[6], c[7]);

  // Same expression, shapes and dtype: no second compilation.
  auto again = jit.compile("bij,bjk->bik", {{2, 2, 3}, {2, 3, 2}}, ein::f32);
  std::printf("compilations: %zu, cached kernels: %zu\n", jit.compileCount(),
              jit.cacheSize());

  // Errors are values, with the column of the problem.
  auto bad = jit.compile("bij,bjk->bikk", {{2, 2, 3}, {2, 3, 2}}, ein::f32);
  llvm::handleAllErrors(bad.takeError(), [](const ein::ExprError &e) {
    std::printf("error at column %zu: %s\n", e.column(), e.reason().c_str());
  });
  return again ? 0 : 1;
}
