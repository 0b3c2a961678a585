/*
** test_determinism.c — the same program under the same policy gives the
** same event stream, byte for byte, and the same fingerprint (sim.h,
** event.h), however it is driven.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "gcsim/codec.h"
#include "gcsim/policy.h"
#include "gcsim/scenario.h"
#include "gcsim/sim.h"
#include "simrun.h"
#include "test.h"

/* Scripts, weakrefs with callbacks, resurrection, automatic collections,
   the trashcan, legacy garbage and shutdown: most of the model's paths. */
static const char busy[] =
    "threshold 5 2 2\n"
    "new h object\n"
    "new cb function\n"
    "on cb call: touch arg; keep self; collect 0\n"
    "new a object fin\n"
    "new b object fin\n"
    "new c noclear\n"
    "new d object legacy\n"
    "link a b\nlink b c\nlink c a\nlink d d\n"
    "weakref wa a cb\nweakref wb b cb\nweakref plain c\n"
    "link h wa\nlink h plain\n"
    "on a finalize: link h self; weakref h self.0 cb; get_objects\n"
    "on b finalize: touch self.0; collect 2\n"
    "new o1 object\nnew o2 object\nnew o3 object\nnew o4 object\n"
    "link o1 o2\nlink o2 o3\nlink o3 o4\n"
    "del o4\ndel o3\ndel o2\n"
    "del a\ndel b\ndel c\ndel d\ndel wa\ndel wb\ndel plain\n"
    "collect 1\n"
    "del o1\n"
    "collect 2\n"
    "unlink h h.2\n"
    "collect 2\n"
    "exit\n";

static const char *const policies[] = {
    "cpython-3.7", "cpython-3.8b4", "cpython-3.8", "cpython-3.9",
    "cpython-3.11", "cpython-3.12", "cpython-3.13", "cpython-main",
    "cpython-3.8,trashcan_limit=2"};
#define NPOL (sizeof policies / sizeof policies[0])

TEST(same_program_twice_same_stream) {
  for (size_t i = 0; i < NPOL; i++) {
    struct run r1, r2;
    ASSERT_EQ_INT(run_text(&r1, busy, policies[i], 0), 0);
    ASSERT_EQ_INT(run_text(&r2, busy, policies[i], 0), 0);
    ASSERT_TRUE(r1.nlines > 40);
    ASSERT_EQ_STR(run_outcome(&r1), run_outcome(&r2));
    ASSERT_EQ_STR(run_jsonl(&r1), run_jsonl(&r2));
    ASSERT_EQ_U64(r1.fingerprint, r2.fingerprint);
    ASSERT_EQ_INT(r1.nevents, r2.nevents);
    run_free(&r1);
    run_free(&r2);
  }
}

TEST(busy_program_runs_clean_everywhere) {
  /* the determinism test above means little if the program stops early */
  for (size_t i = 0; i < NPOL; i++) {
    struct run r;
    ASSERT_EQ_INT(run_text(&r, busy, policies[i], 0), 0);
    ASSERT_EQ_STR(run_outcome(&r), "clean");
    ASSERT_TRUE(run_find(&r, "op exit", 0) >= 0);
    ASSERT_TRUE(run_count(&r, "garbage d") == 1);
    run_free(&r);
  }
}

TEST(fingerprint_is_xxh3_of_the_jsonl_lines) {
  for (size_t i = 0; i < NPOL; i++) {
    struct run r;
    ASSERT_EQ_INT(run_text(&r, busy, policies[i], 0), 0);
    const char *all = run_jsonl(&r);
    ASSERT_EQ_U64(XXH3_64bits(all, strlen(all)), r.fingerprint);
    ASSERT_EQ_INT(r.nevents, r.nlines);
    run_free(&r);
  }
}

TEST(different_policies_different_fingerprints) {
  /* the fingerprint does see the differences it should */
  struct run r1, r2;
  ASSERT_EQ_INT(run_text(&r1, busy, "cpython-3.8", 0), 0);
  ASSERT_EQ_INT(run_text(&r2, busy, "cpython-3.9", 0), 0);
  ASSERT_NE_U64(r1.fingerprint, r2.fingerprint);
  run_free(&r1);
  run_free(&r2);
}

TEST(sink_and_walker_do_not_change_the_stream) {
  for (size_t i = 0; i < NPOL; i++) {
    struct run full, bare;
    ASSERT_EQ_INT(run_text(&full, busy, policies[i], 0), 0);
    ASSERT_EQ_INT(run_text(&bare, busy, policies[i], RUN_NO_LINES | RUN_NO_CHECK), 0);
    ASSERT_EQ_U64(full.fingerprint, bare.fingerprint);
    ASSERT_EQ_INT(full.nevents, bare.nevents);
    ASSERT_EQ_INT(bare.nlines, 0);
    run_free(&full);
    run_free(&bare);
  }
}

static int make_sim(struct sim **s, const char *spec) {
  struct sim_options opt;
  memset(&opt, 0, sizeof opt);
  char err[256];
  if (policy_parse(spec, &opt.policy, err, sizeof err)) return -1;
  opt.audit = SIM_AUDIT_EVERY;
  *s = sim_create(&opt);
  return *s ? 0 : -1;
}

TEST(stepping_and_interleaving_change_nothing) {
  /* two models stepped alternately (no shared state), each equal to a
     plain sim_run of the same program */
  struct gcs_program p;
  char err[512];
  ASSERT_EQ_INT(scenario_parse(busy, strlen(busy), "busy.gcs", &p, err, sizeof err), 0);
  for (size_t i = 0; i < NPOL; i++) {
    struct sim *whole, *s1, *s2;
    ASSERT_EQ_INT(make_sim(&whole, policies[i]), 0);
    ASSERT_EQ_INT(make_sim(&s1, policies[i]), 0);
    ASSERT_EQ_INT(make_sim(&s2, policies[(i + 3) % NPOL]), 0);
    enum sim_status st = sim_run(whole, &p);
    for (uint32_t k = 0; k < p.nstmts; k++) {
      sim_step(s1, &p, k);
      sim_step(s2, &p, k);
      if (p.stmts[k].op == GCS_EXIT) break;
    }
    uint64_t fw = sim_fingerprint(whole), f1 = sim_fingerprint(s1);
    uint64_t nw = sim_event_count(whole), n1 = sim_event_count(s1);
    sim_destroy(whole);
    sim_destroy(s1);
    sim_destroy(s2);
    ASSERT_EQ_INT(st, SIM_OK);
    ASSERT_EQ_U64(f1, fw);
    ASSERT_EQ_INT(n1, nw);
  }
  program_free(&p);
}

TEST(printed_program_runs_the_same) {
  /* print(parse(busy)) is the same program: same stream except nothing */
  struct gcs_program p;
  char err[512];
  ASSERT_EQ_INT(scenario_parse(busy, strlen(busy), "busy.gcs", &p, err, sizeof err), 0);
  struct gcs_buf b;
  buf_init(&b);
  scenario_print(&p, &b);
  program_free(&p);
  struct run r1, r2;
  ASSERT_EQ_INT(run_text(&r1, busy, "cpython-3.9", 0), 0);
  ASSERT_EQ_INT(run_text(&r2, b.p, "cpython-3.9", 0), 0);
  buf_free(&b);
  ASSERT_EQ_U64(r1.fingerprint, r2.fingerprint);
  run_free(&r1);
  run_free(&r2);
}

TEST(violation_runs_are_deterministic_too) {
  const char *t =
      "policy cpython-3.8b4\nnew c function\nnew a object\nnew y opaque\n"
      "new z object\nlink a a\nlink a y\nlink y z\nweakref wz z c\n"
      "link a wz\ndel wz\ndel z\ndel y\ndel c\ndel a\ncollect 2\n";
  struct run r1, r2;
  ASSERT_EQ_INT(run_text(&r1, t, NULL, 0), 0);
  ASSERT_EQ_INT(run_text(&r2, t, NULL, 0), 0);
  ASSERT_EQ_STR(run_outcome(&r1), "violation call-after-clear c @16");
  ASSERT_EQ_STR(run_jsonl(&r1), run_jsonl(&r2));
  ASSERT_EQ_STR(r1.vdetail, r2.vdetail);
  ASSERT_EQ_U64(r1.fingerprint, r2.fingerprint);
  run_free(&r1);
  run_free(&r2);
}

/* One run of p under opt in model *m (made when NULL, else sim_reset()):
   its fingerprint, event count, status and violation. */
struct reset_run {
  uint64_t fingerprint, nevents;
  int status;
  struct sim_violation v;
};
static int run_in(struct sim **m, const struct sim_options *opt,
                  const struct gcs_program *p, struct reset_run *out) {
  if (!*m) *m = sim_create(opt);
  else if (sim_reset(*m, opt) != 0) return -1;
  if (!*m) return -1;
  memset(out, 0, sizeof *out);
  out->status = (int)sim_run(*m, p);
  out->fingerprint = sim_fingerprint(*m);
  out->nevents = sim_event_count(*m);
  if (sim_violation(*m)) out->v = *sim_violation(*m);
  return 0;
}

/* A model renewed by sim_reset() runs as a new one: every scenario of the
   repository, the busy program and 300 decoded random inputs, run one after
   another in one model (traced and quiet runs alternating, with feedback
   counters on the quiet ones, the bookkeeping walker on), give the events
   (fingerprint), the counters, the status and the violation of a run on a
   model made for it. Every other one runs right after
   tests/fixtures/stop_in_trashcan.gcs, whose run the budget stops in the
   middle of a deallocation, objects waiting in the trashcan. */
TEST(reset_model_runs_as_a_new_one) {
  char *stop_text = repo_file("tests/fixtures/stop_in_trashcan.gcs");
  ASSERT_TRUE(stop_text != NULL);
  struct gcs_program stop;
  char perr[600];
  ASSERT_EQ_INT(scenario_parse(stop_text, strlen(stop_text), "stop_in_trashcan",
                               &stop, perr, sizeof perr), 0);
  free(stop_text);
  char **paths;
  size_t nfiles = scenario_paths(&paths);
  ASSERT_TRUE(nfiles >= 10);
  size_t nrand = 300, n = nfiles + 1 + nrand;
  struct gcs_program *progs = calloc(n, sizeof *progs);
  ASSERT_TRUE(progs != NULL);
  for (size_t i = 0; i < nfiles; i++) {
    char *text = load_file(paths[i], NULL);
    char err[600];
    ASSERT_TRUE(text != NULL);
    ASSERT_EQ_INT(scenario_parse(text, strlen(text), paths[i], &progs[i], err,
                                 sizeof err), 0);
    free(text);
  }
  free_paths(paths);
  char err[600];
  ASSERT_EQ_INT(scenario_parse(busy, strlen(busy), "busy", &progs[nfiles], err,
                               sizeof err), 0);
  uint64_t seed = 0xdec0de;
  for (size_t i = nfiles + 1; i < n; i++) {
    size_t len = (size_t)(rng_next(&seed) % 200);
    uint8_t *b = random_bytes(&seed, len);
    ASSERT_TRUE(b != NULL);
    ASSERT_EQ_INT(codec_decode(b, len, &progs[i], NULL), 0);
    free(b);
  }
  static uint8_t fb_reset[4096], fb_new[4096];
  const char *pols[] = {"cpython-3.7", "cpython-3.8b4", "cpython-3.12"};
  size_t violations = 0;
  for (size_t k = 0; k < sizeof pols / sizeof *pols; k++) {
    struct sim_options opt;
    memset(&opt, 0, sizeof opt);
    ASSERT_EQ_INT(policy_parse(pols[k], &opt.policy, err, sizeof err), 0);
    opt.audit = SIM_AUDIT_EVERY;
    opt.max_objects = opt.max_actions = 2000;
    opt.feedback_len = sizeof fb_reset;
    struct sim *kept = NULL;
    for (size_t j = 0; j < n; j++) {
      size_t i = (j * 7919) % n; /* a scrambled order */
      if (j % 2 == 0) {
        struct reset_run stopped;
        opt.no_fingerprint = 1;
        opt.feedback = NULL;
        ASSERT_EQ_INT(run_in(&kept, &opt, &stop, &stopped), 0);
        ASSERT_EQ_INT(stopped.status, SIM_BADINPUT);
      }
      opt.no_fingerprint = (int)(j / 2 & 1);
      memset(fb_reset, 0, sizeof fb_reset);
      memset(fb_new, 0, sizeof fb_new);
      struct reset_run a, b;
      struct sim *fresh = NULL;
      opt.feedback = opt.no_fingerprint ? fb_reset : NULL;
      ASSERT_EQ_INT(run_in(&kept, &opt, &progs[i], &a), 0);
      opt.feedback = opt.no_fingerprint ? fb_new : NULL;
      ASSERT_EQ_INT(run_in(&fresh, &opt, &progs[i], &b), 0);
      sim_destroy(fresh);
      if (a.status != b.status || a.fingerprint != b.fingerprint ||
          a.nevents != b.nevents || a.v.kind != b.v.kind ||
          a.v.step != b.v.step || strcmp(a.v.obj, b.v.obj) != 0 ||
          strcmp(a.v.detail, b.v.detail) != 0 ||
          memcmp(fb_reset, fb_new, sizeof fb_reset) != 0) {
        test_fail(__FILE__, __LINE__, "program %zu under %s (%s): the reset "
                  "model's run differs (status %d/%d, %llu/%llu events)", i,
                  pols[k], opt.no_fingerprint ? "quiet" : "traced", a.status,
                  b.status, (unsigned long long)a.nevents,
                  (unsigned long long)b.nevents);
        break;
      }
      violations += a.status == SIM_VIOLATION;
    }
    sim_destroy(kept);
  }
  ASSERT_TRUE(violations >= 10);
  for (size_t i = 0; i < n; i++) program_free(&progs[i]);
  free(progs);
  program_free(&stop);
}
