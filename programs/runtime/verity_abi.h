/*
 * verity_abi.h: small strict helpers to decode Solidity ABI calldata and encode return values in C.
 * Calldata is `selector(4) || head words || tail`; all words are 32 bytes, big-endian. Decoders return 0 on
 * success and -1 on malformed data (out of bounds, non-canonical high bytes), so programs can reject bad input
 * deterministically instead of reading garbage.
 */
#ifndef VERITY_ABI_H
#define VERITY_ABI_H

#include <stddef.h>
#include <stdint.h>

/* The 4-byte function selector at the start of calldata, big-endian. */
static inline uint32_t vabi_selector(const uint8_t *calldata) {
  return ((uint32_t)calldata[0] << 24) | ((uint32_t)calldata[1] << 16) | ((uint32_t)calldata[2] << 8) | calldata[3];
}

/* Decodes a word holding a uint32 (the 28 high bytes must be zero). */
static inline int vabi_get_u32(const uint8_t *w, uint32_t *out) {
  for (int i = 0; i < 28; i++)
    if (w[i] != 0) return -1;
  *out = ((uint32_t)w[28] << 24) | ((uint32_t)w[29] << 16) | ((uint32_t)w[30] << 8) | w[31];
  return 0;
}

/* Decodes a word holding an int32 (the 28 high bytes must be its sign extension). */
static inline int vabi_get_i32(const uint8_t *w, int32_t *out) {
  uint32_t v = ((uint32_t)w[28] << 24) | ((uint32_t)w[29] << 16) | ((uint32_t)w[30] << 8) | w[31];
  uint8_t ext = (v & 0x80000000u) ? 0xff : 0x00;
  for (int i = 0; i < 28; i++)
    if (w[i] != ext) return -1;
  *out = (int32_t)v;
  return 0;
}

/* Encodes a uint64 as a word. */
static inline void vabi_put_u64(uint8_t *w, uint64_t v) {
  for (int i = 0; i < 24; i++) w[i] = 0;
  for (int i = 0; i < 8; i++) w[31 - i] = (uint8_t)(v >> (8 * i));
}

/* Encodes an int64 as a sign-extended word. */
static inline void vabi_put_i64(uint8_t *w, int64_t v) {
  uint8_t ext = v < 0 ? 0xff : 0x00;
  for (int i = 0; i < 24; i++) w[i] = ext;
  for (int i = 0; i < 8; i++) w[31 - i] = (uint8_t)((uint64_t)v >> (8 * i));
}

/* Encodes a uint32 as a word. */
static inline void vabi_put_u32(uint8_t *w, uint32_t v) { vabi_put_u64(w, v); }

/*
 * Locates the dynamic value whose offset is head word `index` of `args` (the calldata after the selector):
 * sets *data to its first content byte (after the length word) and *len to the length word's value.
 * Checks only that the offset and length words are in bounds; callers check the content size.
 */
static inline int vabi_dynamic(const uint8_t *args, size_t argsLen, size_t index, const uint8_t **data, uint32_t *len) {
  uint32_t off;
  if ((index + 1) * 32 > argsLen || vabi_get_u32(args + index * 32, &off) != 0) return -1;
  if ((size_t)off > argsLen || argsLen - off < 32 || vabi_get_u32(args + off, len) != 0) return -1;
  *data = args + off + 32;
  return 0;
}

/* Decodes `bytes` at head word `index`: content bounds checked against `argsLen`. */
static inline int vabi_bytes(const uint8_t *args, size_t argsLen, size_t index, const uint8_t **data, uint32_t *len) {
  if (vabi_dynamic(args, argsLen, index, data, len) != 0) return -1;
  return (size_t)(args + argsLen - *data) >= (size_t)*len ? 0 : -1;
}

/* Decodes a dynamic array of one-word elements at head word `index`: *elems points at the first element word. */
static inline int vabi_array(const uint8_t *args, size_t argsLen, size_t index, const uint8_t **elems, uint32_t *count) {
  if (vabi_dynamic(args, argsLen, index, elems, count) != 0) return -1;
  return (size_t)(args + argsLen - *elems) / 32 >= (size_t)*count ? 0 : -1;
}

#endif /* VERITY_ABI_H */
