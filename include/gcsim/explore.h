/*
** explore.h — exhaustive small-scope checking: every program of a shape
** within bounds, under one policy (violations) or two (differences).
**
** Library: gcsim_explore (explore/).
**
** The shape (docs/explore.md): an optional `threshold T`, then a skeleton
** of `new` and `weakref` statements (the objects, in creation order), then
** `link`s grouped by holder, `on` scripts grouped by object, `untrack`s,
** then `del`s and `collect`s in any order, and `exit` last. Every prefix
** ending before `exit` is run too (as the program that stops there).
**
** Invariants:
**   - Exact: a program is skipped only when it is dominated, i.e. an
**     earlier program reached the same model state (sim_state_digest; under
**     both policies for a diff) with at least the same choices left and no
**     more statements, or its parent's state with choices of its own a
**     subset of the parent's. Links are made holder by holder (links of two
**     holders commute: same state). Nothing else is pruned, so every
**     violation (difference) of a program in the space is found, at its
**     smallest size.
**   - Deterministic: the findings, their representatives (the fewest
**     statements, then the smallest text), the counts and the certificate
**     are pure functions of the policies and the bounds, whatever the
**     threads (-j), the shards (--shard i/n) or the machine: skeletons are
**     explored independently and their results added.
**   - A shard's certificate adds up: the certificates of shards 0..n-1
**     combine (explore_cert_combine) into the unsharded certificate.
*/
#ifndef GCSIM_EXPLORE_H
#define GCSIM_EXPLORE_H

#include <stddef.h>
#include <stdint.h>

#include "gcsim/policy.h"
#include "gcsim/program.h"
#include "gcsim/suppress.h"

/* Hard limits: bounds past these are refused as absurd. */
#define EX_MAX_OBJECTS 6
#define EX_MAX_WEAKREFS 4
#define EX_MAX_LINKS 8
#define EX_MAX_SLOTS 4
#define EX_MAX_ACTIONS 4
#define EX_MAX_PATH_STEPS 2
#define EX_MAX_THRESHOLDS 4
#define EXPLORE_MAX_NODES (1u << 24) /* new states kept for one skeleton */
/* Actions one script may choose from (a hook's catalog: weakref actions
   alone are (paths)^2 * (paths + 1)); more are refused. */
#define EXPLORE_MAX_CATALOG 65535u

/* Roots a script path may start from. */
#define EX_ROOT_SELF 1u
#define EX_ROOT_ARG 2u
#define EX_ROOT_NAMES 4u

struct explore_bounds {
  uint32_t objects;    /* `new` statements, at least 1 */
  uint32_t weakrefs;   /* `weakref` statements */
  uint32_t links;      /* `link` statements */
  uint32_t slots;      /* links from one holder */
  uint32_t actions;    /* script actions in all scripts */
  uint32_t path_steps; /* steps of a script path (.N or ()) */
  uint32_t collects;   /* `collect` statements */
  uint32_t untracks;   /* `untrack` statements */
  uint32_t stmts;      /* statements in all, exit included; 0 = no bound */
  uint32_t kinds;      /* bit per enum gcs_kind `new` may make */
  uint32_t flags;      /* GCS_FLAG_* a `new` may carry */
  uint32_t acts;       /* bit per enum gcs_act a script may do */
  uint32_t roots;      /* EX_ROOT_* */
  uint32_t gens;       /* bit per generation `collect` may name */
  uint32_t nthresholds;
  int64_t thresholds[EX_MAX_THRESHOLDS]; /* `threshold T` a program may
                                            start with */
};

void explore_bounds_default(struct explore_bounds *b);
/* Set one bound from "name=value" or the option's name and value
   ("objects", "3"; "kinds", "object,function"). 0, or -1 with a message. */
int explore_bounds_set(struct explore_bounds *b, const char *name,
                       const char *value, char *err, size_t errlen);
/* Contradictory or absurd bounds: 0, or -1 with a message. */
int explore_bounds_check(const struct explore_bounds *b, char *err,
                         size_t errlen);
/* The canonical text of the bounds (every bound, fixed order). */
void explore_bounds_text(const struct explore_bounds *b, char *out,
                         size_t len);

/* The skeletons of a space. NULL when out of memory. */
struct explore_space;
struct explore_space *explore_space_make(const struct explore_bounds *b);
void explore_space_free(struct explore_space *sp);
uint64_t explore_space_skeletons(const struct explore_space *sp);

struct explore_progress {
  uint64_t skeletons_done, skeletons;
  uint64_t programs, states;
  uint32_t largest;           /* statements of the largest program run */
  double seconds;
};

struct explore_config {
  int diff;                   /* 0: violations under pol[0]; 1: differences
                                 between pol[0] and pol[1] */
  struct policy pol[2];
  char policy_text[2][256];
  const struct suppressions *sup; /* may be NULL (violations only) */
  int nthreads;               /* >= 1 */
  /* progress: called from the calling thread about every `every_ms`
     milliseconds (never from the workers; the results never depend on
     it). NULL for none. */
  void (*progress)(void *user, const struct explore_progress *p);
  void *progress_user;
  unsigned every_ms;
  uint32_t max_states; /* new states one skeleton may keep (memory: about
                          80 bytes each); 0 = EXPLORE_MAX_NODES */
  int static_scripts; /* tests: enumerate scripts by their text, not as
                        they run (violations; diff always does) */
  int no_merge;      /* tests: merge nothing (every program of the shape is
                        run and extended), to check that merging is exact */
  double time_limit; /* seconds; > 0: stop when spent (explore_run returns
                        1 and the result is partial). 0: none */
};

/* A group of findings: every program with the same roles (violations) or
   the same first differing events (diff); the smallest one as its
   representative. */
struct explore_group {
  char key[160];
  char *text;        /* the representative as a scenario (no policy line) */
  uint32_t nstmts;   /* its statements */
  uint64_t programs; /* programs in the group */
  int internal;      /* a model error (SIM_INTERNAL), not a finding */
};

struct explore_result {
  uint64_t skeletons, programs, states, dominated, budget;
  uint64_t violating, suppressed;
  uint64_t set_hash;  /* sum of the explored states' keys */
  uint64_t splits;    /* classes of script actions split because a script
                         ran again (scripts chosen as they run) */
  uint32_t largest;   /* statements of the largest program run */
  struct explore_group *g;
  size_t ng;
};

/*
** Explore the skeletons whose index is shard_i modulo shard_n (0/1: all),
** or, with sample > 0, only every sample-th of those (an estimate's pilot).
** Returns 0; 1 when the time limit stopped it (r is then partial); -2 when
** one skeleton alone has more new states than the search keeps
** (EXPLORE_MAX_NODES: the bounds are too large); -3 when a script's catalog
** has more than EXPLORE_MAX_CATALOG actions; -1 when out of memory or
** a thread could not start.
*/
int explore_run(const struct explore_config *c, const struct explore_space *sp,
                uint32_t shard_i, uint32_t shard_n, uint32_t sample,
                struct explore_result *r);
void explore_result_free(struct explore_result *r);

/*
** The certificate: what was explored and a fingerprint of it. Text lines
** "key: value"; the fingerprint is XXH3-64 of the other lines that do not
** depend on sharding, so equal bounds and policies give equal fingerprints.
*/
void explore_cert(const struct explore_config *c,
                  const struct explore_bounds *b, uint32_t shard_i,
                  uint32_t shard_n, const struct explore_result *r,
                  char *out, size_t len);
/*
** Combine shard certificates (texts as explore_cert wrote them) into the
** certificate of the whole space. 0, or -1 with a message (different
** policies or bounds, a shard missing or given twice, a malformed file).
*/
int explore_cert_combine(const char *const *texts, const char *const *names,
                         size_t n, char *out, size_t len, char *err,
                         size_t errlen);

#endif
