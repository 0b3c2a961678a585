/*
** grow.h — the one way sim/ grows an array (internal to sim/).
**
** Invariants: capacities double from `first`; on failure the array and its
** capacity are unchanged and -1 is returned (the caller reports it); a
** capacity never overflows uint32_t.
*/
#ifndef GCSIM_SIM_GROW_H
#define GCSIM_SIM_GROW_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Reallocate *arr to the first doubling of *cap (or of first) >= need. */
int sim_grow_to(void **arr, uint32_t need, uint32_t *cap, size_t elem,
                uint32_t first);

/* Make *arr (elements of elem bytes, capacity *cap) hold at least need.
   Inline: nearly every call finds the room there (the model and the
   program keep their memory between fuzz inputs). */
static inline int sim_grow(void **arr, uint32_t need, uint32_t *cap,
                           size_t elem, uint32_t first) {
  return need <= *cap ? 0 : sim_grow_to(arr, need, cap, elem, first);
}

/* Memory kept for reuse (sim_reset, program_clear) holds what an earlier
   run left there, which AddressSanitizer cannot tell from live data. The
   sanitizer builds (-DGCSIM_SANITIZE=ON defines GCSIM_SCRIBBLE) fill it
   with 0xa5 bytes, so that code reading it before writing it gets object
   ids far out of range and fails loudly, in tests and fuzzing alike; the
   other builds leave it. Correct code never reads it, so runs are the
   same either way (tests/cross_build.sh compares the two builds). */
static inline void sim_scribble(void *p, size_t n) {
#ifdef GCSIM_SCRIBBLE
  if (p && n) memset(p, 0xa5, n);
#else
  (void)p;
  (void)n;
#endif
}

#endif
