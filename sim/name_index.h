/*
** name_index.h — the parser's index from names to symbols (internal to
** sim/).
**
** Scenarios that tools write name their objects o0, o1, ... o9999999 and
** name them in order. A hash table of 10^7 names sends every lookup to a
** random place in 128 MB, and at that size those misses made parsing
** superlinear (docs/figures.md, "Scale"). So a name that is a prefix and
** a decimal number is found by its number, in an array of its prefix:
** names used in order then walk memory in order.
**
** Invariants:
**   - Every symbol added is found by its name, and no other name finds it.
**     A symbol is in exactly one place: its prefix's array when its name
**     is PREFIX + a decimal number without leading zeros below 10^9, the
**     prefix has an array, and the number was below 2 * (names of that
**     prefix in the array) + 16 when it was added; the hash table
**     otherwise. A prefix gets an array with its first numbered name while
**     there are fewer than 64 + (names so far) / 8 arrays.
**   - Memory is linear in the number of names, about 100 bytes a name at
**     worst with the program's own: an array's capacity is at most twice
**     2 * its names + 16; the hash table is at most half full; arrays are
**     at most 64 + names / 8.
**   - Plain data, no I/O, no globals: the same names in the same order give
**     the same symbols (the program's interning decides them, not this).
*/
#ifndef GCSIM_SIM_NAME_INDEX_H
#define GCSIM_SIM_NAME_INDEX_H

#include <stdint.h>

#include "gcsim/program.h"

struct name_run;

struct name_index {
  uint32_t *htab; /* 1 + symbol, 0 = empty; open addressing */
  uint32_t hcap, hused;
  struct name_run *runs; /* one per prefix of a numbered name */
  uint32_t nruns, capruns;
  uint32_t *rtab; /* prefixes: 1 + run index, 0 = empty */
  uint32_t rcap;
};

void name_index_init(struct name_index *x);
void name_index_free(struct name_index *x);

/* The symbol of name (a name of p), or UINT32_MAX when it has none. */
uint32_t name_index_find(const struct name_index *x,
                         const struct gcs_program *p, const char *name);

/* Index symbol sym of p, whose name no symbol in x has yet. 0, or -1 when
   out of memory (x still finds every symbol added before). */
int name_index_add(struct name_index *x, const struct gcs_program *p,
                   uint32_t sym);

#endif
