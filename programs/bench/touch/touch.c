/*
 * touch: `function touch(uint32 bytes) returns (uint32 leaves)`.
 * Writes one word into every 32-byte Merkle leaf of the first `bytes` bytes (at most 64 MiB) of a static area, so
 * that the next state hash has to hash all of them: the worst case of a checkpoint after a memory-heavy run.
 */
#include "verity.h"
#include "verity_abi.h"

#define SELECTOR_TOUCH 0xaef0ed8eu /* bytes4(keccak256("touch(uint32)")) */
#define AREA_BYTES (64u << 20)

static uint32_t area[AREA_BYTES / 4];

int main(void) {
  uint8_t input[36];
  long n = verity_read_input(input, sizeof input);
  if (n != (long)sizeof input || vabi_selector(input) != SELECTOR_TOUCH) return 1;
  uint32_t bytes;
  if (vabi_get_u32(input + 4, &bytes) != 0 || bytes > AREA_BYTES) return 2;

  uint32_t leaves = bytes / 32;
  for (uint32_t i = 0; i < leaves; i++) area[i * 8] = i + 1;
  /* The area is never read back: tell the compiler its stores are observable so they are not removed. */
  __asm__ volatile("" : : "r"(area) : "memory");

  uint8_t out[32];
  vabi_put_u32(out, leaves);
  verity_write(out, sizeof out);
  return 0;
}
