/* Helpers for the differential tests (qemu-riscv32 vs the Verity VM): hex output through verity.h only. */
#ifndef TESTS_UTIL_H
#define TESTS_UTIL_H
#include "verity.h"

static inline void put_str(const char *s) {
  size_t n = 0;
  while (s[n] != 0) n++;
  verity_write(s, n);
}

static inline void put_hex(uint64_t v, int digits) {
  char buf[17];
  for (int i = digits - 1; i >= 0; i--) {
    buf[i] = "0123456789abcdef"[v & 15];
    v >>= 4;
  }
  buf[digits] = ' ';
  verity_write(buf, (size_t)digits + 1);
}

static inline void put32(uint32_t v) { put_hex(v, 8); }
static inline void put64(uint64_t v) { put_hex(v, 16); }
static inline void newline(void) { verity_write("\n", 1); }
#endif
