/*
** target_libfuzzer.c — gcsim-fuzz: the harness behind libFuzzer.
**
** GCSIM_POLICY picks the policy (default cpython-main), GCSIM_SUPPRESSIONS
** a suppressions file. A finding prints a report and aborts, so libFuzzer
** saves the input as a crash; `gcsim replay CRASH` reproduces it.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "gcsim/harness.h"

/* libFuzzer's API has no context argument: the harness lives here, set up
   once and read-only afterwards. */
static struct harness harness;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  char err[700];
  if (harness_init(&harness, NULL, NULL, err, sizeof err)) {
    fprintf(stderr, "gcsim-fuzz: %s\n", err);
    exit(2);
  }
  fprintf(stderr, "gcsim-fuzz: policy %s%s%s\n", harness.policy_text,
          harness.sup_path[0] ? ", suppressions " : "", harness.sup_path);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct harness_result r;
  int finding = harness_exec(&harness, data, size, 0, &r);
  if (finding < 0) return 0; /* out of memory: libFuzzer reports -rss_limit */
  if (finding) {
    harness_report(&harness, &r, stderr);
    abort();
  }
  return 0;
}
