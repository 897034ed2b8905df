//===- EpilogueBench.cpp - A product with a fused epilogue ----------------===//
//
// What a bias and an activation after a matrix product cost. Compiles
// relu(X W + b) (the layer of examples/programs/mlp.ein) and the bare
// product X W through ein::Jit, and times both for n x n x n f32 against
// OpenBLAS's sgemm followed by one loop adding the bias and taking the
// ReLU (what NumPy's np.maximum(X @ W + b, 0) does, in one pass instead of
// two), on the same inputs and as many threads, and prints one table.
// The fused result is checked against the bare product's plus the
// epilogue written out here.
//
//   ein-epilogue-bench [--quick] [--threads N]
//
// --quick stops at 2048. Nothing here is asserted: it measures.
//
//===----------------------------------------------------------------------===//

#include "einc/einc.h"

#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace {

double nowMs() {
  using namespace std::chrono;
  return duration<double, std::milli>(steady_clock::now().time_since_epoch())
      .count();
}

/// Median of at least three runs and at least `minMs` milliseconds, after
/// one warm-up.
double medianMs(const std::function<void()> &run, double minMs) {
  run();
  std::vector<double> times;
  double start = nowMs();
  while (times.size() < 3 || (nowMs() - start < minMs && times.size() < 50)) {
    double t0 = nowMs();
    run();
    times.push_back(nowMs() - t0);
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

ein::ProgramKernel compile(ein::Jit &jit, const std::string &source, int64_t n,
                           bool bias) {
  std::map<std::string, ein::Shape> shapes = {{"X", {n, n}}, {"W", {n, n}}};
  if (bias)
    shapes["b"] = {n};
  auto kernel = jit.compileProgram(source, shapes, ein::f32);
  if (!kernel) {
    std::fprintf(stderr, "compile failed: %s\n",
                 llvm::toString(kernel.takeError()).c_str());
    std::exit(2);
  }
  return std::move(*kernel);
}

void call(const ein::ProgramKernel &kernel, std::vector<const void *> in,
          float *out) {
  // The bare product takes no bias.
  in.resize(kernel.inputNames().size());
  void *outs[] = {out};
  if (llvm::Error err = kernel(in, outs)) {
    std::fprintf(stderr, "run failed: %s\n",
                 llvm::toString(std::move(err)).c_str());
    std::exit(2);
  }
}

} // namespace

int main(int argc, char **argv) {
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--quick"))
      quick = true;
    else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc)
      ein::setNumThreads(std::atoi(argv[++i]));
  }
  int threads = ein::numThreads();
  openblas_set_num_threads(threads);
  std::printf("relu(X W + b), f32, %d thread(s), OpenBLAS %s kernels\n",
              threads, openblas_get_corename());
  std::printf("| n | fused ms | product alone ms | epilogue cost | OpenBLAS "
              "sgemm + loop ms | vs OpenBLAS | max rel diff |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  const std::string fusedSource = "in X[n,i], W[i,h], b[h] : f32\n"
                                  "H[n,h] = relu(X[n,i] * W[i,h] + b[h])\n"
                                  "out H\n";
  const std::string productSource = "in X[n,i], W[i,h] : f32\n"
                                    "H[n,h] = X[n,i] * W[i,h]\n"
                                    "out H\n";
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> unit(-1, 1);
  ein::Jit jit;
  for (int64_t n : {1024, 2048, 4096}) {
    if (quick && n > 2048)
      break;
    std::fprintf(stderr, "ein-epilogue-bench: n = %lld...\n", (long long)n);
    size_t elements = size_t(n * n);
    std::vector<float> x(elements), w(elements), b(n);
    for (float &v : x)
      v = unit(rng);
    for (float &v : w)
      v = unit(rng);
    for (float &v : b)
      v = unit(rng);
    std::vector<const void *> in = {x.data(), w.data(), b.data()};
    std::vector<float> fused(elements), product(elements), blas(elements);
    ein::ProgramKernel fusedKernel = compile(jit, fusedSource, n, true);
    ein::ProgramKernel productKernel = compile(jit, productSource, n, false);
    double fusedMs =
        medianMs([&] { call(fusedKernel, in, fused.data()); }, 1000);
    double productMs =
        medianMs([&] { call(productKernel, in, product.data()); }, 1000);
    double blasMs = medianMs(
        [&] {
          cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(n), int(n),
                      int(n), 1.0f, x.data(), int(n), w.data(), int(n), 0.0f,
                      blas.data(), int(n));
          for (int64_t r = 0; r < n; ++r)
            for (int64_t c = 0; c < n; ++c) {
              float &v = blas[r * n + c];
              v = std::max(v + b[c], 0.0f);
            }
        },
        1000);
    double diff = 0, scale = 0;
    for (size_t k = 0; k < elements; ++k) {
      float want = std::max(product[k] + b[k % n], 0.0f);
      diff = std::max(diff, double(std::fabs(fused[k] - want)));
      scale = std::max(scale, double(std::fabs(want)));
    }
    std::printf("| %lld | %.2f | %.2f | %+.1f%% | %.2f | %.2fx | %.1e |\n",
                (long long)n, fusedMs, productMs,
                100 * (fusedMs - productMs) / productMs, blasMs,
                blasMs / fusedMs, scale > 0 ? diff / scale : diff);
    std::fflush(stdout);
  }
  return 0;
}
