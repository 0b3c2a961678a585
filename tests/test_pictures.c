/*
** test_pictures.c — graph snapshots (graph.h), the recorder and the DOT
** writer (picture.h): recording changes nothing, snapshots say what the
** model holds, the violation's chain is recorded for each way a violation
** is told, and the DOT marks what it should.
**
** The DOT's validity as Graphviz sees it, the command line and the HTML page
** are tested by tests/pictures_test.py and tests/timeline_browser.py.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcsim/graph.h"
#include "gcsim/picture.h"
#include "gcsim/policy.h"
#include "gcsim/scenario.h"
#include "gcsim/sim.h"
#include "simrun.h"
#include "test.h"

/* A run through a recorder. */
struct prun {
  struct gcs_program prog;
  struct picture_rec rec;
  enum sim_status st;
  uint64_t fingerprint, nevents;
  char error[512];
};

/* before_step: as picture_rec's (0: a snapshot at every statement). */
static int prun_text_at(struct prun *p, const char *text, const char *policy,
                        int timeline, uint32_t before_step) {
  memset(p, 0, sizeof *p);
  picture_rec_init(&p->rec, timeline);
  p->rec.before_step = before_step;
  if (scenario_parse(text, strlen(text), "t.gcs", &p->prog, p->error,
                     sizeof p->error))
    return -1;
  struct policy pol;
  if (policy_parse(policy ? policy
                   : p->prog.policy[0] ? p->prog.policy
                                       : "cpython-main",
                   &pol, p->error, sizeof p->error))
    return -1;
  struct sim_options opt;
  memset(&opt, 0, sizeof opt);
  opt.policy = pol;
  opt.audit = SIM_AUDIT_EVERY;
  picture_rec_attach(&p->rec, &opt);
  struct sim *s = sim_create(&opt);
  if (!s) return -1;
  picture_rec_bind(&p->rec, s);
  p->st = sim_run(s, &p->prog);
  p->fingerprint = sim_fingerprint(s);
  p->nevents = sim_event_count(s);
  int rc = picture_rec_finish(&p->rec);
  sim_destroy(s);
  return rc;
}

static int prun_text(struct prun *p, const char *text, const char *policy,
                     int timeline) {
  return prun_text_at(p, text, policy, timeline, 0);
}

static int prun_file(struct prun *p, const char *relpath, const char *policy,
                     int timeline) {
  char *text = repo_file(relpath);
  memset(p, 0, sizeof *p);
  if (!text) return -1;
  int rc = prun_text(p, text, policy, timeline);
  free(text);
  return rc;
}

/* A repository scenario whose run must end in a violation: 0, else -1. */
static int prun_violation(struct prun *p, const char *relpath,
                          const char *policy) {
  return prun_file(p, relpath, policy, 0) == 0 && p->st == SIM_VIOLATION
             ? 0
             : -1;
}

static void prun_free(struct prun *p) {
  picture_rec_free(&p->rec);
  program_free(&p->prog);
}

/* The node labelled `label` (the first one), or GRAPH_NONE. */
static uint32_t node(const struct graph *g, const char *label) {
  for (uint32_t i = 0; i < g->nnodes; i++)
    if (strcmp(g->nodes[i].label, label) == 0) return i;
  return GRAPH_NONE;
}

/* The graph's edges as "from.slot>to" (slot), "from~>to" (referent),
   "from=cb>to" (callback), "from^>to" (held), space-separated. */
static const char *edges_text(const struct graph *g, char *buf, size_t n) {
  size_t len = 0;
  buf[0] = '\0';
  for (uint32_t i = 0; i < g->nedges && len < n; i++) {
    const struct graph_edge *e = &g->edges[i];
    const char *f = g->nodes[e->from].label, *t = g->nodes[e->to].label;
    int w;
    switch (e->kind) {
    case GRAPH_SLOT:
      w = snprintf(buf + len, n - len, "%s%s.%u>%s", len ? " " : "", f,
                   (unsigned)e->slot, t);
      break;
    case GRAPH_REFERENT:
      w = snprintf(buf + len, n - len, "%s%s~>%s", len ? " " : "", f, t);
      break;
    case GRAPH_CALLBACK:
      w = snprintf(buf + len, n - len, "%s%s=cb>%s", len ? " " : "", f, t);
      break;
    default:
      w = snprintf(buf + len, n - len, "%s%s^>%s", len ? " " : "", f, t);
      break;
    }
    if (w > 0) len += (size_t)w;
  }
  return buf;
}

/* The path as "KIND:label" items. */
static const char *path_text(const struct graph *g, char *buf, size_t n) {
  static const char *const kinds[] = {"name",   "self",    "arg",
                                      "slot",   "call",    "tp_clear",
                                      "dealloc", "weakref", "callback",
                                      "get_objects"};
  size_t len = 0;
  buf[0] = '\0';
  for (uint32_t i = 0; i < g->npath && len < n; i++) {
    int w = snprintf(buf + len, n - len, "%s%s:%s", len ? " " : "",
                     kinds[g->path[i].kind], g->nodes[g->path[i].node].label);
    if (w > 0) len += (size_t)w;
  }
  return buf;
}

/* ---- recording changes nothing ---- */

TEST(recording_changes_no_run) {
  static const char *const policies[] = {"cpython-3.7", "cpython-3.8b4",
                                         "cpython-3.9", "cpython-main"};
  char **paths;
  size_t n = scenario_paths(&paths);
  ASSERT_TRUE(n >= 30);
  for (size_t i = 0; i < n; i++)
    for (size_t k = 0; k < 4; k++) {
      char *text = load_file(paths[i], NULL);
      ASSERT_TRUE(text != NULL);
      struct run plain;
      struct prun pic;
      int a = run_text(&plain, text, policies[k], RUN_NO_LINES);
      int b = prun_text(&pic, text, policies[k], 1);
      free(text);
      if (a != 0 || b != 0 || plain.status != pic.st ||
          plain.fingerprint != pic.fingerprint ||
          plain.nevents != pic.nevents || !pic.rec.have_last ||
          pic.rec.nevents != pic.nevents) {
        test_fail(__FILE__, __LINE__,
                  "%s under %s: recorded run differs (status %d/%d, "
                  "fingerprint %016llx/%016llx, events %llu/%llu/%u)",
                  paths[i], policies[k], (int)plain.status, (int)pic.st,
                  (unsigned long long)plain.fingerprint,
                  (unsigned long long)pic.fingerprint,
                  (unsigned long long)plain.nevents,
                  (unsigned long long)pic.nevents, (unsigned)pic.rec.nevents);
        run_free(&plain);
        prun_free(&pic);
        free_paths(paths);
        return;
      }
      run_free(&plain);
      prun_free(&pic);
    }
  free_paths(paths);
}

/* ---- bpo-38006: the snapshots ---- */

TEST(bpo38006_graph_at_the_violation) {
  struct prun p;
  ASSERT_EQ_INT(prun_file(&p, "corpus/scenarios/bpo38006.gcs", NULL, 0), 0);
  ASSERT_EQ_INT(p.st, SIM_VIOLATION);
  const struct graph *g = &p.rec.last;
  ASSERT_EQ_INT(g->step, 16);
  uint32_t c = node(g, "c"), a = node(g, "a"), y = node(g, "y"),
           z = node(g, "z"), wz = node(g, "wz");
  ASSERT_TRUE(c != GRAPH_NONE && a != GRAPH_NONE && y != GRAPH_NONE &&
              z != GRAPH_NONE && wz != GRAPH_NONE);
  ASSERT_EQ_INT(g->violation, c);
  ASSERT_TRUE(g->nodes[c].cleared && g->nodes[a].cleared);
  ASSERT_TRUE(!g->nodes[y].cleared && !g->nodes[z].cleared &&
              !g->nodes[wz].cleared);
  ASSERT_EQ_INT(g->nodes[c].state, GRAPH_ALIVE);
  ASSERT_EQ_INT(g->nodes[y].state, GRAPH_DYING);
  ASSERT_EQ_INT(g->nodes[z].state, GRAPH_DYING);
  ASSERT_EQ_INT(g->nodes[y].kind, GCS_OPAQUE);
  ASSERT_EQ_INT(g->nodes[wz].kind, GCS_WEAKREF);
  /* a's slots 0 and 1 and y's slot 0 are emptied (Py_CLEAR); wz gave its
     callback to z's PyObject_ClearWeakRefs, which holds it */
  char buf[512];
  ASSERT_EQ_STR(edges_text(g, buf, sizeof buf), "a.2>wz z^>c");
  ASSERT_EQ_INT(g->nroots, 0);
  /* the chain the detail tells: tp_clear(a) -> y -> z -> wz -> c */
  ASSERT_EQ_STR(path_text(g, buf, sizeof buf),
                "tp_clear:a dealloc:y dealloc:z weakref:wz callback:c");
  ASSERT_EQ_STR(g->path[0].name, "delete_garbage");
  /* the statement started with the whole graph and no names */
  ASSERT_EQ_INT(p.rec.before.step, 16);
  ASSERT_EQ_STR(edges_text(&p.rec.before, buf, sizeof buf),
                "a.0>a a.1>y a.2>wz y.0>z wz~>z wz=cb>c");
  ASSERT_EQ_INT(p.rec.before.npath, 0);
  ASSERT_EQ_INT(p.rec.before.violation, GRAPH_NONE);
  /* the collection's snapshot: its unreachable list is the event's set */
  ASSERT_EQ_INT(p.rec.nshots, 1);
  const struct graph *u = &p.rec.shots[0].g;
  uint32_t in = 0;
  for (uint32_t i = 0; i < u->nnodes; i++)
    in += u->nodes[i].list == GRAPH_UNREACHABLE;
  ASSERT_EQ_INT(in, 3);
  ASSERT_EQ_INT(u->nodes[c].list, GRAPH_UNREACHABLE);
  ASSERT_EQ_INT(u->nodes[a].list, GRAPH_UNREACHABLE);
  ASSERT_EQ_INT(u->nodes[wz].list, GRAPH_UNREACHABLE);
  ASSERT_EQ_INT(u->nodes[y].list, GRAPH_UNTRACKED);
  ASSERT_EQ_INT(u->nodes[z].list, GRAPH_GEN2);
  prun_free(&p);
}

TEST(bpo38006_clean_run_ends_with_everything_freed) {
  struct prun p;
  ASSERT_EQ_INT(
      prun_file(&p, "corpus/scenarios/bpo38006.gcs", "cpython-3.7", 0), 0);
  ASSERT_EQ_INT(p.st, SIM_OK);
  const struct graph *g = &p.rec.last;
  ASSERT_EQ_INT(g->violation, GRAPH_NONE);
  ASSERT_EQ_INT(g->npath, 0);
  ASSERT_EQ_INT(g->nedges, 0);
  for (uint32_t i = 0; i < g->nnodes; i++)
    ASSERT_EQ_INT(g->nodes[i].state, GRAPH_FREED);
  /* freed during the last statement: drawn, marked freed, their
     references grey */
  struct gcs_buf dot;
  buf_init(&dot);
  struct picture_scene sc;
  picture_final_scene(&p.rec, "t", "g0", &sc);
  ASSERT_EQ_INT(picture_count_drawn(&sc), 5);
  picture_dot(&sc, &dot);
  ASSERT_TRUE(!dot.oom);
  ASSERT_CONTAINS(dot.p, "class=\"opaque freed\"");
  ASSERT_CONTAINS(dot.p, "class=\"slot released\"");
  ASSERT_TRUE(strstr(dot.p, " path") == NULL);
  ASSERT_TRUE(strstr(dot.p, "violation") == NULL);
  buf_free(&dot);
  prun_free(&p);
}

TEST(before_of_one_statement) {
  /* what gcsim does: a first run without `before`, a second one that takes
     it at the last statement only; the scene is the single pass's */
  char *text = repo_file("corpus/scenarios/bpo38006.gcs");
  ASSERT_TRUE(text != NULL);
  struct prun every, none, one;
  int a = prun_text_at(&every, text, NULL, 0, 0);
  int b = prun_text_at(&none, text, NULL, 0, PICTURE_NO_BEFORE);
  int c = prun_text_at(&one, text, NULL, 0, 16);
  free(text);
  ASSERT_TRUE(a == 0 && b == 0 && c == 0);
  ASSERT_TRUE(none.rec.before.nodes == NULL);
  struct picture_scene sc;
  picture_final_scene(&none.rec, "t", "g0", &sc);
  ASSERT_TRUE(sc.before == NULL);
  picture_rec_take_before(&none.rec, &one.rec);
  ASSERT_TRUE(one.rec.before.nodes == NULL);
  struct gcs_buf x, y;
  buf_init(&x);
  buf_init(&y);
  picture_final_scene(&every.rec, "t", "g0", &sc);
  picture_dot(&sc, &x);
  picture_final_scene(&none.rec, "t", "g0", &sc);
  ASSERT_TRUE(sc.before != NULL);
  picture_dot(&sc, &y);
  ASSERT_TRUE(x.p && y.p);
  ASSERT_EQ_STR(x.p, y.p);
  buf_free(&x);
  buf_free(&y);
  prun_free(&every);
  prun_free(&none);
  prun_free(&one);
}

/* ---- the chain, for each way a violation tells one ---- */

TEST(path_of_a_callback_script) {
  struct prun p;
  ASSERT_EQ_INT(prun_violation(&p, "corpus/scenarios/seed_callback_touches_cleared.gcs",
                               "cpython-3.7"),
                0);
  char buf[256];
  /* "path: self = c -> .0 = d" */
  ASSERT_EQ_STR(path_text(&p.rec.last, buf, sizeof buf), "self:c slot:d");
  ASSERT_EQ_INT(p.rec.last.path[0].slot, 1); /* a weakref callback's script */
  ASSERT_EQ_INT(p.rec.last.path[1].slot, 0);
  ASSERT_EQ_INT(p.rec.last.violation, node(&p.rec.last, "d"));
  prun_free(&p);
}

TEST(path_from_a_name_through_a_weakref) {
  struct prun p;
  ASSERT_EQ_INT(prun_violation(&p, "corpus/scenarios/finalizer_new_weakref_to_trash.gcs",
                               "cpython-3.9"),
                0);
  char buf[256];
  /* "path: name h = h -> .0 = w1 -> () = a" */
  ASSERT_EQ_STR(path_text(&p.rec.last, buf, sizeof buf),
                "name:h slot:w1 call:a");
  ASSERT_EQ_STR(p.rec.last.path[0].name, "h");
  struct gcs_buf dot;
  buf_init(&dot);
  struct picture_scene sc;
  picture_final_scene(&p.rec, "t", "g0", &sc);
  picture_dot(&sc, &dot);
  /* the name's root edge carries hop 1, h's slot 0 hop 2, the weakref 3 */
  ASSERT_CONTAINS(dot.p, "class=\"root path\"");
  ASSERT_CONTAINS(dot.p, "label=\"[2] .0\"");
  ASSERT_CONTAINS(dot.p, "class=\"weak path\"");
  buf_free(&dot);
  prun_free(&p);
}

TEST(path_of_get_objects) {
  struct prun p;
  ASSERT_EQ_INT(prun_violation(&p, "corpus/scenarios/get_objects_hole.gcs",
                               "cpython-3.9"),
                0);
  char buf[256];
  ASSERT_EQ_STR(path_text(&p.rec.last, buf, sizeof buf), "get_objects:a");
  ASSERT_EQ_INT(p.rec.last.path[0].slot, 2); /* generation 2 */
  prun_free(&p);
}

TEST(no_chain_where_the_violation_tells_none) {
  /* exposed-cleared names no chain: the picture marks the object only */
  struct prun p;
  ASSERT_EQ_INT(prun_violation(&p, "corpus/scenarios/seed_exposed_cleared_get_objects.gcs",
                               "cpython-3.9"),
                0);
  ASSERT_EQ_INT(p.rec.last.npath, 0);
  ASSERT_EQ_INT(p.rec.last.violation, node(&p.rec.last, "a"));
  prun_free(&p);
}

/* ---- the DOT ---- */

TEST(bpo38006_dot_marks) {
  struct prun p;
  ASSERT_EQ_INT(prun_file(&p, "corpus/scenarios/bpo38006.gcs", NULL, 0), 0);
  const struct graph *g = &p.rec.last;
  struct picture_scene sc;
  picture_final_scene(&p.rec, "bpo \"38006\" \\ title", "g0", &sc);
  struct gcs_buf dot;
  buf_init(&dot);
  picture_dot(&sc, &dot);
  ASSERT_TRUE(!dot.oom && dot.p);
  char want[256];
  /* the title is escaped */
  ASSERT_CONTAINS(dot.p, "label=\"bpo \\\"38006\\\" \\\\ title\\l");
  /* the cluster holds c, a, wz and nothing else */
  const char *cl = strstr(dot.p, "subgraph cluster_unreachable {");
  ASSERT_TRUE(cl != NULL);
  const char *end = strstr(cl, "\n  }\n");
  ASSERT_TRUE(end != NULL);
  uint32_t in = 0;
  for (uint32_t i = 0; i < g->nnodes; i++) {
    snprintf(want, sizeof want, "\n    n%u [", (unsigned)i);
    const char *at = strstr(cl, want);
    int inside = at && at < end;
    int should = !strcmp(g->nodes[i].label, "c") ||
                 !strcmp(g->nodes[i].label, "a") ||
                 !strcmp(g->nodes[i].label, "wz");
    if (inside != should)
      test_fail(__FILE__, __LINE__, "%s %s the cluster", g->nodes[i].label,
                inside ? "is in" : "is not in");
    in += (uint32_t)inside;
  }
  ASSERT_EQ_INT(in, 3);
  /* marks of the nodes */
  snprintf(want, sizeof want, "n%u [id=\"g0_n%u\", class=\"function cleared "
                              "violation path\"",
           (unsigned)node(g, "c"), (unsigned)node(g, "c"));
  ASSERT_CONTAINS(dot.p, want);
  snprintf(want, sizeof want, "n%u [id=\"g0_n%u\", class=\"opaque dying path\", "
                              "shape=box3d",
           (unsigned)node(g, "y"), (unsigned)node(g, "y"));
  ASSERT_CONTAINS(dot.p, want);
  /* the chain, hop by hop */
  ASSERT_CONTAINS(dot.p, "label=\"[1] gc delete_garbage: tp_clear\"");
  snprintf(want, sizeof want, "n%u -> n%u [id=\"g0_e1\", class=\"slot released "
                              "path\"",
           (unsigned)node(g, "a"), (unsigned)node(g, "y"));
  ASSERT_CONTAINS(dot.p, want);
  ASSERT_CONTAINS(dot.p, "label=\"[2] .1 (released)\"");
  ASSERT_CONTAINS(dot.p, "label=\"[3] .0 (released)\"");
  ASSERT_CONTAINS(dot.p, "label=\"[4] weakref (cleared)\"");
  ASSERT_CONTAINS(dot.p, "label=\"[5] callback (released)\"");
  /* a's references in slot order: .0, .1, .2 */
  const char *s0 = strstr(dot.p, "label=\".0 (released)\"");
  const char *s1 = strstr(dot.p, "label=\"[2] .1 (released)\"");
  const char *s2 = strstr(dot.p, "label=\".2\"");
  ASSERT_TRUE(s0 && s1 && s2 && s0 < s1 && s1 < s2);
  /* the same run draws the same bytes */
  struct prun q;
  ASSERT_EQ_INT(prun_file(&q, "corpus/scenarios/bpo38006.gcs", NULL, 1), 0);
  struct picture_scene sq;
  picture_final_scene(&q.rec, "bpo \"38006\" \\ title", "g0", &sq);
  struct gcs_buf dot2;
  buf_init(&dot2);
  picture_dot(&sq, &dot2);
  ASSERT_EQ_STR(dot.p, dot2.p);
  buf_free(&dot);
  buf_free(&dot2);
  prun_free(&p);
  prun_free(&q);
}

TEST(dot_draws_names_as_roots) {
  struct prun p;
  ASSERT_EQ_INT(prun_text(&p,
                          "new a object\nnew b leaf\nlink a b\nnew w "
                          "function\nweakref r a w\n",
                          "cpython-3.9", 0),
                0);
  ASSERT_EQ_INT(p.st, SIM_OK);
  struct picture_scene sc;
  picture_final_scene(&p.rec, "roots", "x", &sc);
  struct gcs_buf dot;
  buf_init(&dot);
  picture_dot(&sc, &dot);
  ASSERT_CONTAINS(dot.p, "r0 [id=\"x_r0\", class=\"root\", shape=plaintext");
  ASSERT_CONTAINS(dot.p, "label=\"name a\"");
  ASSERT_CONTAINS(dot.p, "label=\"name r\"");
  /* the weakref statement bound r: its referent dashed, its callback */
  ASSERT_CONTAINS(dot.p, "class=\"weak\", style=dashed");
  ASSERT_CONTAINS(dot.p, "label=\"callback\"");
  /* no collection ran: no cluster */
  ASSERT_TRUE(strstr(dot.p, "cluster") == NULL);
  buf_free(&dot);
  prun_free(&p);
}
