// Uniform random choices with the platform's cryptographic generator (WebCrypto: Node 20 and browsers).

/** A uniform integer in [0, n) without modulo bias. */
export function randomInt(n: number): number {
  if (!Number.isInteger(n) || n <= 0 || n > 2 ** 32) throw new RangeError(`randomInt needs 1 <= n <= 2^32, got ${n}`);
  const limit = 2 ** 32 - (2 ** 32 % n);
  const buf = new Uint32Array(1);
  for (;;) {
    globalThis.crypto.getRandomValues(buf);
    const x = buf[0] as number;
    if (x < limit) return x % n;
  }
}

/** A uniform number in [0, 1) with 53 random bits. */
export function randomUnit(): number {
  const buf = new Uint32Array(2);
  globalThis.crypto.getRandomValues(buf);
  return ((buf[0] as number) * 2 ** 21 + ((buf[1] as number) >>> 11)) / 2 ** 53;
}

/** A uniformly random permutation of `items` (Fisher-Yates). */
export function shuffle<T>(items: readonly T[]): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
