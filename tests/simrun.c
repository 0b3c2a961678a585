/*
** simrun.c — see simrun.h.
*/
#define _POSIX_C_SOURCE 200809L
#include "simrun.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcsim/fileio.h"
#include "gcsim/policy.h"

char *str_printf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) return NULL;
  char *p = malloc((size_t)n + 1);
  if (!p) return NULL;
  va_start(ap, fmt);
  vsnprintf(p, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return p;
}

static char *dup_n(const char *s, size_t n) {
  char *p = malloc(n + 1);
  if (!p) return NULL;
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

/* ---- a minimal reader for the flat JSON objects of event lines ---- */

/* Copy a JSON string literal starting at *p (at the opening quote) into out,
   unescaped; advance *p past it. */
static void read_string(const char **p, char *out, size_t n) {
  const char *c = *p + 1;
  size_t k = 0;
  while (*c && *c != '"') {
    char ch = *c++;
    if (ch == '\\' && *c) {
      ch = *c++;
      if (ch == 'u') { /* \u00XX: control characters only */
        unsigned v = 0;
        for (int i = 0; i < 4 && *c; i++, c++)
          v = v * 16 + (unsigned)(*c <= '9' ? *c - '0' : (*c | 32) - 'a' + 10);
        ch = (char)v;
      } else if (ch == 'n') {
        ch = '\n';
      }
    }
    if (k + 1 < n) out[k++] = ch;
  }
  if (n) out[k] = '\0';
  *p = *c ? c + 1 : c;
}

/* Value of "key" in the line: a string unescaped, an array of strings as
   its items joined by ',', anything else verbatim. "" when absent. */
static void jget(const char *line, const char *key, char *out, size_t n) {
  out[0] = '\0';
  const char *p = strchr(line, '{');
  if (!p) return;
  p++;
  char k[64], v[1024];
  while (*p && *p != '}') {
    if (*p != '"') {
      p++;
      continue;
    }
    read_string(&p, k, sizeof k);
    if (*p == ':') p++;
    v[0] = '\0';
    if (*p == '"') {
      read_string(&p, v, sizeof v);
    } else if (*p == '[') {
      size_t vl = 0;
      p++;
      while (*p && *p != ']') {
        if (*p == '"') {
          char item[256];
          read_string(&p, item, sizeof item);
          size_t il = strlen(item);
          if (vl + il + 2 < sizeof v) {
            if (vl) v[vl++] = ',';
            memcpy(v + vl, item, il);
            vl += il;
            v[vl] = '\0';
          }
        } else {
          p++;
        }
      }
      if (*p == ']') p++;
    } else {
      size_t vl = strcspn(p, ",}");
      if (vl >= sizeof v) vl = sizeof v - 1;
      memcpy(v, p, vl);
      v[vl] = '\0';
      p += vl;
    }
    if (strcmp(k, key) == 0) {
      snprintf(out, n, "%s", v);
      return;
    }
    if (*p == ',') p++;
  }
}

/* The compact form of one JSONL line (see simrun.h). */
static char *compact_of(const char *line) {
  char ev[64], a[1024], b[1024], c[256], d[64];
  jget(line, "op", a, sizeof a);
  jget(line, "ev", ev, sizeof ev);
  if (!ev[0]) return str_printf("op %s", a);
  if (!strcmp(ev, "gc_start")) {
    jget(line, "gen", a, sizeof a);
    return str_printf("gc_start %s", a);
  }
  if (!strcmp(ev, "unreachable") || !strcmp(ev, "resurrected")) {
    jget(line, "objs", a, sizeof a);
    return str_printf("%s %s", ev, a[0] ? a : "-");
  }
  if (!strcmp(ev, "weakref_cleared")) {
    jget(line, "weakref", a, sizeof a);
    jget(line, "by", b, sizeof b);
    return str_printf("weakref_cleared %s %s", a, b);
  }
  if (!strcmp(ev, "callback")) {
    jget(line, "weakref", a, sizeof a);
    jget(line, "callback", b, sizeof b);
    return str_printf("callback %s %s", a, b);
  }
  if (!strcmp(ev, "gc_end")) {
    jget(line, "gen", a, sizeof a);
    jget(line, "collected", b, sizeof b);
    jget(line, "uncollectable", c, sizeof c);
    return str_printf("gc_end %s %s %s", a, b, c);
  }
  if (!strcmp(ev, "collect_result")) {
    jget(line, "gen", a, sizeof a);
    jget(line, "result", b, sizeof b);
    jget(line, "nested", d, sizeof d);
    return str_printf("collect_result %s %s%s", a, b,
                      strcmp(d, "true") == 0 ? " nested" : "");
  }
  if (!strcmp(ev, "action")) {
    jget(line, "obj", a, sizeof a);
    jget(line, "script", c, sizeof c);
    jget(line, "action", b, sizeof b);
    return str_printf("action %s %s: %s", a, c, b);
  }
  if (!strcmp(ev, "rejected")) {
    jget(line, "reason", a, sizeof a);
    return str_printf("rejected %s", a);
  }
  if (!strcmp(ev, "violation")) {
    jget(line, "kind", a, sizeof a);
    jget(line, "obj", b, sizeof b);
    return str_printf("violation %s %s", a, b);
  }
  jget(line, "obj", a, sizeof a);
  return str_printf("%s %s", ev, a);
}

static void sink(void *user, const struct gcs_event *e, const char *jsonl,
                 size_t len) {
  struct run *r = user;
  (void)e;
  if (r->oom) return;
  if (r->nlines == r->caplines) {
    size_t cap = r->caplines ? r->caplines * 2 : 64;
    char **l = realloc(r->lines, cap * sizeof *l);
    if (l) r->lines = l;
    char **c = realloc(r->compact, cap * sizeof *c);
    if (c) r->compact = c;
    uint32_t *s = realloc(r->steps, cap * sizeof *s);
    if (s) r->steps = s;
    if (!l || !c || !s) {
      r->oom = 1;
      return;
    }
    r->caplines = cap;
  }
  if (len && jsonl[len - 1] == '\n') len--;
  char *line = dup_n(jsonl, len);
  char *comp = line ? compact_of(line) : NULL;
  if (!line || !comp) {
    free(line);
    free(comp);
    r->oom = 1;
    return;
  }
  char step[32];
  jget(line, "step", step, sizeof step);
  r->lines[r->nlines] = line;
  r->compact[r->nlines] = comp;
  r->steps[r->nlines] = (uint32_t)strtoul(step, NULL, 10);
  r->nlines++;
}

static int run_common(struct run *r, const struct gcs_program *prog,
                      const char *policy, unsigned flags) {
  r->flags = flags;
  const char *spec = policy ? policy
                            : (prog->policy[0] ? prog->policy : "cpython-main");
  struct policy pol;
  char err[256];
  if (policy_parse(spec, &pol, err, sizeof err) != 0) {
    snprintf(r->error, sizeof r->error, "%s", err);
    return -1;
  }
  struct sim_options opt;
  memset(&opt, 0, sizeof opt);
  opt.policy = pol;
  opt.audit = flags & RUN_NO_CHECK ? SIM_AUDIT_NONE : SIM_AUDIT_EVERY;
  opt.sink = (flags & RUN_NO_LINES) ? NULL : sink;
  opt.sink_user = r;
  struct sim *s = sim_create(&opt);
  if (!s) {
    snprintf(r->error, sizeof r->error, "sim_create: out of memory");
    return -1;
  }
  r->status = sim_run(s, prog);
  r->ran = 1;
  const struct sim_violation *v = sim_violation(s);
  if (v) {
    r->vkind = v->kind;
    r->vstep = v->step;
    snprintf(r->vobj, sizeof r->vobj, "%s", v->obj);
    snprintf(r->vdetail, sizeof r->vdetail, "%s", v->detail);
  }
  snprintf(r->internal, sizeof r->internal, "%s", sim_internal_error(s));
  r->fingerprint = sim_fingerprint(s);
  r->nevents = sim_event_count(s);
  sim_get_stats(s, &r->stats);
  sim_destroy(s);
  if (r->oom) {
    snprintf(r->error, sizeof r->error, "test sink: out of memory");
    return -1;
  }
  return 0;
}

int run_text(struct run *r, const char *text, const char *policy,
             unsigned flags) {
  memset(r, 0, sizeof *r);
  if (scenario_parse(text, strlen(text), "t.gcs", &r->prog, r->error,
                     sizeof r->error) != 0)
    return -1;
  r->parsed = 1;
  return run_common(r, &r->prog, policy, flags);
}

int run_program(struct run *r, const struct gcs_program *prog,
                const char *policy, unsigned flags) {
  memset(r, 0, sizeof *r);
  return run_common(r, prog, policy, flags);
}

void run_free(struct run *r) {
  if (r->parsed) program_free(&r->prog);
  for (size_t i = 0; i < r->nlines; i++) {
    free(r->lines[i]);
    free(r->compact[i]);
  }
  free(r->lines);
  free(r->compact);
  free(r->steps);
  for (size_t i = 0; i < r->nowned; i++) free(r->owned[i]);
  free(r->owned);
  memset(r, 0, sizeof *r);
}

const char *run_outcome(struct run *r) {
  if (r->error[0])
    snprintf(r->outcome, sizeof r->outcome, "error: %s", r->error);
  else if (!r->ran)
    snprintf(r->outcome, sizeof r->outcome, "not run");
  else if (r->status == SIM_OK)
    snprintf(r->outcome, sizeof r->outcome, "clean");
  else if (r->status == SIM_VIOLATION)
    snprintf(r->outcome, sizeof r->outcome, "violation %s %s @%u",
             sim_vkind_name(r->vkind), r->vobj, (unsigned)r->vstep);
  else if (r->status == SIM_INTERNAL)
    snprintf(r->outcome, sizeof r->outcome, "internal: %s", r->internal);
  else
    snprintf(r->outcome, sizeof r->outcome, "bad input");
  return r->outcome;
}

static const char *own(struct run *r, char *s) {
  if (!s) return "(out of memory)";
  if (r->nowned == r->capowned) {
    size_t cap = r->capowned ? r->capowned * 2 : 16;
    char **q = realloc(r->owned, cap * sizeof *q);
    if (!q) {
      free(s);
      return "(out of memory)";
    }
    r->owned = q;
    r->capowned = cap;
  }
  r->owned[r->nowned++] = s;
  return s;
}

/* Is the event name of compact form c one of the words of kinds? */
static int kind_selected(const char *c, const char *kinds) {
  size_t n = strcspn(c, " ");
  if (!kinds) return !(n == 2 && strncmp(c, "op", 2) == 0);
  const char *k = kinds;
  while (*k) {
    k += strspn(k, " ");
    size_t m = strcspn(k, " ");
    if (m && m == n && strncmp(k, c, n) == 0) return 1;
    k += m;
  }
  return 0;
}

const char *run_trace(struct run *r, uint32_t step, const char *kinds) {
  struct gcs_buf b;
  buf_init(&b);
  buf_puts(&b, "");
  int first = 1;
  for (size_t i = 0; i < r->nlines; i++) {
    if (step && r->steps[i] != step) continue;
    if (!kind_selected(r->compact[i], kinds)) continue;
    if (!first) buf_puts(&b, "; ");
    buf_puts(&b, r->compact[i]);
    first = 0;
  }
  if (b.oom) {
    buf_free(&b);
    return "(out of memory)";
  }
  return own(r, b.p); /* buf's storage is a plain malloc'd string */
}

size_t run_count(const struct run *r, const char *compact) {
  size_t n = 0;
  for (size_t i = 0; i < r->nlines; i++) n += strcmp(r->compact[i], compact) == 0;
  return n;
}

long run_find(const struct run *r, const char *compact, size_t from) {
  for (size_t i = from; i < r->nlines; i++)
    if (strcmp(r->compact[i], compact) == 0) return (long)i;
  return -1;
}

const char *run_jsonl(struct run *r) {
  struct gcs_buf b;
  buf_init(&b);
  buf_puts(&b, "");
  for (size_t i = 0; i < r->nlines; i++) {
    buf_puts(&b, r->lines[i]);
    buf_puts(&b, "\n");
  }
  if (b.oom) {
    buf_free(&b);
    return "(out of memory)";
  }
  return own(r, b.p);
}

char *load_file(const char *path, size_t *len) {
  size_t n = 0;
  char *p = fileio_read(path, &n);
  if (p && len) *len = n;
  return p;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t scenario_paths(char ***out) {
  static const char *const dirs[] = {"corpus/scenarios", "tests/golden"};
  size_t n = 0, cap = 64;
  char **v = malloc(cap * sizeof *v);
  for (size_t d = 0; v && d < sizeof dirs / sizeof *dirs; d++) {
    char *dir = str_printf("%s/%s", GCSIM_SOURCE_DIR, dirs[d]);
    DIR *dp = dir ? opendir(dir) : NULL;
    for (struct dirent *e; dp && (e = readdir(dp));) {
      size_t l = strlen(e->d_name);
      if (l < 5 || strcmp(e->d_name + l - 4, ".gcs")) continue;
      if (n + 2 > cap) {
        char **q = realloc(v, (cap *= 2) * sizeof *v);
        if (!q) break;
        v = q;
      }
      v[n++] = str_printf("%s/%s", dir, e->d_name);
    }
    if (dp) closedir(dp);
    free(dir);
  }
  if (!v) return *out = NULL, 0;
  qsort(v, n, sizeof *v, cmp_str);
  v[n] = NULL;
  *out = v;
  return n;
}

void free_paths(char **paths) {
  for (size_t i = 0; paths && paths[i]; i++) free(paths[i]);
  free(paths);
}

char *repo_file(const char *relpath) {
  char *path = str_printf("%s/%s", GCSIM_SOURCE_DIR, relpath);
  char *text = path ? load_file(path, NULL) : NULL;
  free(path);
  return text;
}

int run_file(struct run *r, const char *relpath, const char *policy,
             unsigned flags) {
  char *text = repo_file(relpath);
  if (!text) {
    memset(r, 0, sizeof *r);
    snprintf(r->error, sizeof r->error, "cannot read %s", relpath);
    return -1;
  }
  int rc = run_text(r, text, policy, flags);
  free(text);
  return rc;
}

uint64_t rng_next(uint64_t *s) {
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return *s * 2685821657736338717ULL;
}

uint8_t *random_bytes(uint64_t *seed, size_t n) {
  uint8_t *b = malloc(n ? n : 1);
  for (size_t i = 0; b && i < n; i++) b[i] = (uint8_t)(rng_next(seed) >> 56);
  return b;
}
