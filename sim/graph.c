/*
** graph.c — snapshots of the object graph (include/gcsim/graph.h), and the
** chain of references a violation followed, recorded when it is told.
*/
#define GCSIM_SIM_INTERNAL
#include <stdlib.h>
#include <string.h>

#include "sim_int.h"

void graph_path_reset(struct sim *s) {
  if (!s->stopped) s->nvpath = 0;
}

void graph_path_add(struct sim *s, oid obj, enum graph_hop_kind kind,
                    int32_t slot, const char *name) {
  if (s->stopped) return;
  if (s->nvpath == s->capvpath) {
    uint32_t cap = s->capvpath ? s->capvpath * 2 : 16;
    struct vhop *q = realloc(s->vpath, cap * sizeof *q);
    if (!q) return; /* the picture loses its path; the run goes on */
    s->vpath = q;
    s->capvpath = cap;
  }
  s->vpath[s->nvpath++] = (struct vhop){obj, (uint8_t)kind, slot, name};
}

void graph_free(struct graph *g) {
  free(g->nodes);
  free(g->edges);
  free(g->roots);
  free(g->path);
  free(g->strings);
  memset(g, 0, sizeof *g);
  g->violation = GRAPH_NONE;
}

/* Node index of an object (objects are ids from SIM_FIRST_OBJ on). */
static uint32_t node_of(oid x) { return x - SIM_FIRST_OBJ; }

static uint8_t list_of(const struct sobj *o) {
  switch (o->list) {
  case L_NONE: return GRAPH_UNTRACKED;
  case L_GEN0: return GRAPH_GEN0;
  case L_GEN1: return GRAPH_GEN1;
  case L_GEN2: return GRAPH_GEN2;
  case L_UNREACHABLE: return GRAPH_UNREACHABLE;
  default: return GRAPH_COLLECTING;
  }
}

/* A root's name: the bound name of a global, NULL for the others. */
static const char *global_name(const struct sim *s, uint32_t i) {
  uint32_t sym = s->globals[i].sym;
  return sym == UINT32_MAX ? NULL : program_sym_name(s->prog, sym);
}

/* The string storage: every label and name, copied one after another. */
struct strs {
  char *p;
  size_t len;
};

static const char *keep(struct strs *st, const char *x) {
  if (!x) return NULL;
  size_t n = strlen(x) + 1;
  char *d = st->p + st->len;
  memcpy(d, x, n);
  st->len += n;
  return d;
}

static size_t size_of(const char *x) { return x ? strlen(x) + 1 : 0; }

static uint32_t count_edges(const struct sim *s) {
  uint32_t n = 0;
  for (oid x = SIM_FIRST_OBJ; x < s->n; x++) {
    const struct sobj *o = OBJ(s, x);
    if (!o->alive) continue;
    const oid *slots = heap_cslots(o);
    for (uint32_t i = 0; i < o->nslots; i++) n += (uint32_t)(slots[i] != 0);
    n += (uint32_t)(heap_wr_object(o) != 0) +
         (uint32_t)(heap_wr_callback(o) != 0);
  }
  for (uint32_t f = 0; f < s->nstack; f++)
    if (s->stack[f].obj) n += s->stack[f].pend_hi - s->stack[f].pend_lo;
  return n;
}

static void fill_edges(const struct sim *s, struct graph *g) {
  uint32_t n = 0;
  for (oid x = SIM_FIRST_OBJ; x < s->n; x++) {
    const struct sobj *o = OBJ(s, x);
    if (!o->alive) continue;
    const oid *slots = heap_cslots(o);
    for (uint32_t i = 0; i < o->nslots; i++)
      if (slots[i])
        g->edges[n++] = (struct graph_edge){node_of(x), node_of(slots[i]),
                                            GRAPH_SLOT, i};
    if (o->kind != GCS_WEAKREF) continue;
    if (heap_wr_object(o))
      g->edges[n++] = (struct graph_edge){node_of(x),
                                          node_of(heap_wr_object(o)),
                                          GRAPH_REFERENT, 0};
    if (heap_wr_callback(o))
      g->edges[n++] = (struct graph_edge){node_of(x),
                                          node_of(heap_wr_callback(o)),
                                          GRAPH_CALLBACK, 0};
  }
  for (uint32_t f = 0; f < s->nstack; f++) {
    const struct dframe *d = &s->stack[f];
    if (!d->obj) continue; /* the trashcan's destroy chain holds nothing */
    for (uint32_t i = d->pend_lo; i < d->pend_hi; i++)
      g->edges[n++] = (struct graph_edge){node_of(d->obj), node_of(s->pend[i]),
                                          GRAPH_HELD, 0};
  }
  g->nedges = n;
}

int graph_take(const struct sim *s, struct graph *g) {
  memset(g, 0, sizeof *g);
  g->violation = GRAPH_NONE;
  g->step = s->step;
  uint32_t nnodes = s->n - SIM_FIRST_OBJ, nedges = count_edges(s);
  uint32_t nroots = s->ngarbage;
  for (uint32_t i = 0; i < s->nglobals; i++) nroots += s->globals[i].obj != 0;
  size_t nstr = 1;
  for (oid x = SIM_FIRST_OBJ; x < s->n; x++) nstr += size_of(heap_label(s, x));
  for (uint32_t i = 0; i < s->nglobals; i++)
    if (s->globals[i].obj) nstr += size_of(global_name(s, i));
  for (uint32_t i = 0; i < s->nvpath; i++) nstr += size_of(s->vpath[i].name);

  g->nodes = calloc(nnodes ? nnodes : 1, sizeof *g->nodes);
  g->edges = calloc(nedges ? nedges : 1, sizeof *g->edges);
  g->roots = calloc(nroots ? nroots : 1, sizeof *g->roots);
  g->path = calloc(s->nvpath ? s->nvpath : 1, sizeof *g->path);
  struct strs st = {malloc(nstr), 0};
  g->strings = st.p;
  if (!g->nodes || !g->edges || !g->roots || !g->path || !st.p) {
    graph_free(g);
    return -1;
  }

  for (oid x = SIM_FIRST_OBJ; x < s->n; x++) {
    const struct sobj *o = OBJ(s, x);
    struct graph_node *nd = &g->nodes[node_of(x)];
    nd->label = keep(&st, heap_label(s, x));
    nd->kind = o->kind;
    nd->flags = o->flags;
    nd->state = !o->alive ? GRAPH_FREED : o->rc == 0 ? GRAPH_DYING : GRAPH_ALIVE;
    nd->cleared = o->cleared;
    nd->list = list_of(o);
    nd->refcnt = o->rc;
  }
  g->nnodes = nnodes;
  fill_edges(s, g);
  for (uint32_t i = 0; i < s->nglobals; i++)
    if (s->globals[i].obj)
      g->roots[g->nroots++] = (struct graph_root){
          global_name(s, i) ? GRAPH_NAME : GRAPH_GLOBAL,
          keep(&st, global_name(s, i)), node_of(s->globals[i].obj)};
  for (uint32_t i = 0; i < s->ngarbage; i++)
    g->roots[g->nroots++] =
        (struct graph_root){GRAPH_GARBAGE, NULL, node_of(s->garbage[i])};
  for (uint32_t i = 0; i < s->nvpath; i++) {
    const struct vhop *h = &s->vpath[i];
    if (h->obj < SIM_FIRST_OBJ || h->obj >= s->n) continue;
    g->path[g->npath++] = (struct graph_hop){node_of(h->obj), h->kind,
                                             h->slot, keep(&st, h->name)};
  }
  if (s->viol_obj >= SIM_FIRST_OBJ) g->violation = node_of(s->viol_obj);
  return 0;
}
