/*
** test_explore.c — gcsim explore and diff (explore.h): the bounds, what
** a search finds and at which size, that merging states loses nothing,
** and that the certificate does not depend on threads or shards.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcsim/explore.h"
#include "gcsim/minimize.h"
#include "gcsim/scenario.h"
#include "gcsim/sim.h"
#include "test.h"

static int set(struct explore_bounds *b, const char *name, const char *v) {
  char err[300];
  return explore_bounds_set(b, name, v, err, sizeof err);
}

/* objects=2 weakrefs=1 links=LINKS slots=3 of three kinds: small enough
   to run unmerged (and in the sanitizer build) */
static void small(struct explore_bounds *b, const char *links) {
  explore_bounds_default(b);
  set(b, "objects", "2");
  set(b, "weakrefs", "1");
  set(b, "links", links);
  set(b, "slots", "3");
  set(b, "kinds", "object,function,leaf");
}

static int config(struct explore_config *c, const char *p0, const char *p1) {
  char err[300];
  memset(c, 0, sizeof *c);
  c->nthreads = 1;
  c->diff = p1 != NULL;
  if (policy_parse(p0, &c->pol[0], err, sizeof err)) return -1;
  snprintf(c->policy_text[0], sizeof c->policy_text[0], "%s", p0);
  if (p1) {
    if (policy_parse(p1, &c->pol[1], err, sizeof err)) return -1;
    snprintf(c->policy_text[1], sizeof c->policy_text[1], "%s", p1);
  }
  return 0;
}

static int run(const struct explore_config *c, const struct explore_bounds *b,
               uint32_t shard_i, uint32_t shard_n, struct explore_result *r) {
  struct explore_space *sp = explore_space_make(b);
  if (!sp) return -1;
  int rc = explore_run(c, sp, shard_i, shard_n, 0, r);
  explore_space_free(sp);
  return rc;
}

static const struct explore_group *group(const struct explore_result *r,
                                         const char *key) {
  for (size_t i = 0; i < r->ng; i++)
    if (!strcmp(r->g[i].key, key)) return &r->g[i];
  return NULL;
}

TEST(bounds_absurd_or_contradictory_are_refused) {
  struct explore_bounds b;
  char err[300];
  explore_bounds_default(&b);
  ASSERT_EQ_INT(explore_bounds_check(&b, err, sizeof err), 0);
  ASSERT_TRUE(set(&b, "objects", "7") != 0); /* over EX_MAX_OBJECTS */
  ASSERT_TRUE(set(&b, "objects", "-1") != 0);
  ASSERT_TRUE(set(&b, "kinds", "object,tuple") != 0);
  ASSERT_TRUE(set(&b, "acts", "touch,explode") != 0);
  ASSERT_TRUE(set(&b, "nonsense", "1") != 0);
  explore_bounds_default(&b);
  set(&b, "objects", "0");
  ASSERT_TRUE(explore_bounds_check(&b, err, sizeof err) != 0);
  explore_bounds_default(&b);
  set(&b, "slots", "0"); /* links 3 but no slot for them */
  ASSERT_TRUE(explore_bounds_check(&b, err, sizeof err) != 0);
  ASSERT_TRUE(strstr(err, "--slots") != NULL);
  explore_bounds_default(&b);
  set(&b, "gens", "none");
  ASSERT_TRUE(explore_bounds_check(&b, err, sizeof err) != 0);
  explore_bounds_default(&b);
  set(&b, "actions", "1");
  set(&b, "acts", "none");
  ASSERT_TRUE(explore_bounds_check(&b, err, sizeof err) != 0);
  explore_bounds_default(&b);
  set(&b, "kinds", "leaf"); /* links, and nothing can hold a reference */
  ASSERT_TRUE(explore_bounds_check(&b, err, sizeof err) != 0);
}

/* The state digest: what a run depends on, not how the program got there. */
static void digest_of(const char *text, uint64_t d[2]) {
  struct gcs_program p;
  char err[300];
  d[0] = d[1] = 0;
  if (scenario_parse(text, strlen(text), "t.gcs", &p, err, sizeof err)) return;
  struct sim_options opt;
  memset(&opt, 0, sizeof opt);
  policy_parse("cpython-3.13", &opt.policy, err, sizeof err);
  opt.no_fingerprint = 1;
  struct sim *s = sim_create(&opt);
  if (s) {
    sim_run(s, &p);
    sim_state_digest(s, d);
    sim_destroy(s);
  }
  program_free(&p);
}

TEST(state_digest_merges_commuting_statements_only) {
  uint64_t x[2], y[2], z[2], u[2];
  digest_of("new a object\nnew b object\nnew c object\nlink a b\nlink c a\n", x);
  digest_of("new a object\nnew b object\nnew c object\nlink c a\nlink a b\n", y);
  digest_of("new a object\nnew b object\nnew c object\nlink a c\nlink c a\n", z);
  digest_of("new a object\nnew b object\nnew c object\nlink a b\nlink c a\n"
            "collect 2\n", u);
  ASSERT_TRUE(x[0] || x[1]);
  ASSERT_EQ_U64(x[0], y[0]);
  ASSERT_EQ_U64(x[1], y[1]);
  ASSERT_TRUE(x[0] != z[0]);  /* another graph */
  ASSERT_TRUE(x[0] != u[0]);  /* a collection moved everything to gen 2 */
}

/* bpo-38006 under the release that crashed, at its smallest size, and
   clean under the fix. */
TEST(finds_bpo38006_at_its_smallest_size) {
  struct explore_bounds b;
  small(&b, "3");
  struct explore_config c;
  ASSERT_EQ_INT(config(&c, "cpython-3.8b4", NULL), 0);
  struct explore_result r;
  ASSERT_EQ_INT(run(&c, &b, 0, 1, &r), 0);
  const struct explore_group *g =
      group(&r, "call-after-clear/function/weakref/delete_garbage");
  ASSERT_TRUE(g != NULL);
  ASSERT_EQ_INT(g->nstmts, 6);
  /* the representative shows the same violation when run on its own */
  struct gcs_program p;
  char err[300];
  ASSERT_EQ_INT(scenario_parse(g->text, strlen(g->text), "rep.gcs", &p, err,
                               sizeof err),
                0);
  ASSERT_EQ_INT(p.nstmts, 6);
  struct mz_outcome out;
  ASSERT_EQ_INT(mz_run(&p, &c.pol[0], &out), 0);
  ASSERT_EQ_INT(out.status, SIM_VIOLATION);
  char roles[MZ_ROLES_LEN];
  mz_roles(&out.v, roles, sizeof roles);
  ASSERT_TRUE(!strcmp(roles, g->key));
  /* the fix (3.8.0b5 on) */
  struct policy fixed;
  ASSERT_EQ_INT(policy_parse("cpython-3.8", &fixed, err, sizeof err), 0);
  ASSERT_EQ_INT(mz_run(&p, &fixed, &out), 0);
  ASSERT_TRUE(out.status != SIM_VIOLATION ||
              out.v.kind != SV_CALL_AFTER_CLEAR);
  program_free(&p);
  explore_result_free(&r);
  struct explore_config c38;
  ASSERT_EQ_INT(config(&c38, "cpython-3.8", NULL), 0);
  ASSERT_EQ_INT(run(&c38, &b, 0, 1, &r), 0);
  ASSERT_TRUE(group(&r, "call-after-clear/function/weakref/delete_garbage") ==
              NULL);
  ASSERT_TRUE(r.programs > 10000);
  explore_result_free(&r);
}

/* Merging states is exact: the same groups, with the same smallest
   programs, as running every program of the shape. */
static void same_findings(const struct explore_result *a,
                          const struct explore_result *b) {
  if (a->ng != b->ng)
    test_fail(__FILE__, __LINE__, "%zu groups merged, %zu unmerged", a->ng,
              b->ng);
  for (size_t i = 0; i < a->ng; i++) {
    const struct explore_group *g = group(b, a->g[i].key);
    if (!g) {
      test_fail(__FILE__, __LINE__, "group %s only when merged", a->g[i].key);
      continue;
    }
    if (g->nstmts != a->g[i].nstmts || strcmp(g->text, a->g[i].text))
      test_fail(__FILE__, __LINE__, "group %s: another representative",
                g->key);
  }
}

TEST(merging_states_loses_no_finding) {
  struct explore_bounds b;
  small(&b, "2");
  set(&b, "slots", "2");
  set(&b, "kinds", "function,leaf,noclear");
  set(&b, "actions", "1");
  set(&b, "acts", "touch,keep");
  set(&b, "roots", "self,arg");
  set(&b, "path-steps", "0");
  struct explore_config c;
  ASSERT_EQ_INT(config(&c, "cpython-3.8b4", NULL), 0);
  struct explore_result merged, all;
  ASSERT_EQ_INT(run(&c, &b, 0, 1, &merged), 0);
  c.no_merge = 1;
  ASSERT_EQ_INT(run(&c, &b, 0, 1, &all), 0);
  ASSERT_TRUE(merged.ng >= 2);
  ASSERT_TRUE(merged.programs < all.programs); /* merging did work */
  same_findings(&merged, &all);
  explore_result_free(&merged);
  explore_result_free(&all);
}

TEST(merging_states_loses_no_difference) {
  struct explore_bounds b;
  small(&b, "2");
  set(&b, "collects", "1");
  set(&b, "gens", "0,2");
  struct explore_config c;
  ASSERT_EQ_INT(config(&c, "cpython-3.13", "cpython-3.15"), 0);
  struct explore_result merged, all;
  ASSERT_EQ_INT(run(&c, &b, 0, 1, &merged), 0);
  c.no_merge = 1;
  ASSERT_EQ_INT(run(&c, &b, 0, 1, &all), 0);
  ASSERT_TRUE(merged.ng >= 1);
  ASSERT_TRUE(merged.programs < all.programs);
  same_findings(&merged, &all);
  explore_result_free(&merged);
  explore_result_free(&all);
}

/* GH-136189: 3.15 clears weakrefs without callbacks after the finalizers. */
TEST(diff_shows_late_weakref_clearing_and_nothing_against_itself) {
  struct explore_bounds b;
  small(&b, "2");
  struct explore_config c;
  ASSERT_EQ_INT(config(&c, "cpython-3.13", "cpython-3.15"), 0);
  struct explore_result r;
  ASSERT_EQ_INT(run(&c, &b, 0, 1, &r), 0);
  int late = 0;
  for (size_t i = 0; i < r.ng; i++)
    if (strstr(r.g[i].key, "weakref_cleared") && strstr(r.g[i].text, " fin"))
      late = 1;
  ASSERT_TRUE(late);
  explore_result_free(&r);
  ASSERT_EQ_INT(config(&c, "cpython-3.13", "cpython-3.13"), 0);
  ASSERT_EQ_INT(run(&c, &b, 0, 1, &r), 0);
  ASSERT_EQ_INT(r.ng, 0);
  ASSERT_TRUE(r.programs > 1000);
  explore_result_free(&r);
}

static void cert_of(const struct explore_config *c,
                    const struct explore_bounds *b, uint32_t i, uint32_t n,
                    char *out, size_t len) {
  struct explore_result r;
  out[0] = '\0';
  if (run(c, b, i, n, &r)) return;
  explore_cert(c, b, i, n, &r, out, len);
  explore_result_free(&r);
}

TEST(certificate_is_the_same_for_threads_and_shards) {
  struct explore_bounds b;
  small(&b, "2");
  struct explore_config c;
  ASSERT_EQ_INT(config(&c, "cpython-3.8b4", NULL), 0);
  static char one[8192], two[8192], s[3][8192], all[8192];
  cert_of(&c, &b, 0, 1, one, sizeof one);
  c.nthreads = 2;
  cert_of(&c, &b, 0, 1, two, sizeof two);
  ASSERT_TRUE(strstr(one, "fingerprint: ") != NULL);
  ASSERT_TRUE(!strcmp(one, two));
  for (uint32_t i = 0; i < 3; i++) cert_of(&c, &b, i, 3, s[i], sizeof s[i]);
  ASSERT_TRUE(strcmp(s[0], one) != 0); /* a shard is a part */
  const char *texts[3] = {s[2], s[0], s[1]}; /* any order */
  const char *names[3] = {"s2", "s0", "s1"};
  char err[300];
  ASSERT_EQ_INT(explore_cert_combine(texts, names, 3, all, sizeof all, err,
                                     sizeof err),
                0);
  ASSERT_TRUE(!strcmp(all, one));
  /* a shard missing, or given twice */
  ASSERT_TRUE(explore_cert_combine(texts, names, 2, all, sizeof all, err,
                                   sizeof err) != 0);
  ASSERT_TRUE(strstr(err, "missing") != NULL);
  const char *twice[3] = {s[0], s[0], s[1]};
  ASSERT_TRUE(explore_cert_combine(twice, names, 3, all, sizeof all, err,
                                   sizeof err) != 0);
  ASSERT_TRUE(strstr(err, "twice") != NULL);
  /* another exploration */
  struct explore_bounds b2 = b;
  set(&b2, "links", "1");
  cert_of(&c, &b2, 1, 3, s[1], sizeof s[1]);
  ASSERT_TRUE(explore_cert_combine(texts, names, 3, all, sizeof all, err,
                                   sizeof err) != 0);
}

/* Scripts chosen as they run find what enumerating their text finds: the
   same groups, at the same smallest sizes, running fewer programs. */
static void same_groups_and_sizes(const struct explore_result *a,
                                  const struct explore_result *b) {
  if (a->ng != b->ng)
    test_fail(__FILE__, __LINE__, "%zu groups against %zu", a->ng, b->ng);
  for (size_t i = 0; i < a->ng; i++) {
    const struct explore_group *g = group(b, a->g[i].key);
    if (!g)
      test_fail(__FILE__, __LINE__, "group %s in one search only",
                a->g[i].key);
    else if (g->nstmts != a->g[i].nstmts)
      test_fail(__FILE__, __LINE__, "group %s: %u statements against %u",
                g->key, a->g[i].nstmts, g->nstmts);
  }
}

/* Explore b under policy with scripts chosen as they run and as text:
   the same groups at the same sizes, fewer programs (at most 1/factor),
   classes split where a script ran again (when need_splits), and each
   representative shows its group when run on its own. */
static void run_against_text(const struct explore_bounds *b,
                             const char *policy, uint64_t factor,
                             int need_splits) {
  struct explore_config c;
  struct explore_result lazy, text;
  if (config(&c, policy, NULL) || run(&c, b, 0, 1, &lazy)) {
    test_fail(__FILE__, __LINE__, "%s: the search failed", policy);
    return;
  }
  c.static_scripts = 1;
  if (run(&c, b, 0, 1, &text)) {
    test_fail(__FILE__, __LINE__, "%s: the text search failed", policy);
    explore_result_free(&lazy);
    return;
  }
  if (lazy.programs * factor >= text.programs)
    test_fail(__FILE__, __LINE__, "%llu programs as they run, %llu as text",
              (unsigned long long)lazy.programs,
              (unsigned long long)text.programs);
  if (need_splits && !lazy.splits)
    test_fail(__FILE__, __LINE__, "no script ran again: nothing split");
  same_groups_and_sizes(&lazy, &text);
  for (size_t i = 0; i < lazy.ng; i++) {
    struct gcs_program p;
    struct mz_outcome out;
    char err[300], roles[MZ_ROLES_LEN] = "";
    const struct explore_group *g = &lazy.g[i];
    if (scenario_parse(g->text, strlen(g->text), "rep.gcs", &p, err,
                       sizeof err)) {
      test_fail(__FILE__, __LINE__, "%s: %s", g->key, err);
      continue;
    }
    if (p.nstmts != g->nstmts || mz_run(&p, &c.pol[0], &out))
      test_fail(__FILE__, __LINE__, "%s: not %u statements", g->key,
                g->nstmts);
    else if (out.status == SIM_VIOLATION)
      mz_roles(&out.v, roles, sizeof roles);
    if (strcmp(roles, g->key))
      test_fail(__FILE__, __LINE__, "%s: the program shows '%s'", g->key,
                roles);
    program_free(&p);
  }
  explore_result_free(&lazy);
  explore_result_free(&text);
}

TEST(scripts_chosen_as_they_run_lose_nothing) {
  struct explore_bounds b;
  explore_bounds_default(&b);
  set(&b, "objects", "2");
  set(&b, "weakrefs", "1");
  set(&b, "links", "2");
  set(&b, "slots", "2");
  set(&b, "kinds", "function,leaf");
  set(&b, "actions", "1");
  set(&b, "acts", "touch,keep,drop");
  set(&b, "roots", "self,arg");
  run_against_text(&b, "cpython-3.8b4", 2, 0);
}

/* A script chosen as it runs that runs twice, differently: the callback of
   two weakrefs, whose classes are split. */
TEST(a_script_that_runs_twice_is_split_where_its_entries_differ) {
  struct explore_bounds b;
  explore_bounds_default(&b);
  set(&b, "objects", "2");
  set(&b, "weakrefs", "2");
  set(&b, "links", "1");
  set(&b, "slots", "1");
  set(&b, "kinds", "object,leaf");
  set(&b, "flags", "none");
  set(&b, "actions", "1");
  set(&b, "acts", "touch,keep");
  set(&b, "roots", "self,arg");
  run_against_text(&b, "cpython-3.13", 1, 1);
}
