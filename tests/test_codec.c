/*
** test_codec.c — the fuzz byte format: every byte string decodes to a valid
** program, every program within the caps encodes to bytes that decode back
** to it, on the whole scenario corpus and on generated programs.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcsim/codec.h"
#include "gcsim/scenario.h"
#include "simrun.h"
#include "test.h"


/* p prints as a scenario that parses back to an equal program. */
static int prints_and_parses_back(const struct gcs_program *p, char *why,
                                  size_t whylen) {
  struct gcs_buf text;
  buf_init(&text);
  scenario_print(p, &text);
  struct gcs_program q;
  char err[600];
  int ok = scenario_parse(text.p ? text.p : "", text.len, "decoded.gcs", &q,
                          err, sizeof err) == 0;
  if (!ok)
    snprintf(why, whylen, "%s\n--- printed:\n%.2000s", err, text.p);
  else if (!program_equal(p, &q))
    snprintf(why, whylen, "parsed back different:\n%.2000s", text.p);
  if (ok) program_free(&q);
  ok = ok && why[0] == '\0';
  buf_free(&text);
  return ok;
}

/* encode p, decode the bytes: equal to p. */
static int encodes_back(const struct gcs_program *p, char *why,
                        size_t whylen) {
  struct gcs_buf bytes;
  buf_init(&bytes);
  char err[300];
  if (codec_encode(p, &bytes, err, sizeof err)) {
    snprintf(why, whylen, "encode: %s", err);
    buf_free(&bytes);
    return 0;
  }
  struct gcs_program q;
  struct codec_info info;
  int ok = codec_decode((const uint8_t *)bytes.p, bytes.len, &q, &info) == 0;
  if (ok && !program_equal(p, &q)) {
    struct gcs_buf a, b;
    buf_init(&a);
    buf_init(&b);
    scenario_print(p, &a);
    scenario_print(&q, &b);
    snprintf(why, whylen, "decoded differently:\n%.1500s--- got:\n%.1500s",
             a.p ? a.p : "", b.p ? b.p : "");
    buf_free(&a);
    buf_free(&b);
    ok = 0;
  } else if (ok && (info.truncated_at || info.dropped || info.after_exit ||
                    info.used != bytes.len)) {
    snprintf(why, whylen, "encoded bytes not all used (used %zu of %zu)",
             info.used, bytes.len);
    ok = 0;
  }
  if (ok || why[0]) program_free(&q);
  buf_free(&bytes);
  return ok;
}

TEST(corpus_scenarios_round_trip) {
  char **paths;
  size_t n = scenario_paths(&paths);
  ASSERT_TRUE(n >= 10);
  for (size_t i = 0; i < n; i++) {
    size_t len;
    char *text = load_file(paths[i], &len);
    ASSERT_TRUE(text != NULL);
    struct gcs_program p;
    char err[600], why[4096] = "";
    int rc = scenario_parse(text, len, paths[i], &p, err, sizeof err);
    free(text);
    if (rc) test_fail(__FILE__, __LINE__, "%s", err);
    if (rc) continue;
    if (!encodes_back(&p, why, sizeof why))
      test_fail(__FILE__, __LINE__, "%s: %s", paths[i], why);
    program_free(&p);
  }
  free_paths(paths);
}

TEST(every_byte_string_decodes_to_a_valid_program) {
  uint64_t seed = 0x9e3779b97f4a7c15ULL;
  for (int i = 0; i < 3000; i++) {
    size_t len = (size_t)(rng_next(&seed) % (i < 100 ? 8 : 600));
    uint8_t *b = random_bytes(&seed, len);
    ASSERT_TRUE(b != NULL);
    struct gcs_program p;
    struct codec_info info;
    ASSERT_EQ_INT(codec_decode(b, len, &p, &info), 0);
    char why[4096] = "";
    if (p.nstmts > CODEC_MAX_STMTS)
      test_fail(__FILE__, __LINE__, "%u statements", (unsigned)p.nstmts);
    if (!prints_and_parses_back(&p, why, sizeof why))
      test_fail(__FILE__, __LINE__, "input %d: %s", i, why);
    why[0] = '\0';
    if (!encodes_back(&p, why, sizeof why))
      test_fail(__FILE__, __LINE__, "input %d: %s", i, why);
    program_free(&p);
    free(b);
  }
}

TEST(decoding_is_deterministic) {
  uint64_t seed = 42;
  uint8_t *b = random_bytes(&seed, 2000);
  struct gcs_program p, q;
  ASSERT_EQ_INT(codec_decode(b, 2000, &p, NULL), 0);
  ASSERT_EQ_INT(codec_decode(b, 2000, &q, NULL), 0);
  ASSERT_TRUE(p.nstmts > 5);
  ASSERT_TRUE(program_equal(&p, &q));
  program_free(&p);
  program_free(&q);
  free(b);
}

TEST(empty_and_header_only_inputs_are_empty_programs) {
  const uint8_t h[4] = {0xff, 0xff, 0xff, 0x00};
  for (size_t len = 0; len <= 4; len++) {
    struct gcs_program p;
    struct codec_info info;
    ASSERT_EQ_INT(codec_decode(h, len, &p, &info), 0);
    ASSERT_EQ_INT(p.nstmts, 0);
    ASSERT_EQ_INT((int)info.used, (int)len);
    program_free(&p);
  }
}

/* Bytes of a scenario, as the encoder writes them. */
static struct gcs_buf encode_text(const char *text) {
  struct gcs_program p;
  char err[600];
  struct gcs_buf b;
  buf_init(&b);
  if (scenario_parse(text, strlen(text), "t.gcs", &p, err, sizeof err)) {
    fprintf(stderr, "%s\n", err);
    return b;
  }
  if (codec_encode(&p, &b, err, sizeof err)) fprintf(stderr, "%s\n", err);
  program_free(&p);
  return b;
}

TEST(truncated_input_drops_the_cut_statement_and_says_where) {
  struct gcs_buf b = encode_text("new a object\nnew b function\nlink a b\n");
  ASSERT_TRUE(b.len > 6);
  struct gcs_program p;
  struct codec_info info;
  ASSERT_EQ_INT(codec_decode((const uint8_t *)b.p, b.len - 1, &p, &info), 0);
  ASSERT_EQ_INT(p.nstmts, 2);
  ASSERT_TRUE(info.truncated_at > 0);
  ASSERT_EQ_INT((int)info.used, (int)info.truncated_at);
  program_free(&p);
  buf_free(&b);
}

TEST(operands_are_indices_modulo_what_exists) {
  /* `link` with root bytes 5 and 6 over two bound names picks b then a */
  struct gcs_buf b = encode_text("new a object\nnew b object\n");
  ASSERT_TRUE(b.len > 0);
  struct gcs_buf src = encode_text("new a object\nnew b object\nlink a b\n");
  ASSERT_TRUE(src.len == b.len + 3);
  uint8_t op = (uint8_t)src.p[b.len];
  buf_free(&src);
  uint8_t tail[3] = {op, 5, 6};
  buf_add(&b, tail, 3);
  struct gcs_program p;
  ASSERT_EQ_INT(codec_decode((const uint8_t *)b.p, b.len, &p, NULL), 0);
  struct gcs_buf text;
  buf_init(&text);
  scenario_print_stmt(&p, 2, &text);
  ASSERT_EQ_STR(text.p, "link b a");
  buf_free(&text);
  program_free(&p);
  buf_free(&b);
}

TEST(a_statement_without_a_bound_name_decodes_to_nothing) {
  /* link as the first statement: nothing is bound yet */
  struct gcs_buf full = encode_text("new a object\nlink a a\n");
  struct gcs_buf pre = encode_text("new a object\n");
  uint8_t in[7] = {0xff, 0xff, 0xff, 0, (uint8_t)full.p[pre.len], 0, 0};
  struct gcs_program p;
  struct codec_info info;
  ASSERT_EQ_INT(codec_decode(in, sizeof in, &p, &info), 0);
  ASSERT_EQ_INT(p.nstmts, 0);
  ASSERT_EQ_INT(info.dropped, 1);
  program_free(&p);
  buf_free(&full);
  buf_free(&pre);
}

TEST(swarm_header_limits_statement_kinds) {
  /* only `new` (bit 0) and `collect` (bit 7) enabled */
  uint64_t seed = 7;
  uint8_t *b = random_bytes(&seed, 500);
  b[0] = 0x81;
  b[1] = 0x00;
  b[3] = 0x00;
  struct gcs_program p;
  ASSERT_EQ_INT(codec_decode(b, 500, &p, NULL), 0);
  ASSERT_TRUE(p.nstmts > 10);
  int news = 0, collects = 0;
  for (uint32_t i = 0; i < p.nstmts; i++) {
    if (p.stmts[i].op == GCS_NEW) news++;
    else if (p.stmts[i].op == GCS_COLLECT) collects++;
    else test_fail(__FILE__, __LINE__, "statement %u has op %d", i,
                   p.stmts[i].op);
  }
  ASSERT_TRUE(news > 0 && collects > 0);
  program_free(&p);
  free(b);
}

TEST(swarm_header_limits_action_kinds) {
  /* only `touch` (action bit 0), over many random programs */
  uint64_t seed = 11;
  uint32_t total = 0;
  for (int k = 0; k < 50; k++) {
    uint8_t *b = random_bytes(&seed, 2000);
    b[0] = 0xff;
    b[1] = 0xff;
    b[2] = 0x01;
    b[3] = 0x00;
    struct gcs_program p;
    ASSERT_EQ_INT(codec_decode(b, 2000, &p, NULL), 0);
    total += p.nactions;
    for (uint32_t i = 0; i < p.nactions; i++)
      ASSERT_EQ_INT(p.actions[i].act, GCS_A_TOUCH);
    program_free(&p);
    free(b);
  }
  ASSERT_TRUE(total > 20);
}

TEST(statement_cap_is_enforced) {
  /* 300 `gc enable` statements: only CODEC_MAX_STMTS are decoded */
  struct gcs_buf one = encode_text("gc enable\n");
  ASSERT_EQ_INT((int)one.len, CODEC_HEADER + 1);
  uint8_t in[CODEC_HEADER + 300];
  memset(in, 0xff, CODEC_HEADER);
  in[3] = 0;
  memset(in + CODEC_HEADER, one.p[CODEC_HEADER], 300);
  struct gcs_program p;
  struct codec_info info;
  ASSERT_EQ_INT(codec_decode(in, sizeof in, &p, &info), 0);
  ASSERT_EQ_INT(p.nstmts, CODEC_MAX_STMTS);
  ASSERT_EQ_INT((int)info.after_exit, 300 - CODEC_MAX_STMTS);
  program_free(&p);
  buf_free(&one);
}

TEST(header_flag_ends_the_program_with_exit) {
  struct gcs_buf b = encode_text("new a object\nlink a a\n");
  ASSERT_EQ_INT((unsigned char)b.p[3], 0);
  b.p[3] = 1;
  struct gcs_program p;
  ASSERT_EQ_INT(codec_decode((const uint8_t *)b.p, b.len, &p, NULL), 0);
  ASSERT_EQ_INT(p.nstmts, 3);
  ASSERT_EQ_INT(p.stmts[2].op, GCS_EXIT);
  program_free(&p);
  /* a program that ends with exit gets no second one */
  struct gcs_buf e = encode_text("new a object\nexit\n");
  e.p[3] = 1;
  ASSERT_EQ_INT(codec_decode((const uint8_t *)e.p, e.len, &p, NULL), 0);
  ASSERT_EQ_INT(p.nstmts, 2);
  program_free(&p);
  buf_free(&b);
  buf_free(&e);
}

TEST(encode_rejects_programs_beyond_the_caps) {
  struct gcs_program p;
  char err[600];
  const char *t = "new a object\nlink a a\nunlink a a.200\n";
  ASSERT_EQ_INT(scenario_parse(t, strlen(t), "t.gcs", &p, err, sizeof err), 0);
  struct gcs_buf b;
  buf_init(&b);
  ASSERT_EQ_INT(codec_encode(&p, &b, err, sizeof err), -1);
  ASSERT_CONTAINS(err, "line 3: a slot number beyond");
  buf_free(&b);
  program_free(&p);
}

TEST(explicit_names_and_forward_script_references_round_trip) {
  const char *t =
      "policy cpython-3.9,threshold0=7\n"
      "new ob1 object fin\n"          /* what the decoder would name it */
      "new Alpha_2 function\n"
      "on ob1 finalize: call later; keep later.0(); touch Alpha_2\n"
      "new later object\n"
      "weakref ob1 later Alpha_2\n"   /* rebinding ob1 */
      "del later\n"
      "new later noclear fin legacy\n"
      "threshold 0 1000000000 5\n"
      "collect 0\nexit\n";
  struct gcs_program p;
  char err[600], why[4096] = "";
  ASSERT_EQ_INT(scenario_parse(t, strlen(t), "t.gcs", &p, err, sizeof err), 0);
  if (!encodes_back(&p, why, sizeof why))
    test_fail(__FILE__, __LINE__, "%s", why);
  program_free(&p);
}
