/* Integer arithmetic edge cases: M extension (via inline asm so C's UB rules do not apply), shifts, compares. */
#include "util.h"

#define OP(name)                                                              \
  static uint32_t name(uint32_t a, uint32_t b) {                              \
    uint32_t r;                                                               \
    __asm__ volatile(#name " %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));         \
    return r;                                                                 \
  }
OP(mul)
OP(mulh)
OP(mulhu)
OP(mulhsu)
OP(div)
OP(divu)
OP(rem)
OP(remu)
OP(sll)
OP(srl)
OP(sra)
OP(slt)
OP(sltu)

static const uint32_t values[] = {0, 1, 2, 3, 7, 0x7fffffff, 0x80000000, 0x80000001, 0xffffffff, 0xfffffffe, 0x12345678, 0xdeadbeef, 31, 32, 33};

int main(void) {
  uint32_t (*ops[])(uint32_t, uint32_t) = {mul, mulh, mulhu, mulhsu, div, divu, rem, remu, sll, srl, sra, slt, sltu};
  uint32_t acc = 0;
  for (unsigned o = 0; o < sizeof ops / sizeof ops[0]; o++) {
    for (unsigned i = 0; i < sizeof values / sizeof values[0]; i++) {
      for (unsigned j = 0; j < sizeof values / sizeof values[0]; j++) {
        uint32_t r = ops[o](values[i], values[j]);
        put32(r);
        acc = acc * 31 + r;
      }
      newline();
    }
  }
  /* Immediate forms and 64-bit helpers from libgcc. */
  volatile int64_t x = -1234567890123LL, y = 98765;
  put64((uint64_t)(x * y));
  put64((uint64_t)(x / y));
  put64((uint64_t)(x % y));
  put64((uint64_t)((uint64_t)x >> 7));
  put64((uint64_t)(x >> 7));
  put64((uint64_t)(x << 13));
  newline();
  return (int)(acc & 0x7f);
}
