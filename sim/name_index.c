/*
** name_index.c — see name_index.h.
*/
#include "name_index.h"

#include <stdlib.h>
#include <string.h>

#include "grow.h"

/* Runs made at most: RUNS_FREE, and one more for each RUNS_PER names, so
   that names with a prefix each ("a0", "b0", ...) cost the hash table's
   bytes, not a run's. */
#define RUNS_FREE 64u
#define RUNS_PER 8u

struct name_run {
  uint32_t first; /* a symbol whose name starts with the prefix */
  uint32_t plen;  /* the prefix's length */
  uint32_t count; /* names in at[] */
  uint32_t len, cap;
  uint32_t *at; /* at[n]: 1 + the symbol named PREFIX n, 0 = none */
};

static uint32_t hash_bytes(const char *s, size_t n) {
  uint32_t h = 2166136261u; /* FNV-1a */
  for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)s[i]) * 16777619u;
  return h;
}

/* PREFIX + a decimal number without leading zeros below 10^9: the
   prefix's length and the number; 0 for any other name. */
static int numbered(const char *name, size_t *plen, uint32_t *num) {
  size_t n = strlen(name), d = n;
  while (d > 0 && name[d - 1] >= '0' && name[d - 1] <= '9') d--;
  if (d == n || d == 0 || n - d > 9 || (name[d] == '0' && n - d > 1))
    return 0;
  uint32_t v = 0;
  for (size_t i = d; i < n; i++) v = v * 10 + (uint32_t)(name[i] - '0');
  *plen = d;
  *num = v;
  return 1;
}

void name_index_init(struct name_index *x) { memset(x, 0, sizeof *x); }

void name_index_free(struct name_index *x) {
  for (uint32_t i = 0; i < x->nruns; i++) free(x->runs[i].at);
  free(x->runs);
  free(x->rtab);
  free(x->htab);
  memset(x, 0, sizeof *x);
}

/* ---- runs: one per prefix ---- */

static uint32_t run_find(const struct name_index *x,
                         const struct gcs_program *p, const char *name,
                         size_t plen) {
  if (!x->rcap) return UINT32_MAX;
  for (uint32_t i = hash_bytes(name, plen) & (x->rcap - 1); x->rtab[i];
       i = (i + 1) & (x->rcap - 1)) {
    const struct name_run *r = &x->runs[x->rtab[i] - 1];
    if (r->plen == plen &&
        memcmp(program_sym_name(p, r->first), name, plen) == 0)
      return x->rtab[i] - 1;
  }
  return UINT32_MAX;
}

static void rtab_put(struct name_index *x, const struct gcs_program *p,
                     uint32_t run) {
  const struct name_run *r = &x->runs[run];
  uint32_t i = hash_bytes(program_sym_name(p, r->first), r->plen) &
               (x->rcap - 1);
  while (x->rtab[i]) i = (i + 1) & (x->rcap - 1);
  x->rtab[i] = run + 1;
}

/* A new run for the prefix of sym's name; its index, or UINT32_MAX. */
static uint32_t run_new(struct name_index *x, const struct gcs_program *p,
                        uint32_t sym, size_t plen) {
  if (2 * (x->nruns + 1) > x->rcap) {
    uint32_t cap = x->rcap ? x->rcap * 2 : 16;
    uint32_t *t = calloc(cap, sizeof *t);
    if (!t) return UINT32_MAX;
    free(x->rtab);
    x->rtab = t;
    x->rcap = cap;
    for (uint32_t r = 0; r < x->nruns; r++) rtab_put(x, p, r);
  }
  if (sim_grow((void **)&x->runs, x->nruns + 1, &x->capruns, sizeof *x->runs,
               4))
    return UINT32_MAX;
  struct name_run *r = &x->runs[x->nruns];
  memset(r, 0, sizeof *r);
  r->first = sym;
  r->plen = (uint32_t)plen;
  rtab_put(x, p, x->nruns);
  return x->nruns++;
}

/* ---- the hash table: every other name ---- */

static uint32_t hash_find(const struct name_index *x,
                          const struct gcs_program *p, const char *name) {
  if (!x->hcap) return UINT32_MAX;
  for (uint32_t i = hash_bytes(name, strlen(name)) & (x->hcap - 1);
       x->htab[i]; i = (i + 1) & (x->hcap - 1))
    if (strcmp(program_sym_name(p, x->htab[i] - 1), name) == 0)
      return x->htab[i] - 1;
  return UINT32_MAX;
}

static void htab_put(uint32_t *t, uint32_t cap, const struct gcs_program *p,
                     uint32_t sym) {
  const char *name = program_sym_name(p, sym);
  uint32_t i = hash_bytes(name, strlen(name)) & (cap - 1);
  while (t[i]) i = (i + 1) & (cap - 1);
  t[i] = sym + 1;
}

static int hash_add(struct name_index *x, const struct gcs_program *p,
                    uint32_t sym) {
  if (2 * (x->hused + 1) > x->hcap) {
    uint32_t cap = x->hcap ? x->hcap * 2 : 64;
    uint32_t *t = calloc(cap, sizeof *t);
    if (!t) return -1;
    for (uint32_t i = 0; i < x->hcap; i++)
      if (x->htab[i]) htab_put(t, cap, p, x->htab[i] - 1);
    free(x->htab);
    x->htab = t;
    x->hcap = cap;
  }
  htab_put(x->htab, x->hcap, p, sym);
  x->hused++;
  return 0;
}

/* ---- the index ---- */

uint32_t name_index_find(const struct name_index *x,
                         const struct gcs_program *p, const char *name) {
  size_t plen;
  uint32_t num;
  if (x->nruns && numbered(name, &plen, &num)) {
    uint32_t r = run_find(x, p, name, plen);
    if (r != UINT32_MAX && num < x->runs[r].len && x->runs[r].at[num])
      return x->runs[r].at[num] - 1;
  }
  return hash_find(x, p, name);
}

int name_index_add(struct name_index *x, const struct gcs_program *p,
                   uint32_t sym) {
  size_t plen;
  uint32_t num;
  if (numbered(program_sym_name(p, sym), &plen, &num)) {
    uint32_t r = run_find(x, p, program_sym_name(p, sym), plen);
    if (r == UINT32_MAX && x->nruns < RUNS_FREE + sym / RUNS_PER &&
        (r = run_new(x, p, sym, plen)) == UINT32_MAX)
      return -1;
    struct name_run *run = r == UINT32_MAX ? NULL : &x->runs[r];
    if (run && num < 2 * run->count + 16) {
      if (num >= run->len) {
        if (sim_grow((void **)&run->at, num + 1, &run->cap, sizeof *run->at,
                     4))
          return -1;
        memset(run->at + run->len, 0,
               (size_t)(num + 1 - run->len) * sizeof *run->at);
        run->len = num + 1;
      }
      run->at[num] = sym + 1;
      run->count++;
      return 0;
    }
  }
  return hash_add(x, p, sym);
}
