/*===- gpu.h - The Einc runtime's GPU (CUDA driver) C ABI ------*- C -*-===*/
/*
 * Einc runs generated GPU code through the CUDA driver API, loaded at run
 * time: libcuda.so.1 is dlopen'd on first use (or the library that
 * $EINRT_CUDA_DRIVER names), so nothing links against CUDA and a machine
 * without a driver or a device gets an error, not a failed load. Device
 * $EINRT_CUDA_DEVICE (default 0) is used through its primary context.
 *
 * Every function that can fail returns 0 on success, or non-zero with a
 * one-line message in `err` that names the CUDA error ("out of GPU
 * memory: ... (CUDA_ERROR_OUT_OF_MEMORY)").
 */

#ifndef EINRT_GPU_H
#define EINRT_GPU_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Loads the driver, initialises it and makes the device's primary context
 * current on the calling thread. Cheap after the first call. Fails with
 * "no CUDA driver: ..." or "no CUDA device: ..." where there is none. */
int einrt_gpu_init(char *err, size_t errlen);

/* What einrt_gpu_init found: the device's name and its compute capability
 * as LLVM's NVPTX back end spells it ("sm_90"). */
int einrt_gpu_device_name(char *name, size_t namelen, char *err, size_t errlen);
int einrt_gpu_device_arch(char *arch, size_t archlen, char *err, size_t errlen);

/* Device memory. einrt_gpu_alloc of 0 bytes gives a distinct pointer. */
int einrt_gpu_alloc(void **ptr, size_t bytes, char *err, size_t errlen);
void einrt_gpu_free(void *ptr);
int einrt_gpu_copy_to_device(void *dst, const void *src, size_t bytes,
                             char *err, size_t errlen);
int einrt_gpu_copy_to_host(void *dst, const void *src, size_t bytes, char *err,
                           size_t errlen);
int einrt_gpu_memset(void *dst, int value, size_t bytes, char *err,
                     size_t errlen);

/* Generated host code launches kernels through the mgpu* entry points
 * below, which cannot return errors: the first failure is kept for the
 * calling thread, later GPU work of that thread is skipped, and
 * einrt_gpu_take_error waits for the thread's stream, returns that failure
 * (or one the kernels raised) and clears it. */
int einrt_gpu_take_error(char *err, size_t errlen);
/* The same, also storing the program statement (1-based) that raised the
 * error: a decomposition's, or 0 when it came from no statement. */
int einrt_gpu_take_error_at(int64_t *statement, char *err, size_t errlen);

/* Loaded modules are kept in memory by their PTX text, so a kernel's
 * module is loaded once per process. With a cache directory set (the JIT
 * sets one under its on-disk cache), the driver's compiled image of each
 * PTX text is also kept there and loaded by later processes instead of
 * compiling the PTX again. NULL or "" turns the on-disk part off. */
void einrt_gpu_set_cache_dir(const char *dir);
/* How many modules were compiled from PTX, and how many were read from
 * the on-disk cache, since the process started. */
int64_t einrt_gpu_ptx_compiles(void);
int64_t einrt_gpu_disk_loads(void);

/* The calling thread's stream (a CUstream), where generated code
 * launches and the timer records; NULL without a device. For libraries
 * whose work should be ordered with Einc's (cuBLAS in einc bench). */
void *einrt_gpu_stream(void);

/* Times GPU work: einrt_gpu_timer_start records an event on the calling
 * thread's stream, einrt_gpu_timer_stop another, waits for it and stores
 * the milliseconds between the two. */
int einrt_gpu_timer_start(char *err, size_t errlen);
int einrt_gpu_timer_stop(double *ms, char *err, size_t errlen);

/* Decompositions on device memory through cuSOLVER (and cuBLAS for
 * transposes), for generated code: the same arguments and row-major
 * layouts as the einrt_kernel_* entry points of einrt.h, but every pointer
 * is device memory. libcusolver and libcublas are dlopen'd on first use
 * ($EINRT_CUSOLVER and $EINRT_CUBLAS name other libraries). They run on
 * the calling thread's stream and wait for it; a failure (a singular
 * matrix, no cuSOLVER) is kept with `statement` for
 * einrt_gpu_take_error_at, and once a thread has an error they do
 * nothing. eig needs cusolverDnXgeev (CUDA 12.6 and later); its results
 * are complex (w and v of the complex dtype of a's precision). */
int32_t einrt_gpu_kernel_inv(int32_t dtype, int64_t n, const void *a, void *out,
                             int64_t statement);
int32_t einrt_gpu_kernel_det(int32_t dtype, int64_t n, const void *a, void *out,
                             int64_t statement);
int32_t einrt_gpu_kernel_slogdet(int32_t dtype, int64_t n, const void *a,
                                 void *sign, void *logabsdet,
                                 int64_t statement);
int32_t einrt_gpu_kernel_cholesky(int32_t dtype, int64_t n, const void *a,
                                  void *out, int64_t statement);
int32_t einrt_gpu_kernel_solve(int32_t dtype, int64_t n, int64_t nrhs,
                               const void *a, const void *b, void *x,
                               int64_t statement);
int32_t einrt_gpu_kernel_svd(int32_t dtype, int64_t m, int64_t n, const void *a,
                             void *u, void *s, void *vt, int64_t statement);
int32_t einrt_gpu_kernel_svd_cutoff(int32_t dtype, int64_t m, int64_t n,
                                    const void *a, void *u, void *s, void *vt,
                                    double cutoff, int64_t statement);
int32_t einrt_gpu_kernel_qr(int32_t dtype, int64_t m, int64_t n, const void *a,
                            void *q, void *r, int64_t statement);
int32_t einrt_gpu_kernel_lstsq(int32_t dtype, int64_t m, int64_t n,
                               int64_t nrhs, const void *a, const void *b,
                               void *x, int64_t statement);
int32_t einrt_gpu_kernel_eig(int32_t dtype, int64_t n, const void *a, void *w,
                             void *v, int64_t statement);
int32_t einrt_gpu_kernel_eigh(int32_t dtype, int64_t n, const void *a, void *w,
                              void *v, int64_t statement);

/* Runs `load` (the function that loads a compiled program's kernels)
 * the first time a call of the program reaches it, under a lock: later
 * calls only read `*guard`. The JIT makes the program's entry call it,
 * instead of loading the kernels when the code is linked. */
void einrt_gpu_load_once(int64_t *guard, void (*load)(void));

/* The entry points that MLIR's gpu-to-llvm lowering and gpu.binary
 * translation call, with MLIR's own signatures. */
void *mgpuModuleLoadJIT(void *data, int optLevel);
void mgpuModuleUnload(void *module);
void *mgpuModuleGetFunction(void *module, const char *name);
void *mgpuStreamCreate(void);
void mgpuStreamDestroy(void *stream);
void mgpuStreamSynchronize(void *stream);
void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t smem, void *stream,
                      void **params, void **extra, size_t paramsCount);
void *mgpuMemAlloc(uint64_t bytes, void *stream, int8_t isHostShared);
void mgpuMemFree(void *ptr, void *stream);

#ifdef __cplusplus
}

namespace einrt {
/// For C++ callers: device memory (from einrt_gpu_alloc) freed when it
/// goes out of scope.
struct DeviceBuffer {
  void *data = nullptr;
  DeviceBuffer() = default;
  DeviceBuffer(const DeviceBuffer &) = delete;
  DeviceBuffer &operator=(const DeviceBuffer &) = delete;
  ~DeviceBuffer() { einrt_gpu_free(data); }
};
} // namespace einrt
#endif

#endif /* EINRT_GPU_H */
