//===- Bench.cpp - `einc bench EXPR --shapes ...` -------------------------===//
//
// Times the compiled kernel (median of repeats after a warm-up, with min
// and max), reports GFLOP/s and the share of the machine's measured FMA
// peak, and runs the peers linked into the build on the same inputs in the
// same process: OpenBLAS and Eigen for GEMM-shaped work, a naive loop nest
// for everything. Each peer's result is checked against Einc's.
//
//===----------------------------------------------------------------------===//

#include "BenchResults.h"
#include "Common.h"
#include "GpuBench.h"
#include "Peers.h"
#include "compiler/parser/Einsum.h"
#include "einc/Error.h"
#include "einc/Jit.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <complex>
#include <cstdlib>
#include <cstring>
#include <random>
#include <thread>

#include <unistd.h>

using namespace llvm;
using namespace einc;

cl::SubCommand benchCommand("bench",
                            "Time a compiled expression against its peers");
cl::OptionCategory
    einc::benchCategory("einc bench EXPR (--shapes ...|--sizes ...) [options]");

namespace {
cl::OptionCategory &category = benchCategory;
cl::opt<std::string> expression(cl::Positional, cl::desc("EXPR"),
                                cl::sub(benchCommand), cl::cat(category));
cl::opt<std::string>
    shapesOpt("shapes", cl::sub(benchCommand), cl::cat(category),
              cl::desc("Operand shapes, e.g. 512x512,512x512"));
cl::opt<std::string> sizesOpt("sizes", cl::sub(benchCommand), cl::cat(category),
                              cl::desc("Extents by label, e.g. i=512,j=512"));
cl::opt<std::string>
    dtypeOpt("dtype", cl::init("f32"), cl::sub(benchCommand), cl::cat(category),
             cl::desc("f32, f64, complex64 or complex128; f16 and bf16 "
                      "with --target gpu"));
cl::opt<bool> gpuTF32Opt("gpu-tf32", cl::sub(benchCommand), cl::cat(category),
                         cl::desc("With --target gpu and f32: TF32 tensor "
                                  "cores for Einc and cuBLAS alike"));
cl::opt<std::string>
    targetOpt("target", cl::init("cpu"), cl::sub(benchCommand),
              cl::cat(category),
              cl::desc("cpu, or gpu (CUDA events; cuBLAS as the peer)"));
cl::opt<unsigned> repeatsOpt("repeats", cl::init(0), cl::sub(benchCommand),
                             cl::cat(category),
                             cl::desc("Timed runs of each implementation "
                                      "(default: enough for --min-time, "
                                      "3 to 50)"));
cl::opt<double> minTimeOpt("min-time", cl::init(0.5), cl::sub(benchCommand),
                           cl::cat(category),
                           cl::desc("Seconds each implementation is timed "
                                    "for at least (default 0.5)"));
cl::opt<unsigned> threadsOpt("threads", cl::init(0), cl::sub(benchCommand),
                             cl::cat(category),
                             cl::desc("Threads of Einc and OpenBLAS "
                                      "(default: EINC_NUM_THREADS, else "
                                      "every core)"));
cl::opt<std::string> peersOpt("peers", cl::init("openblas,eigen,naive"),
                              cl::sub(benchCommand), cl::cat(category),
                              cl::desc("Peers to run (openblas, eigen, naive; "
                                       "cublas with --target gpu, its "
                                       "default; or none)"));
cl::opt<bool> jsonOpt("json", cl::sub(benchCommand), cl::cat(category),
                      cl::desc("Print JSON instead of a table"));
PathFlags pathFlags(benchCommand, category);

/// The naive loop nest is skipped above this many iterations.
constexpr double kNaiveLimit = 2e9;

double nowMs() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// One warm-up run, then enough timed runs for --min-time (or --repeats).
template <typename F> std::vector<double> timeRuns(F run) {
  double start = nowMs();
  run();
  double first = std::max(nowMs() - start, 1e-6);
  unsigned repeats = repeatsOpt;
  if (!repeats)
    repeats = unsigned(std::clamp(minTimeOpt * 1000 / first, 3.0, 50.0));
  std::vector<double> ms;
  for (unsigned i = 0; i < repeats; ++i) {
    double t = nowMs();
    run();
    ms.push_back(nowMs() - t);
  }
  return ms;
}

} // namespace

int einc::runBench(int argc, char **argv) {
  bool gpu = targetOpt == "gpu" || targetOpt == "nvptx";
  if (!gpu && targetOpt != "cpu")
    return reportError("unknown --target '" + Twine(targetOpt) +
                       "' (use cpu or gpu)");
  if (gpu && threadsOpt > 0)
    return reportError("--threads applies to --target cpu");
  std::optional<ein::DType> dtype = ein::parseDType(dtypeOpt);
  if (!dtype || *dtype == ein::i32 || *dtype == ein::i64)
    return reportError("einc bench measures f32, f64, complex64, complex128, "
                       "and on a GPU f16 and bf16, not '" +
                       Twine(dtypeOpt) + "'");
  if (!gpu && ein::isHalf(*dtype))
    return reportError("einc bench measures " + Twine(ein::dtypeName(*dtype)) +
                       " on the GPU only (--target gpu): the CPU's peers "
                       "have no half-precision GEMM");
  if (gpuTF32Opt && (!gpu || *dtype != ein::f32))
    return reportError("--gpu-tf32 applies to f32 with --target gpu");
  bool isComplex = *dtype == ein::c64 || *dtype == ein::c128;
  if (threadsOpt > 4096)
    return reportError("--threads " + Twine(threadsOpt) +
                       " is not a thread count (1 to 4096)");
  auto shapes = staticShapes(expression, shapesOpt, sizesOpt, "bench");
  if (!shapes)
    return reportError(shapes.takeError());
  std::vector<SmallVector<int64_t>> small;
  for (const auto &s : *shapes)
    small.emplace_back(s.begin(), s.end());
  auto problem = ein::resolveEinsum(expression, small, *dtype);
  if (!problem)
    return reportError(problem.takeError());
  std::vector<std::string> peers;
  std::string peerList = peersOpt;
  if (gpu && !peersOpt.getNumOccurrences())
    peerList = "cublas";
  for (StringRef p : split(peerList, ',')) {
    if (p == "none")
      continue;
    if (gpu ? p != "cublas" : !is_contained({"openblas", "eigen", "naive"}, p))
      return reportError("unknown peer '" + p + "' for --target " +
                         (gpu ? "gpu (cublas or none)"
                              : "cpu (openblas, eigen, naive or none)"));
    peers.push_back(p.str());
  }
  // An OpenBLAS older than the CPU runs its generic kernels, which would
  // make the comparison meaningless: restart with the right family.
  if (is_contained(peers, "openblas") && !std::getenv("OPENBLAS_CORETYPE")) {
    std::string better = betterOpenBlasCore();
    if (!better.empty()) {
      errs() << "einc bench: OpenBLAS does not know this CPU and chose its "
                "generic Prescott kernels; restarting with "
                "OPENBLAS_CORETYPE="
             << better << "\n";
      setenv("OPENBLAS_CORETYPE", better.c_str(), 1);
      execv("/proc/self/exe", argv);
      errs() << "einc bench: could not restart (" << std::strerror(errno)
             << "); OpenBLAS runs its Prescott kernels\n";
    }
  }
  auto pathOptions = pathFlags.get(*dtype, /*deterministic=*/true);
  if (!pathOptions)
    return reportError(pathOptions.takeError());

  // Inputs and outputs: uniform random values in [-1, 1) (real and
  // imaginary parts alike).
  size_t elementSize = ein::dtypeSize(*dtype);
  int64_t outElements = 1;
  for (int64_t d : problem->outputShape)
    outElements *= d;
  std::vector<std::vector<char>> inputs;
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> uniform(-1, 1);
  for (const auto &s : *shapes) {
    int64_t n = 1;
    for (int64_t d : s)
      n *= d;
    inputs.emplace_back(n * elementSize);
    int64_t reals = isComplex ? 2 * n : n;
    bool single = *dtype == ein::f32 || *dtype == ein::c64;
    for (int64_t i = 0; i < reals; ++i) {
      double v = uniform(rng);
      if (ein::isHalf(*dtype))
        reinterpret_cast<uint16_t *>(inputs.back().data())[i] =
            *dtype == ein::f16 ? einrt_f32_to_f16(float(v))
                               : einrt_f32_to_bf16(float(v));
      else if (single)
        reinterpret_cast<float *>(inputs.back().data())[i] = float(v);
      else
        reinterpret_cast<double *>(inputs.back().data())[i] = v;
    }
  }
  std::vector<const void *> pointers;
  for (const auto &in : inputs)
    pointers.push_back(in.data());
  std::vector<char> reference(outElements * elementSize),
      scratch(outElements * elementSize);

  if (gpu) {
    GpuBenchSettings settings;
    settings.repeats = repeatsOpt;
    settings.minTime = minTimeOpt;
    settings.json = jsonOpt;
    settings.cublas = !peers.empty();
    settings.tf32 = gpuTF32Opt;
    return runGpuBench(*problem, *shapes, *pathOptions, pointers, settings);
  }
  if (!jsonOpt)
    errs() << "einc bench: compiling...\n";
  ein::Jit jit;
  ein::CompileOptions options;
  options.path = *pathOptions;
  double compileStart = nowMs();
  auto kernel = jit.compile(expression, *shapes, *dtype, options);
  double compileMs = nowMs() - compileStart;
  if (!kernel)
    return reportError(kernel.takeError());
  // The same compile again is a lookup in the JIT's cache.
  double lookupStart = nowMs();
  auto cached = jit.compile(expression, *shapes, *dtype, options);
  double lookupUs = (nowMs() - lookupStart) * 1000;
  if (!cached)
    return reportError(cached.takeError(), InternalError);
  // Real floating-point operations: a complex multiply-add is 8, not 2.
  double flops = kernel->path().flops * (isComplex ? 4 : 1);

  std::vector<Timing> results;
  Timing own;
  own.name = "einc";
  if (threadsOpt > 0)
    ein::setNumThreads(int(threadsOpt));
  own.threads = kernel->parallel() ? ein::numThreads() : 1;
  own.note = formatv("{0} thread{1}", own.threads, own.threads == 1 ? "" : "s");
  Error failure = Error::success();
  own.ms = timeRuns([&] {
    if (Error e = (*kernel)(pointers, reference.data()))
      failure = joinErrors(std::move(failure), std::move(e));
  });
  if (failure)
    return reportError(std::move(failure), InternalError);
  results.push_back(own);

  std::optional<GemmView> gemm =
      gemmView(problem->subscripts, problem->extents);
  for (const std::string &name : peers) {
    Timing t;
    t.name = name;
    PeerFn fn;
    if (name == "naive") {
      double iterations = 1;
      for (char c : problem->subscripts.labels())
        iterations *= double(problem->extents[static_cast<unsigned char>(c)]);
      if (iterations > kNaiveLimit) {
        t.note = formatv("skipped: {0:e} iterations", iterations).str();
        results.push_back(t);
        continue;
      }
      fn = naivePeer(problem->subscripts, problem->extents, *dtype);
    } else if (!gemm) {
      t.note = "skipped: not a batched matrix product";
      results.push_back(t);
      continue;
    } else if (name == "openblas") {
      t.threads =
          openBlasThreads(int(threadsOpt > 0 ? threadsOpt : ein::numThreads()));
      fn = openBlasPeer(problem->subscripts, *gemm, *dtype);
    } else {
      fn = eigenPeer(problem->subscripts, *gemm, *dtype);
    }
    if (!jsonOpt)
      errs() << "einc bench: timing " << name << "...\n";
    t.ms = timeRuns([&] { fn(pointers, scratch.data()); });
    t.maxRelError =
        relativeError(*dtype, scratch.data(), reference.data(), outElements);
    t.note = formatv("{0} thread{1}", t.threads, t.threads == 1 ? "" : "s");
    results.push_back(t);
  }

  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  std::optional<double> peak1 = measurePeakGflops(*dtype, 1),
                        peakAll = measurePeakGflops(*dtype, cores);
  double einsMs = own.median();
  auto gflops = [&](double ms) { return flops / (ms * 1e6); };

  raw_ostream &os = outs();
  if (jsonOpt) {
    os << "{\"expression\": \"" << problem->subscripts.str() << "\", "
       << "\"dtype\": \"" << ein::dtypeName(*dtype) << "\", "
       << "\"flops\": " << format("%.6e", flops) << ", "
       << "\"compile_ms\": " << fixed(compileMs, 3) << ", "
       << "\"cached_lookup_us\": " << fixed(lookupUs, 2) << ", "
       << "\"from_disk_cache\": "
       << (kernel->fromDiskCache() ? "true" : "false") << ", "
       << "\"peak_gflops_1_thread\": "
       << (peak1 ? fixed(*peak1, 2) : std::string("null")) << ", "
       << "\"peak_gflops_all_threads\": "
       << (peakAll ? fixed(*peakAll, 2) : std::string("null")) << ", "
       << "\"openblas_core\": \"" << openBlasCore() << "\", "
       << "\"cores\": " << cores << ", \"results\": [";
    for (size_t i = 0; i < results.size(); ++i) {
      const Timing &t = results[i];
      os << (i ? ", " : "") << "{\"name\": \"" << t.name << "\"";
      if (t.ms.empty()) {
        os << ", \"skipped\": \"" << t.note << "\"}";
        continue;
      }
      os << ", \"threads\": " << t.threads
         << ", \"median_ms\": " << fixed(t.median(), 4)
         << ", \"min_ms\": " << fixed(t.min(), 4)
         << ", \"max_ms\": " << fixed(t.max(), 4)
         << ", \"repeats\": " << t.ms.size()
         << ", \"gflops\": " << fixed(gflops(t.median()), 3)
         << ", \"einc_speed_ratio\": " << fixed(t.median() / einsMs, 4)
         << ", \"max_rel_error\": " << format("%.3e", t.maxRelError) << "}";
    }
    os << "]}\n";
    return Success;
  }
  os << "  Expression:  " << problem->subscripts.str() << " ("
     << ein::dtypeName(*dtype) << ")\n";
  os << "       FLOPs:  " << format("%.3e", flops)
     << (isComplex ? " per call (real: 8 per complex multiply-add)\n"
                   : " per call\n");
  os << "     Compile:  " << fixed(compileMs, 1)
     << (kernel->fromDiskCache() ? " ms (loaded from the disk cache)"
                                 : " ms (cold)")
     << ", then " << fixed(lookupUs, 1) << " us from the JIT's cache\n";
  os << "        Peak:  ";
  if (peak1)
    os << fixed(*peak1, 1) << " GFLOP/s on 1 thread, " << fixed(*peakAll, 1)
       << " on " << cores << " (measured FMA throughput)\n";
  else
    os << "unknown (no AVX2/FMA)\n";
  if (is_contained(peers, "openblas"))
    os << "    OpenBLAS:  " << openBlasCore() << " kernels\n";
  os << std::string(96, '-') << "\n";
  os << format("%-9s %-12s %10s %10s %10s %9s %7s %10s %10s\n", "impl",
               "threads", "median ms", "min ms", "max ms", "GFLOP/s", "% peak",
               "einc speed", "rel error");
  os << std::string(96, '-') << "\n";
  for (const Timing &t : results) {
    if (t.ms.empty()) {
      os << format("%-9s %s\n", t.name.c_str(), t.note.c_str());
      continue;
    }
    double g = gflops(t.median());
    std::optional<double> peak = t.threads == 1 ? peak1 : peakAll;
    os << format("%-9s %-12s %10.3f %10.3f %10.3f %9.2f %7s %9.2fx %10.1e\n",
                 t.name.c_str(), t.note.c_str(), t.median(), t.min(), t.max(),
                 g, peak ? fixed(100 * g / *peak, 1).c_str() : "-",
                 t.median() / einsMs, t.maxRelError);
  }
  os << std::string(96, '-') << "\n";
  os << "einc speed: the peer's median time over Einc's (above 1: Einc is "
        "faster). rel error: max |peer - einc| / max |einc|.\n";
  return Success;
}
