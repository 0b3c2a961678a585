/*
** bench_harness.c — what one fuzz execution costs gcsim itself (decode,
** run, judge: harness_exec_ws(), as gcsim-fuzz calls it, with its feedback
** counters; libFuzzer's clearing of them between inputs is its own cost,
** not counted here), without libFuzzer around it. A benchmark, not a test: it
** reports figures and never fails on them.
**
** The inputs are fixed: N byte strings of 1 to 64 bytes (gcsim-fuzz's
** max_len) from a seeded xorshift64* generator, the same on every machine,
** followed by the files named on the command line, a directory standing
** for its files in name order (corpus/seeds, a fuzzing corpus). Under
** `valgrind --tool=callgrind` the instruction count is repeatable to the
** instruction (bench/harness_cost.sh reports both).
**
** usage: bench_harness [-n N] [-r ROUNDS] [--policy P] [FILE...]
** prints: inputs, rounds, microseconds per input, the share of inputs that
** ran out of the model's budget, and the mean events per input.
*/
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <dirent.h>
#include <sys/stat.h>

#include "gcsim/fileio.h"
#include "gcsim/harness.h"

struct input {
  uint8_t *p;
  size_t len;
};

static uint64_t next(uint64_t *x) { /* xorshift64* */
  *x ^= *x >> 12;
  *x ^= *x << 25;
  *x ^= *x >> 27;
  return *x * 2685821657736338717ull;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *msg) {
  fprintf(stderr, "bench_harness: %s\n", msg);
  exit(2);
}

struct paths {
  char **v;
  size_t n, cap;
};

static void add_path(struct paths *ps, const char *dir, const char *name) {
  if (ps->n == ps->cap) {
    ps->cap = ps->cap ? 2 * ps->cap : 64;
    ps->v = realloc(ps->v, ps->cap * sizeof *ps->v);
    if (!ps->v) die("out of memory");
  }
  size_t len = strlen(dir) + (name ? strlen(name) + 1 : 0) + 1;
  char *p = malloc(len);
  if (!p) die("out of memory");
  if (name) snprintf(p, len, "%s/%s", dir, name);
  else snprintf(p, len, "%s", dir);
  ps->v[ps->n++] = p;
}

/* A file, or the files of a directory in name order; 0, or -1 with a
   "PATH:0: message" on stderr. */
static int add_arg(struct paths *ps, const char *arg) {
  struct stat st;
  if (stat(arg, &st) != 0) {
    fprintf(stderr, "%s:0: no such file or directory\n", arg);
    return -1;
  }
  if (!S_ISDIR(st.st_mode)) {
    add_path(ps, arg, NULL);
    return 0;
  }
  struct dirent **ents;
  int ne = scandir(arg, &ents, NULL, alphasort);
  if (ne < 0) {
    fprintf(stderr, "%s:0: cannot read the directory\n", arg);
    return -1;
  }
  for (int k = 0; k < ne; k++) {
    if (ents[k]->d_name[0] != '.') add_path(ps, arg, ents[k]->d_name);
    free(ents[k]);
  }
  free(ents);
  return 0;
}

int main(int argc, char **argv) {
  long n = 20000, rounds = 5;
  const char *policy = "cpython-main";
  int first_file = argc;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "-n") && i + 1 < argc) n = atol(argv[++i]);
    else if (!strcmp(argv[i], "-r") && i + 1 < argc) rounds = atol(argv[++i]);
    else if (!strcmp(argv[i], "--policy") && i + 1 < argc) policy = argv[++i];
    else { first_file = i; break; }
  }
  if (n < 0 || rounds < 1 || (first_file < argc && argv[first_file][0] == '-'))
    die("usage: bench_harness [-n N] [-r ROUNDS] [--policy P] [FILE...]");
  /* the paths: each file, or each file of a directory in name order */
  struct paths ps = {0};
  for (int i = first_file; i < argc; i++)
    if (add_arg(&ps, argv[i]) != 0) return 2;
  size_t npaths = ps.n;
  char **paths = ps.v;
  size_t total = (size_t)n + npaths;
  struct input *in = calloc(total ? total : 1, sizeof *in);
  if (!in) die("out of memory");
  uint64_t x = 0x9e3779b97f4a7c15ull;
  for (long i = 0; i < n; i++) {
    in[i].len = 1 + next(&x) % 64;
    in[i].p = malloc(in[i].len);
    if (!in[i].p) die("out of memory");
    for (size_t k = 0; k < in[i].len; k++) in[i].p[k] = (uint8_t)(next(&x) >> 56);
  }
  for (size_t i = 0; i < npaths; i++) {
    in[(size_t)n + i].p = (uint8_t *)fileio_read(paths[i], &in[(size_t)n + i].len);
    if (!in[(size_t)n + i].p) {
      fprintf(stderr, "%s:0: cannot read\n", paths[i]);
      return 2;
    }
    free(paths[i]);
  }
  free(paths);
  struct harness h;
  char err[700];
  /* no suppressions: a violation is counted, not reported */
  if (harness_init(&h, policy, "", err, sizeof err)) die(err);
  static uint8_t fb[4096];
  h.feedback = fb;
  h.feedback_len = sizeof fb;
  struct harness_ws ws; /* as the engines run: memory kept, never state */
  harness_ws_init(&ws);
  uint64_t events = 0, budget = 0, violations = 0;
  double t0 = now();
  for (long r = 0; r < rounds; r++)
    for (size_t i = 0; i < total; i++) {
      struct harness_result res;
      if (harness_exec_ws(&h, &ws, in[i].p, in[i].len, 0, &res) < 0)
        die("out of memory");
      if (r == 0) {
        events += res.out.events;
        budget += res.out.status == SIM_BADINPUT;
        violations += res.out.status == SIM_VIOLATION;
      }
    }
  double secs = now() - t0;
  double per = secs * 1e6 / ((double)rounds * (double)total);
  printf("policy %s: %zu inputs x %ld rounds, %.3f us per input, "
         "%.2f%% over the budget, %.2f%% violations, %.1f events per input\n",
         policy, total, rounds, per, 100.0 * (double)budget / (double)total,
         100.0 * (double)violations / (double)total,
         (double)events / (double)total);
  harness_ws_free(&ws);
  harness_free(&h);
  for (size_t i = 0; i < total; i++) free(in[i].p);
  free(in);
  return 0;
}
