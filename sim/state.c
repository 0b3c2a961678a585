/*
** state.c — a digest of the model's state between statements: everything
** the rest of a run depends on, and nothing else (gcsim explore merges the
** programs that reach the same digest).
*/
#define GCSIM_SIM_INTERNAL
#include "sim_int.h"

#include <string.h>

static void put(XXH3_state_t *h, const void *p, size_t n) {
  XXH3_128bits_update(h, p, n);
}
static void put_u64(XXH3_state_t *h, uint64_t v) { put(h, &v, sizeof v); }
static void put_str(XXH3_state_t *h, const char *str) {
  size_t n = str ? strlen(str) : 0;
  put_u64(h, n);
  if (n) put(h, str, n);
}

static void put_path(XXH3_state_t *h, const struct gcs_program *p,
                     const struct gcs_path *pa) {
  put_u64(h, pa->root);
  put_u64(h, pa->nsteps);
  if (pa->root == GCS_ROOT_NAME) put_str(h, program_sym_name(p, pa->sym));
  for (uint32_t i = 0; i < pa->nsteps && i < GCS_MAX_PATH_STEPS; i++)
    put_u64(h, (uint64_t)(int64_t)program_step(&p->steps, pa, i));
}

/* A script by its content (its index depends on the program's layout). */
static void put_script(XXH3_state_t *h, const struct gcs_program *p,
                       int32_t script) {
  if (script < 0 || !p || (uint32_t)script >= p->nscripts) {
    put_u64(h, UINT64_MAX);
    return;
  }
  const struct gcs_script *sc = &p->scripts[script];
  put_u64(h, sc->count);
  for (uint32_t i = 0; i < sc->count; i++) {
    const struct gcs_action *a = &p->actions[sc->first + i];
    put_u64(h, a->act);
    put_u64(h, a->has_c);
    put_u64(h, (uint64_t)(int64_t)a->gen);
    put_path(h, p, &a->a);
    put_path(h, p, &a->b);
    put_path(h, p, &a->c);
  }
}

void sim_state_digest(const struct sim *s, uint64_t out[2]) {
  XXH3_state_t *h = XXH3_createState();
  if (!h) { /* no memory: a digest no other state has */
    out[0] = out[1] = UINT64_MAX;
    return;
  }
  XXH3_128bits_reset(h);
  const struct gcs_program *p = s->prog;
  put_u64(h, (uint64_t)s->status);
  put_u64(h, (uint64_t)s->stopped);
  /* the collector's counters and switches */
  for (int i = 0; i < 3; i++) {
    put_u64(h, (uint64_t)s->count[i]);
    put_u64(h, (uint64_t)s->threshold[i]);
  }
  put(h, s->tuple_free, sizeof s->tuple_free);
  put_u64(h, s->list_free);
  put_u64(h, (uint64_t)s->long_lived_total);
  put_u64(h, (uint64_t)s->long_lived_pending);
  put_u64(h, (uint64_t)s->enabled);
  put_u64(h, (uint64_t)s->saveall);
  put_u64(h, (uint64_t)s->gc_scheduled);
  put_u64(h, (uint64_t)s->visited);
  put_u64(h, (uint64_t)s->increment_work);
  put_u64(h, s->nactions_run); /* the max_actions budget */
  put_u64(h, s->next_o);
  put_u64(h, s->next_w);
  put_u64(h, s->ncleared);
  /* every object ever made, freed ones too (ids are never reused) */
  put_u64(h, s->n);
  for (oid x = SIM_FIRST_OBJ; x < s->n; x++) {
    const struct sobj *o = &s->o[x];
    uint64_t bits = (uint64_t)o->alive | (uint64_t)o->cleared << 1 |
                    (uint64_t)o->finalized << 2 |
                    (uint64_t)o->collecting << 3 |
                    (uint64_t)o->unreach << 4 | (uint64_t)o->deposited << 5 |
                    (uint64_t)o->fin_runs << 6;
    put_u64(h, (uint64_t)(uint32_t)o->rc | (uint64_t)o->list << 32 |
                   (uint64_t)o->kind << 40 | (uint64_t)o->flags << 48 |
                   bits << 56);
    put_u64(h, (uint64_t)(uint32_t)o->tmp);
    put_str(h, s->labels[x - SIM_FIRST_OBJ]);
    if (o->kind == GCS_WEAKREF) {
      put_u64(h, heap_wr_object(o));
      put_u64(h, heap_wr_callback(o));
    } else {
      put_u64(h, o->nslots);
      put(h, heap_cslots(o), o->nslots * sizeof(oid));
    }
    const struct sext *e = heap_ext(s, x);
    put_u64(h, e->nwl);
    put(h, e->wl, e->nwl * sizeof(oid));
    put_script(h, p, e->fin_script);
    put_script(h, p, e->call_script);
  }
  /* the order of every list (gc's order is the order of its work) */
  for (oid l = L_GEN0; l < SIM_NLISTS; l++) {
    put_u64(h, UINT64_MAX - l);
    for (oid x = s->o[l].next; x != l; x = s->o[x].next) put_u64(h, x);
  }
  /* names, globals (the module dict's order) and gc.garbage */
  for (uint32_t i = 0; p && i < s->nnames; i++)
    if (s->names[i]) {
      put_str(h, program_sym_name(p, i));
      put_u64(h, s->names[i]);
    }
  put_u64(h, UINT64_MAX);
  for (uint32_t i = 0; i < s->nglobals; i++) {
    const struct sglobal *g = &s->globals[i];
    if (!g->obj) continue; /* a dropped global is never seen again */
    put_u64(h, g->obj);
    if (g->sym == UINT32_MAX || !p)
      put_u64(h, UINT64_MAX);
    else
      put_str(h, program_sym_name(p, g->sym));
  }
  put_u64(h, UINT64_MAX);
  put(h, s->garbage, s->ngarbage * sizeof(oid));
  put_u64(h, s->garbage_reported);
  XXH128_hash_t d = XXH3_128bits_digest(h);
  XXH3_freeState(h);
  out[0] = d.low64;
  out[1] = d.high64;
}
