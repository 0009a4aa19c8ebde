/* Loads/stores of every width and signedness, picolibc's malloc, memcpy, memmove, memset, qsort and strings. */
#include <stdlib.h>
#include <string.h>
#include "util.h"

static int cmp(const void *a, const void *b) {
  int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
  return (x > y) - (x < y);
}

static uint8_t global_buf[257];
static int32_t initialized[8] = {5, -3, 9, 0, -100, 42, 7, 7};

int main(void) {
  volatile uint8_t bytes[16];
  for (int i = 0; i < 16; i++) bytes[i] = (uint8_t)(0xf0 + i * 3);
  volatile int8_t *sb = (volatile int8_t *)bytes;
  volatile int16_t *sh = (volatile int16_t *)bytes;
  volatile uint16_t *uh = (volatile uint16_t *)bytes;
  volatile uint32_t *w = (volatile uint32_t *)bytes;
  for (int i = 0; i < 16; i++) put32((uint32_t)(int32_t)sb[i]);
  newline();
  for (int i = 0; i < 8; i++) {
    put32((uint32_t)(int32_t)sh[i]);
    put32(uh[i]);
  }
  newline();
  for (int i = 0; i < 4; i++) put32(w[i]);
  newline();

  for (int i = 0; i < 257; i++) global_buf[i] = (uint8_t)(i * 13);
  memmove(global_buf + 3, global_buf, 200);
  memset(global_buf + 100, 0xaa, 17);
  uint32_t h = 2166136261u;
  for (int i = 0; i < 257; i++) h = (h ^ global_buf[i]) * 16777619u;
  put32(h);

  int32_t *heap = malloc(1000 * sizeof(int32_t));
  if (heap == NULL) return 99;
  uint32_t seed = 1;
  for (int i = 0; i < 1000; i++) {
    seed = seed * 1103515245u + 12345u;
    heap[i] = (int32_t)seed;
  }
  qsort(heap, 1000, sizeof(int32_t), cmp);
  qsort(initialized, 8, sizeof(int32_t), cmp);
  for (int i = 0; i < 8; i++) put32((uint32_t)initialized[i]);
  h = 0;
  for (int i = 0; i < 1000; i++) h = h * 33 + (uint32_t)heap[i];
  put32(h);
  char *s = malloc(64);
  strcpy(s, "verity differential");
  put32((uint32_t)strlen(s));
  put32((uint32_t)(strcmp(s, "verity") > 0));
  put32((uint32_t)(strchr(s, 'd') - s));
  free(s);
  free(heap);
  newline();
  return 0;
}
