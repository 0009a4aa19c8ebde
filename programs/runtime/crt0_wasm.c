/* Start code of the wasm32 native image: the host calls the exported `_start`, which runs main() and
 * exits with its result through the "verity" import (the host unwinds on exit). */
#include "verity.h"

int main(void);

/* picolibc/wasi-libc call _exit on abort paths; route it to the host's exit. */
__attribute__((noreturn)) void _Exit(int code) { verity_exit(code); }

__attribute__((export_name("_start"))) void _start(void) { verity_exit(main()); }
