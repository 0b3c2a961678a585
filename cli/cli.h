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
#include "gcsim/policy.h"
#include "gcsim/program.h"

/* A scenario or fuzz bytes, read and parsed/decoded. */
struct input {
  int is_bytes;
  char *data; /* the file (fileio_map(); not NUL-terminated) */
  size_t len;
  int mapped;
  struct gcs_program prog;
  struct codec_info info;
};

/* force: 0 auto, 1 scenario, 2 bytes. strict: a truncated fuzz input is an
   error. Returns 0, or 2 after a message; free_input() in both cases. */
int load_input(const char *file, int force, int strict, struct input *in);
void free_input(struct input *in);

/* "gcsim: <fmt with arg>" and a pointer to `gcsim help`; returns 2. */
int bad_usage(const char *fmt, const char *arg);

/* The options a command may take; parse_opts() fills them. */
struct opts {
  const char *file, *policy, *trace, *out, *suppressions;
  const char *dot, *svg, *timeline; /* pictures to write, or NULL */
  int check; /* enum sim_audit: SCALED, or --audit EVERY, --no-check NONE */
  int force; /* 0 auto, 1 scenario, 2 bytes */
};

/* Parse the options a command accepts ("ptcbosg": policy, trace, check,
   bytes/scenario, -o, suppressions, pictures). An option with a value takes
   it as the next argument or, for a long one, after '='. Returns 0 or the
   exit status. */
int parse_opts(const char *cmd, const char *accept, int argc, char **argv,
               struct opts *o);
/* Any of --dot, --svg, --timeline. */
int wants_pictures(const struct opts *o);

/* The policy text: --policy, else for a scenario its policy line, else
   $GCSIM_POLICY, else the default. */
const char *policy_text(const struct opts *o, const struct input *in);
/* Parse spec into *pol; 0, or 2 after a message. */
int get_policy(const char *spec, struct policy *pol);

/* A monotonic clock in seconds, for the timings commands report (never
   read by the model). */
double now_seconds(void);

/* The commands: each takes the arguments after its name and returns the
   exit status. */
int cmd_run(int argc, char **argv);      /* cmd_run.c */
int cmd_replay(int argc, char **argv);
int cmd_minimize(int argc, char **argv);
int cmd_encode(int argc, char **argv);   /* cmd_codec.c */
int cmd_decode(int argc, char **argv);
int cmd_policies(void);                  /* cmd_policies.c */
/* cmd_confirm.c */
int cmd_confirm(int argc, char **argv);
int cmd_differential(int argc, char **argv);
/* cmd_explore.c */
int cmd_explore(int argc, char **argv);
int cmd_diff(int argc, char **argv);

#endif
