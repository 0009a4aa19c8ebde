#include "verity.h"
int main(void) { verity_write("hello\n", 6); return 3; }
