/*
** gcsim_main.c — the gcsim command.
**
** Exit status: 0 clean, 1 violation, 2 bad usage or bad input (a
** "file:line: message" on stderr), 3 internal error.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcsim/event.h"
#include "gcsim/policy.h"
#include "gcsim/program.h"
#include "gcsim/scenario.h"
#include "gcsim/sim.h"

#define DEFAULT_POLICY "cpython-main"
#define MAX_INPUT (64u << 20)

static const char usage[] =
    "usage: gcsim <command> [options]\n"
    "\n"
    "gcsim simulates CPython's memory runtime (refcounting, the cyclic\n"
    "collector, weakrefs, finalizers) deterministically, and stops a run at\n"
    "the first violation: user code touching an object gc tp_clear'ed\n"
    "(bpo-38006), use after free, and the other kinds of design.md.\n"
    "\n"
    "commands:\n"
    "  run FILE [--policy P] [--trace text|jsonl] [--no-check]\n"
    "        run a .gcs scenario and print its trace and fingerprint\n"
    "  policies\n"
    "        list the policy presets with every knob\n"
    "  help  this text\n"
    "\n"
    "options:\n"
    "  --policy P    a preset, optionally with knob overrides:\n"
    "                cpython-3.9,threshold0=100 (default: the scenario's\n"
    "                `policy` line, else " DEFAULT_POLICY ")\n"
    "  --trace T     text (default) or jsonl (one event per line)\n"
    "  --no-check    skip the bookkeeping walker after every step\n"
    "\n"
    "exit status: 0 clean, 1 violation, 2 bad usage or input, 3 internal "
    "error\n";

static int bad_usage(const char *fmt, const char *arg) {
  fprintf(stderr, "gcsim: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\n(gcsim help shows the usage)\n");
  return 2;
}

/* Read a whole file; NULL (and a message on stderr) on failure. */
static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "%s:0: cannot open: %s\n", path, strerror(errno));
    return NULL;
  }
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  while (buf) {
    if (n == cap) {
      if (cap >= MAX_INPUT) {
        fprintf(stderr, "%s:0: larger than %u MiB\n", path, MAX_INPUT >> 20);
        free(buf);
        fclose(f);
        return NULL;
      }
      char *q = realloc(buf, cap * 2);
      if (!q) break;
      buf = q;
      cap *= 2;
    }
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (got == 0) break;
  }
  if (!buf || ferror(f)) {
    fprintf(stderr, "%s:0: cannot read: %s\n", path,
            buf ? strerror(errno) : "out of memory");
    free(buf);
    fclose(f);
    return NULL;
  }
  fclose(f);
  *len = n;
  return buf;
}

struct out {
  int jsonl;
};

static void sink(void *user, const struct gcs_event *e, const char *jsonl,
                 size_t len) {
  const struct out *o = user;
  if (o->jsonl) {
    fwrite(jsonl, 1, len, stdout);
    return;
  }
  struct gcs_buf b;
  buf_init(&b);
  event_text(e, &b);
  if (b.p) fputs(b.p, stdout);
  buf_free(&b);
}

static int cmd_policies(void) {
  printf("policy presets (gcsim run --policy PRESET[,knob=value...]):\n\n");
  for (size_t i = 0; i < policy_preset_count(); i++) {
    char buf[2048];
    policy_describe(policy_preset(i), buf, sizeof buf);
    printf("%s\n  %s\n%s\n", policy_preset(i)->name, policy_preset_summary(i),
           buf);
  }
  return 0;
}

static int cmd_run(int argc, char **argv) {
  const char *file = NULL, *pspec = NULL, *trace = "text";
  int check = 1;
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--policy") == 0 && i + 1 < argc)
      pspec = argv[++i];
    else if (strncmp(argv[i], "--policy=", 9) == 0)
      pspec = argv[i] + 9;
    else if (strcmp(argv[i], "--trace") == 0 && i + 1 < argc)
      trace = argv[++i];
    else if (strncmp(argv[i], "--trace=", 8) == 0)
      trace = argv[i] + 8;
    else if (strcmp(argv[i], "--no-check") == 0)
      check = 0;
    else if (argv[i][0] == '-' && argv[i][1])
      return bad_usage("run: unknown option '%s'", argv[i]);
    else if (!file)
      file = argv[i];
    else
      return bad_usage("run: more than one FILE ('%s')", argv[i]);
  }
  if (!file) return bad_usage("run: %s", "missing FILE");
  if (strcmp(trace, "text") && strcmp(trace, "jsonl"))
    return bad_usage("--trace takes text or jsonl, not '%s'", trace);

  size_t len = 0;
  char *text = read_file(file, &len);
  if (!text) return 2;
  struct gcs_program prog;
  char err[600];
  int rc = scenario_parse(text, len, file, &prog, err, sizeof err);
  free(text);
  if (rc) {
    fprintf(stderr, "%s\n", err);
    return 2;
  }
  struct sim_options opt;
  memset(&opt, 0, sizeof opt);
  const char *spec = pspec ? pspec : prog.policy[0] ? prog.policy
                                                    : DEFAULT_POLICY;
  if (policy_parse(spec, &opt.policy, err, sizeof err)) {
    fprintf(stderr, "gcsim: --policy: %s\n", err);
    program_free(&prog);
    return 2;
  }
  struct out o = {strcmp(trace, "jsonl") == 0};
  opt.check_every_step = check;
  opt.sink = sink;
  opt.sink_user = &o;
  struct sim *s = sim_create(&opt);
  if (!s) {
    fprintf(stderr, "gcsim: out of memory\n");
    program_free(&prog);
    return 3;
  }
  enum sim_status st = sim_run(s, &prog);
  const struct sim_violation *v = sim_violation(s);
  uint64_t fp = sim_fingerprint(s);
  if (o.jsonl) {
    printf("{\"result\":\"%s\",\"policy\":\"%s\"",
           st == SIM_OK ? "clean" : st == SIM_VIOLATION ? "violation"
                                                         : "internal-error",
           spec);
    if (v)
      printf(",\"kind\":\"%s\",\"obj\":\"%s\",\"step\":%u",
             sim_vkind_name(v->kind), v->obj, (unsigned)v->step);
    printf(",\"events\":%llu,\"fingerprint\":\"%016llx\"}\n",
           (unsigned long long)sim_event_count(s), (unsigned long long)fp);
  } else {
    printf("\n");
    if (st == SIM_OK)
      printf("result: clean under %s\n", spec);
    else if (v)
      printf("result: VIOLATION %s on %s at step %u under %s\n  %s\n",
             sim_vkind_name(v->kind), v->obj, (unsigned)v->step, spec,
             v->detail);
    printf("fingerprint: %016llx (%llu events)\n", (unsigned long long)fp,
           (unsigned long long)sim_event_count(s));
  }
  if (st == SIM_INTERNAL)
    fprintf(stderr, "gcsim: internal error: %s\n", sim_internal_error(s));
  fflush(stdout);
  sim_destroy(s);
  program_free(&prog);
  return (int)st;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs(usage, stderr);
    return 2;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
    fputs(usage, stdout);
    return 0;
  }
  if (!strcmp(cmd, "policies")) return cmd_policies();
  if (!strcmp(cmd, "run")) return cmd_run(argc - 2, argv + 2);
  return bad_usage("unknown command '%s'", cmd);
}
