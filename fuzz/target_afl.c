/*
** target_afl.c — gcsim-afl: the harness in AFL++'s persistent mode, with
** the test case in shared memory (built with afl-clang-fast).
**
** GCSIM_POLICY and GCSIM_SUPPRESSIONS as for gcsim-fuzz. A finding prints
** a report and aborts, so afl-fuzz saves it under crashes/. Built with a
** plain compiler, it runs one input from a file argument or stdin.
*/
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h> /* read(), in AFL++'s macros */

#include "gcsim/fileio.h"
#include "gcsim/harness.h"

#ifndef __AFL_FUZZ_TESTCASE_LEN
/* Not under afl-clang-fast: one input, from argv[1] or stdin. */
#define GCSIM_AFL_STANDALONE 1
#endif

#ifdef GCSIM_AFL_STANDALONE
static int run_one(const struct harness *h, const uint8_t *p, size_t n) {
  struct harness_result r;
  int finding = harness_exec(h, p, n, 0, &r);
  if (finding > 0) {
    harness_report(h, &r, stderr);
    abort();
  }
  return finding < 0 ? 3 : 0;
}
#else
__AFL_FUZZ_INIT();
#endif

int main(int argc, char **argv) {
  struct harness h;
  char err[700];
  if (harness_init(&h, NULL, NULL, err, sizeof err)) {
    fprintf(stderr, "gcsim-afl: %s\n", err);
    return 2;
  }
#ifdef GCSIM_AFL_STANDALONE
  size_t len = 0;
  char *data = NULL;
  if (argc > 1) {
    data = fileio_read(argv[1], &len);
  } else {
    size_t cap = 1 << 16;
    data = malloc(cap);
    while (data) {
      len += fread(data + len, 1, cap - len, stdin);
      if (len < cap) break;
      char *q = realloc(data, cap *= 2);
      if (!q) free(data);
      data = q;
    }
  }
  if (!data) return 2;
  int rc = run_one(&h, (const uint8_t *)data, len);
  free(data);
  harness_free(&h);
  return rc;
#else
  (void)argc;
  (void)argv;
  __AFL_INIT();
  const unsigned char *buf = __AFL_FUZZ_TESTCASE_BUF;
  struct harness_ws ws; /* memory kept between inputs, never state */
  harness_ws_init(&ws);
  while (__AFL_LOOP(100000)) {
    size_t len = (size_t)__AFL_FUZZ_TESTCASE_LEN;
    struct harness_result r;
    if (harness_exec_ws(&h, &ws, buf, len, 0, &r) > 0) {
      harness_report(&h, &r, stderr);
      abort();
    }
  }
  harness_ws_free(&ws);
  harness_free(&h);
  return 0;
#endif
}
