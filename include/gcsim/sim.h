/*
** sim.h — the runtime model: run a program under a policy.
**
** Library: gcsim_sim (sim/).
**
** Invariants:
**   - All state lives in one struct sim made by sim_create() (or renewed
**     by sim_reset(), which keeps memory and nothing else); there are no
**     mutable globals, no clocks, no random numbers, and no addresses in any
**     output or ordering. Objects are dense integer ids in creation order.
**   - The same program under the same policy gives the same event stream,
**     byte for byte, and so the same fingerprint, in every build; and the
**     same feedback counters (sim_options.feedback), which never change
**     the run.
**   - A run stops at its first violation (status SIM_VIOLATION). A broken
**     model (refcount or list bookkeeping) is SIM_INTERNAL, never a finding.
**   - The model does no I/O: events go to the sink its caller hands it.
**   - Deallocation never recurses in C per object: a chain of any length
**     frees with bounded C stack. C recursion only follows user code
**     (finalizer and callback scripts), bounded by SIM_MAX_SCRIPT_DEPTH.
*/
#ifndef GCSIM_SIM_H
#define GCSIM_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "gcsim/event.h"
#include "gcsim/policy.h"
#include "gcsim/program.h"

#define SIM_MAX_SCRIPT_DEPTH 64

struct sim;

enum sim_status {
  SIM_OK = 0,        /* ran to the end, no violation */
  SIM_VIOLATION = 1, /* stopped at a violation */
  SIM_BADINPUT = 2,  /* the program cannot run: it exceeded a budget of
                        sim_options (sim_internal_error() says which) */
  SIM_INTERNAL = 3,  /* the model's own bookkeeping broke */
  SIM_PAUSED = 4     /* sim_options.on_action asked to stop (gcsim explore):
                        the state is only good for sim_peek_path() */
};

/* The violation kinds of design.md. */
enum sim_vkind {
  SV_NONE = 0,
  SV_TOUCH_AFTER_CLEAR,
  SV_CALL_AFTER_CLEAR,
  SV_USE_AFTER_FREE,
  SV_FINALIZER_TWICE,
  SV_EXPOSED_CLEARED,
  SV_FREED_REACHABLE,
  SV_LIST_CORRUPT,
  SV_NKINDS
};
const char *sim_vkind_name(enum sim_vkind k);

typedef void (*sim_sink)(void *user, const struct gcs_event *e,
                         const char *jsonl, size_t len);

/*
** When the model audits its own bookkeeping (refcounts against the
** references held, list membership, weakref back-links: check_bookkeeping,
** O(objects)). A failed audit is a model bug (SIM_INTERNAL), never a
** finding; the violation checks are exact and immediate in every mode.
*/
enum sim_audit {
  SIM_AUDIT_NONE = 0,  /* never */
  SIM_AUDIT_EVERY = 1, /* after every statement and script action (the
                          tests) */
  SIM_AUDIT_SCALED = 2 /* after a statement or action once the events since
                          the last audit reach the object table's size, and
                          at the end of the run: the audits cost at most
                          about what the run itself does */
};

struct sim_options {
  struct policy policy;
  enum sim_audit audit; /* when the bookkeeping walker runs */
  sim_sink sink;        /* may be NULL: events are only fingerprinted */
  void *sink_user;
  int no_fingerprint;   /* with no sink: skip formatting and hashing events
                           (the fuzz harness); sim_fingerprint() is then 0 */
  uint64_t max_objects; /* budget: objects created, 0 = unlimited */
  uint64_t max_actions; /* budget: script actions run, 0 = unlimited */
  uint8_t *feedback;    /* may be NULL: else feedback_len counters (rounded
                           down to a power of two); each event sets the one
                           at a hash of its shape and the previous event's
                           to 1 (seen; never counted): a fuzzer's coverage
                           map of the model's behaviour. Written, never
                           read: the run is the same with or without it. */
  uint32_t feedback_len;
  /* gcsim explore's scripts chosen at run time: called before a script
     runs its action k (0-based) and once more with k == its action count
     after the last; self and arg are the script's (object ids for
     sim_peek_path). Nonzero stops the run there (SIM_PAUSED). NULL: none.
     It must not change the model. */
  int (*on_action)(void *user, struct sim *s, uint32_t script, uint32_t k,
                   uint32_t self, uint32_t arg);
  void *on_action_user;
};

/*
** The roles of a violation, for deduplication and minimization: what kind
** of object was hurt, what code reached it, and in which collector phase.
** They never name objects, so they survive renaming and minimization.
*/
struct sim_violation {
  enum sim_vkind kind;
  uint32_t step;        /* statement ordinal (1-based) */
  char obj[64];         /* label of the object */
  char detail[512];     /* what happened and the chain of references */
  uint8_t obj_kind;     /* enum gcs_kind of the object */
  uint8_t obj_flags;    /* its GCS_FLAG_* */
  char actor[24];       /* finalizer, callback, tp_del (a script of that
                           kind was running), weakref (the runtime called a
                           callback), get_objects (gc.get_objects() handed
                           it to user code), top-level (a statement), gc
                           (the collector itself), runtime */
  char phase[24];       /* collector phase (handle_weakrefs,
                           finalize_garbage, delete_garbage) or refcount */
};

struct sim;

/* NULL when out of memory. */
struct sim *sim_create(const struct sim_options *opt);
void sim_destroy(struct sim *s);
/* Make s what sim_create(opt) would make, for a new program, keeping only
   the memory of its arrays (a fuzz engine runs millions of programs): no
   state, event, count or violation of the previous run survives, so a run
   after sim_reset() is the same as one on a new model. 0, or -1 when out
   of memory (then only sim_destroy(s) may follow). */
int sim_reset(struct sim *s, const struct sim_options *opt);

/* Run every statement of prog (which must outlive s). */
enum sim_status sim_run(struct sim *s, const struct gcs_program *prog);

/* Run statement i only (statements must be run in order from 0). */
enum sim_status sim_step(struct sim *s, const struct gcs_program *prog,
                         uint32_t i);

uint64_t sim_fingerprint(const struct sim *s);
uint64_t sim_event_count(const struct sim *s);
const struct sim_violation *sim_violation(const struct sim *s);
/* Message of an internal error ("" when none). */
const char *sim_internal_error(const struct sim *s);

/* Figures for benchmarks and tests. */
struct sim_stats {
  uint64_t objects_created, objects_alive, objects_freed;
  uint64_t model_bytes;  /* bytes the model holds for its objects (their
                            arrays' capacities: after sim_reset(), what
                            earlier runs grew counts too) */
  uint64_t collections;
};
void sim_get_stats(const struct sim *s, struct sim_stats *st);

/*
** A 128-bit digest of the model's state between statements (after
** sim_step() returned): everything the rest of the run depends on, that is
** every object with its counts, flags, slots, weakref list, scripts (by
** content) and label, the order of every gc list, names, globals,
** gc.garbage, the collector's counts, thresholds and free lists. Not the
** step number and not the events already emitted. Two runs of one policy
** with equal digests continue the same way under the same statements
** (names compared by their text): what gcsim explore merges on.
*/
void sim_state_digest(const struct sim *s, uint64_t out[2]);

/*
** What resolving path p from a script with this self and arg would do now,
** without doing it (no event, no change): 0 with *out the object reached
** (0: nothing, as an empty slot or a dead weakref gives), or 1 when the
** read would stop the run (a freed or tp_cleared object on the way, *out
** that object; is_call: the last object is being called). p's steps are
** in pool (its program's, or a catalog's).
*/
int sim_peek_path(const struct sim *s, const struct gcs_steps *pool,
                  const struct gcs_path *p, uint32_t self, uint32_t arg,
                  int is_call, uint32_t *out);
/* The object a top-level name is bound to now (0: none). */
uint32_t sim_name_object(const struct sim *s, uint32_t sym);

/* Run the bookkeeping walker now; 0 when sound, else SIM_INTERNAL. */
int sim_check(struct sim *s);

#endif
