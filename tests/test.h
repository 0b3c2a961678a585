/*
** test.h — a tiny unit-test harness for gcsim's C tests.
**
** Usage, in tests/test_<module>.c:
**
**   #include "test.h"
**   TEST(callbacks_newest_first) {
**     ASSERT_EQ_INT(f(), 3);
**   }
**
** TEST(name) defines a `static void` function and registers it before main()
** runs, through a constructor function (__attribute__((constructor)), which
** gcc and clang both support). The group of a test is the name of its file
** without the "test_" prefix and ".c" suffix ("model" for test_model.c);
** tests run group by group, in source order within a file.
**
** A failed ASSERT_* prints the file, the line, the expression and both
** operands, marks the current test failed and returns from the test
** function: use the asserts in test bodies (functions returning void) only.
** Helpers that must report a failure without returning use test_fail().
**
** test_main.c holds the registry and main(): `gcsim_tests [--list]
** [NAME|GROUP ...]` runs every test, or those whose name, group or
** "group.name" is given, and ends with the line "N passed, M failed"; the
** exit status is 0 iff M == 0. A command-line name that selects nothing
** counts as a failure, so a typo in CTest cannot pass silently.
*/
#ifndef GCSIM_TEST_H
#define GCSIM_TEST_H

#include <stdint.h>
#include <string.h>

typedef void (*test_fn)(void);

/* Register a test (called by the TEST macro's constructor). */
void test_register(const char *file, int line, const char *name, test_fn fn);

/* Report a failure of the current test at file:line (printf format). */
void test_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define TEST(name)                                                           \
  static void test_##name(void);                                             \
  __attribute__((constructor)) static void test_register_##name(void) {      \
    test_register(__FILE__, __LINE__, #name, test_##name);                   \
  }                                                                          \
  static void test_##name(void)

#define ASSERT_TRUE(cond)                                                    \
  do {                                                                       \
    if (!(cond)) {                                                           \
      test_fail(__FILE__, __LINE__, "ASSERT_TRUE(%s) is false", #cond);      \
      return;                                                                \
    }                                                                        \
  } while (0)

#define ASSERT_EQ_INT(a, b)                                                  \
  do {                                                                       \
    long long test_a_ = (long long)(a), test_b_ = (long long)(b);            \
    if (test_a_ != test_b_) {                                                \
      test_fail(__FILE__, __LINE__,                                          \
                "ASSERT_EQ_INT(%s, %s)\n    left:  %lld\n    right: %lld",   \
                #a, #b, test_a_, test_b_);                                   \
      return;                                                                \
    }                                                                        \
  } while (0)

/* Unsigned 64-bit values (fingerprints), printed in hex. */
#define ASSERT_EQ_U64(a, b)                                                  \
  do {                                                                       \
    unsigned long long test_a_ = (unsigned long long)(a),                    \
                       test_b_ = (unsigned long long)(b);                    \
    if (test_a_ != test_b_) {                                                \
      test_fail(__FILE__, __LINE__,                                          \
                "ASSERT_EQ_U64(%s, %s)\n    left:  %016llx\n    right: "     \
                "%016llx",                                                   \
                #a, #b, test_a_, test_b_);                                   \
      return;                                                                \
    }                                                                        \
  } while (0)

#define ASSERT_NE_U64(a, b)                                                  \
  do {                                                                       \
    unsigned long long test_a_ = (unsigned long long)(a),                    \
                       test_b_ = (unsigned long long)(b);                    \
    if (test_a_ == test_b_) {                                                \
      test_fail(__FILE__, __LINE__,                                          \
                "ASSERT_NE_U64(%s, %s): both are %016llx", #a, #b, test_a_); \
      return;                                                                \
    }                                                                        \
  } while (0)

#define ASSERT_EQ_STR(a, b)                                                  \
  do {                                                                       \
    const char *test_a_ = (a), *test_b_ = (b);                               \
    if (!test_a_ || !test_b_ || strcmp(test_a_, test_b_) != 0) {             \
      test_fail(__FILE__, __LINE__,                                          \
                "ASSERT_EQ_STR(%s, %s)\n    left:  \"%s\"\n    right: "      \
                "\"%s\"",                                                    \
                #a, #b, test_a_ ? test_a_ : "(null)",                        \
                test_b_ ? test_b_ : "(null)");                               \
      return;                                                                \
    }                                                                        \
  } while (0)

/* haystack contains needle. */
#define ASSERT_CONTAINS(hay, needle)                                         \
  do {                                                                       \
    const char *test_h_ = (hay), *test_n_ = (needle);                        \
    if (!test_h_ || !test_n_ || !strstr(test_h_, test_n_)) {                 \
      test_fail(__FILE__, __LINE__,                                          \
                "ASSERT_CONTAINS(%s, %s)\n    haystack: \"%s\"\n    "        \
                "needle:   \"%s\"",                                          \
                #hay, #needle, test_h_ ? test_h_ : "(null)",                 \
                test_n_ ? test_n_ : "(null)");                               \
      return;                                                                \
    }                                                                        \
  } while (0)

#endif
