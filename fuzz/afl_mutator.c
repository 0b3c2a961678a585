/*
** afl_mutator.c — the structure-aware mutator (fuzz/mutator.c) as an
** AFL++ custom mutator: libgcsim-afl-mutator.so, loaded by afl-fuzz with
** AFL_CUSTOM_MUTATOR_LIBRARY. afl-fuzz keeps its own havoc mutations too
** (unless AFL_CUSTOM_MUTATOR_ONLY=1); with another queue entry (add_buf)
** one call in three splices statements from it.
**
** Deterministic: the n-th call's seed derives from afl-fuzz's seed and n.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gcsim/mutator.h"

struct afl_gcsim {
  struct mutator m;
  uint8_t *out;
  size_t cap;
  uint32_t seed;
  uint64_t calls;
};

void *afl_custom_init(void *afl, unsigned int seed);
size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size,
                       uint8_t **out_buf, uint8_t *add_buf,
                       size_t add_buf_size, size_t max_size);
void afl_custom_deinit(void *data);

void *afl_custom_init(void *afl, unsigned int seed) {
  (void)afl;
  struct afl_gcsim *g = calloc(1, sizeof *g);
  if (!g) return NULL;
  if (mutator_init(&g->m)) {
    free(g);
    return NULL;
  }
  g->seed = seed;
  return g;
}

size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size,
                       uint8_t **out_buf, uint8_t *add_buf,
                       size_t add_buf_size, size_t max_size) {
  struct afl_gcsim *g = data;
  if (g->cap < max_size || !g->out) {
    uint8_t *p = realloc(g->out, max_size ? max_size : 1);
    if (!p) return 0;
    g->out = p;
    g->cap = max_size;
  }
  unsigned seed = (unsigned)(g->seed ^ (uint32_t)(g->calls * 0x9e3779b1u) ^
                             (uint32_t)(g->calls >> 32));
  g->calls++;
  size_t n = 0;
  if (add_buf && add_buf_size && seed % 3 == 0)
    n = mutator_crossover(&g->m, buf, buf_size, add_buf, add_buf_size,
                          g->out, max_size, seed);
  if (!n) {
    size_t len = buf_size < max_size ? buf_size : max_size;
    memcpy(g->out, buf, len);
    n = mutator_mutate(&g->m, g->out, len, max_size, seed);
  }
  if (!n) { /* no structure-aware mutation fitted: flip one byte */
    if (!buf_size || !max_size) return 0;
    n = buf_size < max_size ? buf_size : max_size;
    memcpy(g->out, buf, n);
    g->out[(seed >> 8) % n] ^= (uint8_t)(1u << (seed & 7));
  }
  *out_buf = g->out;
  return n;
}

void afl_custom_deinit(void *data) {
  struct afl_gcsim *g = data;
  mutator_free(&g->m);
  free(g->out);
  free(g);
}
