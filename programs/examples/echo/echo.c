/* echo: `function echo(bytes data) returns (bytes)`: returns its argument. */
#include "verity.h"
#include "verity_abi.h"

#define MAX_INPUT 65536
#define SELECTOR_ECHO 0x624fbfdcu /* bytes4(keccak256("echo(bytes)")) */

static uint8_t input[MAX_INPUT];

int main(void) {
  long n = verity_read_input(input, sizeof input);
  if (n < 0) return 3;
  if (n < 4 || vabi_selector(input) != SELECTOR_ECHO) return 1;
  const uint8_t *data;
  uint32_t len;
  if (vabi_bytes(input + 4, (size_t)n - 4, 0, &data, &len) != 0) return 2;

  uint8_t head[64];
  vabi_put_u32(head, 32);
  vabi_put_u32(head + 32, len);
  verity_write(head, sizeof head);
  verity_write(data, len);
  static const uint8_t zeros[32];
  if (len % 32 != 0) verity_write(zeros, 32 - len % 32);
  return 0;
}
