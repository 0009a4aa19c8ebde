/*
 * loop: `function spin(uint32 iterations) returns (uint32 checksum)`.
 * A CPU-bound integer kernel whose length is set by its input, so one image serves benchmarks from 10^6 to 10^9+
 * VM steps. Each round mixes ALU ops, a multiply, and a data-dependent load/store in a 1 KiB table, so the compiler
 * can neither vectorize nor fold the loop. Only read/write/exit: it runs unchanged under qemu-riscv32.
 */
#include "verity.h"
#include "verity_abi.h"

#define SELECTOR_SPIN 0x4a0fcfd4u /* bytes4(keccak256("spin(uint32)")) */

static uint32_t table[256];

int main(void) {
  uint8_t input[36];
  long n = verity_read_input(input, sizeof input);
  if (n != (long)sizeof input || vabi_selector(input) != SELECTOR_SPIN) return 1;
  uint32_t iterations;
  if (vabi_get_u32(input + 4, &iterations) != 0) return 2;

  for (uint32_t i = 0; i < 256; i++) table[i] = i * 0x9e3779b9u;
  uint32_t x = 0x12345678u, acc = 0;
  for (uint32_t i = 0; i < iterations; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    uint32_t j = x & 255u;
    uint32_t t = table[j];
    acc = acc * 0x01000193u + (t ^ x);
    table[j] = t + acc;
  }

  uint8_t out[32];
  vabi_put_u32(out, acc);
  verity_write(out, sizeof out);
  return 0;
}
