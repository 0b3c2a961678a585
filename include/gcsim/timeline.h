/*
** timeline.h — one self-contained HTML page that tells a run: the
** scenario, every event step by step, the graph at each collection and the
** graph at the violation (or at the end), to attach to a bug report.
**
** Library: gcsim_pictures (pictures/).
**
** Invariants:
**   - The page loads nothing: no script, no style sheet, no image, no font
**     from anywhere; the graphs are inline SVG (made by Graphviz's dot) or,
**     without Graphviz, their DOT text.
**   - It is a pure function of the recording and the run's result (and of
**     dot's output): no date, no host, no path but the input's name.
**   - Every text from the run is HTML-escaped. The result box has id
**     "result" and class "violation", "clean" or "stopped"; the violation's
**     event has id "violation"; the final graph's figure has id "graph".
*/
#ifndef GCSIM_TIMELINE_H
#define GCSIM_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

#include "gcsim/picture.h"
#include "gcsim/program.h"
#include "gcsim/scenario.h"
#include "gcsim/sim.h"

/* A graph with more objects than this is not drawn on the page. */
#define TIMELINE_MAX_NODES 300

struct timeline_info {
  const char *file;               /* the input's name */
  const char *policy;             /* the policy text */
  const struct gcs_program *prog; /* what ran */
  enum sim_status status;
  const struct sim_violation *v;  /* NULL when there was none */
  const char *roles;              /* the violation's roles, or "" */
  const char *message;            /* why a run stopped early, or "" */
  uint64_t fingerprint, events;
  const char *title;              /* the final graph's title */
};

/*
** Append the page to out. graphviz: draw the graphs with dot (else show
** their DOT text). 0, or -1 with a message in err (out of memory, or dot
** rejected a graph).
*/
int timeline_html(const struct picture_rec *r, const struct timeline_info *in,
                  int graphviz, struct gcs_buf *out, char *err, size_t errlen);

#endif
