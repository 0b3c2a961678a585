/*
** picture.c — record a run's graphs; draw a scene as DOT (picture.h).
*/
#include <stdlib.h>
#include <string.h>

#include "gcsim/event.h"
#include "gcsim/picture.h"
#include "gcsim/program.h"

/* ==== recording ======================================================== */

void picture_rec_init(struct picture_rec *r, int timeline) {
  memset(r, 0, sizeof *r);
  r->timeline = timeline;
  graph_free(&r->before); /* empty graphs: violation = GRAPH_NONE */
  graph_free(&r->last);
}

void picture_rec_free(struct picture_rec *r) {
  graph_free(&r->before);
  graph_free(&r->last);
  for (uint32_t i = 0; i < r->nshots; i++) graph_free(&r->shots[i].g);
  free(r->shots);
  for (uint32_t i = 0; i < r->nevents; i++) free(r->events[i].text);
  free(r->events);
  memset(r, 0, sizeof *r);
}

/* Room for one more element in *arr (n used of *cap, each elem bytes);
   sets r->oom and returns -1 when there is none. */
static int room(struct picture_rec *r, void **arr, uint32_t n, uint32_t *cap,
                size_t elem) {
  if (n < *cap) return 0;
  uint32_t ncap = *cap ? *cap * 2 : 16;
  void *q = ncap > *cap ? realloc(*arr, ncap * elem) : NULL;
  if (!q) {
    r->oom = 1;
    return -1;
  }
  *arr = q;
  *cap = ncap;
  return 0;
}

/* Keep a copy of the event, as the plain-text trace tells it. */
static void keep_event(struct picture_rec *r, const struct gcs_event *e) {
  if (room(r, (void **)&r->events, r->nevents, &r->capevents,
           sizeof *r->events))
    return;
  struct gcs_buf b;
  buf_init(&b);
  if (e->ev == EV_OP) buf_puts(&b, e->text ? e->text : "");
  else event_text(e, &b);
  char *t = b.p;
  if (!t || b.oom) {
    buf_free(&b);
    r->oom = 1;
    return;
  }
  size_t start = strspn(t, " "), n = strlen(t);
  while (n > start && t[n - 1] == '\n') n--;
  memmove(t, t + start, n - start);
  t[n - start] = '\0';
  r->events[r->nevents++] = (struct picture_event){e->step, e->ev, t};
}

/* The graph as the collection found its unreachable set. */
static void keep_shot(struct picture_rec *r) {
  if (!r->timeline) {
    for (uint32_t i = 0; i < r->nshots; i++) graph_free(&r->shots[i].g);
    r->nshots = 0;
  } else if (r->nshots >= PICTURE_MAX_SHOTS) {
    r->shots_dropped++;
    return;
  }
  if (room(r, (void **)&r->shots, r->nshots, &r->capshots, sizeof *r->shots))
    return;
  struct picture_shot *sh = &r->shots[r->nshots];
  if (graph_take(r->s, &sh->g)) {
    r->oom = 1;
    return;
  }
  sh->event = r->nevents ? r->nevents - 1 : 0;
  r->nshots++;
}

static void rec_sink(void *user, const struct gcs_event *e, const char *jsonl,
                     size_t len) {
  struct picture_rec *r = user;
  if (r->timeline) keep_event(r, e);
  if (r->s) {
    if (e->ev == EV_OP && (r->before_step == 0 || r->before_step == e->step)) {
      graph_free(&r->before);
      if (graph_take(r->s, &r->before)) r->oom = 1;
    } else if (e->ev == EV_UNREACHABLE) {
      keep_shot(r);
    } else if (e->ev == EV_VIOLATION && !r->have_last) {
      if (graph_take(r->s, &r->last)) r->oom = 1;
      else r->have_last = 1;
    }
  }
  if (r->inner) r->inner(r->inner_user, e, jsonl, len);
}

void picture_rec_take_before(struct picture_rec *r, struct picture_rec *from) {
  graph_free(&r->before);
  r->before = from->before;
  memset(&from->before, 0, sizeof from->before);
  from->before.violation = GRAPH_NONE;
}

void picture_rec_attach(struct picture_rec *r, struct sim_options *opt) {
  r->inner = opt->sink;
  r->inner_user = opt->sink_user;
  opt->sink = rec_sink;
  opt->sink_user = r;
}

void picture_rec_bind(struct picture_rec *r, struct sim *s) { r->s = s; }

int picture_rec_finish(struct picture_rec *r) {
  if (!r->have_last && r->s) {
    if (graph_take(r->s, &r->last)) r->oom = 1;
    else r->have_last = 1;
  }
  return r->oom ? -1 : 0;
}

void picture_final_scene(const struct picture_rec *r, const char *title,
                         const char *id, struct picture_scene *sc) {
  memset(sc, 0, sizeof *sc);
  sc->g = &r->last;
  sc->before = r->before.nodes && r->before.step == r->last.step
                   ? &r->before
                   : NULL;
  sc->coll = r->nshots ? &r->shots[r->nshots - 1].g : NULL;
  sc->title = title;
  sc->id = id;
}

/* ==== what a scene draws =============================================== */

/* An edge as drawn: a reference now, or one released since `before`. */
struct dedge {
  uint32_t from, to, slot;
  uint8_t kind;     /* enum graph_edge_kind */
  uint8_t released; /* in before, not in g */
  uint32_t hop;     /* 1-based number on the violation's path, 0 if none */
};

/* A root as drawn: a name, a keep-global or gc.garbage. */
struct droot {
  const struct graph_root *r;
  uint8_t released;
  uint32_t hop;
};

/* A path hop that no drawn edge or root carries: its own red edge, from
   the previous hop's object, or from a label saying where it started. */
struct dextra {
  uint32_t k;       /* index into the path */
};

struct draw {
  const struct picture_scene *sc;
  uint32_t n;             /* nodes of g */
  uint8_t *drawn, *on_path, *unreachable;
  struct dedge *e;
  uint32_t ne;
  struct droot *r;
  uint32_t nr;
  struct dextra *x;
  uint32_t nx;
};

/* Which nodes a scene draws: alive in g, alive at `before` (freed during
   the statement), on the violation's path, or the violating object. One
   byte per node (calloc'd), or NULL when out of memory. */
static uint8_t *drawn_nodes(const struct picture_scene *sc) {
  const struct graph *g = sc->g, *b = sc->before;
  uint8_t *d = calloc((size_t)g->nnodes + 1, 1);
  if (!d) return NULL;
  for (uint32_t i = 0; i < g->nnodes; i++)
    d[i] = (uint8_t)(g->nodes[i].state != GRAPH_FREED ||
                     (b && i < b->nnodes && b->nodes[i].state != GRAPH_FREED));
  for (uint32_t k = 0; k < g->npath; k++) d[g->path[k].node] = 1;
  if (g->violation < g->nnodes) d[g->violation] = 1;
  return d;
}

uint32_t picture_count_drawn(const struct picture_scene *sc) {
  uint8_t *d = drawn_nodes(sc);
  if (!d) return UINT32_MAX;
  uint32_t n = 0;
  for (uint32_t i = 0; i < sc->g->nnodes; i++) n += d[i];
  free(d);
  return n;
}

static int same_edge(const struct graph_edge *a, const struct graph_edge *b) {
  return a->from == b->from && a->to == b->to && a->kind == b->kind &&
         a->slot == b->slot;
}

/* Offsets of g's edges grouped by `from` (a counting sort): the edges of
   node i are ord[off[i] .. off[i+1]). */
static int index_edges(const struct graph *g, uint32_t **off, uint32_t **ord) {
  *off = calloc((size_t)g->nnodes + 2, sizeof **off);
  *ord = malloc(((size_t)g->nedges + 1) * sizeof **ord);
  if (!*off || !*ord) return -1;
  for (uint32_t i = 0; i < g->nedges; i++) (*off)[g->edges[i].from + 2]++;
  for (uint32_t i = 0; i < g->nnodes; i++) (*off)[i + 2] += (*off)[i + 1];
  for (uint32_t i = 0; i < g->nedges; i++)
    (*ord)[(*off)[g->edges[i].from + 1]++] = i;
  return 0;
}

static int cmp_edge(const void *pa, const void *pb) {
  const struct dedge *a = pa, *b = pb;
#define CMP(f) if (a->f != b->f) return a->f < b->f ? -1 : 1
  CMP(from);
  CMP(kind);
  CMP(slot);
  CMP(to);
  CMP(released);
#undef CMP
  return 0;
}

/* g's edges, then before's edges that g no longer has, in drawing order. */
static int collect_edges(struct draw *d) {
  const struct graph *g = d->sc->g, *b = d->sc->before;
  uint32_t cap = g->nedges + (b ? b->nedges : 0);
  d->e = calloc(cap ? cap : 1, sizeof *d->e);
  if (!d->e) return -1;
  for (uint32_t i = 0; i < g->nedges; i++) {
    const struct graph_edge *x = &g->edges[i];
    d->e[d->ne++] = (struct dedge){x->from, x->to, x->slot, x->kind, 0, 0};
  }
  if (b) {
    uint32_t *off = NULL, *ord = NULL;
    if (index_edges(g, &off, &ord)) {
      free(off);
      free(ord);
      return -1;
    }
    for (uint32_t i = 0; i < b->nedges; i++) {
      const struct graph_edge *x = &b->edges[i];
      int found = 0;
      if (x->from < g->nnodes)
        for (uint32_t j = off[x->from]; j < off[x->from + 1] && !found; j++)
          found = same_edge(x, &g->edges[ord[j]]);
      if (!found && x->from < d->n && x->to < d->n)
        d->e[d->ne++] = (struct dedge){x->from, x->to, x->slot, x->kind, 1, 0};
    }
    free(off);
    free(ord);
  }
  qsort(d->e, d->ne, sizeof *d->e, cmp_edge);
  return 0;
}

static int same_root(const struct graph_root *a, const struct graph_root *b) {
  return a->kind == b->kind && a->to == b->to &&
         (a->name == NULL) == (b->name == NULL) &&
         (!a->name || strcmp(a->name, b->name) == 0);
}

/* g's roots, then the roots of before that g no longer has. */
static int collect_roots(struct draw *d) {
  const struct graph *g = d->sc->g, *b = d->sc->before;
  uint32_t cap = g->nroots + (b ? b->nroots : 0);
  d->r = calloc(cap ? cap : 1, sizeof *d->r);
  if (!d->r) return -1;
  for (uint32_t i = 0; i < g->nroots; i++)
    d->r[d->nr++] = (struct droot){&g->roots[i], 0, 0};
  for (uint32_t i = 0; b && i < b->nroots; i++) {
    int found = 0;
    for (uint32_t j = 0; j < g->nroots && !found; j++)
      found = same_root(&b->roots[i], &g->roots[j]);
    if (!found && b->roots[i].to < d->n)
      d->r[d->nr++] = (struct droot){&b->roots[i], 1, 0};
  }
  return 0;
}

/* The first drawn edge from -> to of one of the kinds (a bit set over enum
   graph_edge_kind; slot == UINT32_MAX: any slot) that carries no hop yet,
   a current one before a released one. d->e is sorted by `from`. */
static struct dedge *find_edge(struct draw *d, uint32_t from, uint32_t to,
                               unsigned kinds, uint32_t slot) {
  uint32_t lo = 0, hi = d->ne;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (d->e[mid].from < from) lo = mid + 1;
    else hi = mid;
  }
  for (int released = 0; released <= 1; released++)
    for (uint32_t i = lo; i < d->ne && d->e[i].from == from; i++) {
      struct dedge *e = &d->e[i];
      if (e->to == to && (kinds >> e->kind & 1u) &&
          e->released == released && !e->hop &&
          (slot == UINT32_MAX || e->slot == slot))
        return e;
    }
  return NULL;
}

#define K(kind) (1u << (kind))

/* Mark the violation's path on the edges and roots that carry it. */
static void mark_path(struct draw *d) {
  const struct graph *g = d->sc->g;
  for (uint32_t k = 0; k < g->npath; k++) {
    const struct graph_hop *h = &g->path[k];
    uint32_t prev = k ? g->path[k - 1].node : GRAPH_NONE;
    struct dedge *e = NULL;
    d->on_path[h->node] = 1;
    switch (h->kind) {
    case GRAPH_HOP_NAME: {
      struct droot *root = NULL;
      for (uint32_t i = 0; i < d->nr && !root; i++) {
        const struct graph_root *r = d->r[i].r;
        if (r->kind == GRAPH_NAME && r->to == h->node && h->name &&
            strcmp(r->name, h->name) == 0)
          root = &d->r[i];
      }
      if (root && !root->hop) root->hop = k + 1;
      else d->x[d->nx++] = (struct dextra){k};
      continue;
    }
    case GRAPH_HOP_SLOT:
      if (prev != GRAPH_NONE)
        e = find_edge(d, prev, h->node, K(GRAPH_SLOT), (uint32_t)h->slot);
      break;
    case GRAPH_HOP_CALL:
      if (prev != GRAPH_NONE)
        e = find_edge(d, prev, h->node, K(GRAPH_REFERENT), UINT32_MAX);
      break;
    case GRAPH_HOP_DEALLOC:
      if (prev == GRAPH_NONE) continue; /* the chain starts at this dealloc */
      e = find_edge(d, prev, h->node,
                    K(GRAPH_SLOT) | K(GRAPH_HELD) | K(GRAPH_CALLBACK),
                    UINT32_MAX);
      break;
    case GRAPH_HOP_WEAKREF:
      if (prev != GRAPH_NONE)
        e = find_edge(d, h->node, prev, K(GRAPH_REFERENT), UINT32_MAX);
      break;
    case GRAPH_HOP_CALLBACK:
      if (prev != GRAPH_NONE)
        e = find_edge(d, prev, h->node, K(GRAPH_CALLBACK), UINT32_MAX);
      break;
    default: break; /* self, arg, tp_clear, get_objects: a starting label */
    }
    if (e) e->hop = k + 1;
    else d->x[d->nx++] = (struct dextra){k};
  }
}

static void draw_free(struct draw *d) {
  free(d->drawn);
  free(d->on_path);
  free(d->unreachable);
  free(d->e);
  free(d->r);
  free(d->x);
}

static int draw_init(struct draw *d, const struct picture_scene *sc) {
  memset(d, 0, sizeof *d);
  d->sc = sc;
  d->n = sc->g->nnodes;
  d->drawn = drawn_nodes(sc);
  d->on_path = calloc(d->n + 1, 1);
  d->unreachable = calloc(d->n + 1, 1);
  d->x = calloc(sc->g->npath + 1, sizeof *d->x);
  if (!d->drawn || !d->on_path || !d->unreachable || !d->x ||
      collect_edges(d) || collect_roots(d))
    return -1;
  if (sc->coll)
    for (uint32_t i = 0; i < sc->coll->nnodes && i < d->n; i++)
      d->unreachable[i] =
          sc->coll->nodes[i].list == GRAPH_UNREACHABLE && d->drawn[i];
  mark_path(d);
  return 0;
}

/* ==== DOT text ========================================================= */

/* s inside a DOT string literal; a newline becomes a centred line break. */
static void dot_esc(struct gcs_buf *out, const char *s) {
  for (const char *c = s; *c; c++) {
    if (*c == '"' || *c == '\\') buf_printf(out, "\\%c", *c);
    else if (*c == '\n') buf_puts(out, "\\n");
    else if ((unsigned char)*c < 0x20) buf_puts(out, " ");
    else buf_add(out, c, 1);
  }
}

static void dot_str(struct gcs_buf *out, const char *s) {
  buf_puts(out, "\"");
  dot_esc(out, s);
  buf_puts(out, "\"");
}

static const char *const red = "#d50000", *const grey = "#9e9e9e";

static const char *shape_of(uint8_t kind) {
  switch (kind) {
  case GCS_NOCLEAR: return "shape=box, peripheries=2";
  case GCS_FUNCTION: return "shape=ellipse";
  case GCS_OPAQUE: return "shape=box3d";
  case GCS_LEAF: return "shape=note";
  case GCS_WEAKREF: return "shape=cds, margin=\"0.3,0.1\"";
  default: return "shape=box";
  }
}

static void emit_node(struct draw *d, uint32_t i, struct gcs_buf *out) {
  const struct graph *g = d->sc->g;
  const struct graph_node *nd = &g->nodes[i];
  int viol = g->violation == i, dead = nd->state != GRAPH_ALIVE;
  struct gcs_buf l, cls, style;
  buf_init(&l);
  buf_init(&cls);
  buf_init(&style);
  buf_printf(&l, "%s\n%s%s%s%s", nd->label, program_kind_name(nd->kind),
             nd->kind == GCS_OPAQUE ? " (invisible to gc)" : "",
             nd->flags & GCS_FLAG_FIN ? ", fin" : "",
             nd->flags & GCS_FLAG_LEGACY ? ", legacy" : "");
  if (nd->state != GRAPH_FREED)
    buf_printf(&l, "\nrefcount %lld", (long long)nd->refcnt);
  buf_puts(&cls, program_kind_name(nd->kind));
  if (nd->cleared) {
    buf_puts(&l, "\ntp_clear'ed by gc");
    buf_puts(&cls, " cleared");
  }
  if (nd->state == GRAPH_DYING) {
    buf_puts(&l, "\nbeing freed");
    buf_puts(&cls, " dying");
  } else if (nd->state == GRAPH_FREED) {
    buf_puts(&l, "\nfreed");
    buf_puts(&cls, " freed");
  } else if (nd->list == GRAPH_UNTRACKED && nd->kind != GCS_OPAQUE &&
             nd->kind != GCS_LEAF) {
    buf_puts(&l, "\nuntracked");
  }
  if (viol) {
    buf_puts(&l, "\nVIOLATION");
    buf_puts(&cls, " violation");
  }
  if (d->on_path[i]) buf_puts(&cls, " path");
  buf_puts(&style, nd->kind == GCS_OBJECT ? "rounded,filled" : "filled");
  if (dead) buf_puts(&style, ",dashed");
  const char *fill = nd->cleared ? "#ffcc80"
                     : dead      ? "#eeeeee"
                     : nd->kind == GCS_OPAQUE ? "#cfd8dc"
                                              : "white";
  buf_printf(out, "  n%u [id=\"%s_n%u\", class=", (unsigned)i, d->sc->id,
             (unsigned)i);
  dot_str(out, cls.p);
  buf_printf(out, ", %s, style=\"%s\", fillcolor=\"%s\"", shape_of(nd->kind),
             style.p, fill);
  if (viol) buf_printf(out, ", color=\"%s\", penwidth=3", red);
  else if (d->on_path[i]) buf_printf(out, ", color=\"%s\", penwidth=2", red);
  else if (dead) buf_printf(out, ", color=\"#616161\", fontcolor=\"#424242\"");
  buf_puts(out, ", label=");
  dot_str(out, l.p);
  buf_puts(out, "];\n");
  buf_free(&l);
  buf_free(&cls);
  buf_free(&style);
}

static const char *edge_what(uint8_t kind, int released) {
  switch (kind) {
  case GRAPH_REFERENT: return released ? "weakref (cleared)" : "weakref";
  case GRAPH_CALLBACK: return released ? "callback (released)" : "callback";
  case GRAPH_HELD:
    return released ? "held by tp_dealloc (released)" : "held by tp_dealloc";
  default: return released ? " (released)" : "";
  }
}

static const char *const edge_class[] = {"slot", "weak", "callback", "held"};

static void emit_edge(struct draw *d, uint32_t n, const struct dedge *e,
                      struct gcs_buf *out) {
  struct gcs_buf l;
  buf_init(&l);
  if (e->hop) buf_printf(&l, "[%u] ", (unsigned)e->hop);
  if (e->kind == GRAPH_SLOT) buf_printf(&l, ".%u", (unsigned)e->slot);
  buf_puts(&l, edge_what(e->kind, e->released));
  buf_printf(out, "  n%u -> n%u [id=\"%s_e%u\", class=\"%s%s%s\"",
             (unsigned)e->from, (unsigned)e->to, d->sc->id, (unsigned)n,
             edge_class[e->kind & 3], e->released ? " released" : "",
             e->hop ? " path" : "");
  if (e->kind == GRAPH_REFERENT) buf_puts(out, ", style=dashed, arrowhead=empty");
  else if (e->kind == GRAPH_HELD) buf_puts(out, ", style=dotted");
  if (e->hop)
    buf_printf(out, ", color=\"%s\", fontcolor=\"%s\", penwidth=2.5", red, red);
  else if (e->released)
    buf_printf(out, ", color=\"%s\", fontcolor=\"%s\"", grey, grey);
  if (e->kind != GRAPH_SLOT) buf_puts(out, ", weight=0");
  buf_puts(out, ", label=");
  dot_str(out, l.p ? l.p : "");
  buf_puts(out, "];\n");
  buf_free(&l);
}

static void emit_root(struct draw *d, uint32_t n, const struct droot *r,
                      struct gcs_buf *out) {
  const char *col = r->hop ? red : r->released ? grey : "#2e7d32";
  struct gcs_buf l;
  buf_init(&l);
  if (r->r->kind == GRAPH_NAME) buf_printf(&l, "name %s", r->r->name);
  else buf_puts(&l, r->r->kind == GRAPH_GLOBAL ? "global (keep)" : "gc.garbage");
  if (r->released) buf_puts(&l, "\n(released)");
  buf_printf(out, "  r%u [id=\"%s_r%u\", class=\"root%s\", shape=plaintext, "
                  "fontcolor=\"%s\", label=",
             (unsigned)n, d->sc->id, (unsigned)n,
             r->released ? " released" : "", col);
  dot_str(out, l.p);
  buf_printf(out, "];\n  r%u -> n%u [id=\"%s_re%u\", class=\"root%s%s\", "
                  "color=\"%s\", fontcolor=\"%s\"%s",
             (unsigned)n, (unsigned)r->r->to, d->sc->id, (unsigned)n,
             r->released ? " released" : "", r->hop ? " path" : "", col, col,
             r->hop ? ", penwidth=2.5" : "");
  if (r->hop) buf_printf(out, ", label=\"[%u]\"", (unsigned)r->hop);
  buf_puts(out, "];\n");
  buf_free(&l);
}

/* A hop no drawn edge carries: from the previous hop's object, or from a
   label naming where the chain starts. */
static void emit_extra(struct draw *d, uint32_t n, const struct dextra *x,
                       struct gcs_buf *out) {
  static const char *const what[] = {
      [GRAPH_HOP_SLOT] = "", [GRAPH_HOP_CALL] = "()",
      [GRAPH_HOP_DEALLOC] = "freed in its teardown",
      [GRAPH_HOP_WEAKREF] = "its weakref",
      [GRAPH_HOP_CALLBACK] = "its callback"};
  const struct graph *g = d->sc->g;
  const struct graph_hop *h = &g->path[x->k];
  struct gcs_buf l;
  buf_init(&l);
  buf_printf(&l, "[%u] ", (unsigned)x->k + 1);
  switch (h->kind) {
  case GRAPH_HOP_NAME: buf_printf(&l, "name %s", h->name ? h->name : "?"); break;
  case GRAPH_HOP_SELF:
  case GRAPH_HOP_ARG:
    buf_printf(&l, "%s, in %s", h->kind == GRAPH_HOP_SELF ? "self" : "arg",
               h->slot == 0   ? "a finalizer"
               : h->slot == 1 ? "a weakref callback"
                              : "a legacy tp_del");
    break;
  case GRAPH_HOP_TP_CLEAR:
    buf_printf(&l, "gc %s: tp_clear", h->name ? h->name : "");
    break;
  case GRAPH_HOP_GET_OBJECTS:
    buf_printf(&l, "gc.get_objects() (generation %d)", (int)h->slot);
    break;
  default:
    if (h->kind == GRAPH_HOP_SLOT) buf_printf(&l, ".%d", (int)h->slot);
    else if (h->kind < sizeof what / sizeof *what && what[h->kind])
      buf_puts(&l, what[h->kind]);
    break;
  }
  const char *edge_label = l.p;
  if (h->kind <= GRAPH_HOP_ARG || h->kind == GRAPH_HOP_TP_CLEAR ||
      h->kind == GRAPH_HOP_GET_OBJECTS || x->k == 0) {
    /* where the chain starts: a label of its own */
    buf_printf(out, "  p%u [id=\"%s_p%u\", class=\"start path\", "
                    "shape=plaintext, fontcolor=\"%s\", label=",
               (unsigned)n, d->sc->id, (unsigned)n, red);
    dot_str(out, l.p);
    buf_printf(out, "];\n  p%u -> n%u", (unsigned)n, (unsigned)h->node);
    edge_label = "";
  } else {
    buf_printf(out, "  n%u -> n%u", (unsigned)g->path[x->k - 1].node,
               (unsigned)h->node);
  }
  buf_printf(out, " [id=\"%s_pe%u\", class=\"path\", style=bold, "
                  "color=\"%s\", fontcolor=\"%s\", penwidth=2.5, label=",
             d->sc->id, (unsigned)n, red, red);
  dot_str(out, edge_label);
  buf_puts(out, "];\n");
  buf_free(&l);
}

/* The graph's label: the title, then a legend of what is drawn (each
   line left-justified: \l). */
static void emit_legend(struct draw *d, struct gcs_buf *out) {
  const struct picture_scene *sc = d->sc;
  buf_puts(out, "  graph [label=\"");
  dot_esc(out, sc->title ? sc->title : "gcsim");
  buf_puts(out, "\\lsolid: reference (.N: slot N)   dashed: weakref to its "
                "referent   dotted: held by a tp_dealloc in progress\\l");
  if (sc->before)
    buf_printf(out, "grey: released during step %u   ",
               (unsigned)sc->before->step);
  if (sc->g->npath) buf_puts(out, "red [1], [2], ...: the violation's chain");
  if (sc->before || sc->g->npath) buf_puts(out, "\\l");
  buf_puts(out, "orange: tp_clear'ed by gc   dashed outline: freed or being "
                "freed   grey box: opaque, invisible to gc\\l\"];\n");
}

void picture_dot(const struct picture_scene *sc, struct gcs_buf *out) {
  struct draw d;
  if (draw_init(&d, sc)) {
    draw_free(&d);
    out->oom = 1;
    return;
  }
  buf_printf(out, "digraph gcsim {\n  graph [id=\"%s\", class=\"gcsim\", "
                  "fontname=\"Helvetica\", fontsize=11, labelloc=t, "
                  "labeljust=l, ordering=out, nodesep=0.3, ranksep=0.45];\n"
                  "  node [fontname=\"Helvetica\", fontsize=11, "
                  "margin=\"0.1,0.04\"];\n"
                  "  edge [fontname=\"Helvetica\", fontsize=9];\n",
             sc->id);
  emit_legend(&d, out);
  uint32_t ncl = 0;
  for (uint32_t i = 0; i < d.n; i++) ncl += d.unreachable[i];
  if (ncl) {
    buf_printf(out, "  subgraph cluster_unreachable {\n    graph [id=\"%s_"
                    "unreachable\", class=\"unreachable\", style=\"dashed,"
                    "rounded\", color=\"#6a1b9a\", fontcolor=\"#6a1b9a\", "
                    "label=\"unreachable set of the collection at step %u\"];\n",
               sc->id, (unsigned)sc->coll->step);
    for (uint32_t i = 0; i < d.n; i++)
      if (d.unreachable[i]) {
        buf_puts(out, "  ");
        emit_node(&d, i, out);
      }
    buf_puts(out, "  }\n");
  }
  for (uint32_t i = 0; i < d.n; i++)
    if (d.drawn[i] && !d.unreachable[i]) emit_node(&d, i, out);
  for (uint32_t i = 0; i < d.nr; i++) emit_root(&d, i, &d.r[i], out);
  for (uint32_t i = 0; i < d.ne; i++)
    if (d.drawn[d.e[i].from] && d.drawn[d.e[i].to]) emit_edge(&d, i, &d.e[i], out);
  for (uint32_t i = 0; i < d.nx; i++) emit_extra(&d, i, &d.x[i], out);
  buf_puts(out, "}\n");
  draw_free(&d);
}
