/*
** suppress.c — see include/gcsim/suppress.h.
*/
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcsim/suppress.h"

void suppress_init(struct suppressions *s) { memset(s, 0, sizeof *s); }

void suppress_free(struct suppressions *s) {
  free(s->v);
  suppress_init(s);
}

static int known_kind(const char *s, size_t n) {
  for (int k = SV_NONE + 1; k < SV_NKINDS; k++) {
    const char *name = sim_vkind_name((enum sim_vkind)k);
    if (strlen(name) == n && strncmp(name, s, n) == 0) return 1;
  }
  return 0;
}

static int check_value(enum suppress_what w, const char *v, char *why,
                       size_t len) {
  size_t k = strcspn(v, w == SUP_ROLES ? "/" : w == SUP_SIGNATURE ? ":" : "");
  if (!known_kind(v, k)) {
    snprintf(why, len, "unknown violation kind in '%s'", v);
    return -1;
  }
  if (w == SUP_ROLES) {
    int slashes = 0;
    for (const char *c = v; *c; c++) slashes += *c == '/';
    if (slashes != 3) {
      snprintf(why, len, "roles are KIND/OBJKIND/ACTOR/PHASE, not '%s'", v);
      return -1;
    }
  }
  if (w == SUP_SIGNATURE) {
    const char *h = v + k;
    int ok = *h == ':' && strlen(h + 1) == 12;
    for (const char *c = h + 1; ok && *c; c++) ok = isxdigit((unsigned char)*c);
    if (!ok) {
      snprintf(why, len, "a signature is KIND:<12 hex digits>, not '%s'", v);
      return -1;
    }
  }
  return 0;
}

/* Parse one line (comment already cut); 1 entry, 0 blank, -1 error. */
static int parse_line(char *line, struct suppression *e, char *why,
                      size_t len) {
  char *colon = strchr(line, ':');
  /* a signature holds a ':' itself: the reason's colon is the next one */
  char *first = line;
  while (isspace((unsigned char)*first)) first++;
  if (!*first) return 0;
  if (strncmp(first, "signature", 9) == 0 && colon) colon = strchr(colon + 1, ':');
  if (!colon) {
    snprintf(why, len, "a suppression needs a reason: 'kind|roles|signature "
                       "VALUE [POLICY]: REASON'");
    return -1;
  }
  *colon = '\0';
  char *reason = colon + 1;
  while (isspace((unsigned char)*reason)) reason++;
  size_t rl = strlen(reason);
  while (rl && isspace((unsigned char)reason[rl - 1])) reason[--rl] = '\0';
  if (!rl) {
    snprintf(why, len, "a suppression needs a reason after ':'");
    return -1;
  }
  char *tok[4];
  int n = 0;
  for (char *c = line; *c;) {
    while (*c && isspace((unsigned char)*c)) *c++ = '\0';
    if (!*c) break;
    if (n == 3) {
      snprintf(why, len, "too many words before ':'");
      return -1;
    }
    tok[n++] = c;
    while (*c && !isspace((unsigned char)*c)) c++;
  }
  if (n < 2) {
    snprintf(why, len, "expected 'kind|roles|signature VALUE [POLICY]: REASON'");
    return -1;
  }
  memset(e, 0, sizeof *e);
  if (strcmp(tok[0], "kind") == 0) e->what = SUP_KIND;
  else if (strcmp(tok[0], "roles") == 0) e->what = SUP_ROLES;
  else if (strcmp(tok[0], "signature") == 0) e->what = SUP_SIGNATURE;
  else {
    snprintf(why, len, "unknown entry '%s' (kind, roles, signature)", tok[0]);
    return -1;
  }
  if (strlen(tok[1]) >= sizeof e->value || (n == 3 && strlen(tok[2]) >= sizeof e->policy) ||
      rl >= sizeof e->reason) {
    snprintf(why, len, "line too long");
    return -1;
  }
  if (check_value(e->what, tok[1], why, len)) return -1;
  strcpy(e->value, tok[1]);
  if (n == 3 && strcmp(tok[2], "*") != 0) strcpy(e->policy, tok[2]);
  strcpy(e->reason, reason);
  return 1;
}

int suppress_parse(const char *text, size_t len, const char *fname,
                   struct suppressions *s, char *err, size_t errlen) {
  suppress_init(s);
  if (errlen) err[0] = '\0';
  size_t pos = 0, cap = 0;
  unsigned lineno = 0;
  char line[1024];
  while (pos < len) {
    lineno++;
    size_t end = pos;
    while (end < len && text[end] != '\n') end++;
    size_t n = end - pos;
    const char *why = NULL;
    if (memchr(text + pos, '\0', n)) why = "NUL byte (not a text file?)";
    else if (n >= sizeof line) why = "line too long";
    if (why) {
      snprintf(err, errlen, "%s:%u: %s", fname, lineno, why);
      suppress_free(s);
      return -1;
    }
    memcpy(line, text + pos, n);
    line[n] = '\0';
    pos = end + 1;
    char *hash = strchr(line, '#');
    if (hash) *hash = '\0';
    struct suppression e;
    char msg[300];
    int r = parse_line(line, &e, msg, sizeof msg);
    if (r < 0) {
      snprintf(err, errlen, "%s:%u: %s", fname, lineno, msg);
      suppress_free(s);
      return -1;
    }
    if (r == 0) continue;
    e.line = lineno;
    if (s->n == cap) {
      cap = cap ? cap * 2 : 8;
      struct suppression *q = realloc(s->v, cap * sizeof *q);
      if (!q) {
        snprintf(err, errlen, "%s:%u: out of memory", fname, lineno);
        suppress_free(s);
        return -1;
      }
      s->v = q;
    }
    s->v[s->n++] = e;
    if (e.what == SUP_SIGNATURE) s->has_signatures = 1;
  }
  return 0;
}

/* Roles match component by component; `*` matches any component. */
static int roles_match(const char *pat, const char *have) {
  while (*pat && *have) {
    size_t p = strcspn(pat, "/"), h = strcspn(have, "/");
    if (!(p == 1 && pat[0] == '*') && (p != h || strncmp(pat, have, p)))
      return 0;
    pat += p + (pat[p] == '/');
    have += h + (have[h] == '/');
  }
  return !*pat && !*have;
}

const struct suppression *suppress_match(const struct suppressions *s,
                                         const char *policy,
                                         const struct sim_violation *v,
                                         const char *roles,
                                         const char *signature) {
  for (size_t i = 0; i < s->n; i++) {
    const struct suppression *e = &s->v[i];
    if (e->policy[0] && strcmp(e->policy, policy) != 0) continue;
    const char *have = e->what == SUP_KIND    ? sim_vkind_name(v->kind)
                       : e->what == SUP_ROLES ? roles
                                              : signature;
    if (!have) continue;
    if (e->what == SUP_ROLES ? roles_match(e->value, have)
                             : strcmp(have, e->value) == 0)
      return e;
  }
  return NULL;
}
