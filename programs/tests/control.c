/* Control flow: recursion, function pointers, switch tables, setjmp/longjmp, deep stack use. */
#include <setjmp.h>
#include "util.h"

static jmp_buf env;

static uint32_t fib(uint32_t n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static uint32_t ackermann(uint32_t m, uint32_t n) {
  if (m == 0) return n + 1;
  if (n == 0) return ackermann(m - 1, 1);
  return ackermann(m - 1, ackermann(m, n - 1));
}

static int classify(int x) {
  switch (x) {
    case 0: return 11;
    case 1: return 23;
    case 2: return 37;
    case 3: return 41;
    case 4: return 53;
    case 5: return 67;
    case 6: return 79;
    case 7: return 83;
    default: return -1;
  }
}

static void thrower(int depth) {
  if (depth > 0) thrower(depth - 1);
  longjmp(env, 42 + depth); /* the deepest call jumps first */
}

int main(void) {
  put32(fib(20));
  put32(ackermann(2, 3));
  int s = 0;
  for (int i = -2; i < 12; i++) s = s * 3 + classify(i);
  put32((uint32_t)s);
  int r = setjmp(env);
  if (r == 0) thrower(50);
  put32((uint32_t)r);
  volatile uint32_t big[2000];
  for (int i = 0; i < 2000; i++) big[i] = (uint32_t)i * (uint32_t)i;
  uint32_t acc = 0;
  for (int i = 1999; i >= 0; i -= 3) acc ^= big[i];
  put32(acc);
  newline();
  return (int)(fib(12) & 0xff);
}
