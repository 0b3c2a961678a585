/*
** policy.h — named sets of knobs that make the model behave as one CPython
** version.
**
** Library: gcsim_sim (sim/).
**
** Invariants:
**   - A policy is plain data: every behaviour that differs between CPython
**     versions is one knob here, and the model reads nothing else to decide
**     such a difference.
**   - Every preset is faithful to the versions it names (sources are cited in
**     policy.c, beside each preset), and `gcsim policies` prints all knobs.
**   - policy_parse() never aborts: a bad spec returns -1 with a message.
*/
#ifndef GCSIM_POLICY_H
#define GCSIM_POLICY_H

#include <stddef.h>
#include <stdint.h>

/* How the collector treats weak references (handle_weakrefs and successors). */
enum policy_weakrefs {
  PW_PREFIX = 0, /* 2.7–3.7, 3.8b4: trash weakrefs whose referent is outside
                    the unreachable set are left alone (the bpo-38006 hole) */
  PW_FIX = 1,    /* 3.8.0–3.13 (GH-16495): every trash weakref is cleared
                    before finalizers; all weakrefs to trash cleared too */
  PW_LATE = 2    /* main (GH-136189): callbacks first; weakrefs without a
                    callback and trash weakrefs cleared after the
                    resurrection check, just before delete_garbage */
};

/* How resurrection by a finalizer during a collection is handled. */
enum policy_resurrection {
  PR_ALL_OR_NOTHING = 0, /* <= 3.8 check_garbage: any resurrection aborts
                            the deletion of the whole unreachable set */
  PR_PER_OBJECT = 1      /* 3.9+ handle_resurrected_objects */
};

/* What gc's tp_clear does to a function object. */
enum policy_funclear {
  PF_NONE = 0,       /* <= 3.7: functions have no tp_clear */
  PF_UNCALLABLE = 1, /* 3.8–3.10: func_clear leaves func_code NULL */
  PF_CONSISTENT = 2  /* 3.11+: func_clear keeps the code object */
};

/* When an allocation over threshold0 runs the collection. */
enum policy_trigger {
  PT_ALLOC = 0,       /* <= 3.11: inside the allocation, before the object
                         exists (_PyObject_GC_Alloc) */
  PT_EVAL_BREAKER = 1 /* 3.12+: scheduled, runs at the next eval-breaker
                         check, i.e. after the current statement */
};

/* Where collect() counts the objects it collected. */
enum policy_count {
  PC_AFTER_RESURRECTION = 0, /* bpo-38379 fixed (3.7.x, 3.8.0 final, 3.9+) */
  PC_BEFORE_RESURRECTION = 1 /* 3.8b4: counted before check_garbage */
};

/* Which collector: the generations of 3.6-3.13 and 3.15, or 3.14's. */
enum policy_collector {
  PG_GENERATIONAL = 0, /* collect(gen) merges the younger generations into
                          gen; automatic collections pick the oldest over
                          its threshold */
  PG_INCREMENTAL = 1   /* 3.14 (gh-108362): young collections (gen 0), full
                          ones (gen 2), and increments (gen 1, every
                          automatic collection) over an old space split into
                          visited and pending halves */
};

/* What generation 0's count counts. */
enum policy_count_on {
  PN_ALLOC = 0, /* gc allocations, less PyObject_GC_Del (<= 3.13, 3.15) */
  PN_TRACK = 1  /* tracked objects: _PyObject_GC_TRACK adds one, UNTRACK
                   takes one off (3.14.1+, GH-140262) */
};

struct policy {
  char name[48];                  /* preset it started from */
  enum policy_weakrefs weakrefs;  /* handle_weakrefs variant */
  enum policy_resurrection resurrection;
  enum policy_funclear function_clear;
  enum policy_trigger trigger;
  enum policy_count count;
  int64_t threshold[3];           /* gc.get_threshold() defaults */
  int long_lived_rule;            /* full collections wait for
                                     long_lived_pending > total/4 */
  int oldgen_base;                /* the interpreter's own objects in the
                                     oldest generation, which
                                     long_lived_total counts (0: an empty
                                     interpreter, every preset; gcsim
                                     confirm sets the real one's) */
  int trashcan_limit;             /* deposit a dealloc at this nesting,
                                     0 = no trashcan */
  int trashcan_resume;            /* destroy the chain once nesting drops
                                     to this (0 up to 3.12) */
  int weakref_tuple;              /* PyObject_ClearWeakRefs always builds
                                     the tuple (3.13+), no count==1 path */
  int finalized_flag;             /* gc kinds finalize at most once */
  int callback_tuple;             /* a weakref callback is called through
                                     a 1-tuple of arguments, a gc
                                     allocation when that free list is
                                     empty (3.6, 3.7: tp_call, no
                                     vectorcall) */
  int tuple_free_max;             /* the largest tuple tupledealloc puts
                                     back on a free list: 19 up to 3.10,
                                     20 from 3.11 (which never takes a
                                     20-tuple off it again) */
  enum policy_collector collector;
  enum policy_count_on count_on;
  int tuple_pop_max;              /* the largest tuple PyTuple_New takes
                                     off a free list: 19, or 20 from 3.14
                                     (tuple_alloc) */
  int increment_horizon;          /* PG_INCREMENTAL: young objects that
                                     increments may count after a full
                                     collection while every increment
                                     still collects nothing (the first
                                     only marks, the rest find their work
                                     budget negative); past it the model
                                     stops instead of guessing */
};

/* Number of presets and the i-th preset (0 <= i < policy_preset_count()). */
size_t policy_preset_count(void);
const struct policy *policy_preset(size_t i);
/* One-line description of preset i (which versions it stands for). */
const char *policy_preset_summary(size_t i);

/*
** Parse "PRESET[,knob=value...]" into *out. Returns 0 on success, -1 with a
** message in err (at most errlen bytes) otherwise. With errlen 0 (err may
** then be NULL) no message is built: the fuzz decoder asks only whether a
** text is a policy.
*/
int policy_parse(const char *spec, struct policy *out, char *err, size_t errlen);

/* Apply one "knob=value" override to *p; same return convention. */
int policy_set_knob(struct policy *p, const char *assignment, char *err,
                    size_t errlen);

/*
** Describe every knob of *p as "knob=value" lines into buf (at most len
** bytes, always NUL-terminated). Returns the length it needed.
*/
size_t policy_describe(const struct policy *p, char *buf, size_t len);

#endif
