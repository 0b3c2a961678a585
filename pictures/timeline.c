/*
** timeline.c — the HTML page of a run (timeline.h).
*/
#include <stdio.h>
#include <string.h>

#include "gcsim/event.h"
#include "gcsim/graphviz.h"
#include "gcsim/timeline.h"

static void esc(struct gcs_buf *out, const char *s) {
  for (const char *c = s; *c; c++) {
    switch (*c) {
    case '&': buf_puts(out, "&amp;"); break;
    case '<': buf_puts(out, "&lt;"); break;
    case '>': buf_puts(out, "&gt;"); break;
    case '"': buf_puts(out, "&quot;"); break;
    case '\'': buf_puts(out, "&#39;"); break;
    default: buf_add(out, c, 1); break;
    }
  }
}

static const char style[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;"
    "margin:1.5em auto;max-width:72em;padding:0 1em;color:#212121}\n"
    "h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em;"
    "border-bottom:1px solid #ddd}\n"
    "code,pre,.ev{font-family:ui-monospace,'DejaVu Sans Mono',monospace;"
    "font-size:13px}\n"
    "#result{padding:.6em 1em;border-radius:4px;margin:1em 0}\n"
    "#result.violation{background:#ffebee;border:2px solid #d50000}\n"
    "#result.clean{background:#e8f5e9;border:1px solid #2e7d32}\n"
    "#result.stopped{background:#fff8e1;border:1px solid #f9a825}\n"
    "#result p{margin:.3em 0}\n"
    "ol.scenario{padding-left:3.5em}ol.scenario li.hit{background:#ffebee;"
    "font-weight:bold}\n"
    ".step h3{font-size:14px;margin:.7em 0 .1em;font-weight:normal}\n"
    ".step h3 .n{display:inline-block;min-width:2.5em;color:#757575}\n"
    "ul.events{list-style:none;margin:0;padding-left:2.5em}\n"
    "li.ev{white-space:pre-wrap}li.violation{color:#b71c1c;font-weight:bold;"
    "background:#ffebee}\n"
    "li.tp_clear,li.weakref_cleared{color:#e65100}li.dealloc{color:#616161}\n"
    "li.unreachable,li.gc_start,li.gc_end{color:#6a1b9a}\n"
    "figure{margin:.6em 0;padding:.4em;border:1px solid #e0e0e0;"
    "overflow-x:auto}figure svg{max-width:100%;height:auto}\n"
    "figcaption{color:#616161;font-size:12px}\n"
    "pre.dot{background:#fafafa;padding:.5em;overflow-x:auto}\n"
    ".note{color:#6d4c41}\n";

/* Append the SVG that dot made, from its <svg element on. */
static void inline_svg(struct gcs_buf *out, const struct gcs_buf *svg) {
  const char *p = svg->p ? strstr(svg->p, "<svg") : NULL;
  if (p) buf_puts(out, p);
}

/* One graph as a figure: inline SVG, its DOT text, or a note why not. */
static int figure(struct gcs_buf *out, const struct picture_scene *sc,
                  const char *fig_id, const char *caption, int graphviz,
                  int with_source, char *err, size_t errlen) {
  buf_printf(out, "<figure id=\"%s\" class=\"graph\">\n", fig_id);
  uint32_t n = picture_count_drawn(sc);
  struct gcs_buf dot;
  buf_init(&dot);
  int rc = 0;
  if (n > TIMELINE_MAX_NODES) {
    buf_printf(out, "<p class=\"note\">Not drawn: %u objects, more than %u "
                    "(<code>gcsim run --dot</code> writes it).</p>\n",
               (unsigned)n, TIMELINE_MAX_NODES);
  } else {
    picture_dot(sc, &dot);
    if (dot.oom) {
      snprintf(err, errlen, "out of memory");
      rc = -1;
    } else if (graphviz) {
      struct gcs_buf svg;
      buf_init(&svg);
      rc = graphviz_render(dot.p, dot.len, "svg", &svg, err, errlen);
      if (rc == 0) inline_svg(out, &svg);
      buf_free(&svg);
    } else {
      buf_puts(out, "<pre class=\"dot\">");
      esc(out, dot.p);
      buf_puts(out, "</pre>\n");
    }
    if (rc == 0 && graphviz && with_source) {
      buf_puts(out, "<details><summary>DOT source</summary><pre class=\"dot\">");
      esc(out, dot.p);
      buf_puts(out, "</pre></details>\n");
    }
  }
  buf_puts(out, "<figcaption>");
  esc(out, caption);
  buf_puts(out, "</figcaption>\n</figure>\n");
  buf_free(&dot);
  return rc;
}

static void result_box(struct gcs_buf *out, const struct timeline_info *in) {
  const struct sim_violation *v = in->v;
  buf_printf(out, "<div id=\"result\" class=\"%s\">\n",
             v ? "violation" : in->status == SIM_OK ? "clean" : "stopped");
  if (v) {
    buf_printf(out, "<p><strong>VIOLATION %s on ", sim_vkind_name(v->kind));
    esc(out, v->obj);
    buf_printf(out, " at step %u</strong> under <code>", (unsigned)v->step);
    esc(out, in->policy);
    buf_puts(out, "</code></p>\n<p>");
    esc(out, v->detail);
    buf_puts(out, "</p>\n<p>roles: <code>");
    esc(out, in->roles);
    buf_puts(out, "</code></p>\n");
  } else {
    buf_puts(out, in->status == SIM_OK ? "<p><strong>clean</strong> under <code>"
                                       : "<p><strong>stopped</strong> under <code>");
    esc(out, in->policy);
    buf_puts(out, "</code></p>\n");
    if (in->message && *in->message) {
      buf_puts(out, "<p>");
      esc(out, in->message);
      buf_puts(out, "</p>\n");
    }
  }
  buf_printf(out, "<p>fingerprint <code>%016llx</code> (%llu events)</p>\n</div>\n",
             (unsigned long long)in->fingerprint, (unsigned long long)in->events);
}

static void scenario_list(struct gcs_buf *out, const struct timeline_info *in) {
  buf_puts(out, "<h2 id=\"scenario\">Scenario</h2>\n<ol class=\"scenario\">\n");
  struct gcs_buf line;
  buf_init(&line);
  for (uint32_t i = 0; i < in->prog->nstmts; i++) {
    line.len = 0;
    if (line.p) line.p[0] = '\0';
    scenario_print_stmt(in->prog, i, &line);
    while (line.len && line.p[line.len - 1] == '\n') line.p[--line.len] = '\0';
    buf_printf(out, "<li%s><code>",
               in->v && in->v->step == i + 1 ? " class=\"hit\"" : "");
    esc(out, line.p ? line.p : "");
    buf_puts(out, "</code></li>\n");
  }
  buf_free(&line);
  buf_puts(out, "</ol>\n");
}

/* The events, statement by statement, with a figure after every
   `unreachable` event that has a snapshot. */
static int events_list(struct gcs_buf *out, const struct picture_rec *r,
                       int graphviz, char *err, size_t errlen) {
  buf_puts(out, "<h2 id=\"events\">Step by step</h2>\n");
  int open = 0;
  uint32_t shot = 0;
  for (uint32_t i = 0; i < r->nevents; i++) {
    const struct picture_event *e = &r->events[i];
    if (e->ev == EV_OP || !open) {
      if (open) buf_puts(out, "</ul></section>\n");
      buf_printf(out, "<section class=\"step\" id=\"step-%u\"><h3><span "
                      "class=\"n\">%u</span> <code>",
                 (unsigned)e->step, (unsigned)e->step);
      if (e->ev == EV_OP) esc(out, e->text);
      buf_puts(out, "</code></h3><ul class=\"events\">\n");
      open = 1;
      if (e->ev == EV_OP) continue;
    }
    buf_printf(out, "<li class=\"ev %s\"%s>", event_name((enum gcs_ev)e->ev),
               e->ev == EV_VIOLATION ? " id=\"violation\"" : "");
    esc(out, e->text);
    buf_puts(out, "</li>\n");
    if (shot < r->nshots && r->shots[shot].event == i) {
      char id[32], fig_id[32], title[160], caption[64];
      snprintf(id, sizeof id, "c%u", (unsigned)shot + 1);
      snprintf(fig_id, sizeof fig_id, "collection-%u", (unsigned)shot + 1);
      snprintf(title, sizeof title,
               "Collection %u, step %u: the graph when gc found its "
               "unreachable set (the cluster)",
               (unsigned)shot + 1, (unsigned)e->step);
      snprintf(caption, sizeof caption, "Collection %u, step %u.",
               (unsigned)shot + 1, (unsigned)e->step);
      struct picture_scene sc = {&r->shots[shot].g, NULL, &r->shots[shot].g,
                                 title, id};
      buf_puts(out, "<li class=\"figure\">\n");
      if (figure(out, &sc, fig_id, caption, graphviz, 0, err, errlen))
        return -1;
      buf_puts(out, "</li>\n");
      shot++;
    }
  }
  if (open) buf_puts(out, "</ul></section>\n");
  if (r->shots_dropped)
    buf_printf(out, "<p class=\"note\">%u later collections are not drawn "
                    "(at most %u a page).</p>\n",
               (unsigned)r->shots_dropped, PICTURE_MAX_SHOTS);
  return 0;
}

int timeline_html(const struct picture_rec *r, const struct timeline_info *in,
                  int graphviz, struct gcs_buf *out, char *err,
                  size_t errlen) {
  const struct sim_violation *v = in->v;
  buf_puts(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
                "<meta charset=\"utf-8\">\n"
                "<meta name=\"viewport\" content=\"width=device-width, "
                "initial-scale=1\">\n<title>gcsim: ");
  esc(out, in->file);
  buf_puts(out, " under ");
  esc(out, in->policy);
  if (v) buf_printf(out, " - VIOLATION %s", sim_vkind_name(v->kind));
  buf_printf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", style);
  buf_puts(out, "<h1>gcsim: <code>");
  esc(out, in->file);
  buf_puts(out, "</code> under <code>");
  esc(out, in->policy);
  buf_puts(out, "</code></h1>\n");
  result_box(out, in);
  buf_printf(out, "<p>Contents: <a href=\"#scenario\">scenario</a> &middot; "
                  "<a href=\"#events\">step by step</a> &middot; <a "
                  "href=\"#graph\">the graph %s</a>%s</p>\n",
             v ? "at the violation" : "at the end",
             v ? " &middot; <a href=\"#violation\">the violation's event</a>"
               : "");
  if (!graphviz)
    buf_puts(out, "<p class=\"note\">Graphviz's <code>dot</code> was not "
                  "available when this page was made, so the graphs are given "
                  "as DOT text: <code>apt-get install graphviz</code>, then "
                  "<code>dot -Tsvg</code> draws them.</p>\n");
  scenario_list(out, in);
  if (events_list(out, r, graphviz, err, errlen)) return -1;
  buf_printf(out, "<h2 id=\"graph-heading\">The graph %s</h2>\n",
             v ? "at the violation" : "at the end");
  struct picture_scene sc;
  picture_final_scene(r, in->title, "g0", &sc);
  if (figure(out, &sc, "graph",
             v ? "The graph at the moment of the violation (gcsim run --dot "
                 "draws the same)."
               : "The graph after the last statement (gcsim run --dot draws "
                 "the same).",
             graphviz, 1, err, errlen))
    return -1;
  buf_puts(out, "<p class=\"note\">Made by <code>gcsim run --timeline</code>."
                "</p>\n</body>\n</html>\n");
  if (out->oom) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  return 0;
}
