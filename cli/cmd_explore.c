/*
** cmd_explore.c — gcsim explore (every program within bounds, under one
** policy) and gcsim diff (the smallest programs whose event streams differ
** between two policies).
*/
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gcsim/event.h"
#include "gcsim/explore.h"
#include "gcsim/fileio.h"
#include "gcsim/harness.h"
#include "gcsim/minimize.h"
#include "gcsim/scenario.h"
#include "gcsim/sim.h"
#include "gcsim/suppress.h"
#include "cli.h"

#define CERT_LEN (64u << 10)

struct xopts {
  struct explore_bounds b;
  const char *policy[2];
  int nj;
  uint32_t shard_i, shard_n;
  double budget;
  const char *sup, *outdir, *certfile;
  int quiet;
  int static_scripts; /* --scripts text */
  uint32_t max_states;
};

static const char *const bound_names[] = {
    "objects", "weakrefs", "links",  "slots", "actions", "path-steps",
    "collects", "untracks", "stmts", "kinds", "flags",   "acts",
    "roots",   "gens",     "thresholds"};

static int parse_xopts(const char *cmd, int argc, char **argv, int npos,
                       struct xopts *o) {
  int pos = 0;
  explore_bounds_default(&o->b);
  o->nj = 1;
  o->shard_n = 1;
  o->budget = 600;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (a[0] != '-' || !a[1]) {
      if (pos >= npos) return bad_usage("unexpected argument '%s'", a);
      o->policy[pos++] = a;
      continue;
    }
    if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
      o->quiet = 1;
      continue;
    }
    char opt[64];
    const char *v, *eq = strchr(a, '=');
    if (eq && !strncmp(a, "--", 2)) { /* --option=value */
      snprintf(opt, sizeof opt, "%.*s", (int)(eq - a), a);
      a = opt;
      v = eq + 1;
    } else if (!strncmp(a, "-j", 2) && a[2]) { /* -jN */
      v = a + 2;
      a = "-j";
    } else {
      if (i + 1 >= argc) return bad_usage("%s needs a value", a);
      v = argv[++i];
    }
    int known = 0;
    for (size_t k = 0; k < sizeof bound_names / sizeof bound_names[0]; k++)
      if (!strncmp(a, "--", 2) && !strcmp(a + 2, bound_names[k])) {
        char err[300];
        if (explore_bounds_set(&o->b, a + 2, v, err, sizeof err)) {
          fprintf(stderr, "gcsim %s: %s\n", cmd, err);
          return 2;
        }
        known = 1;
      }
    if (known) continue;
    if (!strcmp(a, "--policy") && npos == 1) {
      o->policy[0] = v;
      pos = 1;
    } else if (!strcmp(a, "-j")) {
      char *end;
      long n = strtol(v, &end, 10);
      if (*end || n < 1 || n > 256) return bad_usage("-j %s: not in 1..256", v);
      o->nj = (int)n;
    } else if (!strcmp(a, "--shard")) {
      unsigned si, sn;
      char extra;
      if (sscanf(v, "%u/%u%c", &si, &sn, &extra) != 2 || !sn || si >= sn ||
          sn > 100000)
        return bad_usage("--shard %s: not I/N with 0 <= I < N", v);
      o->shard_i = si;
      o->shard_n = sn;
    } else if (!strcmp(a, "--budget")) {
      char *end;
      double s = strtod(v, &end);
      if (*end || s < 0 || s > 1e7)
        return bad_usage("--budget %s: not a number of seconds (0: none)", v);
      o->budget = s;
    } else if (!strcmp(a, "--max-states")) {
      char *end;
      long n = strtol(v, &end, 10);
      if (*end || n < 16 || n > (long)EXPLORE_MAX_NODES)
        return bad_usage("--max-states %s: not in 16..16777216", v);
      o->max_states = (uint32_t)n;
    } else if (!strcmp(a, "--scripts")) {
      if (strcmp(v, "run") && strcmp(v, "text"))
        return bad_usage("--scripts takes run or text, not '%s'", v);
      o->static_scripts = !strcmp(v, "text");
    } else if (!strcmp(a, "--suppressions")) {
      o->sup = v;
    } else if (!strcmp(a, "-o")) {
      o->outdir = v;
    } else if (!strcmp(a, "--cert")) {
      o->certfile = v;
    } else {
      return bad_usage("unknown option '%s' (gcsim help)", a);
    }
  }
  if (pos < npos)
    return bad_usage("%s", npos == 1 ? "explore needs --policy P"
                                     : "diff needs two policies: diff P1 P2");
  char err[300];
  if (explore_bounds_check(&o->b, err, sizeof err)) {
    fprintf(stderr, "gcsim %s: %s\n", cmd, err);
    return 2;
  }
  return 0;
}

static void progress(void *user, const struct explore_progress *p) {
  (void)user;
  double rate = p->seconds > 0 ? (double)p->programs / p->seconds : 0;
  double eta = p->skeletons_done
                   ? p->seconds * (double)(p->skeletons - p->skeletons_done) /
                         (double)p->skeletons_done
                   : 0;
  fprintf(stderr,
          "explore: %llu/%llu skeletons, %llu programs (%.0f/s), %llu states "
          "(%.0f/s), largest %u statements, %.0f s, about %.0f s to go\n",
          (unsigned long long)p->skeletons_done,
          (unsigned long long)p->skeletons, (unsigned long long)p->programs,
          rate, (unsigned long long)p->states,
          p->seconds > 0 ? (double)p->states / p->seconds : 0, p->largest,
          p->seconds, eta);
}

static int too_big(int rc, uint32_t max_states) {
  if (rc == -2) {
    fprintf(stderr,
            "gcsim explore: refused: one skeleton has more than --max-states "
            "%u states%s "
            "(the scripts' catalogs multiply: lower --actions, "
            "--path-steps, or narrow --acts and --roots)\n",
            max_states ? max_states : EXPLORE_MAX_NODES,
            max_states ? "" : " (the default)");
    return 2;
  }
  if (rc == -3) {
    fprintf(stderr,
            "gcsim explore: refused: a script could choose from more than "
            "%u actions (weakref actions alone are paths^3: lower "
            "--path-steps or --slots, or narrow --roots and --acts)\n",
            EXPLORE_MAX_CATALOG);
    return 2;
  }
  fprintf(stderr, "gcsim: out of memory\n");
  return 3;
}

/* Run the space; refuse it first when a pilot says it would take longer
   than the budget. 0, or an exit status. *partial: 0, or, when the search
   stopped early with findings (r holds them, and 0 is returned), 1 if the
   budget ran out and 2 if a skeleton needed more than --max-states. */
static int explore_all(struct explore_config *c, const struct xopts *o,
                       const struct explore_space *sp,
                       struct explore_result *r, int *partial) {
  *partial = 0;
  uint64_t total = explore_space_skeletons(sp);
  uint64_t mine = total / o->shard_n + (o->shard_i < total % o->shard_n);
  uint32_t sample = (uint32_t)(mine > 32 ? (mine + 31) / 32 : 1);
  if (o->budget > 0 && sample > 1) {
    struct explore_config pc = *c;
    pc.progress = NULL;
    pc.time_limit = o->budget;
    double t0 = now_seconds();
    struct explore_result pr;
    int prc = explore_run(&pc, sp, o->shard_i, o->shard_n, sample, &pr);
    if (prc < 0) {
      explore_result_free(&pr);
      return too_big(prc, o->max_states);
    }
    double t = now_seconds() - t0;
    if (prc > 0) {
      explore_result_free(&pr);
      fprintf(stderr,
              "gcsim explore: refused: a pilot of %llu of the %llu skeletons "
              "alone took more than --budget %.0f s. Lower a bound, split "
              "the space with --shard I/N, or raise --budget (0: no "
              "limit)\n",
              (unsigned long long)((mine + sample - 1) / sample),
              (unsigned long long)mine, o->budget);
      return 2;
    }
    double est = t * (double)mine / (double)pr.skeletons;
    explore_result_free(&pr);
    if (est > o->budget) {
      fprintf(stderr,
              "gcsim explore: refused: these bounds would take about %.0f s "
              "(%llu skeletons; a pilot of %llu took %.2f s with -j %d), "
              "over --budget %.0f s. Lower a bound, split the space with "
              "--shard I/N, or raise --budget (0: no limit)\n",
              est, (unsigned long long)mine,
              (unsigned long long)((mine + sample - 1) / sample), t, c->nthreads,
              o->budget);
      return 2;
    }
    if (!o->quiet)
      fprintf(stderr, "explore: %llu skeletons, about %.0f s (pilot)\n",
              (unsigned long long)mine, est);
  }
  struct explore_config mc = *c;
  mc.time_limit = o->budget; /* a pilot cannot tell with few skeletons */
  double t0 = now_seconds();
  int rc = explore_run(&mc, sp, o->shard_i, o->shard_n, 0, r);
  if (rc == -2 && r->ng) {
    too_big(rc, o->max_states);
    fprintf(stderr, "gcsim explore: what it found so far is printed (not "
                    "certified)\n");
    *partial = 2;
    return 0;
  }
  if (rc == 1) {
    fprintf(stderr,
            "gcsim explore: refused: --budget %.0f s spent after %llu "
            "programs (%llu states); the space is larger. Lower a bound, "
            "split the space with --shard I/N, or raise --budget (0: no "
            "limit)%s\n",
            now_seconds() - t0 > o->budget ? o->budget : now_seconds() - t0,
            (unsigned long long)r->programs, (unsigned long long)r->states,
            r->ng ? ". What it found so far is printed (not certified)" : "");
    if (r->ng) {
      *partial = 1;
      return 0;
    }
    explore_result_free(r);
    return 2;
  }
  if (rc) {
    explore_result_free(r);
    return too_big(rc, o->max_states);
  }
  return 0;
}

/* The end of a search: its certificate, printed and (when *rc is still 0)
   written to --cert; or, for a search stopped early (partial: 1 by the
   budget, 2 by --max-states), a line saying so and no certificate: its
   findings are real (each program shows its violation or difference) and
   the smallest of the programs run, but the space was not finished. */
static void finish(const struct explore_config *c, const struct xopts *o,
                   const struct explore_result *r, int partial, int *rc) {
  if (partial) {
    char budget[64];
    snprintf(budget, sizeof budget, "--budget %.0f s ran out", o->budget);
    printf("== partial: %s after %llu programs (%llu states); not "
           "certified, no certificate\n",
           partial == 1 ? budget : "a skeleton needed more than --max-states",
           (unsigned long long)r->programs, (unsigned long long)r->states);
    return;
  }
  char *cert = malloc(CERT_LEN);
  if (!cert) {
    if (!*rc) *rc = 3;
    return;
  }
  explore_cert(c, &o->b, o->shard_i, o->shard_n, r, cert, CERT_LEN);
  printf("== certificate\n%s", cert);
  if (!*rc && o->certfile && fileio_write(o->certfile, cert, strlen(cert)))
    *rc = 2;
  free(cert);
}

static int make_outdir(const char *dir) {
  if (!dir) return 0;
  if (mkdir(dir, 0777) && errno != EEXIST) {
    fprintf(stderr, "%s:0: cannot make the directory: %s\n", dir,
            strerror(errno));
    return 2;
  }
  return 0;
}

/* "policy P\n" (policy not NULL) + the representative, as a program.
   0, or -1. */
static int rep_program(const char *policy, const char *text,
                       struct gcs_program *p, struct gcs_buf *full) {
  if (policy) buf_printf(full, "policy %s\n", policy);
  buf_puts(full, text);
  char err[300];
  program_init(p);
  return scenario_parse(full->p, full->len, "explore", p, err, sizeof err);
}

/* DIR/NN-KEY.gcs, the key's '/' as '.', " | " as "-vs-". */
static void file_name(char *out, size_t len, const char *dir, size_t i,
                      const char *key) {
  char clean[100];
  size_t k = 0;
  for (const char *c = key; *c && k + 5 < sizeof clean; c++) {
    if (*c == ' ') continue;
    if (*c == '|') {
      memcpy(clean + k, "-vs-", 4);
      k += 4;
      continue;
    }
    int ok = (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
             *c == '-' || *c == '_';
    clean[k++] = ok ? *c : '.';
  }
  clean[k] = '\0';
  snprintf(out, len, "%s/%02zu-%s.gcs", dir, i + 1, clean);
}

int cmd_explore(int argc, char **argv) {
  if (argc >= 1 && !strcmp(argv[0], "--combine")) {
    if (argc < 2) return bad_usage("%s needs certificate files", "--combine");
    const char **texts = calloc((size_t)argc, sizeof *texts);
    if (!texts) return 3;
    for (int i = 1; i < argc; i++) {
      size_t len;
      char *t = fileio_read(argv[i], &len);
      if (!t) return 2;
      texts[i - 1] = t;
    }
    char *out = malloc(CERT_LEN), err[600];
    if (!out) return 3;
    int rc = explore_cert_combine(texts, (const char *const *)argv + 1,
                                  (size_t)argc - 1, out, CERT_LEN, err,
                                  sizeof err);
    if (rc) fprintf(stderr, "%s\n", err);
    else fputs(out, stdout);
    for (int i = 1; i < argc; i++) free((void *)texts[i - 1]);
    free(texts);
    free(out);
    return rc ? 2 : 0;
  }
  struct xopts o;
  memset(&o, 0, sizeof o);
  int rc = parse_xopts("explore", argc, argv, 1, &o);
  if (rc) return rc;
  struct explore_config c;
  memset(&c, 0, sizeof c);
  if (get_policy(o.policy[0], &c.pol[0])) return 2;
  snprintf(c.policy_text[0], sizeof c.policy_text[0], "%s", o.policy[0]);
  struct harness h;
  char err[600];
  if (harness_init(&h, o.policy[0], o.sup, err, sizeof err)) {
    fprintf(stderr, "%s\n", err);
    return 2;
  }
  if (make_outdir(o.outdir)) {
    harness_free(&h);
    return 2;
  }
  c.sup = &h.sup;
  c.static_scripts = o.static_scripts;
  c.max_states = o.max_states;
  c.nthreads = o.nj;
  c.progress = o.quiet ? NULL : progress;
  c.every_ms = isatty(2) ? 2000 : 10000;
  struct explore_space *sp = explore_space_make(&o.b);
  if (!sp) {
    harness_free(&h);
    return 3;
  }
  struct explore_result r;
  int partial;
  rc = explore_all(&c, &o, sp, &r, &partial);
  if (rc) {
    explore_space_free(sp);
    harness_free(&h);
    return rc;
  }
  /* the signature of each group, and the signature suppressions */
  int findings = 0, internal = 0;
  size_t shown = 0;
  for (size_t i = 0; i < r.ng; i++) {
    struct explore_group *g = &r.g[i];
    struct gcs_buf full;
    buf_init(&full);
    struct gcs_program p, min;
    char sig[MZ_SIGNATURE_LEN] = "";
    if (!g->internal && !rep_program(o.policy[0], g->text, &p, &full)) {
      struct mz_outcome out;
      struct mz_stats ms;
      if (!minimize_program(&p, &c.pol[0], &min, &ms)) {
        if (!mz_run(&min, &c.pol[0], &out) && out.status == SIM_VIOLATION)
          mz_signature(&min, out.v.kind, o.policy[0], sig, sizeof sig);
        if (h.sup.has_signatures &&
            suppress_match(&h.sup, o.policy[0], &out.v, g->key, sig)) {
          r.suppressed += g->programs;
          g->key[0] = '\0'; /* dropped below */
          program_free(&min);
          program_free(&p);
          buf_free(&full);
          continue;
        }
        program_free(&min);
      }
      program_free(&p);
    }
    if (g->internal) internal = 1;
    else findings = 1;
    printf("== %zu. %s%s: %u statements, %llu programs\n", ++shown,
           g->internal ? "" : "violation ", g->key, g->nstmts,
           (unsigned long long)g->programs);
    if (sig[0]) printf("# signature: %s\n", sig);
    printf("%s\n", full.p ? full.p : g->text);
    if (o.outdir) {
      char path[1024];
      file_name(path, sizeof path, o.outdir, shown - 1, g->key);
      struct gcs_buf f;
      buf_init(&f);
      buf_printf(&f, "# found by gcsim explore: %s, %u statements\n%s",
                 g->key, g->nstmts, full.p ? full.p : g->text);
      if (fileio_write(path, f.p, f.len)) rc = 2;
      buf_free(&f);
    }
    buf_free(&full);
  }
  /* the certificate lists the groups that were reported */
  size_t kept = 0;
  for (size_t i = 0; i < r.ng; i++) {
    if (r.g[i].key[0]) r.g[kept++] = r.g[i];
    else free(r.g[i].text);
  }
  r.ng = kept;
  finish(&c, &o, &r, partial, &rc);
  explore_result_free(&r);
  explore_space_free(sp);
  harness_free(&h);
  if (rc) return rc;
  return internal ? 3 : findings ? 1 : partial ? 2 : 0;
}

/* ---- diff ---- */

static void text_sink(void *user, const struct gcs_event *e, const char *jsonl,
                      size_t len) {
  (void)jsonl;
  (void)len;
  event_text(e, user);
}

/* The text trace of p under pol. */
static void trace(const struct gcs_program *p, const struct policy *pol,
                  struct gcs_buf *out) {
  struct sim_options opt;
  memset(&opt, 0, sizeof opt);
  opt.policy = *pol;
  opt.sink = text_sink;
  opt.sink_user = out;
  opt.max_objects = MZ_MAX_OBJECTS;
  opt.max_actions = MZ_MAX_ACTIONS;
  struct sim *s = sim_create(&opt);
  if (!s) return;
  sim_run(s, p);
  sim_destroy(s);
}

/* Both traces side by side; '>' marks the first line that differs. */
static void side_by_side(const char *a, const char *b, const char *pa,
                         const char *pb, FILE *f) {
  const int w = 58;
  fprintf(f, "  %-*.*s | %s\n", w, w, pa, pb);
  int marked = 0;
  while (*a || *b) {
    size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");
    int differ = la != lb || memcmp(a, b, la);
    char mark = (differ && !marked) ? '>' : ' ';
    if (differ) marked = 1;
    fprintf(f, "%c %-*.*s | %.*s\n", mark, w, (int)(la < (size_t)w ? la : (size_t)w),
            a, (int)lb, b);
    a += la + (a[la] ? 1 : 0);
    b += lb + (b[lb] ? 1 : 0);
  }
}

int cmd_diff(int argc, char **argv) {
  struct xopts o;
  memset(&o, 0, sizeof o);
  int rc = parse_xopts("diff", argc, argv, 2, &o);
  if (rc) return rc;
  if (o.sup) return bad_usage("%s: diff reports differences, not findings",
                              "--suppressions");
  struct explore_config c;
  memset(&c, 0, sizeof c);
  c.diff = 1;
  for (int k = 0; k < 2; k++) {
    if (get_policy(o.policy[k], &c.pol[k])) return 2;
    snprintf(c.policy_text[k], sizeof c.policy_text[k], "%s", o.policy[k]);
  }
  if (make_outdir(o.outdir)) return 2;
  c.max_states = o.max_states;
  c.nthreads = o.nj;
  c.progress = o.quiet ? NULL : progress;
  c.every_ms = isatty(2) ? 2000 : 10000;
  struct explore_space *sp = explore_space_make(&o.b);
  if (!sp) return 3;
  struct explore_result r;
  int partial;
  rc = explore_all(&c, &o, sp, &r, &partial);
  if (rc) {
    explore_space_free(sp);
    return rc;
  }
  int internal = 0;
  for (size_t i = 0; i < r.ng; i++) {
    const struct explore_group *g = &r.g[i];
    if (g->internal) internal = 1;
    printf("== %zu. %s%s: %u statements, %llu programs\n", i + 1,
           g->internal ? "" : "first difference ", g->key, g->nstmts,
           (unsigned long long)g->programs);
    fputs(g->text, stdout);
    struct gcs_program p;
    struct gcs_buf full, ta, tb;
    buf_init(&full);
    buf_init(&ta);
    buf_init(&tb);
    if (!rep_program(NULL, g->text, &p, &full)) {
      trace(&p, &c.pol[0], &ta);
      trace(&p, &c.pol[1], &tb);
      side_by_side(ta.p ? ta.p : "", tb.p ? tb.p : "", o.policy[0],
                   o.policy[1], stdout);
      program_free(&p);
    }
    if (o.outdir) {
      char path[1024];
      file_name(path, sizeof path, o.outdir, i, g->key);
      struct gcs_buf f;
      buf_init(&f);
      buf_printf(&f, "# found by gcsim diff %s %s: %s, %u statements\n%s",
                 o.policy[0], o.policy[1], g->key, g->nstmts, g->text);
      if (fileio_write(path, f.p, f.len)) rc = 2;
      buf_free(&f);
    }
    buf_free(&full);
    buf_free(&ta);
    buf_free(&tb);
    putchar('\n');
  }
  finish(&c, &o, &r, partial, &rc);
  int differ = r.ng > 0;
  explore_result_free(&r);
  explore_space_free(sp);
  if (rc) return rc;
  return internal ? 3 : differ ? 1 : partial ? 2 : 0;
}
