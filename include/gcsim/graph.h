/*
** graph.h — a snapshot of the object graph, for pictures.
**
** Library: gcsim_sim (sim/).
**
** Invariants:
**   - graph_take() only reads the model: taking a snapshot never changes a
**     run, its events or its fingerprint. It may be called from a sink
**     (sim_options.sink) while an event is being emitted, which is how a
**     caller gets the graph at the moment of a violation, or at the point a
**     collection has found its unreachable set.
**   - A snapshot is plain data that owns its strings: it outlives the model.
**   - Node i is the i-th object the run created (freed ones included), so
**     two snapshots of one run name the same object by the same index.
**     Nothing is ordered or named by an address.
**   - Edges are the references the model holds at that moment: each live
**     object's slots in slot order (a weakref: its referent, then its
**     callback), in node order; then the references that deallocations in
**     progress hold until their weakref callbacks return (GRAPH_HELD), in
**     stack order. A slot already emptied (Py_CLEAR) is no edge.
**   - The path is the chain of references the violation followed,
**     outermost first, as the violation's detail text tells it; it is empty
**     when there is no violation or the violation has no chain.
*/
#ifndef GCSIM_GRAPH_H
#define GCSIM_GRAPH_H

#include <stdint.h>

#define GRAPH_NONE UINT32_MAX

enum graph_state {
  GRAPH_ALIVE = 0,
  GRAPH_DYING, /* refcount 0: tp_dealloc in progress, or in the trashcan */
  GRAPH_FREED
};

/* Where gc has the object. */
enum graph_list {
  GRAPH_UNTRACKED = 0,
  GRAPH_GEN0,
  GRAPH_GEN1,
  GRAPH_GEN2,
  GRAPH_UNREACHABLE, /* the running collection's unreachable list */
  GRAPH_COLLECTING   /* another list of the running collection */
};

enum graph_edge_kind {
  GRAPH_SLOT = 0,  /* a strong reference in slot `slot` */
  GRAPH_REFERENT,  /* a weakref to its referent (weak) */
  GRAPH_CALLBACK,  /* a weakref to its callback (strong) */
  GRAPH_HELD       /* tp_dealloc of `from` holds it while callbacks run */
};

enum graph_root_kind {
  GRAPH_NAME = 0, /* a bound name */
  GRAPH_GLOBAL,   /* a global that a script's `keep` made */
  GRAPH_GARBAGE   /* an entry of gc.garbage */
};

/* How the violation's path reached its next object. */
enum graph_hop_kind {
  GRAPH_HOP_NAME = 0,   /* root: the bound name `name` */
  GRAPH_HOP_SELF,       /* root: the script's self */
  GRAPH_HOP_ARG,        /* root: the callback's weakref argument */
  GRAPH_HOP_SLOT,       /* slot `slot` of the previous object */
  GRAPH_HOP_CALL,       /* the referent of the previous object, a weakref */
  GRAPH_HOP_TP_CLEAR,   /* gc tp_clear'ed it (in phase `name`) */
  GRAPH_HOP_DEALLOC,    /* freed while the previous object was torn down */
  GRAPH_HOP_WEAKREF,    /* a weakref of the previous, dying, object */
  GRAPH_HOP_CALLBACK,   /* the callback of the previous object, a weakref */
  GRAPH_HOP_GET_OBJECTS /* gc.get_objects() handed it out */
};

struct graph_node {
  const char *label;  /* the object's label, as events name it */
  uint8_t kind;       /* enum gcs_kind */
  uint8_t flags;      /* GCS_FLAG_* */
  uint8_t state;      /* enum graph_state */
  uint8_t cleared;    /* gc called tp_clear on it */
  uint8_t list;       /* enum graph_list */
  int64_t refcnt;     /* ob_refcnt */
};

struct graph_edge {
  uint32_t from, to;  /* nodes */
  uint8_t kind;       /* enum graph_edge_kind */
  uint32_t slot;      /* GRAPH_SLOT: the slot index */
};

struct graph_root {
  uint8_t kind;       /* enum graph_root_kind */
  const char *name;   /* GRAPH_NAME: the name; else NULL */
  uint32_t to;        /* node */
};

struct graph_hop {
  uint32_t node;      /* the object reached */
  uint8_t kind;       /* enum graph_hop_kind */
  int32_t slot;       /* SLOT: the slot; GET_OBJECTS: the generation;
                         SELF, ARG: the script's kind (0 finalizer, 1
                         callback, 2 tp_del) */
  const char *name;   /* NAME: the name; TP_CLEAR: the collector phase */
};

struct graph {
  uint32_t step;              /* the statement running (1-based; 0 before) */
  struct graph_node *nodes;   /* every object created so far */
  uint32_t nnodes;
  struct graph_edge *edges;
  uint32_t nedges;
  struct graph_root *roots;   /* globals in insertion order, then gc.garbage */
  uint32_t nroots;
  struct graph_hop *path;     /* the violation's chain, outermost first */
  uint32_t npath;
  uint32_t violation;         /* the violating object, or GRAPH_NONE */
  char *strings;              /* storage of every string above */
};

struct sim;

/* Fill *g from the model. 0, or -1 when out of memory (*g is then empty). */
int graph_take(const struct sim *s, struct graph *g);

/* Free what graph_take allocated; *g is left empty. */
void graph_free(struct graph *g);

#endif
