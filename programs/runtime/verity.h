/*
 * verity.h: the runtime interface for Verity service programs.
 *
 * One C source builds to two targets:
 *   - the proving image (RV32IM ELF): I/O through `ecall` with the Linux RISC-V numbers of
 *     docs/protocol.md §1.5, so a program that uses no oracle also runs under qemu-riscv32;
 *   - the native image (wasm32): I/O through functions imported from the module "verity",
 *     supplied by the provider (@verity/native).
 *
 * The program's input is the full calldata of the service method call (4-byte selector + ABI-encoded
 * arguments); its output is the ABI encoding of the return values. `main` takes no arguments; its return
 * value is the exit code. Only exit code 0 with status Exited counts as a successful call.
 *
 * Transfers may be short on both targets (the VM moves at most one 32-byte leaf per step); the helpers
 * below loop until done.
 */
#ifndef VERITY_H
#define VERITY_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Oracle key types (docs/protocol.md §1.9): byte 0 of a 32-byte key. */
#define VERITY_ORACLE_KECCAK 1
#define VERITY_ORACLE_MERKLE 2

#if defined(__riscv)

/* ---------------------------------------------------------------- RV32IM back end (ecall) */

#define VERITY_SYS_READ 63
#define VERITY_SYS_WRITE 64
#define VERITY_SYS_EXIT 93
#define VERITY_SYS_ORACLE_SELECT 1000
#define VERITY_SYS_ORACLE_READ 1001

static inline long verity__ecall3(long n, long a, long b, long c) {
  register long a0 __asm__("a0") = a;
  register long a1 __asm__("a1") = b;
  register long a2 __asm__("a2") = c;
  register long a7 __asm__("a7") = n;
  __asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a7) : "memory");
  return a0;
}

/* One (possibly short) read of input bytes; returns the count, 0 at the end of the input. */
static inline size_t verity_read_some(void *buf, size_t len) {
  long n = verity__ecall3(VERITY_SYS_READ, 0, (long)buf, (long)len);
  return n < 0 ? 0 : (size_t)n;
}

/* One (possibly short) write of output bytes; returns the count written. */
static inline size_t verity_write_some(const void *buf, size_t len) {
  long n = verity__ecall3(VERITY_SYS_WRITE, 1, (long)buf, (long)len);
  return n < 0 ? 0 : (size_t)n;
}

/* Writes diagnostics to stderr (discarded by the VM, ignored by the native runner). */
static inline void verity_log(const void *buf, size_t len) {
  (void)verity__ecall3(VERITY_SYS_WRITE, 2, (long)buf, (long)len);
}

/* Selects the oracle blob named by a 32-byte key (copied to a 32-aligned buffer as the VM requires). */
static inline void verity_oracle_select(const uint8_t key[32]) {
  _Alignas(32) uint8_t k[32];
  for (int i = 0; i < 32; i++) k[i] = key[i];
  (void)verity__ecall3(VERITY_SYS_ORACLE_SELECT, (long)k, 0, 0);
}

/* One (possibly short) read of the selected blob at `offset`; returns the count, 0 past the end. */
static inline size_t verity_oracle_read_some(void *dst, size_t len, size_t offset) {
  long n = verity__ecall3(VERITY_SYS_ORACLE_READ, (long)dst, (long)len, (long)offset);
  return n < 0 ? 0 : (size_t)n;
}

/* Halts the machine with status Exited and the given exit code. */
static inline __attribute__((noreturn)) void verity_exit(int code) {
  for (;;) (void)verity__ecall3(VERITY_SYS_EXIT, code, 0, 0);
}

#elif defined(__wasm__)

/* ---------------------------------------------------------------- wasm32 back end (host imports) */

#define VERITY__IMPORT(name) __attribute__((import_module("verity"), import_name(name)))

VERITY__IMPORT("read_input") int32_t verity__read_input(void *buf, uint32_t len);
VERITY__IMPORT("write_output") int32_t verity__write_output(const void *buf, uint32_t len);
VERITY__IMPORT("log") void verity__log(const void *buf, uint32_t len);
VERITY__IMPORT("oracle_select") int32_t verity__oracle_select(const void *key);
VERITY__IMPORT("oracle_read") int32_t verity__oracle_read(void *dst, uint32_t len, uint32_t offset);
VERITY__IMPORT("exit") __attribute__((noreturn)) void verity__exit(int32_t code);

/* One (possibly short) read of input bytes; returns the count, 0 at the end of the input. */
static inline size_t verity_read_some(void *buf, size_t len) {
  int32_t n = verity__read_input(buf, (uint32_t)len);
  return n < 0 ? 0 : (size_t)n;
}

/* One (possibly short) write of output bytes; returns the count written. */
static inline size_t verity_write_some(const void *buf, size_t len) {
  int32_t n = verity__write_output(buf, (uint32_t)len);
  return n < 0 ? 0 : (size_t)n;
}

/* Writes diagnostics to stderr (discarded by the VM, ignored by the native runner). */
static inline void verity_log(const void *buf, size_t len) { verity__log(buf, (uint32_t)len); }

/* Selects the oracle blob named by a 32-byte key. */
static inline void verity_oracle_select(const uint8_t key[32]) { (void)verity__oracle_select(key); }

/* One (possibly short) read of the selected blob at `offset`; returns the count, 0 past the end. */
static inline size_t verity_oracle_read_some(void *dst, size_t len, size_t offset) {
  int32_t n = verity__oracle_read(dst, (uint32_t)len, (uint32_t)offset);
  return n < 0 ? 0 : (size_t)n;
}

/* Halts the machine with status Exited and the given exit code. */
static inline __attribute__((noreturn)) void verity_exit(int code) { verity__exit(code); }

#else
#error "verity.h: unsupported target (build for riscv32 or wasm32)"
#endif

/* ---------------------------------------------------------------- target-independent helpers */

/*
 * Reads the whole input into `buf` (capacity `cap`), looping over short reads.
 * Returns the input length, or -1 if the input is longer than `cap` (then `buf` holds its first `cap` bytes).
 */
static inline long verity_read_input(void *buf, size_t cap) {
  uint8_t *p = (uint8_t *)buf;
  size_t total = 0;
  while (total < cap) {
    size_t n = verity_read_some(p + total, cap - total);
    if (n == 0) return (long)total;
    total += n;
  }
  uint8_t probe;
  return verity_read_some(&probe, 1) == 0 ? (long)total : -1;
}

/* Writes all `len` bytes of `buf` to the output, looping over short writes. */
static inline void verity_write(const void *buf, size_t len) {
  const uint8_t *p = (const uint8_t *)buf;
  while (len > 0) {
    size_t n = verity_write_some(p, len);
    if (n == 0) verity_exit(255); /* cannot happen: the VM halts on an over-limit write */
    p += n;
    len -= n;
  }
}

/*
 * Reads up to `len` bytes of the selected oracle blob starting at `offset`, looping over short reads.
 * Returns the count read (less than `len` only at the end of the blob).
 */
static inline size_t verity_oracle_read(void *dst, size_t len, size_t offset) {
  uint8_t *p = (uint8_t *)dst;
  size_t total = 0;
  while (total < len) {
    size_t n = verity_oracle_read_some(p + total, len - total, offset + total);
    if (n == 0) break;
    total += n;
  }
  return total;
}

#ifdef __cplusplus
}
#endif

#endif /* VERITY_H */
