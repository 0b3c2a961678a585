/*
** minimize.h — what a finding is (its roles and signature) and how to make
** it small.
**
** Library: gcsim_fuzz (fuzz/).
**
** Invariants:
**   - The roles of a violation ("KIND/OBJKIND/ACTOR/PHASE", e.g.
**     call-after-clear/function/weakref/delete_garbage) are a pure function
**     of the violation: no names, no steps. Two programs with the same roles
**     show the same bug class the same way.
**   - mz_run() runs a program exactly as the fuzz harness does: quiet (no
**     event formatting), the bookkeeping walker off, the MZ_MAX_* budgets.
**   - minimize_program() is deterministic: the same program and policy give
**     the same result. The result violates with the same roles, prints as a
**     scenario that parses back to it, and has no more statements and no
**     more script actions than the input.
**   - A signature ("KIND:xxxxxxxxxxxx") is a pure function of the violation
**     kind, the policy text and the shape of a (minimized) program with its
**     names replaced by their order of first use.
*/
#ifndef GCSIM_MINIMIZE_H
#define GCSIM_MINIMIZE_H

#include <stddef.h>
#include <stdint.h>

#include "gcsim/policy.h"
#include "gcsim/program.h"
#include "gcsim/sim.h"

/* Budgets of one fuzz execution (sim_options.max_objects / max_actions).
   The largest scenario of corpus/ (a trashcan chain) makes about 100
   objects; a program that runs past 500 is almost always a finalizer or
   callback loop feeding itself, and at 2000 such runs (3 % of a fuzz
   corpus) took more than a third of the model's instructions (README,
   "Fuzzing speed"). */
#define MZ_MAX_OBJECTS 500u
#define MZ_MAX_ACTIONS 500u

#define MZ_ROLES_LEN 96
#define MZ_SIGNATURE_LEN 48

struct mz_outcome {
  enum sim_status status;
  struct sim_violation v; /* valid when status == SIM_VIOLATION */
  char internal[256];     /* the message of SIM_INTERNAL / SIM_BADINPUT */
  uint64_t events;
};

/* Run p under pol as the harness does. Returns 0, or -1 when out of
   memory. */
int mz_run(const struct gcs_program *p, const struct policy *pol,
           struct mz_outcome *out);
/* mz_run() that also fills a fuzzer's coverage map (sim_options.feedback;
   feedback_len a power of two, or 0 for none). */
int mz_run_feedback(const struct gcs_program *p, const struct policy *pol,
                    uint8_t *feedback, uint32_t feedback_len,
                    struct mz_outcome *out);

/* mz_run_feedback() in a model kept between runs: *model is made on first
   use (NULL) and sim_reset() after, so only its memory carries over;
   sim_destroy() it when done. On -1 (out of memory) *model may only be
   destroyed. */
int mz_run_reuse(struct sim **model, const struct gcs_program *p,
                 const struct policy *pol, uint8_t *feedback,
                 uint32_t feedback_len, struct mz_outcome *out);

/* "KIND/OBJKIND/ACTOR/PHASE" */
void mz_roles(const struct sim_violation *v, char *out, size_t len);

struct mz_stats {
  uint32_t runs;                       /* candidate programs run */
  uint32_t stmts_before, stmts_after;
  uint32_t actions_before, actions_after;
};

/*
** Delta debugging over statements, then script actions, then flags and
** operands, keeping the violation's roles. *out is initialized here.
** Returns 0, -1 when `in` does not violate under pol (out is then empty),
** -2 when out of memory.
*/
int minimize_program(const struct gcs_program *in, const struct policy *pol,
                     struct gcs_program *out, struct mz_stats *stats);

/* A copy of p whose first statement is `policy <policy>` (p's own policy
   line dropped). 0, or -1 when out of memory. */
int mz_with_policy(const struct gcs_program *p, const char *policy,
                   struct gcs_program *out);

/* The signature of a violation of `kind` by program p under policy text
   `policy` (p should be minimized first). */
void mz_signature(const struct gcs_program *p, enum sim_vkind kind,
                  const char *policy, char *out, size_t len);

#endif
