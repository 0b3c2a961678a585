/*
** cli.h — what the gcsim command's source files share (not a public API).
**
** Invariants: every function that fails has printed one message on stderr
** ("FILE:LINE: message", or "gcsim: ...") and returns the exit status 2.
*/
#ifndef GCSIM_CLI_H
#define GCSIM_CLI_H

#include <stddef.h>

#include "gcsim/codec.h"
#include "gcsim/program.h"

/* A scenario or fuzz bytes, read and parsed/decoded. */
struct input {
  int is_bytes;
  char *data;
  size_t len;
  struct gcs_program prog;
  struct codec_info info;
};

/* force: 0 auto, 1 scenario, 2 bytes. strict: a truncated fuzz input is an
   error. Returns 0, or 2 after a message; free_input() in both cases. */
int load_input(const char *file, int force, int strict, struct input *in);
void free_input(struct input *in);

/* "gcsim: <fmt with arg>" and a pointer to `gcsim help`; returns 2. */
int bad_usage(const char *fmt, const char *arg);

/* cmd_confirm.c */
int cmd_confirm(int argc, char **argv);
int cmd_differential(int argc, char **argv);

#endif
