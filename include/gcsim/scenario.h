/*
** scenario.h — the .gcs language: text to program and back.
**
** Library: gcsim_sim (sim/).
**
** Invariants:
**   - scenario_parse() either fills *prog with a program that satisfies every
**     invariant of program.h and returns 0, or returns -1 with exactly one
**     "FILE:LINE: message" in err and leaves *prog empty. It never aborts,
**     whatever the bytes (NUL bytes, overlong lines, binary data).
**   - scenario_print() of a parsed program parses back to an equal program.
**   - Both are pure: no I/O, no globals.
*/
#ifndef GCSIM_SCENARIO_H
#define GCSIM_SCENARIO_H

#include <stddef.h>
#include <string.h>

#include "gcsim/program.h"

/* The longest line the parser accepts (an `on` line holds a whole script). */
#define GCS_MAX_LINE 16384

/* A growable text buffer (always NUL-terminated once anything is added). */
struct gcs_buf {
  char *p;
  size_t len, cap;
  int oom; /* set once an allocation failed; later appends are ignored */
};
void buf_init(struct gcs_buf *b);
void buf_free(struct gcs_buf *b);
void buf_puts(struct gcs_buf *b, const char *s);
/* Append n bytes (any bytes): inline when they fit (the event formatting
   appends a few bytes at a time, millions of times), else buf_add_grow. */
void buf_add_grow(struct gcs_buf *b, const void *data, size_t n);
static inline void buf_add(struct gcs_buf *b, const void *data, size_t n) {
  if (!b->oom && b->len + n < b->cap) {
    memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
    return;
  }
  buf_add_grow(b, data, n);
}
void buf_printf(struct gcs_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
** Parse len bytes of .gcs text. fname is used in error messages only.
** On error err holds "fname:line: message".
*/
int scenario_parse(const char *text, size_t len, const char *fname,
                   struct gcs_program *prog, char *err, size_t errlen);

/* Print the whole program as .gcs text, one statement per line. */
void scenario_print(const struct gcs_program *prog, struct gcs_buf *out);

/* Print statement i (0-based) as it would appear in the scenario. */
void scenario_print_stmt(const struct gcs_program *prog, uint32_t i,
                         struct gcs_buf *out);

/* Print one script action. */
void scenario_print_action(const struct gcs_program *prog,
                           const struct gcs_action *a, struct gcs_buf *out);

/* Print a path. */
void scenario_print_path(const struct gcs_program *prog,
                         const struct gcs_path *path, struct gcs_buf *out);

#endif
