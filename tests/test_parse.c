/*
** test_parse.c — the .gcs parser and printer (scenario.h, program.h).
**
** Errors: exactly one "FILE:LINE: message", the program left empty, never an
** abort. Round trip: print(parse(text)) parses back to an equal program, and
** printing is a fixpoint after one round.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcsim/program.h"
#include "gcsim/scenario.h"
#include "simrun.h"
#include "test.h"

/* Parse len bytes; on error copy the message into err and return -1. */
static int parse_n(const char *text, size_t len, struct gcs_program *p,
                   char *err, size_t errlen) {
  return scenario_parse(text, len, "t.gcs", p, err, errlen);
}

/* "t.gcs:12: message" -> "t.gcs:12" in out ("" when not of that shape). */
static const char *where(const char *err, char *out, size_t n) {
  const char *c1 = strchr(err, ':');
  const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
  size_t len = c2 ? (size_t)(c2 - err) : 0;
  if (len >= n) len = n - 1;
  memcpy(out, err, len);
  out[len] = '\0';
  return out;
}

struct perr {
  int rc;
  char err[512];
  char at[64];
  uint32_t nstmts_after; /* statements left in the program (must be 0) */
};

static void parse_expect(const char *text, size_t len, struct perr *pe) {
  struct gcs_program p;
  memset(pe, 0, sizeof *pe);
  pe->rc = parse_n(text, len, &p, pe->err, sizeof pe->err);
  where(pe->err, pe->at, sizeof pe->at);
  pe->nstmts_after = p.nstmts;
  program_free(&p);
}

TEST(error_unknown_statement) {
  struct perr pe;
  const char *t = "new a object\n\nfrobnicate a\n";
  parse_expect(t, strlen(t), &pe);
  ASSERT_EQ_INT(pe.rc, -1);
  ASSERT_EQ_STR(pe.at, "t.gcs:3");
  ASSERT_CONTAINS(pe.err, "unknown statement 'frobnicate'");
  ASSERT_EQ_INT(pe.nstmts_after, 0);
}

TEST(error_unbound_name) {
  struct perr pe;
  const char *t = "new a object\nlink a b\n";
  parse_expect(t, strlen(t), &pe);
  ASSERT_EQ_INT(pe.rc, -1);
  ASSERT_EQ_STR(pe.at, "t.gcs:2");
  ASSERT_CONTAINS(pe.err, "name 'b' is not bound here");
}

TEST(error_name_unbound_after_del) {
  struct perr pe;
  const char *t = "new a object\ndel a\n# a is gone\nlink a a\n";
  parse_expect(t, strlen(t), &pe);
  ASSERT_EQ_INT(pe.rc, -1);
  ASSERT_EQ_STR(pe.at, "t.gcs:4");
  ASSERT_CONTAINS(pe.err, "name 'a' is not bound here");
}

TEST(error_bad_kind) {
  struct perr pe;
  const char *t = "# kinds\nnew a blob\n";
  parse_expect(t, strlen(t), &pe);
  ASSERT_EQ_INT(pe.rc, -1);
  ASSERT_EQ_STR(pe.at, "t.gcs:2");
  ASSERT_CONTAINS(pe.err, "unknown kind 'blob'");
}

TEST(error_weakref_is_not_a_new_kind) {
  struct perr pe;
  const char *t = "new w weakref\n";
  parse_expect(t, strlen(t), &pe);
  ASSERT_EQ_INT(pe.rc, -1);
  ASSERT_EQ_STR(pe.at, "t.gcs:1");
  ASSERT_CONTAINS(pe.err, "unknown kind 'weakref'");
}

TEST(error_bad_flag) {
  struct perr pe;
  const char *t = "new a object fin fast\n";
  parse_expect(t, strlen(t), &pe);
  ASSERT_EQ_INT(pe.rc, -1);
  ASSERT_EQ_STR(pe.at, "t.gcs:1");
  ASSERT_CONTAINS(pe.err, "unknown flag 'fast'");
}

TEST(error_self_at_top_level) {
  struct perr pe;
  const char *t = "new a object\nlink self a\n";
  parse_expect(t, strlen(t), &pe);
  ASSERT_EQ_INT(pe.rc, -1);
  ASSERT_EQ_STR(pe.at, "t.gcs:2");
  ASSERT_CONTAINS(pe.err, "'self' is only defined inside a script");
}

TEST(error_arg_in_finalize_script) {
  struct perr pe;
  const char *t = "new a object fin\non a finalize: touch self; touch arg()\n";
  parse_expect(t, strlen(t), &pe);
  ASSERT_EQ_INT(pe.rc, -1);
  ASSERT_EQ_STR(pe.at, "t.gcs:2");
  ASSERT_CONTAINS(pe.err, "'arg' is only defined inside a call script");
}

TEST(arg_in_call_script_is_fine) {
  struct perr pe;
  const char *t = "new c function\non c call: touch arg(); keep arg\n";
  parse_expect(t, strlen(t), &pe);
  ASSERT_EQ_STR(pe.err, "");
  ASSERT_EQ_INT(pe.rc, 0);
}

TEST(error_finalize_script_without_fin) {
  struct perr pe;
  const char *t = "new a object\nnew b object fin\non a finalize: touch self\n";
  parse_expect(t, strlen(t), &pe);
  ASSERT_EQ_INT(pe.rc, -1);
  ASSERT_EQ_STR(pe.at, "t.gcs:3");
  ASSERT_CONTAINS(pe.err, "'a' has no finalizer");
}

TEST(legacy_flag_allows_finalize_script) {
  struct perr pe;
  const char *t = "new d object legacy\non d finalize: keep self\n";
  parse_expect(t, strlen(t), &pe);
  ASSERT_EQ_STR(pe.err, "");
  ASSERT_EQ_INT(pe.rc, 0);
}

TEST(error_nul_byte) {
  struct perr pe;
  static const char t[] = "new a object\nnew b\0object\nnew c object\n";
  parse_expect(t, sizeof t - 1, &pe);
  ASSERT_EQ_INT(pe.rc, -1);
  ASSERT_EQ_STR(pe.at, "t.gcs:2");
  ASSERT_CONTAINS(pe.err, "NUL byte");
  ASSERT_EQ_INT(pe.nstmts_after, 0);
}

TEST(error_overlong_line) {
  /* line 3 is 5000 characters long */
  size_t n = GCS_MAX_LINE + 1000;
  char *t = malloc(64 + n);
  ASSERT_TRUE(t != NULL);
  strcpy(t, "new a object\n# fine\n");
  size_t at = strlen(t);
  memset(t + at, 'x', n);
  strcpy(t + at + n, "\nnew b object\n");
  struct perr pe;
  parse_expect(t, strlen(t), &pe);
  free(t);
  ASSERT_EQ_INT(pe.rc, -1);
  ASSERT_EQ_STR(pe.at, "t.gcs:3");
  ASSERT_CONTAINS(pe.err, "line longer than");
}

TEST(longest_allowed_line_is_accepted) {
  /* a GCS_MAX_LINE-character comment line is fine; one more is not */
  const size_t m = GCS_MAX_LINE;
  char *t = malloc(m + 100);
  ASSERT_TRUE(t != NULL);
  t[0] = '#';
  memset(t + 1, 'y', m - 1);
  strcpy(t + m, "\nnew a object\n");
  struct perr pe;
  parse_expect(t, strlen(t), &pe);
  ASSERT_EQ_STR(pe.err, "");
  t[m] = 'y';
  strcpy(t + m + 1, "\nnew a object\n");
  parse_expect(t, strlen(t), &pe);
  free(t);
  ASSERT_EQ_INT(pe.rc, -1);
  ASSERT_EQ_STR(pe.at, "t.gcs:1");
}

TEST(error_statement_after_exit) {
  struct perr pe;
  const char *t = "new a object\nexit\n# a comment is fine\n\ndel a\n";
  parse_expect(t, strlen(t), &pe);
  ASSERT_EQ_INT(pe.rc, -1);
  ASSERT_EQ_STR(pe.at, "t.gcs:5");
  ASSERT_CONTAINS(pe.err, "nothing may follow 'exit' (line 2)");
}

TEST(error_second_policy_line) {
  struct perr pe;
  const char *t = "policy cpython-3.9\nnew a object\npolicy cpython-3.8\n";
  parse_expect(t, strlen(t), &pe);
  ASSERT_EQ_INT(pe.rc, -1);
  ASSERT_EQ_STR(pe.at, "t.gcs:3");
  ASSERT_CONTAINS(pe.err, "one policy line");
}

TEST(error_reports_only_first_error) {
  struct perr pe;
  const char *t = "new a object\nbogus one\nbogus two\n";
  parse_expect(t, strlen(t), &pe);
  ASSERT_EQ_INT(pe.rc, -1);
  ASSERT_EQ_STR(pe.at, "t.gcs:2");
  ASSERT_TRUE(strstr(pe.err, "t.gcs:3") == NULL);
}

TEST(error_script_names_never_bound_name) {
  struct perr pe;
  const char *t = "new a object fin\non a finalize: keep ghost\nnew b object\n";
  parse_expect(t, strlen(t), &pe);
  ASSERT_EQ_INT(pe.rc, -1);
  ASSERT_EQ_STR(pe.at, "t.gcs:2");
  ASSERT_CONTAINS(pe.err, "ghost");
}

/* A deterministic byte soup: the parser must return 0 or -1 with one
   "t.gcs:LINE: message", and never crash or abort. */
TEST(never_aborts_on_binary_input) {
  uint32_t x = 12345u;
  char buf[600];
  for (int round = 0; round < 300; round++) {
    size_t len = (size_t)(round * 2 % 599) + 1;
    for (size_t i = 0; i < len; i++) {
      x = x * 1103515245u + 12345u;
      unsigned b = (x >> 16) & 0xffu;
      /* mix in scenario words so some inputs get past the first line */
      buf[i] = (char)(round % 3 == 0 && b < 200 ? "new a object\nlink a a\n"[b % 22] : (char)b);
    }
    struct gcs_program p;
    char err[512];
    int rc = parse_n(buf, len, &p, err, sizeof err);
    char at[64];
    ASSERT_TRUE(rc == 0 || rc == -1);
    if (rc == -1) {
      ASSERT_TRUE(strncmp(err, "t.gcs:", 6) == 0);
      ASSERT_TRUE(strlen(where(err, at, sizeof at)) > 6);
      ASSERT_EQ_INT(p.nstmts, 0);
    }
    program_free(&p);
  }
}

/* ---- round trip ---- */

/* parse -> print -> parse: equal programs, and the printed text is a
   fixpoint of print(parse(.)). Returns "" or what went wrong. */
static const char *roundtrip(const char *text, char *why, size_t n) {
  struct gcs_program p1, p2, p3;
  char err[512];
  why[0] = '\0';
  if (parse_n(text, strlen(text), &p1, err, sizeof err)) {
    snprintf(why, n, "first parse: %s", err);
    return why;
  }
  struct gcs_buf b1, b2;
  buf_init(&b1);
  buf_init(&b2);
  scenario_print(&p1, &b1);
  if (parse_n(b1.p, b1.len, &p2, err, sizeof err)) {
    snprintf(why, n, "printed text does not parse: %s\n%s", err, b1.p);
  } else {
    if (!program_equal(&p1, &p2))
      snprintf(why, n, "programs differ after print/parse:\n%s", b1.p);
    scenario_print(&p2, &b2);
    if (!why[0] && strcmp(b1.p, b2.p) != 0)
      snprintf(why, n, "print is not a fixpoint:\n%s---\n%s", b1.p, b2.p);
    if (!why[0] && parse_n(b2.p, b2.len, &p3, err, sizeof err) == 0) {
      if (!program_equal(&p1, &p3)) snprintf(why, n, "third parse differs");
      program_free(&p3);
    }
    program_free(&p2);
  }
  buf_free(&b1);
  buf_free(&b2);
  program_free(&p1);
  return why;
}

/* Many names: each interned once, found again by every later use (the
   parser's name table grows and rehashes many times on the way). */
TEST(many_names_interned_once) {
  struct gcs_buf b;
  buf_init(&b);
  for (int i = 0; i < 3000; i++) buf_printf(&b, "new n%d object\n", i);
  for (int i = 1; i < 3000; i++) buf_printf(&b, "link n%d n%d\n", i, i - 1);
  struct gcs_program p;
  char err[256];
  ASSERT_EQ_INT(scenario_parse(b.p, b.len, "many.gcs", &p, err, sizeof err), 0);
  buf_free(&b);
  ASSERT_EQ_INT((int)p.nsyms, 3000);
  for (uint32_t i = 0; i < p.nstmts; i++) {
    const struct gcs_stmt *st = &p.stmts[i];
    char want[16];
    if (st->op == GCS_NEW) {
      snprintf(want, sizeof want, "n%u", (unsigned)i);
      ASSERT_EQ_STR(program_sym_name(&p, st->sym), want);
    } else {
      unsigned k = (unsigned)(i - 3000 + 1);
      snprintf(want, sizeof want, "n%u", k);
      ASSERT_EQ_STR(program_sym_name(&p, st->a.sym), want);
      snprintf(want, sizeof want, "n%u", k - 1);
      ASSERT_EQ_STR(program_sym_name(&p, st->b.sym), want);
    }
  }
  program_free(&p);
}

/* Names that are a prefix and a number live in arrays by number, the rest
   in a hash table (sim/name_index.h): names that differ only in leading
   zeros, prefixes that are prefixes of others, numbers far past a run and
   past 10^9, digits inside a prefix, more prefixes than get an array, in a
   scrambled order and used again in another. Each name gets one symbol,
   and every use finds it. */
TEST(numbered_and_other_names_interned_once) {
  static const char *const fixed[] = {
      "o1",   "o01",  "o001", "o0",   "o00",  "o10",  "o100000000",
      "o999999999", "o1000000000", "o4294967296", "oo1", "o", "oo",
      "a1b2", "a1b02", "a1", "a", "_0", "_00", "_", "x9", "x09"};
  enum { NFIXED = sizeof fixed / sizeof *fixed, NGEN = 5000, NPFX = 1000 };
  static char names[NFIXED + NGEN + NPFX][24];
  uint32_t n = 0;
  for (uint32_t i = 0; i < NFIXED; i++)
    snprintf(names[n++], 24, "%s", fixed[i]);
  for (uint32_t i = 0; i < NGEN; i++) /* runs, gaps, far numbers */
    snprintf(names[n++], 24, "%s%u", i % 3 ? "w" : "v",
             i % 7 ? i * 3u : 1000000u + i * 977u);
  for (uint32_t i = 0; i < NPFX; i++) /* a prefix each */
    snprintf(names[n++], 24, "p%ux%u", i, i % 5);
  uint32_t order[NFIXED + NGEN + NPFX];
  for (uint32_t i = 0; i < n; i++) order[i] = i;
  uint64_t r = 12345;
  for (uint32_t i = n - 1; i > 0; i--) { /* a fixed scramble */
    r = r * 6364136223846793005ull + 1442695040888963407ull;
    uint32_t j = (uint32_t)(r >> 33) % (i + 1), t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  struct gcs_buf b;
  buf_init(&b);
  for (uint32_t i = 0; i < n; i++) buf_printf(&b, "new %s object\n", names[i]);
  for (uint32_t i = 0; i < n; i++)
    buf_printf(&b, "link %s %s\n", names[order[i]], names[i]);
  struct gcs_program p;
  char err[256];
  ASSERT_EQ_INT(scenario_parse(b.p, b.len, "names.gcs", &p, err, sizeof err),
                0);
  buf_free(&b);
  ASSERT_EQ_INT((int)p.nsyms, (int)n);
  for (uint32_t i = 0; i < n; i++) {
    ASSERT_EQ_STR(program_sym_name(&p, p.stmts[i].sym), names[i]);
    ASSERT_EQ_INT((int)p.stmts[i].sym, (int)i);
    const struct gcs_stmt *st = &p.stmts[n + i];
    ASSERT_EQ_INT((int)st->a.sym, (int)order[i]);
    ASSERT_EQ_INT((int)st->b.sym, (int)i);
  }
  program_free(&p);
}

/* A path's steps are found by a 25-bit index (struct gcs_path), so a
   scenario holds at most GCS_MAX_STEPS of them: the line that would pass
   the limit is refused at its line with the limit's name, not as memory
   running out and not by wrapping an index around. 2^21 lines of 16 steps
   reach it exactly; the next line is refused. */
TEST(error_path_steps_over_the_limit) {
  static const char line[] = "untrack a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0\n";
  const uint32_t full = GCS_MAX_STEPS / GCS_MAX_PATH_STEPS;
  size_t n = sizeof line - 1, len = 13 + ((size_t)full + 1) * n;
  char *text = malloc(len + 1);
  ASSERT_TRUE(text != NULL);
  memcpy(text, "new a object\n", 13);
  for (uint32_t i = 0; i <= full; i++)
    memcpy(text + 13 + (size_t)i * n, line, n);
  text[len] = '\0';
  struct gcs_program p;
  char err[256], want[128];
  /* every full line parses: the limit is reached, not passed */
  ASSERT_EQ_INT(scenario_parse(text, len - n, "t.gcs", &p, err, sizeof err), 0);
  ASSERT_EQ_INT((int)p.steps.n, (int)GCS_MAX_STEPS);
  ASSERT_EQ_INT((int)p.stmts[full].a.first, (int)(GCS_MAX_STEPS - 16));
  program_free(&p);
  ASSERT_EQ_INT(scenario_parse(text, len, "t.gcs", &p, err, sizeof err), -1);
  snprintf(want, sizeof want, "t.gcs:%u: more than %u path steps", full + 2,
           (unsigned)GCS_MAX_STEPS);
  ASSERT_TRUE(strncmp(err, want, strlen(want)) == 0);
  ASSERT_EQ_INT((int)p.nstmts, 0);
  free(text);
}

TEST(roundtrip_bpo38006) {
  char why[2048];
  char *text = load_file(GCSIM_SOURCE_DIR "/corpus/scenarios/bpo38006.gcs",
                         NULL);
  ASSERT_TRUE(text != NULL);
  ASSERT_EQ_STR(roundtrip(text, why, sizeof why), "");
  free(text);
}

TEST(roundtrip_scripts_and_paths) {
  const char *t =
      "policy cpython-3.9,threshold0=5,weakrefs=late\n"
      "gc disable\n"
      "threshold 700\n"
      "threshold 10 20\n"
      "threshold 1 2 3\n"
      "gc saveall on\n"
      "gc saveall off\n"
      "gc enable\n"
      "new h object\n"
      "new b object fin legacy\n"
      "new n noclear\n"
      "new k leaf\n"
      "new cb function\n"
      "new x opaque fin\n"
      "link h b\n"
      "link b n\n"
      "link n b\n"
      "weakref w b cb\n"
      "weakref plain n\n"
      "link h w\n"
      "link h.1 h.0.0\n"
      "unlink h h.0\n"
      "on b finalize: touch self.0.0; weakref h self.0 cb; keep h.1(); "
      "link self self; unlink self self.2; drop h; get_objects; collect 1\n"
      "on cb call: touch arg(); call self; keep arg; drop arg(); collect 0\n"
      "on x finalize: touch h.1().0.0.0()\n"
      "untrack b\n"
      "track b\n"
      "collect\n"
      "collect 0\n"
      "get_objects\n"
      "del w\n"
      "exit\n";
  char why[4096];
  ASSERT_EQ_STR(roundtrip(t, why, sizeof why), "");
}

TEST(roundtrip_canonical_spelling) {
  /* comments, blanks, tabs and a default GEN disappear; meaning stays */
  const char *t = "  new\ta  object   fin # x\n\n\ton a finalize:touch self ;keep self\n"
                  "collect\n";
  struct gcs_program p;
  char err[512];
  ASSERT_EQ_INT(parse_n(t, strlen(t), &p, err, sizeof err), 0);
  struct gcs_buf b;
  buf_init(&b);
  scenario_print(&p, &b);
  program_free(&p);
  char copy[512];
  snprintf(copy, sizeof copy, "%s", b.p ? b.p : "");
  buf_free(&b);
  ASSERT_EQ_STR(copy,
                "new a object fin\non a finalize: touch self; keep self\n"
                "collect 2\n");
  char why[2048];
  ASSERT_EQ_STR(roundtrip(t, why, sizeof why), "");
}

TEST(program_equal_sees_differences) {
  const char *a = "new a object\nnew b object\nlink a b\n";
  const char *b = "new a object\nnew b object\nlink b a\n";
  const char *c = "new a object\nnew b object fin\nlink a b\n";
  const char *d = "new a object fin\non a finalize: touch self.0\n";
  const char *e = "new a object fin\non a finalize: touch self.1\n";
  struct gcs_program pa, pb, pc, pd, pe2, pa2;
  char err[512];
  ASSERT_EQ_INT(parse_n(a, strlen(a), &pa, err, sizeof err), 0);
  ASSERT_EQ_INT(parse_n(a, strlen(a), &pa2, err, sizeof err), 0);
  ASSERT_EQ_INT(parse_n(b, strlen(b), &pb, err, sizeof err), 0);
  ASSERT_EQ_INT(parse_n(c, strlen(c), &pc, err, sizeof err), 0);
  ASSERT_EQ_INT(parse_n(d, strlen(d), &pd, err, sizeof err), 0);
  ASSERT_EQ_INT(parse_n(e, strlen(e), &pe2, err, sizeof err), 0);
  int same = program_equal(&pa, &pa2);
  int ab = program_equal(&pa, &pb), ac = program_equal(&pa, &pc),
      de = program_equal(&pd, &pe2);
  program_free(&pa);
  program_free(&pa2);
  program_free(&pb);
  program_free(&pc);
  program_free(&pd);
  program_free(&pe2);
  ASSERT_EQ_INT(same, 1);
  ASSERT_EQ_INT(ab, 0);
  ASSERT_EQ_INT(ac, 0);
  ASSERT_EQ_INT(de, 0);
}

/* A program built through program.h prints as a scenario that parses back
   to an equal program (program.h's invariant). */
TEST(roundtrip_program_built_through_api) {
  struct gcs_program p;
  program_init(&p);
  uint32_t a = program_sym(&p, "a"), cb = program_sym(&p, "cb"),
           w = program_sym(&p, "w");
  struct gcs_stmt *st = program_add_stmt(&p);
  st->op = GCS_NEW;
  st->kind = GCS_OBJECT;
  st->flags = GCS_FLAG_FIN;
  st->sym = a;
  st = program_add_stmt(&p);
  st->op = GCS_NEW;
  st->kind = GCS_FUNCTION;
  st->sym = cb;
  st = program_add_stmt(&p);
  st->op = GCS_WEAKREF_OP;
  st->sym = w;
  st->b.root = GCS_ROOT_NAME;
  st->b.sym = a;
  st->has_c = 1;
  st->c.root = GCS_ROOT_NAME;
  st->c.sym = cb;
  st = program_add_stmt(&p);
  st->op = GCS_ON_FINALIZE;
  st->sym = a;
  st->script = program_add_script(&p);
  struct gcs_action *ac = program_add_action(&p);
  ac->act = GCS_A_KEEP;
  ac->a.root = GCS_ROOT_SELF;
  ac = program_add_action(&p);
  ac->act = GCS_A_TOUCH;
  ac->a.root = GCS_ROOT_NAME;
  ac->a.sym = w;
  ASSERT_EQ_INT(program_step_push(&p.steps, &ac->a, GCS_STEP_CALL), 0);
  st = program_add_stmt(&p);
  st->op = GCS_COLLECT;
  st->n[0] = 1;
  struct gcs_buf b;
  buf_init(&b);
  scenario_print(&p, &b);
  char text[1024];
  snprintf(text, sizeof text, "%s", b.p ? b.p : "");
  buf_free(&b);
  struct gcs_program q;
  char err[512];
  int rc = parse_n(text, strlen(text), &q, err, sizeof err);
  int eq = rc == 0 && program_equal(&p, &q);
  if (rc == 0) program_free(&q);
  program_free(&p);
  ASSERT_EQ_STR(text,
                "new a object fin\nnew cb function\nweakref w a cb\n"
                "on a finalize: keep self; touch w()\ncollect 1\n");
  ASSERT_EQ_INT(rc, 0);
  ASSERT_EQ_INT(eq, 1);
}

TEST(policy_line_is_checked_at_its_line) {
  struct perr pe;
  const char *t = "new a object\npolicy cpython-4.0\n";
  parse_expect(t, strlen(t), &pe);
  ASSERT_EQ_INT(pe.rc, -1);
  ASSERT_EQ_STR(pe.at, "t.gcs:2");
  ASSERT_CONTAINS(pe.err, "unknown policy 'cpython-4.0'");
}
