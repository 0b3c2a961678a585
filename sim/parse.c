/*
** parse.c — .gcs text to a program.
**
** Line-oriented: a '#' starts a comment, blank lines are skipped, every other
** line is one statement. The parser tracks which names are bound at each
** statement (new / weakref bind, del unbinds) so that a top-level statement
** naming an unbound name is an error at its line, not a surprise at run time.
*/
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcsim/policy.h"
#include "gcsim/program.h"
#include "gcsim/scenario.h"
#include "name_index.h"

#define MAX_TOKS 64

struct parser {
  struct gcs_program *prog;
  const char *fname;
  uint32_t line;
  char *err;
  size_t errlen;
  int failed;
  /* static binding: for each symbol, the statement index that bound it
     (+1), or 0 when unbound. */
  uint32_t *bound;
  uint32_t capbound;
  uint32_t *used_line; /* first line a script names each symbol (+0) */
  uint8_t *ever_bound;
  uint32_t exit_line; /* line of `exit`, 0 before it */
  struct name_index names; /* names to symbols (a linear search made big
                              scenarios quadratic) */
};

static int fail(struct parser *ps, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int fail(struct parser *ps, const char *fmt, ...) {
  if (ps->failed) return -1;
  ps->failed = 1;
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  snprintf(ps->err, ps->errlen, "%s:%u: %s", ps->fname, (unsigned)ps->line,
           msg);
  return -1;
}

/* Keep the per-symbol arrays as long as the symbol table. */
static int sync_syms(struct parser *ps) {
  uint32_t n = ps->prog->nsyms;
  if (n <= ps->capbound) return 0;
  uint32_t cap = ps->capbound ? ps->capbound : 32;
  while (cap < n) cap *= 2;
  uint32_t *b = realloc(ps->bound, cap * sizeof *b);
  if (!b) return fail(ps, "out of memory");
  ps->bound = b;
  uint32_t *u = realloc(ps->used_line, cap * sizeof *u);
  if (!u) return fail(ps, "out of memory");
  ps->used_line = u;
  uint8_t *e = realloc(ps->ever_bound, cap);
  if (!e) return fail(ps, "out of memory");
  ps->ever_bound = e;
  for (uint32_t i = ps->capbound; i < cap; i++) {
    ps->bound[i] = 0;
    ps->used_line[i] = 0;
    ps->ever_bound[i] = 0;
  }
  ps->capbound = cap;
  return 0;
}

static int is_ident(const char *s) {
  if (!(isalpha((unsigned char)*s) || *s == '_')) return 0;
  for (const char *c = s + 1; *c; c++)
    if (!(isalnum((unsigned char)*c) || *c == '_')) return 0;
  return 1;
}

/* program_sym() through the index; GCS_MAX_SYMS when the table is full. */
static uint32_t intern(struct parser *ps, const char *name) {
  uint32_t sym = name_index_find(&ps->names, ps->prog, name);
  if (sym != UINT32_MAX) return sym;
  if (ps->prog->nsyms >= GCS_MAX_SYMS) return GCS_MAX_SYMS;
  sym = program_sym_new(ps->prog, name);
  if (sym == UINT32_MAX || name_index_add(&ps->names, ps->prog, sym))
    return UINT32_MAX;
  return sym;
}

/* Intern an identifier that names an object (not self/arg). */
static int name_sym(struct parser *ps, const char *tok, uint32_t *sym) {
  if (!is_ident(tok))
    return fail(ps, "'%s' is not a name (letters, digits, _)", tok);
  if (strcmp(tok, "self") == 0 || strcmp(tok, "arg") == 0)
    return fail(ps, "'%s' is reserved for scripts", tok);
  if (strlen(tok) > GCS_MAX_NAME)
    return fail(ps, "name '%.20s...' is longer than %d characters", tok,
                GCS_MAX_NAME);
  uint32_t s = intern(ps, tok);
  if (s == GCS_MAX_SYMS)
    return fail(ps,
                "more than %u names: the limit of a scenario "
                "(docs/scenarios.md#limits)",
                (unsigned)GCS_MAX_SYMS);
  if (s == UINT32_MAX) return fail(ps, "out of memory");
  if (sync_syms(ps)) return -1;
  *sym = s;
  return 0;
}

/* Parse a whole number in [lo, hi]. */
static int number(struct parser *ps, const char *tok, long long lo,
                  long long hi, const char *what, long long *out) {
  char *end = NULL;
  long long v = strtoll(tok, &end, 10);
  if (!*tok || *end || v < lo || v > hi)
    return fail(ps, "%s must be a whole number from %lld to %lld, not '%s'",
                what, lo, hi, tok);
  *out = v;
  return 0;
}

/*
** Parse a path. script: 0 at top level, 1 in a finalize script, 2 in a call
** script. At top level the root must be a bound name.
*/
static int path(struct parser *ps, const char *tok, int script,
                struct gcs_path *out) {
  memset(out, 0, sizeof *out);
  char root[GCS_MAX_NAME + 2];
  size_t n = strcspn(tok, ".(");
  if (n == 0 || n > GCS_MAX_NAME)
    return fail(ps, "'%s' is not a path (NAME, self or arg, then .N or ())",
                tok);
  memcpy(root, tok, n);
  root[n] = '\0';
  if (strcmp(root, "self") == 0) {
    if (!script) return fail(ps, "'self' is only defined inside a script");
    out->root = GCS_ROOT_SELF;
  } else if (strcmp(root, "arg") == 0) {
    if (script != 2)
      return fail(ps, "'arg' is only defined inside a call script");
    out->root = GCS_ROOT_ARG;
  } else {
    if (name_sym(ps, root, &out->sym)) return -1;
    out->root = GCS_ROOT_NAME;
    if (!script && !ps->bound[out->sym])
      return fail(ps, "name '%s' is not bound here", root);
    if (script && !ps->used_line[out->sym]) ps->used_line[out->sym] = ps->line;
  }
  const char *c = tok + n;
  while (*c) {
    if (out->nsteps == GCS_MAX_PATH_STEPS)
      return fail(ps, "path '%s' has more than %d steps", tok,
                  GCS_MAX_PATH_STEPS);
    int32_t step;
    if (c[0] == '(' && c[1] == ')') {
      step = GCS_STEP_CALL;
      c += 2;
    } else if (c[0] == '.' && isdigit((unsigned char)c[1])) {
      char *end = NULL;
      long v = strtol(c + 1, &end, 10);
      if (v > 1000000)
        return fail(ps, "slot number in '%s' is too large", tok);
      step = (int32_t)v;
      c = end;
    } else {
      return fail(ps, "bad step in path '%s' at '%s' (expected .N or ())",
                  tok, c);
    }
    if (ps->prog->steps.n >= GCS_MAX_STEPS)
      return fail(ps,
                  "more than %u path steps: the limit of a scenario "
                  "(docs/scenarios.md#limits)",
                  (unsigned)GCS_MAX_STEPS);
    if (program_step_push(&ps->prog->steps, out, step))
      return fail(ps, "out of memory");
  }
  return 0;
}

/* strtok_r without POSIX: the next token of *save separated by delims. */
static char *split(char **save, const char *delims) {
  char *p = *save;
  if (!p) return NULL;
  p += strspn(p, delims);
  if (!*p) {
    *save = NULL;
    return NULL;
  }
  char *end = p + strcspn(p, delims);
  if (*end) {
    *end = '\0';
    *save = end + 1;
  } else {
    *save = NULL;
  }
  return p;
}

static int tokenize(char *s, char **toks, int max) {
  int n = 0;
  char *save = s;
  for (char *t = split(&save, " \t\r\v\f"); t;
       t = split(&save, " \t\r\v\f")) {
    if (n == max) return -1;
    toks[n++] = t;
  }
  return n;
}

static int want_args(struct parser *ps, const char *what, int ntok, int lo,
                     int hi) {
  int nargs = ntok - 1;
  if (nargs < lo || nargs > hi) {
    if (lo == hi)
      return fail(ps, "'%s' takes %d argument%s, not %d", what, lo,
                  lo == 1 ? "" : "s", nargs);
    return fail(ps, "'%s' takes %d to %d arguments, not %d", what, lo, hi,
                nargs);
  }
  return 0;
}

/* The size limit of a scenario (program.h): refused at the line that
   would pass it, before its memory is taken. */
static int too_big(struct parser *ps) {
  if (ps->prog->nstmts + ps->prog->nactions < GCS_MAX_STMTS) return 0;
  return fail(ps,
              "more than %u statements and script actions: the limit of a "
              "scenario (docs/scenarios.md#limits)",
              (unsigned)GCS_MAX_STMTS);
}

/* Parse one action of a script (text already split off at ';'). */
static int action(struct parser *ps, char *text, int script) {
  char *toks[MAX_TOKS];
  int n = tokenize(text, toks, MAX_TOKS);
  if (n < 0) return fail(ps, "too many words in an action");
  if (n == 0) return fail(ps, "empty action in script");
  if (too_big(ps)) return -1;
  struct gcs_action *a = program_add_action(ps->prog);
  if (!a) return fail(ps, "out of memory");
  const char *w = toks[0];
  if (strcmp(w, "touch") == 0 || strcmp(w, "call") == 0 ||
      strcmp(w, "keep") == 0 || strcmp(w, "drop") == 0) {
    a->act = (uint8_t)(w[0] == 't'   ? GCS_A_TOUCH
                       : w[0] == 'c' ? GCS_A_CALL
                       : w[0] == 'k' ? GCS_A_KEEP
                                     : GCS_A_DROP);
    if (want_args(ps, w, n, 1, 1)) return -1;
    return path(ps, toks[1], script, &a->a);
  }
  if (strcmp(w, "link") == 0 || strcmp(w, "unlink") == 0) {
    a->act = (uint8_t)(w[0] == 'l' ? GCS_A_LINK : GCS_A_UNLINK);
    if (want_args(ps, w, n, 2, 2)) return -1;
    if (path(ps, toks[1], script, &a->a)) return -1;
    return path(ps, toks[2], script, &a->b);
  }
  if (strcmp(w, "weakref") == 0) {
    a->act = GCS_A_WEAKREF;
    if (want_args(ps, w, n, 2, 3)) return -1;
    if (path(ps, toks[1], script, &a->a)) return -1;
    if (path(ps, toks[2], script, &a->b)) return -1;
    if (n == 4) {
      a->has_c = 1;
      return path(ps, toks[3], script, &a->c);
    }
    return 0;
  }
  if (strcmp(w, "get_objects") == 0) {
    a->act = GCS_A_GET_OBJECTS;
    return want_args(ps, w, n, 0, 0);
  }
  if (strcmp(w, "collect") == 0) {
    a->act = GCS_A_COLLECT;
    if (want_args(ps, w, n, 0, 1)) return -1;
    long long g = 2;
    if (n == 2 && number(ps, toks[1], 0, 2, "generation", &g)) return -1;
    a->gen = (int32_t)g;
    return 0;
  }
  return fail(ps,
              "unknown action '%s' (touch, call, keep, link, unlink, drop, "
              "weakref, get_objects, collect)",
              w);
}

/* The statement that bound sym (NULL when unbound). */
static const struct gcs_stmt *binder(struct parser *ps, uint32_t sym) {
  return ps->bound[sym] ? &ps->prog->stmts[ps->bound[sym] - 1] : NULL;
}

/* on NAME finalize: ... / on NAME call: ... ; `rest` is the text after "on". */
static int on_stmt(struct parser *ps, struct gcs_stmt *st, char *rest) {
  char *colon = strchr(rest, ':');
  if (!colon)
    return fail(ps, "expected 'on NAME finalize: ACTIONS' or 'on NAME call: "
                    "ACTIONS'");
  *colon = '\0';
  char *toks[MAX_TOKS];
  int n = tokenize(rest, toks, MAX_TOKS);
  if (n != 2 || (strcmp(toks[1], "finalize") && strcmp(toks[1], "call")))
    return fail(ps, "expected 'on NAME finalize:' or 'on NAME call:'");
  if (name_sym(ps, toks[0], &st->sym)) return -1;
  const struct gcs_stmt *b = binder(ps, st->sym);
  if (!b) return fail(ps, "name '%s' is not bound here", toks[0]);
  int is_fin = strcmp(toks[1], "finalize") == 0;
  st->op = (uint8_t)(is_fin ? GCS_ON_FINALIZE : GCS_ON_CALL);
  if (is_fin && !program_hook_ok(b, GCS_ON_FINALIZE))
    return fail(ps,
                "'%s' has no finalizer: create it with the fin or legacy flag",
                toks[0]);
  if (!is_fin && !program_hook_ok(b, GCS_ON_CALL))
    return fail(ps, "'%s' is a weakref, which cannot be a callback", toks[0]);
  uint32_t sc = program_add_script(ps->prog);
  if (sc == UINT32_MAX) return fail(ps, "out of memory");
  st->script = sc;
  char *body = colon + 1;
  char *save = body;
  int nacts = 0;
  for (char *part = split(&save, ";"); part; part = split(&save, ";")) {
    char *t = part;
    while (isspace((unsigned char)*t)) t++;
    if (!*t) continue;
    if (action(ps, part, is_fin ? 1 : 2)) return -1;
    nacts++;
  }
  if (nacts == 0) return fail(ps, "script has no actions");
  return 0;
}

static int bind(struct parser *ps, uint32_t sym) {
  ps->bound[sym] = ps->prog->nstmts; /* index of this statement + 1 */
  ps->ever_bound[sym] = 1;
  return 0;
}

static int statement(struct parser *ps, char *text) {
  if (ps->exit_line)
    return fail(ps, "nothing may follow 'exit' (line %u)", ps->exit_line);
  if (too_big(ps)) return -1;
  struct gcs_stmt *st = program_add_stmt(ps->prog);
  if (!st) return fail(ps, "out of memory");
  st->line = ps->line;
  /* `on` lines hold a whole script: split at ':' and ';', not into words */
  if (strncmp(text, "on", 2) == 0 && isspace((unsigned char)text[2]))
    return on_stmt(ps, st, text + 2);
  char *toks[MAX_TOKS];
  int n = tokenize(text, toks, MAX_TOKS);
  if (n < 0) return fail(ps, "too many words on one line");
  const char *w = toks[0];
  if (strcmp(w, "policy") == 0) {
    st->op = GCS_POLICY;
    if (want_args(ps, w, n, 1, 1)) return -1;
    if (ps->prog->policy[0])
      return fail(ps, "a scenario has one policy line; this is the second");
    if (strlen(toks[1]) >= sizeof ps->prog->policy)
      return fail(ps, "policy longer than %zu characters",
                  sizeof ps->prog->policy - 1);
    struct policy pol;
    char perr[256];
    if (policy_parse(toks[1], &pol, perr, sizeof perr)) return fail(ps, "%s", perr);
    snprintf(ps->prog->policy, sizeof ps->prog->policy, "%s", toks[1]);
    return 0;
  }
  if (strcmp(w, "new") == 0) {
    st->op = GCS_NEW;
    if (n < 3) return fail(ps, "'new' takes NAME KIND [fin] [legacy]");
    if (name_sym(ps, toks[1], &st->sym)) return -1;
    int k = program_kind_from_name(toks[2]);
    if (k < 0)
      return fail(ps,
                  "unknown kind '%s' (object, noclear, function, opaque, leaf)",
                  toks[2]);
    st->kind = (uint8_t)k;
    for (int i = 3; i < n; i++) {
      unsigned f = strcmp(toks[i], "fin") == 0      ? GCS_FLAG_FIN
                   : strcmp(toks[i], "legacy") == 0 ? GCS_FLAG_LEGACY
                                                    : 0;
      if (!f) return fail(ps, "unknown flag '%s' (fin, legacy)", toks[i]);
      if (st->flags & f) return fail(ps, "flag '%s' given twice", toks[i]);
      st->flags = (uint8_t)(st->flags | f);
    }
    return bind(ps, st->sym);
  }
  if (strcmp(w, "link") == 0 || strcmp(w, "unlink") == 0) {
    st->op = (uint8_t)(w[0] == 'l' ? GCS_LINK : GCS_UNLINK);
    if (want_args(ps, w, n, 2, 2)) return -1;
    if (path(ps, toks[1], 0, &st->a)) return -1;
    return path(ps, toks[2], 0, &st->b);
  }
  if (strcmp(w, "weakref") == 0) {
    st->op = GCS_WEAKREF_OP;
    if (want_args(ps, w, n, 2, 3)) return -1;
    uint32_t sym;
    if (name_sym(ps, toks[1], &sym)) return -1;
    if (path(ps, toks[2], 0, &st->b)) return -1;
    if (n == 4) {
      st->has_c = 1;
      if (path(ps, toks[3], 0, &st->c)) return -1;
    }
    st->sym = sym;
    return bind(ps, sym);
  }
  if (strcmp(w, "del") == 0) {
    st->op = GCS_DEL;
    if (want_args(ps, w, n, 1, 1)) return -1;
    if (name_sym(ps, toks[1], &st->sym)) return -1;
    if (!ps->bound[st->sym])
      return fail(ps, "name '%s' is not bound here", toks[1]);
    ps->bound[st->sym] = 0;
    return 0;
  }
  if (strcmp(w, "untrack") == 0 || strcmp(w, "track") == 0) {
    st->op = (uint8_t)(w[0] == 't' ? GCS_TRACK : GCS_UNTRACK);
    if (want_args(ps, w, n, 1, 1)) return -1;
    return path(ps, toks[1], 0, &st->a);
  }
  if (strcmp(w, "collect") == 0) {
    st->op = GCS_COLLECT;
    if (want_args(ps, w, n, 0, 1)) return -1;
    long long g = 2;
    if (n == 2 && number(ps, toks[1], 0, 2, "generation", &g)) return -1;
    st->n[0] = g;
    return 0;
  }
  if (strcmp(w, "gc") == 0) {
    if (n == 2 && strcmp(toks[1], "enable") == 0) {
      st->op = GCS_GC_ENABLE;
      return 0;
    }
    if (n == 2 && strcmp(toks[1], "disable") == 0) {
      st->op = GCS_GC_DISABLE;
      return 0;
    }
    if (n == 3 && strcmp(toks[1], "saveall") == 0 &&
        (strcmp(toks[2], "on") == 0 || strcmp(toks[2], "off") == 0)) {
      st->op = GCS_SAVEALL;
      st->flags = (uint8_t)(strcmp(toks[2], "on") == 0);
      return 0;
    }
    return fail(ps, "expected 'gc enable', 'gc disable' or 'gc saveall on|off'");
  }
  if (strcmp(w, "threshold") == 0) {
    st->op = GCS_THRESHOLD;
    if (want_args(ps, w, n, 1, 3)) return -1;
    for (int i = 1; i < n; i++) {
      long long v = 0;
      if (number(ps, toks[i], 0, 1000000000LL, "threshold", &v)) return -1;
      st->n[i - 1] = v;
    }
    st->has_c = (uint8_t)(n - 1);
    return 0;
  }
  if (strcmp(w, "get_objects") == 0) {
    st->op = GCS_GET_OBJECTS;
    return want_args(ps, w, n, 0, 0);
  }
  if (strcmp(w, "exit") == 0) {
    st->op = GCS_EXIT;
    ps->exit_line = ps->line;
    return want_args(ps, w, n, 0, 0);
  }
  return fail(ps,
              "unknown statement '%s' (policy, new, link, unlink, weakref, "
              "del, untrack, track, collect, gc, threshold, get_objects, "
              "exit, on)",
              w);
}

int scenario_parse(const char *text, size_t len, const char *fname,
                   struct gcs_program *prog, char *err, size_t errlen) {
  struct parser ps;
  memset(&ps, 0, sizeof ps);
  program_init(prog);
  ps.prog = prog;
  ps.fname = fname;
  ps.err = err;
  ps.errlen = errlen;
  if (errlen) err[0] = '\0';

  size_t pos = 0;
  char line[GCS_MAX_LINE + 1];
  while (pos < len && !ps.failed) {
    ps.line++;
    size_t end = pos;
    while (end < len && text[end] != '\n') end++;
    size_t n = end - pos;
    if (memchr(text + pos, '\0', n)) {
      fail(&ps, "NUL byte in a scenario (is this a binary fuzz input?)");
      break;
    }
    if (n > GCS_MAX_LINE) {
      fail(&ps, "line longer than %d characters", GCS_MAX_LINE);
      break;
    }
    memcpy(line, text + pos, n);
    line[n] = '\0';
    pos = end + 1;
    char *hash = strchr(line, '#');
    if (hash) *hash = '\0';
    char *t = line;
    while (isspace((unsigned char)*t)) t++;
    if (!*t) continue;
    for (char *c = t; *c; c++)
      if ((unsigned char)*c < 0x20 && !isspace((unsigned char)*c)) {
        fail(&ps, "control character 0x%02x in a scenario", (unsigned)*c);
        break;
      }
    if (ps.failed) break;
    statement(&ps, t);
  }
  /* Names that scripts use must be bound somewhere in the program. */
  for (uint32_t s = 0; !ps.failed && s < prog->nsyms; s++)
    if (ps.used_line[s] && !ps.ever_bound[s]) {
      ps.line = ps.used_line[s];
      fail(&ps, "script names '%s', which no statement binds",
           program_sym_name(prog, s));
    }
  free(ps.bound);
  name_index_free(&ps.names);
  free(ps.used_line);
  free(ps.ever_bound);
  if (ps.failed) {
    program_free(prog);
    return -1;
  }
  return 0;
}
