/* runner.c - Checks and times Einc's GPU code without LLVM or an Einc build.
 *
 * Linked by scripts/gpu-check.sh with the objects and the table that
 * ein-gpu-check-prepare wrote, and with Einc's runtime (libEinRuntime.a),
 * which loads the CUDA driver when this runs. For each line of the
 * manifest:
 *   check NAME DTYPE NIN ELEMS_IN... ELEMS_OUT EXPR
 *     runs NAME on NAME.in0... and compares with NAME.out, the CPU kernel's
 *     result (integers exactly; floats to 1e-4 (f32, complex64), 1e-10
 *     (f64, complex128), 4e-3 (f16) or 1.6e-2 (bf16) of the largest
 *     magnitude);
 *   bench NAME DTYPE BATCH M N K EXPR
 *     times NAME ([b]ij,[b]jk->[b]ik; f32, f64, f16 or bf16) with CUDA
 *     events (median of 10 after a warm-up) on random inputs, and cuBLAS's
 *     strided batched GEMM (GemmEx with f32 compute for the half types) on
 *     the same buffers when libcublas loads, comparing the two results;
 *   chain WHOLE STEP N M EXPR
 *     times WHOLE, a network of N M x M f32 matrices contracted end to end
 *     in one call (intermediates stay on the device), against N - 1 calls
 *     of STEP (one product each) with every intermediate copied to the
 *     host and back, and compares the two results.
 * Usage: gpu-check DIR [check|bench|all]. Prints one line per case and
 * "N passed, M failed" last; exits non-zero on any failure. */
#include "einrt/einrt.h"
#include "einrt/gpu.h"

#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gpu_check_entry {
  const char *name;
  void (*call)(void **, void *); /* (inputs, output) */
};
extern const struct gpu_check_entry gpu_check_entries[];

static const size_t sizes[] = {4, 8, 8, 16, 4, 8, 2, 2};
static char err[1024];

typedef void (*Entry)(void **, void *);

static Entry lookup(const char *name) {
  for (const struct gpu_check_entry *e = gpu_check_entries; e->name; ++e)
    if (!strcmp(e->name, name))
      return e->call;
  return NULL;
}

/* Calls `fn` and waits for it; 0, or 1 with err filled. */
static int call(Entry fn, void **in, void *out) {
  fn(in, out);
  return einrt_gpu_take_error(err, sizeof err);
}

static void *readAll(const char *path, size_t bytes) {
  char *data = malloc(bytes + 1);
  FILE *f = fopen(path, "rb");
  size_t got = f ? fread(data, 1, bytes, f) : 0;
  if (f)
    fclose(f);
  if (!f || got != bytes) {
    free(data);
    return NULL;
  }
  return data;
}

static double component(int dtype, const char *p, size_t k) {
  switch (dtype) {
  case 0:
  case 2:
    return ((const float *)p)[k];
  case 1:
  case 3:
    return ((const double *)p)[k];
  case 4:
    return ((const int32_t *)p)[k];
  case 6:
    return einrt_f16_to_f32(((const uint16_t *)p)[k]);
  case 7:
    return einrt_bf16_to_f32(((const uint16_t *)p)[k]);
  default:
    return (double)((const int64_t *)p)[k];
  }
}

/* The largest difference over the largest magnitude of `want`. */
static double difference(int dtype, const char *got, const char *want, long n) {
  size_t parts = (dtype == 2 || dtype == 3) ? 2 : 1;
  double diff = 0, scale = 0;
  for (size_t k = 0; k < (size_t)n * parts; ++k) {
    double g = component(dtype, got, k), w = component(dtype, want, k);
    if (isnan(g) != isnan(w))
      return INFINITY;
    if (fabs(g - w) > diff)
      diff = fabs(g - w);
    if (fabs(w) > scale)
      scale = fabs(w);
  }
  if (dtype == 4 || dtype == 5)
    return diff;
  return scale > 0 ? diff / scale : diff;
}

static int runCheck(const char *dir, char *line, int *passed) {
  char name[128];
  int dtype, nin, used = 0;
  if (sscanf(line, "check %127s %d %d%n", name, &dtype, &nin, &used) != 3 ||
      nin < 1 || nin > 6 || dtype < 0 || dtype > 7)
    return printf("FAIL bad manifest line: %s", line), 1;
  long elems[7];
  char *rest = line + used;
  for (int i = 0; i <= nin; ++i)
    elems[i] = strtol(rest, &rest, 10);
  Entry fn = lookup(name);
  void *host[7] = {0}, *device[7] = {0};
  char path[4096];
  int failed = 0;
  for (int i = 0; i <= nin && !failed; ++i) {
    size_t bytes = (size_t)elems[i] * sizes[dtype];
    if (i < nin) {
      snprintf(path, sizeof path, "%s/%s.in%d", dir, name, i);
    } else {
      snprintf(path, sizeof path, "%s/%s.out", dir, name);
    }
    host[i] = readAll(path, bytes);
    if (!host[i]) {
      snprintf(err, sizeof err, "cannot read %s", path);
      failed = 1;
    } else if (einrt_gpu_alloc(&device[i], bytes, err, sizeof err) ||
               (i < nin && einrt_gpu_copy_to_device(device[i], host[i], bytes,
                                                    err, sizeof err))) {
      failed = 1;
    }
  }
  if (!failed && !fn) {
    snprintf(err, sizeof err, "no entry point %s", name);
    failed = 1;
  }
  if (!failed)
    failed = call(fn, device, device[nin]);
  double d = 0;
  if (!failed) {
    size_t bytes = (size_t)elems[nin] * sizes[dtype];
    char *got = malloc(bytes + 1);
    failed = einrt_gpu_copy_to_host(got, device[nin], bytes, err, sizeof err);
    if (!failed) {
      d = difference(dtype, got, host[nin], elems[nin]);
      /* f16 and bf16: both sides sum in f32; their roundings may differ
       * by an ulp where FMA contraction differs. */
      double tol = dtype == 0 || dtype == 2 ? 1e-4
                   : dtype == 6             ? 4e-3
                   : dtype == 7             ? 1.6e-2
                   : dtype >= 4             ? 0
                                            : 1e-10;
      if (!(d <= tol)) {
        snprintf(err, sizeof err, "differs from the CPU by %.3g", d);
        failed = 1;
      }
    }
    free(got);
  }
  for (int i = 0; i <= nin; ++i) {
    free(host[i]);
    einrt_gpu_free(device[i]);
  }
  printf("%s %s: %s", failed ? "FAIL" : "ok  ", name, rest + 1);
  if (failed)
    printf("     %s\n", err);
  *passed += !failed;
  return failed;
}

/* cublasGemmStridedBatchedEx, for f16 and bf16 (f32 compute). */
typedef int (*GemmExFn)(void *, int, int, int, int, int, const void *,
                        const void *, int, int, long long, const void *, int,
                        int, long long, const void *, void *, int, int,
                        long long, int, int, int);
typedef int (*GemmFn)(void *, int, int, int, int, int, const void *,
                      const void *, int, long long, const void *, int,
                      long long, const void *, void *, int, long long, int);

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Median ms of 10 timed runs of `run` after a warm-up. */
static int timeIt(int (*run)(void *), void *arg, double *median) {
  double ms[10];
  if (run(arg))
    return 1;
  for (int r = 0; r < 10; ++r) {
    if (einrt_gpu_timer_start(err, sizeof err) || run(arg) ||
        einrt_gpu_timer_stop(&ms[r], err, sizeof err))
      return 1;
  }
  qsort(ms, 10, sizeof ms[0], cmp);
  *median = (ms[4] + ms[5]) / 2;
  return 0;
}

struct BenchCall {
  Entry fn;
  void *in[2], *out;
  GemmFn gemm;
  GemmExFn gemmEx;
  int dtype, single;
  void *handle;
  long long batch, m, n, k;
};

static int runEinc(void *p) {
  struct BenchCall *c = p;
  return call(c->fn, c->in, c->out);
}

static int runCublas(void *p) {
  struct BenchCall *c = p;
  double one = 1, zero = 0;
  float onef = 1, zerof = 0;
  /* Row-major C = A B is column-major C^T = B^T A^T. */
  int type = c->dtype == 6 ? 2 /* CUDA_R_16F */ : 14 /* CUDA_R_16BF */;
  int status =
      c->gemmEx
          ? c->gemmEx(c->handle, 0, 0, (int)c->n, (int)c->m, (int)c->k, &onef,
                      c->in[1], type, (int)c->n, c->k * c->n, c->in[0], type,
                      (int)c->k, c->m * c->k, &zerof, c->out, type, (int)c->n,
                      c->m * c->n, (int)c->batch, 68 /* COMPUTE_32F */,
                      -1 /* GEMM_DEFAULT */)
          : c->gemm(c->handle, 0, 0, (int)c->n, (int)c->m, (int)c->k,
                    c->single ? (void *)&onef : (void *)&one, c->in[1],
                    (int)c->n, c->k * c->n, c->in[0], (int)c->k, c->m * c->k,
                    c->single ? (void *)&zerof : (void *)&zero, c->out,
                    (int)c->n, c->m * c->n, (int)c->batch);
  if (status) {
    snprintf(err, sizeof err, "cuBLAS status %d", status);
    return 1;
  }
  return einrt_gpu_take_error(err, sizeof err);
}

static int runBench(char *line, int *passed) {
  char name[128];
  int dtype, used = 0;
  struct BenchCall c = {0};
  if (sscanf(line, "bench %127s %d %lld %lld %lld %lld%n", name, &dtype,
             &c.batch, &c.m, &c.n, &c.k, &used) != 6 ||
      (dtype != 0 && dtype != 1 && dtype != 6 && dtype != 7))
    return printf("FAIL bad manifest line: %s", line), 1;
  c.fn = lookup(name);
  c.dtype = dtype;
  c.single = dtype == 0;
  size_t size = sizes[dtype];
  size_t counts[3] = {c.batch * c.m * c.k, c.batch * c.k * c.n,
                      c.batch * c.m * c.n};
  void *host =
      malloc(counts[0] > counts[1] ? counts[0] * size : counts[1] * size);
  int failed = !c.fn || !host;
  if (!c.fn)
    snprintf(err, sizeof err, "no entry point %s", name);
  unsigned long long state = 12345;
  for (int i = 0; i < 2 && !failed; ++i) {
    for (size_t e = 0; e < counts[i]; ++e) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      double v = (double)(state >> 11) / 9007199254740992.0 * 2 - 1;
      if (dtype == 6)
        ((uint16_t *)host)[e] = einrt_f32_to_f16((float)v);
      else if (dtype == 7)
        ((uint16_t *)host)[e] = einrt_f32_to_bf16((float)v);
      else if (c.single)
        ((float *)host)[e] = (float)v;
      else
        ((double *)host)[e] = v;
    }
    failed = einrt_gpu_alloc(&c.in[i], counts[i] * size, err, sizeof err) ||
             einrt_gpu_copy_to_device(c.in[i], host, counts[i] * size, err,
                                      sizeof err);
  }
  if (!failed)
    failed = einrt_gpu_alloc(&c.out, counts[2] * size, err, sizeof err);
  double flops = 2.0 * c.batch * c.m * c.n * c.k, einc = 0, peer = 0;
  if (!failed)
    failed = timeIt(runEinc, &c, &einc);
  char *mine = malloc(counts[2] * size + 1),
       *theirs = malloc(counts[2] * size + 1);
  if (!failed)
    failed =
        einrt_gpu_copy_to_host(mine, c.out, counts[2] * size, err, sizeof err);
  /* cuBLAS, when it is there. */
  void *lib = NULL;
  const char *libs[] = {"libcublas.so", "libcublas.so.13", "libcublas.so.12",
                        "libcublas.so.11"};
  for (int i = 0; i < 4 && !lib && !failed; ++i)
    lib = dlopen(libs[i], RTLD_NOW | RTLD_LOCAL);
  const char *note = "no libcublas";
  if (lib) {
    int (*create)(void **) = (int (*)(void **))dlsym(lib, "cublasCreate_v2");
    int (*setStream)(void *, void *) =
        (int (*)(void *, void *))dlsym(lib, "cublasSetStream_v2");
    if (dtype >= 6)
      c.gemmEx = (GemmExFn)dlsym(lib, "cublasGemmStridedBatchedEx");
    else
      c.gemm = (GemmFn)dlsym(lib, c.single ? "cublasSgemmStridedBatched"
                                           : "cublasDgemmStridedBatched");
    if (create && setStream && (c.gemm || c.gemmEx) && !create(&c.handle) &&
        !setStream(c.handle, einrt_gpu_stream())) {
      note = "";
      if (timeIt(runCublas, &c, &peer) ||
          einrt_gpu_copy_to_host(theirs, c.out, counts[2] * size, err,
                                 sizeof err))
        failed = 1;
    } else {
      note = "cuBLAS did not initialise";
    }
  }
  double d = 0;
  if (!failed && !*note) {
    d = difference(dtype, mine, theirs, (long)counts[2]);
    double tol = dtype == 1 ? 1e-10 : dtype == 7 ? 1.6e-2 : 4e-3;
    if (!(d <= tol)) {
      snprintf(err, sizeof err, "differs from cuBLAS by %.3g", d);
      failed = 1;
    }
  }
  printf("%s %s: einc %.3f ms (%.2f TFLOP/s)", failed ? "FAIL" : "ok  ", name,
         einc, einc > 0 ? flops / einc / 1e9 : 0);
  if (peer > 0)
    printf(", cublas %.3f ms (%.2f TFLOP/s), einc at %.0f%% of cuBLAS, "
           "max rel difference %.1e",
           peer, flops / peer / 1e9, 100 * peer / einc, d);
  else if (*note)
    printf(", %s", note);
  printf("\n");
  if (failed)
    printf("     %s\n", err);
  free(host);
  free(mine);
  free(theirs);
  einrt_gpu_free(c.in[0]);
  einrt_gpu_free(c.in[1]);
  einrt_gpu_free(c.out);
  *passed += !failed;
  return failed;
}

/* Uniform random values in [-scale, scale). */
static void randomFill(float *data, size_t n, double scale,
                       unsigned long long *state) {
  for (size_t e = 0; e < n; ++e) {
    *state = *state * 6364136223846793005ull + 1442695040888963407ull;
    data[e] =
        (float)(((double)(*state >> 11) / 9007199254740992.0 * 2 - 1) * scale);
  }
}

struct ChainCall {
  Entry whole, step;
  int count;
  size_t bytes;
  void **in, *out, *acc, *host;
};

static int runWhole(void *p) {
  struct ChainCall *c = p;
  return call(c->whole, c->in, c->out);
}

/* One product at a time, each intermediate copied to the host and back
 * (what running the tree op by op without device-resident intermediates
 * costs). */
static int runSteps(void *p) {
  struct ChainCall *c = p;
  void *args[2] = {c->in[0], c->in[1]};
  for (int t = 1; t < c->count; ++t) {
    args[1] = c->in[t];
    if (call(c->step, args, c->out) ||
        einrt_gpu_copy_to_host(c->host, c->out, c->bytes, err, sizeof err) ||
        (t + 1 < c->count &&
         einrt_gpu_copy_to_device(c->acc, c->host, c->bytes, err, sizeof err)))
      return 1;
    args[0] = c->acc;
  }
  return 0;
}

/* chain WHOLE STEP N M EXPR: N matrices of M x M (f32), end to end and
 * step by step. */
static int runChain(char *line, int *passed) {
  char whole[128], step[128];
  int count;
  long long m;
  if (sscanf(line, "chain %127s %127s %d %lld", whole, step, &count, &m) != 4 ||
      count < 2 || count > 64 || m < 1)
    return printf("FAIL bad manifest line: %s", line), 1;
  struct ChainCall c = {lookup(whole), lookup(step), count, 0, 0, 0, 0, 0};
  c.bytes = (size_t)(m * m) * 4;
  void *in[64] = {0};
  c.in = in;
  float *host = malloc(c.bytes), *first = malloc(c.bytes);
  c.host = host;
  int failed = !c.whole || !c.step || !host || !first;
  if (failed)
    snprintf(err, sizeof err, "no entry point %s or %s", whole, step);
  unsigned long long state = 777;
  for (int t = 0; t < count && !failed; ++t) {
    randomFill(host, (size_t)(m * m), sqrt(3.0 / (double)m), &state);
    failed = einrt_gpu_alloc(&in[t], c.bytes, err, sizeof err) ||
             einrt_gpu_copy_to_device(in[t], host, c.bytes, err, sizeof err);
  }
  if (!failed)
    failed = einrt_gpu_alloc(&c.out, c.bytes, err, sizeof err) ||
             einrt_gpu_alloc(&c.acc, c.bytes, err, sizeof err);
  double wholeMs = 0, stepsMs = 0, d = 0;
  if (!failed)
    failed = timeIt(runWhole, &c, &wholeMs) ||
             einrt_gpu_copy_to_host(first, c.out, c.bytes, err, sizeof err) ||
             timeIt(runSteps, &c, &stepsMs);
  if (!failed) {
    d = difference(0, (const char *)first, (const char *)host, (long)(m * m));
    if (!(d <= 1e-3)) {
      snprintf(err, sizeof err, "end to end and step by step differ by %.3g",
               d);
      failed = 1;
    }
  }
  printf("%s %s: %d tensors of %lldx%lld: end to end %.3f ms, op by op "
         "(intermediates through the host) %.3f ms, %.2fx\n",
         failed ? "FAIL" : "ok  ", whole, count, m, m, wholeMs, stepsMs,
         wholeMs > 0 ? stepsMs / wholeMs : 0);
  if (failed)
    printf("     %s\n", err);
  for (int t = 0; t < count; ++t)
    einrt_gpu_free(in[t]);
  einrt_gpu_free(c.out);
  einrt_gpu_free(c.acc);
  free(host);
  free(first);
  *passed += !failed;
  return failed;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: gpu-check DIR [check|bench|all]\n");
    return 2;
  }
  const char *what = argc > 2 ? argv[2] : "all";
  if (einrt_gpu_init(err, sizeof err)) {
    fprintf(stderr, "gpu-check: %s\n", err);
    return 2;
  }
  char device[256] = "", arch[32] = "";
  einrt_gpu_device_name(device, sizeof device, err, sizeof err);
  einrt_gpu_device_arch(arch, sizeof arch, err, sizeof err);
  printf("gpu-check on %s (%s)\n", device, arch);
  char path[4096];
  snprintf(path, sizeof path, "%s/manifest.txt", argv[1]);
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "gpu-check: cannot read %s\n", path);
    return 2;
  }
  char line[8192];
  int passed = 0, failed = 0;
  while (fgets(line, sizeof line, f)) {
    int check = !strncmp(line, "check ", 6);
    if (check && strcmp(what, "bench"))
      failed += runCheck(argv[1], line, &passed);
    else if (!check && strcmp(what, "check"))
      failed += !strncmp(line, "chain ", 6) ? runChain(line, &passed)
                                            : runBench(line, &passed);
    fflush(stdout);
  }
  fclose(f);
  printf("%d passed, %d failed\n", passed, failed);
  return failed != 0;
}
