/*
** mutator.c — structure-aware mutation of fuzz inputs (see
** include/gcsim/mutator.h).
**
** An input is decoded, its statements lifted into a list where every name
** is an id (the symbols of the first parent are 0..n-1, those of the
** second parent follow, a fresh binding gets a new id) and an operand may
** be ANY: "a name bound here, chosen when the program is rebuilt". The
** operations edit the list; build() then walks it as the decoder would
** (the same bound list, in the same order), points every dangling or ANY
** operand at a random bound name, drops what cannot apply, renames every
** bound name to the name the decoder would make up for it (ob1, wr2, ...:
** one byte each), and emits a program that codec_encode() writes. Scripts'
** actions live in an append-only pool; an operation that changes a script
** copies it first, so a duplicated `on` shares its actions safely.
*/
#include <stdlib.h>
#include <string.h>

#include "gcsim/mutator.h"

#define ANY UINT32_MAX
#define NONE UINT32_MAX
#define MAX_NAMES 2048u
#define POOL_CAP 8192u
#define ATTEMPTS 4
#define MAX_THRESHOLD 1000000000LL

struct mutator_stmt {
  struct gcs_stmt st; /* names are ids; st.script: first action in pool */
  uint32_t nact;
};

/* The decoder's names for fresh bindings, by kind (fuzz/codec.c). A name
   that differs still encodes, in more bytes. */
static const char *const fresh_prefix[GCS_NKINDS] = {"ob", "nc", "fn",
                                                     "op", "lf", "wr"};

/* ---- randomness: splitmix64, seeded by the caller's seed only ---- */

static uint64_t next(struct mutator *m) {
  uint64_t z = (m->rng += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static uint32_t below(struct mutator *m, uint32_t n) {
  return n ? (uint32_t)(next(m) % n) : 0;
}

static int chance(struct mutator *m, uint32_t num, uint32_t den) {
  return below(m, den) < num;
}

/* Index by weight. */
static unsigned pick(struct mutator *m, const uint8_t *w, unsigned n) {
  unsigned sum = 0;
  for (unsigned i = 0; i < n; i++) sum += w[i];
  unsigned v = below(m, sum), i = 0;
  while (v >= w[i]) v -= w[i++];
  return i;
}

/* ---- setup ---- */

int mutator_init(struct mutator *m) {
  memset(m, 0, sizeof *m);
  m->list = calloc(CODEC_MAX_STMTS, sizeof *m->list);
  m->other = calloc(CODEC_MAX_STMTS, sizeof *m->other);
  m->pool = calloc(POOL_CAP, sizeof *m->pool);
  m->map = calloc(MAX_NAMES, sizeof *m->map);
  m->sym_of = calloc(MAX_NAMES, sizeof *m->sym_of);
  m->bound = calloc(MAX_NAMES, sizeof *m->bound);
  m->binder = calloc(MAX_NAMES, sizeof *m->binder);
  m->map_kind = calloc(MAX_NAMES, 1);
  m->ever = calloc(MAX_NAMES, 1);
  program_init(&m->in);
  program_init(&m->in2);
  program_init(&m->prog);
  buf_init(&m->buf);
  if (!m->list || !m->other || !m->pool || !m->map || !m->sym_of ||
      !m->bound || !m->binder || !m->map_kind || !m->ever) {
    mutator_free(m);
    return -1;
  }
  return 0;
}

void mutator_free(struct mutator *m) {
  free(m->list);
  free(m->other);
  free(m->pool);
  free(m->map);
  free(m->sym_of);
  free(m->bound);
  free(m->binder);
  free(m->map_kind);
  free(m->ever);
  program_free(&m->in);
  program_free(&m->in2);
  program_free(&m->prog);
  program_steps_free(&m->steps);
  codec_scratch_free(&m->sc);
  buf_free(&m->buf);
  memset(m, 0, sizeof *m);
}

/* ---- lifting a program into a list ---- */

/* Path *in of p into *out, its steps into m->steps, its name an id. */
static int lift_path(struct mutator *m, const struct gcs_program *p,
                     struct gcs_path *out, const struct gcs_path *in,
                     uint32_t base) {
  if (program_path_copy(&m->steps, out, &p->steps, in)) return -1;
  if (out->root == GCS_ROOT_NAME) out->sym += base;
  return 0;
}

static int lift(struct mutator *m, const struct gcs_program *p,
                struct mutator_stmt *dst, uint32_t *ndst) {
  uint32_t base = m->nnames;
  if (p->nsyms > MAX_NAMES - base) return -1;
  m->nnames += p->nsyms;
  uint32_t n = 0;
  for (uint32_t i = 0; i < p->nstmts && n < CODEC_MAX_STMTS; i++) {
    const struct gcs_stmt *st = &p->stmts[i];
    if (st->op == GCS_POLICY) continue; /* the harness ignores it */
    struct mutator_stmt *ms = &dst[n++];
    ms->st = *st;
    ms->st.line = 0;
    ms->nact = 0;
    switch (st->op) {
    case GCS_NEW:
    case GCS_WEAKREF_OP:
    case GCS_DEL:
    case GCS_ON_FINALIZE:
    case GCS_ON_CALL: ms->st.sym += base; break;
    default: break;
    }
    unsigned paths = program_stmt_paths(st);
    if (((paths & GCS_PATH_A) && lift_path(m, p, &ms->st.a, &st->a, base)) ||
        ((paths & GCS_PATH_B) && lift_path(m, p, &ms->st.b, &st->b, base)) ||
        ((paths & GCS_PATH_C) && lift_path(m, p, &ms->st.c, &st->c, base)))
      return -1;
    if (st->op == GCS_ON_FINALIZE || st->op == GCS_ON_CALL) {
      const struct gcs_script *sc = &p->scripts[st->script];
      if (sc->count > POOL_CAP - m->npool) return -1;
      ms->st.script = m->npool;
      ms->nact = sc->count;
      for (uint32_t j = 0; j < sc->count; j++) {
        struct gcs_action *a = &m->pool[m->npool++];
        const struct gcs_action *src = &p->actions[sc->first + j];
        *a = *src;
        if (lift_path(m, p, &a->a, &src->a, base) ||
            lift_path(m, p, &a->b, &src->b, base) ||
            lift_path(m, p, &a->c, &src->c, base))
          return -1;
      }
    }
  }
  *ndst = n;
  return 0;
}

/* ---- random statements, actions and paths ---- */

static uint32_t new_name(struct mutator *m) {
  return m->nnames < MAX_NAMES ? m->nnames++ : ANY;
}

static int32_t rand_step(struct mutator *m) {
  return chance(m, 1, 5) ? GCS_STEP_CALL : (int32_t)below(m, 4);
}

/* (Out of memory, a path gets fewer steps: still a valid program.) */
static void rand_steps(struct mutator *m, struct gcs_path *p) {
  unsigned n = 1 + below(m, 2);
  for (unsigned i = 0; i < n; i++)
    (void)program_step_push(&m->steps, p, rand_step(m));
}

static void top_path(struct mutator *m, struct gcs_path *p) {
  memset(p, 0, sizeof *p);
  p->root = GCS_ROOT_NAME;
  p->sym = ANY;
  if (chance(m, 1, 8)) rand_steps(m, p);
}

static void script_path(struct mutator *m, struct gcs_path *p) {
  memset(p, 0, sizeof *p);
  uint32_t r = below(m, 20);
  if (r < 7) {
    p->root = GCS_ROOT_SELF;
  } else if (r < 10) {
    p->root = GCS_ROOT_ARG; /* build() makes it self in finalize scripts */
  } else {
    p->root = GCS_ROOT_NAME;
    p->sym = ANY;
  }
  if (chance(m, 1, 4)) rand_steps(m, p);
}

static void rand_action(struct mutator *m, struct gcs_action *a) {
  /* touch call keep link unlink drop weakref get_objects collect */
  static const uint8_t w[GCS_NACTS] = {4, 4, 3, 4, 2, 3, 4, 1, 3};
  memset(a, 0, sizeof *a);
  a->act = (uint8_t)pick(m, w, GCS_NACTS);
  switch (a->act) {
  case GCS_A_LINK:
  case GCS_A_UNLINK:
    script_path(m, &a->a);
    script_path(m, &a->b);
    break;
  case GCS_A_WEAKREF:
    script_path(m, &a->a);
    script_path(m, &a->b);
    a->has_c = (uint8_t)chance(m, 2, 3);
    if (a->has_c) script_path(m, &a->c);
    break;
  case GCS_A_GET_OBJECTS: break;
  case GCS_A_COLLECT: a->gen = (int32_t)below(m, 3); break;
  default: script_path(m, &a->a); break;
  }
}

static int64_t rand_threshold(struct mutator *m) {
  static const int64_t v[] = {0, 1, 1, 2, 3, 5, 10, 100, 700};
  if (chance(m, 1, 10)) return (int64_t)(next(m) % (MAX_THRESHOLD + 1));
  return v[below(m, sizeof v / sizeof v[0])];
}

static uint8_t rand_flags(struct mutator *m) {
  uint32_t r = below(m, 10);
  return (uint8_t)(r < 5 ? 0 : r < 8 ? GCS_FLAG_FIN : r < 9 ? GCS_FLAG_LEGACY
                                                            : 3);
}

/* A new range of n actions in the pool (room for `room` more): its first
   index, or NONE when the pool is full. */
static uint32_t pool_take(struct mutator *m, uint32_t n) {
  if (n > POOL_CAP - m->npool) return NONE;
  uint32_t first = m->npool;
  m->npool += n;
  return first;
}

/* Statement kinds for MUT_INSERT, by weight (enum gcs_op order). */
static const uint8_t insert_weight[GCS_NOPS] = {
    [GCS_NEW] = 20,       [GCS_LINK] = 14,      [GCS_UNLINK] = 3,
    [GCS_WEAKREF_OP] = 14, [GCS_DEL] = 12,      [GCS_UNTRACK] = 2,
    [GCS_TRACK] = 1,      [GCS_COLLECT] = 8,    [GCS_GC_ENABLE] = 1,
    [GCS_GC_DISABLE] = 2, [GCS_SAVEALL] = 1,    [GCS_THRESHOLD] = 6,
    [GCS_GET_OBJECTS] = 2, [GCS_EXIT] = 1,      [GCS_ON_FINALIZE] = 6,
    [GCS_ON_CALL] = 6};

static int rand_stmt(struct mutator *m, struct mutator_stmt *ms, int at_end) {
  memset(ms, 0, sizeof *ms);
  unsigned op;
  do op = pick(m, insert_weight, GCS_NOPS);
  while (op == GCS_EXIT && !at_end);
  struct gcs_stmt *st = &ms->st;
  st->op = (uint8_t)op;
  switch (op) {
  case GCS_NEW:
    st->kind = (uint8_t)below(m, GCS_WEAKREF);
    st->flags = rand_flags(m);
    st->sym = new_name(m);
    return st->sym == ANY ? -1 : 0;
  case GCS_LINK:
  case GCS_UNLINK:
    top_path(m, &st->a);
    top_path(m, &st->b);
    return 0;
  case GCS_WEAKREF_OP:
    st->sym = new_name(m);
    top_path(m, &st->b);
    st->has_c = (uint8_t)chance(m, 2, 3);
    if (st->has_c) top_path(m, &st->c);
    return st->sym == ANY ? -1 : 0;
  case GCS_DEL: st->sym = ANY; return 0;
  case GCS_UNTRACK:
  case GCS_TRACK: top_path(m, &st->a); return 0;
  case GCS_COLLECT: st->n[0] = below(m, 3); return 0;
  case GCS_SAVEALL: st->flags = (uint8_t)chance(m, 1, 2); return 0;
  case GCS_THRESHOLD:
    st->has_c = (uint8_t)(chance(m, 2, 3) ? 1 : 2 + below(m, 2));
    for (unsigned i = 0; i < st->has_c; i++) st->n[i] = rand_threshold(m);
    return 0;
  case GCS_ON_FINALIZE:
  case GCS_ON_CALL: {
    st->sym = ANY;
    ms->nact = 1 + below(m, 3);
    st->script = pool_take(m, ms->nact);
    if (st->script == NONE) return -1;
    for (uint32_t i = 0; i < ms->nact; i++)
      rand_action(m, &m->pool[st->script + i]);
    return 0;
  }
  default: return 0;
  }
}

/* ---- operations on the list ---- */

static int insert_at(struct mutator *m, uint32_t pos,
                     const struct mutator_stmt *ms) {
  if (m->n >= CODEC_MAX_STMTS) return -1;
  memmove(&m->list[pos + 1], &m->list[pos], (m->n - pos) * sizeof *m->list);
  m->list[pos] = *ms;
  m->n++;
  return 0;
}

static void remove_at(struct mutator *m, uint32_t pos, uint32_t len) {
  memmove(&m->list[pos], &m->list[pos + len],
          (m->n - pos - len) * sizeof *m->list);
  m->n -= len;
}

static int op_insert(struct mutator *m) {
  if (m->n >= CODEC_MAX_STMTS) return -1;
  uint32_t pos = below(m, m->n + 1);
  struct mutator_stmt ms;
  if (rand_stmt(m, &ms, pos == m->n)) return -1;
  return insert_at(m, pos, &ms);
}

static int op_delete(struct mutator *m) {
  if (!m->n) return -1;
  uint32_t i = below(m, m->n);
  uint32_t len = chance(m, 4, 5) ? 1 : 1 + below(m, 4);
  if (len > m->n - i) len = m->n - i;
  remove_at(m, i, len);
  return 0;
}

static int binds(const struct gcs_stmt *st) {
  return st->op == GCS_NEW || st->op == GCS_WEAKREF_OP;
}

static int op_duplicate(struct mutator *m) {
  if (!m->n || m->n >= CODEC_MAX_STMTS) return -1;
  struct mutator_stmt ms = m->list[below(m, m->n)];
  if (binds(&ms.st) && chance(m, 1, 2)) {
    ms.st.sym = new_name(m);
    if (ms.st.sym == ANY) return -1;
  }
  return insert_at(m, below(m, m->n + 1), &ms);
}

static int op_swap(struct mutator *m) {
  if (m->n < 2) return -1;
  uint32_t i = below(m, m->n), j = below(m, m->n - 1);
  if (j >= i) j++;
  struct mutator_stmt t = m->list[i];
  m->list[i] = m->list[j];
  m->list[j] = t;
  return 0;
}

static int op_move(struct mutator *m) {
  if (m->n < 2) return -1;
  uint32_t i = below(m, m->n);
  struct mutator_stmt t = m->list[i];
  remove_at(m, i, 1);
  uint32_t j = below(m, m->n);
  if (j >= i) j++; /* somewhere else */
  return insert_at(m, j, &t);
}

/* A statement index chosen at random among those `ok` accepts, or NONE. */
static uint32_t pick_stmt(struct mutator *m,
                          int (*ok)(const struct mutator_stmt *)) {
  uint32_t cnt = 0;
  for (uint32_t i = 0; i < m->n; i++) cnt += ok(&m->list[i]) ? 1u : 0u;
  if (!cnt) return NONE;
  uint32_t k = below(m, cnt);
  for (uint32_t i = 0; i < m->n; i++)
    if (ok(&m->list[i]) && k-- == 0) return i;
  return NONE;
}

static int has_kind(const struct mutator_stmt *ms) {
  switch (ms->st.op) {
  case GCS_NEW: case GCS_LINK: case GCS_UNLINK: case GCS_TRACK:
  case GCS_UNTRACK: case GCS_ON_FINALIZE: case GCS_ON_CALL: case GCS_COLLECT:
  case GCS_GC_ENABLE: case GCS_GC_DISABLE: case GCS_THRESHOLD: return 1;
  default: return 0;
  }
}

static int op_kind(struct mutator *m) {
  uint32_t i = pick_stmt(m, has_kind);
  if (i == NONE) return -1;
  struct gcs_stmt *st = &m->list[i].st;
  switch (st->op) {
  case GCS_NEW: st->kind = (uint8_t)((st->kind + 1 + below(m, 4)) % 5); break;
  case GCS_LINK: st->op = GCS_UNLINK; break;
  case GCS_UNLINK: st->op = GCS_LINK; break;
  case GCS_TRACK: st->op = GCS_UNTRACK; break;
  case GCS_UNTRACK: st->op = GCS_TRACK; break;
  case GCS_ON_FINALIZE: st->op = GCS_ON_CALL; break;
  case GCS_ON_CALL: st->op = GCS_ON_FINALIZE; break;
  case GCS_COLLECT: st->n[0] = (st->n[0] + 1 + below(m, 2)) % 3; break;
  case GCS_GC_ENABLE: st->op = GCS_GC_DISABLE; break;
  case GCS_GC_DISABLE: st->op = GCS_GC_ENABLE; break;
  case GCS_THRESHOLD: {
    uint8_t c = (uint8_t)(1 + (st->has_c + below(m, 2)) % 3);
    for (unsigned k = st->has_c; k < c; k++) st->n[k] = rand_threshold(m);
    for (unsigned k = c; k < 3; k++) st->n[k] = 0;
    st->has_c = c;
    break;
  }
  default: return -1;
  }
  return 0;
}

static int has_flag(const struct mutator_stmt *ms) {
  return ms->st.op == GCS_NEW || ms->st.op == GCS_SAVEALL ||
         ms->st.op == GCS_WEAKREF_OP;
}

static int op_flag(struct mutator *m) {
  uint32_t i = pick_stmt(m, has_flag);
  if (i == NONE) return -1;
  struct gcs_stmt *st = &m->list[i].st;
  if (st->op == GCS_NEW) {
    st->flags ^= (uint8_t)(1u << below(m, 2));
  } else if (st->op == GCS_SAVEALL) {
    st->flags ^= 1;
  } else {
    st->has_c ^= 1;
    if (st->has_c)
      top_path(m, &st->c);
    else
      memset(&st->c, 0, sizeof st->c);
  }
  return 0;
}

/* Change a path: re-point its root (ANY: chosen at build), or add, drop or
   change a step. */
static void change_path(struct mutator *m, struct gcs_path *p, int script) {
  uint32_t r = below(m, 4);
  if (r == 0 || p->root == GCS_ROOT_NONE) {
    if (script) {
      struct gcs_path q;
      script_path(m, &q);
      p->root = q.root;
      p->sym = q.sym;
    } else {
      p->root = GCS_ROOT_NAME;
      p->sym = ANY;
    }
  } else if (r == 1 && p->nsteps < GCS_MAX_PATH_STEPS) {
    (void)program_step_push(&m->steps, p, rand_step(m));
  } else if (r == 2 && p->nsteps) {
    p->nsteps--;
  } else if (p->nsteps) {
    unsigned k = below(m, p->nsteps);
    (void)program_step_set(&m->steps, p, k, rand_step(m));
  } else {
    (void)program_step_push(&m->steps, p, rand_step(m));
  }
}

static int has_operand(const struct mutator_stmt *ms) {
  switch (ms->st.op) {
  case GCS_LINK: case GCS_UNLINK: case GCS_WEAKREF_OP: case GCS_DEL:
  case GCS_UNTRACK: case GCS_TRACK: case GCS_THRESHOLD:
  case GCS_ON_FINALIZE: case GCS_ON_CALL: return 1;
  default: return 0;
  }
}

static int op_operand(struct mutator *m) {
  uint32_t i = pick_stmt(m, has_operand);
  if (i == NONE) return -1;
  struct gcs_stmt *st = &m->list[i].st;
  switch (st->op) {
  case GCS_LINK:
  case GCS_UNLINK: change_path(m, chance(m, 1, 2) ? &st->a : &st->b, 0); break;
  case GCS_WEAKREF_OP:
    change_path(m, st->has_c && chance(m, 1, 2) ? &st->c : &st->b, 0);
    break;
  case GCS_UNTRACK:
  case GCS_TRACK: change_path(m, &st->a, 0); break;
  case GCS_THRESHOLD: st->n[below(m, st->has_c)] = rand_threshold(m); break;
  default: st->sym = ANY; break; /* del, on: another bound name */
  }
  return 0;
}

static int is_on(const struct mutator_stmt *ms) {
  return ms->st.op == GCS_ON_FINALIZE || ms->st.op == GCS_ON_CALL;
}

static int op_action(struct mutator *m) {
  uint32_t i = pick_stmt(m, is_on);
  if (i == NONE) return -1;
  struct mutator_stmt *ms = &m->list[i];
  /* copy on write, with room for one more */
  uint32_t first = pool_take(m, ms->nact + 1);
  if (first == NONE) return -1;
  memcpy(&m->pool[first], &m->pool[ms->st.script],
         ms->nact * sizeof *m->pool);
  ms->st.script = first;
  struct gcs_action *a = &m->pool[first];
  uint32_t r = below(m, 5), k = below(m, ms->nact);
  if (r == 0 && ms->nact < CODEC_MAX_SCRIPT) {
    uint32_t at = below(m, ms->nact + 1);
    memmove(&a[at + 1], &a[at], (ms->nact - at) * sizeof *a);
    rand_action(m, &a[at]);
    ms->nact++;
  } else if (r == 1 && ms->nact > 1) {
    memmove(&a[k], &a[k + 1], (ms->nact - k - 1) * sizeof *a);
    ms->nact--;
  } else if (r == 2 && ms->nact > 1) {
    uint32_t j = below(m, ms->nact);
    struct gcs_action t = a[k];
    a[k] = a[j];
    a[j] = t;
  } else if (r == 3) {
    struct gcs_action *x = &a[k];
    switch (x->act) {
    case GCS_A_GET_OBJECTS: rand_action(m, x); break;
    case GCS_A_COLLECT: x->gen = (int32_t)below(m, 3); break;
    case GCS_A_LINK:
    case GCS_A_UNLINK:
      change_path(m, chance(m, 1, 2) ? &x->a : &x->b, 1);
      break;
    case GCS_A_WEAKREF: {
      uint32_t w = below(m, 4);
      if (w == 3) {
        x->has_c ^= 1;
        if (x->has_c)
          script_path(m, &x->c);
        else
          memset(&x->c, 0, sizeof x->c);
      } else {
        change_path(m, w == 0 ? &x->a : w == 1 || !x->has_c ? &x->b : &x->c,
                    1);
      }
      break;
    }
    default: change_path(m, &x->a, 1); break;
    }
  } else {
    rand_action(m, &a[k]);
  }
  return 0;
}

static int apply(struct mutator *m, unsigned op) {
  switch (op) {
  case MUT_INSERT: return op_insert(m);
  case MUT_DELETE: return op_delete(m);
  case MUT_DUPLICATE: return op_duplicate(m);
  case MUT_SWAP: return op_swap(m);
  case MUT_MOVE: return op_move(m);
  case MUT_KIND: return op_kind(m);
  case MUT_FLAG: return op_flag(m);
  case MUT_OPERAND: return op_operand(m);
  case MUT_ACTION: return op_action(m);
  default: return -1;
  }
}

/* ---- rebuilding a valid program ---- */

static uint32_t bound_pos(const struct mutator *m, uint32_t nbound,
                          uint32_t sym) {
  for (uint32_t i = 0; i < nbound; i++)
    if (m->bound[i] == sym) return i;
  return NONE;
}

/* A top-level path: rooted at a name bound here. */
static int resolve_top(struct mutator *m, uint32_t nbound,
                       struct gcs_path *p) {
  if (!nbound) return -1;
  if (p->root != GCS_ROOT_NAME || p->sym == ANY || p->sym >= m->nnames ||
      m->binder[p->sym] == NONE) {
    p->root = GCS_ROOT_NAME;
    p->sym = m->bound[below(m, nbound)];
  }
  return 0;
}

static void resolve_script(struct mutator *m, uint32_t nbound, int call,
                           struct gcs_path *p) {
  if (p->root == GCS_ROOT_ARG && !call) p->root = GCS_ROOT_SELF;
  if (p->root == GCS_ROOT_NAME && p->sym == ANY) {
    if (nbound)
      p->sym = m->bound[below(m, nbound)];
    else
      p->root = GCS_ROOT_SELF;
  }
}

static int hook_ok(const struct mutator *m, uint32_t sym, int op) {
  return sym < m->nnames && m->binder[sym] != NONE &&
         program_hook_ok(&m->list[m->binder[sym]].st, op);
}

/* The target of an `on`: kept if it has the hook (or the other one: the
   statement switches), else a random bound name with the hook. */
static int resolve_on(struct mutator *m, uint32_t nbound,
                      struct gcs_stmt *st) {
  int other = st->op == GCS_ON_FINALIZE ? GCS_ON_CALL : GCS_ON_FINALIZE;
  if (st->sym != ANY && hook_ok(m, st->sym, st->op)) return 0;
  if (st->sym != ANY && hook_ok(m, st->sym, other)) {
    st->op = (uint8_t)other;
    return 0;
  }
  for (int pass = 0; pass < 2; pass++) {
    int op = pass ? other : st->op;
    uint32_t cnt = 0;
    for (uint32_t i = 0; i < nbound; i++)
      cnt += hook_ok(m, m->bound[i], op) ? 1u : 0u;
    if (!cnt) continue;
    uint32_t k = below(m, cnt);
    for (uint32_t i = 0; i < nbound; i++)
      if (hook_ok(m, m->bound[i], op) && k-- == 0) {
        st->sym = m->bound[i];
        st->op = (uint8_t)op;
        return 0;
      }
  }
  return -1;
}

static void bind(struct mutator *m, uint32_t *nbound, uint32_t sym,
                 uint32_t at, uint8_t kind) {
  if (m->binder[sym] == NONE) m->bound[(*nbound)++] = sym;
  m->binder[sym] = at;
  if (m->map[sym] == NONE) {
    m->map[sym] = 0; /* numbered below, in binding order */
    m->map_kind[sym] = kind;
  }
  m->ever[sym] = 1;
}

/* The statement with only the fields its op uses (what the decoder makes). */
static void canonical(struct gcs_stmt *st) {
  struct gcs_stmt c;
  memset(&c, 0, sizeof c);
  c.op = st->op;
  switch (st->op) {
  case GCS_NEW:
    c.kind = st->kind;
    c.flags = st->flags & 3u;
    c.sym = st->sym;
    break;
  case GCS_LINK:
  case GCS_UNLINK: c.a = st->a, c.b = st->b; break;
  case GCS_WEAKREF_OP:
    c.sym = st->sym;
    c.b = st->b;
    c.has_c = st->has_c & 1u;
    if (c.has_c) c.c = st->c;
    break;
  case GCS_DEL: c.sym = st->sym; break;
  case GCS_UNTRACK:
  case GCS_TRACK: c.a = st->a; break;
  case GCS_COLLECT: c.n[0] = st->n[0]; break;
  case GCS_SAVEALL: c.flags = st->flags & 1u; break;
  case GCS_THRESHOLD:
    c.has_c = st->has_c;
    for (unsigned i = 0; i < c.has_c; i++) c.n[i] = st->n[i];
    break;
  case GCS_ON_FINALIZE:
  case GCS_ON_CALL:
    c.sym = st->sym;
    c.script = st->script;
    break;
  default: break;
  }
  *st = c;
}

static void canonical_action(struct gcs_action *a) {
  struct gcs_action c;
  memset(&c, 0, sizeof c);
  c.act = a->act;
  switch (a->act) {
  case GCS_A_LINK:
  case GCS_A_UNLINK: c.a = a->a, c.b = a->b; break;
  case GCS_A_WEAKREF:
    c.a = a->a, c.b = a->b;
    c.has_c = a->has_c & 1u;
    if (c.has_c) c.c = a->c;
    break;
  case GCS_A_GET_OBJECTS: break;
  case GCS_A_COLLECT: c.gen = a->gen; break;
  default: c.a = a->a; break;
  }
  *a = c;
}

/* Pass 1: walk the list as the decoder will, repair or drop. */
static void repair(struct mutator *m) {
  memset(m->binder, 0xff, m->nnames * sizeof *m->binder);
  memset(m->map, 0xff, m->nnames * sizeof *m->map);
  memset(m->ever, 0, m->nnames);
  uint32_t nbound = 0, out = 0;
  for (uint32_t i = 0; i < m->n; i++) {
    struct mutator_stmt ms = m->list[i];
    struct gcs_stmt *st = &ms.st;
    canonical(st);
    int ok = 1, stop = 0;
    switch (st->op) {
    case GCS_NEW:
      bind(m, &nbound, st->sym, out, st->kind);
      break;
    case GCS_WEAKREF_OP:
      ok = resolve_top(m, nbound, &st->b) == 0 &&
           (!st->has_c || resolve_top(m, nbound, &st->c) == 0);
      if (ok) bind(m, &nbound, st->sym, out, GCS_WEAKREF);
      break;
    case GCS_LINK:
    case GCS_UNLINK:
      ok = resolve_top(m, nbound, &st->a) == 0 &&
           resolve_top(m, nbound, &st->b) == 0;
      break;
    case GCS_UNTRACK:
    case GCS_TRACK: ok = resolve_top(m, nbound, &st->a) == 0; break;
    case GCS_DEL: {
      if (!nbound) {
        ok = 0;
        break;
      }
      if (st->sym == ANY || m->binder[st->sym] == NONE)
        st->sym = m->bound[below(m, nbound)];
      uint32_t k = bound_pos(m, nbound, st->sym);
      memmove(&m->bound[k], &m->bound[k + 1],
              (nbound - k - 1) * sizeof *m->bound);
      nbound--;
      m->binder[st->sym] = NONE;
      break;
    }
    case GCS_ON_FINALIZE:
    case GCS_ON_CALL: {
      ok = ms.nact >= 1 && ms.nact <= CODEC_MAX_SCRIPT &&
           resolve_on(m, nbound, st) == 0;
      if (!ok) break;
      int call = st->op == GCS_ON_CALL;
      for (uint32_t j = 0; j < ms.nact; j++) {
        struct gcs_action *a = &m->pool[st->script + j];
        canonical_action(a);
        resolve_script(m, nbound, call, &a->a);
        resolve_script(m, nbound, call, &a->b);
        resolve_script(m, nbound, call, &a->c);
      }
      break;
    }
    case GCS_EXIT: stop = 1; break;
    case GCS_POLICY: ok = 0; break;
    default: break;
    }
    if (!ok) continue;
    m->list[out++] = ms;
    if (stop) break;
  }
  m->n = out;
  /* number the bound names in binding order, as the decoder does */
  uint32_t fresh = 0;
  for (uint32_t i = 0; i < m->n; i++) {
    struct gcs_stmt *st = &m->list[i].st;
    if (binds(st) && m->map[st->sym] == 0) m->map[st->sym] = ++fresh;
  }
}

/* Name id's symbol in m->prog: made (and searched for) once an emit, not
   at every use (the search compares names, and was a fifth of the
   mutator's instructions). */
static uint32_t out_sym(struct mutator *m, uint32_t id) {
  if (m->sym_of[id] != UINT32_MAX) return m->sym_of[id];
  char name[PROGRAM_NUMBERED_NAME];
  program_numbered_name(name, fresh_prefix[m->map_kind[id]], m->map[id]);
  return m->sym_of[id] = program_sym(&m->prog, name);
}

/* Path *p of the list into m->prog: its steps, and its name. */
static int emit_path(struct mutator *m, struct gcs_path *p) {
  if (program_path_copy(&m->prog.steps, p, &m->steps, p)) return -1;
  if (p->root != GCS_ROOT_NAME) return 0;
  if (p->sym >= m->nnames || !m->ever[p->sym]) {
    p->root = GCS_ROOT_SELF; /* a name the program never binds */
    p->sym = 0;
    return 0;
  }
  p->sym = out_sym(m, p->sym);
  return p->sym == UINT32_MAX ? -1 : 0;
}

/* Pass 2: the program, in m->prog. */
static int emit(struct mutator *m) {
  program_clear(&m->prog);
  for (uint32_t i = 0; i < m->nnames; i++) m->sym_of[i] = UINT32_MAX;
  for (uint32_t i = 0; i < m->n; i++) {
    const struct mutator_stmt *ms = &m->list[i];
    struct gcs_stmt *st = program_add_stmt(&m->prog);
    if (!st) return -1;
    *st = ms->st;
    st->line = m->prog.nstmts;
    switch (st->op) {
    case GCS_NEW:
    case GCS_WEAKREF_OP:
    case GCS_DEL:
    case GCS_ON_FINALIZE:
    case GCS_ON_CALL:
      st->sym = out_sym(m, st->sym);
      if (st->sym == UINT32_MAX) return -1;
      break;
    default: break;
    }
    unsigned paths = program_stmt_paths(st);
    if (((paths & GCS_PATH_A) && emit_path(m, &st->a)) ||
        ((paths & GCS_PATH_B) && emit_path(m, &st->b)) ||
        ((paths & GCS_PATH_C) && emit_path(m, &st->c)))
      return -1;
    if (st->op == GCS_ON_FINALIZE || st->op == GCS_ON_CALL) {
      uint32_t first = ms->st.script;
      st->script = program_add_script(&m->prog);
      if (st->script == UINT32_MAX) return -1;
      for (uint32_t j = 0; j < ms->nact; j++) {
        struct gcs_action *a = program_add_action(&m->prog);
        if (!a) return -1;
        *a = m->pool[first + j];
        if (emit_path(m, &a->a) || emit_path(m, &a->b) ||
            emit_path(m, &a->c))
          return -1;
      }
    }
  }
  return 0;
}

/* The header's swarm masks (fuzz/codec.c): a statement's bit is its code
   in the format, an action's its mask bit. */
static const uint8_t stmt_code[GCS_NOPS] = {
    [GCS_POLICY] = 15, [GCS_NEW] = 0,       [GCS_LINK] = 1,
    [GCS_UNLINK] = 2,  [GCS_WEAKREF_OP] = 3, [GCS_DEL] = 4,
    [GCS_UNTRACK] = 5, [GCS_TRACK] = 6,     [GCS_COLLECT] = 7,
    [GCS_GC_ENABLE] = 8, [GCS_GC_DISABLE] = 9, [GCS_SAVEALL] = 10,
    [GCS_THRESHOLD] = 11, [GCS_GET_OBJECTS] = 12, [GCS_EXIT] = 13,
    [GCS_ON_FINALIZE] = 14, [GCS_ON_CALL] = 14};
static const uint8_t act_bit[GCS_NACTS] = {0, 1, 2, 3, 3, 4, 5, 6, 7};

/* Keep the input's swarm: its masks, plus the kinds the program now uses
   (so that it decodes the same), instead of the encoder's all-enabled
   header. Byte mutations of the output then keep to the input's kinds. */
static void keep_swarm(struct mutator *m, const uint8_t *in, size_t len) {
  unsigned sm = len > 1 ? (unsigned)in[0] | (unsigned)in[1] << 8 : 0xffffu;
  if (len == 1) sm = in[0] | 0xff00u;
  unsigned am = len > 2 ? in[2] : 0xffu;
  if (!am) am = 0xffu;
  for (uint32_t i = 0; i < m->prog.nstmts; i++)
    sm |= 1u << stmt_code[m->prog.stmts[i].op];
  for (uint32_t i = 0; i < m->prog.nactions; i++)
    am |= 1u << act_bit[m->prog.actions[i].act];
  uint8_t *h = (uint8_t *)m->buf.p;
  h[0] = (uint8_t)sm;
  h[1] = (uint8_t)(sm >> 8);
  h[2] = (uint8_t)am;
  h[3] = 0; /* an `exit` is written out */
}

/* Build, encode, check the size: 0 with the bytes in m->buf, or -1. */
static int finish(struct mutator *m, size_t max_size, const uint8_t *in,
                  size_t len) {
  repair(m);
  if (emit(m)) return -1;
  char err[160];
  m->buf.len = 0;
  m->buf.oom = 0;
  if (codec_encode(&m->prog, &m->buf, err, sizeof err) || m->buf.oom)
    return -1;
  keep_swarm(m, in, len);
  return m->buf.len <= max_size ? 0 : -1;
}

static void seed_rng(struct mutator *m, unsigned seed, uint64_t salt) {
  m->rng = (uint64_t)seed * 0x2545f4914f6cdd1dULL ^ salt;
  (void)next(m);
}

static unsigned n_ops(struct mutator *m) {
  return chance(m, 1, 2) ? 1 : chance(m, 1, 2) ? 2 : 3 + below(m, 2);
}

size_t mutator_mutate(struct mutator *m, uint8_t *data, size_t size,
                      size_t max_size, unsigned seed) {
  /* MUT_INSERT .. MUT_ACTION */
  static const uint8_t w[MUT_SPLICE] = {25, 12, 8, 6, 8, 8, 6, 15, 12};
  seed_rng(m, seed, 0x6d757461746f72ULL);
  if (codec_decode_reuse(data, size, &m->in, &m->sc, NULL)) goto fail;
  for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
    m->nnames = m->steps.n = 0;
    m->npool = 0;
    if (lift(m, &m->in, m->list, &m->n)) goto fail;
    uint64_t applied[MUT_NOPS] = {0};
    unsigned ops = n_ops(m), done = 0;
    for (unsigned k = 0; k < ops; k++)
      for (int tries = 0; tries < 8; tries++) {
        unsigned op = pick(m, w, MUT_SPLICE);
        if (apply(m, op) == 0) {
          applied[op]++;
          done++;
          break;
        }
      }
    if (!done || finish(m, max_size, data, size)) continue;
    if (m->buf.len == size && memcmp(m->buf.p, data, size) == 0) continue;
    memcpy(data, m->buf.p, m->buf.len);
    for (int k = 0; k < MUT_NOPS; k++) m->applied[k] += applied[k];
    m->produced++;
    return m->buf.len;
  }
fail:
  m->gave_up++;
  return 0;
}

size_t mutator_crossover(struct mutator *m, const uint8_t *d1, size_t s1,
                         const uint8_t *d2, size_t s2, uint8_t *out,
                         size_t max_out, unsigned seed) {
  static const uint8_t w[MUT_SPLICE] = {25, 12, 8, 6, 8, 8, 6, 15, 12};
  seed_rng(m, seed, 0x63726f73736f76ULL);
  if (codec_decode_reuse(d1, s1, &m->in, &m->sc, NULL) ||
      codec_decode_reuse(d2, s2, &m->in2, &m->sc, NULL))
    goto fail;
  for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
    m->nnames = m->steps.n = 0;
    m->npool = 0;
    if (lift(m, &m->in, m->list, &m->n) ||
        lift(m, &m->in2, m->other, &m->nother))
      goto fail;
    if (!m->nother) goto fail;
    uint64_t applied[MUT_NOPS] = {0};
    /* a run of the other parent's statements */
    uint32_t j = below(m, m->nother);
    uint32_t len = 1 + below(m, m->nother - j < 8 ? m->nother - j : 8);
    uint32_t mode = below(m, 3), at = below(m, m->n + 1);
    if (mode == 2) { /* the other's tail replaces ours */
      m->n = at;
      len = m->nother - j;
    } else if (mode == 1 && at < m->n) { /* replaces a few of ours */
      uint32_t drop = 1 + below(m, 4);
      if (drop > m->n - at) drop = m->n - at;
      remove_at(m, at, drop);
    }
    if (len > CODEC_MAX_STMTS - m->n) len = CODEC_MAX_STMTS - m->n;
    if (!len) continue;
    memmove(&m->list[at + len], &m->list[at], (m->n - at) * sizeof *m->list);
    memcpy(&m->list[at], &m->other[j], len * sizeof *m->list);
    m->n += len;
    applied[MUT_SPLICE]++;
    if (chance(m, 1, 4)) {
      unsigned op = pick(m, w, MUT_SPLICE);
      if (apply(m, op) == 0) applied[op]++;
    }
    if (finish(m, max_out, d1, s1)) continue;
    memcpy(out, m->buf.p, m->buf.len);
    for (int k = 0; k < MUT_NOPS; k++) m->applied[k] += applied[k];
    m->produced++;
    return m->buf.len;
  }
fail:
  m->gave_up++;
  return 0;
}
