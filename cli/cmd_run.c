/*
** cmd_run.c — gcsim run, replay and minimize: a program through the model
** with its trace on stdout, the result lines, and the pictures asked for.
**
** Exit status: 0 clean, 1 violation, 2 bad usage or bad input, 3 internal
** error (out of memory, or two runs of one program that end differently).
*/
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcsim/event.h"
#include "gcsim/fileio.h"
#include "gcsim/graphviz.h"
#include "gcsim/harness.h"
#include "gcsim/minimize.h"
#include "gcsim/picture.h"
#include "gcsim/policy.h"
#include "gcsim/program.h"
#include "gcsim/scenario.h"
#include "gcsim/sim.h"
#include "gcsim/timeline.h"
#include "cli.h"

/* ---- running with a trace ---- */

enum out_mode { OUT_TEXT = 0, OUT_JSONL, OUT_NONE };

struct out {
  int jsonl;
};

static void sink(void *user, const struct gcs_event *e, const char *jsonl,
                 size_t len) {
  const struct out *o = user;
  if (o->jsonl) {
    fwrite(jsonl, 1, len, stdout);
    return;
  }
  struct gcs_buf b;
  buf_init(&b);
  event_text(e, &b);
  if (b.p) fputs(b.p, stdout);
  buf_free(&b);
}

struct traced {
  enum sim_status st;
  struct sim_violation v;
  uint64_t fingerprint, events;
  char message[256]; /* why the run stopped early (budget, internal) */
};

/* Print the result lines of a run (text or JSONL). */
static void print_result(const struct traced *t, const char *spec, int jsonl) {
  const struct sim_violation *v = t->st == SIM_VIOLATION ? &t->v : NULL;
  char roles[MZ_ROLES_LEN] = "";
  if (v) mz_roles(v, roles, sizeof roles);
  if (jsonl) {
    printf("{\"result\":\"%s\",\"policy\":",
           t->st == SIM_OK          ? "clean"
           : t->st == SIM_VIOLATION ? "violation"
           : t->st == SIM_BADINPUT  ? "budget-exceeded"
                                    : "internal-error");
    struct gcs_buf b;
    buf_init(&b);
    json_string(&b, spec);
    fputs(b.p ? b.p : "\"\"", stdout);
    buf_free(&b);
    if (v)
      printf(",\"kind\":\"%s\",\"obj\":\"%s\",\"step\":%u,\"roles\":\"%s\"",
             sim_vkind_name(v->kind), v->obj, (unsigned)v->step, roles);
    printf(",\"events\":%llu,\"fingerprint\":\"%016llx\"}\n",
           (unsigned long long)t->events,
           (unsigned long long)t->fingerprint);
    return;
  }
  printf("\n");
  if (t->st == SIM_OK)
    printf("result: clean under %s\n", spec);
  else if (v)
    printf("result: VIOLATION %s on %s at step %u under %s\n  %s\n"
           "roles: %s\n",
           sim_vkind_name(v->kind), v->obj, (unsigned)v->step, spec,
           v->detail, roles);
  else if (t->st == SIM_BADINPUT)
    printf("result: stopped under %s: %s\n", spec, t->message);
  printf("fingerprint: %016llx (%llu events)\n",
         (unsigned long long)t->fingerprint, (unsigned long long)t->events);
}

/* Run prog with the trace on stdout (mode), then the result lines. fuzz:
   the harness's budgets apply. rec: NULL, or a recorder for pictures.
   Returns the status (3 when out of memory). */
static int run_traced(const struct gcs_program *prog, const char *spec,
                      const struct policy *pol, enum out_mode mode, int check,
                      int fuzz, struct traced *t, struct picture_rec *rec) {
  struct sim_options opt;
  memset(&opt, 0, sizeof opt);
  memset(t, 0, sizeof *t);
  opt.policy = *pol;
  struct out o = {mode == OUT_JSONL};
  opt.audit = (enum sim_audit)check;
  if (mode != OUT_NONE) {
    opt.sink = sink;
    opt.sink_user = &o;
  }
  if (fuzz) {
    opt.max_objects = MZ_MAX_OBJECTS;
    opt.max_actions = MZ_MAX_ACTIONS;
  }
  if (rec) picture_rec_attach(rec, &opt);
  struct sim *s = sim_create(&opt);
  if (!s) {
    fprintf(stderr, "gcsim: out of memory\n");
    return 3;
  }
  if (rec) picture_rec_bind(rec, s);
  enum sim_status st = sim_run(s, prog);
  const struct sim_violation *v = sim_violation(s);
  t->st = st;
  if (v) t->v = *v;
  t->fingerprint = sim_fingerprint(s);
  t->events = sim_event_count(s);
  snprintf(t->message, sizeof t->message, "%s", sim_internal_error(s));
  if (mode != OUT_NONE) print_result(t, spec, mode == OUT_JSONL);
  if (st == SIM_INTERNAL)
    fprintf(stderr, "gcsim: internal error: %s\n", t->message);
  if (st == SIM_BADINPUT) fprintf(stderr, "gcsim: %s\n", t->message);
  fflush(stdout);
  int rc = (int)st;
  if (rec && picture_rec_finish(rec)) {
    fprintf(stderr, "gcsim: out of memory while recording the graphs\n");
    rc = 3;
  }
  sim_destroy(s);
  return rc;
}

/* ---- pictures: --dot, --svg, --timeline ---- */

/*
** Write the pictures o asks for, from the recording of a run of prog under
** spec (its result in t). what: the input's name as the pictures tell it.
** Returns 0, 2 (a file cannot be written: FILE:0: message) or 3 (out of
** memory, or dot rejected the graph: a gcsim bug).
*/
static int write_pictures(const struct opts *o, const struct picture_rec *rec,
                          const struct gcs_program *prog, const char *what,
                          const char *spec, const struct traced *t) {
  const struct sim_violation *v = t->st == SIM_VIOLATION ? &t->v : NULL;
  char title[512], roles[MZ_ROLES_LEN] = "", err[700];
  if (v) {
    mz_roles(v, roles, sizeof roles);
    snprintf(title, sizeof title, "%s under %s: VIOLATION %s on %s at step %u",
             what, spec, sim_vkind_name(v->kind), v->obj, (unsigned)v->step);
  } else {
    snprintf(title, sizeof title, "%s under %s: %s after step %u", what, spec,
             t->st == SIM_OK ? "clean, the graph" : "stopped, the graph",
             (unsigned)rec->last.step);
  }
  struct picture_scene sc;
  picture_final_scene(rec, title, "g0", &sc);
  struct gcs_buf dot, svg, page;
  buf_init(&dot);
  buf_init(&svg);
  buf_init(&page);
  int rc = 0;
  picture_dot(&sc, &dot);
  if (dot.oom) {
    fprintf(stderr, "gcsim: out of memory\n");
    rc = 3;
  }
  if (!rc && o->dot && fileio_write(o->dot, dot.p, dot.len)) rc = 2;
  if (!rc && o->svg) {
    if (graphviz_render(dot.p, dot.len, "svg", &svg, err, sizeof err)) {
      fprintf(stderr, "gcsim: --svg: %s\n", err);
      rc = 3;
    } else if (fileio_write(o->svg, svg.p, svg.len)) {
      rc = 2;
    }
  }
  if (!rc && o->timeline) {
    struct timeline_info in = {what, spec, prog, t->st, v, roles, t->message,
                               t->fingerprint, t->events, title};
    if (timeline_html(rec, &in, graphviz_available(), &page, err,
                      sizeof err)) {
      fprintf(stderr, "gcsim: --timeline: %s\n", err);
      rc = 3;
    } else if (fileio_write(o->timeline, page.p, page.len)) {
      rc = 2;
    }
  }
  buf_free(&dot);
  buf_free(&svg);
  buf_free(&page);
  return rc;
}

/*
** run_traced() with the pictures o asks for, of the run of prog (what: the
** input's name as the pictures tell it). Returns the run's status; *pic is
** 0, or 2 or 3 when a picture could not be made or written (write_pictures),
** which the command's exit status reports instead.
*/
static int run_pictured(const struct opts *o, const struct gcs_program *prog,
                        const char *what, const char *spec,
                        const struct policy *pol, enum out_mode mode,
                        int fuzz, struct traced *t, int *pic) {
  *pic = 0;
  if (!wants_pictures(o))
    return run_traced(prog, spec, pol, mode, o->check, fuzz, t, NULL);
  struct picture_rec rec;
  picture_rec_init(&rec, o->timeline != NULL);
  rec.before_step = PICTURE_NO_BEFORE;
  int rc = run_traced(prog, spec, pol, mode, o->check, fuzz, t, &rec);
  if (rc != 3 && rec.have_last && rec.last.step) {
    /* the graph at the start of the last statement, from a second run of
       the deterministic model (cheaper than a snapshot at every statement),
       which must end as the first did */
    struct picture_rec again;
    struct traced t2;
    picture_rec_init(&again, 0);
    again.before_step = rec.last.step;
    int rc2 = run_traced(prog, spec, pol, OUT_NONE, o->check, fuzz, &t2,
                         &again);
    if (rc2 != rc || t2.fingerprint != t->fingerprint ||
        t2.events != t->events) {
      fprintf(stderr, "gcsim: internal error: a second run of the same "
                      "program ended differently\n");
      rc = 3;
    }
    picture_rec_take_before(&rec, &again);
    picture_rec_free(&again);
  }
  if (rc != 3) *pic = write_pictures(o, &rec, prog, what, spec, t);
  picture_rec_free(&rec);
  return rc;
}

int cmd_run(int argc, char **argv) {
  struct opts o;
  int rc = parse_opts("run", "ptcbg", argc, argv, &o);
  if (rc) return rc;
  struct input in;
  if ((rc = load_input(o.file, o.force, 1, &in))) {
    free_input(&in);
    return rc;
  }
  const char *spec = policy_text(&o, &in);
  struct policy pol;
  if ((rc = get_policy(spec, &pol)) == 0) {
    struct traced t;
    int pic;
    rc = run_pictured(&o, &in.prog, o.file, spec, &pol,
                      !strcmp(o.trace, "jsonl") ? OUT_JSONL : OUT_TEXT,
                      in.is_bytes, &t, &pic);
    if (pic) rc = pic;
  }
  free_input(&in);
  return rc;
}

static void print_with_header(FILE *f, const struct gcs_program *p,
                              const char *header) {
  struct gcs_buf b;
  buf_init(&b);
  scenario_print(p, &b);
  fprintf(f, "%s%s", header, b.p ? b.p : "");
  buf_free(&b);
}

int cmd_replay(int argc, char **argv) {
  struct opts o;
  int rc = parse_opts("replay", "ptsg", argc, argv, &o);
  if (rc) return rc;
  struct input in;
  if ((rc = load_input(o.file, 2, 0, &in))) {
    free_input(&in);
    return rc;
  }
  struct harness h;
  char err[700];
  if (harness_init(&h, o.policy, o.suppressions, err, sizeof err)) {
    fprintf(stderr, "gcsim: %s\n", err);
    free_input(&in);
    return 2;
  }
  int jsonl = !strcmp(o.trace, "jsonl");
  char head[1024];
  int n = snprintf(head, sizeof head,
                   "# gcsim replay %s: %zu bytes, decoded as the fuzz "
                   "targets do under %s\n",
                   o.file, in.len, h.policy_text);
  if (in.info.truncated_at && n > 0 && (size_t)n < sizeof head)
    n += snprintf(head + n, sizeof head - (size_t)n,
                  "# the statement at byte %zu is cut off by the end of the "
                  "input: dropped, as the fuzzer did\n",
                  in.info.truncated_at);
  if (in.info.after_exit && n > 0 && (size_t)n < sizeof head)
    snprintf(head + n, sizeof head - (size_t)n,
             "# %zu bytes after exit or the %d-statement cap: ignored\n",
             in.info.after_exit, CODEC_MAX_STMTS);
  if (!jsonl) {
    print_with_header(stdout, &in.prog, head);
    printf("\n--- trace ---\n");
  }
  struct traced t;
  int pic;
  o.check = SIM_AUDIT_EVERY; /* a fuzz input is small */
  rc = run_pictured(&o, &in.prog, o.file, h.policy_text, &h.pol,
                    jsonl ? OUT_JSONL : OUT_TEXT, 1, &t, &pic);
  /* what the fuzz target saw: the same run, through the harness */
  struct harness_result r;
  if (rc != 3 && harness_exec(&h, (const uint8_t *)in.data, in.len, 1, &r) < 0)
    rc = 3;
  if (rc == 1 || rc == 0) {
    int same = r.out.status == t.st &&
               (t.st != SIM_VIOLATION ||
                (r.out.v.kind == t.v.kind && r.out.v.step == t.v.step &&
                 strcmp(r.out.v.obj, t.v.obj) == 0));
    if (!same) {
      fprintf(stderr, "gcsim: internal error: the traced run and the fuzz "
                      "harness disagree on this input\n");
      rc = 3;
    } else if (rc == 1 && !jsonl) {
      if (r.signature[0]) printf("signature: %s\n", r.signature);
      if (r.suppressed)
        printf("suppressed: %s:%u: %s\n", h.sup_path, r.suppressed->line,
               r.suppressed->reason);
      else if (h.sup_path[0])
        printf("new: no suppression in %s matches\n", h.sup_path);
      printf("(gcsim minimize %s prints the smallest scenario)\n", o.file);
    }
  }
  fflush(stdout);
  harness_free(&h);
  free_input(&in);
  return pic && rc != 3 ? pic : rc;
}

int cmd_minimize(int argc, char **argv) {
  struct opts o;
  int rc = parse_opts("minimize", "pobg", argc, argv, &o);
  if (rc) return rc;
  struct input in;
  if ((rc = load_input(o.file, o.force, 0, &in))) {
    free_input(&in);
    return rc;
  }
  const char *spec = policy_text(&o, &in);
  struct policy pol;
  if ((rc = get_policy(spec, &pol))) {
    free_input(&in);
    return rc;
  }
  double t0 = now_seconds();
  struct gcs_program m, final;
  struct mz_stats st;
  int mr = minimize_program(&in.prog, &pol, &m, &st);
  if (mr == -1) {
    fprintf(stderr, "%s:0: no violation under %s: nothing to minimize\n",
            o.file, spec);
    free_input(&in);
    return 2;
  }
  if (mr < 0 || mz_with_policy(&m, spec, &final)) {
    fprintf(stderr, "gcsim: out of memory\n");
    if (mr == 0) program_free(&m);
    free_input(&in);
    return 3;
  }
  double secs = now_seconds() - t0;
  struct mz_outcome out;
  char sig[MZ_SIGNATURE_LEN], roles[MZ_ROLES_LEN], head[1024];
  if (mz_run(&final, &pol, &out) || out.status != SIM_VIOLATION) {
    fprintf(stderr, "gcsim: internal error: the minimized program does not "
                    "violate\n");
    rc = 3;
  } else {
    mz_signature(&m, out.v.kind, spec, sig, sizeof sig);
    mz_roles(&out.v, roles, sizeof roles);
    snprintf(head, sizeof head,
             "# minimized by gcsim from %s: %u -> %u statements, %u -> %u "
             "script actions\n"
             "# violation: %s on %s at step %u under %s\n"
             "# roles: %s\n# signature: %s\n",
             o.file, st.stmts_before, st.stmts_after, st.actions_before,
             st.actions_after, sim_vkind_name(out.v.kind), out.v.obj,
             (unsigned)out.v.step, spec, roles, sig);
    print_with_header(stdout, &final, head);
    if (o.out) {
      struct gcs_buf b;
      buf_init(&b);
      buf_puts(&b, head);
      scenario_print(&final, &b);
      if (b.oom || fileio_write(o.out, b.p, b.len)) rc = 2;
      buf_free(&b);
    }
    fprintf(stderr, "gcsim minimize: %u runs in %.3f s\n", st.runs, secs);
    if (wants_pictures(&o)) {
      /* the pictures tell the minimized scenario's run, quietly */
      char what[600];
      snprintf(what, sizeof what, "%s, minimized", o.file);
      struct traced t;
      int pic, r2 = run_pictured(&o, &final, what, spec, &pol, OUT_NONE, 0,
                                 &t, &pic);
      if (r2 == 3) rc = 3;
      else if (pic && !rc) rc = pic;
    }
  }
  program_free(&m);
  program_free(&final);
  free_input(&in);
  return rc;
}
