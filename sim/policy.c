/*
** policy.c — the presets and the knob table.
**
** Sources for each preset (see ../shared/docs/cpython-gc-facts.md):
**   cpython-3.6   as 3.7, but m counted before check_garbage (bpo-38379 was
**                 fixed in 3.7 and 3.8 only; measured on 3.6.15).
**   cpython-3.7   Modules/gcmodule.c 3.7: handle_weakrefs without the
**                 PyWeakref_Check block, check_garbage, func type without
**                 tp_clear (Objects/funcobject.c 3.7).
**   cpython-3.8b4 3.8-dev before GH-16495 with func_clear (bpo-33418) and
**                 m counted before check_garbage (bpo-38379).
**   cpython-3.8   3.8.x after GH-16495 / GH-16502.
**   cpython-3.9   handle_resurrected_objects (GH-16687); 3.9 and 3.10.
**   cpython-3.11  func_clear keeps func_code (consistent function).
**   cpython-3.12  gc only on the eval breaker (gh-97922).
**   cpython-3.13  as 3.12 with threshold0 = 2000.
**   trashcan      PyTrash_UNWIND_LEVEL 50: before 3.8 both subtype_dealloc
**                 and the base dealloc take a level, so 3.6/3.7 defer after
**                 ~24 objects (limit 25, measured on 3.6.15/3.7.16);
**                 3.8-3.12 the 51st; 3.13 counts C recursion
**                 (c_recursion_remaining <= 50 of 10000: ~9948 run first)
**                 and destroys the chain once 50 levels have unwound.
**   weakref_tuple 3.13's PyObject_ClearWeakRefs has no count==1 branch.
**   callback_tuple 3.6, 3.7: handle_callback and handle_weakrefs call the
**                 callback with _PyObject_FastCall / CallFunctionObjArgs,
**                 which builds an argument tuple for a tp_call type (3.8's
**                 vectorcall, PEP 590, makes none). Measured: 3.6.15 and
**                 3.7.16 collect at that allocation, 3.8.18 does not.
**   tuple_free_max 3.11's maybe_freelist_push keeps sizes 1-20
**                 (index size-1 < PyTuple_NFREELISTS) while
**                 maybe_freelist_pop serves sizes below 20 only; before
**                 3.11 both stop below PyTuple_MAXSAVESIZE (20). Measured:
**                 a 20-tuple's count stays with 3.11.7-3.13.0, not 3.10.13.
**   cpython-3.14  3.14.1-3.14.4, as the 3.14.2 of pyodide@314.0.8 behaves
**                 (3.14.0 counted allocations; 3.14.5 went back to
**                 generations, #148720):
**                 collector=incremental: Python/gc.c (main before GH-148746,
**                 commit 0051397d, which 3.14.1 got as GH-140447):
**                 gc.collect(1) and _Py_RunGC run gc_collect_increment,
**                 which returns while its work budget is negative; after
**                 a full collection the first increment only marks from
**                 the roots (mark_at_start) and takes twice that off.
**                 Measured: collect(1) returns 0 three times over fresh
**                 cycles, then collect(0) finds them all; automatic
**                 collections report generation 1, collected 0; the first
**                 collecting increment comes after 12,700 young objects.
**                 count_on=track: pycore_gc.h _PyObject_GC_TRACK/UNTRACK
**                 count (GH-140262). Measured: 100 tuple([i]), created
**                 untracked, add 0 to get_count()[0] (3.13.0, 3.15.0rc1:
**                 102). threshold (2000, 10, 0) and weakrefs=fix (GH-136189
**                 is on main only): measured, gc.get_threshold() and a
**                 callback-less weakref already dead in __del__.
**                 tuple_pop_max 20: Objects/tupleobject.c tuple_alloc takes
**                 index size-1 < PyTuple_MAXSAVESIZE (20).
**                 Not measured, 3.13's kept: the trashcan is the C stack's
**                 margin from 3.14 (_Py_Dealloc, any gc type), so its
**                 depth differs between a native build (16 KiB units) and
**                 WebAssembly (8 KiB); gh-91636 is not fixed in 3.14.2
**                 (the fix, #141993, was reverted before 3.14.1).
**   cpython-3.15  3.15.0rc1 (pyodide@315.0.0-alpha.2): generations again
**                 (GH-148746), with GH-136189's weakref handling (measured:
**                 a callback-less weakref to trash is alive inside __del__
**                 and can resurrect it; weakrefs made by finalizers are
**                 cleared before tp_clear, their callbacks never run);
**                 counts allocations (measured, as above); thresholds
**                 (2000, 10, 10) measured; tuple_pop_max 20 as 3.14.
**   cpython-main  as cpython-3.15 until a later change is shown.
*/
#include "gcsim/policy.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct preset {
  struct policy p;
  const char *summary;
};

#define TH_DEFAULT {700, 10, 10}
#define TH_313 {2000, 10, 10}
#define TH_314 {2000, 10, 0}

static const struct preset presets[] = {
    {{"cpython-3.6", PW_PREFIX, PR_ALL_OR_NOTHING, PF_NONE, PT_ALLOC,
      PC_BEFORE_RESURRECTION, TH_DEFAULT, 1, 0, 25, 0, 0, 1, 1, 19, PG_GENERATIONAL, PN_ALLOC, 19, 0},
     "2.7, 3.6: as 3.7, but collect() counts the unreachable set before the "
     "resurrection check (bpo-38379 never fixed there)"},
    {{"cpython-3.7", PW_PREFIX, PR_ALL_OR_NOTHING, PF_NONE, PT_ALLOC,
      PC_AFTER_RESURRECTION, TH_DEFAULT, 1, 0, 25, 0, 0, 1, 1, 19, PG_GENERATIONAL, PN_ALLOC, 19, 0},
     "2.7, 3.6, 3.7: trash weakrefs to live referents left alone; functions "
     "have no tp_clear; all-or-nothing resurrection check"},
    {{"cpython-3.8b4", PW_PREFIX, PR_ALL_OR_NOTHING, PF_UNCALLABLE, PT_ALLOC,
      PC_BEFORE_RESURRECTION, TH_DEFAULT, 1, 0, 50, 0, 0, 1, 0, 19, PG_GENERATIONAL, PN_ALLOC, 19, 0},
     "3.8.0b4, the release that crashed: as 3.7, but func_clear leaves "
     "functions uncallable"},
    {{"cpython-3.8", PW_FIX, PR_ALL_OR_NOTHING, PF_UNCALLABLE, PT_ALLOC,
      PC_AFTER_RESURRECTION, TH_DEFAULT, 1, 0, 50, 0, 0, 1, 0, 19, PG_GENERATIONAL, PN_ALLOC, 19, 0},
     "3.8: the bpo-38006 fix, trash weakrefs cleared before finalizers"},
    {{"cpython-3.9", PW_FIX, PR_PER_OBJECT, PF_UNCALLABLE, PT_ALLOC,
      PC_AFTER_RESURRECTION, TH_DEFAULT, 1, 0, 50, 0, 0, 1, 0, 19, PG_GENERATIONAL, PN_ALLOC, 19, 0},
     "3.9, 3.10: resurrection handled per object"},
    {{"cpython-3.11", PW_FIX, PR_PER_OBJECT, PF_CONSISTENT, PT_ALLOC,
      PC_AFTER_RESURRECTION, TH_DEFAULT, 1, 0, 50, 0, 0, 1, 0, 20, PG_GENERATIONAL, PN_ALLOC, 19, 0},
     "3.11: function tp_clear leaves a consistent object"},
    {{"cpython-3.12", PW_FIX, PR_PER_OBJECT, PF_CONSISTENT, PT_EVAL_BREAKER,
      PC_AFTER_RESURRECTION, TH_DEFAULT, 1, 0, 50, 0, 0, 1, 0, 20, PG_GENERATIONAL, PN_ALLOC, 19, 0},
     "3.12: an allocation only schedules a collection, run after the "
     "statement"},
    {{"cpython-3.13", PW_FIX, PR_PER_OBJECT, PF_CONSISTENT, PT_EVAL_BREAKER,
      PC_AFTER_RESURRECTION, TH_313, 1, 0, 9948, 9898, 1, 1, 0, 20, PG_GENERATIONAL, PN_ALLOC, 19, 0},
     "3.13: as 3.12 with threshold0 = 2000"},
    {{"cpython-3.14", PW_FIX, PR_PER_OBJECT, PF_CONSISTENT, PT_EVAL_BREAKER,
      PC_AFTER_RESURRECTION, TH_314, 0, 0, 9948, 9898, 1, 1, 0, 20,
      PG_INCREMENTAL, PN_TRACK, 20, 3000},
     "3.14.1-3.14.4 (as 3.14.2): the incremental collector; the count "
     "counts tracked objects; 20-tuples reused"},
    {{"cpython-3.15", PW_LATE, PR_PER_OBJECT, PF_CONSISTENT, PT_EVAL_BREAKER,
      PC_AFTER_RESURRECTION, TH_313, 1, 0, 9948, 9898, 1, 1, 0, 20,
      PG_GENERATIONAL, PN_ALLOC, 20, 0},
     "3.15 (as 3.15.0rc1): generations again (GH-148746); weakref callbacks "
     "before finalizers, other weakrefs cleared after the resurrection check "
     "(GH-136189)"},
    {{"cpython-main", PW_LATE, PR_PER_OBJECT, PF_CONSISTENT, PT_EVAL_BREAKER,
      PC_AFTER_RESURRECTION, TH_313, 1, 0, 9948, 9898, 1, 1, 0, 20,
      PG_GENERATIONAL, PN_ALLOC, 20, 0},
     "main: as 3.15 until a later change is shown"},
};

size_t policy_preset_count(void) { return sizeof presets / sizeof presets[0]; }

const struct policy *policy_preset(size_t i) {
  return i < policy_preset_count() ? &presets[i].p : NULL;
}

const char *policy_preset_summary(size_t i) {
  return i < policy_preset_count() ? presets[i].summary : NULL;
}

/* ---- the knob table: one row per knob, used to parse and to describe ---- */

enum knob_type { KT_ENUM, KT_INT };

struct knob {
  const char *name;
  enum knob_type type;
  size_t offset;            /* of the int-sized field in struct policy */
  const char *const *names; /* KT_ENUM: value names, NULL-terminated */
  const char *help;
};

static const char *const weakref_names[] = {"prefix", "fix", "late", NULL};
static const char *const resurrection_names[] = {"all-or-nothing",
                                                 "per-object", NULL};
static const char *const funclear_names[] = {"none", "uncallable",
                                             "consistent", NULL};
static const char *const trigger_names[] = {"alloc", "eval-breaker", NULL};
static const char *const count_names[] = {"after-resurrection",
                                          "before-resurrection", NULL};
static const char *const collector_names[] = {"generational", "incremental",
                                              NULL};
static const char *const count_on_names[] = {"alloc", "track", NULL};

#define OFF(f) offsetof(struct policy, f)
static const struct knob knobs[] = {
    {"weakrefs", KT_ENUM, OFF(weakrefs), weakref_names,
     "handle_weakrefs variant"},
    {"resurrection", KT_ENUM, OFF(resurrection), resurrection_names,
     "check_garbage or handle_resurrected_objects"},
    {"function_clear", KT_ENUM, OFF(function_clear), funclear_names,
     "what gc's tp_clear does to a function"},
    {"trigger", KT_ENUM, OFF(trigger), trigger_names,
     "when an allocation over threshold0 collects"},
    {"count", KT_ENUM, OFF(count), count_names,
     "where collect() counts collected objects"},
    {"threshold0", KT_INT, OFF(threshold[0]), NULL, "gc threshold 0"},
    {"threshold1", KT_INT, OFF(threshold[1]), NULL, "gc threshold 1"},
    {"threshold2", KT_INT, OFF(threshold[2]), NULL, "gc threshold 2"},
    {"long_lived_rule", KT_INT, OFF(long_lived_rule), NULL,
     "full collections wait for long_lived_pending > total/4 (0/1)"},
    {"oldgen_base", KT_INT, OFF(oldgen_base), NULL,
     "interpreter objects in generation 2 (long_lived_total counts them)"},
    {"trashcan_limit", KT_INT, OFF(trashcan_limit), NULL,
     "trashcan nesting limit, 0 = none"},
    {"trashcan_resume", KT_INT, OFF(trashcan_resume), NULL,
     "destroy deposited deallocs once nesting drops to this"},
    {"weakref_tuple", KT_INT, OFF(weakref_tuple), NULL,
     "PyObject_ClearWeakRefs always uses its tuple (0/1)"},
    {"finalized_flag", KT_INT, OFF(finalized_flag), NULL,
     "gc kinds run tp_finalize at most once (0/1)"},
    {"callback_tuple", KT_INT, OFF(callback_tuple), NULL,
     "a weakref callback's call makes a 1-tuple of arguments (0/1)"},
    {"tuple_free_max", KT_INT, OFF(tuple_free_max), NULL,
     "largest tuple put back on a free list (19, or 20 from 3.11)"},
    {"collector", KT_ENUM, OFF(collector), collector_names,
     "generations, or 3.14's incremental collector"},
    {"count_on", KT_ENUM, OFF(count_on), count_on_names,
     "generation 0's count counts gc allocations or tracked objects"},
    {"tuple_pop_max", KT_INT, OFF(tuple_pop_max), NULL,
     "largest tuple taken off a free list (19, or 20 from 3.14)"},
    {"increment_horizon", KT_INT, OFF(increment_horizon), NULL,
     "incremental: young objects increments may count before the model "
     "stops"},
};
#undef OFF

static int knob_get(const struct policy *p, const struct knob *k,
                    int64_t *v) {
  const char *base = (const char *)p + k->offset;
  if (k->offset == offsetof(struct policy, threshold[0]) ||
      k->offset == offsetof(struct policy, threshold[1]) ||
      k->offset == offsetof(struct policy, threshold[2])) {
    int64_t t;
    memcpy(&t, base, sizeof t);
    *v = t;
  } else {
    int t;
    memcpy(&t, base, sizeof t);
    *v = t;
  }
  return 0;
}

static void knob_put(struct policy *p, const struct knob *k, int64_t v) {
  char *base = (char *)p + k->offset;
  if (k->offset == offsetof(struct policy, threshold[0]) ||
      k->offset == offsetof(struct policy, threshold[1]) ||
      k->offset == offsetof(struct policy, threshold[2])) {
    memcpy(base, &v, sizeof v);
  } else {
    int t = (int)v;
    memcpy(base, &t, sizeof t);
  }
}

/* The message of a failed parse; none at all when errlen is 0. */
static void parse_error(char *err, size_t errlen, const char *fmt, ...) {
  if (!errlen) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

int policy_set_knob(struct policy *p, const char *assignment, char *err,
                    size_t errlen) {
  const char *eq = strchr(assignment, '=');
  if (!eq) {
    parse_error(err, errlen,
                "knob override '%s' is not of the form knob=value", assignment);
    return -1;
  }
  size_t nlen = (size_t)(eq - assignment);
  const char *val = eq + 1;
  for (size_t i = 0; i < sizeof knobs / sizeof knobs[0]; i++) {
    const struct knob *k = &knobs[i];
    if (strlen(k->name) != nlen || strncmp(k->name, assignment, nlen) != 0)
      continue;
    if (k->type == KT_ENUM) {
      for (int j = 0; k->names[j]; j++)
        if (strcmp(k->names[j], val) == 0) {
          knob_put(p, k, j);
          return 0;
        }
      char opts[128] = "";
      for (int j = 0; errlen && k->names[j]; j++) {
        strncat(opts, j ? ", " : "", sizeof opts - strlen(opts) - 1);
        strncat(opts, k->names[j], sizeof opts - strlen(opts) - 1);
      }
      parse_error(err, errlen, "knob %s takes one of: %s (not '%s')",
                  k->name, opts, val);
      return -1;
    }
    char *end = NULL;
    long long v = strtoll(val, &end, 10);
    if (!*val || *end || v < 0 || v > 1000000000LL) {
      parse_error(err, errlen,
                  "knob %s takes a whole number >= 0 (not '%s')", k->name,
                  val);
      return -1;
    }
    knob_put(p, k, (int64_t)v);
    return 0;
  }
  parse_error(err, errlen,
              "unknown knob '%.*s' (gcsim policies lists them)", (int)nlen,
              assignment);
  return -1;
}

int policy_parse(const char *spec, struct policy *out, char *err,
                 size_t errlen) {
  char buf[512];
  if (strlen(spec) >= sizeof buf) {
    parse_error(err, errlen, "policy spec too long");
    return -1;
  }
  strcpy(buf, spec);
  char *comma = strchr(buf, ',');
  if (comma) *comma = '\0';
  const struct policy *base = NULL;
  for (size_t i = 0; i < policy_preset_count(); i++)
    if (strcmp(presets[i].p.name, buf) == 0) base = &presets[i].p;
  if (!base) {
    char names[256] = "";
    for (size_t i = 0; errlen && i < policy_preset_count(); i++) {
      strncat(names, i ? ", " : "", sizeof names - strlen(names) - 1);
      strncat(names, presets[i].p.name, sizeof names - strlen(names) - 1);
    }
    parse_error(err, errlen, "unknown policy '%s' (presets: %s)", buf, names);
    return -1;
  }
  struct policy p = *base;
  char *rest = comma ? comma + 1 : NULL;
  while (rest && *rest) {
    char *next = strchr(rest, ',');
    if (next) *next = '\0';
    if (policy_set_knob(&p, rest, err, errlen) != 0) return -1;
    rest = next ? next + 1 : NULL;
  }
  *out = p;
  return 0;
}

size_t policy_describe(const struct policy *p, char *buf, size_t len) {
  size_t used = 0;
  for (size_t i = 0; i < sizeof knobs / sizeof knobs[0]; i++) {
    const struct knob *k = &knobs[i];
    int64_t v;
    knob_get(p, k, &v);
    char line[160];
    int n;
    if (k->type == KT_ENUM)
      n = snprintf(line, sizeof line, "  %-16s %-20s %s\n", k->name,
                   k->names[v], k->help);
    else
      n = snprintf(line, sizeof line, "  %-16s %-20lld %s\n", k->name,
                   (long long)v, k->help);
    if (n > 0) {
      if (used + (size_t)n < len) memcpy(buf + used, line, (size_t)n);
      used += (size_t)n;
    }
  }
  if (len) buf[used < len ? used : len - 1] = '\0';
  return used;
}
