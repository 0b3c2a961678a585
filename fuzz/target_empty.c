/*
** target_empty.c — an empty libFuzzer target, built as gcsim-fuzz is: the
** baseline of bench/fuzz_rate.sh (what libFuzzer itself costs).
*/
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  (void)data;
  (void)size;
  return 0;
}
