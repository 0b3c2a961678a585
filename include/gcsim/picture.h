/*
** picture.h — pictures of a run: record its graphs, draw one as DOT.
**
** Library: gcsim_pictures (pictures/).
**
** A recorder sits between the model and the caller's sink: it passes every
** event on unchanged and takes snapshots (graph.h) of the graph at the
** start of a statement (every one, or the one before_step names), when a
** collection has found its unreachable set, and at the violation (or,
** through picture_rec_finish(), at the end). picture_dot() draws a scene
** made of those snapshots.
**
** A snapshot costs O(objects); one at every statement's start costs
** O(statements x objects). A caller that can run the program twice (the
** model is deterministic) runs it first with before_step =
** PICTURE_NO_BEFORE, then again with before_step = last.step, and keeps
** that run's `before` (picture_rec_take_before()).
**
** Invariants:
**   - Recording never changes a run: events, fingerprint and result are the
**     same with and without a recorder.
**   - picture_dot() is a pure function of its scene: the same run gives the
**     same DOT text, byte for byte, in every build. Nodes and edges come in
**     object (creation) order, each object's references in slot order.
**   - The DOT always names node i of the scene "n<i>", and carries what it
**     marks twice: in how it looks, and in `class` attributes that SVG
**     output keeps (tests and pages read those): the object's kind,
**     "cleared" (gc tp_clear'ed it), "dying" (refcount 0, being freed),
**     "freed", "violation" (the violating object), "path" (on the
**     violation's chain); for edges "slot", "weak", "callback", "held",
**     "root", "released" (held at the start of the statement, not now) and
**     "path"; the cluster of the unreachable set has class "unreachable".
*/
#ifndef GCSIM_PICTURE_H
#define GCSIM_PICTURE_H

#include <stdint.h>

#include "gcsim/graph.h"
#include "gcsim/scenario.h"
#include "gcsim/sim.h"

/* before_step: never take the `before` snapshot. */
#define PICTURE_NO_BEFORE UINT32_MAX

/* At most this many collections keep a snapshot for a timeline. */
#define PICTURE_MAX_SHOTS 100

/* The graph as one collection found its unreachable set. */
struct picture_shot {
  struct graph g;
  uint32_t event; /* index of its `unreachable` event in the recording */
};

/* One event as the plain-text trace tells it. */
struct picture_event {
  uint32_t step;
  uint8_t ev;     /* enum gcs_ev */
  char *text;     /* EV_OP: the statement; else the trace line, trimmed */
};

struct picture_rec {
  struct sim *s;          /* the model recorded (picture_rec_bind) */
  sim_sink inner;         /* the caller's sink and its argument */
  void *inner_user;
  int timeline;           /* keep every event and every collection's shot */
  uint32_t before_step;   /* take `before` at the start of this statement
                             only; 0 (the default): of every statement */
  struct graph before;    /* at the start of the latest such statement */
  struct graph last;      /* at the violation, or at the end */
  int have_last;
  struct picture_shot *shots; /* collections, oldest first (only the latest
                                 one unless timeline) */
  uint32_t nshots, capshots;
  uint32_t shots_dropped; /* collections past PICTURE_MAX_SHOTS */
  struct picture_event *events; /* timeline only */
  uint32_t nevents, capevents;
  int oom;                /* a snapshot or event could not be kept */
};

/* timeline: keep every event and collection snapshot too. */
void picture_rec_init(struct picture_rec *r, int timeline);
/* Route opt's sink through the recorder (before sim_create(opt)). */
void picture_rec_attach(struct picture_rec *r, struct sim_options *opt);
/* The model made from those options (before it runs). */
void picture_rec_bind(struct picture_rec *r, struct sim *s);
/* After the run: the final snapshot, unless the violation took it.
   0, or -1 when out of memory (as when r->oom is set). */
int picture_rec_finish(struct picture_rec *r);
void picture_rec_free(struct picture_rec *r);
/* Move from's `before` into r (whose own is freed). */
void picture_rec_take_before(struct picture_rec *r, struct picture_rec *from);

/* What to draw. */
struct picture_scene {
  const struct graph *g;      /* the graph drawn */
  const struct graph *before; /* NULL, or an earlier snapshot of the same
                                 run: references and roots it has that g
                                 lacks are drawn grey, as released; objects
                                 alive there are drawn even if freed now */
  const struct graph *coll;   /* NULL, or a collection's snapshot: its
                                 unreachable set is grouped in a cluster */
  const char *title;          /* the first line of the graph's label */
  const char *id;             /* prefix of SVG ids ("g0"): unique per page */
};

/* The scene for the recorder's final graph: last; before, when it was taken
   at the start of last's statement; the latest collection's shot. */
void picture_final_scene(const struct picture_rec *r, const char *title,
                         const char *id, struct picture_scene *sc);

/* Objects the scene draws (alive, or alive at `before`, or on the path);
   UINT32_MAX when out of memory. */
uint32_t picture_count_drawn(const struct picture_scene *sc);

/* Append the scene as a Graphviz DOT digraph. */
void picture_dot(const struct picture_scene *sc, struct gcs_buf *out);

#endif
