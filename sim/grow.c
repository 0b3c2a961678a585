/*
** grow.c — doubling growth of arrays (grow.h).
*/
#include "grow.h"

#include <stdlib.h>

int sim_grow_to(void **arr, uint32_t need, uint32_t *cap, size_t elem,
                uint32_t first) {
  if (need <= *cap) return 0;
  uint32_t ncap = *cap ? *cap : first;
  while (ncap < need) {
    if (ncap > UINT32_MAX / 2) return -1;
    ncap *= 2;
  }
  void *q = realloc(*arr, (size_t)ncap * elem);
  if (!q) return -1;
  *arr = q;
  *cap = ncap;
  return 0;
}
