/*
** cert.c — the certificate of an exploration, and combining the shards'.
**
** The certificate is lines "key: value". Every line but `shard` and
** `fingerprint` is summed (numbers, the set hash modulo 2^64) or united
** (groups) over shards, or must be equal (mode, policies, bounds); the
** fingerprint is XXH3-64 over those lines, so it does not depend on how
** the space was split.
*/
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "explore_int.h"

#define CERT_GROUPS_MAX 256

struct cert {
  char mode[24];
  char policies[600];
  char bounds[600];
  uint64_t skeletons, programs, states, dominated, budget, violating,
      suppressed, set;
  uint32_t largest;
  char (*groups)[160];
  size_t ngroups;
  uint32_t shard_i, shard_n;
};

static int cmp_key(const void *a, const void *b) {
  return strcmp((const char *)a, (const char *)b);
}

/* The lines the fingerprint covers, then shard and fingerprint. */
static void cert_write(const struct cert *k, char *out, size_t len) {
  size_t n = 0;
#define OUT(...)                                                            \
  n += (size_t)snprintf(out + (n < len ? n : len), n < len ? len - n : 0, \
                        __VA_ARGS__)
  OUT("mode: %s\n", k->mode);
  OUT("policies: %s\n", k->policies);
  OUT("bounds: %s\n", k->bounds);
  OUT("skeletons: %" PRIu64 "\n", k->skeletons);
  OUT("programs: %" PRIu64 "\n", k->programs);
  OUT("states: %" PRIu64 "\n", k->states);
  OUT("dominated: %" PRIu64 "\n", k->dominated);
  OUT("budget: %" PRIu64 "\n", k->budget);
  OUT("violating: %" PRIu64 "\n", k->violating);
  OUT("suppressed: %" PRIu64 "\n", k->suppressed);
  OUT("largest: %u\n", k->largest);
  OUT("set: %016" PRIx64 "\n", k->set);
  for (size_t i = 0; i < k->ngroups; i++) OUT("group: %s\n", k->groups[i]);
  size_t covered = n < len ? n : len - 1;
  uint64_t fp = XXH3_64bits(out, covered);
  if (k->shard_n > 1) OUT("shard: %u/%u\n", k->shard_i, k->shard_n);
  OUT("fingerprint: %016" PRIx64 "\n", fp);
#undef OUT
}

void explore_cert(const struct explore_config *c,
                  const struct explore_bounds *b, uint32_t shard_i,
                  uint32_t shard_n, const struct explore_result *r,
                  char *out, size_t len) {
  struct cert k;
  memset(&k, 0, sizeof k);
  snprintf(k.mode, sizeof k.mode, "%s",
           c->diff ? "diff"
           : c->static_scripts && b->actions ? "violations-text"
                                             : "violations");
  if (c->diff)
    snprintf(k.policies, sizeof k.policies, "%s %s", c->policy_text[0],
             c->policy_text[1]);
  else
    snprintf(k.policies, sizeof k.policies, "%s", c->policy_text[0]);
  explore_bounds_text(b, k.bounds, sizeof k.bounds);
  k.skeletons = r->skeletons;
  k.programs = r->programs;
  k.states = r->states;
  k.dominated = r->dominated;
  k.budget = r->budget;
  k.violating = r->violating;
  k.suppressed = r->suppressed;
  k.set = r->set_hash;
  k.largest = r->largest;
  k.shard_i = shard_i;
  k.shard_n = shard_n;
  char(*g)[160] = calloc(r->ng ? r->ng : 1, sizeof *g);
  if (g) {
    for (size_t i = 0; i < r->ng; i++)
      snprintf(g[i], sizeof g[i], "%s", r->g[i].key);
    qsort(g, r->ng, sizeof *g, cmp_key);
    k.groups = g;
    k.ngroups = r->ng;
  }
  cert_write(&k, out, len);
  free(g);
}

static int bad(char *err, size_t errlen, const char *name, unsigned line,
               const char *msg) {
  snprintf(err, errlen, "%s:%u: %s", name, line, msg);
  return -1;
}

static int parse(const char *text, const char *name, struct cert *k,
                 char *err, size_t errlen) {
  memset(k, 0, sizeof *k);
  k->shard_n = 1;
  unsigned line = 0;
  int seen_fp = 0;
  for (const char *p = text; *p;) {
    line++;
    const char *e = strchr(p, '\n');
    size_t l = e ? (size_t)(e - p) : strlen(p);
    char buf[700];
    if (l >= sizeof buf) return bad(err, errlen, name, line, "line too long");
    memcpy(buf, p, l);
    buf[l] = '\0';
    p += l + (e ? 1 : 0);
    if (!l) continue;
    char *colon = strstr(buf, ": ");
    if (!colon) return bad(err, errlen, name, line, "not a certificate line (key: value)");
    *colon = '\0';
    const char *v = colon + 2;
    uint64_t *num = NULL;
    if (!strcmp(buf, "mode")) snprintf(k->mode, sizeof k->mode, "%s", v);
    else if (!strcmp(buf, "policies")) snprintf(k->policies, sizeof k->policies, "%s", v);
    else if (!strcmp(buf, "bounds")) snprintf(k->bounds, sizeof k->bounds, "%s", v);
    else if (!strcmp(buf, "skeletons")) num = &k->skeletons;
    else if (!strcmp(buf, "programs")) num = &k->programs;
    else if (!strcmp(buf, "states")) num = &k->states;
    else if (!strcmp(buf, "dominated")) num = &k->dominated;
    else if (!strcmp(buf, "budget")) num = &k->budget;
    else if (!strcmp(buf, "violating")) num = &k->violating;
    else if (!strcmp(buf, "suppressed")) num = &k->suppressed;
    else if (!strcmp(buf, "largest")) k->largest = (uint32_t)strtoul(v, NULL, 10);
    else if (!strcmp(buf, "set")) k->set = strtoull(v, NULL, 16);
    else if (!strcmp(buf, "group")) {
      if (k->ngroups == CERT_GROUPS_MAX)
        return bad(err, errlen, name, line, "too many groups");
      char(*g)[160] = realloc(k->groups, (k->ngroups + 1) * sizeof *g);
      if (!g) return bad(err, errlen, name, line, "out of memory");
      k->groups = g;
      snprintf(g[k->ngroups++], sizeof g[0], "%s", v);
    } else if (!strcmp(buf, "shard")) {
      if (sscanf(v, "%u/%u", &k->shard_i, &k->shard_n) != 2 || !k->shard_n ||
          k->shard_i >= k->shard_n)
        return bad(err, errlen, name, line, "bad shard (I/N, I < N)");
    } else if (!strcmp(buf, "fingerprint")) {
      seen_fp = 1;
    } else {
      return bad(err, errlen, name, line, "unknown certificate line");
    }
    if (num) {
      char *end;
      *num = strtoull(v, &end, 10);
      if (*end) return bad(err, errlen, name, line, "not a number");
    }
  }
  if (!seen_fp || !k->mode[0] || !k->bounds[0])
    return bad(err, errlen, name, line ? line : 1,
               "not a certificate of gcsim explore (no mode, bounds or "
               "fingerprint)");
  return 0;
}

int explore_cert_combine(const char *const *texts, const char *const *names,
                         size_t n, char *out, size_t len, char *err,
                         size_t errlen) {
  struct cert all, k;
  memset(&all, 0, sizeof all);
  uint8_t *seen = NULL;
  int rc = -1;
  for (size_t i = 0; i < n; i++) {
    if (parse(texts[i], names[i], &k, err, errlen)) {
      free(k.groups);
      goto done;
    }
    if (i == 0) {
      all = k;
      all.groups = NULL;
      all.ngroups = 0;
      all.skeletons = all.programs = all.states = all.dominated = 0;
      all.budget = all.violating = all.suppressed = all.set = 0;
      all.largest = 0;
      seen = calloc(k.shard_n, 1);
      if (!seen) {
        snprintf(err, errlen, "out of memory");
        free(k.groups);
        goto done;
      }
    } else if (strcmp(k.mode, all.mode) || strcmp(k.policies, all.policies) ||
               strcmp(k.bounds, all.bounds) || k.shard_n != all.shard_n) {
      snprintf(err, errlen,
               "%s:1: another exploration (mode, policies, bounds or shard "
               "count differ from %s's)",
               names[i], names[0]);
      free(k.groups);
      goto done;
    }
    if (seen[k.shard_i]) {
      snprintf(err, errlen, "%s:1: shard %u/%u given twice", names[i],
               k.shard_i, k.shard_n);
      free(k.groups);
      goto done;
    }
    seen[k.shard_i] = 1;
    all.skeletons += k.skeletons;
    all.programs += k.programs;
    all.states += k.states;
    all.dominated += k.dominated;
    all.budget += k.budget;
    all.violating += k.violating;
    all.suppressed += k.suppressed;
    all.set += k.set;
    if (k.largest > all.largest) all.largest = k.largest;
    for (size_t g = 0; g < k.ngroups; g++) {
      size_t j;
      for (j = 0; j < all.ngroups; j++)
        if (!strcmp(all.groups[j], k.groups[g])) break;
      if (j < all.ngroups) continue;
      char(*v)[160] = realloc(all.groups, (all.ngroups + 1) * sizeof *v);
      if (!v) {
        snprintf(err, errlen, "out of memory");
        free(k.groups);
        goto done;
      }
      all.groups = v;
      memcpy(all.groups[all.ngroups++], k.groups[g], sizeof all.groups[0]);
    }
    free(k.groups);
  }
  for (uint32_t s = 0; seen && s < all.shard_n; s++)
    if (!seen[s]) {
      snprintf(err, errlen, "%s:1: shard %u/%u is missing", names[0], s,
               all.shard_n);
      goto done;
    }
  if (!n) {
    snprintf(err, errlen, "no certificate to combine");
    goto done;
  }
  if (all.ngroups) qsort(all.groups, all.ngroups, sizeof *all.groups, cmp_key);
  all.shard_n = 1;
  cert_write(&all, out, len);
  rc = 0;
done:
  free(all.groups);
  free(seen);
  return rc;
}
