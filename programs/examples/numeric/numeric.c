/*
 * numeric: `function infer(int32[] x) returns (uint64[] y)`: a small float64 MLP.
 *   x: 16 inputs in 16.16 fixed point (value = x / 65536);
 *   y: the IEEE-754 bit patterns of 8 softmax probabilities.
 * Network: dense 16->64, tanh, layer norm, dense 64->8, softmax. Weights come from a fixed xorshift stream.
 *
 * Determinism between the RV32IM build (soft-float, libgcc) and the wasm32 build (hardware f64): only IEEE
 * basic operations (+ - * /) and exact int<->double conversions are used, which are correctly rounded on both;
 * exp and sqrt are implemented below from those (no libm); -ffp-contract=off forbids fused multiply-add; no
 * value can become NaN (inputs are finite and exp's argument is clamped), whose bit pattern could differ.
 */
#include "verity.h"
#include "verity_abi.h"

#define N_IN 16
#define N_HID 64
#define N_OUT 8
#define MAX_INPUT (4 + 32 + 32 + N_IN * 32)
#define SELECTOR_INFER 0xee9d6d65u /* bytes4(keccak256("infer(int32[])")) */

static uint8_t input[MAX_INPUT];
static double w1[N_HID][N_IN], b1[N_HID], w2[N_OUT][N_HID], b2[N_OUT];

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

/* Uniform double in [-1, 1), exactly representable (53 random bits). */
static double rng_uniform(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return (double)(int64_t)(rng_state >> 11) * 0x1p-52 - 1.0;
}

static uint64_t bits_of(double d) {
  union { double d; uint64_t u; } v = {.d = d};
  return v.u;
}

static double from_bits(uint64_t u) {
  union { uint64_t u; double d; } v = {.u = u};
  return v.d;
}

/* e^x for finite x, clamped to [-700, 700]: x = k ln2 + r with |r| <= ln2/2, e^r by Taylor series, times 2^k. */
static double my_exp(double x) {
  if (x > 700.0) x = 700.0;
  if (x < -700.0) x = -700.0;
  const double ln2_hi = 6.93147180369123816490e-01; /* high bits of ln 2: k * ln2_hi is exact */
  const double ln2_lo = 1.90821492927058770002e-10;
  double t = x * 1.44269504088896338700e+00 + (x >= 0 ? 0.5 : -0.5);
  int32_t k = (int32_t)t; /* truncation toward zero after the +-0.5: round half away from zero */
  double r = (x - (double)k * ln2_hi) - (double)k * ln2_lo;
  double term = 1.0, sum = 1.0;
  for (int i = 1; i <= 14; i++) {
    term = term * r / (double)i;
    sum = sum + term;
  }
  return sum * from_bits((uint64_t)(k + 1023) << 52);
}

/* sqrt(x) for x >= 0: exponent-halving first guess, then Newton steps. */
static double my_sqrt(double x) {
  if (x <= 0.0) return 0.0;
  uint64_t u = bits_of(x);
  double y = from_bits(((u >> 1) + (0x3ffull << 51)) & 0x7fffffffffffffffull);
  for (int i = 0; i < 8; i++) y = 0.5 * (y + x / y);
  return y;
}

static double my_tanh(double z) { return 1.0 - 2.0 / (my_exp(2.0 * z) + 1.0); }

int main(void) {
  long len = verity_read_input(input, sizeof input);
  if (len < 0) return 3;
  if (len < 4 || vabi_selector(input) != SELECTOR_INFER) return 1;
  const uint8_t *elems;
  uint32_t count;
  if (vabi_array(input + 4, (size_t)len - 4, 0, &elems, &count) != 0 || count != N_IN) return 2;
  double x[N_IN];
  for (int i = 0; i < N_IN; i++) {
    int32_t v;
    if (vabi_get_i32(elems + 32 * i, &v) != 0) return 2;
    x[i] = (double)v / 65536.0;
  }

  for (int j = 0; j < N_HID; j++) {
    for (int i = 0; i < N_IN; i++) w1[j][i] = rng_uniform() * 0.25;
    b1[j] = rng_uniform() * 0.1;
  }
  for (int j = 0; j < N_OUT; j++) {
    for (int i = 0; i < N_HID; i++) w2[j][i] = rng_uniform() * 0.125;
    b2[j] = rng_uniform() * 0.1;
  }

  double h[N_HID], mean = 0.0, var = 0.0;
  for (int j = 0; j < N_HID; j++) {
    double acc = b1[j];
    for (int i = 0; i < N_IN; i++) acc = acc + w1[j][i] * x[i];
    h[j] = my_tanh(acc);
    mean = mean + h[j];
  }
  mean = mean / N_HID;
  for (int j = 0; j < N_HID; j++) var = var + (h[j] - mean) * (h[j] - mean);
  double inv_std = 1.0 / my_sqrt(var / N_HID + 1e-5);
  for (int j = 0; j < N_HID; j++) h[j] = (h[j] - mean) * inv_std;

  double logits[N_OUT], max = -1e300, total = 0.0;
  for (int j = 0; j < N_OUT; j++) {
    double acc = b2[j];
    for (int i = 0; i < N_HID; i++) acc = acc + w2[j][i] * h[i];
    logits[j] = acc;
    if (acc > max) max = acc;
  }
  for (int j = 0; j < N_OUT; j++) {
    logits[j] = my_exp(logits[j] - max);
    total = total + logits[j];
  }

  uint8_t out[64 + N_OUT * 32];
  vabi_put_u32(out, 32);
  vabi_put_u32(out + 32, N_OUT);
  for (int j = 0; j < N_OUT; j++) vabi_put_u64(out + 64 + 32 * j, bits_of(logits[j] / total));
  verity_write(out, sizeof out);
  return 0;
}
