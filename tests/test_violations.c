/*
** test_violations.c — every violation kind of design.md: a program that
** triggers it (kind and object asserted), and a similar legal program that
** stays quiet. Plus bpo-38006 across the policies.
**
** use-after-free has no trigger here: no legal scenario reaches a freed
** object (see use_after_free_* below and the report).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcsim/sim.h"
#include "simrun.h"
#include "test.h"

/* ---- bpo-38006 ---- */

/* corpus/scenarios/bpo38006.gcs: Z <- Y <- A <-> A ; A -> WZ -> C, with
   the 3.8b4 policy line at step 1 (a command-line policy overrides it) and
   `collect 2` at step 16 */
#define BPO38006 "corpus/scenarios/bpo38006.gcs"

TEST(bpo38006_crashes_3_8b4) {
  struct run r;
  ASSERT_EQ_INT(run_file(&r, BPO38006, "cpython-3.8b4", 0), 0);
  ASSERT_EQ_STR(run_outcome(&r), "violation call-after-clear c @16");
  ASSERT_EQ_INT(r.vkind, SV_CALL_AFTER_CLEAR);
  ASSERT_EQ_STR(r.vobj, "c");
  /* the story: c cleared, clearing a frees y and z, z's weakref calls c */
  ASSERT_EQ_STR(run_trace(&r, 16, NULL),
                "gc_start 2; unreachable c,a,wz; tp_clear c; tp_clear a; "
                "weakref_cleared wz dealloc; callback wz c; "
                "violation call-after-clear c");
  /* the violation is the last event */
  ASSERT_CONTAINS(r.lines[r.nlines - 1], "\"kind\":\"call-after-clear\"");
  run_free(&r);
}

TEST(bpo38006_clean_with_callback_3_7) {
  /* 3.7: functions have no tp_clear, so the late callback is harmless */
  struct run r;
  ASSERT_EQ_INT(run_file(&r, BPO38006, "cpython-3.7", 0), 0);
  ASSERT_EQ_STR(run_outcome(&r), "clean");
  ASSERT_EQ_INT(run_count(&r, "callback wz c"), 1);
  ASSERT_EQ_INT(run_count(&r, "tp_clear c"), 0);
  ASSERT_EQ_STR(run_trace(&r, 16, "gc_end"), "gc_end 2 3 0");
  run_free(&r);
}

TEST(bpo38006_clean_without_callback_after_fix) {
  static const char *const pols[] = {"cpython-3.8", "cpython-3.9",
                                     "cpython-3.11", "cpython-main"};
  for (int i = 0; i < 4; i++) {
    struct run r;
    ASSERT_EQ_INT(run_file(&r, BPO38006, pols[i], 0), 0);
    ASSERT_EQ_STR(run_outcome(&r), "clean");
    /* the trash weakref is cleared by gc before anything can call it */
    ASSERT_EQ_INT(run_count(&r, "weakref_cleared wz gc"), 1);
    ASSERT_EQ_INT(run_count(&r, "callback wz c"), 0);
    ASSERT_EQ_STR(run_trace(&r, 16, "callback gc_end"), "gc_end 2 3 0");
    ASSERT_EQ_INT(r.stats.objects_alive, 0);
    run_free(&r);
  }
}

/* ---- touch-after-clear ---- */

/* bpo-38006 on 3.7 with a callback that holds a trash object: the callback
   runs during delete_garbage and reads a, which gc has tp_cleared */
static const char touch_graph[] =
    "new c function\n"
    "new a object\n"
    "new y opaque\n"
    "new z object\n"
    "link a a\n"
    "link a y\n"
    "link y z\n"
    "link c a\n"
    "weakref wz z c\n"
    "link a wz\n"
    "on c call: %s\n"
    "del wz\n"
    "del z\n"
    "del y\n"
    "del c\n"
    "del a\n"
    "collect 2\n"; /* 17 */

TEST(touch_after_clear_triggered) {
  char *t = str_printf(touch_graph, "touch self.0");
  struct run r;
  ASSERT_EQ_INT(run_text(&r, t, "cpython-3.7", 0), 0);
  free(t);
  ASSERT_EQ_STR(run_outcome(&r), "violation touch-after-clear a @17");
  ASSERT_EQ_INT(r.vkind, SV_TOUCH_AFTER_CLEAR);
  ASSERT_CONTAINS(r.vdetail, "self = c -> .0 = a");
  ASSERT_TRUE(run_find(&r, "tp_clear a", 0) < run_find(&r, "callback wz c", 0));
  run_free(&r);
}

TEST(touch_after_clear_lookalike_quiet) {
  /* the same late callback reading only itself (3.7 functions are never
     cleared), and the same program under the fix */
  char *t = str_printf(touch_graph, "touch self");
  struct run r;
  ASSERT_EQ_INT(run_text(&r, t, "cpython-3.7", 0), 0);
  ASSERT_EQ_STR(run_outcome(&r), "clean");
  ASSERT_EQ_INT(run_count(&r, "callback wz c"), 1);
  run_free(&r);
  free(t);
  t = str_printf(touch_graph, "touch self.0");
  ASSERT_EQ_INT(run_text(&r, t, "cpython-3.8", 0), 0);
  free(t);
  ASSERT_EQ_STR(run_outcome(&r), "clean");
  ASSERT_EQ_INT(run_count(&r, "callback wz c"), 0);
  run_free(&r);
}

/* ---- call-after-clear ---- */

TEST(call_after_clear_triggered) {
  /* bpo-38006 proper is above; here the same hole reached by a script's
     `call`: the late callback d has no tp_clear (a bound method is such a
     callable) and calls the function f, which gc cleared first */
  struct run r;
  ASSERT_EQ_INT(run_text(&r,
                         "new f function\n"
                         "new d noclear\n"
                         "new a object\n"
                         "new y opaque\n"
                         "new z object\n"
                         "link a a\n"
                         "link a y\n"
                         "link y z\n"
                         "link a f\n"
                         "link d f\n"
                         "weakref wz z d\n"
                         "link a wz\n"
                         "on d call: call self.0\n"
                         "del wz\n"
                         "del z\n"
                         "del y\n"
                         "del f\n"
                         "del d\n"
                         "del a\n"
                         "collect 2\n", /* 20 */
                         "cpython-3.8b4", 0),
                0);
  ASSERT_EQ_STR(run_outcome(&r), "violation call-after-clear f @20");
  ASSERT_CONTAINS(r.vdetail, "func_code is NULL");
  ASSERT_EQ_STR(run_trace(&r, 20, "tp_clear callback"),
                "tp_clear f; tp_clear a; callback wz d");
  run_free(&r);
}

TEST(call_after_clear_lookalike_quiet) {
  struct run r;
  ASSERT_EQ_INT(run_file(&r, BPO38006, "cpython-3.8", 0), 0);
  ASSERT_EQ_STR(run_outcome(&r), "clean");
  run_free(&r);
  /* calling a live function from a finalizer during gc is fine */
  ASSERT_EQ_INT(run_text(&r,
                         "new f function\nnew a object fin\nlink a a\n"
                         "link a f\non a finalize: call self.1\ndel f\n"
                         "del a\ncollect 2\n",
                         "cpython-3.8b4", 0),
                0);
  ASSERT_EQ_STR(run_outcome(&r), "clean");
  ASSERT_EQ_STR(run_trace(&r, 8, "finalize tp_clear"),
                "finalize a; tp_clear f; tp_clear a");
  run_free(&r);
}

/* ---- use-after-free: no legal trigger ---- */

TEST(use_after_free_lookalike_dead_referent_reads_as_none) {
  /* after its referent died, a weakref resolves to nothing: touching or
     keeping w() is a no-op, not a read of freed memory */
  struct run r;
  ASSERT_EQ_INT(run_text(&r,
                         "new h object\nnew o object\nweakref w o\nlink h w\n"
                         "del w\nnew x object fin\non x finalize: touch h.0(); "
                         "keep h.0()\ndel o\ndel x\n",
                         "cpython-3.9", 0),
                0);
  ASSERT_EQ_STR(run_outcome(&r), "clean");
  ASSERT_EQ_STR(run_trace(&r, 9, "finalize action dealloc resurrected"),
                "finalize x; action x finalize: touch h.0(); "
                "action x finalize: keep h.0(); dealloc x");
  run_free(&r);
}

TEST(use_after_free_lookalike_dying_referent_in_callback) {
  /* in a callback the referent is dying (refcount 0): arg() is None */
  struct run r;
  ASSERT_EQ_INT(run_text(&r,
                         "new o object\nnew cb function\n"
                         "on cb call: keep arg(); touch arg()\n"
                         "weakref w o cb\ndel o\n",
                         "cpython-3.9", 0),
                0);
  ASSERT_EQ_STR(run_outcome(&r), "clean");
  ASSERT_EQ_INT(run_count(&r, "dealloc o"), 1);
  ASSERT_EQ_INT(run_count(&r, "resurrected o"), 0);
  run_free(&r);
}

TEST(use_after_free_lookalike_trashcan_deposit_reads_as_none) {
  /* limit 2: o3 waits in the trashcan (refcount 0) while o1 goes on to
     release x, whose finalizer calls a weakref to o3: None (bpo-16602) */
  struct run r;
  ASSERT_EQ_INT(run_text(&r,
                         "new h object\n"
                         "new o1 object\n"
                         "new o2 object\n"
                         "new o3 object\n"
                         "new x object fin\n"
                         "link o1 o2\n"
                         "link o2 o3\n"
                         "link o1 x\n"
                         "weakref w o3\n"
                         "link h w\n"
                         "del w\n"
                         "on x finalize: keep h.0(); touch h.0()\n"
                         "del x\n"
                         "del o3\n"
                         "del o2\n"
                         "del o1\n", /* 16 */
                         "cpython-3.8,trashcan_limit=2", 0),
                0);
  ASSERT_EQ_STR(run_outcome(&r), "clean");
  ASSERT_EQ_STR(run_trace(&r, 16, "finalize dealloc resurrected"),
                "dealloc o2; finalize x; dealloc x; dealloc o1; dealloc o3");
  ASSERT_EQ_INT(r.stats.objects_alive, 2); /* h and w */
  run_free(&r);
}

/* ---- finalizer-twice ---- */

static const char twice[] =
    "new h object\n"
    "new a object fin\n"
    "link a a\n"
    "on a finalize: link h self\n"
    "del a\n"
    "collect 2\n"     /* 6: finalize a, resurrected into h */
    "unlink h h.0\n"
    "collect 2\n";    /* 8: a is trash again */

TEST(finalizer_twice_triggered) {
  struct run r;
  ASSERT_EQ_INT(run_text(&r, twice, "cpython-3.9,finalized_flag=0", 0), 0);
  ASSERT_EQ_STR(run_outcome(&r), "violation finalizer-twice a @8");
  ASSERT_EQ_INT(run_count(&r, "finalize a"), 2);
  run_free(&r);
}

TEST(finalizer_twice_lookalike_quiet) {
  static const char *const pols[] = {"cpython-3.7", "cpython-3.9",
                                     "cpython-main"};
  for (int i = 0; i < 3; i++) {
    struct run r;
    ASSERT_EQ_INT(run_text(&r, twice, pols[i], 0), 0);
    ASSERT_EQ_STR(run_outcome(&r), "clean");
    ASSERT_EQ_INT(run_count(&r, "finalize a"), 1);
    ASSERT_EQ_STR(run_trace(&r, 8, "finalize tp_clear dealloc gc_end"),
                  "tp_clear a; dealloc a; gc_end 2 1 0");
    run_free(&r);
  }
}

/* ---- exposed-cleared ---- */

TEST(exposed_cleared_triggered) {
  /* n (no tp_clear) is a self-loop and holds a: gc clears a, n keeps it
     alive, and both go back to generation 2 */
  struct run r;
  ASSERT_EQ_INT(run_text(&r,
                         "new n noclear\nnew a object\nlink n n\nlink n a\n"
                         "del a\ndel n\ncollect 2\nget_objects\n",
                         "cpython-3.9", 0),
                0);
  ASSERT_EQ_STR(run_outcome(&r), "violation exposed-cleared a @7");
  ASSERT_EQ_STR(run_trace(&r, 7, NULL),
                "gc_start 2; unreachable n,a; tp_clear a; gc_end 2 2 0; "
                "violation exposed-cleared a");
  run_free(&r);
}

TEST(exposed_cleared_lookalike_quiet) {
  /* the same pair as a plain cycle through n: clearing a frees n, which
     frees a */
  struct run r;
  ASSERT_EQ_INT(run_text(&r,
                         "new n noclear\nnew a object\nlink a n\nlink n a\n"
                         "del a\ndel n\ncollect 2\nget_objects\n",
                         "cpython-3.9", 0),
                0);
  ASSERT_EQ_STR(run_outcome(&r), "clean");
  ASSERT_EQ_STR(run_trace(&r, 7, "tp_clear dealloc"),
                "tp_clear a; dealloc n; dealloc a");
  run_free(&r);
}

/* ---- freed-reachable ---- */

/* a's finalizer makes a weakref to the trash t and stores it in the global
   h (3.8-3.13 never clear weakrefs made by finalizers, gh-91636). Clearing
   a frees y and then s, a live object whose finalizer calls the weakref
   and keeps t in a global; gc then tp_clears t, reachable from a name. */
static const char freed_reachable[] =
    "new h object\n"
    "new a object fin\n"
    "new y opaque\n"
    "new s object fin\n"
    "new t object\n"
    "link a a\n"
    "link a y\n"
    "link y s\n"
    "link a t\n"
    "link t t\n"
    "on a finalize: weakref h self.2\n"
    "on s finalize: %s\n"
    "del s\n"
    "del y\n"
    "del t\n"
    "del a\n"
    "collect 2\n"; /* 17 */

TEST(freed_reachable_triggered) {
  static const char *const pols[] = {"cpython-3.8", "cpython-3.9",
                                     "cpython-3.13"};
  char *t = str_printf(freed_reachable, "keep h.0()");
  for (int i = 0; i < 3; i++) {
    struct run r;
    ASSERT_EQ_INT(run_text(&r, t, pols[i], 0), 0);
    ASSERT_EQ_STR(run_outcome(&r), "violation freed-reachable t @17");
    ASSERT_EQ_STR(run_trace(&r, 17, "finalize tp_clear violation"),
                  "finalize a; tp_clear a; finalize s; "
                  "violation freed-reachable t");
    run_free(&r);
  }
  free(t);
}

TEST(freed_reachable_lookalike_quiet) {
  /* main clears weakrefs to the final unreachable set after the finalizers
     (GH-136189): s finds the weakref dead, t is collected */
  char *t = str_printf(freed_reachable, "keep h.0()");
  struct run r;
  ASSERT_EQ_INT(run_text(&r, t, "cpython-main", 0), 0);
  free(t);
  ASSERT_EQ_STR(run_outcome(&r), "clean");
  ASSERT_EQ_INT(run_count(&r, "weakref_cleared w1 gc"), 1);
  ASSERT_EQ_STR(run_trace(&r, 17, "tp_clear gc_end"),
                "tp_clear a; tp_clear t; gc_end 2 2 0");
  run_free(&r);
  /* 3.9, where s only reads the weakref object itself: nothing kept */
  t = str_printf(freed_reachable, "touch h.0");
  ASSERT_EQ_INT(run_text(&r, t, "cpython-3.9", 0), 0);
  free(t);
  ASSERT_EQ_STR(run_outcome(&r), "clean");
  ASSERT_EQ_STR(run_trace(&r, 17, "tp_clear gc_end"),
                "tp_clear a; tp_clear t; gc_end 2 2 0");
  run_free(&r);
}

/* ---- list-corrupt ---- */

static const char untracked_wr[] =
    "new t object\n"
    "link t t\n"
    "new cb function\n"
    "weakref w t %s\n"
    "%s\n"
    "del t\n"
    "collect 2\n"; /* 7 */

TEST(list_corrupt_triggered) {
  static const char *const pols[] = {"cpython-3.7", "cpython-3.9",
                                     "cpython-3.13", "cpython-main"};
  char *t = str_printf(untracked_wr, "cb", "untrack w");
  for (int i = 0; i < 4; i++) {
    struct run r;
    ASSERT_EQ_INT(run_text(&r, t, pols[i], 0), 0);
    ASSERT_EQ_STR(run_outcome(&r), "violation list-corrupt w @7");
    ASSERT_EQ_INT(run_count(&r, "callback w cb"), 0);
    run_free(&r);
  }
  free(t);
}

TEST(list_corrupt_lookalike_quiet) {
  /* tracked weakref with a callback: the callback simply runs */
  char *t = str_printf(untracked_wr, "cb", "get_objects");
  struct run r;
  ASSERT_EQ_INT(run_text(&r, t, "cpython-3.9", 0), 0);
  free(t);
  ASSERT_EQ_STR(run_outcome(&r), "clean");
  ASSERT_EQ_INT(run_count(&r, "callback w cb"), 1);
  run_free(&r);
  /* untracked weakref without a callback: cleared, never moved */
  t = str_printf(untracked_wr, "", "untrack w");
  ASSERT_EQ_INT(run_text(&r, t, "cpython-3.9", 0), 0);
  free(t);
  ASSERT_EQ_STR(run_outcome(&r), "clean");
  ASSERT_EQ_INT(run_count(&r, "weakref_cleared w gc"), 1);
  run_free(&r);
}

/* ---- the tuples PyObject_ClearWeakRefs and 3.6/3.7's callback calls make:
   gc allocations when their free list is empty. Every expectation here
   was measured with gcsim confirm on the pyenv interpreters 3.6.15 to
   3.13.0 (the real crashes: SIGSEGV in 3.6.15 to 3.11.7). ---- */

static const char two_callbacks[] =
    "new cb object\n"
    "new a object\n"
    "weakref w1 a cb\n"
    "weakref w2 a cb\n"
    "collect 2\n"   /* 5: the free lists are empty now */
    "threshold 1\n"
    "new x object\n" /* 7: count 1 */
    "del a\n";      /* 8: PyTuple_New(4) is the second allocation */

TEST(clear_weakrefs_tuple_is_a_gc_allocation) {
  static const char *const collects[] = {"cpython-3.6", "cpython-3.8",
                                         "cpython-3.11"};
  for (int i = 0; i < 3; i++) {
    struct run r;
    ASSERT_EQ_INT(run_text(&r, two_callbacks, collects[i], 0), 0);
    ASSERT_EQ_STR(run_outcome(&r), "clean");
    ASSERT_EQ_STR(run_trace(&r, 8, "gc_start callback"),
                  "gc_start 0; callback w2 cb; callback w1 cb");
    run_free(&r);
  }
  /* 3.12+: the allocation only schedules; after the statement the count
     (a's own free took one back) is no longer over threshold0 */
  static const char *const schedules[] = {"cpython-3.12", "cpython-3.13"};
  for (int i = 0; i < 2; i++) {
    struct run r;
    ASSERT_EQ_INT(run_text(&r, two_callbacks, schedules[i], 0), 0);
    ASSERT_EQ_STR(run_trace(&r, 8, "gc_start callback"),
                  "callback w2 cb; callback w1 cb");
    run_free(&r);
  }
}

TEST(tuple_free_list_refills_until_a_full_collection) {
  static const char t[] =
      "new cb object\n"
      "new a object\n"
      "weakref a1 a cb\n"
      "weakref a2 a cb\n"
      "new b object\n"
      "weakref b1 b cb\n"
      "weakref b2 b cb\n"
      "new c object\n"
      "weakref c1 c cb\n"
      "weakref c2 c cb\n"
      "collect 2\n"
      "threshold 1\n"
      "del a\n"        /* 13: a gc allocation, count 1: no collection */
      "new x object\n" /* 14: count 1 again (a's free took one back) */
      "del b\n"        /* 15: the tuple a's left on the free list */
      "collect 2\n"    /* 16: empties the free lists */
      "new y object\n" /* 17 */
      "del c\n";       /* 18: a gc allocation again: over threshold0 */
  struct run r;
  ASSERT_EQ_INT(run_text(&r, t, "cpython-3.9", 0), 0);
  ASSERT_EQ_STR(run_outcome(&r), "clean");
  ASSERT_EQ_STR(run_trace(&r, 13, "gc_start"), "");
  ASSERT_EQ_STR(run_trace(&r, 15, "gc_start"), "");
  ASSERT_EQ_STR(run_trace(&r, 18, "gc_start callback"),
                "gc_start 0; callback c2 cb; callback c1 cb");
  run_free(&r);
}

/* clear_freelists deletes every cached container with PyObject_GC_Del,
   which takes generation 0's count back: here the two tuples that the
   deaths inside `collect 2` left on free lists. Agrees with 3.6.15,
   3.8.18, 3.11.7, 3.12.1 and 3.13.0. */
TEST(full_collection_takes_back_the_free_lists_count) {
  static const char t[] =
      "new cb object\n"
      "new a opaque\n"
      "weakref a1 a cb\n"
      "weakref a2 a cb\n"
      "new b opaque\n"
      "weakref b1 b cb\n"
      "weakref b2 b cb\n"
      "weakref b3 b cb\n"
      "new g object\n"
      "link g g\n"
      "link g a\n"
      "link g b\n"
      "del a\n"
      "del b\n"
      "del g\n"
      "collect 2\n"   /* 16: a and b die inside it: a 4- and a 6-tuple */
      "threshold 1\n"
      "new x object\n" /* 18: count 1 */
      "new y object\n"; /* 19: count 2 */
  static const char *const pols[] = {"cpython-3.6", "cpython-3.9",
                                     "cpython-3.11"};
  for (int i = 0; i < 3; i++) {
    struct run r;
    ASSERT_EQ_INT(run_text(&r, t, pols[i], 0), 0);
    ASSERT_EQ_STR(run_trace(&r, 18, "gc_start"), "");
    ASSERT_EQ_STR(run_trace(&r, 19, "gc_start"), "gc_start 0");
    run_free(&r);
  }
}

/* Ten callback weakrefs: PyObject_ClearWeakRefs' tuple has 20 items. From
   3.11 tupledealloc keeps it on a free list (so its count stays); before,
   PyObject_GC_Del takes the count back. Agrees with 3.10.13, 3.11.7,
   3.12.1 and 3.13.0. */
TEST(twenty_tuple_kept_from_3_11) {
  struct gcs_buf b;
  buf_init(&b);
  buf_puts(&b, "new cb object\nnew a object\n");
  for (int i = 1; i <= 10; i++) buf_printf(&b, "weakref w%d a cb\n", i);
  buf_puts(&b, "collect 2\n"       /* 13 */
               "threshold 2\n"
               "new x object\n"    /* 15: count 1 */
               "del a\n"           /* 16: the 20-tuple, then a's death */
               "new y object\n"
               "new z object\n"    /* 18: over threshold0 if it stayed */
               "new q object\n");  /* 19 */
  static const struct {
    const char *pol;
    uint32_t step;
  } cases[] = {{"cpython-3.9", 19}, {"cpython-3.11", 18},
               {"cpython-3.13", 18}, {"cpython-3.9,tuple_free_max=20", 18}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct run r;
    ASSERT_EQ_INT(run_text(&r, b.p, cases[i].pol, 0), 0);
    ASSERT_EQ_STR(run_trace(&r, cases[i].step, "gc_start"), "gc_start 0");
    ASSERT_EQ_STR(run_trace(&r, cases[i].step == 18 ? 19 : 18, "gc_start"),
                  "");
    run_free(&r);
  }
  buf_free(&b);
}

TEST(callback_argument_tuple_3_6_3_7) {
  static const char t[] =
      "new cb object\n"
      "new a object\n"
      "weakref w a cb\n"
      "threshold 1\n"
      "del a\n"; /* 5: a lone weakref: no ClearWeakRefs tuple */
  static const struct {
    const char *pol, *want;
  } cases[] = {{"cpython-3.6", "gc_start 0; callback w cb"},
               {"cpython-3.7", "gc_start 0; callback w cb"},
               {"cpython-3.8", "callback w cb"},
               {"cpython-3.8,callback_tuple=1", "gc_start 0; callback w cb"}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct run r;
    ASSERT_EQ_INT(run_text(&r, t, cases[i].pol, 0), 0);
    ASSERT_EQ_STR(run_trace(&r, 5, "gc_start callback"), cases[i].want);
    run_free(&r);
  }
}

#define TUPLE_COLLECTS "corpus/scenarios/clear_weakrefs_tuple_collects.gcs"

TEST(clear_weakrefs_stale_walk_triggered) {
  static const char *const crash[] = {"cpython-3.6", "cpython-3.7",
                                      "cpython-3.8b4", "cpython-3.8",
                                      "cpython-3.9", "cpython-3.11"};
  for (int i = 0; i < 6; i++) {
    struct run r;
    ASSERT_EQ_INT(run_file(&r, TUPLE_COLLECTS, crash[i], 0), 0);
    ASSERT_EQ_STR(run_outcome(&r), "violation use-after-free w1 @12");
    ASSERT_EQ_INT(run_count(&r, "dealloc w1"), 1);
    ASSERT_EQ_INT(run_count(&r, "callback w2 cb2"), 0);
    run_free(&r);
  }
  /* the garbage weakref is not the head: the walk runs off the list */
  static const char tail[] =
      "new a object\n"
      "collect 2\n"
      "new cb1 object\n"
      "weakref w1 a cb1\n"
      "link cb1 w1\n"
      "del w1\n"
      "del cb1\n"
      "new cb2 object\n"
      "weakref w2 a cb2\n"
      "threshold 1\n"
      "del a\n"; /* 11 */
  struct run r;
  ASSERT_EQ_INT(run_text(&r, tail, "cpython-3.9", 0), 0);
  ASSERT_EQ_STR(run_outcome(&r), "violation list-corrupt a @11");
  ASSERT_CONTAINS(r.vdetail, "counted 2 weakrefs");
  run_free(&r);
}

TEST(clear_weakrefs_stale_walk_lookalike_quiet) {
  /* 3.12 and later schedule the collection; 3.13 (and a 3.13 made to
     collect at the allocation) read the list afresh at every step */
  static const char *const quiet[] = {"cpython-3.12", "cpython-3.13",
                                      "cpython-main",
                                      "cpython-3.13,trigger=alloc"};
  for (int i = 0; i < 4; i++) {
    struct run r;
    ASSERT_EQ_INT(run_file(&r, TUPLE_COLLECTS, quiet[i], 0), 0);
    ASSERT_EQ_STR(run_outcome(&r), "clean");
    ASSERT_EQ_INT(run_count(&r, "callback w2 cb2"), 1);
    run_free(&r);
  }
  /* the same program at the default threshold0: the tuple is a gc
     allocation still, but it does not collect */
  char *text = repo_file(TUPLE_COLLECTS);
  ASSERT_TRUE(text != NULL);
  static const char line[] = "threshold 1\n";
  char *cut = strstr(text, line);
  ASSERT_TRUE(cut != NULL);
  memmove(cut, cut + strlen(line), strlen(cut + strlen(line)) + 1);
  struct run r;
  ASSERT_EQ_INT(run_text(&r, text, "cpython-3.9", 0), 0);
  free(text);
  ASSERT_EQ_STR(run_outcome(&r), "clean");
  ASSERT_EQ_INT(run_count(&r, "callback w2 cb2"), 1);
  run_free(&r);
}

/* A violation stops the run: nothing after the violating step runs. */
TEST(violation_stops_the_run) {
  struct gcs_buf b;
  buf_init(&b);
  char *text = load_file(GCSIM_SOURCE_DIR "/" BPO38006, NULL);
  ASSERT_TRUE(text != NULL);
  buf_puts(&b, text);
  free(text);
  buf_puts(&b, "new later object\n");
  struct run r;
  ASSERT_EQ_INT(run_text(&r, b.p, "cpython-3.8b4", 0), 0);
  buf_free(&b);
  ASSERT_EQ_INT(r.vstep, 16);
  ASSERT_EQ_STR(run_trace(&r, 17, NULL), "");
  ASSERT_EQ_INT(run_count(&r, "op new later object"), 0);
  run_free(&r);
}
