/*
** space.c — the bounds, the skeletons of a space, the actions a script may
** do, and the program a node stands for.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explore_int.h"

/* ---- bounds ---- */

static const char *const act_names[GCS_NACTS] = {
    "touch", "call", "keep", "link", "unlink", "drop", "weakref",
    "get_objects", "collect"};

void explore_bounds_default(struct explore_bounds *b) {
  memset(b, 0, sizeof *b);
  b->objects = 3;
  b->weakrefs = 1;
  b->links = 3;
  b->slots = 2;
  b->actions = 0;
  b->path_steps = 1;
  b->collects = 1;
  b->untracks = 0;
  b->stmts = 0;
  b->kinds = (1u << GCS_OBJECT) | (1u << GCS_NOCLEAR) | (1u << GCS_FUNCTION) |
             (1u << GCS_OPAQUE) | (1u << GCS_LEAF);
  b->flags = GCS_FLAG_FIN;
  b->acts = (1u << GCS_NACTS) - 1u;
  b->roots = EX_ROOT_SELF | EX_ROOT_ARG | EX_ROOT_NAMES;
  b->gens = 1u << 2;
}

static int fail(char *err, size_t errlen, const char *fmt, const char *a,
                const char *b) {
  snprintf(err, errlen, fmt, a, b);
  return -1;
}

static int number(const char *name, const char *v, long lo, long hi,
                  long *out, char *err, size_t errlen) {
  char *end = NULL;
  long n = strtol(v, &end, 10);
  if (!*v || *end || n < lo || n > hi) {
    char range[64];
    snprintf(range, sizeof range, "%ld..%ld", lo, hi);
    snprintf(err, errlen, "--%s %s: not a number in %s", name, v, range);
    return -1;
  }
  *out = n;
  return 0;
}

/* A comma list of words into a bit set; names[i] is bit i. */
static int word_set(const char *name, const char *v,
                    const char *const *names, unsigned nnames, uint32_t *out,
                    char *err, size_t errlen) {
  uint32_t set = 0;
  char buf[256];
  snprintf(buf, sizeof buf, "%s", v);
  if (!strcmp(buf, "none")) {
    *out = 0;
    return 0;
  }
  for (char *w = strtok(buf, ","); w; w = strtok(NULL, ",")) {
    unsigned i;
    for (i = 0; i < nnames; i++)
      if (names[i] && !strcmp(w, names[i])) break;
    if (i == nnames) {
      char list[200] = "";
      for (unsigned k = 0; k < nnames; k++)
        if (names[k]) {
          strncat(list, names[k], sizeof list - strlen(list) - 2);
          if (k + 1 < nnames) strncat(list, ",", sizeof list - strlen(list) - 1);
        }
      snprintf(err, errlen, "--%s: unknown '%s' (one of %s, or none)", name,
               w, list);
      return -1;
    }
    set |= 1u << i;
  }
  *out = set;
  return 0;
}

static const char *const kind_words[] = {"object", "noclear", "function",
                                         "opaque", "leaf"};
static const char *const flag_words[] = {"fin", "legacy"};
static const char *const root_words[] = {"self", "arg", "names"};
static const char *const gen_words[] = {"0", "1", "2"};

int explore_bounds_set(struct explore_bounds *b, const char *name,
                       const char *v, char *err, size_t errlen) {
  long n = 0;
  struct {
    const char *name;
    uint32_t *field;
    long hi;
  } nums[] = {{"objects", &b->objects, EX_MAX_OBJECTS},
              {"weakrefs", &b->weakrefs, EX_MAX_WEAKREFS},
              {"links", &b->links, EX_MAX_LINKS},
              {"slots", &b->slots, EX_MAX_SLOTS},
              {"actions", &b->actions, EX_MAX_ACTIONS},
              {"path-steps", &b->path_steps, EX_MAX_PATH_STEPS},
              {"collects", &b->collects, 4},
              {"untracks", &b->untracks, 4},
              {"stmts", &b->stmts, 64}};
  for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
    if (!strcmp(name, nums[i].name)) {
      if (number(name, v, 0, nums[i].hi, &n, err, errlen)) return -1;
      *nums[i].field = (uint32_t)n;
      return 0;
    }
  if (!strcmp(name, "kinds"))
    return word_set(name, v, kind_words, 5, &b->kinds, err, errlen);
  if (!strcmp(name, "flags")) {
    uint32_t f = 0;
    if (word_set(name, v, flag_words, 2, &f, err, errlen)) return -1;
    b->flags = f; /* bit 0 fin, bit 1 legacy: GCS_FLAG_FIN, _LEGACY */
    return 0;
  }
  if (!strcmp(name, "acts"))
    return word_set(name, v, act_names, GCS_NACTS, &b->acts, err, errlen);
  if (!strcmp(name, "roots"))
    return word_set(name, v, root_words, 3, &b->roots, err, errlen);
  if (!strcmp(name, "gens"))
    return word_set(name, v, gen_words, 3, &b->gens, err, errlen);
  if (!strcmp(name, "thresholds")) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s", v);
    b->nthresholds = 0;
    if (!strcmp(buf, "none")) return 0;
    for (char *w = strtok(buf, ","); w; w = strtok(NULL, ",")) {
      if (b->nthresholds == EX_MAX_THRESHOLDS)
        return fail(err, errlen, "--thresholds %s: more than 4 values%s", v,
                    "");
      if (number(name, w, 0, 1000000, &n, err, errlen)) return -1;
      b->thresholds[b->nthresholds++] = n;
    }
    return 0;
  }
  return fail(err, errlen, "unknown bound '%s'%s", name, "");
}

int explore_bounds_check(const struct explore_bounds *b, char *err,
                         size_t errlen) {
  if (b->objects < 1)
    return fail(err, errlen, "--objects 0: a program needs an object%s%s",
                "", "");
  if (!b->kinds)
    return fail(err, errlen, "--kinds none: `new` could make nothing%s%s",
                "", "");
  if (b->links && !b->slots)
    return fail(err, errlen,
                "--links without --slots: a link needs a slot (--slots 0 "
                "forbids every link)%s%s",
                "", "");
  if (b->links && !(b->kinds & ((1u << GCS_OBJECT) | (1u << GCS_NOCLEAR) |
                                (1u << GCS_FUNCTION) | (1u << GCS_OPAQUE))))
    return fail(err, errlen,
                "--links: none of the --kinds can hold a reference%s%s", "",
                "");
  if (b->collects && !b->gens)
    return fail(err, errlen,
                "--collects without a generation (--gens none)%s%s", "", "");
  if (b->actions && !b->acts)
    return fail(err, errlen, "--actions without an action (--acts none)%s%s",
                "", "");
  uint32_t pathless = (1u << GCS_A_GET_OBJECTS) | (1u << GCS_A_COLLECT);
  if (b->actions && !b->roots && (b->acts & ~pathless))
    return fail(err, errlen,
                "--acts with paths but --roots none: no path to act on%s%s",
                "", "");
  if (b->actions && !b->flags && !b->weakrefs &&
      !(b->acts & (1u << GCS_A_WEAKREF)))
    return fail(err, errlen,
                "--actions: no script could ever run (no finalizer flag in "
                "--flags, no weakref to call back)%s%s",
                "", "");
  if (b->stmts == 1)
    return fail(err, errlen,
                "--stmts 1: a program is at least `new` and `exit`%s%s", "",
                "");
  return 0;
}

static void words(char *out, size_t len, uint32_t set,
                  const char *const *names, unsigned n) {
  size_t k = strlen(out);
  int any = 0;
  for (unsigned i = 0; i < n; i++)
    if (set & (1u << i)) {
      k += (size_t)snprintf(out + k, k < len ? len - k : 0, "%s%s",
                            any ? "," : "", names[i]);
      any = 1;
    }
  if (!any) k += (size_t)snprintf(out + k, k < len ? len - k : 0, "none");
  (void)k;
}

void explore_bounds_text(const struct explore_bounds *b, char *out,
                         size_t len) {
  snprintf(out, len,
           "objects=%u weakrefs=%u links=%u slots=%u actions=%u "
           "path-steps=%u collects=%u untracks=%u stmts=%u kinds=",
           b->objects, b->weakrefs, b->links, b->slots, b->actions,
           b->path_steps, b->collects, b->untracks, b->stmts);
  words(out, len, b->kinds, kind_words, 5);
  strncat(out, " flags=", len - strlen(out) - 1);
  words(out, len, b->flags, flag_words, 2);
  strncat(out, " acts=", len - strlen(out) - 1);
  words(out, len, b->acts, act_names, GCS_NACTS);
  strncat(out, " roots=", len - strlen(out) - 1);
  words(out, len, b->roots, root_words, 3);
  strncat(out, " gens=", len - strlen(out) - 1);
  words(out, len, b->gens, gen_words, 3);
  strncat(out, " thresholds=", len - strlen(out) - 1);
  if (!b->nthresholds) strncat(out, "none", len - strlen(out) - 1);
  for (uint32_t i = 0; i < b->nthresholds; i++) {
    char t[32];
    snprintf(t, sizeof t, "%s%lld", i ? "," : "",
             (long long)b->thresholds[i]);
    strncat(out, t, len - strlen(out) - 1);
  }
}

/* ---- skeletons ---- */

int ex_container(uint8_t kind) {
  return kind == GCS_OBJECT || kind == GCS_NOCLEAR || kind == GCS_FUNCTION ||
         kind == GCS_OPAQUE;
}

int ex_gc_kind(uint8_t kind) {
  return kind == GCS_OBJECT || kind == GCS_NOCLEAR || kind == GCS_FUNCTION ||
         kind == GCS_WEAKREF;
}

const char *ex_name(uint32_t i) {
  static const char *const names[] = {"a", "b", "c", "d", "e",
                                      "f", "g", "h", "i", "j"};
  return i < sizeof names / sizeof names[0] ? names[i] : "z";
}

static int push(struct explore_space *sp, const struct ex_skel *k) {
  if (sp->n == sp->cap) {
    uint64_t cap = sp->cap ? sp->cap * 2 : 256;
    struct ex_skel *v = realloc(sp->sk, (size_t)cap * sizeof *v);
    if (!v) return -1;
    sp->sk = v;
    sp->cap = cap;
  }
  sp->sk[sp->n++] = *k;
  return 0;
}

/* Every sequence of items within the bounds that starts with a `new`, in
   depth-first order (each prefix is a skeleton of its own). */
static int grow(struct explore_space *sp, struct ex_skel *k, uint32_t nobj,
                uint32_t nwr) {
  const struct explore_bounds *b = &sp->b;
  if (k->n && push(sp, k)) return -1;
  struct ex_item *it = &k->it[k->n];
  if (nobj < b->objects)
    for (uint8_t kind = 0; kind < GCS_WEAKREF; kind++) {
      if (!(b->kinds & (1u << kind))) continue;
      for (uint8_t f = 0; f < 4; f++) {
        if (f & ~b->flags) continue;
        memset(it, 0, sizeof *it);
        it->op = GCS_NEW;
        it->kind = kind;
        it->flags = f;
        it->callback = -1;
        k->n++;
        int rc = grow(sp, k, nobj + 1, nwr);
        k->n--;
        if (rc) return rc;
      }
    }
  if (nwr < b->weakrefs)
    for (int t = 0; t < k->n; t++) {
      if (k->it[t].op != GCS_NEW) continue;
      for (int c = -1; c < k->n; c++) {
        if (c >= 0 && k->it[c].op != GCS_NEW) continue;
        memset(it, 0, sizeof *it);
        it->op = GCS_WEAKREF_OP;
        it->kind = GCS_WEAKREF;
        it->target = (int8_t)t;
        it->callback = (int8_t)c;
        k->n++;
        int rc = grow(sp, k, nobj, nwr + 1);
        k->n--;
        if (rc) return rc;
      }
    }
  return 0;
}

struct explore_space *explore_space_make(const struct explore_bounds *b) {
  struct explore_space *sp = calloc(1, sizeof *sp);
  if (!sp) return NULL;
  sp->b = *b;
  for (int t = -1; t < (int)b->nthresholds; t++) {
    struct ex_skel k;
    memset(&k, 0, sizeof k);
    k.threshold = (int8_t)t;
    if (grow(sp, &k, 0, 0)) {
      explore_space_free(sp);
      return NULL;
    }
  }
  return sp;
}

void explore_space_free(struct explore_space *sp) {
  if (!sp) return;
  free(sp->sk);
  free(sp);
}

uint64_t explore_space_skeletons(const struct explore_space *sp) {
  return sp->n;
}

/* ---- script actions ---- */

/* The paths of a context, into out[] (at most cap). Static pruning only
   where the kind is known: a slot step needs a container, a call step a
   weakref; after a slot step the kind is unknown, so both may follow. */
struct pathset {
  struct gcs_path *p;
  uint32_t n, cap;
  struct gcs_steps steps; /* the paths' steps */
};

static int path_add(struct pathset *ps, const struct gcs_path *p) {
  if (ps->n == ps->cap) {
    uint32_t cap = ps->cap ? ps->cap * 2 : 32;
    struct gcs_path *v = realloc(ps->p, cap * sizeof *v);
    if (!v) return -1;
    ps->p = v;
    ps->cap = cap;
  }
  ps->p[ps->n++] = *p;
  return 0;
}

/* kind: of the object the path is at now, or -1 when unknown. */
static int path_grow(struct pathset *ps, struct gcs_path *p, int kind,
                     const struct explore_bounds *b) {
  if (path_add(ps, p)) return -1;
  if (p->nsteps >= b->path_steps) return 0;
  if (kind < 0 || ex_container((uint8_t)kind))
    for (uint32_t s = 0; s < b->slots; s++) {
      if (program_step_push(&ps->steps, p, (int32_t)s)) return -1;
      int rc = path_grow(ps, p, -1, b);
      p->nsteps--;
      if (rc) return rc;
    }
  if (kind < 0 || kind == GCS_WEAKREF) {
    if (program_step_push(&ps->steps, p, GCS_STEP_CALL)) return -1;
    int rc = path_grow(ps, p, -1, b);
    p->nsteps--;
    if (rc) return rc;
  }
  return 0;
}

static int paths(const struct ex_skel *sk, const struct explore_bounds *b,
                 uint32_t x, int call, struct pathset *ps) {
  struct gcs_path p;
  memset(&p, 0, sizeof p);
  if (b->roots & EX_ROOT_SELF) {
    p.root = GCS_ROOT_SELF;
    if (path_grow(ps, &p, sk->it[x].kind, b)) return -1;
  }
  if (call && (b->roots & EX_ROOT_ARG)) {
    memset(&p, 0, sizeof p);
    p.root = GCS_ROOT_ARG;
    if (path_grow(ps, &p, GCS_WEAKREF, b)) return -1;
  }
  if (b->roots & EX_ROOT_NAMES)
    for (uint32_t i = 0; i < sk->n; i++) {
      memset(&p, 0, sizeof p);
      p.root = GCS_ROOT_NAME;
      p.sym = i;
      if (path_grow(ps, &p, sk->it[i].kind, b)) return -1;
    }
  return 0;
}

/* Append an action whose paths a, b, c are the context's paths ia, ib, ic
   (NOP: none); its fields are the caller's to fill. */
#define NOP UINT16_MAX
static struct gcs_action *cat_add(struct ex_catalog *c, const struct pathset *ps,
                                  uint8_t act, uint32_t ia, uint32_t ib,
                                  uint32_t ic) {
  if (c->n == c->cap) {
    uint32_t cap = c->cap ? c->cap * 2 : 64;
    struct gcs_action *v = realloc(c->a, cap * sizeof *v);
    uint16_t(*pi)[3] = realloc(c->pi, cap * sizeof *pi);
    if (v) c->a = v;
    if (pi) c->pi = pi;
    if (!v || !pi) return NULL;
    c->cap = cap;
  }
  uint16_t *pi = c->pi[c->n];
  struct gcs_action *a = &c->a[c->n++];
  memset(a, 0, sizeof *a);
  a->act = act;
  pi[0] = (uint16_t)ia;
  pi[1] = (uint16_t)ib;
  pi[2] = (uint16_t)ic;
  if (ia != NOP) a->a = ps->p[ia];
  if (ib != NOP) a->b = ps->p[ib];
  if (ic != NOP) {
    a->has_c = 1;
    a->c = ps->p[ic];
  }
  return a;
}

int ex_actions(const struct ex_skel *sk, const struct explore_bounds *b,
               uint32_t x, int call, struct ex_catalog *out) {
  memset(out, 0, sizeof *out);
  struct pathset ps = {0};
  if (paths(sk, b, x, call, &ps)) goto oom;
  if (ps.n >= UINT16_MAX) goto oom; /* path indices are 16-bit */
  for (uint8_t act = 0; act < GCS_NACTS; act++) {
    if (!(b->acts & (1u << act))) continue;
    struct ex_block *bk = &out->blocks[out->nblocks];
    memset(bk, 0, sizeof *bk);
    bk->first = out->n;
    bk->act = act;
    bk->dom[0] = bk->dom[1] = bk->dom[2] = 1;
    switch (act) { /* the block's shape: paths per entry, choices for each */
    case GCS_A_WEAKREF: /* holder, target, callback (ps.n: none) */
      bk->arity = 3;
      bk->dom[2] = (uint16_t)(ps.n + 1);
      bk->dom[1] = bk->dom[0] = (uint16_t)ps.n;
      break;
    case GCS_A_LINK:
    case GCS_A_UNLINK:
      bk->arity = 2;
      bk->dom[1] = bk->dom[0] = (uint16_t)ps.n;
      break;
    case GCS_A_TOUCH:
    case GCS_A_CALL:
    case GCS_A_KEEP:
    case GCS_A_DROP:
      bk->arity = 1;
      bk->dom[0] = (uint16_t)ps.n;
      break;
    default: break;
    }
    uint32_t gens = (b->gens & 1u) + (b->gens >> 1 & 1u) + (b->gens >> 2 & 1u);
    uint64_t n = bk->arity ? (uint64_t)bk->dom[0] * bk->dom[1] * bk->dom[2]
                 : act == GCS_A_COLLECT ? gens
                 : act == GCS_A_GET_OBJECTS;
    if (out->n + n > EXPLORE_MAX_CATALOG) { /* entries are 16-bit indices */
      free(ps.p);
      program_steps_free(&ps.steps);
      ex_catalog_free(out);
      return -2;
    }
    if (bk->arity) {
      for (uint32_t e = 0; e < n; e++) { /* in lexicographic order */
        uint32_t c[3];
        ex_block_coords(bk, bk->first + e, c);
        if (!cat_add(out, &ps, act, c[0], bk->arity > 1 ? c[1] : NOP,
                     bk->arity > 2 && c[2] < ps.n ? c[2] : NOP))
          goto oom;
      }
    } else if (act == GCS_A_GET_OBJECTS) {
      if (!cat_add(out, &ps, act, NOP, NOP, NOP)) goto oom;
    } else if (act == GCS_A_COLLECT) {
      for (int g = 0; g < 3; g++)
        if (b->gens & (1u << g)) {
          struct gcs_action *a = cat_add(out, &ps, act, NOP, NOP, NOP);
          if (!a) goto oom;
          a->gen = g;
        }
    }
    bk->n = out->n - bk->first;
    if (bk->n) out->nblocks++;
  }
  out->paths = ps.p;
  out->npaths = ps.n;
  out->steps = ps.steps;
  return 0;
oom:
  free(ps.p);
  program_steps_free(&ps.steps);
  ex_catalog_free(out);
  return -1;
}

void ex_catalog_free(struct ex_catalog *c) {
  free(c->a);
  free(c->pi);
  free(c->paths);
  program_steps_free(&c->steps);
  memset(c, 0, sizeof *c);
}

/* ---- programs ---- */

static void name_path(struct gcs_path *p, uint32_t sym) {
  memset(p, 0, sizeof *p);
  p->root = GCS_ROOT_NAME;
  p->sym = sym;
}

int ex_build(struct gcs_program *p, const struct ex_skel *sk,
             const struct explore_bounds *b, const struct ex_move *mv,
             uint32_t nmv, const struct ex_catalog *catalogs,
             const struct ex_assign *as, int clean, uint8_t *script_hook) {
  program_clear(p);
  for (uint32_t i = 0; i < sk->n; i++)
    if (program_sym_new(p, ex_name(i)) != i) return -1;
  struct gcs_stmt *st;
  if (sk->threshold >= 0) {
    if (!(st = program_add_stmt(p))) return -1;
    st->op = GCS_THRESHOLD;
    st->has_c = 1;
    st->n[0] = b->thresholds[sk->threshold];
  }
  for (uint32_t i = 0; i < sk->n; i++) {
    const struct ex_item *it = &sk->it[i];
    if (!(st = program_add_stmt(p))) return -1;
    st->op = it->op;
    st->sym = i;
    if (it->op == GCS_NEW) {
      st->kind = it->kind;
      st->flags = it->flags;
    } else {
      name_path(&st->b, (uint32_t)it->target);
      if (it->callback >= 0) {
        st->has_c = 1;
        name_path(&st->c, (uint32_t)it->callback);
      }
    }
  }
  for (uint32_t m = 0; m < nmv; m++) {
    const struct ex_move *v = &mv[m];
    if (v->op == EXM_ON) {
      uint32_t hook = 2u * v->x + v->y, n = 0;
      const struct ex_catalog *c = &catalogs[hook];
      if (as)
        for (uint32_t k = 0; k < as->n; k++) n += as->hook[k] == hook;
      if (as && clean && !n) continue;
      uint32_t script = program_add_script(p);
      if (script == UINT32_MAX) return -1;
      if (script_hook && script < 2 * EX_MAX_ITEMS)
        script_hook[script] = (uint8_t)hook;
      for (uint32_t k = 0; k < (as ? as->n : v->nact); k++) {
        if (as && as->hook[k] != hook) continue;
        struct gcs_action *a = program_add_action(p);
        if (!a) return -1;
        const struct gcs_action *e = &c->a[as ? as->act[k] : v->act[k]];
        *a = *e;
        if (program_path_copy(&p->steps, &a->a, &c->steps, &e->a) ||
            program_path_copy(&p->steps, &a->b, &c->steps, &e->b) ||
            program_path_copy(&p->steps, &a->c, &c->steps, &e->c))
          return -1;
      }
      if (!(st = program_add_stmt(p))) return -1;
      st->op = v->y ? GCS_ON_CALL : GCS_ON_FINALIZE;
      st->sym = v->x;
      st->script = script;
      continue;
    }
    if (!(st = program_add_stmt(p))) return -1;
    switch (v->op) {
    case EXM_LINK:
      st->op = GCS_LINK;
      name_path(&st->a, v->x);
      name_path(&st->b, v->y);
      break;
    case EXM_UNTRACK:
      st->op = GCS_UNTRACK;
      name_path(&st->a, v->x);
      break;
    case EXM_DEL:
      st->op = GCS_DEL;
      st->sym = v->x;
      break;
    case EXM_COLLECT:
      st->op = GCS_COLLECT;
      st->n[0] = v->x;
      break;
    default: return -1;
    }
  }
  if (!(st = program_add_stmt(p))) return -1;
  st->op = GCS_EXIT;
  return 0;
}
