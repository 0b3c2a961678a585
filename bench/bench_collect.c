/*
** bench_collect.c — time a full collection of an N-object heap in the model
** (a benchmark, not a test: it reports figures and never fails on them).
**
** Heap shape (the same as bench/collect.sh builds in Python): one root
** object holding N objects, each of which holds a reference to itself. Two
** collections are timed: gc.collect(2) with everything alive, then, after
** the root is dropped, gc.collect(2) freeing N self-cycles.
*/
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gcsim/program.h"
#include "gcsim/sim.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static struct gcs_stmt *stmt(struct gcs_program *p, enum gcs_op op) {
  struct gcs_stmt *s = program_add_stmt(p);
  if (!s) {
    fprintf(stderr, "out of memory\n");
    exit(3);
  }
  s->op = (uint8_t)op;
  return s;
}

static struct gcs_path name(uint32_t sym) {
  struct gcs_path p;
  memset(&p, 0, sizeof p);
  p.root = GCS_ROOT_NAME;
  p.sym = sym;
  return p;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000000;
  struct gcs_program prog;
  program_init(&prog);
  uint32_t root = program_sym(&prog, "root"), x = program_sym(&prog, "x");
  stmt(&prog, GCS_GC_DISABLE);
  struct gcs_stmt *s = stmt(&prog, GCS_NEW);
  s->sym = root;
  for (long i = 0; i < n; i++) {
    s = stmt(&prog, GCS_NEW);
    s->sym = x;
    s = stmt(&prog, GCS_LINK);
    s->a = name(x);
    s->b = name(x);
    s = stmt(&prog, GCS_LINK);
    s->a = name(root);
    s->b = name(x);
  }
  stmt(&prog, GCS_DEL)->sym = x;
  uint32_t collect_live = prog.nstmts;
  stmt(&prog, GCS_COLLECT)->n[0] = 2;
  stmt(&prog, GCS_DEL)->sym = root;
  uint32_t collect_dead = prog.nstmts;
  stmt(&prog, GCS_COLLECT)->n[0] = 2;

  struct sim_options opt;
  memset(&opt, 0, sizeof opt);
  char err[256];
  if (policy_parse(argc > 2 ? argv[2] : "cpython-3.11", &opt.policy, err,
                   sizeof err)) {
    fprintf(stderr, "%s\n", err);
    return 2;
  }
  struct sim *sim = sim_create(&opt);
  double t_live = 0, t_dead = 0;
  uint64_t bytes = 0;
  for (uint32_t i = 0; i < prog.nstmts; i++) {
    double t0 = now();
    if (sim_step(sim, &prog, i) != SIM_OK) {
      fprintf(stderr, "unexpected status at step %u\n", i + 1);
      return 3;
    }
    double dt = now() - t0;
    if (i == collect_live) {
      t_live = dt;
      struct sim_stats st;
      sim_get_stats(sim, &st);
      bytes = st.model_bytes;
    }
    if (i == collect_dead) t_dead = dt;
  }
  struct sim_stats st;
  sim_get_stats(sim, &st);
  printf("model  objects=%ld full_collect_live_ms=%.1f "
         "full_collect_free_all_ms=%.1f freed=%llu bytes_per_object=%.1f\n",
         n + 1, t_live * 1e3, t_dead * 1e3,
         (unsigned long long)st.objects_freed, (double)bytes / (double)(n + 1));
  sim_destroy(sim);
  program_free(&prog);
  return 0;
}
