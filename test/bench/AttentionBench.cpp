//===- AttentionBench.cpp - Fused against unfused attention ---------------===//
//
// Compiles examples/programs/attention.ein (softmax(Q K^T / 8) V, d = 64)
// twice through ein::Jit, with ein-fuse-attention (one online-softmax loop
// nest) and without it (three kernels and the whole score matrix), runs
// both on the same random inputs for batch x heads 32 and sequence lengths
// 512 to 4096, checks that they agree, and prints one table: median times,
// the ratio, and the bytes of scores each needs.
//
//   ein-attention-bench [--quick] [--threads N] [PROGRAM]
//
// --quick stops at 1024. Nothing here is asserted: it measures.
//
//===----------------------------------------------------------------------===//

#include "einc/einc.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace {

double nowMs() {
  using namespace std::chrono;
  return duration<double, std::milli>(steady_clock::now().time_since_epoch())
      .count();
}

/// Median of at least three runs and at least `minMs` milliseconds.
double medianMs(const ein::ProgramKernel &kernel,
                const std::vector<const void *> &in, void *out, double minMs) {
  std::vector<void *> outs = {out};
  (void)kernel(in, outs); // warm-up
  std::vector<double> times;
  double start = nowMs();
  while (times.size() < 3 || (nowMs() - start < minMs && times.size() < 50)) {
    double t0 = nowMs();
    if (llvm::Error err = kernel(in, outs)) {
      std::fprintf(stderr, "run failed: %s\n",
                   llvm::toString(std::move(err)).c_str());
      std::exit(2);
    }
    times.push_back(nowMs() - t0);
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

} // namespace

int main(int argc, char **argv) {
  bool quick = false;
  std::string path = EINC_SOURCE_DIR "/examples/programs/attention.ein";
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--quick"))
      quick = true;
    else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc)
      ein::setNumThreads(std::atoi(argv[++i]));
    else
      path = argv[i];
  }
  std::ifstream file(path);
  if (!file) {
    std::fprintf(stderr, "ein-attention-bench: cannot read %s\n", path.c_str());
    return 1;
  }
  std::stringstream source;
  source << file.rdbuf();

  const int64_t batch = 4, heads = 8, d = 64;
  std::printf("Attention softmax(Q K^T / 8) V, batch x heads = %lld, d = "
              "%lld, f32, %d thread(s)\n",
              (long long)(batch * heads), (long long)d, ein::numThreads());
  std::printf("| sequence | fused ms | unfused ms | fused speed-up | "
              "scores fused | scores unfused | max rel diff |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  std::mt19937 rng(7);
  std::normal_distribution<float> normal;
  ein::Jit jit;
  for (int64_t n : {512, 1024, 2048, 4096}) {
    if (quick && n > 1024)
      break;
    std::fprintf(stderr, "ein-attention-bench: n = %lld...\n", (long long)n);
    ein::Shape shape = {batch, heads, n, d};
    size_t elements = size_t(batch * heads * n * d);
    std::vector<std::vector<float>> inputs(3, std::vector<float>(elements));
    for (auto &v : inputs)
      for (float &x : v)
        x = normal(rng);
    std::vector<const void *> in = {inputs[0].data(), inputs[1].data(),
                                    inputs[2].data()};
    std::vector<float> fusedOut(elements), unfusedOut(elements);
    double ms[2];
    for (bool fuse : {true, false}) {
      ein::CompileOptions options;
      options.fuseAttention = fuse;
      auto kernel = jit.compileProgram(
          source.str(), {{"Q", shape}, {"K", shape}, {"V", shape}}, ein::f32,
          options);
      if (!kernel) {
        std::fprintf(stderr, "compile failed: %s\n",
                     llvm::toString(kernel.takeError()).c_str());
        return 2;
      }
      ms[fuse ? 0 : 1] = medianMs(
          *kernel, in, fuse ? fusedOut.data() : unfusedOut.data(), 1000);
    }
    double diff = 0, scale = 0;
    for (size_t k = 0; k < elements; ++k) {
      diff = std::max(diff, double(std::fabs(fusedOut[k] - unfusedOut[k])));
      scale = std::max(scale, double(std::fabs(unfusedOut[k])));
    }
    // Fused: one 64 x 128 block of scores per query block in flight (per
    // thread); unfused: every score, twice (S and P).
    double fusedScores = 64.0 * 128 * 4 * ein::numThreads();
    double unfusedScores = 2.0 * batch * heads * n * n * 4;
    std::printf("| %lld | %.2f | %.2f | %.2fx | %.0f KiB | %.0f MiB | %.1e |\n",
                (long long)n, ms[0], ms[1], ms[1] / ms[0], fusedScores / 1024,
                unfusedScores / (1 << 20), scale > 0 ? diff / scale : diff);
    std::fflush(stdout);
  }
  return 0;
}
