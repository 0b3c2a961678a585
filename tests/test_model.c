/*
** test_model.c — the runtime model (sim.h): refcount deaths, weakrefs,
** finalizers, resurrection, the collector's phases per policy, automatic
** collection, shutdown.
**
** Expected orders come from CPython's sources and the installed interpreters
** (see ../shared/docs/cpython-gc-facts.md and tests/golden/expected). Tests
** named model_bug_* were written to show a model bug (they failed until the
** model was fixed) and stay as regression tests; each says why.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcsim/program.h"
#include "gcsim/scenario.h"
#include "gcsim/sim.h"
#include "simrun.h"
#include "test.h"

/* ---- refcount deaths and weakrefs ---- */

TEST(refcount_death_finalizer_before_callbacks) {
  struct run r;
  ASSERT_EQ_INT(run_text(&r,
                         "gc disable\n"
                         "new a object fin\n"
                         "new cb function\n"
                         "weakref w a cb\n"
                         "del a\n",
                         "cpython-3.9", 0),
                0);
  ASSERT_EQ_STR(run_outcome(&r), "clean");
  /* subtype_dealloc: tp_finalize, then PyObject_ClearWeakRefs (clear, then
     call), then the slots; `dealloc a` last (post-order) */
  ASSERT_EQ_STR(run_trace(&r, 5, NULL),
                "finalize a; weakref_cleared w dealloc; callback w cb; "
                "dealloc a");
  run_free(&r);
}

TEST(gc_death_callbacks_before_finalizer) {
  /* the opposite order when gc finds the object: handle_weakrefs runs
     before finalize_garbage (golden gc_cb_then_fin) */
  static const char *const pols[] = {"cpython-3.7", "cpython-3.9",
                                     "cpython-main"};
  for (int i = 0; i < 3; i++) {
    struct run r;
    ASSERT_EQ_INT(run_text(&r,
                           "gc disable\nnew a object fin\nnew cb function\n"
                           "weakref w a cb\nlink a a\ndel a\ncollect 2\n",
                           pols[i], 0),
                  0);
    ASSERT_EQ_STR(run_outcome(&r), "clean");
    ASSERT_EQ_STR(run_trace(&r, 7, "callback finalize tp_clear dealloc gc_end"),
                  "callback w cb; finalize a; tp_clear a; dealloc a; "
                  "gc_end 2 1 0");
    run_free(&r);
  }
}

TEST(three_callbacks_run_newest_first) {
  static const char *const pols[] = {"cpython-3.7", "cpython-3.9",
                                     "cpython-3.13", "cpython-main"};
  for (int i = 0; i < 4; i++) {
    struct run r;
    ASSERT_EQ_INT(run_text(&r,
                           "gc disable\nnew o object\nnew c1 function\n"
                           "new c2 function\nnew c3 function\n"
                           "weakref r1 o c1\nweakref r2 o c2\n"
                           "weakref r3 o c3\ndel o\n",
                           pols[i], 0),
                  0);
    ASSERT_EQ_STR(run_outcome(&r), "clean");
    /* every weakref is cleared before the first callback runs */
    ASSERT_EQ_STR(run_trace(&r, 9, "weakref_cleared callback dealloc"),
                  "weakref_cleared r3 dealloc; weakref_cleared r2 dealloc; "
                  "weakref_cleared r1 dealloc; callback r3 c3; "
                  "callback r2 c2; callback r1 c1; dealloc o");
    run_free(&r);
  }
}

TEST(three_callbacks_newest_first_in_gc) {
  struct run r;
  ASSERT_EQ_INT(run_text(&r,
                         "gc disable\nnew o object\nnew c1 function\n"
                         "new c2 function\nnew c3 function\n"
                         "weakref r1 o c1\nweakref r2 o c2\n"
                         "weakref r3 o c3\nlink o o\ndel o\ncollect 2\n",
                         "cpython-3.9", 0),
                0);
  ASSERT_EQ_STR(run_trace(&r, 11, "callback"),
                "callback r3 c3; callback r2 c2; callback r1 c1");
  run_free(&r);
}

TEST(callback_less_weakref_is_shared) {
  struct run r;
  ASSERT_EQ_INT(run_text(&r,
                         "gc disable\n"
                         "new a object\n"
                         "weakref w1 a\n"
                         "weakref w2 a\n"       /* the same object as w1 */
                         "new cb function\n"
                         "weakref w3 a cb\n"    /* a callback: a new one */
                         "weakref w4 a\n"       /* w1 again */
                         "del w1\n"             /* w2, w4 still hold it */
                         "del a\n"
                         "del w2\n"
                         "del w4\n",            /* now it dies */
                         "cpython-3.9", 0),
                0);
  ASSERT_EQ_STR(run_outcome(&r), "clean");
  /* a, w1, cb, w3: w2 and w4 made no object */
  ASSERT_EQ_INT(r.stats.objects_created, 4);
  ASSERT_EQ_STR(run_trace(&r, 8, NULL), "");
  /* one shared ref, cleared once, under the first name that labelled it */
  ASSERT_EQ_STR(run_trace(&r, 9, NULL),
                "weakref_cleared w1 dealloc; weakref_cleared w3 dealloc; "
                "callback w3 cb; dealloc a");
  ASSERT_EQ_STR(run_trace(&r, 10, NULL), "");
  ASSERT_EQ_STR(run_trace(&r, 11, NULL), "dealloc w1");
  run_free(&r);
}

TEST(sharing_a_weakref_allocates_nothing) {
  /* weakref___new__ returns the basic ref before any allocation, so it
     does not count towards threshold0: with threshold 2 the collection
     comes at `new b` (the third real gc allocation), not at w2 */
  struct run r;
  ASSERT_EQ_INT(run_text(&r,
                         "threshold 2\n"
                         "new a object\n"     /* 1 */
                         "weakref w1 a\n"     /* 2 */
                         "weakref w2 a\n"     /* shared: still 2 */
                         "weakref w3 a\n"     /* shared: still 2 */
                         "new b object\n",    /* 3 > 2: collect */
                         "cpython-3.9", 0),
                0);
  ASSERT_EQ_STR(run_outcome(&r), "clean");
  ASSERT_EQ_STR(run_trace(&r, 0, "op gc_start"),
                "op threshold 2; op new a object; op weakref w1 a; "
                "op weakref w2 a; op weakref w3 a; op new b object; "
                "gc_start 0");
  run_free(&r);
}

TEST(weakref_dying_first_drops_its_callback_uncalled) {
  struct run r;
  ASSERT_EQ_INT(run_text(&r,
                         "gc disable\nnew o object fin\nnew cb function\n"
                         "weakref w o cb\ndel w\ndel o\n",
                         "cpython-3.9", 0),
                0);
  ASSERT_EQ_STR(run_outcome(&r), "clean");
  ASSERT_EQ_STR(run_trace(&r, 5, NULL), "weakref_cleared w dealloc; dealloc w");
  ASSERT_EQ_STR(run_trace(&r, 6, NULL), "finalize o; dealloc o");
  ASSERT_EQ_INT(run_count(&r, "callback w cb"), 0);
  /* the callback function itself lives on (its name holds it) */
  ASSERT_EQ_INT(r.stats.objects_alive, 1);
  run_free(&r);
}

TEST(unlink_empties_the_slot_before_the_decref) {
  /* Py_CLEAR: while b's finalizer runs, a.0 is already NULL, so `keep a.0`
     finds nothing and b is not resurrected */
  struct run r;
  ASSERT_EQ_INT(run_text(&r,
                         "gc disable\n"
                         "new a object\n"
                         "new b object fin\n"
                         "new k leaf\n"
                         "link a b\n"
                         "link a k\n"
                         "on b finalize: keep a.0; keep a.1\n"
                         "del b\n"
                         "del k\n"
                         "unlink a a.0\n"
                         "del a\n",
                         "cpython-3.9", 0),
                0);
  ASSERT_EQ_STR(run_outcome(&r), "clean");
  ASSERT_EQ_STR(run_trace(&r, 10, "finalize resurrected dealloc"),
                "finalize b; dealloc b");
  /* the other slot was still there: k was kept, so it outlives a */
  ASSERT_EQ_STR(run_trace(&r, 11, "dealloc"), "dealloc a");
  ASSERT_EQ_INT(r.stats.objects_alive, 1);
  run_free(&r);
}

TEST(unlink_action_empties_the_slot_before_the_decref) {
  /* the same from a script: x's finalizer unlinks h.0 (b), whose finalizer
     looks at h.0 and finds it empty */
  struct run r;
  ASSERT_EQ_INT(run_text(&r,
                         "gc disable\n"
                         "new h object\n"
                         "new b object fin\n"
                         "new x object fin\n"
                         "link h b\n"
                         "on x finalize: unlink h h.0\n"
                         "on b finalize: keep h.0\n"
                         "del b\n"
                         "del x\n",
                         "cpython-3.9", 0),
                0);
  ASSERT_EQ_STR(run_outcome(&r), "clean");
  ASSERT_EQ_STR(run_trace(&r, 9, "finalize dealloc resurrected"),
                "finalize x; finalize b; dealloc b; dealloc x");
  run_free(&r);
}

/* ---- a million-long chain ---- */

static struct gcs_stmt *add_stmt(struct gcs_program *p, enum gcs_op op) {
  struct gcs_stmt *st = program_add_stmt(p);
  if (st) st->op = (uint8_t)op;
  return st;
}

static void name_path(struct gcs_path *path, uint32_t sym) {
  path->root = GCS_ROOT_NAME;
  path->sym = sym;
}

/*
** gc disable; new a; then n-1 times: new X (rebinding X drops its old
** object, which the other name's object holds), link X Y, X and Y swapping;
** finally del Y, del X: the head dies and takes the whole chain with it.
** Returns 0, or -1 on out of memory.
*/
static int build_chain(struct gcs_program *p, uint32_t n) {
  program_init(p);
  uint32_t sym[2] = {program_sym(p, "a"), program_sym(p, "b")};
  if (sym[0] == UINT32_MAX || sym[1] == UINT32_MAX) return -1;
  if (!add_stmt(p, GCS_GC_DISABLE)) return -1;
  struct gcs_stmt *st = add_stmt(p, GCS_NEW);
  if (!st) return -1;
  st->kind = GCS_OBJECT;
  st->sym = sym[0];
  uint32_t x = 1;
  for (uint32_t i = 1; i < n; i++, x ^= 1) {
    st = add_stmt(p, GCS_NEW);
    if (!st) return -1;
    st->kind = GCS_OBJECT;
    st->sym = sym[x];
    st = add_stmt(p, GCS_LINK);
    if (!st) return -1;
    name_path(&st->a, sym[x]);
    name_path(&st->b, sym[x ^ 1]);
  }
  /* x ^ 1 names the head now */
  if (!(st = add_stmt(p, GCS_DEL))) return -1;
  st->sym = sym[x];
  if (!(st = add_stmt(p, GCS_DEL))) return -1;
  st->sym = sym[x ^ 1];
  return 0;
}

static void million_chain_under(const char *policy) {
  const uint32_t n = 1000000;
  struct gcs_program p;
  ASSERT_EQ_INT(build_chain(&p, n), 0);
  struct run r;
  int rc = run_program(&r, &p, policy, RUN_NO_LINES | RUN_NO_CHECK);
  ASSERT_EQ_INT(rc, 0);
  ASSERT_EQ_STR(run_outcome(&r), "clean");
  ASSERT_EQ_INT(r.stats.objects_created, n);
  ASSERT_EQ_INT(r.stats.objects_freed, n);
  ASSERT_EQ_INT(r.stats.objects_alive, 0);
  ASSERT_EQ_INT(r.stats.collections, 0);
  run_free(&r);
  program_free(&p);
}

TEST(million_chain_frees_without_trashcan) {
  /* no trashcan: the worklist alone must keep the C stack flat */
  million_chain_under("cpython-3.9,trashcan_limit=0");
}

TEST(million_chain_frees_with_trashcan) {
  million_chain_under("cpython-3.13");
}

TEST(small_chain_api_program_matches_text_scenario) {
  /* the builder above means what it says: the same program as text */
  struct gcs_program p;
  ASSERT_EQ_INT(build_chain(&p, 3), 0);
  struct gcs_buf b;
  buf_init(&b);
  scenario_print(&p, &b);
  char text[512];
  snprintf(text, sizeof text, "%s", b.p ? b.p : "");
  buf_free(&b);
  ASSERT_EQ_STR(text,
                "gc disable\nnew a object\nnew b object\nlink b a\n"
                "new a object\nlink a b\ndel b\ndel a\n");
  struct run r;
  ASSERT_EQ_INT(run_program(&r, &p, "cpython-3.9", 0), 0);
  ASSERT_EQ_STR(run_outcome(&r), "clean");
  /* step 7 `del b` frees nothing; step 8 frees the chain, tail first */
  ASSERT_EQ_STR(run_trace(&r, 7, "dealloc"), "");
  ASSERT_EQ_STR(run_trace(&r, 8, "dealloc"),
                "dealloc a; dealloc b; dealloc a");
  run_free(&r);
  program_free(&p);
}

/* ---- trashcan ---- */

/* gc disable; o1..on (fin when fin), o_i -> o_{i+1}, names dropped tail
   first, then del o1. Caller frees. */
static char *chain_text(int n, int fin) {
  struct gcs_buf b;
  buf_init(&b);
  buf_puts(&b, "gc disable\n");
  for (int i = 1; i <= n; i++) buf_printf(&b, "new o%d object%s\n", i, fin ? " fin" : "");
  for (int i = 1; i < n; i++) buf_printf(&b, "link o%d o%d\n", i, i + 1);
  for (int i = n; i >= 1; i--) buf_printf(&b, "del o%d\n", i);
  return b.p;
}

TEST(trashcan_small_limit_exact_order) {
  /* limit 3: o4 is deposited at nesting 3 and freed after o1, with the
     nesting bumped by the destroy chain (CPython 3.8 object.c) */
  char *t = chain_text(8, 0);
  struct run r;
  ASSERT_EQ_INT(run_text(&r, t, "cpython-3.8,trashcan_limit=3", 0), 0);
  ASSERT_EQ_STR(run_outcome(&r), "clean");
  ASSERT_EQ_STR(run_trace(&r, 0, "dealloc"),
                "dealloc o3; dealloc o2; dealloc o1; dealloc o5; dealloc o4; "
                "dealloc o7; dealloc o6; dealloc o8");
  run_free(&r);
  ASSERT_EQ_INT(run_text(&r, t, "cpython-3.8,trashcan_limit=0", 0), 0);
  free(t);
  ASSERT_EQ_STR(run_trace(&r, 0, "dealloc"),
                "dealloc o8; dealloc o7; dealloc o6; dealloc o5; dealloc o4; "
                "dealloc o3; dealloc o2; dealloc o1");
  run_free(&r);
}

TEST(trashcan_changes_order_only_past_the_limit) {
  /* cpython-3.8: 50 nested deallocs run, the 51st is deferred */
  for (int n = 49; n <= 51; n++) {
    char *t = chain_text(n, 0);
    struct run with, without;
    ASSERT_EQ_INT(run_text(&with, t, "cpython-3.8", 0), 0);
    ASSERT_EQ_INT(run_text(&without, t, "cpython-3.8,trashcan_limit=0", 0), 0);
    free(t);
    ASSERT_EQ_STR(run_outcome(&with), "clean");
    ASSERT_EQ_INT(with.stats.objects_freed, n);
    char last[32];
    snprintf(last, sizeof last, "dealloc o%d", n);
    if (n <= 50) {
      ASSERT_EQ_U64(with.fingerprint, without.fingerprint);
      ASSERT_EQ_STR(run_trace(&with, 0, "dealloc"),
                    run_trace(&without, 0, "dealloc"));
    } else {
      ASSERT_NE_U64(with.fingerprint, without.fingerprint);
      /* without: the tail first; with: the deposited tail after o1 */
      ASSERT_EQ_INT(run_find(&without, last, 0) <
                        run_find(&without, "dealloc o1", 0),
                    1);
      ASSERT_EQ_INT(run_find(&with, last, 0) > run_find(&with, "dealloc o1", 0),
                    1);
    }
    run_free(&with);
    run_free(&without);
  }
}

TEST(trashcan_keeps_finalizer_order) {
  /* finalizers run at the start of each dealloc: o1..o60 in order, with or
     without the trashcan */
  char *t = chain_text(60, 1);
  struct run with, without;
  ASSERT_EQ_INT(run_text(&with, t, "cpython-3.8", 0), 0);
  ASSERT_EQ_INT(run_text(&without, t, "cpython-3.8,trashcan_limit=0", 0), 0);
  free(t);
  ASSERT_EQ_STR(run_trace(&with, 0, "finalize"),
                run_trace(&without, 0, "finalize"));
  ASSERT_EQ_INT(run_find(&with, "finalize o1", 0) < run_find(&with, "finalize o60", 0), 1);
  ASSERT_NE_U64(with.fingerprint, without.fingerprint);
  run_free(&with);
  run_free(&without);
}

/* o1 -> o2 -> ... -> on, each o_i also holding a leaf l_i with a finalizer,
   released after o_{i+1}: the order of `finalize l_i` shows where the
   trashcan deferred (tests/golden's Obj shape: a list subclass whose
   list_dealloc releases [l_i, o_{i+1}] last item first). Caller frees. */
static char *chain_with_leaves(int n) {
  struct gcs_buf b;
  buf_init(&b);
  buf_puts(&b, "gc disable\n");
  for (int i = 1; i <= n; i++) buf_printf(&b, "new o%d object\nnew l%d object fin\n", i, i);
  for (int i = 1; i <= n; i++) {
    if (i < n) buf_printf(&b, "link o%d o%d\n", i, i + 1);
    buf_printf(&b, "link o%d l%d\n", i, i);
  }
  for (int i = n; i >= 1; i--) buf_printf(&b, "del l%d\n", i);
  for (int i = n; i >= 1; i--) buf_printf(&b, "del o%d\n", i);
  return b.p;
}

/* "finalize lA; finalize lB; ..." for the listed leaf numbers. */
static const char *leaf_order(char *out, size_t len, const int *ids, int n) {
  size_t used = 0;
  out[0] = '\0';
  for (int i = 0; i < n && used < len; i++)
    used += (size_t)snprintf(out + used, len - used, "%sfinalize l%d",
                             i ? "; " : "", ids[i]);
  return out;
}

TEST(trashcan_matches_cpython_3_8_to_3_13_for_60_levels) {
  /* recorded with the probe shape above on 3.8.18 and 3.12.1: 50 levels
     run; o51 and then l50 reach the 51st level and wait in the trashcan
     (LIFO: l50 comes out first). 3.13.0: no deferral at this depth. */
  static const int want38[] = {
      49, 48, 47, 46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36, 35, 34, 33,
      32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16,
      15, 14, 13, 12, 11, 10, 9,  8,  7,  6,  5,  4,  3,  2,  1,  50, 60,
      59, 58, 57, 56, 55, 54, 53, 52, 51};
  int want313[60];
  for (int i = 0; i < 60; i++) want313[i] = 60 - i;
  char *t = chain_with_leaves(60);
  char want[2048];
  struct run r;
  ASSERT_EQ_INT(run_text(&r, t, "cpython-3.8", 0), 0);
  ASSERT_EQ_STR(run_trace(&r, 0, "finalize"), leaf_order(want, sizeof want, want38, 60));
  run_free(&r);
  ASSERT_EQ_INT(run_text(&r, t, "cpython-3.12", 0), 0);
  ASSERT_EQ_STR(run_trace(&r, 0, "finalize"), leaf_order(want, sizeof want, want38, 60));
  run_free(&r);
  ASSERT_EQ_INT(run_text(&r, t, "cpython-3.13", 0), 0);
  free(t);
  ASSERT_EQ_STR(run_trace(&r, 0, "finalize"), leaf_order(want, sizeof want, want313, 60));
  run_free(&r);
}

/*
** MODEL BUG (sim/policy.c, cpython-3.6 / cpython-3.7 trashcan_limit=49):
** before bpo-35983 (3.8) both subtype_dealloc and the base type's dealloc
** (list_dealloc for tests/golden's Obj, dict_dealloc for an instance's
** __dict__) take a trashcan level, so each Python object costs two levels and
** the trashcan defers after ~24 objects, not 48. Recorded on 3.7.16 and
** 3.6.15 with the probe shape of chain_with_leaves(30) (python: o_i =
** Obj([l_i, o_{i+1}]), l_i with __del__): 24..1, 25, 30..26. The model runs
** the whole chain unnested (30..1), as its one level per object allows 48.
*/
TEST(model_bug_trashcan_two_levels_per_object_before_3_8) {
  static const int want37[] = {24, 23, 22, 21, 20, 19, 18, 17, 16, 15,
                               14, 13, 12, 11, 10, 9,  8,  7,  6,  5,
                               4,  3,  2,  1,  25, 30, 29, 28, 27, 26};
  char *t = chain_with_leaves(30);
  char want[1024];
  struct run r;
  ASSERT_EQ_INT(run_text(&r, t, "cpython-3.7", 0), 0);
  ASSERT_EQ_STR(run_trace(&r, 0, "finalize"), leaf_order(want, sizeof want, want37, 30));
  run_free(&r);
  ASSERT_EQ_INT(run_text(&r, t, "cpython-3.6", 0), 0);
  free(t);
  ASSERT_EQ_STR(run_trace(&r, 0, "finalize"), leaf_order(want, sizeof want, want37, 30));
  run_free(&r);
}

/* ---- resurrection in dealloc ---- */

TEST(resurrection_in_dealloc_gc_kind_finalizes_once) {
  /* golden resurrect_once */
  struct run r;
  ASSERT_EQ_INT(run_text(&r,
                         "gc disable\nnew h object\nnew b object fin\n"
                         "on b finalize: link h self\nnew cb function\n"
                         "weakref w b cb\ndel b\nunlink h h.0\n",
                         "cpython-3.9", 0),
                0);
  ASSERT_EQ_STR(run_outcome(&r), "clean");
  ASSERT_EQ_STR(run_trace(&r, 7, "finalize resurrected callback dealloc"),
                "finalize b; resurrected b");
  /* the second death: no second finalize, the callback now runs */
  ASSERT_EQ_STR(run_trace(&r, 8, "finalize resurrected callback dealloc"),
                "callback w cb; dealloc b");
  ASSERT_EQ_INT(run_count(&r, "finalize b"), 1);
  run_free(&r);
}

TEST(resurrection_in_dealloc_non_gc_kind_finalizes_again) {
  /* a non-gc type has no FINALIZED flag: tp_finalize runs at every death,
     and that is no violation (EMP 4c/4d) */
  struct run r;
  ASSERT_EQ_INT(run_text(&r,
                         "gc disable\nnew h object\nnew b opaque fin\n"
                         "on b finalize: link h self\ndel b\nunlink h h.0\n"
                         "unlink h h.1\n",
                         "cpython-3.9", 0),
                0);
  ASSERT_EQ_STR(run_outcome(&r), "clean");
  ASSERT_EQ_INT(run_count(&r, "finalize b"), 3);
  ASSERT_EQ_INT(run_count(&r, "resurrected b"), 3);
  ASSERT_EQ_INT(run_count(&r, "dealloc b"), 0);
  run_free(&r);
}

/* ---- the collector ---- */

TEST(legacy_finalizer_cycle_goes_to_gc_garbage) {
  struct run r;
  ASSERT_EQ_INT(run_text(&r,
                         "gc disable\nnew d object legacy\nlink d d\ndel d\n"
                         "collect 2\ncollect 2\n",
                         "cpython-3.9", 0),
                0);
  ASSERT_EQ_STR(run_outcome(&r), "clean");
  ASSERT_EQ_STR(run_trace(&r, 5, "gc_start tp_del finalize tp_clear dealloc "
                                 "garbage gc_end collect_result"),
                "gc_start 2; garbage d; gc_end 2 0 1; collect_result 2 1");
  /* the unreachable event comes after the legacy objects left the set */
  ASSERT_EQ_STR(run_trace(&r, 5, "unreachable"), "unreachable -");
  /* gc.garbage now holds d: the next collection sees it as reachable */
  ASSERT_EQ_STR(run_trace(&r, 6, "garbage gc_end"), "gc_end 2 0 0");
  ASSERT_EQ_INT(r.stats.objects_alive, 1);
  run_free(&r);
}

TEST(objects_reachable_from_legacy_cycle_are_kept_too) {
  struct run r;
  ASSERT_EQ_INT(run_text(&r,
                         "gc disable\nnew d object legacy\nnew x object fin\n"
                         "link d d\nlink d x\nlink x d\ndel x\ndel d\ncollect 2\n",
                         "cpython-3.9", 0),
                0);
  ASSERT_EQ_STR(run_outcome(&r), "clean");
  /* x is reachable from d: not finalized, not cleared, not in gc.garbage,
     but counted as uncollectable (n = size of the finalizers list; 3.8 and
     3.12 report "uncollectable": 2 for this graph) */
  ASSERT_EQ_STR(run_trace(&r, 9, "finalize tp_clear dealloc garbage gc_end"),
                "garbage d; gc_end 2 0 2");
  run_free(&r);
}

TEST(nested_collect_returns_zero_without_gc_start) {
  struct run r;
  ASSERT_EQ_INT(run_text(&r,
                         "gc disable\nnew b object fin\n"
                         "on b finalize: collect 2\nlink b b\ndel b\ncollect 2\n",
                         "cpython-3.9", 0),
                0);
  ASSERT_EQ_STR(run_outcome(&r), "clean");
  ASSERT_EQ_STR(run_trace(&r, 6, "gc_start gc_end collect_result finalize"),
                "gc_start 2; finalize b; collect_result 2 0 nested; "
                "gc_end 2 1 0; collect_result 2 1");
  ASSERT_EQ_INT(r.stats.collections, 1);
  run_free(&r);
}

/* one resurrecting finalizer plus two unrelated trash self-cycles with
   callback weakrefs (golden resurrect_five, shortened) */
static const char resurrect_two[] =
    "gc disable\n"
    "new b object fin\n"
    "on b finalize: keep self\n"
    "link b b\n"
    "new cbx function\n"
    "new x1 object\n"
    "new x2 object\n"
    "link x1 x1\n"
    "link x2 x2\n"
    "weakref wx1 x1 cbx\n"
    "weakref wx2 x2 cbx\n"
    "del b\n"
    "del x1\n"
    "del x2\n"
    "collect 2\n";

TEST(resurrection_all_or_nothing_up_to_3_8) {
  static const char *const pols[] = {"cpython-3.7", "cpython-3.8"};
  for (int i = 0; i < 2; i++) {
    struct run r;
    ASSERT_EQ_INT(run_text(&r, resurrect_two, pols[i], 0), 0);
    ASSERT_EQ_STR(run_outcome(&r), "clean");
    /* callbacks ran and the weakrefs are dead, yet nothing is freed */
    ASSERT_EQ_STR(run_trace(&r, 15, "callback finalize resurrected tp_clear "
                                    "dealloc gc_end collect_result"),
                  "callback wx1 cbx; callback wx2 cbx; finalize b; "
                  "resurrected b; gc_end 2 0 0; collect_result 2 0");
    run_free(&r);
  }
}

TEST(resurrection_count_before_check_in_3_8b4) {
  /* bpo-38379: 3.8b4 counted the whole set as collected, freeing nothing */
  struct run r;
  ASSERT_EQ_INT(run_text(&r, resurrect_two, "cpython-3.8b4", 0), 0);
  ASSERT_EQ_STR(run_trace(&r, 15, "dealloc gc_end"), "gc_end 2 3 0");
  run_free(&r);
}

TEST(resurrection_per_object_from_3_9) {
  static const char *const pols[] = {"cpython-3.9", "cpython-3.11",
                                     "cpython-3.12", "cpython-main"};
  for (int i = 0; i < 4; i++) {
    struct run r;
    ASSERT_EQ_INT(run_text(&r, resurrect_two, pols[i], 0), 0);
    ASSERT_EQ_STR(run_outcome(&r), "clean");
    ASSERT_EQ_STR(run_trace(&r, 15, "callback finalize resurrected tp_clear "
                                    "dealloc gc_end"),
                  "callback wx1 cbx; callback wx2 cbx; finalize b; "
                  "resurrected b; tp_clear x1; dealloc x1; tp_clear x2; "
                  "dealloc x2; gc_end 2 2 0");
    run_free(&r);
  }
}

TEST(saveall_keeps_unreachable_in_gc_garbage_uncleared) {
  struct run r;
  ASSERT_EQ_INT(run_text(&r,
                         "gc disable\ngc saveall on\nnew a object fin\n"
                         "new b object\nlink a b\nlink b a\ndel a\ndel b\n"
                         "collect 2\n",
                         "cpython-3.9", 0),
                0);
  ASSERT_EQ_STR(run_outcome(&r), "clean");
  /* finalizers still run; nothing is tp_cleared or freed */
  ASSERT_EQ_STR(run_trace(&r, 9, "finalize tp_clear dealloc garbage gc_end"),
                "finalize a; garbage a; garbage b; gc_end 2 2 0");
  ASSERT_EQ_INT(r.stats.objects_alive, 2);
  run_free(&r);
}

TEST(saveall_off_collects_again) {
  struct run r;
  ASSERT_EQ_INT(run_text(&r,
                         "gc disable\ngc saveall on\ngc saveall off\n"
                         "new a object\nlink a a\ndel a\ncollect 2\n",
                         "cpython-3.9", 0),
                0);
  ASSERT_EQ_STR(run_trace(&r, 7, "tp_clear dealloc garbage"),
                "tp_clear a; dealloc a");
  run_free(&r);
}

/* threshold 2: the third gc allocation (new z) exceeds threshold0 */
static const char auto_gc[] =
    "threshold 2\n"
    "new a object\n"
    "new b object\n"
    "new z object\n"
    "link z z\n"
    "del z\n"
    "collect 0\n";

TEST(auto_collection_inside_the_allocation_up_to_3_11) {
  static const char *const pols[] = {"cpython-3.7", "cpython-3.9",
                                     "cpython-3.11"};
  for (int i = 0; i < 3; i++) {
    struct run r;
    ASSERT_EQ_INT(run_text(&r, auto_gc, pols[i], 0), 0);
    ASSERT_EQ_STR(run_outcome(&r), "clean");
    ASSERT_EQ_STR(run_trace(&r, 3, "gc_start"), "");
    ASSERT_EQ_STR(run_trace(&r, 4, "gc_start gc_end"), "gc_start 0; gc_end 0 0 0");
    /* z did not exist during that collection: it is still young, and the
       explicit collect 0 finds it */
    ASSERT_EQ_STR(run_trace(&r, 7, "unreachable collect_result"),
                  "unreachable z; collect_result 0 1");
    run_free(&r);
  }
}

TEST(auto_collection_after_the_statement_from_3_12) {
  static const char *const pols[] = {"cpython-3.12", "cpython-main"};
  for (int i = 0; i < 2; i++) {
    struct run r;
    ASSERT_EQ_INT(run_text(&r, auto_gc, pols[i], 0), 0);
    ASSERT_EQ_STR(run_outcome(&r), "clean");
    ASSERT_EQ_STR(run_trace(&r, 3, "gc_start"), "");
    ASSERT_EQ_STR(run_trace(&r, 4, "gc_start gc_end"), "gc_start 0; gc_end 0 0 0");
    /* z existed and was promoted to generation 1 by that collection */
    ASSERT_EQ_STR(run_trace(&r, 7, "unreachable collect_result"),
                  "unreachable -; collect_result 0 0");
    run_free(&r);
  }
}

TEST(auto_collection_off_when_disabled) {
  struct run r;
  ASSERT_EQ_INT(run_text(&r,
                         "gc disable\nthreshold 2\nnew a object\nnew b object\n"
                         "new c object\nnew d object\n",
                         "cpython-3.9", 0),
                0);
  ASSERT_EQ_INT(r.stats.collections, 0);
  ASSERT_EQ_STR(run_trace(&r, 0, "gc_start"), "");
  run_free(&r);
}

/* `exit` as real interpreters shut down: __main__'s globals are dropped in
   the dict's order, oldest first (3.6.15, 3.8.18, 3.12.1 and 3.13.0 run
   the __del__ of `a`, `_u`, `c`, `a2` in binding order; scenario-format.md
   said newest first, which no version does), then one collection. */
TEST(exit_drops_globals_oldest_first_then_collects_silently) {
  struct run r;
  ASSERT_EQ_INT(run_text(&r,
                         "new a object fin\n"
                         "new b object fin\n"
                         "new d object fin\n"
                         "link d d\n"
                         "new e object fin\n"
                         "on e finalize: keep self\n"
                         "del e\n"   /* e now lives in the newest global */
                         "exit\n",
                         "cpython-3.9", 0),
                0);
  ASSERT_EQ_STR(run_outcome(&r), "clean");
  ASSERT_EQ_STR(run_trace(&r, 7, "finalize resurrected"),
                "finalize e; resurrected e");
  /* a, b, then d (a cycle: survives), then the keep-global e; then one
     collection without gc callbacks and without a collect result */
  ASSERT_EQ_STR(run_trace(&r, 8, "finalize dealloc tp_clear unreachable "
                                 "gc_start gc_end collect_result"),
                "finalize a; dealloc a; finalize b; dealloc b; dealloc e; "
                "unreachable d; finalize d; tp_clear d; dealloc d");
  ASSERT_EQ_INT(r.stats.objects_alive, 0);
  run_free(&r);
}

/*
** MODEL BUG, fixed in 44f9488 (sim/run.c, stmt_weakref): the top-level
** `weakref W T C` did not hold T and C while the weakref was allocated. On
** <= 3.11 that allocation can run a collection, and a finalizer there can
** drop the last other reference to T and C. CPython evaluates
** `w = weakref.ref(h[0], h[1])` with T and C on the frame's stack, so both
** survive the collection; the weakref is made, then T dies when the stack
** lets go and the callback runs. The model linked a new weakref to the freed
** T and took a reference to the freed C: the run ended in an internal error
** ("freed t still has references or links"); with the walker off it would
** have reported a false use-after-free later.
*/
TEST(model_bug_weakref_statement_holds_target_and_callback) {
  struct run r;
  ASSERT_EQ_INT(run_text(&r,
                         "threshold 4\n"
                         "new h object\n"
                         "new t object\n"
                         "new c function\n"
                         "link h t\n"
                         "link h c\n"
                         "del t\n"
                         "del c\n"
                         "new g object fin\n"
                         "link g g\n"
                         "on g finalize: unlink h h.0; unlink h h.1\n"
                         "del g\n"
                         "weakref w h.0 h.1\n", /* 5th gc alloc: collects */
                         "cpython-3.9", 0),
                0);
  ASSERT_EQ_STR(run_trace(&r, 13, "gc_start"), "gc_start 0");
  ASSERT_EQ_STR(run_outcome(&r), "clean");
  ASSERT_TRUE(run_find(&r, "callback w c", 0) >= 0);
  ASSERT_TRUE(run_find(&r, "dealloc t", 0) > run_find(&r, "callback w c", 0));
  run_free(&r);
}

/* gc.get_objects() makes its result with PyList_New(0): from the list free
   list, else a gc allocation, which may collect before the list is filled
   (3.6-3.11) and stays counted when the list goes back on the free list.
   Both programs agree with 3.6.15, 3.8.18, 3.11.7, 3.12.1 and 3.13.0
   (gcsim confirm). */
TEST(get_objects_list_is_a_gc_allocation) {
  struct run r;
  ASSERT_EQ_INT(run_text(&r,
                         "new a object\n"
                         "collect 2\n" /* the free lists are empty */
                         "threshold 1\n"
                         "new t object\n" /* count 1 */
                         "link t t\n"
                         "del t\n"
                         "get_objects\n", /* 7: the list is the 2nd */
                         "cpython-3.9", 0),
                0);
  ASSERT_EQ_STR(run_trace(&r, 7, "gc_start dealloc gc_end"),
                "gc_start 0; dealloc t; gc_end 0 1 0");
  run_free(&r);
  ASSERT_EQ_INT(run_text(&r,
                         "new a object\n"
                         "collect 2\n"
                         "get_objects\n" /* 3: counted, then on the free list */
                         "threshold 1\n"
                         "get_objects\n" /* 5: from the free list */
                         "new x object\n", /* 6: count 2 */
                         "cpython-3.9", 0),
                0);
  ASSERT_EQ_STR(run_trace(&r, 5, "gc_start"), "");
  ASSERT_EQ_STR(run_trace(&r, 6, "gc_start"), "gc_start 0");
  run_free(&r);
}

/* 3.14's incremental collector (pyodide 3.14.2, measured): gc.collect(1)
   is an increment, and after a full collection increments collect nothing
   (three collect(1) returned 0, then collect(0) found every cycle); an
   automatic collection is an increment too (gc.callbacks saw generation 1,
   collected 0, with threshold 5). 3.15.0rc1 collects at collect(1) as 3.13
   does. */
static const char incremental[] =
    "new a object\nlink a a\ndel a\n"
    "collect 1\ncollect 1\n"      /* 4, 5 */
    "collect 0\n"                 /* 6 */
    "threshold 2\n"
    "new b object\nlink b b\ndel b\n"
    "new c object\nnew d object\n" /* 12: count 3 > 2 */
    "collect 2\n";                /* 13 */

TEST(increments_collect_nothing_in_3_14) {
  struct run r;
  ASSERT_EQ_INT(run_text(&r, incremental, "cpython-3.14", 0), 0);
  ASSERT_EQ_STR(run_outcome(&r), "clean");
  ASSERT_EQ_STR(run_trace(&r, 4, "gc_start unreachable gc_end collect_result"),
                "gc_start 1; gc_end 1 0 0; collect_result 1 0");
  ASSERT_EQ_STR(run_trace(&r, 5, "collect_result"), "collect_result 1 0");
  ASSERT_EQ_STR(run_trace(&r, 6, "unreachable collect_result"),
                "unreachable a; collect_result 0 1");
  ASSERT_EQ_STR(run_trace(&r, 12, "gc_start unreachable gc_end"),
                "gc_start 1; gc_end 1 0 0");
  ASSERT_EQ_STR(run_trace(&r, 13, "unreachable collect_result"),
                "unreachable b; collect_result 2 1");
  run_free(&r);
  ASSERT_EQ_INT(run_text(&r, incremental, "cpython-3.15", 0), 0);
  ASSERT_EQ_STR(run_trace(&r, 4, "unreachable collect_result"),
                "unreachable a; collect_result 1 1");
  ASSERT_EQ_STR(run_trace(&r, 12, "gc_start unreachable"),
                "gc_start 0; unreachable b");
  run_free(&r);
}

/* Past increment_horizon young objects counted by increments, real
   increments start to collect (12,700 on pyodide 3.14.2 with threshold
   10): the model stops there, a budget, never a guess. */
TEST(increment_horizon_stops_the_run) {
  struct run r;
  ASSERT_EQ_INT(run_text(&r, incremental,
                         "cpython-3.14,increment_horizon=2", 0),
                0);
  ASSERT_EQ_INT(r.status, SIM_BADINPUT);
  ASSERT_TRUE(strstr(r.internal, "3.14's increments") != NULL);
  run_free(&r);
}

/* 3.14 counts tracked objects (GH-140262): untracking takes one off, so an
   untracked object does not bring the next collection nearer; 3.15 counts
   allocations as 3.13 does. */
TEST(count_on_track_in_3_14) {
  static const char text[] = "threshold 2\n"
                             "new a object\nnew b object\n"
                             "untrack a\n"
                             "new c object\n"; /* 5: 3 allocated, 2 tracked */
  struct run r;
  ASSERT_EQ_INT(run_text(&r, text, "cpython-3.14", 0), 0);
  ASSERT_EQ_STR(run_trace(&r, 5, "gc_start"), "");
  run_free(&r);
  ASSERT_EQ_INT(run_text(&r, text, "cpython-3.15", 0), 0);
  ASSERT_EQ_STR(run_trace(&r, 5, "gc_start"), "gc_start 0");
  run_free(&r);
}

/* 3.14's count of tracked objects schedules a collection only when a
   tracking takes it over threshold0 (pycore_gc.h _PyObject_GC_TRACK:
   young.count > young.threshold): three tracked objects with threshold 3
   do not, the fourth does; a count that goes over and comes back down
   within a statement (PyObject_ClearWeakRefs' tuple, tracked while a dies)
   still ran the collection after it. Measured on pyodide 3.14.2 with
   `gcsim confirm` (the probe reads young.count from memory: gc.get_count's
   own tuple is tracked and counted there): gc_start 1 at 7 in the first,
   at 11, after the callbacks and deallocations, in the second. */
TEST(count_on_track_schedules_over_threshold0) {
  static const char over[] = "threshold 3\nnew cb function\n"
                             "new a object fin\nlink a a\n"
                             "weakref wa a cb\n" /* 5: count 3 */
                             "del a\nnew b object\n"; /* 7: count 4 */
  static const char down[] = "new a object\nnew cb2 object\n"
                             "weakref w2 a cb2\ncollect 2\n"
                             "new cb1 object\nweakref w1 a cb1\n"
                             "link cb1 w1\ndel w1\ndel cb1\n"
                             "threshold 1\n" /* 10: count 2, no tracking */
                             "del a\n"; /* 11: 2 - a + the tuple, then 0 */
  struct run r;
  ASSERT_EQ_INT(run_text(&r, over, "cpython-3.14", 0), 0);
  ASSERT_EQ_STR(run_trace(&r, 5, "gc_start"), "");
  ASSERT_EQ_STR(run_trace(&r, 7, "gc_start"), "gc_start 1");
  run_free(&r);
  ASSERT_EQ_INT(run_text(&r, down, "cpython-3.14", 0), 0);
  ASSERT_EQ_STR(run_trace(&r, 10, "gc_start"), "");
  ASSERT_EQ_STR(run_trace(&r, 11, "callback gc_start"),
                "callback w1 cb1; callback w2 cb2; gc_start 1");
  run_free(&r);
}
