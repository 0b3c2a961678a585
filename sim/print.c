/*
** print.c — programs back to .gcs text (the canonical spelling).
*/
#include "gcsim/program.h"
#include "gcsim/scenario.h"

void scenario_print_path(const struct gcs_program *prog,
                         const struct gcs_path *path, struct gcs_buf *out) {
  switch (path->root) {
  case GCS_ROOT_SELF: buf_puts(out, "self"); break;
  case GCS_ROOT_ARG: buf_puts(out, "arg"); break;
  case GCS_ROOT_NAME: buf_puts(out, program_sym_name(prog, path->sym)); break;
  default: buf_puts(out, "?"); break;
  }
  for (unsigned i = 0; i < path->nsteps; i++) {
    int32_t step = program_step(&prog->steps, path, i);
    if (step == GCS_STEP_CALL)
      buf_puts(out, "()");
    else
      buf_printf(out, ".%d", (int)step);
  }
}

static const char *const act_names[GCS_NACTS] = {
    "touch", "call", "keep", "link", "unlink", "drop", "weakref",
    "get_objects", "collect"};

void scenario_print_action(const struct gcs_program *prog,
                           const struct gcs_action *a, struct gcs_buf *out) {
  buf_puts(out, act_names[a->act]);
  switch (a->act) {
  case GCS_A_GET_OBJECTS: break;
  case GCS_A_COLLECT: buf_printf(out, " %d", (int)a->gen); break;
  case GCS_A_LINK:
  case GCS_A_UNLINK:
  case GCS_A_WEAKREF:
    buf_puts(out, " ");
    scenario_print_path(prog, &a->a, out);
    buf_puts(out, " ");
    scenario_print_path(prog, &a->b, out);
    if (a->act == GCS_A_WEAKREF && a->has_c) {
      buf_puts(out, " ");
      scenario_print_path(prog, &a->c, out);
    }
    break;
  default:
    buf_puts(out, " ");
    scenario_print_path(prog, &a->a, out);
    break;
  }
}

void scenario_print_stmt(const struct gcs_program *prog, uint32_t i,
                         struct gcs_buf *out) {
  const struct gcs_stmt *s = &prog->stmts[i];
  switch (s->op) {
  case GCS_POLICY: buf_printf(out, "policy %s", prog->policy); break;
  case GCS_NEW:
    buf_printf(out, "new %s %s", program_sym_name(prog, s->sym),
               program_kind_name((enum gcs_kind)s->kind));
    if (s->flags & GCS_FLAG_FIN) buf_puts(out, " fin");
    if (s->flags & GCS_FLAG_LEGACY) buf_puts(out, " legacy");
    break;
  case GCS_LINK:
  case GCS_UNLINK:
    buf_puts(out, s->op == GCS_LINK ? "link " : "unlink ");
    scenario_print_path(prog, &s->a, out);
    buf_puts(out, " ");
    scenario_print_path(prog, &s->b, out);
    break;
  case GCS_WEAKREF_OP:
    buf_printf(out, "weakref %s ", program_sym_name(prog, s->sym));
    scenario_print_path(prog, &s->b, out);
    if (s->has_c) {
      buf_puts(out, " ");
      scenario_print_path(prog, &s->c, out);
    }
    break;
  case GCS_DEL:
    buf_printf(out, "del %s", program_sym_name(prog, s->sym));
    break;
  case GCS_UNTRACK:
  case GCS_TRACK:
    buf_puts(out, s->op == GCS_TRACK ? "track " : "untrack ");
    scenario_print_path(prog, &s->a, out);
    break;
  case GCS_COLLECT: buf_printf(out, "collect %d", (int)s->n[0]); break;
  case GCS_GC_ENABLE: buf_puts(out, "gc enable"); break;
  case GCS_GC_DISABLE: buf_puts(out, "gc disable"); break;
  case GCS_SAVEALL:
    buf_puts(out, s->flags ? "gc saveall on" : "gc saveall off");
    break;
  case GCS_THRESHOLD:
    buf_puts(out, "threshold");
    for (unsigned j = 0; j < s->has_c; j++)
      buf_printf(out, " %lld", (long long)s->n[j]);
    break;
  case GCS_GET_OBJECTS: buf_puts(out, "get_objects"); break;
  case GCS_EXIT: buf_puts(out, "exit"); break;
  case GCS_ON_FINALIZE:
  case GCS_ON_CALL: {
    buf_printf(out, "on %s %s:", program_sym_name(prog, s->sym),
               s->op == GCS_ON_FINALIZE ? "finalize" : "call");
    const struct gcs_script *sc = &prog->scripts[s->script];
    for (uint32_t k = 0; k < sc->count; k++) {
      buf_puts(out, k ? "; " : " ");
      scenario_print_action(prog, &prog->actions[sc->first + k], out);
    }
    break;
  }
  default: buf_puts(out, "?"); break;
  }
}

void scenario_print(const struct gcs_program *prog, struct gcs_buf *out) {
  for (uint32_t i = 0; i < prog->nstmts; i++) {
    scenario_print_stmt(prog, i, out);
    buf_puts(out, "\n");
  }
  if (!out->p) buf_puts(out, "");
}
