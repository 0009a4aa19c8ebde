/*
 * matmul: `function multiply(uint32 n, int32[] a, int32[] b) returns (int64[] c)`.
 * a and b are n x n matrices in row-major order (n <= 32); c = a * b with 64-bit two's complement
 * wrapping sums of exact 64-bit products.
 */
#include "verity.h"
#include "verity_abi.h"

#define MAX_N 32
#define MAX_INPUT (4 + 3 * 32 + 2 * (32 + MAX_N * MAX_N * 32))
#define SELECTOR_MULTIPLY 0xbc022abeu /* bytes4(keccak256("multiply(uint32,int32[],int32[])")) */

static uint8_t input[MAX_INPUT];
static int32_t a[MAX_N * MAX_N], b[MAX_N * MAX_N];
static uint8_t out[MAX_N * 32];

static int decode_matrix(const uint8_t *args, size_t argsLen, size_t index, uint32_t n, int32_t *m) {
  const uint8_t *elems;
  uint32_t count;
  if (vabi_array(args, argsLen, index, &elems, &count) != 0 || count != n * n) return -1;
  for (uint32_t i = 0; i < count; i++)
    if (vabi_get_i32(elems + 32 * i, &m[i]) != 0) return -1;
  return 0;
}

int main(void) {
  long len = verity_read_input(input, sizeof input);
  if (len < 0) return 3;
  if (len < 4 || vabi_selector(input) != SELECTOR_MULTIPLY) return 1;
  const uint8_t *args = input + 4;
  size_t argsLen = (size_t)len - 4;
  uint32_t n;
  if (argsLen < 96 || vabi_get_u32(args, &n) != 0 || n > MAX_N) return 2;
  if (decode_matrix(args, argsLen, 1, n, a) != 0 || decode_matrix(args, argsLen, 2, n, b) != 0) return 2;

  uint8_t head[64];
  vabi_put_u32(head, 32);
  vabi_put_u32(head + 32, n * n);
  verity_write(head, sizeof head);
  for (uint32_t i = 0; i < n; i++) {
    for (uint32_t j = 0; j < n; j++) {
      uint64_t sum = 0;
      for (uint32_t k = 0; k < n; k++) sum += (uint64_t)((int64_t)a[i * n + k] * (int64_t)b[k * n + j]);
      vabi_put_i64(out + 32 * j, (int64_t)sum);
    }
    verity_write(out, 32 * n);
  }
  return 0;
}
