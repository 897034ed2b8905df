//===- CompileFuzzer.cpp - Fuzz parse -> verify -> compile -> run ---------===//
//
// The first byte picks how the rest is read:
//  - even: the bytes seed the random-einsum generator of the unit tests,
//    which writes a valid expression with small shapes and a dtype; it must
//    compile, and the kernel must match the reference loop nest;
//  - odd: the rest is "EXPR\nSHAPES" (SHAPES like 2x3,3x4; extents capped
//    at 6 and sizes at 4096 elements) with the dtype from the first byte.
//    Compiling must either succeed, and then the kernel matches the
//    reference, or fail with a user's error (never an internal one).
//
//===----------------------------------------------------------------------===//

#include "FuzzErrors.h"
#include "test/support/RandomEinsum.h"

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <cstdlib>
#include <string>

using namespace ein::oracle;

namespace {

ein::Jit &jit() {
  // Kernels come and go (eviction frees their code): leaks and
  // use-after-free in the engine's teardown show up too.
  static ein::Jit instance(ein::JitOptions{/*cacheCapacity=*/8});
  return instance;
}

uint64_t fnv1a(const uint8_t *data, size_t size) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < size; ++i)
    h = (h ^ data[i]) * 1099511628211ull;
  return h;
}

/// "2x3,3x4" with small extents; empty text is one operand of rank 0.
std::vector<ein::Shape> parseShapes(llvm::StringRef text) {
  std::vector<ein::Shape> shapes;
  llvm::SmallVector<llvm::StringRef> parts;
  text.split(parts, ',');
  for (llvm::StringRef part : parts) {
    ein::Shape shape;
    int64_t elements = 1;
    llvm::SmallVector<llvm::StringRef> dims;
    part.split(dims, 'x', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
    for (llvm::StringRef d : dims) {
      unsigned value = 0;
      if (d.trim().getAsInteger(10, value))
        value = 1;
      int64_t extent = std::min<unsigned>(value, 6);
      if (shape.size() == 8 || elements * std::max<int64_t>(extent, 1) > 4096)
        break;
      shape.push_back(extent);
      elements *= std::max<int64_t>(extent, 1);
    }
    shapes.push_back(shape);
    if (shapes.size() == 6)
      break;
  }
  return shapes;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  // Every compile is new: keep the on-disk cache out of it.
  setenv("EINC_CACHE_DIR", "off", 1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  std::mt19937_64 rng(fnv1a(data, size));
  if (data[0] % 2 == 0) {
    Case c = Generator(rng()).next();
    std::string problem = check(jit(), c, rng);
    if (!problem.empty())
      std::fprintf(stderr, "%s: %s\n", c.describe().c_str(), problem.c_str());
    EIN_FUZZ_CHECK(problem.empty(), "a valid einsum went wrong");
    return 0;
  }
  llvm::StringRef rest(reinterpret_cast<const char *>(data) + 1, size - 1);
  auto [expr, shapeText] = rest.split('\n');
  Case c;
  c.expr = expr.str();
  c.shapes = parseShapes(shapeText);
  c.dtype = static_cast<ein::DType>((data[0] / 2) % 6);
  auto kernel = jit().compile(c.expr, c.shapes, c.dtype);
  if (!kernel) {
    ein::fuzz::expectUserError(kernel.takeError());
    return 0;
  }
  // Accepted: then it is a valid NumPy einsum and the reference applies
  // (when its loop nest is cheap enough).
  if (iterations(interpret(c.expr, c.shapes), c.shapes) > kMaxIterations)
    return 0;
  std::string problem = check(jit(), c, rng);
  if (!problem.empty())
    std::fprintf(stderr, "%s: %s\n", c.describe().c_str(), problem.c_str());
  EIN_FUZZ_CHECK(problem.empty(), "an accepted einsum went wrong");
  return 0;
}
