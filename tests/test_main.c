/*
** test_main.c — the registry and runner of test.h.
**
** gcsim_tests [--list] [NAME|GROUP|GROUP.NAME ...]
**
** Runs the selected tests (all when none is named), prints one line per test
** and the failures with their operands, and ends with exactly
** "N passed, M failed". Exit status 0 iff M == 0. An argument that selects no
** test is reported and counted as one failure.
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

struct test_case {
  char group[64];
  const char *name;
  int line;
  test_fn fn;
};

/* The registry: filled by constructors before main() runs. */
static struct test_case *registry;
static size_t nregistry, capregistry;
static int current_failed;

/* "tests/test_model.c" -> "model" */
static void group_of(const char *file, char *out, size_t len) {
  const char *base = file;
  for (const char *c = file; *c; c++)
    if (*c == '/' || *c == '\\') base = c + 1;
  if (strncmp(base, "test_", 5) == 0) base += 5;
  size_t n = strcspn(base, ".");
  if (n >= len) n = len - 1;
  memcpy(out, base, n);
  out[n] = '\0';
}

void test_register(const char *file, int line, const char *name, test_fn fn) {
  if (nregistry == capregistry) {
    size_t cap = capregistry ? capregistry * 2 : 64;
    struct test_case *q = realloc(registry, cap * sizeof *q);
    if (!q) {
      fprintf(stderr, "test registry: out of memory\n");
      exit(2);
    }
    registry = q;
    capregistry = cap;
  }
  struct test_case *t = &registry[nregistry++];
  group_of(file, t->group, sizeof t->group);
  t->name = name;
  t->line = line;
  t->fn = fn;
}

void test_fail(const char *file, int line, const char *fmt, ...) {
  current_failed = 1;
  fprintf(stdout, "  %s:%d: ", file, line);
  va_list ap;
  va_start(ap, fmt);
  vfprintf(stdout, fmt, ap);
  va_end(ap);
  fputc('\n', stdout);
  fflush(stdout);
}

/* Group order, then source order: a stable order whatever order the
   constructors ran in. */
static int by_group_line(const void *pa, const void *pb) {
  const struct test_case *a = pa, *b = pb;
  int c = strcmp(a->group, b->group);
  if (c) return c;
  return (a->line > b->line) - (a->line < b->line);
}

static int selects(const char *arg, const struct test_case *t) {
  char full[192];
  snprintf(full, sizeof full, "%s.%s", t->group, t->name);
  return strcmp(arg, t->name) == 0 || strcmp(arg, t->group) == 0 ||
         strcmp(arg, full) == 0;
}

int main(int argc, char **argv) {
  int list = 0, first = 1;
  if (argc > 1 && strcmp(argv[1], "--list") == 0) {
    list = 1;
    first = 2;
  }
  qsort(registry, nregistry, sizeof *registry, by_group_line);
  long passed = 0, failed = 0;
  for (int i = first; i < argc; i++) {
    int any = 0;
    for (size_t k = 0; k < nregistry && !any; k++) any = selects(argv[i], &registry[k]);
    if (!any) {
      printf("no test or group named '%s'\n", argv[i]);
      failed++;
    }
  }
  for (size_t k = 0; k < nregistry; k++) {
    const struct test_case *t = &registry[k];
    int run = argc <= first;
    for (int i = first; i < argc && !run; i++) run = selects(argv[i], t);
    if (!run) continue;
    if (list) {
      printf("%s.%s\n", t->group, t->name);
      continue;
    }
    printf("[ RUN  ] %s.%s\n", t->group, t->name);
    fflush(stdout);
    current_failed = 0;
    t->fn();
    if (current_failed) {
      printf("[ FAIL ] %s.%s\n", t->group, t->name);
      failed++;
    } else {
      printf("[  OK  ] %s.%s\n", t->group, t->name);
      passed++;
    }
    fflush(stdout);
  }
  free(registry);
  if (list) return failed == 0 ? 0 : 1;
  printf("%ld passed, %ld failed\n", passed, failed);
  fflush(stdout); /* before any atexit handler (LeakSanitizer) can _exit */
  return failed == 0 ? 0 : 1;
}
