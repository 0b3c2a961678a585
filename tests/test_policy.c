/*
** test_policy.c — presets, knob overrides and errors (policy.h).
*/
#include <stdio.h>
#include <string.h>

#include "gcsim/policy.h"
#include "simrun.h"
#include "test.h"

static const struct policy *preset_named(const char *name) {
  for (size_t i = 0; i < policy_preset_count(); i++)
    if (strcmp(policy_preset(i)->name, name) == 0) return policy_preset(i);
  return NULL;
}

/* Field-by-field equality of two policies: "" or the first field that
   differs. */
static const char *policy_diff(const struct policy *a, const struct policy *b) {
  if (strcmp(a->name, b->name)) return "name";
  if (a->weakrefs != b->weakrefs) return "weakrefs";
  if (a->resurrection != b->resurrection) return "resurrection";
  if (a->function_clear != b->function_clear) return "function_clear";
  if (a->trigger != b->trigger) return "trigger";
  if (a->count != b->count) return "count";
  for (int i = 0; i < 3; i++)
    if (a->threshold[i] != b->threshold[i]) return "threshold";
  if (a->long_lived_rule != b->long_lived_rule) return "long_lived_rule";
  if (a->trashcan_limit != b->trashcan_limit) return "trashcan_limit";
  if (a->trashcan_resume != b->trashcan_resume) return "trashcan_resume";
  if (a->weakref_tuple != b->weakref_tuple) return "weakref_tuple";
  if (a->finalized_flag != b->finalized_flag) return "finalized_flag";
  if (a->callback_tuple != b->callback_tuple) return "callback_tuple";
  if (a->tuple_free_max != b->tuple_free_max) return "tuple_free_max";
  if (a->collector != b->collector) return "collector";
  if (a->count_on != b->count_on) return "count_on";
  if (a->tuple_pop_max != b->tuple_pop_max) return "tuple_pop_max";
  if (a->increment_horizon != b->increment_horizon)
    return "increment_horizon";
  return "";
}

TEST(design_presets_exist) {
  static const char *const names[] = {"cpython-3.7", "cpython-3.8b4",
                                      "cpython-3.8", "cpython-3.9",
                                      "cpython-3.11", "cpython-3.12",
                                      "cpython-main"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    if (!preset_named(names[i])) {
      test_fail(__FILE__, __LINE__, "preset %s is missing", names[i]);
      return;
    }
  }
  ASSERT_TRUE(policy_preset(policy_preset_count()) == NULL);
  ASSERT_TRUE(policy_preset_summary(policy_preset_count()) == NULL);
}

TEST(every_preset_parses_to_itself) {
  ASSERT_TRUE(policy_preset_count() >= 7);
  for (size_t i = 0; i < policy_preset_count(); i++) {
    const struct policy *p = policy_preset(i);
    struct policy out;
    char err[256] = "";
    ASSERT_EQ_INT(policy_parse(p->name, &out, err, sizeof err), 0);
    ASSERT_EQ_STR(policy_diff(&out, p), "");
    ASSERT_TRUE(policy_preset_summary(i) != NULL && policy_preset_summary(i)[0]);
    for (size_t j = 0; j < i; j++) /* names are unique */
      ASSERT_TRUE(strcmp(policy_preset(j)->name, p->name) != 0);
  }
}

TEST(every_preset_runs_a_scenario) {
  for (size_t i = 0; i < policy_preset_count(); i++) {
    struct run r;
    ASSERT_EQ_INT(run_text(&r, "new a object\nlink a a\ndel a\ncollect 2\n",
                           policy_preset(i)->name, 0),
                  0);
    ASSERT_EQ_STR(run_outcome(&r), "clean");
    ASSERT_EQ_STR(run_trace(&r, 4, "gc_end"), "gc_end 2 1 0");
    run_free(&r);
  }
}

/* The design.md table, knob by knob. */
TEST(presets_match_design_table) {
  const struct policy *p37 = preset_named("cpython-3.7"),
                      *p38b4 = preset_named("cpython-3.8b4"),
                      *p38 = preset_named("cpython-3.8"),
                      *p39 = preset_named("cpython-3.9"),
                      *p311 = preset_named("cpython-3.11"),
                      *p312 = preset_named("cpython-3.12"),
                      *pmain = preset_named("cpython-main");
  ASSERT_TRUE(p37 && p38b4 && p38 && p39 && p311 && p312 && pmain);
  ASSERT_EQ_INT(p37->weakrefs, PW_PREFIX);
  ASSERT_EQ_INT(p37->function_clear, PF_NONE);
  ASSERT_EQ_INT(p37->resurrection, PR_ALL_OR_NOTHING);
  ASSERT_EQ_INT(p38b4->weakrefs, PW_PREFIX);
  ASSERT_EQ_INT(p38b4->function_clear, PF_UNCALLABLE);
  ASSERT_EQ_INT(p38->weakrefs, PW_FIX);
  ASSERT_EQ_INT(p38->resurrection, PR_ALL_OR_NOTHING);
  ASSERT_EQ_INT(p39->resurrection, PR_PER_OBJECT);
  ASSERT_EQ_INT(p39->function_clear, PF_UNCALLABLE);
  ASSERT_EQ_INT(p311->function_clear, PF_CONSISTENT);
  ASSERT_EQ_INT(p311->trigger, PT_ALLOC);
  ASSERT_EQ_INT(p312->trigger, PT_EVAL_BREAKER);
  ASSERT_EQ_INT(p312->threshold[0], 700);
  ASSERT_EQ_INT(pmain->weakrefs, PW_LATE);
  ASSERT_EQ_INT(pmain->resurrection, PR_PER_OBJECT);
  const struct policy *p313 = preset_named("cpython-3.13");
  if (p313) ASSERT_EQ_INT(p313->threshold[0], 2000);
  /* 3.11 keeps 20-tuples on a free list */
  ASSERT_EQ_INT(p39->tuple_free_max, 19);
  ASSERT_EQ_INT(p311->tuple_free_max, 20);
  ASSERT_EQ_INT(pmain->tuple_free_max, 20);
  /* only 3.6 and 3.7 call a callback without vectorcall */
  for (size_t i = 0; i < policy_preset_count(); i++) {
    const char *n = policy_preset(i)->name;
    ASSERT_EQ_INT(policy_preset(i)->callback_tuple,
                  !strcmp(n, "cpython-3.6") || !strcmp(n, "cpython-3.7"));
  }
  /* 3.14.2 and 3.15.0rc1, measured under pyodide: gc.get_threshold() is
     (2000, 10, 0) and (2000, 10, 10); 3.14's automatic collections are
     increments (generation 1); an untracked tuple is counted by 3.15, not
     by 3.14; 3.15 clears callback-less weakrefs after the finalizers */
  const struct policy *p314 = preset_named("cpython-3.14"),
                      *p315 = preset_named("cpython-3.15");
  ASSERT_TRUE(p314 && p315);
  ASSERT_EQ_INT(p314->threshold[0], 2000);
  ASSERT_EQ_INT(p314->threshold[2], 0);
  ASSERT_EQ_INT(p314->collector, PG_INCREMENTAL);
  ASSERT_EQ_INT(p314->count_on, PN_TRACK);
  ASSERT_EQ_INT(p314->weakrefs, PW_FIX);
  ASSERT_EQ_INT(p315->threshold[0], 2000);
  ASSERT_EQ_INT(p315->collector, PG_GENERATIONAL);
  ASSERT_EQ_INT(p315->count_on, PN_ALLOC);
  ASSERT_EQ_INT(p315->weakrefs, PW_LATE);
  /* tuple_alloc takes sizes 1-20 off the free lists from 3.14 */
  ASSERT_EQ_INT(p313 ? p313->tuple_pop_max : 19, 19);
  ASSERT_EQ_INT(p314->tuple_pop_max, 20);
  ASSERT_EQ_INT(p315->tuple_pop_max, 20);
  /* main follows 3.15 until a later change is shown */
  struct policy main_as_315 = *pmain;
  memcpy(main_as_315.name, p315->name, sizeof main_as_315.name);
  ASSERT_EQ_STR(policy_diff(&main_as_315, p315), "");
  for (size_t i = 0; i < policy_preset_count(); i++) {
    ASSERT_EQ_INT(policy_preset(i)->threshold[1], 10);
    ASSERT_EQ_INT(policy_preset(i)->threshold[2],
                  policy_preset(i) == p314 ? 0 : 10);
    ASSERT_EQ_INT(policy_preset(i)->finalized_flag, 1);
  }
}

TEST(overrides_change_only_their_knobs) {
  struct policy out;
  char err[256] = "";
  ASSERT_EQ_INT(policy_parse("cpython-3.9,threshold0=5,weakrefs=late,"
                             "finalized_flag=0,trashcan_limit=0",
                             &out, err, sizeof err),
                0);
  ASSERT_EQ_STR(err, "");
  struct policy want = *preset_named("cpython-3.9");
  ASSERT_EQ_INT(out.threshold[0], 5);
  ASSERT_EQ_INT(out.weakrefs, PW_LATE);
  ASSERT_EQ_INT(out.finalized_flag, 0);
  ASSERT_EQ_INT(out.trashcan_limit, 0);
  want.threshold[0] = 5;
  want.weakrefs = PW_LATE;
  want.finalized_flag = 0;
  want.trashcan_limit = 0;
  ASSERT_EQ_STR(policy_diff(&out, &want), "");
}

TEST(later_override_wins) {
  struct policy out;
  char err[256];
  ASSERT_EQ_INT(policy_parse("cpython-3.7,threshold0=1,threshold0=9", &out,
                             err, sizeof err),
                0);
  ASSERT_EQ_INT(out.threshold[0], 9);
}

TEST(set_knob_every_enum_value) {
  struct policy p = *preset_named("cpython-3.7");
  char err[256];
  ASSERT_EQ_INT(policy_set_knob(&p, "weakrefs=fix", err, sizeof err), 0);
  ASSERT_EQ_INT(p.weakrefs, PW_FIX);
  ASSERT_EQ_INT(policy_set_knob(&p, "resurrection=per-object", err, sizeof err), 0);
  ASSERT_EQ_INT(p.resurrection, PR_PER_OBJECT);
  ASSERT_EQ_INT(policy_set_knob(&p, "function_clear=consistent", err, sizeof err), 0);
  ASSERT_EQ_INT(p.function_clear, PF_CONSISTENT);
  ASSERT_EQ_INT(policy_set_knob(&p, "trigger=eval-breaker", err, sizeof err), 0);
  ASSERT_EQ_INT(p.trigger, PT_EVAL_BREAKER);
  ASSERT_EQ_INT(policy_set_knob(&p, "count=before-resurrection", err, sizeof err), 0);
  ASSERT_EQ_INT(p.count, PC_BEFORE_RESURRECTION);
  ASSERT_EQ_INT(policy_set_knob(&p, "threshold2=123456", err, sizeof err), 0);
  ASSERT_EQ_INT(p.threshold[2], 123456);
  ASSERT_EQ_INT(p.threshold[1], 10); /* its neighbours untouched */
  ASSERT_EQ_INT(p.threshold[0], 700);
}

TEST(override_takes_effect_in_a_run) {
  /* threshold0=2: the third gc allocation collects generation 0 */
  struct run r;
  ASSERT_EQ_INT(run_text(&r, "new a object\nnew b object\nnew c object\n",
                         "cpython-3.9,threshold0=2", 0),
                0);
  ASSERT_EQ_STR(run_trace(&r, 0, "gc_start"), "gc_start 0");
  ASSERT_EQ_INT(r.stats.collections, 1);
  run_free(&r);
  ASSERT_EQ_INT(run_text(&r, "new a object\nnew b object\nnew c object\n",
                         "cpython-3.9", 0),
                0);
  ASSERT_EQ_STR(run_trace(&r, 0, "gc_start"), "");
  run_free(&r);
}

TEST(error_unknown_preset) {
  struct policy out;
  char err[256] = "";
  ASSERT_EQ_INT(policy_parse("cpython-4.0", &out, err, sizeof err), -1);
  ASSERT_CONTAINS(err, "unknown policy 'cpython-4.0'");
  ASSERT_CONTAINS(err, "cpython-3.9"); /* the message lists the presets */
  ASSERT_EQ_INT(policy_parse("", &out, err, sizeof err), -1);
  ASSERT_EQ_INT(policy_parse("threshold0=5", &out, err, sizeof err), -1);
}

TEST(error_unknown_knob) {
  struct policy out;
  char err[256] = "";
  ASSERT_EQ_INT(policy_parse("cpython-3.9,bogus=1", &out, err, sizeof err), -1);
  ASSERT_CONTAINS(err, "unknown knob 'bogus'");
}

TEST(error_bad_knob_values) {
  struct policy out;
  char err[256] = "";
  ASSERT_EQ_INT(policy_parse("cpython-3.9,weakrefs=sideways", &out, err, sizeof err), -1);
  ASSERT_CONTAINS(err, "weakrefs");
  ASSERT_CONTAINS(err, "sideways");
  ASSERT_EQ_INT(policy_parse("cpython-3.9,threshold0=-1", &out, err, sizeof err), -1);
  ASSERT_CONTAINS(err, "threshold0");
  ASSERT_EQ_INT(policy_parse("cpython-3.9,threshold0=12x", &out, err, sizeof err), -1);
  ASSERT_EQ_INT(policy_parse("cpython-3.9,threshold0=", &out, err, sizeof err), -1);
  ASSERT_EQ_INT(policy_parse("cpython-3.9,threshold0", &out, err, sizeof err), -1);
  ASSERT_CONTAINS(err, "knob=value");
}

/* The fuzz decoder asks with no message buffer: the same verdicts, and
   nothing written anywhere (ASan would see a write through NULL). */
TEST(parse_without_a_message_buffer) {
  static const char *specs[] = {
      "cpython-3.9",          "cpython-3.8b4,threshold0=5", "cpython-4.0",
      "cpython-3.9,bogus=1",  "cpython-3.9,weakrefs=x",     "cpython-3.9,t",
      "cpython-3.9,threshold0=-1", ""};
  for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
    struct policy a, b;
    char err[256];
    int want = policy_parse(specs[i], &a, err, sizeof err);
    ASSERT_EQ_INT(policy_parse(specs[i], &b, NULL, 0), want);
    if (want == 0) ASSERT_EQ_STR(policy_diff(&a, &b), "");
  }
}

TEST(error_in_run_helper_names_the_policy) {
  struct run r;
  ASSERT_EQ_INT(run_text(&r, "new a object\n", "cpython-3.9,nope=1", 0), -1);
  ASSERT_CONTAINS(run_outcome(&r), "unknown knob 'nope'");
  run_free(&r);
}

TEST(describe_lists_every_knob) {
  struct policy p;
  char err[256];
  ASSERT_EQ_INT(policy_parse("cpython-main,threshold1=77", &p, err, sizeof err), 0);
  char buf[4096];
  size_t need = policy_describe(&p, buf, sizeof buf);
  ASSERT_TRUE(need > 0 && need < sizeof buf);
  ASSERT_EQ_INT(strlen(buf), need);
  static const char *const knobs[] = {
      "weakrefs",        "resurrection",   "function_clear", "trigger",
      "count",           "threshold0",     "threshold1",     "threshold2",
      "long_lived_rule", "trashcan_limit", "trashcan_resume", "weakref_tuple",
      "finalized_flag",  "callback_tuple",  "tuple_free_max"};
  for (size_t i = 0; i < sizeof knobs / sizeof knobs[0]; i++)
    ASSERT_CONTAINS(buf, knobs[i]);
  ASSERT_CONTAINS(buf, "late");
  ASSERT_CONTAINS(buf, "77");
  /* a short buffer: truncated, NUL-terminated, same length reported */
  char small[16];
  memset(small, 'z', sizeof small);
  ASSERT_EQ_INT(policy_describe(&p, small, sizeof small), need);
  ASSERT_EQ_INT(strlen(small), sizeof small - 1);
}

TEST(scenario_policy_line_is_used_and_overridden) {
  /* under the scenario's cpython-3.8b4 the bpo-38006 graph crashes; a
     command-line policy overrides it */
  const char *t =
      "policy cpython-3.8b4\nnew c function\nnew a object\nnew y opaque\n"
      "new z object\nlink a a\nlink a y\nlink y z\nweakref wz z c\n"
      "link a wz\ndel wz\ndel z\ndel y\ndel c\ndel a\ncollect 2\n";
  struct run r;
  ASSERT_EQ_INT(run_text(&r, t, NULL, 0), 0);
  ASSERT_EQ_STR(run_outcome(&r), "violation call-after-clear c @16");
  run_free(&r);
  ASSERT_EQ_INT(run_text(&r, t, "cpython-3.8", 0), 0);
  ASSERT_EQ_STR(run_outcome(&r), "clean");
  run_free(&r);
}
