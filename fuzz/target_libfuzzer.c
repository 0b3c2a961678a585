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
** Mutations: the structure-aware mutator (fuzz/mutator.c: statements
** inserted, deleted, moved, changed, spliced from another input) through
** LLVMFuzzerCustomMutator and LLVMFuzzerCustomCrossOver below, for every
** mutation; libFuzzer's own byte mutations (LLVMFuzzerMutate, with the
** dictionary) only where it gives up. GCSIM_MUTATOR=N (0-100) makes N %
** of the mutations structure-aware and the rest byte mutations through
** the same hooks, =bytes none, =structure all (the default). Built with
** -DGCSIM_FUZZ_BYTES (gcsim-fuzz-bytes, and gcsim-fuzz-edges) there are
** no hooks: libFuzzer's stock mutations. Measured from an empty corpus,
** the structure-aware mutator found the PyObject_ClearWeakRefs crash in 10
** runs of 10 (median 55 s), stock mutations in 4 of 10 within 300 s, and
** it is slower on shallow findings (docs/fuzzing.md,
** bench/first_crash_table.sh).
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
#include <string.h>

#include "gcsim/harness.h"
#include "gcsim/mutator.h"
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

#if !defined(GCSIM_FUZZ_BYTES)
#define GCSIM_CUSTOM_MUTATOR 1
/* The structure-aware mutator's scratch memory, and the share of
   mutations it makes (percent; GCSIM_MUTATOR). */
static struct mutator mutator;
static unsigned structure_pct = 100;
#endif

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
#ifdef GCSIM_CUSTOM_MUTATOR
  const char *mode = getenv("GCSIM_MUTATOR");
  if (mode && *mode) {
    char *end;
    unsigned long pct = strtoul(mode, &end, 10);
    if (strcmp(mode, "bytes") == 0)
      structure_pct = 0;
    else if (strcmp(mode, "structure") == 0)
      structure_pct = 100;
    else if (*end == '\0' && end != mode && pct <= 100)
      structure_pct = (unsigned)pct;
    else {
      fprintf(stderr, "gcsim-fuzz: GCSIM_MUTATOR is bytes, structure or "
                      "0-100, not '%s'\n", mode);
      exit(2);
    }
  }
  if (mutator_init(&mutator)) {
    fprintf(stderr, "gcsim-fuzz: out of memory\n");
    exit(2);
  }
#endif
#ifndef GCSIM_FUZZ_EDGES
  harness.feedback = model_feedback;
  harness.feedback_len = sizeof model_feedback;
#endif
  fprintf(stderr, "gcsim-fuzz: policy %s%s%s\n", harness.policy_text,
          harness.sup_path[0] ? ", suppressions " : "", harness.sup_path);
#ifdef GCSIM_CUSTOM_MUTATOR
  fprintf(stderr, "gcsim-fuzz: %u%% structure-aware mutations\n",
          structure_pct);
#endif
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

#ifdef GCSIM_CUSTOM_MUTATOR
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
                               unsigned int seed);
size_t LLVMFuzzerCustomCrossOver(const uint8_t *data1, size_t size1,
                                 const uint8_t *data2, size_t size2,
                                 uint8_t *out, size_t max_out_size,
                                 unsigned int seed);
/* libFuzzer's byte mutations. Weak: an engine that links this file
   through the libFuzzer API without providing it (ClusterFuzzLite's other
   engines) gets byte_mutate()'s one-byte change instead. */
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size)
    __attribute__((weak));

static size_t byte_mutate(uint8_t *data, size_t size, size_t max_size,
                          unsigned seed) {
  if (LLVMFuzzerMutate) return LLVMFuzzerMutate(data, size, max_size);
  if (!size) {
    if (!max_size) return 0;
    data[0] = (uint8_t)seed;
    return 1;
  }
  data[(seed >> 8) % size] ^= (uint8_t)(1u << (seed & 7));
  return size;
}

/* Which mutator: a hash of the seed, so that the choice does not follow
   the low bits the mutator's own generator starts from. */
static int structure_turn(unsigned seed) {
  uint32_t h = (uint32_t)seed * 0x9e3779b1u;
  return (h >> 16) % 100 < structure_pct;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
                               unsigned int seed) {
  if (structure_turn(seed)) {
    size_t n = mutator_mutate(&mutator, data, size, max_size, seed);
    if (n) return n;
  }
  return byte_mutate(data, size, max_size, seed);
}

size_t LLVMFuzzerCustomCrossOver(const uint8_t *data1, size_t size1,
                                 const uint8_t *data2, size_t size2,
                                 uint8_t *out, size_t max_out_size,
                                 unsigned int seed) {
  /* libFuzzer, given these hooks, draws one of the two for each mutation:
     crossover would be half of them (a twelfth without the hooks). Most
     calls mutate data1 instead. */
  if ((seed >> 24) % 6) {
    size_t n = size1 < max_out_size ? size1 : max_out_size;
    if (n) memcpy(out, data1, n);
    return LLVMFuzzerCustomMutator(out, n, max_out_size, seed);
  }
  if (structure_turn(seed)) {
    size_t n = mutator_crossover(&mutator, data1, size1, data2, size2, out,
                                 max_out_size, seed);
    if (n) return n;
  }
  /* a byte-level child: d1's head and d2's tail, then byte mutations */
  size_t cut1 = size1 ? (seed >> 4) % (size1 + 1) : 0;
  size_t cut2 = size2 ? (seed >> 12) % (size2 + 1) : 0;
  if (cut1 > max_out_size) cut1 = max_out_size;
  size_t n = size2 - cut2;
  if (n > max_out_size - cut1) n = max_out_size - cut1;
  if (cut1) memcpy(out, data1, cut1);
  if (n) memcpy(out + cut1, data2 + cut2, n);
  return byte_mutate(out, cut1 + n, max_out_size, seed);
}
#endif
