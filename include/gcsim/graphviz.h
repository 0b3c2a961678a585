/*
** graphviz.h — run Graphviz's `dot` on DOT text.
**
** Library: gcsim_pictures (pictures/).
**
** Invariants:
**   - `dot` is found on PATH and run without a shell, its input and output
**     in temporary files that are removed before returning; nothing is
**     left behind, whatever happens.
**   - A failure never aborts: the functions return -1 with a message.
*/
#ifndef GCSIM_GRAPHVIZ_H
#define GCSIM_GRAPHVIZ_H

#include <stddef.h>

#include "gcsim/scenario.h"

/* What to tell a user who has no `dot`. */
#define GRAPHVIZ_HOWTO \
  "Graphviz's dot is not on PATH: install it (Debian, Ubuntu: apt-get " \
  "install graphviz)"

/* 1 when `dot -V` runs and exits 0, else 0. */
int graphviz_available(void);

/*
** Render len bytes of DOT text as format ("svg") into out. 0, or -1 with a
** one-line message in err (dot missing, dot rejecting the text: its first
** complaint, out of memory).
*/
int graphviz_render(const char *dot, size_t len, const char *format,
                    struct gcs_buf *out, char *err, size_t errlen);

#endif
