/*
** cmd_confirm.c — `gcsim confirm` and `gcsim differential`: the model
** against real interpreters (confirm.h).
*/
#define _DEFAULT_SOURCE /* realpath, PATH_MAX */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xxhash.h>

#include "cli.h"
#include "gcsim/codec.h"
#include "gcsim/confirm.h"
#include "gcsim/fileio.h"
#include "gcsim/policy.h"
#include "gcsim/scenario.h"

/* Print the lines of side that the two streams share, then the first
   difference. */
static void print_comparison(const struct confirm_side *m,
                             const struct confirm_side *r,
                             const struct confirm_diff *d) {
  const char *p = m->lines.p ? m->lines.p : "";
  for (size_t i = 0; i < d->index && *p; i++) {
    const char *nl = strchr(p, '\n');
    int n = nl ? (int)(nl - p) : (int)strlen(p);
    printf("    %.*s\n", n, p);
    p = nl ? nl + 1 : p + n;
  }
  if (d->model[0] || d->real[0]) {
    printf("  first difference, event %zu:\n", d->index + 1);
    printf("    model:  %s\n    python: %s\n", d->model, d->real);
  } else if (!strncmp(r->verdict, "crash", 5)) {
    printf("  then python crashed, where the model reports %s\n",
           m->verdict);
  } else if (d->upto_crash) {
    printf("  then the model reports %s, a crash in a native build; this\n"
           "  WebAssembly build has memory at address 0 and goes on "
           "(compared up to there)\n", m->verdict);
  }
}

/* --probe c|python (auto: C natively, Python under pyodide). */
static int parse_probe(const char *v, enum confirm_probe *probe) {
  if (!strcmp(v, "c")) *probe = CONFIRM_PROBE_C;
  else if (!strcmp(v, "python")) *probe = CONFIRM_PROBE_PYTHON;
  else if (!strcmp(v, "auto")) *probe = CONFIRM_PROBE_AUTO;
  else return bad_usage("--probe takes c, python or auto, not '%s'", v);
  return 0;
}

int cmd_confirm(int argc, char **argv) {
  const char *file = NULL, *python = "python3", *policy = NULL;
  int force = 0, digest = 0;
  enum confirm_probe probe = CONFIRM_PROBE_AUTO;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--digest")) {
      digest = 1;
    } else if (!strcmp(a, "--probe")) {
      if (i + 1 >= argc) return bad_usage("%s needs a value", a);
      if (parse_probe(argv[++i], &probe)) return 2;
    } else if (!strcmp(a, "--python") || !strcmp(a, "--policy")) {
      if (i + 1 >= argc) return bad_usage("%s needs a value", a);
      *(a[2] == 'p' && a[3] == 'y' ? &python : &policy) = argv[++i];
    } else if (!strcmp(a, "--bytes")) {
      force = 2;
    } else if (!strcmp(a, "--scenario")) {
      force = 1;
    } else if (a[0] == '-' && a[1]) {
      return bad_usage("unknown option '%s' for confirm", a);
    } else if (!file) {
      file = a;
    } else {
      return bad_usage("more than one input file ('%s')", a);
    }
  }
  if (!file) return bad_usage("%s: missing input file", "confirm");
  struct input in;
  int rc = load_input(file, force, 0, &in); /* bytes: as the fuzzer ran them */
  if (rc) {
    free_input(&in);
    return rc;
  }
  if (digest) { /* what the probe reads, for debugging the probe */
    struct gcs_buf b;
    buf_init(&b);
    confirm_digest(&in.prog, &b);
    fputs(b.p ? b.p : "", stdout);
    buf_free(&b);
    free_input(&in);
    return 0;
  }
  char err[1200];
  struct confirm_python py;
  struct confirm_session *sess = NULL;
  if (confirm_python_open(python, probe, &py, err, sizeof err) ||
      !(sess = confirm_session_open(&py, err, sizeof err))) {
    fprintf(stderr, "gcsim confirm: %s\n", err);
    free_input(&in);
    return 2;
  }
  const char *spec = policy ? policy : py.preset;
  struct policy pol;
  if (policy_parse(spec, &pol, err, sizeof err)) {
    fprintf(stderr, "gcsim: --policy: %s\n", err);
    confirm_session_close(sess);
    free_input(&in);
    return 2;
  }
  struct confirm_side m, r;
  int st = confirm_run(sess, &in.prog, &pol, &m, &r, err, sizeof err);
  confirm_session_close(sess);
  if (st < 0) {
    fprintf(stderr, "gcsim confirm: %s\n", err);
    free_input(&in);
    return 2;
  }
  if (st == SIM_INTERNAL) {
    fprintf(stderr, "gcsim: internal error of the model: %s\n", m.verdict);
    confirm_side_free(&m);
    confirm_side_free(&r);
    free_input(&in);
    return 3;
  }
  struct confirm_diff d;
  confirm_compare(&m, &r, &d);
  printf("scenario: %s (%u statements)\n", file, (unsigned)in.prog.nstmts);
  if (in.info.truncated_at)
    printf("          (the statement at byte %zu is cut off by the end of "
           "the input: dropped, as the fuzzer did)\n",
           in.info.truncated_at);
  printf("python:   %s (Python %s, %s probe)\n", py.path, py.version,
         py.probe == CONFIRM_PROBE_PYTHON ? "pure-Python" : "C");
  printf("model:    %s,oldgen_base=%ld%s\n", spec, r.oldgen,
         policy ? "" : " (the preset for that version; a policy line in the "
                       "scenario is not used; oldgen_base: the interpreter's "
                       "own objects in generation 2)");
  printf("verdict:  model %s; python %s\n", m.verdict, r.verdict);
  printf("events:   %zu from the model, %zu from python%s\n", m.nlines,
         r.nlines, d.model[0] || d.real[0]
                       ? "; shared before the first difference:"
                   : d.upto_crash ? "; identical up to the model's violation:"
                                  : ", identical:");
  print_comparison(&m, &r, &d);
  printf("result:   %s\n", !d.agree     ? "DIFFER"
                          : d.upto_crash ? "AGREE up to the model's "
                                           "violation (no trap in "
                                           "WebAssembly)"
                                         : "AGREE: the interpreter showed "
                                           "what the model predicts");
  confirm_side_free(&m);
  confirm_side_free(&r);
  free_input(&in);
  return d.agree ? 0 : 1;
}

/* ---- the differential table ---- */

/* Generated program i: 16..128 bytes, a pure function of i. */
static size_t gen_bytes(uint32_t i, uint8_t *buf) {
  uint64_t h = XXH64(&i, sizeof i, 0x6763736dULL);
  size_t len = 16 + (size_t)(h % 113);
  for (size_t j = 0; j < len; j += 8) {
    uint64_t x = XXH64(&j, sizeof j, h);
    memcpy(buf + j, &x, len - j < 8 ? len - j : 8);
  }
  return len;
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* pyenv paths ".../versions/3.M.P/bin/python3": by minor, then patch */
static int by_version(const void *a, const void *b) {
  int a1 = 0, a2 = 0, b1 = 0, b2 = 0;
  sscanf(strstr(*(char *const *)a, "/versions/") + 10, "3.%d.%d", &a1, &a2);
  sscanf(strstr(*(char *const *)b, "/versions/") + 10, "3.%d.%d", &b1, &b2);
  return a1 != b1 ? (a1 > b1) - (a1 < b1) : (a2 > b2) - (a2 < b2);
}

static int add_python(char ***list, int *n, const char *path) {
  char real[PATH_MAX];
  if (access(path, X_OK) || !realpath(path, real)) return 0;
  for (int i = 0; i < *n; i++) {
    char other[PATH_MAX];
    if (realpath((*list)[i], other) && !strcmp(other, real)) return 0;
  }
  char **q = realloc(*list, (size_t)(*n + 1) * sizeof *q);
  if (!q) return -1;
  *list = q;
  (*list)[(*n)++] = strdup(path);
  return 0;
}

/* Every pyenv interpreter 3.6+ ($PYENV_ROOT or ~/.pyenv), sorted by
   version, then every python3.6 ... python3.13 on PATH that is not one of
   those (pyenv's shims are skipped: they stand for whichever is active). */
static int find_pythons(char ***out) {
  const char *root = getenv("PYENV_ROOT");
  char dir[900];
  if (root && *root) snprintf(dir, sizeof dir, "%s/versions", root);
  else snprintf(dir, sizeof dir, "%s/.pyenv/versions",
                getenv("HOME") ? getenv("HOME") : "/root");
  int n = 0;
  char **list = NULL;
  DIR *d = opendir(dir);
  struct dirent *e;
  while (d && (e = readdir(d))) {
    int maj, min;
    if (sscanf(e->d_name, "%d.%d", &maj, &min) != 2 || maj != 3 || min < 6)
      continue;
    char path[1200];
    snprintf(path, sizeof path, "%s/%s/bin/python3", dir, e->d_name);
    add_python(&list, &n, path);
  }
  if (d) closedir(d);
  if (n > 1) qsort(list, (size_t)n, sizeof *list, by_version);
  const char *path = getenv("PATH");
  for (int minor = 6; minor <= 13 && path; minor++) {
    const char *p = path;
    while (*p) {
      size_t len = strcspn(p, ":");
      char exe[1200];
      snprintf(exe, sizeof exe, "%.*s/python3.%d", (int)len, p, minor);
      if (!strstr(exe, "/shims/")) add_python(&list, &n, exe);
      p += len;
      if (*p == ':') p++;
    }
  }
  *out = list;
  return n;
}

struct job {
  int nfiles;
  char **files;   /* scenarios, run first */
  int programs;   /* then generated programs 0..programs-1 */
  int mutants;    /* then mutants 0..mutants-1 of the seed inputs */
  int nseeds;
  char **seeds;   /* the seed inputs' bytes and lengths */
  size_t *seedlen;
  const char *save;
};

/* Mutant i: seed i % nseeds with 1 to 4 bytes overwritten, inserted or
   deleted, a pure function of i. Returns the length (at most 255). */
static size_t mutant_bytes(const struct job *jb, uint32_t i, uint8_t *buf) {
  const char *seed = jb->seeds[i % (uint32_t)jb->nseeds];
  size_t len = jb->seedlen[i % (uint32_t)jb->nseeds];
  if (len > 240) len = 240;
  memcpy(buf, seed, len);
  uint64_t h = XXH64(&i, sizeof i, 0x6d757461ULL);
  int edits = 1 + (int)(h % 4);
  for (int e = 0; e < edits; e++) {
    h = XXH64(&h, sizeof h, (uint64_t)e);
    size_t at = len ? (size_t)(h >> 8) % len : 0;
    uint8_t v = (uint8_t)(h >> 40);
    switch (h % 3) {
    case 0: if (len) buf[at] = v; break;
    case 1:
      memmove(buf + at + 1, buf + at, len - at);
      buf[at] = v;
      len++;
      break;
    default:
      if (len > 4) {
        memmove(buf + at, buf + at + 1, len - at - 1);
        len--;
      }
    }
  }
  return len;
}

/* Load program k of the job (a scenario, then generated ones). */
static int job_program(const struct job *jb, int k, struct gcs_program *p,
                       char *name, size_t len) {
  if (k < jb->nfiles) {
    struct input in;
    int rc = load_input(jb->files[k], 0, 0, &in);
    if (rc == 0) {
      *p = in.prog;
      memset(&in.prog, 0, sizeof in.prog);
    }
    free_input(&in);
    snprintf(name, len, "%s", jb->files[k]);
    return rc;
  }
  uint8_t buf[256];
  uint32_t i = (uint32_t)(k - jb->nfiles);
  size_t n;
  if ((int)i < jb->programs) {
    n = gen_bytes(i, buf);
    snprintf(name, len, "generated #%u", (unsigned)i);
  } else {
    i -= (uint32_t)jb->programs;
    n = mutant_bytes(jb, i, buf);
    snprintf(name, len, "mutant #%u", (unsigned)i);
  }
  struct codec_info info;
  program_init(p);
  return codec_decode(buf, n, p, &info) ? 3 : 0;
}

/* One worker: programs k with k % nw == w; one result line per program:
   "K STATUS\tMODEL\tPYTHON" (STATUS: a agree, d differ, s skipped, r
   refused by the probe; n: a note on the line before). */
static void worker(const struct job *jb, const struct confirm_python *py,
                   const struct policy *pol, int w, int nw, FILE *out) {
  int total = jb->nfiles + jb->programs + jb->mutants;
  char serr[1200];
  struct confirm_session *sess = confirm_session_open(py, serr, sizeof serr);
  if (!sess) _exit(3);
  for (int k = w; k < total; k += nw) {
    struct gcs_program p;
    char name[600], err[1200];
    if (job_program(jb, k, &p, name, sizeof name)) {
      fprintf(out, "%d s\t%s\tunreadable\n", k, name);
      continue;
    }
    struct confirm_side m, r;
    int st = confirm_run(sess, &p, pol, &m, &r, err, sizeof err);
    if (st < 0) {
      /* the Python probe's refusal: not compared, not a difference */
      fprintf(out, "%d %c\t%s\tpython failed: %s\n", k,
              strstr(err, "unsupported: ") ? 'r' : 'd', name, err);
      program_free(&p);
      continue;
    }
    struct confirm_diff d;
    confirm_compare(&m, &r, &d);
    /* skipped only when both sides ran out of the action budget after the
       same events; a budget on one side only is a difference */
    int both_budget = !strcmp(m.verdict, "budget") &&
                      !strcmp(r.verdict, "budget");
    if (st == SIM_INTERNAL) {
      fprintf(out, "%d d\t%s\tmodel %s\n", k, name, m.verdict);
    } else if (both_budget && d.agree) {
      fprintf(out, "%d s\t%s\tbudget\n", k, name);
    } else if (d.agree) {
      const struct gcs_buf *ev = &m.lines;
      fprintf(out, "%d a%s%s%s%s%s\t%s\t%s\n", k,
              confirm_find_event(ev, "gc_start") ? "c" : "",
              confirm_find_event(ev, "callback") ? "b" : "",
              confirm_find_event(ev, "finalize") ||
                      confirm_find_event(ev, "tp_del")
                  ? "f"
                  : "",
              !strncmp(m.verdict, "violation", 9) ? "v" : "",
              d.upto_crash ? "t" : "", name, m.verdict);
      if (d.upto_crash) /* listed: agreement up to a crash not shown */
        fprintf(out, "%d n\t%s\tagrees up to the model's %s, a crash "
                     "natively; WebAssembly goes on\n",
                k, name, m.verdict);
    } else {
      fprintf(out, "%d d\t%s\tevent %zu: model '%s', python '%s' (model %s; "
                   "python %s)\n",
              k, name, d.index + 1, d.model, d.real, m.verdict, r.verdict);
      if (jb->save) {
        char path[1400];
        snprintf(path, sizeof path, "%s/%s-%d.gcs", jb->save, py->version, k);
        struct gcs_buf b;
        buf_init(&b);
        buf_printf(&b, "# %s: model (%s) and Python %s differ at event "
                       "%zu\n#   model:  %s\n#   python: %s\n",
                   name, pol->name, py->version, d.index + 1, d.model,
                   d.real);
        scenario_print(&p, &b);
        if (!b.oom) fileio_write(path, b.p, b.len);
        buf_free(&b);
      }
    }
    fflush(out);
    confirm_side_free(&m);
    confirm_side_free(&r);
    program_free(&p);
  }
  confirm_session_close(sess);
}

int cmd_differential(int argc, char **argv) {
  struct job jb = {0, NULL, 1000, 0, 0, NULL, NULL, NULL};
  const char *seeddir = NULL;
  char **pythons = NULL;
  int npy = 0, nj = 2, verbose = 0;
  enum confirm_probe probe = CONFIRM_PROBE_AUTO;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--probe")) {
      if (i + 1 >= argc) return bad_usage("%s needs a value", a);
      if (parse_probe(argv[++i], &probe)) return 2;
      continue;
    }
    if (!strcmp(a, "--python") || !strcmp(a, "--programs") ||
        !strcmp(a, "-j") || !strcmp(a, "--save") ||
        !strcmp(a, "--mutants") || !strcmp(a, "--seeds")) {
      if (i + 1 >= argc) return bad_usage("%s needs a value", a);
      const char *v = argv[++i];
      if (!strcmp(a, "--python")) {
        char **q = realloc(pythons, (size_t)(npy + 1) * sizeof *q);
        if (!q) return 3;
        pythons = q;
        pythons[npy++] = strdup(v);
      } else if (!strcmp(a, "--save")) {
        jb.save = v;
      } else if (!strcmp(a, "--seeds")) {
        seeddir = v;
      } else {
        char *end;
        long n = strtol(v, &end, 10);
        if (*end || n < (a[1] == 'j' ? 1 : 0) || n > 10000000)
          return bad_usage("bad number '%s'", v);
        if (a[1] == 'j') nj = (int)n;
        else if (a[2] == 'm') jb.mutants = (int)n;
        else jb.programs = (int)n;
      }
    } else if (!strcmp(a, "-v")) {
      verbose = 1;
    } else if (a[0] == '-' && a[1]) {
      return bad_usage("unknown option '%s' for differential", a);
    } else {
      char **q = realloc(jb.files, (size_t)(jb.nfiles + 1) * sizeof *q);
      if (!q) return 3;
      jb.files = q;
      jb.files[jb.nfiles++] = (char *)a;
    }
  }
  /* every scenario must load before anything runs */
  for (int k = 0; k < jb.nfiles; k++) {
    struct input in;
    int rc = load_input(jb.files[k], 0, 0, &in);
    free_input(&in);
    if (rc) return rc;
  }
  if (jb.mutants && !seeddir)
    return bad_usage("%s needs --seeds DIR (fuzz inputs to mutate)",
                     "--mutants");
  if (seeddir) {
    DIR *d = opendir(seeddir);
    if (!d) {
      fprintf(stderr, "%s:0: cannot open the directory\n", seeddir);
      return 2;
    }
    struct dirent *e;
    char **names = NULL;
    int nn = 0;
    while ((e = readdir(d))) {
      if (e->d_name[0] == '.') continue;
      char **q = realloc(names, (size_t)(nn + 1) * sizeof *q);
      if (!q) return 3;
      names = q;
      names[nn++] = strdup(e->d_name);
    }
    closedir(d);
    /* sorted: the mutants are the same whatever order readdir gives */
    if (nn > 1) qsort(names, (size_t)nn, sizeof *names, by_name);
    jb.seeds = calloc((size_t)nn + 1, sizeof *jb.seeds);
    jb.seedlen = calloc((size_t)nn + 1, sizeof *jb.seedlen);
    if (!jb.seeds || !jb.seedlen) return 3;
    for (int i = 0; i < nn; i++) {
      char path[1200];
      snprintf(path, sizeof path, "%s/%s", seeddir, names[i]);
      jb.seeds[jb.nseeds] = fileio_read(path, &jb.seedlen[jb.nseeds]);
      if (!jb.seeds[jb.nseeds]) return 2;
      jb.nseeds++;
      free(names[i]);
    }
    free(names);
    if (!jb.nseeds) {
      fprintf(stderr, "%s:0: no seed inputs in the directory\n", seeddir);
      return 2;
    }
  }
  if (jb.save && mkdir(jb.save, 0755) && access(jb.save, W_OK)) {
    fprintf(stderr, "%s:0: cannot create the directory\n", jb.save);
    return 2;
  }
  int found = !npy; /* interpreters found, not named: one without headers
                      or a compiler is skipped, not a failure */
  if (!npy) npy = find_pythons(&pythons);
  if (!npy) {
    fprintf(stderr, "gcsim differential: no interpreter (no pyenv 3.x "
                    "found; name one with --python)\n");
    return 2;
  }
  int total = jb.nfiles + jb.programs + jb.mutants, all_agree = 1;
  printf("%-8s %-13s %9s %9s %9s %7s %7s %7s %8s %5s %5s %5s %5s\n",
         "python", "model", "scenarios", "generated", "mutants", "skipped",
         "refused", "agree", "percent", "gc", "cb", "fin", "viol");
  fflush(stdout);
  struct gcs_buf report;
  buf_init(&report);
  for (int v = 0; v < npy; v++) {
    char err[1200];
    struct confirm_python py;
    if (confirm_python_open(pythons[v], probe, &py, err, sizeof err)) {
      printf("%-8s %s%s\n", "?", found ? "skipped: " : "", err);
      if (!found) all_agree = 0;
      continue;
    }
    struct policy pol;
    if (policy_parse(py.preset, &pol, err, sizeof err)) return 3;
    fprintf(stderr, "gcsim differential: Python %s, %d programs, %d "
                    "workers...\n", py.version, total, nj < 64 ? nj : 64);
    FILE *outs[64];
    pid_t pids[64];
    int nw = nj < 64 ? nj : 64;
    for (int w = 0; w < nw; w++) {
      outs[w] = tmpfile();
      if (!outs[w]) return 3;
      fflush(stdout);
      pids[w] = fork();
      if (pids[w] < 0) continue;
      if (pids[w] == 0) {
        worker(&jb, &py, &pol, w, nw, outs[w]);
        fflush(outs[w]);
        _exit(0);
      }
    }
    for (int w = 0; w < nw; w++) {
      int wst = 0;
      if (pids[w] < 0 || waitpid(pids[w], &wst, 0) < 0 || !WIFEXITED(wst) ||
          WEXITSTATUS(wst) != 0) {
        /* its programs are missing from the table: say so */
        printf("%-8s worker %d of %d %s: its programs are not counted\n",
               py.version, w + 1, nw,
               pids[w] < 0 ? "could not start" : "failed");
        all_agree = 0;
      }
    }
    int agree = 0, skipped = 0, refused = 0, agree_s = 0, agree_g = 0,
        agree_m = 0;
    int with[4] = {0, 0, 0, 0}; /* collection, callback, finalizer, viol. */
    for (int w = 0; w < nw; w++) {
      rewind(outs[w]);
      char line[2048];
      while (fgets(line, sizeof line, outs[w])) {
        int k;
        char status;
        if (sscanf(line, "%d %c", &k, &status) != 2) continue;
        if (status == 's') skipped++;
        if (status == 'r') refused++;
        if (status == 'a') {
          const char *fl = strchr(line, ' ') + 2;
          for (int f = 0; f < 4; f++)
            with[f] += (int)(memchr(fl, "cbfv"[f], (size_t)strcspn(fl, "\t")) != NULL);
          agree++;
          if (k < jb.nfiles) agree_s++;
          else if (k < jb.nfiles + jb.programs) agree_g++;
          else agree_m++;
        }
        if (status == 'd' || status == 'n' || status == 'r' ||
            (verbose && status == 's'))
          buf_printf(&report, "  %s %s", py.version, strchr(line, '\t') + 1);
      }
      fclose(outs[w]);
    }
    int compared = total - skipped - refused;
    if (agree != compared) all_agree = 0;
    char sc[32], ge[32], mu[32];
    snprintf(sc, sizeof sc, "%d/%d", agree_s, jb.nfiles);
    snprintf(ge, sizeof ge, "%d/%d", agree_g, jb.programs);
    snprintf(mu, sizeof mu, "%d/%d", agree_m, jb.mutants);
    printf("%-8s %-13s %9s %9s %9s %7d %7d %7d %7.1f%% %5d %5d %5d %5d\n",
           py.version, py.preset, sc, ge, mu, skipped, refused, agree,
           compared ? 100.0 * agree / compared : 100.0, with[0], with[1],
           with[2], with[3]);
    fflush(stdout);
  }
  if (report.len)
    printf("\ndisagreements (and programs the probe refused, and agreements "
           "only up to a native crash):\n%s",
           report.p);
  printf("\n(agree: the same event lines and verdict; skipped: the action "
         "budget ran out; refused: the probe cannot express the program (pure-Python "
         "probe); gc, cb, fin, viol: how many agreeing programs have a "
         "collection, a weakref callback, a finalizer, a violation)\n");
  buf_free(&report);
  for (int v = 0; v < npy; v++) free(pythons[v]);
  free(pythons);
  free(jb.files);
  for (int i = 0; i < jb.nseeds; i++) free(jb.seeds[i]);
  free(jb.seeds);
  free(jb.seedlen);
  return all_agree ? 0 : 1;
}
