//===- GpuBench.cpp - `einc bench --target gpu` ---------------------------===//
//
// Times the GPU kernels with CUDA events on device buffers (no copies in
// the timed region), reports TFLOP/s, checks the result against the CPU's
// kernel, and runs cuBLAS on the same buffers as the peer for batched
// matrix products: libcublas is dlopen'd like the driver, so the tool
// builds without CUDA and says when cuBLAS is not there.
//
//===----------------------------------------------------------------------===//

#include "GpuBench.h"
#include "BenchResults.h"
#include "Common.h"
#include "Peers.h"

#include "einc/Error.h"
#include "einrt/gpu.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <complex>
#include <cstring>
#include <dlfcn.h>
#include <functional>
#include <optional>

using namespace llvm;
using namespace einc;

namespace {

/// `run` once to warm up, then timed with events: --repeats times, or
/// enough for --min-time (3 to 50).
Expected<std::vector<double>> timeOnDevice(const GpuBenchSettings &settings,
                                           function_ref<Error()> run) {
  char err[512];
  auto timed = [&]() -> Expected<double> {
    if (einrt_gpu_timer_start(err, sizeof err))
      return ein::userError(err);
    if (Error e = run())
      return std::move(e);
    double ms = 0;
    if (einrt_gpu_timer_stop(&ms, err, sizeof err))
      return ein::userError(err);
    return ms;
  };
  auto first = timed();
  if (!first)
    return first.takeError();
  unsigned repeats = settings.repeats;
  if (!repeats)
    repeats = unsigned(std::clamp(
        settings.minTime * 1000 / std::max(*first, 1e-3), 3.0, 50.0));
  std::vector<double> ms;
  for (unsigned i = 0; i < repeats; ++i) {
    auto t = timed();
    if (!t)
      return t.takeError();
    ms.push_back(*t);
  }
  return ms;
}

//===----------------------------------------------------------------------===//
// cuBLAS, loaded at run time
//===----------------------------------------------------------------------===//

/// A strided batched GEMM call in cuBLAS's column-major terms.
using GemmFn = int (*)(void *handle, int transa, int transb, int m, int n,
                       int k, const void *alpha, const void *a, int lda,
                       long long strideA, const void *b, int ldb,
                       long long strideB, const void *beta, void *c, int ldc,
                       long long strideC, int batchCount);

/// cublasGemmStridedBatchedEx: types are cudaDataType codes, alpha and
/// beta f32 for an f32 compute type.
using GemmExFn = int (*)(void *handle, int transa, int transb, int m, int n,
                         int k, const void *alpha, const void *a, int typeA,
                         int lda, long long strideA, const void *b, int typeB,
                         int ldb, long long strideB, const void *beta, void *c,
                         int typeC, int ldc, long long strideC, int batchCount,
                         int computeType, int algo);
constexpr int kCudaR32F = 0, kCudaR16F = 2, kCudaR16BF = 14;
constexpr int kComputeF32 = 68, kComputeF32FastTF32 = 77, kGemmDefault = -1;

struct Cublas {
  void *handle = nullptr;
  GemmFn gemm[4] = {};       // by dtype: f32, f64, c64, c128
  GemmExFn gemmEx = nullptr; // f16, bf16, and f32 on TF32
  std::string why;           // why there is none
};

const Cublas &cublas() {
  static const Cublas loaded = [] {
    Cublas c;
    void *lib = nullptr;
    for (const char *name : {"libcublas.so", "libcublas.so.13",
                             "libcublas.so.12", "libcublas.so.11"})
      if ((lib = dlopen(name, RTLD_NOW | RTLD_LOCAL)))
        break;
    if (!lib) {
      c.why = "skipped: libcublas not found";
      return c;
    }
    auto create =
        reinterpret_cast<int (*)(void **)>(dlsym(lib, "cublasCreate_v2"));
    auto setStream = reinterpret_cast<int (*)(void *, void *)>(
        dlsym(lib, "cublasSetStream_v2"));
    const char *names[4] = {
        "cublasSgemmStridedBatched", "cublasDgemmStridedBatched",
        "cublasCgemmStridedBatched", "cublasZgemmStridedBatched"};
    for (int i = 0; i < 4; ++i)
      c.gemm[i] = reinterpret_cast<GemmFn>(dlsym(lib, names[i]));
    c.gemmEx =
        reinterpret_cast<GemmExFn>(dlsym(lib, "cublasGemmStridedBatchedEx"));
    int status = create && setStream && c.gemm[0] ? create(&c.handle) : -1;
    if (status != 0) {
      c.why = status < 0 ? "skipped: libcublas lacks cublasCreate_v2, "
                           "cublasSetStream_v2 or cublasSgemmStridedBatched"
                         : "skipped: cublasCreate failed (status " +
                               std::to_string(status) + ")";
      c.handle = nullptr;
      return c;
    }
    // The thread's stream, where the runtime launches Einc's kernels and
    // records its timer events.
    setStream(c.handle, einrt_gpu_stream());
    return c;
  }();
  return loaded;
}

/// cuBLAS computing the product on device buffers as they are laid out,
/// or the reason it cannot.
struct CublasPlan {
  std::function<Error(const void *, const void *, void *)> run;
  std::string why;
};

CublasPlan planCublas(const ein::EinsumProblem &problem, ein::DType dtype,
                      bool tf32) {
  CublasPlan plan;
  auto g = gemmView(problem.subscripts, problem.extents);
  if (!g) {
    plan.why = "skipped: not a batched matrix product";
    return plan;
  }
  const std::string &a = problem.subscripts.inputs[0],
                    &b = problem.subscripts.inputs[1],
                    &c = problem.subscripts.output;
  // Row-major C = A B is column-major C^T = B^T A^T: B comes first.
  bool aT = false, bT = false;
  if (c != g->batch + g->m + g->n)
    plan.why = "skipped: the output is not batch, rows, columns";
  else if (a == g->batch + g->m + g->k || a == g->batch + g->k + g->m)
    aT = a == g->batch + g->k + g->m;
  else
    plan.why = "skipped: A is not batch, then rows and sums";
  if (plan.why.empty()) {
    if (b == g->batch + g->k + g->n || b == g->batch + g->n + g->k)
      bT = b == g->batch + g->n + g->k;
    else
      plan.why = "skipped: B is not batch, then sums and columns";
  }
  if (!plan.why.empty())
    return plan;
  for (int64_t e : {g->mSize, g->nSize, g->kSize, g->batchSize})
    if (e > INT_MAX || e == 0) {
      plan.why = "skipped: extents beyond cuBLAS's int or empty";
      return plan;
    }
  const Cublas &cb = cublas();
  if (!cb.handle) {
    plan.why = cb.why;
    return plan;
  }
  int m = int(g->mSize), n = int(g->nSize), k = int(g->kSize),
      batch = int(g->batchSize);
  if (ein::isHalf(dtype) || tf32) {
    // The half types as Einc computes them: products summed in f32, the
    // result rounded once; f32 with --gpu-tf32 on TF32 tensor cores.
    GemmExFn gemmEx = cb.gemmEx;
    if (!gemmEx) {
      plan.why = "skipped: this libcublas has no cublasGemmStridedBatchedEx";
      return plan;
    }
    int type = dtype == ein::f16    ? kCudaR16F
               : dtype == ein::bf16 ? kCudaR16BF
                                    : kCudaR32F;
    int compute = tf32 ? kComputeF32FastTF32 : kComputeF32;
    plan.run = [=](const void *A, const void *B, void *C) -> Error {
      float one = 1, zero = 0;
      int status = gemmEx(cublas().handle, bT ? 1 : 0, aT ? 1 : 0, n, m, k,
                          &one, B, type, bT ? k : n, (long long)k * n, A, type,
                          aT ? m : k, (long long)m * k, &zero, C, type, n,
                          (long long)m * n, batch, compute, kGemmDefault);
      if (status != 0)
        return ein::userError("cuBLAS failed (status " + Twine(status) + ")");
      return Error::success();
    };
    return plan;
  }
  GemmFn gemm = cb.gemm[dtype];
  if (!gemm) {
    plan.why = "skipped: this libcublas has no strided batched GEMM for " +
               std::string(ein::dtypeName(dtype));
    return plan;
  }
  plan.run = [=](const void *A, const void *B, void *C) -> Error {
    double one[2] = {1, 0}, zero[2] = {0, 0};
    float onef[2] = {1, 0}, zerof[2] = {0, 0};
    bool single = dtype == ein::f32 || dtype == ein::c64;
    int status =
        gemm(cublas().handle, bT ? 1 : 0, aT ? 1 : 0, n, m, k,
             single ? static_cast<const void *>(onef) : one, B, bT ? k : n,
             (long long)k * n, A, aT ? m : k, (long long)m * k,
             single ? static_cast<const void *>(zerof) : zero, C, n,
             (long long)m * n, batch);
    if (status != 0)
      return ein::userError("cuBLAS failed (status " + Twine(status) + ")");
    return Error::success();
  };
  return plan;
}

} // namespace

int einc::runGpuBench(const ein::EinsumProblem &problem,
                      const std::vector<ein::Shape> &shapes,
                      const ein::PathOptions &path,
                      const std::vector<const void *> &hostInputs,
                      const GpuBenchSettings &settings) {
  ein::DType dtype = problem.dtype;
  bool isComplex = dtype == ein::c64 || dtype == ein::c128;
  const std::string &expression = problem.expression;
  char err[512];
  if (einrt_gpu_init(err, sizeof err))
    return reportError(err);
  char device[256] = "";
  einrt_gpu_device_name(device, sizeof device, err, sizeof err);

  if (!settings.json)
    errs() << "einc bench: compiling for the GPU and the CPU...\n";
  ein::Jit jit;
  ein::CompileOptions options;
  options.path = path;
  options.target = ein::Target::GPU;
  options.allowTF32 = settings.tf32;
  auto start = std::chrono::steady_clock::now();
  auto kernel = jit.compile(expression, shapes, dtype, options);
  double compileMs = std::chrono::duration<double, std::milli>(
                         std::chrono::steady_clock::now() - start)
                         .count();
  if (!kernel)
    return reportError(kernel.takeError());
  options.target = ein::Target::CPU;
  options.allowTF32 = false;
  auto cpuKernel = jit.compile(expression, shapes, dtype, options);
  if (!cpuKernel)
    return reportError(cpuKernel.takeError());

  size_t size = ein::dtypeSize(dtype);
  int64_t outElements = kernel->outputElements();
  std::vector<char> cpuResult(outElements * size + 1),
      gpuResult(outElements * size + 1);
  if (Error e = (*cpuKernel)(hostInputs, cpuResult.data()))
    return reportError(std::move(e));

  std::vector<einrt::DeviceBuffer> inputs(hostInputs.size());
  std::vector<const void *> deviceInputs;
  for (size_t i = 0; i < hostInputs.size(); ++i) {
    int64_t n = 1;
    for (int64_t d : shapes[i])
      n *= d;
    if (einrt_gpu_alloc(&inputs[i].data, n * size, err, sizeof err) ||
        einrt_gpu_copy_to_device(inputs[i].data, hostInputs[i], n * size, err,
                                 sizeof err))
      return reportError(err);
    deviceInputs.push_back(inputs[i].data);
  }
  einrt::DeviceBuffer output;
  if (einrt_gpu_alloc(&output.data, outElements * size, err, sizeof err))
    return reportError(err);

  std::vector<Timing> results;
  Timing own;
  own.name = "einc";
  own.note = kernel->gpuArch() + (settings.tf32 ? " tf32" : "");
  auto ms = timeOnDevice(
      settings, [&] { return kernel->runOnDevice(deviceInputs, output.data); });
  if (!ms)
    return reportError(ms.takeError());
  own.ms = *ms;
  if (einrt_gpu_copy_to_host(gpuResult.data(), output.data, outElements * size,
                             err, sizeof err))
    return reportError(err);
  own.maxRelError =
      relativeError(dtype, gpuResult.data(), cpuResult.data(), outElements);
  results.push_back(own);

  if (settings.cublas) {
    Timing peer;
    peer.name = "cublas";
    CublasPlan plan = planCublas(problem, dtype, settings.tf32);
    if (plan.run) {
      if (!settings.json)
        errs() << "einc bench: timing cublas...\n";
      auto peerMs = timeOnDevice(settings, [&]() -> Error {
        if (Error e = plan.run(deviceInputs[0], deviceInputs[1], output.data))
          return e;
        if (einrt_gpu_take_error(err, sizeof err))
          return ein::userError(err);
        return Error::success();
      });
      if (!peerMs)
        return reportError(peerMs.takeError());
      peer.ms = *peerMs;
      std::vector<char> peerResult(outElements * size + 1);
      if (einrt_gpu_copy_to_host(peerResult.data(), output.data,
                                 outElements * size, err, sizeof err))
        return reportError(err);
      peer.maxRelError = relativeError(dtype, peerResult.data(),
                                       gpuResult.data(), outElements);
    } else {
      peer.note = plan.why;
    }
    results.push_back(peer);
  }

  double flops = kernel->path().flops * (isComplex ? 4 : 1);
  auto tflops = [&](double ms) { return flops / (ms * 1e9); };
  double einsMs = own.median();
  raw_ostream &os = outs();
  if (settings.json) {
    os << "{\"expression\": \"" << problem.subscripts.str() << "\", "
       << "\"dtype\": \"" << ein::dtypeName(dtype) << "\", "
       << "\"target\": \"gpu\", \"device\": \"" << device << "\", "
       << "\"gpu_arch\": \"" << kernel->gpuArch() << "\", "
       << "\"tf32\": " << (settings.tf32 ? "true" : "false") << ", "
       << "\"flops\": " << format("%.6e", flops) << ", "
       << "\"compile_ms\": " << fixed(compileMs, 3) << ", \"results\": [";
    for (size_t i = 0; i < results.size(); ++i) {
      const Timing &t = results[i];
      os << (i ? ", " : "") << "{\"name\": \"" << t.name << "\"";
      if (t.ms.empty()) {
        os << ", \"skipped\": \"" << t.note << "\"}";
        continue;
      }
      os << ", \"median_ms\": " << fixed(t.median(), 4)
         << ", \"min_ms\": " << fixed(t.min(), 4)
         << ", \"max_ms\": " << fixed(t.max(), 4)
         << ", \"repeats\": " << t.ms.size()
         << ", \"tflops\": " << fixed(tflops(t.median()), 4)
         << ", \"einc_speed_ratio\": " << fixed(t.median() / einsMs, 4)
         << ", \"max_rel_error\": " << format("%.3e", t.maxRelError) << "}";
    }
    os << "]}\n";
    return Success;
  }
  os << "  Expression:  " << problem.subscripts.str() << " ("
     << ein::dtypeName(dtype) << (settings.tf32 ? " on TF32 tensor cores" : "")
     << ") on " << device << " (" << kernel->gpuArch() << ")\n";
  os << "       FLOPs:  " << format("%.3e", flops) << " per call\n";
  os << "     Compile:  " << fixed(compileMs, 1) << " ms\n";
  os << std::string(88, '-') << "\n";
  os << format("%-8s %10s %10s %10s %9s %10s %12s\n", "impl", "median ms",
               "min ms", "max ms", "TFLOP/s", "einc speed", "rel error");
  os << std::string(88, '-') << "\n";
  for (const Timing &t : results) {
    if (t.ms.empty()) {
      os << format("%-8s %s\n", t.name.c_str(), t.note.c_str());
      continue;
    }
    os << format("%-8s %10.4f %10.4f %10.4f %9.3f %9.2fx %12.1e\n",
                 t.name.c_str(), t.median(), t.min(), t.max(),
                 tflops(t.median()), t.median() / einsMs, t.maxRelError);
  }
  os << std::string(88, '-') << "\n";
  os << "Times are CUDA events around each call on device buffers (the "
        "kernels and the\nwait for them). einc's rel error is against the "
        "CPU kernel, cublas's against einc.\n";
  // Half types round the result once; TF32 keeps 10 bits of each factor.
  double tolerance = ein::isHalf(dtype) || settings.tf32      ? 1e-2
                     : dtype == ein::f32 || dtype == ein::c64 ? 1e-4
                                                              : 1e-10;
  if (own.maxRelError > tolerance)
    errs() << "einc bench: warning: the GPU's result differs from the CPU's "
              "(max relative difference "
           << format("%.1e", own.maxRelError) << ")\n";
  return Success;
}
