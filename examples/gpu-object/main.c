/* Links the host object einc generates for a GPU into a plain C program:
 *   einc 'ij,jk->ik' --target nvptx --gpu-arch sm_90 --emit obj -o matmul.o \
 *        --name matmul
 *   einc 'ij,jk->ik' --target nvptx --emit header -o matmul.h --name matmul
 *   cc -I$EINC/runtime/include main.c matmul.o $BUILD/runtime/libEinRuntime.a \
 *      -ldl -lstdc++ -lm -lpthread -o matmul && ./matmul
 * The object holds the kernels' PTX; the CUDA driver is loaded at run time
 * (libcuda.so.1), so the program builds on any machine and, without a GPU,
 * says why it cannot run. */
#include "matmul.h"

#include "einrt/gpu.h"

#include <stdio.h>

int main(void) {
  float a[2 * 3] = {1, 2, 3, 4, 5, 6};
  float b[3 * 2] = {7, 8, 9, 10, 11, 12};
  float c[2 * 2] = {0};
  char err[512];
  void *da = 0, *db = 0, *dc = 0;
  if (einrt_gpu_alloc(&da, sizeof a, err, sizeof err) ||
      einrt_gpu_alloc(&db, sizeof b, err, sizeof err) ||
      einrt_gpu_alloc(&dc, sizeof c, err, sizeof err) ||
      einrt_gpu_copy_to_device(da, a, sizeof a, err, sizeof err) ||
      einrt_gpu_copy_to_device(db, b, sizeof b, err, sizeof err)) {
    fprintf(stderr, "matmul: %s\n", err);
    return 2;
  }
  matmul(da, db, dc, 2, 3, 2);
  if (einrt_gpu_take_error(err, sizeof err) ||
      einrt_gpu_copy_to_host(c, dc, sizeof c, err, sizeof err)) {
    fprintf(stderr, "matmul: %s\n", err);
    return 2;
  }
  einrt_gpu_free(da);
  einrt_gpu_free(db);
  einrt_gpu_free(dc);
  printf("%g %g\n%g %g\n", c[0], c[1], c[2], c[3]);
  return !(c[0] == 58 && c[1] == 64 && c[2] == 139 && c[3] == 154);
}
