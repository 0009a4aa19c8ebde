/* Soft-float (libgcc) on RV32IM: basic operations, conversions and comparisons, printed as bit patterns. */
#include "util.h"

static uint64_t dbits(double d) {
  union { double d; uint64_t u; } v = {.d = d};
  return v.u;
}
static uint32_t fbits(float f) {
  union { float f; uint32_t u; } v = {.f = f};
  return v.u;
}

int main(void) {
  volatile double a[] = {1.0, -2.5, 3.141592653589793, 1e-300, 1e300, 0.1, -0.0, 123456789.125};
  const int n = sizeof a / sizeof a[0];
  for (int i = 0; i < n; i++) {
    for (int j = 0; j < n; j++) {
      put64(dbits(a[i] + a[j]));
      put64(dbits(a[i] * a[j]));
      put64(dbits(a[i] - a[j]));
      if (a[j] != 0.0) put64(dbits(a[i] / a[j]));
      put32((uint32_t)(a[i] < a[j]) | (uint32_t)(a[i] == a[j]) << 1);
    }
    newline();
    put32(fbits((float)a[i]));
    put32((uint32_t)(int32_t)(a[i] > 2e9 || a[i] < -2e9 ? 0 : a[i]));
    put64(dbits((double)(float)a[i] * 3.0f));
    newline();
  }
  volatile float f = 1.0f;
  for (int i = 0; i < 100; i++) f = f * 1.1f + 0.3f;
  put32(fbits(f));
  volatile double s = 0;
  for (int i = 1; i <= 1000; i++) s += 1.0 / (double)i;
  put64(dbits(s));
  newline();
  return 7;
}
