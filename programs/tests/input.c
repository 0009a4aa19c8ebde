/* Reads the whole input (short reads), writes it reversed, then its length and FNV-1a hash; exit code = length % 256. */
#include "util.h"

static uint8_t buf[100000];

int main(void) {
  long n = verity_read_input(buf, sizeof buf);
  if (n < 0) return 200;
  for (long i = 0; i < n / 2; i++) {
    uint8_t t = buf[i];
    buf[i] = buf[n - 1 - i];
    buf[n - 1 - i] = t;
  }
  verity_write(buf, (size_t)n);
  newline();
  uint32_t h = 2166136261u;
  for (long i = 0; i < n; i++) h = (h ^ buf[i]) * 16777619u;
  put32((uint32_t)n);
  put32(h);
  newline();
  return (int)(n % 256);
}
