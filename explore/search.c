/*
** search.c — the search: breadth first over the moves after each skeleton,
** merging the nodes that reach a state already explored, and the threads
** that share the skeletons out.
*/
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xxhash.h>

#include "gcsim/minimize.h"
#include "gcsim/scenario.h"
#include "gcsim/sim.h"
#include "explore_int.h"

#define NO_PARENT UINT32_MAX
/* Nodes (programs whose states were new) one skeleton may keep: 48 bytes
   each and 32 in the set, so about 1.3 GB per thread at most. A skeleton
   that needs more makes the search fail with EX_TOO_BIG (the bounds are
   refused), never run out of memory. */
#define EX_MAX_NODES EXPLORE_MAX_NODES
#define EX_TOO_BIG (-2)
#define EX_CATALOG_BIG (-3)

struct node {
  uint32_t parent;
  struct ex_move mv;
  uint8_t phase, last_src, links_last, links_used, last_on, actions_used,
      last_untrack, untracks_used, collects_used, nstmts;
  uint16_t deleted; /* items whose name a `del` dropped */
  uint8_t ons;      /* `on` moves (scripts chosen at run time) */
  uint8_t exit_only; /* a choice made during `exit`: run, never extended */
  struct ex_assign as; /* what its scripts do (scripts chosen at run time) */
  uint64_t d[2];    /* the state's digest once run (both states: diff) */
};

/* A set of 128-bit keys (open addressing; {0,0} marks an empty cell). */
struct kset {
  uint64_t (*k)[2];
  uint64_t n, cap;
};

static int kset_add(struct kset *s, const uint64_t key[2]) {
  uint64_t k0 = key[0], k1 = key[1];
  if (!k0 && !k1) k1 = 1;
  if ((s->n + 1) * 2 > s->cap) {
    uint64_t cap = s->cap ? s->cap * 2 : 1024;
    uint64_t(*v)[2] = calloc((size_t)cap, sizeof *v);
    if (!v) return -1;
    for (uint64_t i = 0; i < s->cap; i++) {
      if (!s->k[i][0] && !s->k[i][1]) continue;
      uint64_t j = s->k[i][0] & (cap - 1);
      while (v[j][0] || v[j][1]) j = (j + 1) & (cap - 1);
      v[j][0] = s->k[i][0];
      v[j][1] = s->k[i][1];
    }
    free(s->k);
    s->k = v;
    s->cap = cap;
  }
  uint64_t j = k0 & (s->cap - 1);
  while (s->k[j][0] || s->k[j][1]) {
    if (s->k[j][0] == k0 && s->k[j][1] == k1) return 0;
    j = (j + 1) & (s->cap - 1);
  }
  s->k[j][0] = k0;
  s->k[j][1] = k1;
  s->n++;
  return 1;
}

static void kset_clear(struct kset *s) {
  if (s->k) memset(s->k, 0, (size_t)s->cap * sizeof *s->k);
  s->n = 0;
}

/* One skeleton's results. */
struct skres {
  uint64_t programs, states, dominated, budget, violating, suppressed, splits;
  uint64_t set_hash;
  uint32_t largest;
  struct explore_group *g;
  uint32_t ng;
};

struct shared {
  const struct explore_config *c;
  const struct explore_space *sp;
  const uint64_t *idx;
  uint64_t nidx;
  struct skres *res;
  atomic_uint_fast64_t next, done, programs, states;
  atomic_uint largest;
  atomic_int failed;
  atomic_int expired; /* the time limit passed: workers stop */
  atomic_int refused; /* EX_TOO_BIG or EX_CATALOG_BIG: the bounds are */
};

struct worker {
  struct shared *sh;
  const struct explore_bounds *b;
  const struct ex_skel *sk;
  struct sim *m[2];
  struct gcs_program prog;
  struct ex_catalog cat[2 * EX_MAX_ITEMS];
  struct node *nodes;
  uint32_t nn, capn;
  struct kset set;
  struct ex_move path[128];
  struct gcs_buf out[2];
  struct gcs_buf text;
  struct skres *r;
  int too_big; /* a skeleton needed more than EX_MAX_NODES nodes */
  int pending; /* a child waits at nodes[nn] to be run */
  int expired; /* stopped by the time limit */
  uint64_t told_programs, told_states; /* what progress already counted */
  /* scripts chosen at run time (violations; explore_config.static_scripts
     off): */
  int lazy;
  uint32_t depth;                      /* moves in path */
  uint8_t script_hook[2 * EX_MAX_ITEMS]; /* program script -> hook */
  const struct node *running;          /* whose assignment the run uses */
  uint8_t cls_seen[EX_MAX_ACTIONS];    /* action i ran in this run */
  uint8_t *member;                     /* per action i and position p, the
                                          paths its class stands for there
                                          (3 * (maxpaths + 1) each) */
  uint32_t *pk;                        /* peeks, one per context path */
  uint32_t *val;                       /* values (see values()) */
  uint16_t *rep, *table;               /* each path's class; a hash table */
  uint32_t maxpaths;
  struct ex_assign *choices;           /* a stack of children to run */
  uint32_t nchoices, capchoices;
  struct gcs_program clean;            /* a finding as printed */
};

/* ---- findings ---- */

static int record(struct worker *w, const char *key, uint32_t nstmts,
                  int internal) {
  struct skres *r = w->r;
  /* the program up to the statement that showed it; with scripts chosen
     at run time, without the `on`s whose scripts never ran */
  struct gcs_program *p = &w->prog;
  if (w->lazy) {
    if (ex_build(&w->clean, w->sk, w->b, w->path, w->depth, w->cat,
                 &w->running->as, 1, NULL))
      return -1;
    uint32_t base = w->sk->n + (w->sk->threshold >= 0 ? 1u : 0u), gone = 0;
    for (uint32_t m = 0; m < w->depth && base + m < nstmts; m++) {
      if (w->path[m].op != EXM_ON) continue;
      uint32_t h = 2u * w->path[m].x + w->path[m].y, used = 0;
      for (uint32_t i = 0; i < w->running->as.n; i++)
        used += w->running->as.hook[i] == h;
      gone += !used;
    }
    nstmts -= gone;
    p = &w->clean;
  }
  uint32_t keep = p->nstmts;
  p->nstmts = nstmts;
  w->text.len = 0;
  scenario_print(p, &w->text);
  p->nstmts = keep;
  if (w->text.oom) return -1;
  const char *text = w->text.p ? w->text.p : "";
  for (uint32_t i = 0; i < r->ng; i++) {
    struct explore_group *g = &r->g[i];
    if (strcmp(g->key, key)) continue;
    g->programs++;
    if (nstmts < g->nstmts || (nstmts == g->nstmts && strcmp(text, g->text) < 0)) {
      char *t = strdup(text);
      if (!t) return -1;
      free(g->text);
      g->text = t;
      g->nstmts = nstmts;
    }
    return 0;
  }
  struct explore_group *v = realloc(r->g, (r->ng + 1) * sizeof *v);
  if (!v) return -1;
  r->g = v;
  struct explore_group *g = &r->g[r->ng];
  memset(g, 0, sizeof *g);
  snprintf(g->key, sizeof g->key, "%s", key);
  g->text = strdup(text);
  if (!g->text) return -1;
  g->nstmts = nstmts;
  g->programs = 1;
  g->internal = internal;
  r->ng++;
  return 0;
}

/* A violation (or a model error) at statement `upto` (1-based). */
static int violation(struct worker *w, struct sim *m, uint32_t upto) {
  const struct explore_config *c = w->sh->c;
  const struct sim_violation *v = sim_violation(m);
  char roles[MZ_ROLES_LEN];
  mz_roles(v, roles, sizeof roles);
  w->r->violating++;
  if (c->sup && suppress_match(c->sup, c->policy_text[0], v, roles, NULL)) {
    w->r->suppressed++;
    return 0;
  }
  return record(w, roles, upto, 0);
}

/* The "ev" (or "op") of a JSONL line into out. */
static void line_event(const char *line, size_t len, char *out, size_t n) {
  if (!line) {
    snprintf(out, n, "end");
    return;
  }
  const char *ev = NULL;
  for (size_t i = 0; i + 6 < len; i++)
    if (!memcmp(line + i, "\"ev\":\"", 6)) {
      ev = line + i + 6;
      break;
    }
  if (!ev) {
    snprintf(out, n, "op");
    return;
  }
  size_t k = 0;
  while (ev + k < line + len && ev[k] != '"') k++;
  snprintf(out, n, "%.*s", (int)k, ev);
}

/* 0 when both streams are equal; else 1 and the group key. */
static int streams_differ(const struct gcs_buf *a, const struct gcs_buf *b,
                          char *key, size_t keylen) {
  if (a->len == b->len && (!a->len || !memcmp(a->p, b->p, a->len))) return 0;
  size_t i = 0, line = 0;
  size_t n = a->len < b->len ? a->len : b->len;
  while (i < n && a->p[i] == b->p[i]) {
    if (a->p[i] == '\n') line = i + 1;
    i++;
  }
  const char *la = line < a->len ? a->p + line : NULL;
  const char *lb = line < b->len ? b->p + line : NULL;
  size_t ea = la ? (size_t)((const char *)memchr(la, '\n', a->len - line) - la) : 0;
  size_t eb = lb ? (size_t)((const char *)memchr(lb, '\n', b->len - line) - lb) : 0;
  char x[64], y[64];
  line_event(la, ea, x, sizeof x);
  line_event(lb, eb, y, sizeof y);
  snprintf(key, keylen, "%s | %s", x, y);
  return 1;
}

/* ---- one node ---- */

static void sink(void *user, const struct gcs_event *e, const char *jsonl,
                 size_t len) {
  (void)e;
  buf_add(user, jsonl, len);
}

static int on_action(void *user, struct sim *s, uint32_t script, uint32_t k,
                     uint32_t self, uint32_t arg);

static int reset(struct worker *w, int side) {
  const struct explore_config *c = w->sh->c;
  struct sim_options opt;
  memset(&opt, 0, sizeof opt);
  opt.policy = c->pol[side];
  opt.audit = SIM_AUDIT_NONE;
  opt.max_objects = MZ_MAX_OBJECTS;
  opt.max_actions = MZ_MAX_ACTIONS;
  if (c->diff) {
    w->out[side].len = 0;
    opt.sink = sink;
    opt.sink_user = &w->out[side];
  } else {
    opt.no_fingerprint = 1;
  }
  if (w->lazy) {
    opt.on_action = on_action;
    opt.on_action_user = w;
  }
  if (!w->m[side]) {
    w->m[side] = sim_create(&opt);
    return w->m[side] ? 0 : -1;
  }
  return sim_reset(w->m[side], &opt);
}

/* ---- scripts chosen at run time ---- */

#define EX_VIOL 0x80000000u

static uint32_t peek(const struct sim *s, const struct gcs_steps *pool,
                     const struct gcs_path *p, uint32_t self, uint32_t arg,
                     int is_call) {
  uint32_t x;
  return sim_peek_path(s, pool, p, self, arg, is_call, &x) ? (x | EX_VIOL)
                                                           : x;
}

static int push_choice(struct worker *w, const struct ex_assign *a) {
  if (w->nchoices == w->capchoices) {
    uint32_t cap = w->capchoices ? w->capchoices * 2 : 256;
    struct ex_assign *v = realloc(w->choices, cap * sizeof *v);
    if (!v) return -1;
    w->choices = v;
    w->capchoices = cap;
  }
  w->choices[w->nchoices++] = *a;
  return 0;
}

/* A catalog entry does what the objects its paths reach make it do: two
   entries of one block whose paths reach the same objects at each position
   do the same (what they change and what they read depend on those objects
   only), so a class of entries is a product of path sets, one per
   position. val[j] says what path j reaches now (sim_peek_path; EX_VIOL:
   the read would stop the run); val[npaths] is "no callback" (0). A
   position after one whose path reaches nothing, or stops the run, is not
   resolved: any path there does the same. */
#define EX_NAMED 0x40000000u /* a drop of a bare name: it unbinds the name */
static int resolved(uint32_t v) { return v && !(v & EX_VIOL); }

/* The values of the context's paths now, for block bk (the drop of a bare
   name unbinds that name rather than reading a path), and rep[j], the
   first path with j's value. */
static void values(struct worker *w, const struct sim *s,
                   const struct ex_catalog *cat, const struct ex_block *bk,
                   const uint32_t *pk) {
  uint32_t n = cat->npaths + 1, *v = w->val, size = 1;
  for (uint32_t j = 0; j + 1 < n; j++) {
    const struct gcs_path *p = &cat->paths[j];
    v[j] = bk->act == GCS_A_DROP && p->root == GCS_ROOT_NAME && !p->nsteps
               ? sim_name_object(s, p->sym) | EX_NAMED
               : pk[j];
  }
  v[n - 1] = 0;
  while (size < 2 * n) size *= 2;
  for (uint32_t j = 0; j < size; j++) w->table[j] = UINT16_MAX;
  for (uint32_t j = 0; j < n; j++) {
    uint32_t t = (v[j] * 0x9E3779B1u) & (size - 1);
    while (w->table[t] != UINT16_MAX && v[w->table[t]] != v[j])
      t = (t + 1) & (size - 1);
    if (w->table[t] == UINT16_MAX) w->table[t] = (uint16_t)j;
    w->rep[j] = w->table[t];
  }
}

/* Push a choice: the assignment with entry e as its next action of hook h
   (pinned: it stands for itself). */
static void choose(struct worker *w, uint32_t h, uint32_t e, int pinned,
                   int i) {
  struct ex_assign c = w->running->as;
  if (i < 0) {
    i = c.n++;
    c.hook[i] = (uint8_t)h;
  }
  c.act[i] = (uint16_t)e;
  if (pinned) c.pinned = (uint8_t)(c.pinned | (1u << i));
  if (push_choice(w, &c)) w->too_big = -1;
}

/* One choice per class of block bk's entries, each its first entry, in
   catalog order: positions from p on, c[0..p) chosen. */
static void classes(struct worker *w, uint32_t h, const struct ex_block *bk,
                    uint32_t p, uint32_t c[3]) {
  if (p >= 3) return; /* arity <= 3; said for gcc -O3's -Warray-bounds */
  for (uint32_t j = 0; j < bk->dom[p]; j++) {
    if (w->rep[j] != j) continue; /* a class seen before */
    c[p] = j;
    if (p + 1 < bk->arity && resolved(w->val[j])) {
      classes(w, h, bk, p + 1, c);
      continue;
    }
    uint32_t d[3] = {c[0], c[1], c[2]};
    for (uint32_t q = p + 1; q < 3; q++) d[q] = 0;
    choose(w, h, ex_block_entry(bk, d), 0, -1);
  }
}

/* Every entry of a class (its member paths per position in w->member),
   pinned as action i, in catalog order. */
static void members(struct worker *w, uint32_t h, const struct ex_block *bk,
                    const uint8_t *mem, uint32_t stride, uint32_t p,
                    uint32_t c[3], int i) {
  if (p == 3) {
    choose(w, h, ex_block_entry(bk, c), 1, i);
    return;
  }
  for (uint32_t j = 0; j < bk->dom[p]; j++)
    if (p >= bk->arity ? j == 0 : mem[p * stride + j]) {
      c[p] = j;
      members(w, h, bk, mem, stride, p + 1, c, i);
    }
}

static const struct ex_block *block_of(const struct ex_catalog *cat,
                                       uint32_t e, uint32_t c[3]) {
  for (uint32_t k = 0; k < cat->nblocks; k++) {
    const struct ex_block *bk = &cat->blocks[k];
    if (e - bk->first >= bk->n) continue;
    ex_block_coords(bk, e, c);
    return bk;
  }
  return NULL;
}

/* pk[j] for every path of the context, now. */
static void peek_all(const struct sim *s, const struct ex_catalog *cat,
                     uint32_t self, uint32_t arg, uint32_t *pk) {
  for (uint32_t j = 0; j < cat->npaths; j++)
    pk[j] = peek(s, &cat->steps, &cat->paths[j], self, arg, 0);
}

/* Room for the class machinery of a catalog of n paths. 0, or -1. */
static int grow_scratch(struct worker *w, uint32_t n) {
  if (n <= w->maxpaths) return 0;
  uint32_t *pk = realloc(w->pk, (size_t)n * sizeof *pk);
  if (pk) w->pk = pk;
  uint32_t *v = realloc(w->val, ((size_t)n + 1) * sizeof *v);
  if (v) w->val = v;
  uint16_t *r = realloc(w->rep, ((size_t)n + 1) * sizeof *r);
  if (r) w->rep = r;
  uint16_t *t = realloc(w->table, ((size_t)n + 1) * 4 * sizeof *t);
  if (t) w->table = t;
  uint8_t *m = realloc(w->member, ((size_t)n + 1) * 3 * EX_MAX_ACTIONS);
  if (m) w->member = m;
  if (!pk || !v || !r || !t || !m) return -1;
  w->maxpaths = n;
  return 0;
}

/*
** sim_options.on_action. Before action k of a script: the assignment's
** action, which goes on when it does what it did the first time this run
** ran it (for every catalog entry it stands for), else the run pauses and
** the entries are split, pinned. After the script's determined actions:
** an open script pauses the run and offers one action per class of catalog
** entries that do the same thing here, and (after one action at least)
** the end of the script.
*/
static int on_action(void *user, struct sim *s, uint32_t script, uint32_t k,
                     uint32_t self, uint32_t arg) {
  struct worker *w = user;
  if (script >= 2 * EX_MAX_ITEMS || w->too_big) return 0;
  uint32_t h = w->script_hook[script];
  const struct ex_assign *as = &w->running->as;
  const struct ex_catalog *cat = &w->cat[h];
  if (grow_scratch(w, cat->npaths)) {
    w->too_big = -1; /* out of memory: the run pauses, the search fails */
    return 1;
  }
  uint32_t idx[EX_MAX_ACTIONS], m = 0, c[3];
  for (uint32_t i = 0; i < as->n; i++)
    if (as->hook[i] == h) idx[m++] = i;
  if (k < m) {
    uint32_t i = idx[k], stride = cat->npaths + 1;
    if (as->pinned & (1u << i)) return 0;
    const struct ex_block *bk = block_of(cat, as->act[i], c);
    if (!bk || !bk->arity) return 0; /* a class of one entry */
    peek_all(s, cat, self, arg, w->pk);
    values(w, s, cat, bk, w->pk);
    const uint32_t *v = w->val;
    uint8_t *mem = w->member + (size_t)i * 3 * stride;
    if (!w->cls_seen[i]) { /* its first run: the paths it stands for */
      w->cls_seen[i] = 1;
      int open = 1;
      for (uint32_t p = 0; p < bk->arity; p++) {
        for (uint32_t j = 0; j < bk->dom[p]; j++)
          mem[p * stride + j] = (uint8_t)(!open || v[j] == v[c[p]]);
        open = open && resolved(v[c[p]]);
      }
      return 0;
    }
    /* does every entry of the class still do the same? */
    int split = 0;
    for (uint32_t p = 0; p < bk->arity && !split; p++) {
      uint32_t u = v[c[p]];
      for (uint32_t j = 0; j < bk->dom[p] && !split; j++)
        split = mem[p * stride + j] && v[j] != u;
      if (!resolved(u)) break; /* the positions after it are not read */
    }
    if (!split) return 0;
    w->r->splits++;
    members(w, h, bk, mem, stride, 0, c, (int)i);
    return 1;
  }
  if (((as->closed >> h) & 1u) || as->n >= w->b->actions) return 0;
  peek_all(s, cat, self, arg, w->pk);
  int drop = -1; /* what w->val holds: a drop block's values or the others' */
  for (uint32_t b = 0; b < cat->nblocks; b++) {
    const struct ex_block *bk = &cat->blocks[b];
    if (!bk->arity) {
      for (uint32_t e = 0; e < bk->n; e++) choose(w, h, bk->first + e, 0, -1);
      continue;
    }
    if (drop != (bk->act == GCS_A_DROP)) {
      drop = bk->act == GCS_A_DROP;
      values(w, s, cat, bk, w->pk);
    }
    c[0] = c[1] = c[2] = 0;
    classes(w, h, bk, 0, c);
  }
  if (k >= 1) { /* the script ends here */
    struct ex_assign e = *as;
    e.closed |= 1u << h;
    if (push_choice(w, &e)) w->too_big = -1;
  }
  return 1;
}

static void phase_key(const struct node *nd, const uint64_t d[2],
                      uint64_t out[2]) {
  uint8_t buf[16 + 12 + 1 + sizeof nd->as];
  memset(buf, 0, sizeof buf);
  memcpy(buf + 28, &nd->ons, 1);
  memcpy(buf + 29, &nd->as.n, 1);
  memcpy(buf + 30, nd->as.hook, sizeof nd->as.hook);
  memcpy(buf + 30 + sizeof nd->as.hook, nd->as.act, sizeof nd->as.act);
  buf[30 + sizeof nd->as.hook + sizeof nd->as.act] = nd->as.pinned;
  memcpy(buf + 31 + sizeof nd->as.hook + sizeof nd->as.act, &nd->as.closed, 4);
  memcpy(buf, d, 16);
  buf[16] = nd->phase;
  buf[17] = nd->last_src;
  buf[18] = nd->links_last;
  buf[19] = nd->links_used;
  buf[20] = nd->last_on;
  buf[21] = nd->actions_used;
  buf[22] = nd->last_untrack;
  buf[23] = nd->untracks_used;
  buf[24] = nd->collects_used;
  buf[25] = (uint8_t)(nd->deleted & 0xff);
  buf[26] = (uint8_t)(nd->deleted >> 8);
  buf[27] = 0;
  XXH128_hash_t h = XXH3_128bits(buf, sizeof buf);
  out[0] = h.low64;
  out[1] = h.high64;
}

static int run_node(struct worker *w, struct node *nd);

/* Room for nodes[nn] and one more. 0, or -1 when out of memory. */
static int node_room(struct worker *w) {
  if (w->nn + 1 < w->capn) return 0;
  uint32_t cap = w->capn ? w->capn * 2 : 1024;
  struct node *v = realloc(w->nodes, cap * sizeof *v);
  if (!v) return -1;
  w->nodes = v;
  w->capn = cap;
  return 0;
}

/* Keep a node whose state is new: it is extended later, in order. */
static int keep(struct worker *w, const struct node *nd) {
  uint32_t max = w->sh->c->max_states ? w->sh->c->max_states : EX_MAX_NODES;
  if (w->nn + 1 >= max) {
    w->too_big = 1;
    return -1;
  }
  if (node_room(w)) return -1;
  w->nodes[w->nn++] = *nd;
  return 0;
}

/* Run the child waiting at nodes[nn] (add_child made it). 0, or -1 (out
   of memory, too many nodes). */
static int flush(struct worker *w) {
  if (!w->pending) return 0;
  w->pending = 0;
  struct node cur = w->nodes[w->nn];
  return run_node(w, &cur);
}

/* The next child of node `parent`, at nodes[nn] (not yet kept): the one
   before it is run first. Children run in the order they are made, so the
   search is breadth first, and only the nodes whose states are new take
   memory. */
static struct node *add_child(struct worker *w, uint32_t parent) {
  if (flush(w) || node_room(w)) return NULL;
  struct node *c = &w->nodes[w->nn];
  *c = w->nodes[parent];
  c->parent = parent;
  memset(&c->mv, 0, sizeof c->mv);
  c->nstmts++;
  w->pending = 1;
  return c;
}

/* The children of node i, in a fixed order. */
static int expand(struct worker *w, uint32_t i) {
  const struct explore_bounds *b = w->b;
  const struct ex_skel *sk = w->sk;
  struct node nd = w->nodes[i];
  if (b->stmts && (uint32_t)nd.nstmts + 2 > b->stmts) return 0;
  struct node *c;
  w->pending = 0;
  /* links, holder by holder */
  if (nd.phase <= EXP_LINK && nd.links_used < b->links)
    for (uint32_t x = nd.last_src ? nd.last_src - 1u : 0; x < sk->n; x++) {
      if (!ex_container(sk->it[x].kind)) continue;
      uint32_t used = (nd.last_src == x + 1) ? nd.links_last : 0;
      if (used >= b->slots) continue;
      for (uint32_t y = 0; y < sk->n; y++) {
        if (!(c = add_child(w, i))) return -1;
        c->mv.op = EXM_LINK;
        c->mv.x = (uint8_t)x;
        c->mv.y = (uint8_t)y;
        c->phase = EXP_LINK;
        c->last_src = (uint8_t)(x + 1);
        c->links_last = (uint8_t)(used + 1);
        c->links_used++;
      }
    }
  /* scripts chosen at run time: an open script, hook by hook */
  if (w->lazy && nd.phase <= EXP_SCRIPT && nd.ons < b->actions &&
      nd.as.n < b->actions)
    for (uint32_t h = nd.last_on; h < 2u * sk->n; h++) {
      if (!w->cat[h].n) continue;
      if (!(c = add_child(w, i))) return -1;
      c->mv.op = EXM_ON;
      c->mv.x = (uint8_t)(h / 2);
      c->mv.y = (uint8_t)(h % 2);
      c->phase = EXP_SCRIPT;
      c->last_on = (uint8_t)(h + 1);
      c->ons++;
    }
  /* scripts, hook by hook: finalize (0) then call (1) of each item */
  if (!w->lazy && nd.phase <= EXP_SCRIPT && nd.actions_used < b->actions)
    for (uint32_t h = nd.last_on; h < 2u * sk->n; h++) {
      const struct ex_catalog *cat = &w->cat[h];
      if (!cat->n) continue;
      uint32_t room = b->actions - nd.actions_used;
      uint16_t a[EX_MAX_ACTIONS];
      for (uint32_t len = 1; len <= room; len++) {
        memset(a, 0, sizeof a);
        for (;;) {
          if (!(c = add_child(w, i))) return -1;
          c->mv.op = EXM_ON;
          c->mv.x = (uint8_t)(h / 2);
          c->mv.y = (uint8_t)(h % 2);
          c->mv.nact = (uint8_t)len;
          memcpy(c->mv.act, a, sizeof a);
          c->phase = EXP_SCRIPT;
          c->last_on = (uint8_t)(h + 1);
          c->actions_used = (uint8_t)(nd.actions_used + len);
          uint32_t k = 0; /* the next sequence (an odometer) */
          while (k < len && ++a[k] == cat->n) a[k++] = 0;
          if (k == len) break;
        }
      }
    }
  /* untracks, in item order */
  if (nd.phase <= EXP_UNTRACK && nd.untracks_used < b->untracks)
    for (uint32_t x = nd.last_untrack; x < sk->n; x++) {
      if (!ex_gc_kind(sk->it[x].kind)) continue;
      if (!(c = add_child(w, i))) return -1;
      c->mv.op = EXM_UNTRACK;
      c->mv.x = (uint8_t)x;
      c->phase = EXP_UNTRACK;
      c->last_untrack = (uint8_t)(x + 1);
      c->untracks_used++;
    }
  /* dels and collects, in any order */
  for (uint32_t x = 0; x < sk->n; x++) {
    if (nd.deleted & (1u << x)) continue;
    if (!(c = add_child(w, i))) return -1;
    c->mv.op = EXM_DEL;
    c->mv.x = (uint8_t)x;
    c->phase = EXP_DROP;
    c->deleted = (uint16_t)(nd.deleted | (1u << x));
  }
  if (nd.collects_used < b->collects)
    for (uint32_t g = 0; g < 3; g++) {
      if (!(b->gens & (1u << g))) continue;
      if (!(c = add_child(w, i))) return -1;
      c->mv.op = EXM_COLLECT;
      c->mv.x = (uint8_t)g;
      c->phase = EXP_DROP;
      c->collects_used++;
    }
  return flush(w);
}

static void digest_both(struct worker *w, uint64_t d[2]) {
  sim_state_digest(w->m[0], d);
  if (!w->sh->c->diff) return;
  uint64_t both[4];
  both[0] = d[0];
  both[1] = d[1];
  sim_state_digest(w->m[1], both + 2);
  XXH128_hash_t h = XXH3_128bits(both, sizeof both);
  d[0] = h.low64;
  d[1] = h.high64;
}

/* After the first `upto` statements: 0 to go on, 1 when the run stopped
   (a finding recorded, or a budget overrun counted), -1 out of memory. */
static int settle(struct worker *w, const enum sim_status st[2],
                  uint32_t upto) {
  struct skres *r = w->r;
  char key[160];
  if (w->sh->c->diff) {
    if (streams_differ(&w->out[0], &w->out[1], key, sizeof key))
      return record(w, key, upto, 0) ? -1 : 1;
    if (st[0] == SIM_OK && st[1] == SIM_OK) return 0;
    if (st[0] == SIM_VIOLATION) {
      r->violating++; /* the same violation under both */
      return 1;
    }
    if (st[0] == SIM_INTERNAL || st[1] == SIM_INTERNAL) {
      struct sim *m = w->m[st[0] == SIM_INTERNAL ? 0 : 1];
      snprintf(key, sizeof key, "internal: %.140s", sim_internal_error(m));
      return record(w, key, upto, 1) ? -1 : 1;
    }
    r->budget++;
    return 1;
  }
  switch (st[0]) {
  case SIM_OK: return 0;
  case SIM_VIOLATION:
    return violation(w, w->m[0], sim_violation(w->m[0])->step) ? -1 : 1;
  case SIM_INTERNAL:
    snprintf(key, sizeof key, "internal: %.140s", sim_internal_error(w->m[0]));
    return record(w, key, upto, 1) ? -1 : 1;
  default:
    r->budget++; /* a budget overrun (MZ_MAX_*): not a finding, as in fuzzing */
    return 1;
  }
}

/* Progress: what this skeleton ran since the last report. */
static void tell(struct worker *w) {
  atomic_fetch_add(&w->sh->programs, w->r->programs - w->told_programs);
  atomic_fetch_add(&w->sh->states, w->r->states - w->told_states);
  w->told_programs = w->r->programs;
  w->told_states = w->r->states;
  /* while a skeleton runs too: one can take minutes, and the progress line
     said "largest 0 statements" until the first ended */
  unsigned big = atomic_load(&w->sh->largest);
  while (w->r->largest > big &&
         !atomic_compare_exchange_weak(&w->sh->largest, &big, w->r->largest)) {
  }
}

/* A run paused at a choice (scripts chosen at run time): run the choices
   the hook pushed above `base`, as nodes of their own (exit_only: the
   choice was made during `exit`). 0, or -1. */
static int branch(struct worker *w, const struct node *nd, uint32_t base,
                  int exit_only) {
  if (w->too_big < 0) return -1; /* the hook ran out of memory */
  uint32_t end = w->nchoices;
  for (uint32_t j = base; j < end; j++) {
    struct node child = *nd;
    child.as = w->choices[j];
    child.exit_only = (uint8_t)exit_only;
    if (run_node(w, &child)) return -1;
    w->nchoices = end;
  }
  w->nchoices = base;
  return 0;
}

/* Run a node's program: its prefix, then (when its state is new) with
   `exit`; keep it when its state is new. 0, or -1 out of memory. */
static int run_node(struct worker *w, struct node *nd) {
  const struct explore_config *c = w->sh->c;
  struct skres *r = w->r;
  uint32_t depth = 0;
  if (atomic_load_explicit(&w->sh->expired, memory_order_relaxed)) {
    w->expired = 1; /* the time limit: stop now, the result is partial */
    return -1;
  }
  if (nd->parent != NO_PARENT) {
    w->path[depth++] = nd->mv;
    for (uint32_t j = nd->parent; w->nodes[j].parent != NO_PARENT;
         j = w->nodes[j].parent) {
      if (depth == sizeof w->path / sizeof w->path[0]) return -1;
      w->path[depth++] = w->nodes[j].mv;
    }
  }
  for (uint32_t a = 0, z = depth; a + 1 < z; a++, z--) {
    struct ex_move t = w->path[a];
    w->path[a] = w->path[z - 1];
    w->path[z - 1] = t;
  }
  w->depth = depth;
  if (ex_build(&w->prog, w->sk, w->b, w->path, depth, w->cat,
               w->lazy ? &nd->as : NULL, 0, w->script_hook))
    return -1;
  uint32_t n = w->prog.nstmts, prefix = n - 1;
  int sides = c->diff ? 2 : 1;
  enum sim_status st[2] = {SIM_OK, SIM_OK};
  uint32_t base = w->nchoices;
  w->running = nd;
  memset(w->cls_seen, 0, sizeof w->cls_seen);
  for (int s = 0; s < sides; s++) {
    if (reset(w, s)) return -1;
    for (uint32_t k = 0; k < prefix && st[s] == SIM_OK; k++)
      st[s] = sim_step(w->m[s], &w->prog, k);
  }
  if (st[0] == SIM_PAUSED) return branch(w, nd, base, nd->exit_only);
  if ((++r->programs & 4095) == 0) tell(w);
  if (n > r->largest) r->largest = n;
  int stop = settle(w, st, prefix);
  if (stop) return stop < 0 ? -1 : 0;
  uint64_t d[2], k[2];
  if (!nd->exit_only) {
    digest_both(w, d);
    if (c->no_merge) {
      phase_key(nd, d, k);
      goto fresh;
    }
    if (nd->parent != NO_PARENT) {
      const struct node *p = &w->nodes[nd->parent];
      if (p->d[0] == d[0] && p->d[1] == d[1] &&
          !memcmp(&p->as, &nd->as, sizeof nd->as)) {
        r->dominated++; /* a no-op: the parent can do all it can */
        return 0;
      }
    }
    phase_key(nd, d, k);
    int fresh = kset_add(&w->set, k);
    if (fresh < 0) return -1;
    if (!fresh) {
      r->dominated++;
      return 0;
    }
  fresh:
    nd->d[0] = d[0];
    nd->d[1] = d[1];
    r->states++;
    r->set_hash += k[0];
  }
  for (int s = 0; s < sides; s++)
    if (st[s] == SIM_OK) st[s] = sim_step(w->m[s], &w->prog, prefix);
  if (st[0] == SIM_PAUSED) {
    if (branch(w, nd, base, 1)) return -1;
  } else if (settle(w, st, n) < 0) {
    return -1;
  }
  return nd->exit_only ? 0 : keep(w, nd);
}

static int run_skeleton(struct worker *w, const struct ex_skel *sk,
                        struct skres *r) {
  memset(r, 0, sizeof *r);
  w->sk = sk;
  w->r = r;
  w->told_programs = w->told_states = 0;
  for (uint32_t h = 0; h < 2 * EX_MAX_ITEMS; h++) ex_catalog_free(&w->cat[h]);
  if (w->b->actions)
    for (uint32_t x = 0; x < sk->n; x++) {
      const struct ex_item *it = &sk->it[x];
      if (it->op != GCS_NEW) continue;
      int rc = 0;
      if (it->flags & (GCS_FLAG_FIN | GCS_FLAG_LEGACY))
        rc = ex_actions(sk, w->b, x, 0, &w->cat[2 * x]);
      if (!rc) rc = ex_actions(sk, w->b, x, 1, &w->cat[2 * x + 1]);
      if (rc) return rc == -2 ? EX_CATALOG_BIG : -1;
    }
  kset_clear(&w->set);
  w->nn = 0;
  if (node_room(w)) return -1;
  struct node *root = &w->nodes[0];
  memset(root, 0, sizeof *root);
  w->nchoices = 0;
  root->parent = NO_PARENT;
  root->nstmts = (uint8_t)(sk->n + (sk->threshold >= 0));
  w->pending = 1;
  w->expired = 0;
  if (flush(w)) return w->expired ? 1 : w->too_big > 0 ? EX_TOO_BIG : -1;
  for (uint32_t i = 0; i < w->nn; i++) {
    if (expand(w, i))
      return w->expired ? 1 : w->too_big > 0 ? EX_TOO_BIG : -1;
  }
  return 0;
}

static void *work(void *arg) {
  struct worker *w = arg;
  struct shared *sh = w->sh;
  for (;;) {
    uint64_t k = atomic_fetch_add(&sh->next, 1);
    if (k >= sh->nidx || atomic_load(&sh->failed) ||
        atomic_load(&sh->expired))
      break;
    struct skres *r = &sh->res[k];
    int rc = run_skeleton(w, &sh->sp->sk[sh->idx[k]], r);
    if (rc > 0) break;
    if (rc) {
      if (rc == EX_TOO_BIG || rc == EX_CATALOG_BIG)
        atomic_store(&sh->refused, rc);
      atomic_store(&sh->failed, 1);
      break;
    }
    tell(w);
    atomic_fetch_add(&sh->done, 1);
  }
  return NULL;
}

static void worker_free(struct worker *w) {
  for (int s = 0; s < 2; s++) {
    if (w->m[s]) sim_destroy(w->m[s]);
    buf_free(&w->out[s]);
  }
  program_free(&w->prog);
  for (uint32_t h = 0; h < 2 * EX_MAX_ITEMS; h++) ex_catalog_free(&w->cat[h]);
  free(w->nodes);
  free(w->set.k);
  buf_free(&w->text);
  free(w->member);
  free(w->val);
  free(w->rep);
  free(w->table);
  free(w->pk);
  free(w->choices);
  program_free(&w->clean);
}

/* ---- the run ---- */

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int merge(struct explore_result *r, const struct skres *s) {
  r->programs += s->programs;
  r->states += s->states;
  r->dominated += s->dominated;
  r->budget += s->budget;
  r->violating += s->violating;
  r->suppressed += s->suppressed;
  r->splits += s->splits;
  r->set_hash += s->set_hash;
  if (s->largest > r->largest) r->largest = s->largest;
  for (uint32_t i = 0; i < s->ng; i++) {
    const struct explore_group *g = &s->g[i];
    size_t j;
    for (j = 0; j < r->ng; j++)
      if (!strcmp(r->g[j].key, g->key)) break;
    if (j == r->ng) {
      struct explore_group *v = realloc(r->g, (r->ng + 1) * sizeof *v);
      if (!v) return -1;
      r->g = v;
      r->g[r->ng] = *g;
      r->g[r->ng].text = strdup(g->text);
      if (!r->g[r->ng].text) return -1;
      r->ng++;
      continue;
    }
    struct explore_group *h = &r->g[j];
    h->programs += g->programs;
    if (g->nstmts < h->nstmts ||
        (g->nstmts == h->nstmts && strcmp(g->text, h->text) < 0)) {
      char *t = strdup(g->text);
      if (!t) return -1;
      free(h->text);
      h->text = t;
      h->nstmts = g->nstmts;
    }
  }
  return 0;
}

static int group_order(const void *a, const void *b) {
  const struct explore_group *x = a, *y = b;
  if (x->nstmts != y->nstmts) return x->nstmts < y->nstmts ? -1 : 1;
  return strcmp(x->key, y->key);
}

int explore_run(const struct explore_config *c, const struct explore_space *sp,
                uint32_t shard_i, uint32_t shard_n, uint32_t sample,
                struct explore_result *r) {
  memset(r, 0, sizeof *r);
  if (!shard_n) shard_n = 1;
  uint64_t n = 0;
  uint64_t *idx = malloc((size_t)(sp->n ? sp->n : 1) * sizeof *idx);
  if (!idx) return -1;
  for (uint64_t k = 0, m = 0; k < sp->n; k++) {
    if (k % shard_n != shard_i) continue;
    if (!sample || m++ % sample == 0) idx[n++] = k;
  }
  struct shared sh;
  memset(&sh, 0, sizeof sh);
  sh.c = c;
  sh.sp = sp;
  sh.idx = idx;
  sh.nidx = n;
  sh.res = calloc((size_t)(n ? n : 1), sizeof *sh.res);
  int nt = c->nthreads < 1 ? 1 : c->nthreads;
  struct worker *w = calloc((size_t)nt, sizeof *w);
  pthread_t *th = calloc((size_t)nt, sizeof *th);
  int started = 0, rc = 0;
  if (!sh.res || !w || !th) rc = -1;
  for (int t = 0; !rc && t < nt; t++) {
    w[t].sh = &sh;
    w[t].b = &sp->b;
    w[t].lazy = !c->diff && !c->static_scripts && sp->b.actions > 0;
    program_init(&w[t].prog);
    program_init(&w[t].clean);
    buf_init(&w[t].out[0]);
    buf_init(&w[t].out[1]);
    buf_init(&w[t].text);
    if (pthread_create(&th[t], NULL, work, &w[t])) {
      atomic_store(&sh.failed, 1);
      rc = -1;
      break;
    }
    started++;
  }
  double t0 = now();
  while (started && atomic_load(&sh.done) < n && !atomic_load(&sh.failed) &&
         !atomic_load(&sh.expired)) {
    struct timespec ts = {0, 50 * 1000 * 1000};
    double next = now() + (c->every_ms ? c->every_ms : 1000) / 1000.0;
    while (now() < next && atomic_load(&sh.done) < n &&
           !atomic_load(&sh.failed)) {
      nanosleep(&ts, NULL);
      if (c->time_limit > 0 && now() - t0 > c->time_limit) {
        atomic_store(&sh.expired, 1);
        break;
      }
    }
    if (c->progress && atomic_load(&sh.done) < n) {
      struct explore_progress p;
      p.skeletons_done = atomic_load(&sh.done);
      p.skeletons = n;
      p.programs = atomic_load(&sh.programs);
      p.states = atomic_load(&sh.states);
      p.largest = atomic_load(&sh.largest);
      p.seconds = now() - t0;
      c->progress(c->progress_user, &p);
    }
  }
  for (int t = 0; t < started; t++) pthread_join(th[t], NULL);
  if (atomic_load(&sh.refused)) rc = atomic_load(&sh.refused);
  else if (atomic_load(&sh.failed)) rc = -1;
  else if (atomic_load(&sh.done) < n) rc = 1; /* stopped by the time limit */
  r->skeletons = n;
  for (uint64_t k = 0; k < n && sh.res; k++) {
    if ((rc >= 0 || rc == EX_TOO_BIG) && merge(r, &sh.res[k])) rc = -1;
    for (uint32_t i = 0; i < sh.res[k].ng; i++) free(sh.res[k].g[i].text);
    free(sh.res[k].g);
  }
  if (r->ng) qsort(r->g, r->ng, sizeof *r->g, group_order);
  for (int t = 0; w && t < started; t++) worker_free(&w[t]);
  free(w);
  free(th);
  free(sh.res);
  free(idx);
  return rc;
}

void explore_result_free(struct explore_result *r) {
  for (size_t i = 0; i < r->ng; i++) free(r->g[i].text);
  free(r->g);
  memset(r, 0, sizeof *r);
}
