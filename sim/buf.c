/*
** buf.c — a growable, always NUL-terminated text buffer.
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcsim/scenario.h"

void buf_init(struct gcs_buf *b) { memset(b, 0, sizeof *b); }

void buf_free(struct gcs_buf *b) {
  free(b->p);
  memset(b, 0, sizeof *b);
}

/* Make room for n more bytes plus the terminator. */
static int reserve(struct gcs_buf *b, size_t n) {
  if (b->oom) return -1;
  if (b->len + n + 1 <= b->cap) return 0;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + n + 1) cap *= 2;
  char *q = realloc(b->p, cap);
  if (!q) {
    b->oom = 1;
    return -1;
  }
  b->p = q;
  b->cap = cap;
  return 0;
}

void buf_add_grow(struct gcs_buf *b, const void *data, size_t n) {
  if (reserve(b, n)) return;
  memcpy(b->p + b->len, data, n);
  b->len += n;
  b->p[b->len] = '\0';
}

void buf_puts(struct gcs_buf *b, const char *s) { buf_add(b, s, strlen(s)); }

void buf_printf(struct gcs_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char small[256];
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n < sizeof small) {
    buf_puts(b, small);
    return;
  }
  if (reserve(b, (size_t)n)) return;
  va_start(ap, fmt);
  vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}
