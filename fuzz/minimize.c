/*
** minimize.c — roles, delta debugging and signatures (see minimize.h).
**
** Candidates are built by rebuild(): a copy of a program without some
** statements and actions, repaired the way the parser would insist on:
** a statement whose names are no longer bound there is dropped too (and so
** on, in order), an `on` hook whose object lost its finalizer is dropped, a
** script action naming a symbol the program never binds is dropped, and a
** script left without actions drops its `on` statement. So every candidate
** is a valid program, and removing a `new` removes what depends on it.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "gcsim/minimize.h"
#include "gcsim/scenario.h"

#define MAX_RUNS 20000u /* candidates per minimization */

int mz_run(const struct gcs_program *p, const struct policy *pol,
           struct mz_outcome *out) {
  return mz_run_feedback(p, pol, NULL, 0, out);
}

int mz_run_feedback(const struct gcs_program *p, const struct policy *pol,
                    uint8_t *feedback, uint32_t feedback_len,
                    struct mz_outcome *out) {
  struct sim *s = NULL;
  int rc = mz_run_reuse(&s, p, pol, feedback, feedback_len, out);
  sim_destroy(s);
  return rc;
}

int mz_run_reuse(struct sim **model, const struct gcs_program *p,
                 const struct policy *pol, uint8_t *feedback,
                 uint32_t feedback_len, struct mz_outcome *out) {
  memset(out, 0, sizeof *out);
  struct sim_options opt;
  memset(&opt, 0, sizeof opt);
  opt.policy = *pol;
  opt.no_fingerprint = 1;
  opt.max_objects = MZ_MAX_OBJECTS;
  opt.max_actions = MZ_MAX_ACTIONS;
  opt.feedback = feedback;
  opt.feedback_len = feedback_len;
  if (!*model) {
    *model = sim_create(&opt);
    if (!*model) return -1;
  } else if (sim_reset(*model, &opt) != 0) {
    return -1;
  }
  struct sim *s = *model;
  out->status = sim_run(s, p);
  const struct sim_violation *v = sim_violation(s);
  if (v) out->v = *v;
  const char *internal = sim_internal_error(s);
  if (*internal) /* (a formatting call per input showed in profiles) */
    snprintf(out->internal, sizeof out->internal, "%s", internal);
  out->events = sim_event_count(s);
  return 0;
}

void mz_roles(const struct sim_violation *v, char *out, size_t len) {
  snprintf(out, len, "%s/%s/%s/%s", sim_vkind_name(v->kind),
           program_kind_name((enum gcs_kind)v->obj_kind), v->actor, v->phase);
}

/* ---- rebuild: a repaired copy ---- */

struct rb {
  const struct gcs_program *src;
  struct gcs_program *out;
  int canon;          /* rename symbols n1, n2, ... in order of first use */
  uint32_t *map;      /* canon: src symbol -> out symbol + 1 */
  uint32_t ncanon;
  int oom;
};

static uint32_t out_sym(struct rb *r, uint32_t sym) {
  if (r->canon) {
    if (!r->map[sym]) {
      char name[32];
      snprintf(name, sizeof name, "n%u", (unsigned)++r->ncanon);
      uint32_t s = program_sym(r->out, name);
      if (s == UINT32_MAX) return r->oom = 1, 0;
      r->map[sym] = s + 1;
    }
    return r->map[sym] - 1;
  }
  uint32_t s = program_sym(r->out, program_sym_name(r->src, sym));
  if (s == UINT32_MAX) r->oom = 1;
  return s == UINT32_MAX ? 0 : s;
}

/* Copy path *pa of r->src into r->out in place: its steps and its name. */
static void copy_path(struct rb *r, struct gcs_path *pa) {
  if (program_path_copy(&r->out->steps, pa, &r->src->steps, pa)) r->oom = 1;
  if (pa->root == GCS_ROOT_NAME) pa->sym = out_sym(r, pa->sym);
}

static int path_ok(const struct gcs_path *pa, const uint8_t *set) {
  return pa->root != GCS_ROOT_NAME || set[pa->sym];
}

static int action_ok(const struct gcs_action *a, const uint8_t *ever) {
  return path_ok(&a->a, ever) && path_ok(&a->b, ever) &&
         (!a->has_c || path_ok(&a->c, ever));
}

/*
** Copy src into *out (initialized here) without the statements marked in
** skip_stmt and the actions marked in skip_act (either may be NULL). With
** `policy`, src's policy line is replaced by `policy <policy>` first.
** Returns 0 or -1 (out of memory).
*/
static int rebuild(const struct gcs_program *src, const uint8_t *skip_stmt,
                   const uint8_t *skip_act, const char *policy, int canon,
                   struct gcs_program *out) {
  program_init(out);
  uint32_t ns = src->nsyms ? src->nsyms : 1;
  uint32_t *binder = calloc(ns, sizeof *binder); /* src stmt index + 1 */
  uint8_t *ever = calloc(ns, 1);
  uint8_t *valid = calloc(src->nstmts ? src->nstmts : 1, 1);
  struct rb r = {src, out, canon, canon ? calloc(ns, sizeof(uint32_t)) : NULL,
                 0, 0};
  if (!binder || !ever || !valid || (canon && !r.map)) r.oom = 1;

  /* pass 1: which statements still apply, in order */
  for (uint32_t i = 0; i < src->nstmts && !r.oom; i++) {
    const struct gcs_stmt *st = &src->stmts[i];
    if (skip_stmt && skip_stmt[i]) continue;
    int ok = 1;
    switch (st->op) {
    case GCS_POLICY: ok = policy == NULL; break;
    case GCS_LINK:
    case GCS_UNLINK:
      ok = binder[st->a.sym] && binder[st->b.sym];
      break;
    case GCS_WEAKREF_OP:
      ok = binder[st->b.sym] && (!st->has_c || binder[st->c.sym]);
      break;
    case GCS_DEL: ok = binder[st->sym] != 0; break;
    case GCS_UNTRACK:
    case GCS_TRACK: ok = binder[st->a.sym] != 0; break;
    case GCS_ON_FINALIZE:
    case GCS_ON_CALL: {
      ok = binder[st->sym] != 0;
      if (!ok) break;
      const struct gcs_stmt *b = &src->stmts[binder[st->sym] - 1];
      ok = program_hook_ok(b, st->op);
      break;
    }
    default: break;
    }
    if (!ok) continue;
    valid[i] = 1;
    if (st->op == GCS_NEW || st->op == GCS_WEAKREF_OP) {
      binder[st->sym] = i + 1;
      ever[st->sym] = 1;
    } else if (st->op == GCS_DEL) {
      binder[st->sym] = 0;
    }
  }

  /* pass 2: copy, with the scripts' actions that still apply */
  if (policy && !r.oom) {
    struct gcs_stmt *st = program_add_stmt(out);
    if (!st) r.oom = 1;
    else st->op = GCS_POLICY;
    snprintf(out->policy, sizeof out->policy, "%s", policy);
  }
  for (uint32_t i = 0; i < src->nstmts && !r.oom; i++) {
    if (!valid[i]) continue;
    struct gcs_stmt st = src->stmts[i];
    if (st.op == GCS_ON_FINALIZE || st.op == GCS_ON_CALL) {
      const struct gcs_script *sc = &src->scripts[st.script];
      uint32_t n = 0;
      for (uint32_t j = 0; j < sc->count; j++)
        n += (!skip_act || !skip_act[sc->first + j]) &&
             action_ok(&src->actions[sc->first + j], ever);
      if (!n) continue;
      st.sym = out_sym(&r, st.sym);
      st.script = program_add_script(out);
      if (st.script == UINT32_MAX) {
        r.oom = 1;
        break;
      }
      for (uint32_t j = 0; j < sc->count; j++) {
        const struct gcs_action *a = &src->actions[sc->first + j];
        if ((skip_act && skip_act[sc->first + j]) || !action_ok(a, ever))
          continue;
        struct gcs_action *c = program_add_action(out);
        if (!c) {
          r.oom = 1;
          break;
        }
        *c = *a;
        copy_path(&r, &c->a);
        copy_path(&r, &c->b);
        copy_path(&r, &c->c);
      }
    } else {
      if (st.op == GCS_POLICY)
        memcpy(out->policy, src->policy, sizeof out->policy);
      if (st.op == GCS_NEW || st.op == GCS_WEAKREF_OP || st.op == GCS_DEL)
        st.sym = out_sym(&r, st.sym);
      unsigned paths = program_stmt_paths(&st);
      if (paths & GCS_PATH_A) copy_path(&r, &st.a);
      if (paths & GCS_PATH_B) copy_path(&r, &st.b);
      if (paths & GCS_PATH_C) copy_path(&r, &st.c);
    }
    struct gcs_stmt *d = program_add_stmt(out);
    if (!d) {
      r.oom = 1;
      break;
    }
    st.line = out->nstmts;
    *d = st;
  }
  free(binder);
  free(ever);
  free(valid);
  free(r.map);
  if (r.oom) {
    program_free(out);
    program_init(out);
    return -1;
  }
  return 0;
}

/* ---- delta debugging ---- */

struct mz {
  const struct policy *pol;
  struct sim_violation want;
  struct gcs_program cur;
  uint32_t runs;
  int oom;
};

static int same_roles(const struct sim_violation *a,
                      const struct sim_violation *b) {
  return a->kind == b->kind && a->obj_kind == b->obj_kind &&
         strcmp(a->actor, b->actor) == 0 && strcmp(a->phase, b->phase) == 0;
}

static uint32_t size_of(const struct gcs_program *p) {
  return p->nstmts + p->nactions;
}

/* Keep cand (taking it over) when it is smaller and violates the same way;
   free it otherwise. Returns 1 when kept. */
static int try_candidate(struct mz *m, struct gcs_program *cand) {
  int keep = 0;
  if (size_of(cand) < size_of(&m->cur) ||
      (size_of(cand) == size_of(&m->cur) && !program_equal(cand, &m->cur))) {
    struct mz_outcome o;
    m->runs++;
    if (mz_run(cand, m->pol, &o)) m->oom = 1;
    else keep = o.status == SIM_VIOLATION && same_roles(&o.v, &m->want);
  }
  if (keep) {
    program_free(&m->cur);
    m->cur = *cand;
  } else {
    program_free(cand);
  }
  return keep;
}

static int budget_left(const struct mz *m) {
  return !m->oom && m->runs < MAX_RUNS;
}

/* Remove chunks of statements, halving the chunk size. */
static int pass_statements(struct mz *m) {
  int changed = 0;
  for (uint32_t chunk = m->cur.nstmts / 2 ? m->cur.nstmts / 2 : 1; chunk >= 1;
       chunk /= 2) {
    for (uint32_t i = 0; i < m->cur.nstmts && budget_left(m);) {
      uint8_t *skip = calloc(m->cur.nstmts, 1);
      if (!skip) return m->oom = 1, changed;
      for (uint32_t j = i; j < i + chunk && j < m->cur.nstmts; j++) skip[j] = 1;
      struct gcs_program cand;
      int rc = rebuild(&m->cur, skip, NULL, NULL, 0, &cand);
      free(skip);
      if (rc) return m->oom = 1, changed;
      if (try_candidate(m, &cand))
        changed = 1;
      else
        i += chunk;
    }
    if (chunk == 1) break;
  }
  return changed;
}

/* Remove script actions one by one. */
static int pass_actions(struct mz *m) {
  int changed = 0;
  for (uint32_t i = 0; i < m->cur.nactions && budget_left(m);) {
    uint8_t *skip = calloc(m->cur.nactions, 1);
    if (!skip) return m->oom = 1, changed;
    skip[i] = 1;
    struct gcs_program cand;
    int rc = rebuild(&m->cur, NULL, skip, NULL, 0, &cand);
    free(skip);
    if (rc) return m->oom = 1, changed;
    if (try_candidate(m, &cand))
      changed = 1;
    else
      i++;
  }
  return changed;
}

/* Apply edit k (0, 1, ...) to p; 0 when there is no edit k. */
static int edit(struct gcs_program *p, uint32_t k) {
  for (uint32_t i = 0; i < p->nstmts; i++) {
    struct gcs_stmt *st = &p->stmts[i];
    if (st->op == GCS_NEW) {
      /* drop each flag, then simplify the kind to `object` */
      for (unsigned f = GCS_FLAG_FIN; f <= GCS_FLAG_LEGACY; f <<= 1)
        if (st->flags & f) {
          if (k-- == 0) return st->flags = (uint8_t)(st->flags & ~f), 1;
        }
      if (st->kind != GCS_OBJECT && k-- == 0)
        return st->kind = GCS_OBJECT, 1;
    }
    if (st->op == GCS_WEAKREF_OP && st->has_c && k-- == 0)
      return st->has_c = 0, memset(&st->c, 0, sizeof st->c), 1;
    struct gcs_path *paths[3] = {&st->a, &st->b, &st->c};
    unsigned used = program_stmt_paths(st);
    for (int j = 0; j < 3; j++)
      if ((used >> j & 1u) && paths[j]->nsteps && k-- == 0)
        return paths[j]->nsteps--, 1;
  }
  for (uint32_t i = 0; i < p->nactions; i++) {
    struct gcs_action *a = &p->actions[i];
    if (a->act == GCS_A_WEAKREF && a->has_c && k-- == 0)
      return a->has_c = 0, memset(&a->c, 0, sizeof a->c), 1;
    struct gcs_path *paths[3] = {&a->a, &a->b, &a->c};
    for (int j = 0; j < 3; j++)
      if (paths[j]->nsteps && k-- == 0) return paths[j]->nsteps--, 1;
  }
  return 0;
}

/* Simplify flags, kinds, callbacks and paths, one edit at a time. */
static int pass_operands(struct mz *m) {
  int changed = 0;
  for (uint32_t k = 0; budget_left(m);) {
    struct gcs_program copy, cand;
    if (rebuild(&m->cur, NULL, NULL, NULL, 0, &copy)) return m->oom = 1, 0;
    if (!edit(&copy, k)) {
      program_free(&copy);
      break;
    }
    int rc = rebuild(&copy, NULL, NULL, NULL, 0, &cand); /* re-validate */
    program_free(&copy);
    if (rc) return m->oom = 1, changed;
    if (try_candidate(m, &cand))
      changed = 1; /* the edit list shifted: edit k is a new one */
    else
      k++;
  }
  return changed;
}

int minimize_program(const struct gcs_program *in, const struct policy *pol,
                     struct gcs_program *out, struct mz_stats *stats) {
  struct mz_stats dummy;
  if (!stats) stats = &dummy;
  memset(stats, 0, sizeof *stats);
  program_init(out);
  stats->stmts_before = in->nstmts;
  stats->actions_before = in->nactions;
  struct mz m;
  memset(&m, 0, sizeof m);
  m.pol = pol;
  struct mz_outcome o;
  if (mz_run(in, pol, &o)) return -2;
  stats->runs = 1;
  if (o.status != SIM_VIOLATION) return -1;
  m.want = o.v;
  if (rebuild(in, NULL, NULL, NULL, 0, &m.cur)) return -2;
  for (int round = 0; round < 16 && budget_left(&m); round++) {
    int changed = pass_statements(&m);
    changed |= pass_actions(&m);
    changed |= pass_operands(&m);
    if (!changed) break;
  }
  stats->runs += m.runs;
  if (m.oom) {
    program_free(&m.cur);
    return -2;
  }
  *out = m.cur;
  stats->stmts_after = out->nstmts;
  stats->actions_after = out->nactions;
  return 0;
}

void mz_signature(const struct gcs_program *p, enum sim_vkind kind,
                  const char *policy, char *out, size_t len) {
  struct gcs_program canon;
  struct gcs_buf text;
  buf_init(&text);
  buf_printf(&text, "%s\n%s\n", sim_vkind_name(kind), policy);
  /* the shape: without the policy line, names in order of first use */
  uint8_t *skip = calloc(p->nstmts ? p->nstmts : 1, 1);
  for (uint32_t i = 0; skip && i < p->nstmts; i++)
    skip[i] = p->stmts[i].op == GCS_POLICY;
  if (skip && rebuild(p, skip, NULL, NULL, 1, &canon) == 0) {
    canon.policy[0] = '\0';
    scenario_print(&canon, &text);
    program_free(&canon);
  }
  free(skip);
  uint64_t h = XXH3_64bits(text.p ? text.p : "", text.len);
  snprintf(out, len, "%s:%012llx", sim_vkind_name(kind),
           (unsigned long long)(h >> 16));
  buf_free(&text);
}

int mz_with_policy(const struct gcs_program *p, const char *policy,
                   struct gcs_program *out) {
  return rebuild(p, NULL, NULL, policy, 0, out);
}
