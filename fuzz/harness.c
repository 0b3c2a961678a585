/*
** harness.c — see include/gcsim/harness.h.
*/
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcsim/fileio.h"
#include "gcsim/harness.h"

/* The policy: the caller's, else $GCSIM_POLICY, else fallback. */
static int init_policy(struct harness *h, const char *policy,
                       const char *fallback, char *err, size_t errlen) {
  if (!policy) policy = getenv("GCSIM_POLICY");
  if (!policy || !*policy) policy = fallback;
  if (strlen(policy) >= sizeof h->policy_text) {
    snprintf(err, errlen, "policy text longer than %zu characters",
             sizeof h->policy_text - 1);
    return -1;
  }
  char perr[256];
  if (policy_parse(policy, &h->pol, perr, sizeof perr)) {
    snprintf(err, errlen, "policy '%s': %s", policy, perr);
    return -1;
  }
  strcpy(h->policy_text, policy);
  return 0;
}

/* Parse a suppressions text into h->sup; name is what reports call it. */
static int load_suppressions(struct harness *h, const char *text, size_t len,
                             const char *name, char *err, size_t errlen) {
  if (strlen(name) >= sizeof h->sup_path) {
    snprintf(err, errlen, "%s:0: path too long", name);
    return -1;
  }
  if (suppress_parse(text, len, name, &h->sup, err, errlen)) return -1;
  strcpy(h->sup_path, name);
  return 0;
}

/* The suppressions file at path, or none when path is NULL or "". */
static int load_suppressions_file(struct harness *h, const char *path,
                                  char *err, size_t errlen) {
  if (!path || !*path) return 0;
  size_t len;
  char *text = fileio_read(path, &len);
  if (!text) {
    snprintf(err, errlen, "%s:0: cannot read the suppressions file", path);
    return -1;
  }
  int rc = load_suppressions(h, text, len, path, err, errlen);
  free(text);
  return rc;
}

int harness_init(struct harness *h, const char *policy,
                 const char *suppressions, char *err, size_t errlen) {
  memset(h, 0, sizeof *h);
  suppress_init(&h->sup);
  if (init_policy(h, policy, HARNESS_DEFAULT_POLICY, err, errlen)) return -1;
  if (!suppressions) suppressions = getenv("GCSIM_SUPPRESSIONS");
  return load_suppressions_file(h, suppressions, err, errlen);
}

int harness_init_builtin(struct harness *h, const struct harness_builtin *b,
                         char *err, size_t errlen) {
  memset(h, 0, sizeof *h);
  suppress_init(&h->sup);
  if (init_policy(h, NULL, b->policy, err, errlen)) return -1;
  const char *env = getenv("GCSIM_SUPPRESSIONS");
  if (env) return load_suppressions_file(h, env, err, errlen);
  if (!b->sup_text) return 0;
  return load_suppressions(h, b->sup_text, strlen(b->sup_text), b->sup_name,
                           err, errlen);
}

void harness_free(struct harness *h) { suppress_free(&h->sup); }

static int signature_of(const struct harness *h, const struct gcs_program *p,
                        char *out, size_t len) {
  struct gcs_program m;
  if (minimize_program(p, &h->pol, &m, NULL) != 0) return -1;
  struct mz_outcome o;
  int rc = mz_run(&m, &h->pol, &o);
  if (rc == 0 && o.status == SIM_VIOLATION)
    mz_signature(&m, o.v.kind, h->policy_text, out, len);
  else
    rc = -1;
  program_free(&m);
  return rc;
}

void harness_ws_init(struct harness_ws *w) {
  memset(w, 0, sizeof *w);
  program_init(&w->prog);
}

void harness_ws_free(struct harness_ws *w) {
  program_free(&w->prog);
  codec_scratch_free(&w->scratch);
  sim_destroy(w->model);
  memset(w, 0, sizeof *w);
}

int harness_exec_ws(const struct harness *h, struct harness_ws *w,
                    const uint8_t *data, size_t len, int want_signature,
                    struct harness_result *r) {
  /* r->info and r->out are written whole by the decoder and the run (not
     zeroed twice: a kilobyte per input showed in profiles) */
  r->roles[0] = r->signature[0] = '\0';
  r->suppressed = NULL;
  r->finding = 0;
  struct gcs_program *p = &w->prog;
  if (codec_decode_reuse(data, len, p, &w->scratch, &r->info)) {
    memset(&r->out, 0, sizeof r->out);
    return -1;
  }
  if (mz_run_reuse(&w->model, p, &h->pol, h->feedback, h->feedback_len,
                   &r->out)) {
    /* out of memory: a model that failed its reset is only destroyed */
    sim_destroy(w->model);
    w->model = NULL;
    return -1;
  }
  if (r->out.status == SIM_INTERNAL) {
    r->finding = 1;
  } else if (r->out.status == SIM_VIOLATION) {
    mz_roles(&r->out.v, r->roles, sizeof r->roles);
    r->suppressed =
        suppress_match(&h->sup, h->policy_text, &r->out.v, r->roles, NULL);
    if ((!r->suppressed && h->sup.has_signatures) || want_signature) {
      if (signature_of(h, p, r->signature, sizeof r->signature) == 0 &&
          !r->suppressed)
        r->suppressed = suppress_match(&h->sup, h->policy_text, &r->out.v,
                                       r->roles, r->signature);
    }
    r->finding = r->suppressed == NULL;
  }
  return r->finding;
}

int harness_exec(const struct harness *h, const uint8_t *data, size_t len,
                 int want_signature, struct harness_result *r) {
  struct harness_ws w;
  harness_ws_init(&w);
  int rc = harness_exec_ws(h, &w, data, len, want_signature, r);
  harness_ws_free(&w);
  return rc;
}

int harness_signature(const struct harness *h, const uint8_t *data,
                      size_t len, char *out, size_t outlen) {
  struct gcs_program p;
  if (codec_decode(data, len, &p, NULL)) return -1;
  int rc = signature_of(h, &p, out, outlen);
  program_free(&p);
  return rc;
}

void harness_report(const struct harness *h, const struct harness_result *r,
                    FILE *f) {
  if (r->out.status == SIM_INTERNAL) {
    fprintf(f, "==gcsim== INTERNAL ERROR of the model under %s: %s\n",
            h->policy_text, r->out.internal);
  } else {
    fprintf(f, "==gcsim== VIOLATION %s on %s at step %u under %s\n",
            sim_vkind_name(r->out.v.kind), r->out.v.obj,
            (unsigned)r->out.v.step, h->policy_text);
    fprintf(f, "==gcsim== roles: %s\n", r->roles);
    if (r->signature[0]) fprintf(f, "==gcsim== signature: %s\n", r->signature);
    fprintf(f, "==gcsim== %s\n", r->out.v.detail);
  }
  fprintf(f, "==gcsim== replay the saved input with: GCSIM_POLICY=%s gcsim "
             "replay CRASH_FILE\n",
          h->policy_text);
  fflush(f);
}
