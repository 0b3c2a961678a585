/*
** program.c — building and comparing programs.
*/
#include "gcsim/program.h"

#include <stdlib.h>
#include <string.h>

#include "grow.h"

void program_init(struct gcs_program *p) { memset(p, 0, sizeof *p); }

void program_clear(struct gcs_program *p) {
  p->nstmts = p->nactions = p->nscripts = p->nsyms = p->steps.n = 0;
  p->policy[0] = 0;
  sim_scribble(p->steps.v, (size_t)p->steps.cap * sizeof *p->steps.v);
  sim_scribble(p->stmts, (size_t)p->capstmts * sizeof *p->stmts);
  sim_scribble(p->actions, (size_t)p->capactions * sizeof *p->actions);
  sim_scribble(p->scripts, (size_t)p->capscripts * sizeof *p->scripts);
  sim_scribble(p->name_at, (size_t)p->capsyms * sizeof *p->name_at);
  sim_scribble(p->names, p->names_cap);
  p->names_len = 0;
}

void program_free(struct gcs_program *p) {
  program_steps_free(&p->steps);
  free(p->stmts);
  free(p->actions);
  free(p->scripts);
  free(p->name_at);
  free(p->names);
  memset(p, 0, sizeof *p);
}

/* Grow *arr (of elem-size bytes each) so that one more element fits. */
static int grow(void **arr, uint32_t n, uint32_t *cap, size_t elem) {
  return sim_grow(arr, n + 1, cap, elem, 16);
}

uint32_t program_sym(struct gcs_program *p, const char *name) {
  for (uint32_t i = 0; i < p->nsyms; i++)
    if (strcmp(program_sym_name(p, i), name) == 0) return i;
  return program_sym_new(p, name);
}

uint32_t program_sym_new(struct gcs_program *p, const char *name) {
  size_t len = strlen(name);
  if (len == 0 || len > GCS_MAX_NAME) return UINT32_MAX;
  uint32_t at = p->names_len, size = (uint32_t)len + 1;
  if (grow((void **)&p->name_at, p->nsyms, &p->capsyms, sizeof *p->name_at) ||
      sim_grow((void **)&p->names, at + size, &p->names_cap, 1, 256))
    return UINT32_MAX;
  memcpy(p->names + at, name, size);
  p->names_len = at + size;
  p->name_at[p->nsyms] = at;
  return p->nsyms++;
}

void program_syms_truncate(struct gcs_program *p, uint32_t n) {
  if (n >= p->nsyms) return;
  p->names_len = p->name_at[n];
  p->nsyms = n;
}

char *program_numbered_name(char *out, const char *prefix, uint32_t n) {
  char digits[10];
  unsigned nd = 0, k = 0;
  do digits[nd++] = (char)('0' + n % 10); while ((n /= 10) != 0);
  while (prefix[k] && k < 4) out[k] = prefix[k], k++;
  while (nd) out[k++] = digits[--nd];
  out[k] = '\0';
  return out;
}

struct gcs_stmt *program_add_stmt(struct gcs_program *p) {
  if (grow((void **)&p->stmts, p->nstmts, &p->capstmts, sizeof *p->stmts))
    return NULL;
  struct gcs_stmt *s = &p->stmts[p->nstmts++];
  memset(s, 0, sizeof *s);
  return s;
}

struct gcs_action *program_add_action(struct gcs_program *p) {
  if (grow((void **)&p->actions, p->nactions, &p->capactions,
           sizeof *p->actions))
    return NULL;
  struct gcs_action *a = &p->actions[p->nactions++];
  memset(a, 0, sizeof *a);
  if (p->nscripts) p->scripts[p->nscripts - 1].count++;
  return a;
}

uint32_t program_add_script(struct gcs_program *p) {
  if (grow((void **)&p->scripts, p->nscripts, &p->capscripts,
           sizeof *p->scripts))
    return UINT32_MAX;
  p->scripts[p->nscripts].first = p->nactions;
  p->scripts[p->nscripts].count = 0;
  return p->nscripts++;
}

/* ---- paths and their steps ---- */

void program_steps_free(struct gcs_steps *pool) {
  free(pool->v);
  memset(pool, 0, sizeof *pool);
}

int program_path_copy(struct gcs_steps *dst, struct gcs_path *out,
                      const struct gcs_steps *src, const struct gcs_path *in) {
  struct gcs_path p = *in;
  if (p.nsteps) {
    if (dst->n > GCS_MAX_STEPS - p.nsteps ||
        sim_grow((void **)&dst->v, dst->n + p.nsteps, &dst->cap,
                 sizeof *dst->v, 64))
      return -1;
    /* (src may be dst: read through src->v after the growth) */
    for (unsigned i = 0; i < p.nsteps; i++)
      dst->v[dst->n + i] = program_step(src, in, i);
    p.first = dst->n & (GCS_MAX_STEPS - 1); /* < GCS_MAX_STEPS: checked */
    dst->n += p.nsteps;
  }
  *out = p;
  return 0;
}

int program_step_push(struct gcs_steps *pool, struct gcs_path *pa,
                      int32_t step) {
  /* steps that end the pool are pa's alone past pa->nsteps: others may
     share them, never what follows */
  int at_end = pa->nsteps && (uint32_t)pa->first + pa->nsteps == pool->n;
  if (pa->nsteps >= GCS_MAX_PATH_STEPS ||
      (!at_end && program_path_copy(pool, pa, pool, pa)) ||
      pool->n >= GCS_MAX_STEPS ||
      sim_grow((void **)&pool->v, pool->n + 1, &pool->cap, sizeof *pool->v,
               64))
    return -1;
  if (!pa->nsteps) pa->first = pool->n & (GCS_MAX_STEPS - 1); /* checked */
  pool->v[pool->n++] = step;
  pa->nsteps++;
  return 0;
}

int program_step_set(struct gcs_steps *pool, struct gcs_path *pa, unsigned i,
                     int32_t step) {
  /* on a copy even at the end: a path copied from pa may share them */
  if (i >= pa->nsteps || program_path_copy(pool, pa, pool, pa)) return -1;
  pool->v[pa->first + i] = step;
  return 0;
}

unsigned program_stmt_paths(const struct gcs_stmt *st) {
  switch (st->op) {
  case GCS_LINK:
  case GCS_UNLINK: return GCS_PATH_A | GCS_PATH_B;
  case GCS_WEAKREF_OP: return GCS_PATH_B | (st->has_c ? GCS_PATH_C : 0u);
  case GCS_UNTRACK:
  case GCS_TRACK: return GCS_PATH_A;
  default: return 0;
  }
}

int program_hook_ok(const struct gcs_stmt *binder, int op) {
  if (op == GCS_ON_FINALIZE)
    return binder->op == GCS_NEW &&
           (binder->flags & (GCS_FLAG_FIN | GCS_FLAG_LEGACY)) != 0;
  return binder->op != GCS_WEAKREF_OP;
}

static const char *const kind_names[GCS_NKINDS] = {
    "object", "noclear", "function", "opaque", "leaf", "weakref"};

const char *program_kind_name(enum gcs_kind k) {
  return (unsigned)k < GCS_NKINDS ? kind_names[k] : "?";
}

int program_kind_from_name(const char *s) {
  for (int i = 0; i < GCS_WEAKREF; i++) /* weakref is not a `new` kind */
    if (strcmp(kind_names[i], s) == 0) return i;
  return -1;
}

static int path_equal(const struct gcs_program *pa, const struct gcs_path *a,
                      const struct gcs_program *pb, const struct gcs_path *b) {
  if (a->root != b->root || a->nsteps != b->nsteps) return 0;
  if (a->root == GCS_ROOT_NAME &&
      strcmp(program_sym_name(pa, a->sym), program_sym_name(pb, b->sym)))
    return 0;
  for (unsigned i = 0; i < a->nsteps; i++)
    if (program_step(&pa->steps, a, i) != program_step(&pb->steps, b, i))
      return 0;
  return 1;
}

static int action_equal(const struct gcs_program *pa,
                        const struct gcs_action *a,
                        const struct gcs_program *pb,
                        const struct gcs_action *b) {
  return a->act == b->act && a->has_c == b->has_c && a->gen == b->gen &&
         path_equal(pa, &a->a, pb, &b->a) && path_equal(pa, &a->b, pb, &b->b) &&
         path_equal(pa, &a->c, pb, &b->c);
}

static int script_equal(const struct gcs_program *pa, uint32_t sa,
                        const struct gcs_program *pb, uint32_t sb) {
  const struct gcs_script *x = &pa->scripts[sa], *y = &pb->scripts[sb];
  if (x->count != y->count) return 0;
  for (uint32_t i = 0; i < x->count; i++)
    if (!action_equal(pa, &pa->actions[x->first + i], pb,
                      &pb->actions[y->first + i]))
      return 0;
  return 1;
}

int program_stmt_equal(const struct gcs_program *a, uint32_t i,
                       const struct gcs_program *b, uint32_t j) {
  const struct gcs_stmt *x = &a->stmts[i], *y = &b->stmts[j];
  if (x->op != y->op || x->kind != y->kind || x->flags != y->flags ||
      x->has_c != y->has_c)
    return 0;
  if (x->op == GCS_COLLECT || x->op == GCS_THRESHOLD)
    for (int k = 0; k < 3; k++)
      if (x->n[k] != y->n[k]) return 0;
  switch (x->op) {
  case GCS_NEW:
  case GCS_WEAKREF_OP:
  case GCS_DEL:
  case GCS_ON_FINALIZE:
  case GCS_ON_CALL:
    if (strcmp(program_sym_name(a, x->sym), program_sym_name(b, y->sym)))
      return 0;
    break;
  default:
    break;
  }
  unsigned paths = program_stmt_paths(x);
  if (((paths & GCS_PATH_A) && !path_equal(a, &x->a, b, &y->a)) ||
      ((paths & GCS_PATH_B) && !path_equal(a, &x->b, b, &y->b)) ||
      ((paths & GCS_PATH_C) && !path_equal(a, &x->c, b, &y->c)))
    return 0;
  if ((x->op == GCS_ON_FINALIZE || x->op == GCS_ON_CALL) &&
      !script_equal(a, x->script, b, y->script))
    return 0;
  return 1;
}

int program_equal(const struct gcs_program *a, const struct gcs_program *b) {
  if (a->nstmts != b->nstmts || strcmp(a->policy, b->policy) != 0) return 0;
  for (uint32_t i = 0; i < a->nstmts; i++)
    if (!program_stmt_equal(a, i, b, i)) return 0;
  return 1;
}
