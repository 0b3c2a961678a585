/*
** harness.h — one fuzz execution: decode, run, judge.
**
** Library: gcsim_fuzz (fuzz/).
**
** gcsim-fuzz (libFuzzer), gcsim-afl (AFL++) and `gcsim replay` all go
** through harness_exec(), so whatever an engine saves replays bit for bit.
**
** Invariants:
**   - harness_exec() keeps nothing between inputs: each input gets its own
**     program and model, freed before it returns. harness_exec_ws(), what
**     the engines call, keeps their memory in a workspace and nothing else
**     (program_clear, sim_reset): its results are harness_exec()'s, input
**     for input, whatever ran before (tested). The harness itself is
**     read-only after harness_init(); the feedback counters it points to
**     are written by the model and never read by it, so a verdict never
**     depends on them (the engine clears them between inputs).
**   - The policy is GCSIM_POLICY (default cpython-main), unless the caller
**     names one; a program's own `policy` line is ignored, so that a crash
**     means the same thing under every engine.
**   - An input is a finding when its run ends in a violation that no
**     suppression matches, or in an internal error of the model (a gcsim
**     bug). Budget overruns (minimize.h's MZ_MAX_*) are not findings.
*/
#ifndef GCSIM_HARNESS_H
#define GCSIM_HARNESS_H

#include <stdint.h>
#include <stdio.h>

#include "gcsim/codec.h"
#include "gcsim/minimize.h"
#include "gcsim/policy.h"
#include "gcsim/suppress.h"

#define HARNESS_DEFAULT_POLICY "cpython-main"

struct harness {
  char policy_text[256];
  struct policy pol;
  struct suppressions sup;
  char sup_path[512]; /* "" when no suppressions file */
  uint8_t *feedback;   /* NULL, or the engine's counters for the model's
                          behaviour (sim_options.feedback); set by the
                          engine after harness_init() */
  uint32_t feedback_len;
};

/*
** policy: a policy text, or NULL for $GCSIM_POLICY (default cpython-main).
** suppressions: a file, or NULL for $GCSIM_SUPPRESSIONS (none when unset).
** Returns 0, or -1 with a message ("FILE:LINE: ..." for the file) in err.
*/
int harness_init(struct harness *h, const char *policy,
                 const char *suppressions, char *err, size_t errlen);
/*
** What a fuzz binary has built in, for engines that set no environment
** (ClusterFuzzLite, OSS-Fuzz): a policy used when $GCSIM_POLICY is unset or
** empty, and a suppressions text used when $GCSIM_SUPPRESSIONS is unset
** (set, it names the file to use instead; set but empty, none at all).
*/
struct harness_builtin {
  const char *policy;   /* a policy text, as for harness_init() */
  const char *sup_name; /* how reports name sup_text, e.g. "FILE (built in)" */
  const char *sup_text; /* a suppressions file's text, or NULL for none */
};

/* harness_init() with those defaults; returns as harness_init() does. */
int harness_init_builtin(struct harness *h, const struct harness_builtin *b,
                         char *err, size_t errlen);
void harness_free(struct harness *h);

struct harness_result {
  struct codec_info info;
  struct mz_outcome out;
  char roles[MZ_ROLES_LEN];         /* "" unless a violation */
  char signature[MZ_SIGNATURE_LEN]; /* "" unless computed (see below) */
  const struct suppression *suppressed;
  int finding;
};

/*
** Run one input. The signature is computed (by minimizing) only when a
** signature suppression could match, or when want_signature is set.
** Returns r->finding (1 or 0), or -1 when out of memory.
*/
int harness_exec(const struct harness *h, const uint8_t *data, size_t len,
                 int want_signature, struct harness_result *r);

/* Memory kept between the inputs of harness_exec_ws(): a decoded program,
   the decoder's scratch and a model. Never state: each input empties the
   program and resets the model before it is used. */
struct harness_ws {
  struct gcs_program prog;
  struct codec_scratch scratch;
  struct sim *model; /* NULL until the first input */
};
void harness_ws_init(struct harness_ws *w);
void harness_ws_free(struct harness_ws *w);

/* harness_exec() with the workspace's memory: what gcsim-fuzz and
   gcsim-afl call for each input. Returns as harness_exec(). */
int harness_exec_ws(const struct harness *h, struct harness_ws *w,
                    const uint8_t *data, size_t len, int want_signature,
                    struct harness_result *r);

/* The signature of the program decoded from data (minimizing it first):
   what harness_exec() computes. 0, or -1 (no violation, out of memory). */
int harness_signature(const struct harness *h, const uint8_t *data,
                      size_t len, char *out, size_t outlen);

/* What an engine prints before it aborts on a finding. */
void harness_report(const struct harness *h, const struct harness_result *r,
                    FILE *f);

#endif
