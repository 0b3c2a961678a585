/*
** test_audit.c — the bookkeeping audit (check.c's walker, sim_audit modes
** of sim.h) finds a model whose state was corrupted by hand: white-box, so
** it includes the model's private header.
*/
#define GCSIM_SIM_INTERNAL
#include <string.h>

#include "gcsim/policy.h"
#include "gcsim/scenario.h"
#include "gcsim/sim.h"
#include "sim_int.h"
#include "test.h"

static const char text[] = "new a object\nnew b object\nlink a b\n"
                           "weakref w b\ndel b\ncollect 2\n";

/* A model that ran text cleanly under audit mode; the caller destroys it. */
static struct sim *ran(enum sim_audit audit, struct gcs_program *p) {
  char err[256];
  if (scenario_parse(text, sizeof text - 1, "t.gcs", p, err, sizeof err))
    return NULL;
  struct sim_options opt;
  memset(&opt, 0, sizeof opt);
  if (policy_parse("cpython-3.13", &opt.policy, err, sizeof err)) return NULL;
  opt.audit = audit;
  struct sim *s = sim_create(&opt);
  if (s && sim_run(s, p) != SIM_OK) {
    sim_destroy(s);
    return NULL;
  }
  return s;
}

/* b's refcount one too many: the references held say otherwise */
TEST(audit_finds_a_corrupted_refcount) {
  struct gcs_program p;
  struct sim *s = ran(SIM_AUDIT_EVERY, &p);
  ASSERT_TRUE(s != NULL);
  ASSERT_EQ_INT(sim_check(s), SIM_OK);
  oid b = SIM_FIRST_OBJ + 1; /* objects are numbered in creation order */
  ASSERT_TRUE(s->o[b].alive);
  s->o[b].rc++;
  ASSERT_EQ_INT(sim_check(s), SIM_INTERNAL);
  ASSERT_TRUE(strstr(sim_internal_error(s), "refcount") != NULL);
  sim_destroy(s);
  program_free(&p);
}

/* a weakref whose referent lost its back-link */
TEST(audit_finds_a_broken_weakref_back_link) {
  struct gcs_program p;
  struct sim *s = ran(SIM_AUDIT_EVERY, &p);
  ASSERT_TRUE(s != NULL);
  oid b = SIM_FIRST_OBJ + 1;
  ASSERT_TRUE(s->o[b].alive && heap_nwl(s, b) == 1);
  s->ext[s->o[b].ext].nwl = 0; /* b's weakref list, in its side record */
  ASSERT_EQ_INT(sim_check(s), SIM_INTERNAL);
  ASSERT_TRUE(strstr(sim_internal_error(s), "back-link") != NULL);
  sim_destroy(s);
  program_free(&p);
}

/* The scaled mode audits at the end of a run: a corruption made before
   the last statement is found by sim_run itself. */
TEST(scaled_audit_runs_at_the_end) {
  static const char two[] = "new a object\nnew b object\n";
  char err[256];
  struct gcs_program p;
  ASSERT_EQ_INT(scenario_parse(two, sizeof two - 1, "t.gcs", &p, err,
                               sizeof err), 0);
  struct sim_options opt;
  memset(&opt, 0, sizeof opt);
  ASSERT_EQ_INT(policy_parse("cpython-3.13", &opt.policy, err, sizeof err), 0);
  for (int audit = SIM_AUDIT_NONE; audit <= SIM_AUDIT_SCALED; audit++) {
    opt.audit = (enum sim_audit)audit;
    struct sim *s = sim_create(&opt);
    ASSERT_TRUE(s != NULL);
    ASSERT_EQ_INT(sim_step(s, &p, 0), SIM_OK);
    s->o[s->names[0]].rc += 2; /* a's refcount corrupted after step 1 */
    /* step 2 then the end: every mode but NONE finds it */
    struct gcs_program rest = p;
    enum sim_status st = sim_step(s, &p, 1);
    if (st == SIM_OK) {
      rest.nstmts = 0; /* no statement left: sim_run only audits */
      st = sim_run(s, &rest);
    }
    ASSERT_EQ_INT(st, audit == SIM_AUDIT_NONE ? SIM_OK : SIM_INTERNAL);
    sim_destroy(s);
  }
  program_free(&p);
}
