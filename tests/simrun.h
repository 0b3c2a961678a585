/*
** simrun.h — run a scenario through the public API and keep what it did.
**
** run_text() parses .gcs text (file name "t.gcs" in messages), run_program()
** takes a program built through program.h; both run it under a policy spec
** ("cpython-3.9,threshold0=5"; NULL = the scenario's own `policy` line, else
** cpython-main, as `gcsim run` does) with the bookkeeping walker after every
** step, and collect through the sink every JSONL event line, in order.
**
** Each JSONL line is also kept in a compact form, for exact assertions on
** order:
**   op collect 2              gc_start 2             unreachable c,a,wz
**   unreachable -  (an empty set)
**   weakref_cleared wz gc     finalize a             tp_del d
**   resurrected b             tp_clear c             dealloc y
**   callback wz c             garbage d              gc_end 2 3 0
**   collect_result 2 3        collect_result 2 0 nested
**   action a finalize: keep self                     rejected REASON
**   violation call-after-clear c
** The compact form is derived from the JSONL text (not the event struct), so
** the assertions check the public output format as well.
**
** Invariants: a struct run owns everything it points to; run_free() releases
** it (a second run_free() is harmless). Nothing here is shared between runs.
*/
#ifndef GCSIM_TESTS_SIMRUN_H
#define GCSIM_TESTS_SIMRUN_H

#include <stddef.h>
#include <stdint.h>

#include "gcsim/program.h"
#include "gcsim/scenario.h"
#include "gcsim/sim.h"

#define RUN_NO_LINES 1u /* count events only (huge runs) */
#define RUN_NO_CHECK 2u /* no bookkeeping walker after every step */

struct run {
  /* input */
  int parsed;                /* 1 when prog was parsed here (run_free frees) */
  struct gcs_program prog;
  char error[512];           /* parse or policy error, "" when none */
  /* outcome */
  int ran;                   /* sim_run was called */
  enum sim_status status;
  enum sim_vkind vkind;
  uint32_t vstep;
  char vobj[64];
  char vdetail[512];
  char internal[256];
  uint64_t fingerprint, nevents;
  struct sim_stats stats;
  /* events */
  char **lines;              /* JSONL lines without their '\n' */
  char **compact;            /* compact forms, same index */
  uint32_t *steps;           /* "step" of each line */
  size_t nlines, caplines;
  unsigned flags;
  int oom;
  /* strings handed out by run_trace() */
  char **owned;
  size_t nowned, capowned;
  char outcome[700];
};

/* Parse and run. Returns 0 when the program ran (whatever its status), -1
   on a parse or policy error (r->error says which). */
int run_text(struct run *r, const char *text, const char *policy,
             unsigned flags);
/* Same, for a program built through the API (not copied: it must outlive
   the run's use of it; run_free does not free it). */
int run_program(struct run *r, const struct gcs_program *prog,
                const char *policy, unsigned flags);
void run_free(struct run *r);

/* "clean", "violation KIND OBJ @STEP", "internal: MSG", "bad input",
   "error: MSG" (parse/policy) or "not run". */
const char *run_outcome(struct run *r);

/* The compact forms of the events of `step` (0 = every step) whose event
   name is one of the space-separated `kinds` (NULL = every event but "op"),
   joined by "; ". The string lives until run_free. */
const char *run_trace(struct run *r, uint32_t step, const char *kinds);

/* Number of events whose compact form equals `compact` exactly. */
size_t run_count(const struct run *r, const char *compact);
/* Index of the first event at or after `from` whose compact form equals
   `compact`, or -1. */
long run_find(const struct run *r, const char *compact, size_t from);

/* All JSONL lines concatenated, each with its '\n' (lives until run_free). */
const char *run_jsonl(struct run *r);

/* fileio_read() with an optional length (NUL-terminated; caller frees). */
char *load_file(const char *path, size_t *len);

/* Paths of the scenarios of the repository: the .gcs files of corpus/scenarios
   and tests/golden, sorted (GCSIM_SOURCE_DIR is the checkout). Returns
   the count; *out is a NULL-terminated array the caller frees with
   free_paths(). */
size_t scenario_paths(char ***out);
void free_paths(char **paths);

/* A deterministic byte generator (xorshift64*), so failures reproduce. */
uint64_t rng_next(uint64_t *seed);
/* n bytes from it (malloc'd, caller frees; NULL when out of memory). */
uint8_t *random_bytes(uint64_t *seed, size_t n);

/* The text of a file of the repository (path relative to the checkout),
   NUL-terminated, or NULL; caller frees. */
char *repo_file(const char *relpath);

/* Parse a repository scenario file (path relative to the checkout) and run
   it, as run_text() does. */
int run_file(struct run *r, const char *relpath, const char *policy,
             unsigned flags);

/* Build a scenario string with printf (caller frees). */
char *str_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
