/*
** options.c — what every gcsim command shares: its options, its input (a
** scenario or fuzz bytes, read and parsed or decoded) and its policy.
**
** Invariants: a function that fails has printed one message on stderr
** ("FILE:LINE: message", or "gcsim: ...") and returns the exit status 2.
*/
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gcsim/fileio.h"
#include "gcsim/graphviz.h"
#include "gcsim/harness.h"
#include "gcsim/policy.h"
#include "gcsim/scenario.h"
#include "cli.h"

int bad_usage(const char *fmt, const char *arg) {
  fprintf(stderr, "gcsim: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\n(gcsim help shows the usage)\n");
  return 2;
}

int wants_pictures(const struct opts *o) {
  return o->dot || o->svg || o->timeline;
}

/* Before anything runs: --svg needs Graphviz (exit 2 without it, so that
   nothing is half done); --timeline only notes that its graphs will be DOT
   text. */
static int check_pictures(const struct opts *o) {
  if (!o->svg && !o->timeline) return 0;
  if (graphviz_available()) return 0;
  if (o->svg) {
    fprintf(stderr, "gcsim: --svg %s: %s; --dot FILE writes the graph "
                    "without it\n", o->svg, GRAPHVIZ_HOWTO);
    return 2;
  }
  fprintf(stderr, "gcsim: --timeline %s: %s; the page shows the graphs as "
                  "DOT text\n", o->timeline, GRAPHVIZ_HOWTO);
  return 0;
}

/* Parse the options a command accepts ("ptcbosg": policy, trace, check,
   bytes/scenario, -o, suppressions, pictures). An option with a value takes
   it as the next argument or, for a long one, after '='. Returns 0 or the
   exit status. */
int parse_opts(const char *cmd, const char *accept, int argc,
                      char **argv, struct opts *o) {
  memset(o, 0, sizeof *o);
  o->trace = "text";
  o->check = SIM_AUDIT_SCALED;
  const struct {
    const char *name;
    char flag;
    const char **val;
  } valued[] = {{"--policy", 'p', &o->policy},
                {"--trace", 't', &o->trace},
                {"-o", 'o', &o->out},
                {"--suppressions", 's', &o->suppressions},
                {"--dot", 'g', &o->dot},
                {"--svg", 'g', &o->svg},
                {"--timeline", 'g', &o->timeline}};
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    size_t k = 0, nv = sizeof valued / sizeof *valued, len = 0;
    for (; k < nv; k++) {
      len = strlen(valued[k].name);
      if (!strncmp(a, valued[k].name, len) &&
          (a[len] == '\0' || (a[len] == '=' && a[1] == '-')))
        break;
    }
    if (k < nv) {
      if (!strchr(accept, valued[k].flag))
        return bad_usage("unknown option '%s' for this command", a);
      if (a[len] == '=') {
        *valued[k].val = a + len + 1;
        continue;
      }
      if (i + 1 >= argc) return bad_usage("%s needs a value", a);
      *valued[k].val = argv[++i];
      continue;
    }
    if (!strcmp(a, "--no-check") && strchr(accept, 'c'))
      o->check = SIM_AUDIT_NONE;
    else if (!strcmp(a, "--audit") && strchr(accept, 'c'))
      o->check = SIM_AUDIT_EVERY;
    else if (!strcmp(a, "--bytes") && strchr(accept, 'b')) o->force = 2;
    else if (!strcmp(a, "--scenario") && strchr(accept, 'b')) o->force = 1;
    else if (a[0] == '-' && a[1])
      return bad_usage("unknown option '%s' for this command", a);
    else if (!o->file) o->file = a;
    else return bad_usage("more than one input file ('%s')", a);
  }
  if (!o->file) return bad_usage("%s: missing input file", cmd);
  if (strcmp(o->trace, "text") && strcmp(o->trace, "jsonl"))
    return bad_usage("--trace takes text or jsonl, not '%s'", o->trace);
  return check_pictures(o);
}

/* ---- inputs: a scenario or fuzz bytes ---- */

static int looks_like_text(const char *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)p[i];
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' &&
         c != '\v') ||
        c == 0x7f)
      return 0;
  }
  return 1;
}

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

/*
** Read and decode/parse. force: 0 auto, 1 scenario, 2 bytes. strict: a fuzz
** input whose last statement is cut off is an error (run), not a note.
** Returns 0, or 2 after a message.
*/
int load_input(const char *file, int force, int strict, struct input *in) {
  memset(in, 0, sizeof *in);
  /* a scenario may be up to 1 GiB (what it parses to is bounded by
     GCS_MAX_STMTS), a fuzz input up to FILEIO_MAX */
  in->data = fileio_map(file, &in->len,
                        force == 2 ? FILEIO_MAX : FILEIO_MAX_SCENARIO,
                        &in->mapped);
  if (!in->data) return 2;
  in->is_bytes = force == 2 ||
                 (force == 0 && !ends_with(file, ".gcs") &&
                  !looks_like_text(in->data, in->len));
  if (!in->is_bytes) {
    char err[700];
    if (scenario_parse(in->data, in->len, file, &in->prog, err, sizeof err)) {
      fprintf(stderr, "%s\n", err);
      if (force == 0 && !ends_with(file, ".gcs"))
        fprintf(stderr, "(read as a scenario; for a fuzz input use --bytes "
                        "or gcsim replay)\n");
      return 2;
    }
    fileio_unmap(in->data, in->len, in->mapped); /* the program no longer
                                                     needs its text */
    in->data = NULL;
    return 0;
  }
  if (in->len > FILEIO_MAX) {
    fprintf(stderr, "%s:0: a fuzz input larger than %u MiB\n", file,
            FILEIO_MAX >> 20);
    return 2;
  }
  if (in->mapped) { /* fuzz bytes are kept for the run: a copy of its own,
                       which no other process can truncate under it */
    char *copy = malloc(in->len);
    if (!copy) {
      fprintf(stderr, "%s:0: out of memory\n", file);
      return 2;
    }
    memcpy(copy, in->data, in->len);
    fileio_unmap(in->data, in->len, in->mapped);
    in->data = copy;
    in->mapped = 0;
  }
  if (codec_decode((const uint8_t *)in->data, in->len, &in->prog,
                   &in->info)) {
    fprintf(stderr, "%s:0: out of memory\n", file);
    return 2;
  }
  if (strict && in->info.truncated_at) {
    fprintf(stderr,
            "%s:0: truncated fuzz input: the statement at byte %zu is cut "
            "off by the end of the file (gcsim replay runs it as the "
            "fuzzer did, without that statement)\n",
            file, in->info.truncated_at);
    return 2;
  }
  return 0;
}

void free_input(struct input *in) {
  program_free(&in->prog);
  if (in->data) fileio_unmap(in->data, in->len, in->mapped);
}

/* The policy text: --policy, else for a scenario its policy line, else
   $GCSIM_POLICY, else the default. */
const char *policy_text(const struct opts *o, const struct input *in) {
  if (o->policy) return o->policy;
  if (!in->is_bytes && in->prog.policy[0]) return in->prog.policy;
  const char *env = getenv("GCSIM_POLICY");
  return env && *env ? env : HARNESS_DEFAULT_POLICY;
}

int get_policy(const char *spec, struct policy *pol) {
  char err[300];
  if (policy_parse(spec, pol, err, sizeof err)) {
    fprintf(stderr, "gcsim: --policy: %s\n", err);
    return 2;
  }
  return 0;
}

double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
