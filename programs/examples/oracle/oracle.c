/*
 * oracle: `function read(bytes32 key, uint32 offset, uint32 len) returns (bytes)`.
 * Selects the data-oracle blob named by `key` (docs/protocol.md §1.9) and returns its bytes [offset, offset+len),
 * fewer at the end of the blob; len <= 4096. An unknown key type halts BadOracleKey on both targets.
 */
#include "verity.h"
#include "verity_abi.h"

#define MAX_LEN 4096
#define SELECTOR_READ 0x6abbcaffu /* bytes4(keccak256("read(bytes32,uint32,uint32)")) */

static uint8_t input[4 + 3 * 32];
static uint8_t data[MAX_LEN + 32];

int main(void) {
  long n = verity_read_input(input, sizeof input);
  if (n < 0) return 3;
  if (n < 4 || vabi_selector(input) != SELECTOR_READ) return 1;
  if (n != (long)sizeof input) return 2;
  uint32_t offset, len;
  if (vabi_get_u32(input + 36, &offset) != 0 || vabi_get_u32(input + 68, &len) != 0 || len > MAX_LEN) return 2;

  verity_oracle_select(input + 4); /* not 32-aligned here: verity.h copies it to an aligned buffer */
  size_t got = verity_oracle_read(data, len, offset);

  uint8_t head[64];
  vabi_put_u32(head, 32);
  vabi_put_u32(head + 32, (uint32_t)got);
  verity_write(head, sizeof head);
  for (size_t i = got; i % 32 != 0; i++) data[i] = 0;
  verity_write(data, (got + 31) / 32 * 32);
  return 0;
}
