//===- CudaLibraries.cpp - cuSOLVER and cuBLAS, loaded at run time --------===//

#include "CudaLibraries.h"

#include <cstdlib>
#include <dlfcn.h>
#include <initializer_list>
#include <mutex>

using namespace einrt::cuda;

namespace {

/// dlopens $`env`, or the first of `names` that loads (one the process
/// has loaded already first: cuSOLVER brings the cuBLAS of its own CUDA
/// version); null with the reason in `why`.
void *open(const char *env, std::initializer_list<const char *> names,
           const char *what, std::string &path, std::string &why) {
  const char *override = std::getenv(env);
  if (!override || !*override)
    for (const char *name : names)
      if (void *lib = dlopen(name, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD)) {
        path = name;
        return lib;
      }
  std::string tried;
  for (const char *name : names) {
    const char *candidate = override && *override ? override : name;
    if (void *lib = dlopen(candidate, RTLD_NOW | RTLD_LOCAL)) {
      path = candidate;
      return lib;
    }
    const char *e = dlerror();
    if (override && *override) {
      why = std::string("no ") + what + ": cannot load " + candidate + " (" +
            (e ? e : "unknown reason") + ")";
      return nullptr;
    }
    tried += tried.empty() ? "" : ", ";
    tried += candidate;
  }
  why = std::string("no ") + what + ": none of " + tried +
        " loads (decompositions on the GPU need the CUDA toolkit's " + what +
        "; set " + env + " to its path)";
  return nullptr;
}

/// Resolves symbols of `lib`, naming the first that is missing.
struct Resolver {
  void *lib;
  std::string missing;
  template <typename F> void operator()(F &fn, const std::string &name) {
    void *sym = dlsym(lib, name.c_str());
    if (!sym && missing.empty())
      missing = name;
    fn = reinterpret_cast<F>(sym);
  }
};

bool load(Libraries &l, std::string &why) {
  // The toolkit's usual place last, for machines that do not put it on
  // the loader's path.
  void *solver =
      open("EINRT_CUSOLVER",
           {"libcusolver.so.12", "libcusolver.so.11", "libcusolver.so",
            "/usr/local/cuda/lib64/libcusolver.so.12",
            "/usr/local/cuda/lib64/libcusolver.so.11"},
           "cuSOLVER", l.solverPath, why);
  if (!solver)
    return false;
  void *blas = open("EINRT_CUBLAS",
                    {"libcublas.so.13", "libcublas.so.12", "libcublas.so.11",
                     "libcublas.so", "/usr/local/cuda/lib64/libcublas.so.13",
                     "/usr/local/cuda/lib64/libcublas.so.12"},
                    "cuBLAS", l.blasPath, why);
  if (!blas)
    return false;
  Resolver s{solver, {}}, b{blas, {}};
  s(l.solverCreate, "cusolverDnCreate");
  s(l.solverDestroy, "cusolverDnDestroy");
  s(l.solverSetStream, "cusolverDnSetStream");
  b(l.blasCreate, "cublasCreate_v2");
  b(l.blasDestroy, "cublasDestroy_v2");
  b(l.blasSetStream, "cublasSetStream_v2");
  const char letters[] = {'S', 'D', 'C', 'Z'};
  for (int t = 0; t < 4; ++t) {
    std::string p = std::string("cusolverDn") + letters[t];
    bool complex = t >= 2;
    SolverRoutines &r = l.solver[t];
    s(r.potrfBufferSize, p + "potrf_bufferSize");
    s(r.potrf, p + "potrf");
    s(r.getrfBufferSize, p + "getrf_bufferSize");
    s(r.getrf, p + "getrf");
    s(r.getrs, p + "getrs");
    s(r.geqrfBufferSize, p + "geqrf_bufferSize");
    s(r.geqrf, p + "geqrf");
    std::string orgqr = complex ? "ungqr" : "orgqr";
    s(r.orgqrBufferSize, p + orgqr + "_bufferSize");
    s(r.orgqr, p + orgqr);
    std::string syevd = complex ? "heevd" : "syevd";
    s(r.syevdBufferSize, p + syevd + "_bufferSize");
    s(r.syevd, p + syevd);
    s(r.gesvdBufferSize, p + "gesvd_bufferSize");
    s(r.gesvd, p + "gesvd");
    std::string q = std::string("cublas") + letters[t];
    b(l.blas[t].geam, q + "geam");
    b(l.blas[t].copy, q + "copy_v2");
    b(l.blas[t].gemm, q + "gemm_v2");
    b(l.blas[t].dgmm, q + "dgmm");
  }
  // Optional: without it eig says which cuSOLVER it needs.
  Resolver optional{solver, {}};
  GeneralEigensolver &e = l.eigensolver;
  optional(e.createParams, "cusolverDnCreateParams");
  optional(e.destroyParams, "cusolverDnDestroyParams");
  optional(e.bufferSize, "cusolverDnXgeev_bufferSize");
  optional(e.geev, "cusolverDnXgeev");
  if (!optional.missing.empty())
    e = GeneralEigensolver{};
  if (!s.missing.empty() || !b.missing.empty()) {
    bool inSolver = !s.missing.empty();
    why = std::string("no usable ") + (inSolver ? "cuSOLVER: " : "cuBLAS: ") +
          (inSolver ? l.solverPath : l.blasPath) + " has no " +
          (inSolver ? s.missing : b.missing) + " (it is too old)";
    return false;
  }
  return true;
}

} // namespace

const Libraries *einrt::cuda::libraries(std::string &why) {
  static std::mutex mutex;
  static Libraries loaded;
  static bool ok = false;
  std::lock_guard<std::mutex> lock(mutex);
  if (!ok) {
    Libraries l;
    ok = load(l, why);
    if (ok)
      loaded = l;
  }
  return ok ? &loaded : nullptr;
}

std::string einrt::cuda::describeSolver(Status s, const std::string &what) {
  static const char *const names[] = {
      "CUSOLVER_STATUS_SUCCESS",
      "CUSOLVER_STATUS_NOT_INITIALIZED",
      "CUSOLVER_STATUS_ALLOC_FAILED",
      "CUSOLVER_STATUS_INVALID_VALUE",
      "CUSOLVER_STATUS_ARCH_MISMATCH",
      "CUSOLVER_STATUS_MAPPING_ERROR",
      "CUSOLVER_STATUS_EXECUTION_FAILED",
      "CUSOLVER_STATUS_INTERNAL_ERROR",
      "CUSOLVER_STATUS_MATRIX_TYPE_NOT_SUPPORTED",
      "CUSOLVER_STATUS_NOT_SUPPORTED"};
  std::string name = s >= 0 && s < int(std::size(names))
                         ? names[s]
                         : "cuSOLVER status " + std::to_string(s);
  std::string message = what + " failed (" + name + ")";
  if (s == 2)
    message = "out of GPU memory: " + message;
  return message;
}

std::string einrt::cuda::describeBlas(Status s, const std::string &what) {
  std::string name;
  switch (s) {
  case 1:
    name = "CUBLAS_STATUS_NOT_INITIALIZED";
    break;
  case 3:
    name = "CUBLAS_STATUS_ALLOC_FAILED";
    break;
  case 7:
    name = "CUBLAS_STATUS_INVALID_VALUE";
    break;
  case 8:
    name = "CUBLAS_STATUS_ARCH_MISMATCH";
    break;
  case 13:
    name = "CUBLAS_STATUS_EXECUTION_FAILED";
    break;
  case 14:
    name = "CUBLAS_STATUS_INTERNAL_ERROR";
    break;
  default:
    name = "cuBLAS status " + std::to_string(s);
  }
  std::string message = what + " failed (" + name + ")";
  if (s == 3)
    message = "out of GPU memory: " + message;
  return message;
}
