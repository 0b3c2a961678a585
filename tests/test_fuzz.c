/*
** test_fuzz.c — the fuzz layer above the codec: the harness agrees with a
** traced run, minimization keeps the roles and shrinks, signatures ignore
** names, suppressions parse and match, built-in defaults yield to the
** environment, the feedback counters follow behaviour and change nothing.
*/
#define _POSIX_C_SOURCE 200809L /* setenv, unsetenv */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcsim/codec.h"
#include "gcsim/harness.h"
#include "gcsim/minimize.h"
#include "gcsim/scenario.h"
#include "gcsim/suppress.h"
#include "simrun.h"
#include "test.h"

static const char *const policies[] = {"cpython-3.7", "cpython-3.8b4",
                                       "cpython-3.8", "cpython-3.9",
                                       "cpython-3.12", "cpython-main"};
#define NPOLICIES (sizeof policies / sizeof *policies)

static int parse(const char *text, struct gcs_program *p) {
  char err[600];
  int rc = scenario_parse(text, strlen(text), "t.gcs", p, err, sizeof err);
  if (rc) fprintf(stderr, "%s\n", err);
  return rc;
}

static char *corpus_text(const char *name) {
  char *path = str_printf("%s/corpus/scenarios/%s", GCSIM_SOURCE_DIR, name);
  char *t = path ? load_file(path, NULL) : NULL;
  free(path);
  return t;
}

/* Read, parse and encode a scenario file: its text, program and bytes
   (the caller frees all three). 0, or -1 with nothing to free. */
static int encode_file(const char *path, char **text, struct gcs_program *p,
                       struct gcs_buf *bytes) {
  buf_init(bytes);
  *text = load_file(path, NULL);
  if (!*text || parse(*text, p) != 0) {
    free(*text);
    return -1;
  }
  char err[300];
  if (codec_encode(p, bytes, err, sizeof err) == 0) return 0;
  fprintf(stderr, "%s: %s\n", path, err);
  buf_free(bytes);
  program_free(p);
  free(*text);
  return -1;
}

/* The harness (decode, quiet run) says what a traced run of the parsed
   scenario says, for every corpus scenario under several policies. */
TEST(harness_agrees_with_traced_runs_on_the_corpus) {
  char **paths;
  size_t n = scenario_paths(&paths);
  ASSERT_TRUE(n >= 10);
  int violations = 0;
  for (size_t i = 0; i < n; i++) {
    char *text;
    struct gcs_program p;
    struct gcs_buf bytes;
    ASSERT_EQ_INT(encode_file(paths[i], &text, &p, &bytes), 0);
    char err[300];
    for (size_t k = 0; k < NPOLICIES; k++) {
      struct harness h;
      ASSERT_EQ_INT(harness_init(&h, policies[k], "", err, sizeof err), 0);
      struct harness_result r;
      ASSERT_TRUE(harness_exec(&h, (const uint8_t *)bytes.p, bytes.len, 0,
                               &r) >= 0);
      struct run tr;
      run_text(&tr, text, policies[k], 0);
      int same = r.out.status == tr.status &&
                 (tr.status != SIM_VIOLATION ||
                  (r.out.v.kind == tr.vkind && r.out.v.step == tr.vstep &&
                   strcmp(r.out.v.obj, tr.vobj) == 0));
      if (!same)
        test_fail(__FILE__, __LINE__, "%s under %s: harness %d %s@%u, run %s",
                  paths[i], policies[k], r.out.status,
                  sim_vkind_name(r.out.v.kind), (unsigned)r.out.v.step,
                  run_outcome(&tr));
      violations += tr.status == SIM_VIOLATION;
      run_free(&tr);
      harness_free(&h);
    }
    buf_free(&bytes);
    program_free(&p);
    free(text);
  }
  free_paths(paths);
  ASSERT_TRUE(violations > 5);
}

TEST(minimize_keeps_roles_shrinks_and_is_deterministic) {
  /* bpo-38006 with unrelated statements around it */
  char *base = corpus_text("bpo38006.gcs");
  ASSERT_TRUE(base != NULL);
  char *text = str_printf("new pad1 object fin\nnew pad2 noclear\n"
                          "link pad2 pad1\n%s\nget_objects\n",
                          base);
  free(base);
  struct gcs_program p, m1, m2;
  ASSERT_EQ_INT(parse(text, &p), 0);
  free(text);
  struct policy pol;
  char err[200];
  ASSERT_EQ_INT(policy_parse("cpython-3.8b4", &pol, err, sizeof err), 0);
  struct mz_outcome before, after;
  ASSERT_EQ_INT(mz_run(&p, &pol, &before), 0);
  ASSERT_EQ_INT(before.status, SIM_VIOLATION);
  struct mz_stats st;
  ASSERT_EQ_INT(minimize_program(&p, &pol, &m1, &st), 0);
  ASSERT_EQ_INT(minimize_program(&p, &pol, &m2, NULL), 0);
  ASSERT_TRUE(program_equal(&m1, &m2));
  ASSERT_TRUE(m1.nstmts < p.nstmts);
  ASSERT_TRUE(m1.nstmts <= 16);
  ASSERT_EQ_INT(st.stmts_after, m1.nstmts);
  ASSERT_TRUE(st.runs > 1);
  ASSERT_EQ_INT(mz_run(&m1, &pol, &after), 0);
  ASSERT_EQ_INT(after.status, SIM_VIOLATION);
  char r1[MZ_ROLES_LEN], r2[MZ_ROLES_LEN];
  mz_roles(&before.v, r1, sizeof r1);
  mz_roles(&after.v, r2, sizeof r2);
  ASSERT_EQ_STR(r2, r1);
  ASSERT_EQ_STR(r1, "call-after-clear/function/weakref/delete_garbage");
  /* the result is a valid scenario */
  struct gcs_buf out;
  buf_init(&out);
  scenario_print(&m1, &out);
  struct gcs_program back;
  ASSERT_EQ_INT(parse(out.p, &back), 0);
  ASSERT_TRUE(program_equal(&back, &m1));
  program_free(&back);
  buf_free(&out);
  program_free(&m1);
  program_free(&m2);
  program_free(&p);
}

TEST(minimize_drops_script_actions_and_flags) {
  /* the finalizer of b and its fin flag do not matter */
  const char *t = "new c function\nnew b object fin\n"
                  "on b finalize: touch self; touch self.0\n"
                  "new a object\nnew y opaque\nnew z object\n"
                  "link a a\nlink a y\nlink y z\nweakref wz z c\nlink a wz\n"
                  "link a b\ndel b\nexit\n";
  struct gcs_program p, m;
  ASSERT_EQ_INT(parse(t, &p), 0);
  struct policy pol;
  char err[200];
  ASSERT_EQ_INT(policy_parse("cpython-3.8b4", &pol, err, sizeof err), 0);
  ASSERT_EQ_INT(minimize_program(&p, &pol, &m, NULL), 0);
  ASSERT_EQ_INT(m.nactions, 0);
  for (uint32_t i = 0; i < m.nstmts; i++)
    ASSERT_EQ_INT(m.stmts[i].flags, 0);
  program_free(&m);
  program_free(&p);
}

TEST(minimize_refuses_a_clean_program) {
  struct gcs_program p, m;
  ASSERT_EQ_INT(parse("new a object\nlink a a\ndel a\ncollect\n", &p), 0);
  struct policy pol;
  char err[200];
  ASSERT_EQ_INT(policy_parse("cpython-3.9", &pol, err, sizeof err), 0);
  ASSERT_EQ_INT(minimize_program(&p, &pol, &m, NULL), -1);
  ASSERT_EQ_INT(m.nstmts, 0);
  program_free(&p);
}

TEST(signature_ignores_names_but_not_kind_policy_or_shape) {
  struct gcs_program a, b, c;
  ASSERT_EQ_INT(parse("new f function\nnew o opaque\nlink f o\n"
                      "weakref w o f\nlink f w\nexit\n", &a), 0);
  ASSERT_EQ_INT(parse("policy cpython-3.8b4\n"
                      "new g function\nnew p opaque\nlink g p\n"
                      "weakref v p g\nlink g v\nexit\n", &b), 0);
  ASSERT_EQ_INT(parse("new f function\nnew o opaque\nlink f o\n"
                      "weakref w o f\nlink f w\nlink f f\nexit\n", &c), 0);
  char sa[MZ_SIGNATURE_LEN], sb[MZ_SIGNATURE_LEN], sc[MZ_SIGNATURE_LEN],
      sd[MZ_SIGNATURE_LEN], se[MZ_SIGNATURE_LEN];
  mz_signature(&a, SV_CALL_AFTER_CLEAR, "cpython-3.8b4", sa, sizeof sa);
  mz_signature(&b, SV_CALL_AFTER_CLEAR, "cpython-3.8b4", sb, sizeof sb);
  mz_signature(&c, SV_CALL_AFTER_CLEAR, "cpython-3.8b4", sc, sizeof sc);
  mz_signature(&a, SV_CALL_AFTER_CLEAR, "cpython-3.7", sd, sizeof sd);
  mz_signature(&a, SV_TOUCH_AFTER_CLEAR, "cpython-3.8b4", se, sizeof se);
  ASSERT_EQ_STR(sa, sb); /* names and the policy line do not count */
  ASSERT_TRUE(strcmp(sa, sc) != 0);
  ASSERT_TRUE(strcmp(sa, sd) != 0);
  ASSERT_TRUE(strcmp(sa, se) != 0);
  ASSERT_EQ_INT((int)strlen(sa), (int)strlen("call-after-clear:") + 12);
  ASSERT_TRUE(strncmp(sa, "call-after-clear:", 17) == 0);
  program_free(&a);
  program_free(&b);
  program_free(&c);
}

static struct sim_violation violation(enum sim_vkind k) {
  struct sim_violation v;
  memset(&v, 0, sizeof v);
  v.kind = k;
  return v;
}

TEST(suppressions_parse_and_match) {
  const char *t =
      "# known\n\n"
      "kind exposed-cleared: loose end 3  # trailing comment\n"
      "roles touch-after-clear/object/finalizer/refcount cpython-3.9: "
      "gh-91636\n"
      "signature call-after-clear:0123456789ab *: one crash\n";
  struct suppressions s;
  char err[300];
  ASSERT_EQ_INT(suppress_parse(t, strlen(t), "k.supp", &s, err, sizeof err),
                0);
  ASSERT_EQ_INT((int)s.n, 3);
  ASSERT_TRUE(s.has_signatures);
  struct sim_violation ec = violation(SV_EXPOSED_CLEARED);
  const struct suppression *m = suppress_match(&s, "cpython-3.8", &ec, "", NULL);
  ASSERT_TRUE(m != NULL);
  ASSERT_EQ_INT(m->line, 3);
  ASSERT_EQ_STR(m->reason, "loose end 3");
  struct sim_violation tc = violation(SV_TOUCH_AFTER_CLEAR);
  const char *roles = "touch-after-clear/object/finalizer/refcount";
  ASSERT_TRUE(suppress_match(&s, "cpython-3.9", &tc, roles, NULL) != NULL);
  ASSERT_TRUE(suppress_match(&s, "cpython-3.11", &tc, roles, NULL) == NULL);
  struct suppressions w;
  const char *wt = "roles touch-after-clear/*/get_objects/*: loose end 3\n";
  ASSERT_EQ_INT(suppress_parse(wt, strlen(wt), "w.supp", &w, err, sizeof err),
                0);
  ASSERT_TRUE(suppress_match(&w, "p", &tc,
                             "touch-after-clear/function/get_objects/"
                             "delete_garbage", NULL) != NULL);
  ASSERT_TRUE(suppress_match(&w, "p", &tc,
                             "touch-after-clear/function/callback/"
                             "delete_garbage", NULL) == NULL);
  suppress_free(&w);
  struct sim_violation cc = violation(SV_CALL_AFTER_CLEAR);
  ASSERT_TRUE(suppress_match(&s, "x", &cc, "", NULL) == NULL);
  ASSERT_TRUE(suppress_match(&s, "x", &cc, "", "call-after-clear:0123456789ab")
              != NULL);
  suppress_free(&s);
}

TEST(suppression_errors_name_the_line) {
  static const char *const bad[][2] = {
      {"kind exposed-cleared\n", "needs a reason"},
      {"kind exposed-cleared:   \n", "needs a reason"},
      {"kind bogus: x\n", "unknown violation kind"},
      {"roles touch-after-clear/object: x\n", "KIND/OBJKIND/ACTOR/PHASE"},
      {"signature call-after-clear:xyz: x\n", "12 hex digits"},
      {"color exposed-cleared: x\n", "unknown entry 'color'"},
      {"kind exposed-cleared a b: x\n", "too many words"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    char *t = str_printf("# header\n%s", bad[i][0]);
    struct suppressions s;
    char err[300];
    ASSERT_EQ_INT(suppress_parse(t, strlen(t), "b.supp", &s, err, sizeof err),
                  -1);
    ASSERT_CONTAINS(err, "b.supp:2: ");
    ASSERT_CONTAINS(err, bad[i][1]);
    free(t);
  }
  struct suppressions s;
  char err[300];
  ASSERT_EQ_INT(suppress_parse("kind\0x", 6, "n.supp", &s, err, sizeof err),
                -1);
  ASSERT_CONTAINS(err, "n.supp:1: NUL byte");
}

/* The fuzz bytes of corpus/scenarios/NAME into bytes (buf_init'ed);
   returns 0, or -1 when the scenario does not parse or encode. */
static int corpus_bytes(const char *name, struct gcs_buf *bytes) {
  char *path = str_printf("%s/corpus/scenarios/%s", GCSIM_SOURCE_DIR, name);
  char *text;
  struct gcs_program p;
  int rc = path ? encode_file(path, &text, &p, bytes) : -1;
  free(path);
  if (rc) return -1;
  program_free(&p);
  free(text);
  return 0;
}

/* corpus/known-findings.supp names the PyObject_ClearWeakRefs crash for
   every policy that has it and no other: the stale walk is a finding
   there, suppressed as known, and gone from 3.12 on. */
TEST(known_findings_cover_the_clear_weakrefs_crash) {
  struct gcs_buf bytes;
  buf_init(&bytes);
  ASSERT_EQ_INT(corpus_bytes("clear_weakrefs_tuple_collects.gcs", &bytes), 0);
  static const char *const pols[] = {"cpython-3.6", "cpython-3.7",
                                     "cpython-3.8b4", "cpython-3.8",
                                     "cpython-3.9", "cpython-3.11",
                                     "cpython-3.12", "cpython-3.13",
                                     "cpython-main"};
  char err[300];
  for (int k = 0; k < 9; k++) {
    int has_it = k < 6;
    struct harness h;
    ASSERT_EQ_INT(harness_init(&h, pols[k], "", err, sizeof err), 0);
    struct harness_result r;
    ASSERT_EQ_INT(harness_exec(&h, (const uint8_t *)bytes.p, bytes.len, 0, &r),
                  has_it);
    if (has_it) ASSERT_EQ_STR(r.roles, "use-after-free/weakref/dealloc/refcount");
    harness_free(&h);
    ASSERT_EQ_INT(harness_init(&h, pols[k],
                               GCSIM_SOURCE_DIR "/corpus/known-findings.supp",
                               err, sizeof err),
                  0);
    ASSERT_EQ_INT(harness_exec(&h, (const uint8_t *)bytes.p, bytes.len, 0, &r),
                  0);
    ASSERT_TRUE(!has_it || (r.suppressed &&
                            strstr(r.suppressed->reason, "PyTuple_New")));
    harness_free(&h);
  }
  buf_free(&bytes);
}

TEST(harness_finding_and_suppression) {
  struct gcs_buf bytes;
  buf_init(&bytes);
  ASSERT_EQ_INT(corpus_bytes("bpo38006.gcs", &bytes), 0);
  char err[300];
  struct harness h;
  ASSERT_EQ_INT(harness_init(&h, "cpython-3.8b4", "", err, sizeof err), 0);
  struct harness_result r;
  ASSERT_EQ_INT(harness_exec(&h, (const uint8_t *)bytes.p, bytes.len, 1, &r),
                1);
  ASSERT_EQ_STR(r.roles, "call-after-clear/function/weakref/delete_garbage");
  ASSERT_TRUE(strncmp(r.signature, "call-after-clear:", 17) == 0);
  /* a signature suppression of exactly this finding */
  char *supp = str_printf("signature %s cpython-3.8b4: known\n", r.signature);
  suppress_free(&h.sup);
  ASSERT_EQ_INT(suppress_parse(supp, strlen(supp), "s.supp", &h.sup, err,
                               sizeof err),
                0);
  free(supp);
  ASSERT_EQ_INT(harness_exec(&h, (const uint8_t *)bytes.p, bytes.len, 0, &r),
                0);
  ASSERT_TRUE(r.suppressed != NULL);
  harness_free(&h);
  /* under 3.8 the same bytes are clean: no finding */
  ASSERT_EQ_INT(harness_init(&h, "cpython-3.8", "", err, sizeof err), 0);
  ASSERT_EQ_INT(harness_exec(&h, (const uint8_t *)bytes.p, bytes.len, 0, &r),
                0);
  ASSERT_EQ_INT(r.out.status, SIM_OK);
  harness_free(&h);
  ASSERT_EQ_INT(harness_init(&h, "cpython-4.0", "", err, sizeof err), -1);
  ASSERT_CONTAINS(err, "cpython-4.0");
  buf_free(&bytes);
}

/* Fingerprint of a traced run of p under pol, with or without feedback. */
static uint64_t fingerprint_with(const struct gcs_program *p, const char *pol,
                                 uint8_t *fb, uint32_t fblen) {
  struct sim_options opt;
  memset(&opt, 0, sizeof opt);
  char err[300];
  if (policy_parse(pol, &opt.policy, err, sizeof err)) return 0;
  opt.feedback = fb;
  opt.feedback_len = fblen;
  struct sim *s = sim_create(&opt);
  if (!s) return 0;
  sim_run(s, p);
  uint64_t f = sim_fingerprint(s);
  sim_destroy(s);
  return f;
}

static size_t nonzero(const uint8_t *a, size_t n) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) k += a[i] != 0;
  return k;
}

/* The feedback counters gcsim-fuzz hands libFuzzer: the same bytes give
   the same counters; they never change a verdict or a fingerprint; a
   different behaviour (bpo-38006's callback under 3.7, none under 3.8)
   gives different counters; a counter is only ever set to 1 (a
   transition seen), never counted; a length that is not a power of two is
   rounded down, and nothing past it is written. */
TEST(feedback_follows_behaviour_and_never_changes_a_run) {
  char **paths;
  size_t n = scenario_paths(&paths);
  ASSERT_TRUE(n >= 10);
  static uint8_t fb[4096], again[4096];
  for (size_t i = 0; i < n; i++) {
    char *text;
    struct gcs_program p;
    struct gcs_buf bytes;
    ASSERT_EQ_INT(encode_file(paths[i], &text, &p, &bytes), 0);
    char err[300];
    for (size_t k = 0; k < NPOLICIES; k++) {
      struct harness h;
      ASSERT_EQ_INT(harness_init(&h, policies[k], "", err, sizeof err), 0);
      struct harness_result plain, fed, fed2;
      harness_exec(&h, (const uint8_t *)bytes.p, bytes.len, 0, &plain);
      h.feedback = fb;
      h.feedback_len = sizeof fb;
      memset(fb, 0, sizeof fb);
      harness_exec(&h, (const uint8_t *)bytes.p, bytes.len, 0, &fed);
      memcpy(again, fb, sizeof fb);
      memset(fb, 0, sizeof fb);
      harness_exec(&h, (const uint8_t *)bytes.p, bytes.len, 0, &fed2);
      if (memcmp(fb, again, sizeof fb) != 0)
        test_fail(__FILE__, __LINE__, "%s under %s: counters differ",
                  paths[i], policies[k]);
      for (size_t c = 0; c < sizeof fb; c++)
        if (fb[c] > 1) {
          test_fail(__FILE__, __LINE__, "%s under %s: counter %zu is %u, "
                    "not 0 or 1", paths[i], policies[k], c, (unsigned)fb[c]);
          break;
        }
      if (nonzero(fb, sizeof fb) < 3)
        test_fail(__FILE__, __LINE__, "%s under %s: %zu counters set",
                  paths[i], policies[k], nonzero(fb, sizeof fb));
      if (fed.out.status != plain.out.status ||
          fed.out.v.kind != plain.out.v.kind ||
          fed.out.v.step != plain.out.v.step ||
          fed.out.events != plain.out.events || fed.finding != plain.finding)
        test_fail(__FILE__, __LINE__, "%s under %s: feedback changed the run",
                  paths[i], policies[k]);
      uint64_t f0 = fingerprint_with(&p, policies[k], NULL, 0);
      uint64_t f1 = fingerprint_with(&p, policies[k], fb, sizeof fb);
      if (f0 == 0 || f0 != f1)
        test_fail(__FILE__, __LINE__, "%s under %s: fingerprint %llx, %llx "
                  "with feedback", paths[i], policies[k],
                  (unsigned long long)f0, (unsigned long long)f1);
      harness_free(&h);
    }
    buf_free(&bytes);
    program_free(&p);
    free(text);
  }
  free_paths(paths);

  struct gcs_buf bytes;
  buf_init(&bytes);
  ASSERT_EQ_INT(corpus_bytes("bpo38006.gcs", &bytes), 0);
  char err[300];
  const char *pols[2] = {"cpython-3.7", "cpython-3.8"};
  static uint8_t maps[2][4096];
  for (int k = 0; k < 2; k++) {
    struct harness h;
    ASSERT_EQ_INT(harness_init(&h, pols[k], "", err, sizeof err), 0);
    h.feedback = maps[k];
    h.feedback_len = sizeof maps[k];
    struct harness_result r;
    ASSERT_EQ_INT(harness_exec(&h, (const uint8_t *)bytes.p, bytes.len, 0, &r),
                  0);
    harness_free(&h);
  }
  ASSERT_TRUE(memcmp(maps[0], maps[1], sizeof maps[0]) != 0);

  /* 100 counters: the model uses the first 64 only */
  struct harness h;
  ASSERT_EQ_INT(harness_init(&h, "cpython-3.7", "", err, sizeof err), 0);
  memset(fb, 0, sizeof fb);
  h.feedback = fb;
  h.feedback_len = 100;
  struct harness_result r;
  harness_exec(&h, (const uint8_t *)bytes.p, bytes.len, 0, &r);
  ASSERT_TRUE(nonzero(fb, 64) >= 3);
  ASSERT_EQ_INT((int)nonzero(fb + 64, sizeof fb - 64), 0);
  harness_free(&h);
  buf_free(&bytes);
}

/* A copy of the variable's value, or NULL when unset. */
static char *env_copy(const char *name) {
  const char *v = getenv(name);
  return v ? str_printf("%s", v) : NULL;
}

static void env_restore(const char *name, char *value) {
  if (value)
    setenv(name, value, 1);
  else
    unsetenv(name);
  free(value);
}

/* What a per-policy fuzzer has built in (.clusterfuzzlite/build.sh): its
   policy and suppressions hold while the environment names none; each
   variable overrides its default, and an empty GCSIM_SUPPRESSIONS turns
   the built-in suppressions off. */
TEST(harness_builtin_defaults_yield_to_the_environment) {
  char *saved_pol = env_copy("GCSIM_POLICY");
  char *saved_sup = env_copy("GCSIM_SUPPRESSIONS");
  struct gcs_buf bytes;
  buf_init(&bytes);
  ASSERT_EQ_INT(corpus_bytes("bpo38006.gcs", &bytes), 0);
  const struct harness_builtin b = {
      "cpython-3.8b4", "known.supp (built in)",
      "kind call-after-clear cpython-3.8b4: bpo-38006\n"};
  struct harness h;
  struct harness_result r;
  char err[700];
  unsetenv("GCSIM_POLICY");
  unsetenv("GCSIM_SUPPRESSIONS");
  ASSERT_EQ_INT(harness_init_builtin(&h, &b, err, sizeof err), 0);
  ASSERT_EQ_STR(h.policy_text, "cpython-3.8b4");
  ASSERT_EQ_STR(h.sup_path, "known.supp (built in)");
  ASSERT_EQ_INT(harness_exec(&h, (const uint8_t *)bytes.p, bytes.len, 0, &r),
                0);
  ASSERT_TRUE(r.suppressed != NULL);
  harness_free(&h);
  setenv("GCSIM_SUPPRESSIONS", "", 1); /* off: the crash is a finding */
  ASSERT_EQ_INT(harness_init_builtin(&h, &b, err, sizeof err), 0);
  ASSERT_EQ_STR(h.sup_path, "");
  ASSERT_EQ_INT(harness_exec(&h, (const uint8_t *)bytes.p, bytes.len, 0, &r),
                1);
  harness_free(&h);
  setenv("GCSIM_POLICY", "cpython-3.8", 1);
  ASSERT_EQ_INT(harness_init_builtin(&h, &b, err, sizeof err), 0);
  ASSERT_EQ_STR(h.policy_text, "cpython-3.8");
  harness_free(&h);
  setenv("GCSIM_SUPPRESSIONS", "/nonexistent/gcsim.supp", 1);
  ASSERT_EQ_INT(harness_init_builtin(&h, &b, err, sizeof err), -1);
  ASSERT_CONTAINS(err, "/nonexistent/gcsim.supp:0: cannot read");
  harness_free(&h);
  unsetenv("GCSIM_SUPPRESSIONS");
  const struct harness_builtin bad = {"cpython-main", "bad (built in)",
                                      "kind no-such-kind: x\n"};
  ASSERT_EQ_INT(harness_init_builtin(&h, &bad, err, sizeof err), -1);
  ASSERT_CONTAINS(err, "bad (built in):1");
  harness_free(&h);
  env_restore("GCSIM_POLICY", saved_pol);
  env_restore("GCSIM_SUPPRESSIONS", saved_sup);
  buf_free(&bytes);
}

/* One input's result, as the workspace test compares them. */
static int same_result(const struct harness_result *a,
                       const struct harness_result *b) {
  return a->out.status == b->out.status && a->out.events == b->out.events &&
         a->out.v.kind == b->out.v.kind && a->out.v.step == b->out.v.step &&
         strcmp(a->out.v.obj, b->out.v.obj) == 0 &&
         strcmp(a->out.v.detail, b->out.v.detail) == 0 &&
         strcmp(a->out.v.actor, b->out.v.actor) == 0 &&
         strcmp(a->out.v.phase, b->out.v.phase) == 0 &&
         strcmp(a->out.internal, b->out.internal) == 0 &&
         strcmp(a->roles, b->roles) == 0 && a->finding == b->finding &&
         a->suppressed == b->suppressed && a->info.used == b->info.used &&
         a->info.truncated_at == b->info.truncated_at &&
         a->info.after_exit == b->info.after_exit &&
         a->info.dropped == b->info.dropped;
}

/* What the engines run, harness_exec_ws(), keeps memory between inputs
   and nothing else: every input, run after any other in one workspace,
   gives what a fresh harness_exec() gives, verdict, violation, events,
   decode figures and feedback counters alike, and decodes to the same
   program. Inputs: every scenario of the repository, each cut in half,
   and random byte strings up to 300 bytes, in a scrambled order, twice;
   in the first round each runs right after tests/fixtures/
   stop_in_trashcan.gcs, whose run the budget stops in the middle of a
   deallocation. */
TEST(workspace_keeps_memory_not_state) {
  char *stop_text = repo_file("tests/fixtures/stop_in_trashcan.gcs");
  ASSERT_TRUE(stop_text != NULL);
  struct gcs_program stop_prog;
  ASSERT_EQ_INT(parse(stop_text, &stop_prog), 0);
  free(stop_text);
  struct gcs_buf stop;
  buf_init(&stop);
  char eerr[300];
  ASSERT_EQ_INT(codec_encode(&stop_prog, &stop, eerr, sizeof eerr), 0);
  program_free(&stop_prog);
  char **paths;
  size_t nfiles = scenario_paths(&paths);
  ASSERT_TRUE(nfiles >= 10);
  size_t nrand = 400, n = 2 * nfiles + nrand;
  uint8_t **in = calloc(n, sizeof *in);
  size_t *len = calloc(n, sizeof *len);
  ASSERT_TRUE(in && len);
  for (size_t i = 0; i < nfiles; i++) {
    char *text;
    struct gcs_program p;
    struct gcs_buf bytes;
    ASSERT_EQ_INT(encode_file(paths[i], &text, &p, &bytes), 0);
    in[2 * i] = (uint8_t *)bytes.p;
    len[2 * i] = bytes.len;
    in[2 * i + 1] = malloc(bytes.len / 2 + 1);
    ASSERT_TRUE(in[2 * i + 1] != NULL);
    memcpy(in[2 * i + 1], bytes.p, bytes.len / 2);
    len[2 * i + 1] = bytes.len / 2;
    program_free(&p);
    free(text);
  }
  free_paths(paths);
  uint64_t seed = 0x5eed;
  for (size_t i = 2 * nfiles; i < n; i++) {
    len[i] = (size_t)(rng_next(&seed) % 300);
    in[i] = random_bytes(&seed, len[i]);
    ASSERT_TRUE(in[i] != NULL);
  }
  static uint8_t fb_ws[4096], fb_fresh[4096];
  const char *pols[] = {"cpython-3.7", "cpython-3.8b4", "cpython-3.12",
                        "cpython-main"};
  size_t compared = 0, violations = 0;
  for (size_t k = 0; k < sizeof pols / sizeof *pols; k++) {
    char err[300];
    struct harness h;
    ASSERT_EQ_INT(harness_init(&h, pols[k], "", err, sizeof err), 0);
    h.feedback_len = sizeof fb_ws;
    struct harness_ws ws;
    harness_ws_init(&ws);
    for (size_t round = 0; round < 2; round++)
      for (size_t j = 0; j < n; j++) {
        size_t i = (j * 7919 + round * 104729) % n; /* scrambled, coprime */
        struct harness_result a, b;
        if (round == 0) {
          h.feedback = NULL;
          ASSERT_EQ_INT(harness_exec_ws(&h, &ws, (const uint8_t *)stop.p,
                                        stop.len, 0, &a), 0);
          ASSERT_EQ_INT((int)a.out.status, SIM_BADINPUT);
        }
        memset(fb_ws, 0, sizeof fb_ws);
        memset(fb_fresh, 0, sizeof fb_fresh);
        h.feedback = fb_ws;
        int ra = harness_exec_ws(&h, &ws, in[i], len[i], 0, &a);
        h.feedback = fb_fresh;
        int rb = harness_exec(&h, in[i], len[i], 0, &b);
        struct gcs_program fresh;
        ASSERT_EQ_INT(codec_decode(in[i], len[i], &fresh, NULL), 0);
        int same_prog = program_equal(&ws.prog, &fresh);
        program_free(&fresh);
        if (ra != rb || !same_result(&a, &b) ||
            memcmp(fb_ws, fb_fresh, sizeof fb_ws) != 0 || !same_prog) {
          test_fail(__FILE__, __LINE__, "input %zu (%zu bytes) under %s, "
                    "round %zu: the workspace's run differs (rc %d/%d, "
                    "status %d/%d, events %llu/%llu, program %s)", i, len[i],
                    pols[k], round, ra, rb, (int)a.out.status,
                    (int)b.out.status, (unsigned long long)a.out.events,
                    (unsigned long long)b.out.events,
                    same_prog ? "same" : "differs");
          break;
        }
        compared++;
        violations += a.out.status == SIM_VIOLATION;
      }
    harness_ws_free(&ws);
    harness_free(&h);
  }
  /* the comparison saw violations, not only clean runs */
  ASSERT_TRUE(violations >= 20);
  ASSERT_EQ_INT((int)compared, (int)(2 * n * 4));
  for (size_t i = 0; i < n; i++) free(in[i]);
  free(in);
  free(len);
  buf_free(&stop);
}

/* ---- the structure-aware mutator (fuzz/mutator.c) ---- */

#include "gcsim/mutator.h"

#define U8(p) ((const uint8_t *)(p))

/* The mutator's inputs: every scenario's bytes (corpus/seeds are those of
   corpus/scenarios), the empty input and random bytes. *n inputs. */
static struct gcs_buf *mutator_inputs(size_t *n) {
  char **paths;
  size_t np = scenario_paths(&paths);
  struct gcs_buf *in = calloc(np + 41, sizeof *in);
  *n = 0;
  for (size_t i = 0; in && i < np; i++) {
    char *text;
    struct gcs_program p;
    if (encode_file(paths[i], &text, &p, &in[*n]) == 0) {
      program_free(&p);
      free(text);
      (*n)++;
    }
  }
  free_paths(paths);
  if (!in) return NULL;
  uint64_t seed = 0x6d7574;
  buf_init(&in[(*n)++]); /* empty */
  for (int i = 0; i < 40; i++) {
    size_t len = 1 + (size_t)(rng_next(&seed) % 96);
    uint8_t *b = random_bytes(&seed, len);
    buf_init(&in[*n]);
    buf_add(&in[(*n)++], b, len);
    free(b);
  }
  return in;
}

static void free_inputs(struct gcs_buf *in, size_t n) {
  for (size_t i = 0; in && i < n; i++) buf_free(&in[i]);
  free(in);
}

/* out decodes to exactly the program the mutator built (m->prog),
   re-encodes to the same bytes, and prints as a scenario that parses back
   to an equal program. Returns 0, or the failed check's number. */
static int check_output(const struct mutator *m, const uint8_t *out,
                        size_t len) {
  struct gcs_program d, q;
  struct codec_info info;
  if (codec_decode(out, len, &d, &info)) return 1;
  int bad = 0;
  if (info.used != len || info.dropped || info.truncated_at ||
      info.after_exit)
    bad = 2; /* every byte makes the program */
  if (!bad && d.nstmts != m->prog.nstmts) bad = 3;
  for (uint32_t i = 0; !bad && i < d.nstmts; i++)
    if (!program_stmt_equal(&d, i, &m->prog, i)) bad = 4;
  struct gcs_buf again;
  buf_init(&again);
  char err[300];
  /* the header keeps the input's swarm masks */
  if (!bad && (codec_encode(&d, &again, err, sizeof err) ||
               again.len != len ||
               memcmp(again.p + CODEC_HEADER, out + CODEC_HEADER,
                      len - CODEC_HEADER)))
    bad = 5;
  struct gcs_buf text;
  buf_init(&text);
  scenario_print(&d, &text);
  program_init(&q);
  if (!bad && (scenario_parse(text.p, text.len, "m.gcs", &q, err,
                              sizeof err) ||
               !program_equal(&d, &q)))
    bad = 6;
  program_free(&q);
  buf_free(&text);
  buf_free(&again);
  program_free(&d);
  return bad;
}

/* Thousands of mutations, from every scenario, the empty input and random
   bytes, some chained (a mutant mutated again), under a tight and a loose
   size limit: each output is valid and within the limit; each operation
   happened, and statements were added and removed. */
TEST(mutator_outputs_decode_to_the_program_it_built) {
  size_t n;
  struct gcs_buf *in = mutator_inputs(&n);
  ASSERT_TRUE(in && n > 50);
  struct mutator m;
  ASSERT_EQ_INT(mutator_init(&m), 0);
  uint8_t data[4096];
  unsigned seed = 1;
  size_t outputs = 0, gave_up = 0, grew = 0, shrank = 0, narrow = 0;
  for (size_t i = 0; i < n; i++) {
    for (int round = 0; round < 40; round++) {
      size_t max = round % 2 ? 64 : sizeof data;
      size_t len = in[i].len < max ? in[i].len : max;
      if (len) memcpy(data, in[i].p, len);
      for (int chain = 0; chain < 3; chain++) {
        struct gcs_program before;
        ASSERT_EQ_INT(codec_decode(data, len, &before, NULL), 0);
        uint32_t nbefore = before.nstmts;
        program_free(&before);
        uint8_t in0[2] = {len > 0 ? data[0] : 0, len > 1 ? data[1] : 0};
        size_t got = mutator_mutate(&m, data, len, max, seed++);
        if (!got) {
          gave_up++;
          break;
        }
        outputs++;
        ASSERT_TRUE(got <= max);
        /* the input's swarm masks are kept (and widened) */
        unsigned mask = len > 1 ? (unsigned)in0[0] | (unsigned)in0[1] << 8
                                : 0xffffu;
        if (len == 1) mask = in0[0] | 0xff00u;
        ASSERT_EQ_INT(((unsigned)data[0] | (unsigned)data[1] << 8) & mask,
                      mask);
        narrow += ((unsigned)data[0] | (unsigned)data[1] << 8) != 0xffffu;
        int bad = check_output(&m, data, got);
        if (bad) {
          test_fail(__FILE__, __LINE__, "input %zu round %d: check %d", i,
                    round, bad);
          mutator_free(&m);
          free_inputs(in, n);
          return;
        }
        grew += m.prog.nstmts > nbefore;
        shrank += m.prog.nstmts < nbefore;
        len = got;
      }
    }
  }
  ASSERT_TRUE(outputs > 5000);
  ASSERT_TRUE(gave_up < outputs / 10);
  ASSERT_EQ_INT(m.produced, outputs);
  ASSERT_EQ_INT(m.gave_up, gave_up);
  ASSERT_TRUE(grew > 100 && shrank > 100);
  ASSERT_TRUE(narrow > 100); /* not the encoder's all-enabled header */
  for (int k = 0; k < MUT_SPLICE; k++)
    if (m.applied[k] < 100)
      test_fail(__FILE__, __LINE__, "operation %d applied %llu times", k,
                (unsigned long long)m.applied[k]);
  ASSERT_EQ_INT(m.applied[MUT_SPLICE], 0); /* crossover only */
  mutator_free(&m);
  free_inputs(in, n);
}

/* The output is a function of the input, the seed and the size limit:
   two mutators, one of them used before, agree; other seeds differ. */
TEST(mutator_is_deterministic_for_a_seed) {
  struct gcs_buf a, b;
  buf_init(&a);
  buf_init(&b);
  ASSERT_EQ_INT(corpus_bytes("bpo38006.gcs", &a), 0);
  ASSERT_EQ_INT(corpus_bytes("clear_weakrefs_tuple_collects.gcs", &b), 0);
  struct mutator m1, m2;
  ASSERT_EQ_INT(mutator_init(&m1), 0);
  ASSERT_EQ_INT(mutator_init(&m2), 0);
  uint8_t x[256], y[256], first[256];
  size_t nfirst = 0, differ = 0;
  for (unsigned seed = 1; seed <= 300; seed++) {
    memcpy(x, b.p, b.len); /* m2 mutates something else in between */
    (void)mutator_mutate(&m2, x, b.len, sizeof x, seed * 7);
    memcpy(x, a.p, a.len);
    memcpy(y, a.p, a.len);
    size_t n1 = mutator_mutate(&m1, x, a.len, sizeof x, seed);
    size_t n2 = mutator_mutate(&m2, y, a.len, sizeof y, seed);
    ASSERT_EQ_INT(n1, n2);
    ASSERT_TRUE(memcmp(x, y, n1) == 0);
    size_t c1 = mutator_crossover(&m1, U8(a.p), a.len, U8(b.p), b.len, x, sizeof x,
                                  seed);
    size_t c2 = mutator_crossover(&m2, U8(a.p), a.len, U8(b.p), b.len, y, sizeof y,
                                  seed);
    ASSERT_EQ_INT(c1, c2);
    ASSERT_TRUE(memcmp(x, y, c1) == 0);
    if (seed == 1) {
      memcpy(first, x, c1);
      nfirst = c1;
    } else {
      differ += c1 != nfirst || memcmp(first, x, c1) != 0;
    }
  }
  ASSERT_TRUE(differ > 250);
  mutator_free(&m1);
  mutator_free(&m2);
  buf_free(&a);
  buf_free(&b);
}

/* Crossover of bpo38006 (a function, no threshold) and the ClearWeakRefs
   scenario (a threshold, no function): children hold statements of both,
   each child is valid, and an empty second parent gives up. */
TEST(mutator_crossover_splices_statements_from_both_parents) {
  struct gcs_buf a, b;
  buf_init(&a);
  buf_init(&b);
  ASSERT_EQ_INT(corpus_bytes("bpo38006.gcs", &a), 0);
  ASSERT_EQ_INT(corpus_bytes("clear_weakrefs_tuple_collects.gcs", &b), 0);
  struct mutator m;
  ASSERT_EQ_INT(mutator_init(&m), 0);
  uint8_t out[512];
  size_t children = 0, both = 0;
  for (unsigned seed = 1; seed <= 1000; seed++) {
    size_t n = mutator_crossover(&m, U8(a.p), a.len, U8(b.p), b.len, out, sizeof out,
                                 seed);
    if (!n) continue;
    children++;
    ASSERT_EQ_INT(check_output(&m, out, n), 0);
    int fn = 0, thr = 0;
    for (uint32_t i = 0; i < m.prog.nstmts; i++) {
      const struct gcs_stmt *st = &m.prog.stmts[i];
      fn |= st->op == GCS_NEW && st->kind == GCS_FUNCTION;
      thr |= st->op == GCS_THRESHOLD;
    }
    both += fn && thr;
  }
  ASSERT_TRUE(children > 900);
  ASSERT_TRUE(both > children / 5);
  ASSERT_EQ_INT(m.applied[MUT_SPLICE], children);
  ASSERT_EQ_INT(mutator_crossover(&m, U8(a.p), a.len, NULL, 0, out, sizeof out, 1),
                0);
  mutator_free(&m);
  buf_free(&a);
  buf_free(&b);
}
