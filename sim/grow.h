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

/* Make *arr (elements of elem bytes, capacity *cap) hold at least need. */
int sim_grow(void **arr, uint32_t need, uint32_t *cap, size_t elem,
             uint32_t first);

#endif
