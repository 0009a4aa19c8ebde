/* keccak: `function hash(bytes data) returns (bytes32)`: Keccak-256 (Ethereum's, 0x01 padding) of `data`. */
#include "verity.h"
#include "verity_abi.h"

#define MAX_INPUT 65536
#define SELECTOR_HASH 0xaa1e84deu /* bytes4(keccak256("hash(bytes)")) */
#define RATE 136                  /* bytes absorbed per permutation for a 256-bit capacity of 512 */

static uint8_t input[MAX_INPUT];

static const uint64_t round_constants[24] = {
    0x0000000000000001ull, 0x0000000000008082ull, 0x800000000000808aull, 0x8000000080008000ull,
    0x000000000000808bull, 0x0000000080000001ull, 0x8000000080008081ull, 0x8000000000008009ull,
    0x000000000000008aull, 0x0000000000000088ull, 0x0000000080008009ull, 0x000000008000000aull,
    0x000000008000808bull, 0x800000000000008bull, 0x8000000000008089ull, 0x8000000000008003ull,
    0x8000000000008002ull, 0x8000000000000080ull, 0x000000000000800aull, 0x800000008000000aull,
    0x8000000080008081ull, 0x8000000000008080ull, 0x0000000080000001ull, 0x8000000080008008ull,
};

/* Rotation offsets r[x + 5y] of the rho step. */
static const uint8_t rho[25] = {0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14};

static uint64_t rotl(uint64_t v, unsigned n) { return n == 0 ? v : (v << n) | (v >> (64 - n)); }

/* The Keccak-f[1600] permutation on lanes a[x + 5y]. */
static void keccak_f(uint64_t a[25]) {
  for (int round = 0; round < 24; round++) {
    uint64_t c[5], b[25];
    for (int x = 0; x < 5; x++) c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
    for (int x = 0; x < 5; x++) {
      uint64_t d = c[(x + 4) % 5] ^ rotl(c[(x + 1) % 5], 1);
      for (int y = 0; y < 25; y += 5) a[x + y] ^= d;
    }
    /* rho and pi: lane (x, y) moves to (y, 2x + 3y). */
    for (int x = 0; x < 5; x++)
      for (int y = 0; y < 5; y++) b[y + 5 * ((2 * x + 3 * y) % 5)] = rotl(a[x + 5 * y], rho[x + 5 * y]);
    for (int y = 0; y < 25; y += 5)
      for (int x = 0; x < 5; x++) a[x + y] = b[x + y] ^ (~b[(x + 1) % 5 + y] & b[(x + 2) % 5 + y]);
    a[0] ^= round_constants[round];
  }
}

static void absorb_block(uint64_t s[25], const uint8_t *block) {
  for (int i = 0; i < RATE / 8; i++) {
    uint64_t lane = 0;
    for (int j = 7; j >= 0; j--) lane = (lane << 8) | block[8 * i + j];
    s[i] ^= lane;
  }
  keccak_f(s);
}

static void keccak256(const uint8_t *data, size_t len, uint8_t out[32]) {
  uint64_t s[25] = {0};
  while (len >= RATE) {
    absorb_block(s, data);
    data += RATE;
    len -= RATE;
  }
  uint8_t last[RATE] = {0};
  for (size_t i = 0; i < len; i++) last[i] = data[i];
  last[len] ^= 0x01;
  last[RATE - 1] ^= 0x80;
  absorb_block(s, last);
  for (int i = 0; i < 32; i++) out[i] = (uint8_t)(s[i / 8] >> (8 * (i % 8)));
}

int main(void) {
  long n = verity_read_input(input, sizeof input);
  if (n < 0) return 3;
  if (n < 4 || vabi_selector(input) != SELECTOR_HASH) return 1;
  const uint8_t *data;
  uint32_t len;
  if (vabi_bytes(input + 4, (size_t)n - 4, 0, &data, &len) != 0) return 2;
  uint8_t digest[32];
  keccak256(data, len, digest);
  verity_write(digest, sizeof digest);
  return 0;
}
