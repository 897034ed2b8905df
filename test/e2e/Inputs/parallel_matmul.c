/* Calls a 128x256 @ 256x64 matmul compiled with --openmp and checks it
 * against a plain loop nest. */
#include "pmatmul.h"

#include <math.h>
#include <stdio.h>

static float a[128 * 256], b[256 * 64], c[128 * 64];

int main(void) {
  for (int i = 0; i < 128 * 256; ++i)
    a[i] = (float)((i * 7) % 13) - 6.0f;
  for (int i = 0; i < 256 * 64; ++i)
    b[i] = (float)((i * 5) % 11) - 5.0f;
  pmatmul(a, b, c);
  for (int i = 0; i < 128; ++i)
    for (int j = 0; j < 64; ++j) {
      float want = 0;
      for (int k = 0; k < 256; ++k)
        want += a[i * 256 + k] * b[k * 64 + j];
      if (fabsf(c[i * 64 + j] - want) > 1e-3f) {
        printf("c[%d][%d] = %g, want %g\n", i, j, c[i * 64 + j], want);
        return 1;
      }
    }
  printf("ok\n");
  return 0;
}
