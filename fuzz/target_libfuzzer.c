/*
** target_libfuzzer.c — gcsim-fuzz: the harness behind libFuzzer.
**
** GCSIM_POLICY picks the policy (default cpython-main), GCSIM_SUPPRESSIONS
** a suppressions file. libFuzzer is guided by the model's behaviour (the
** feedback counters below), not by the edges of gcsim's code; built with
** -DGCSIM_FUZZ_EDGES (gcsim-fuzz-edges, for benchmarks) it is guided by
** edge coverage of an instrumented model instead, as before. A finding
** prints a report and aborts, so libFuzzer saves the input as a crash;
** `gcsim replay CRASH` reproduces it.
**
** Built with -DGCSIM_FUZZ_POLICY="cpython-3.8" (the per-policy fuzzers of
** .clusterfuzzlite/build.sh, gcsim_fuzz_cpython_38 ...), the binary needs
** no environment, since ClusterFuzzLite sets none: that policy is the
** default, and corpus/known-findings.supp, compiled in (the generated
** known_findings.h), the suppressions. The variables still override both.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "gcsim/harness.h"
#ifdef GCSIM_FUZZ_POLICY
#include "known_findings.h" /* known_findings_text: the file's text */
#endif

/* libFuzzer's API has no context argument: the harness lives here, set up
   once and read-only afterwards (the model writes the feedback counters it
   points to, and never reads them). */
static struct harness harness;
/* The memory of a program and a model, kept between inputs (harness.h:
   never their state). */
static struct harness_ws workspace;

#ifndef GCSIM_FUZZ_EDGES
/* What guides libFuzzer: the model's behaviour, event by event
   (sim_options.feedback), in libFuzzer's extra counters, which it clears
   before each input and reads after it. The model and the decoder are not
   compiled with coverage instrumentation. 4096 counters: 1024 ran faster
   but found bpo-38006 more slowly (hash collisions hide transitions),
   16384 ran at half the speed (README, "Fuzzing", the guidance). */
__attribute__((used, section("__libfuzzer_extra_counters")))
static uint8_t model_feedback[4096];
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  char err[700];
#ifdef GCSIM_FUZZ_POLICY
  static const struct harness_builtin builtin = {
      GCSIM_FUZZ_POLICY, "corpus/known-findings.supp (built in)",
      known_findings_text};
  int rc = harness_init_builtin(&harness, &builtin, err, sizeof err);
#else
  int rc = harness_init(&harness, NULL, NULL, err, sizeof err);
#endif
  if (rc) {
    fprintf(stderr, "gcsim-fuzz: %s\n", err);
    exit(2);
  }
  harness_ws_init(&workspace);
#ifndef GCSIM_FUZZ_EDGES
  harness.feedback = model_feedback;
  harness.feedback_len = sizeof model_feedback;
#endif
  fprintf(stderr, "gcsim-fuzz: policy %s%s%s\n", harness.policy_text,
          harness.sup_path[0] ? ", suppressions " : "", harness.sup_path);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct harness_result r;
  int finding = harness_exec_ws(&harness, &workspace, data, size, 0, &r);
  if (finding < 0) return 0; /* out of memory: libFuzzer reports -rss_limit */
  if (finding) {
    harness_report(&harness, &r, stderr);
    abort();
  }
  return 0;
}
