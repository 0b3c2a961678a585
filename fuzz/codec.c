/*
** codec.c — the fuzz byte format (see include/gcsim/codec.h).
**
** Format, version 1. Reading past the end of the input yields nothing: the
** statement being read is dropped and decoding stops.
**
**   header   4 bytes:
**            h0 h1  statement mask, bit i = statement code i may appear
**                   (`new`, code 0, always may)
**            h2     action mask (bit: touch call keep link+unlink drop
**                   weakref get_objects collect); a zero mask means all;
**                   a missing mask byte counts as 0xff
**            h3     bit 0: end the program with `exit` (interpreter
**                   shutdown drops every name and collects), unless it
**                   already ends so; missing counts as 0
**   then statements until the input ends, `exit`, or CODEC_MAX_STMTS:
**     op     1 byte, weighted (op_weight): new link unlink weakref del
**            untrack track collect gc-enable gc-disable saveall threshold
**            get_objects exit on policy; a masked-out code becomes the next
**            enabled one (never exit or policy)
**     new      KF NAME          KF % 20: kind = KF % 5, flags = KF / 5
**     link     TOP TOP          unlink: the same
**     weakref  NAME TOP C [TOP] C & 1: a callback path follows
**     del      I                the bound name I % (names bound)
**     untrack  TOP              track: the same
**     collect  G                generation G % 3
**     saveall  B                B & 1: on
**     threshold C V...          1 + C % 3 values, each LEB128, % 10^9+1
**     on       I K ACTION...    target I % (names bound); K & 1: finalize,
**                               else call; 1 + (K >> 1) % 4 actions, or
**                               % 16 when K >= 0xc0
**     policy   L CHAR...        1 + L % 255 characters (policy_chars)
**     others   nothing
**   NAME  (binds)  < 0xf0: a fresh name (kind prefix + counter);
**                  0xf0..0xfe: the known symbol (B - 0xf0) % (symbols);
**                  0xff: TEXT
**   TEXT  L CHAR...  1 + L % 63 characters of name_chars
**   TOP   R [STEPS]  R < 0xc0: the bound name R % (names bound);
**                    else the bound name (R - 0xc0) % (names bound), and
**                    STEPS follow
**   SPATH R [TEXT] [STEPS]  R & 0x7f == 0x7f: TEXT; else the root is
**                    (R & 0x7f) % (choices): self, arg (call scripts only),
**                    then every known symbol; R & 0x80: STEPS follow
**   STEPS C S...     1 + C % 2 steps, or % 16 when C & 0x80: 0xff calls
**                    the weakref, < 0x80 is slot S % 8, else slot S - 0x80
**   ACTION  A operands: touch/call/keep/drop SPATH; link/unlink SPATH
**           SPATH; weakref SPATH SPATH C [SPATH]; collect G; get_objects
**
** A statement that cannot apply (no name is bound yet, `on` for an object
** without that hook, an invalid or second policy) decodes to nothing. After
** decoding, a script path rooted at a name that the program never binds
** is rooted at self instead (the parser's rule for scripts).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcsim/codec.h"
#include "gcsim/policy.h"

enum {
  C_NEW, C_LINK, C_UNLINK, C_WEAKREF, C_DEL, C_UNTRACK, C_TRACK, C_COLLECT,
  C_GC_ENABLE, C_GC_DISABLE, C_SAVEALL, C_THRESHOLD, C_GET_OBJECTS, C_EXIT,
  C_ON, C_POLICY, C_NOPS
};
/* How many of the 256 op byte values pick each statement (sum 256). */
static const uint8_t op_weight[C_NOPS] = {40, 44, 8, 40, 26, 6, 3,  20,
                                          2,  2,  2, 4, 4,  6, 47, 2};
/* The same for actions, in enum gcs_act order (sum 256). */
static const uint8_t act_weight[GCS_NACTS] = {36, 36, 32, 36, 14,
                                              28, 36, 12, 26};
static const uint8_t act_mask_bit[GCS_NACTS] = {0, 1, 2, 3, 3, 4, 5, 6, 7};

static const char name_chars[] =
    "abcdefghijklmnopqrstuvwxyz0123456789_ABCDEFGHIJKLMNOPQRSTUVWXYZ";
static const char policy_chars[] =
    "abcdefghijklmnopqrstuvwxyz0123456789-.,=_ABCDEFGHIJKLMNOPQRSTUVWXYZ";
#define NAME_NCHARS (sizeof name_chars - 1)
#define POLICY_NCHARS (sizeof policy_chars - 1)
static const char *const fresh_prefix[GCS_NKINDS] = {"ob", "nc", "fn",
                                                     "op", "lf", "wr"};

#define BIND_SYM 0xf0u  /* NAME: first byte value naming a known symbol */
#define BIND_TEXT 0xffu /* NAME: explicit text follows */
#define STEP_CALL 0xffu
#define TOP_STEPS 0xc0u /* TOP: first byte value with steps */
#define SPATH_TEXT 0x7fu /* SPATH: R & 0x7f naming a TEXT root */
#define MAX_THRESHOLD 1000000000LL

struct dec {
  const uint8_t *in;
  size_t len, pos;
  int eof; /* a read went past the end */
  int oom;
  struct gcs_program *p;
  uint16_t opmask;
  uint8_t actmask;
  int epilogue;     /* h3 bit 0: end with exit */
  uint32_t *bound, nbound, capbound; /* bound symbols, in binding order */
  uint32_t *binder; /* per symbol: binding statement index + 1, 0 unbound */
  uint8_t *ever;    /* per symbol: bound somewhere */
  uint32_t capsym;
  uint32_t fresh;   /* fresh names made so far */
  int texts;        /* a TEXT name was interned: fresh names may clash */
};

static uint8_t get(struct dec *d) {
  if (d->pos >= d->len) {
    d->eof = 1;
    return 0;
  }
  return d->in[d->pos++];
}

/* Keep the per-symbol arrays as long as the symbol table. */
static int sync_syms(struct dec *d) {
  uint32_t n = d->p->nsyms;
  if (n <= d->capsym) return 0;
  uint32_t cap = d->capsym ? d->capsym : 32;
  while (cap < n) cap *= 2;
  uint32_t *b = realloc(d->binder, cap * sizeof *b);
  if (!b) return d->oom = 1, -1;
  d->binder = b;
  uint8_t *e = realloc(d->ever, cap);
  if (!e) return d->oom = 1, -1;
  d->ever = e;
  memset(d->binder + d->capsym, 0, (cap - d->capsym) * sizeof *b);
  memset(d->ever + d->capsym, 0, cap - d->capsym);
  d->capsym = cap;
  return 0;
}

static uint32_t intern(struct dec *d, const char *name) {
  uint32_t s = program_sym(d->p, name);
  if (s == UINT32_MAX || sync_syms(d)) {
    d->oom = 1;
    return UINT32_MAX;
  }
  return s;
}

static int valid_name(const char *s) {
  return !(s[0] >= '0' && s[0] <= '9') && strcmp(s, "self") != 0 &&
         strcmp(s, "arg") != 0;
}

/* TEXT: a symbol, or UINT32_MAX when the text is not a usable name. */
static uint32_t read_text(struct dec *d) {
  char name[GCS_MAX_NAME + 1];
  unsigned n = 1 + get(d) % GCS_MAX_NAME;
  for (unsigned i = 0; i < n; i++) name[i] = name_chars[get(d) % NAME_NCHARS];
  name[n] = '\0';
  if (d->eof || !valid_name(name)) return UINT32_MAX;
  d->texts = 1;
  return intern(d, name);
}

static void fresh_name(const struct dec *d, uint8_t kind, char *out) {
  program_numbered_name(out, fresh_prefix[kind], d->fresh + 1);
}

/* NAME: the symbol a binding statement binds. */
static uint32_t read_bind_name(struct dec *d, uint8_t kind) {
  uint8_t b = get(d);
  uint32_t s = UINT32_MAX;
  if (b == BIND_TEXT)
    s = read_text(d);
  else if (b >= BIND_SYM && d->p->nsyms)
    s = (b - BIND_SYM) % d->p->nsyms;
  if (s != UINT32_MAX || d->eof || d->oom) return s;
  char name[PROGRAM_NUMBERED_NAME];
  fresh_name(d, kind, name);
  d->fresh++;
  if (d->texts) return intern(d, name);
  /* no TEXT name so far: a fresh name is new */
  uint32_t sym = program_sym_new(d->p, name);
  if (sym == UINT32_MAX || sync_syms(d)) d->oom = 1;
  return sym;
}

static void read_steps(struct dec *d, struct gcs_path *pa) {
  uint8_t c = get(d);
  unsigned n = 1u + (unsigned)c % (c & 0x80 ? GCS_MAX_PATH_STEPS : 2u);
  for (unsigned i = 0; i < n; i++) {
    uint8_t b = get(d);
    int32_t step = b == STEP_CALL ? GCS_STEP_CALL : b < 0x80 ? b % 8 : b - 0x80;
    if (program_step_push(&d->p->steps, pa, step)) d->oom = 1;
  }
}

/* TOP into the zeroed path pa (the readers below fill a statement or an
   action that program_add_stmt or program_add_action has just zeroed):
   0, or -1 when no name is bound (the statement cannot apply). */
static int read_top_path(struct dec *d, struct gcs_path *pa) {
  uint8_t r = get(d);
  if (r >= TOP_STEPS) read_steps(d, pa);
  if (!d->nbound) return -1;
  pa->root = GCS_ROOT_NAME;
  pa->sym = d->bound[(r >= TOP_STEPS ? r - TOP_STEPS : r) % d->nbound];
  return 0;
}

static void read_script_path(struct dec *d, int call, struct gcs_path *pa) {
  uint8_t r = get(d);
  uint32_t nchoices = 1 + (uint32_t)call + d->p->nsyms;
  uint32_t c = (r & 0x7fu) % nchoices;
  pa->root = GCS_ROOT_SELF;
  if ((r & 0x7fu) == SPATH_TEXT) {
    uint32_t s = read_text(d);
    if (s != UINT32_MAX) {
      pa->root = GCS_ROOT_NAME;
      pa->sym = s;
    }
  } else if (call && c == 1) {
    pa->root = GCS_ROOT_ARG;
  } else if (c > (uint32_t)call) {
    pa->root = GCS_ROOT_NAME;
    pa->sym = c - 1 - (uint32_t)call;
  }
  if (r & 0x80) read_steps(d, pa);
}

/*
** Pick a code by weight, then the next enabled one if it is masked out.
** Codes in `rare` (a bit set) are never the next one: a masked-out `new`
** does not turn into `exit` or `policy`.
*/
static unsigned pick(uint8_t b, const uint8_t *weight, unsigned n,
                     unsigned mask, const uint8_t *bit, unsigned rare) {
  unsigned op = 0, v = b;
  while (op + 1 < n && v >= weight[op]) v -= weight[op++];
  for (unsigned i = 0; i < n; i++) {
    unsigned k = (op + i) % n;
    if (i && (rare & (1u << k))) continue;
    if (mask & (1u << (bit ? bit[k] : k))) return k;
  }
  return op;
}

static void read_action(struct dec *d, int call, struct gcs_action *a) {
  a->act = (uint8_t)pick(get(d), act_weight, GCS_NACTS, d->actmask,
                         act_mask_bit, 0);
  switch (a->act) {
  case GCS_A_LINK:
  case GCS_A_UNLINK:
    read_script_path(d, call, &a->a);
    read_script_path(d, call, &a->b);
    break;
  case GCS_A_WEAKREF:
    read_script_path(d, call, &a->a);
    read_script_path(d, call, &a->b);
    a->has_c = get(d) & 1;
    if (a->has_c) read_script_path(d, call, &a->c);
    break;
  case GCS_A_GET_OBJECTS: break;
  case GCS_A_COLLECT: a->gen = get(d) % 3; break;
  default: read_script_path(d, call, &a->a); break;
  }
}

static int64_t read_leb128(struct dec *d) {
  uint64_t v = 0;
  for (unsigned i = 0; i < 5; i++) {
    uint8_t b = get(d);
    v |= (uint64_t)(b & 0x7f) << (7 * i);
    if (!(b & 0x80)) break;
  }
  return (int64_t)(v % (uint64_t)(MAX_THRESHOLD + 1));
}

static void bind(struct dec *d, uint32_t sym) {
  if (!d->binder[sym]) {
    if (d->nbound == d->capbound) {
      uint32_t cap = d->capbound ? d->capbound * 2 : 32;
      uint32_t *q = realloc(d->bound, cap * sizeof *q);
      if (!q) {
        d->oom = 1;
        return;
      }
      d->bound = q;
      d->capbound = cap;
    }
    d->bound[d->nbound++] = sym;
  }
  d->binder[sym] = d->p->nstmts; /* the statement being decoded + 1 */
  d->ever[sym] = 1;
}

static void unbind(struct dec *d, uint32_t i) {
  d->binder[d->bound[i]] = 0;
  memmove(d->bound + i, d->bound + i + 1,
          (d->nbound - i - 1) * sizeof *d->bound);
  d->nbound--;
}

/* The statement a script for target sym hooks into: GCS_ON_FINALIZE,
   GCS_ON_CALL, or -1 when neither applies. */
static int on_kind(const struct dec *d, uint32_t sym, int want_fin) {
  const struct gcs_stmt *b = &d->p->stmts[d->binder[sym] - 1];
  int fin_ok = program_hook_ok(b, GCS_ON_FINALIZE);
  int call_ok = program_hook_ok(b, GCS_ON_CALL);
  if (want_fin) return fin_ok ? GCS_ON_FINALIZE : call_ok ? GCS_ON_CALL : -1;
  return call_ok ? GCS_ON_CALL : fin_ok ? GCS_ON_FINALIZE : -1;
}

/* Decode one statement. Returns 1 (appended), 2 (appended `exit`), 0
   (decoded to nothing) or -1 (cut off by the end of the input). */
static int read_stmt(struct dec *d) {
  struct gcs_program *p = d->p;
  uint32_t nactions = p->nactions, nscripts = p->nscripts;
  /* decoded in place; the slot is taken back when the statement decodes
     to nothing */
  struct gcs_stmt *st = program_add_stmt(p);
  if (!st) return d->oom = 1, -1;
  int ok = 1;
  uint32_t bind_sym = UINT32_MAX;
  unsigned op = pick(get(d), op_weight, C_NOPS, d->opmask, NULL,
                     1u << C_EXIT | 1u << C_POLICY);
  switch (op) {
  case C_NEW: {
    uint8_t kf = get(d) % 20;
    st->op = GCS_NEW;
    st->kind = kf % 5;
    st->flags = kf / 5;
    bind_sym = read_bind_name(d, st->kind);
    break;
  }
  case C_LINK:
  case C_UNLINK:
    st->op = op == C_LINK ? GCS_LINK : GCS_UNLINK;
    ok = read_top_path(d, &st->a) == 0;
    ok &= read_top_path(d, &st->b) == 0;
    break;
  case C_WEAKREF:
    st->op = GCS_WEAKREF_OP;
    bind_sym = read_bind_name(d, GCS_WEAKREF);
    ok = read_top_path(d, &st->b) == 0;
    st->has_c = get(d) & 1;
    if (st->has_c) ok &= read_top_path(d, &st->c) == 0;
    break;
  case C_DEL: {
    st->op = GCS_DEL;
    uint8_t i = get(d);
    if (!d->nbound || d->eof) {
      ok = 0;
      break;
    }
    st->sym = d->bound[i % d->nbound];
    if (!d->eof) unbind(d, i % d->nbound);
    break;
  }
  case C_UNTRACK:
  case C_TRACK:
    st->op = op == C_TRACK ? GCS_TRACK : GCS_UNTRACK;
    ok = read_top_path(d, &st->a) == 0;
    break;
  case C_COLLECT:
    st->op = GCS_COLLECT;
    st->n[0] = get(d) % 3;
    break;
  case C_GC_ENABLE: st->op = GCS_GC_ENABLE; break;
  case C_GC_DISABLE: st->op = GCS_GC_DISABLE; break;
  case C_SAVEALL:
    st->op = GCS_SAVEALL;
    st->flags = get(d) & 1;
    break;
  case C_THRESHOLD:
    st->op = GCS_THRESHOLD;
    st->has_c = (uint8_t)(1 + get(d) % 3);
    for (unsigned i = 0; i < st->has_c; i++) st->n[i] = read_leb128(d);
    break;
  case C_GET_OBJECTS: st->op = GCS_GET_OBJECTS; break;
  case C_EXIT: st->op = GCS_EXIT; break;
  case C_ON: {
    uint8_t i = get(d), k = get(d);
    int kind = -1;
    if (d->nbound) {
      st->sym = d->bound[i % d->nbound];
      kind = on_kind(d, st->sym, k & 1);
    }
    ok = kind >= 0;
    st->op = (uint8_t)(kind == GCS_ON_FINALIZE ? GCS_ON_FINALIZE : GCS_ON_CALL);
    st->script = program_add_script(p);
    if (st->script == UINT32_MAX) return d->oom = 1, -1;
    unsigned n = 1u + (k >> 1u) % (k >= 0xc0u ? CODEC_MAX_SCRIPT : 4u);
    for (unsigned j = 0; j < n && !d->eof && !d->oom; j++) {
      struct gcs_action *a = program_add_action(p);
      if (!a) return d->oom = 1, -1;
      read_action(d, st->op == GCS_ON_CALL, a);
    }
    break;
  }
  case C_POLICY: {
    st->op = GCS_POLICY;
    char text[CODEC_MAX_POLICY + 1];
    unsigned n = 1 + get(d) % CODEC_MAX_POLICY;
    for (unsigned i = 0; i < n; i++)
      text[i] = policy_chars[get(d) % POLICY_NCHARS];
    text[n] = '\0';
    struct policy pol;
    ok = !d->eof && !p->policy[0] && policy_parse(text, &pol, NULL, 0) == 0;
    if (ok) memcpy(p->policy, text, n + 1);
    break;
  }
  default: break;
  }
  if (d->eof || d->oom || !ok) {
    p->nstmts--;
    p->nactions = nactions; /* forget a dropped script */
    p->nscripts = nscripts;
    return d->eof || d->oom ? -1 : 0;
  }
  if (bind_sym != UINT32_MAX) {
    st->sym = bind_sym;
    bind(d, bind_sym);
  }
  st->line = p->nstmts;
  return st->op == GCS_EXIT ? 2 : 1;
}

static void dec_init(struct dec *d, struct gcs_program *p, const uint8_t *in,
                     size_t len, const struct codec_scratch *sc) {
  memset(d, 0, sizeof *d);
  /* the scratch's memory; binder and ever start all zero */
  d->bound = sc->bound, d->capbound = sc->capbound;
  d->binder = sc->binder, d->ever = sc->ever, d->capsym = sc->capsym;
  if (d->capsym) {
    memset(d->binder, 0, d->capsym * sizeof *d->binder);
    memset(d->ever, 0, d->capsym);
  }
  d->p = p;
  d->in = in;
  d->len = len;
  uint8_t h[CODEC_HEADER];
  for (unsigned i = 0; i < CODEC_HEADER; i++)
    h[i] = i < len ? in[i] : i < 3 ? 0xff : 0;
  d->pos = len < CODEC_HEADER ? len : CODEC_HEADER;
  /* `new` is always enabled: without objects nothing else applies */
  d->opmask = (uint16_t)((unsigned)h[0] | (unsigned)h[1] << 8 | 1u << C_NEW);
  d->actmask = h[2] ? h[2] : 0xff;
  d->epilogue = h[3] & 1;
}

/* Hand the decoder's memory back to the scratch. */
static void dec_keep(struct dec *d, struct codec_scratch *sc) {
  sc->bound = d->bound, sc->capbound = d->capbound;
  sc->binder = d->binder, sc->ever = d->ever, sc->capsym = d->capsym;
}

void codec_scratch_free(struct codec_scratch *sc) {
  free(sc->bound);
  free(sc->binder);
  free(sc->ever);
  memset(sc, 0, sizeof *sc);
}

/* Script paths may only name symbols the program binds somewhere. */
static void fix_unbound_roots(struct dec *d) {
  struct gcs_program *p = d->p;
  for (uint32_t i = 0; i < p->nactions; i++) {
    struct gcs_path *paths[3] = {&p->actions[i].a, &p->actions[i].b,
                                 &p->actions[i].c};
    for (int j = 0; j < 3; j++)
      if (paths[j]->root == GCS_ROOT_NAME && !d->ever[paths[j]->sym])
        paths[j]->root = GCS_ROOT_SELF;
  }
}

int codec_decode(const uint8_t *data, size_t len, struct gcs_program *prog,
                 struct codec_info *info) {
  struct codec_scratch sc = {0};
  program_init(prog);
  int rc = codec_decode_reuse(data, len, prog, &sc, info);
  codec_scratch_free(&sc);
  return rc;
}

int codec_decode_reuse(const uint8_t *data, size_t len,
                       struct gcs_program *prog, struct codec_scratch *sc,
                       struct codec_info *info) {
  struct codec_info dummy;
  if (!info) info = &dummy;
  memset(info, 0, sizeof *info);
  program_clear(prog);
  struct dec d;
  dec_init(&d, prog, data, len, sc);
  if (sync_syms(&d)) goto oom;
  int ended = 0; /* the last statement is exit */
  while (d.pos < d.len) {
    if (prog->nstmts == CODEC_MAX_STMTS - (uint32_t)d.epilogue) {
      info->after_exit = d.len - d.pos;
      break;
    }
    size_t start = d.pos;
    int r = read_stmt(&d);
    if (d.oom) goto oom;
    if (r < 0) {
      info->truncated_at = start;
      d.pos = start;
      break;
    }
    if (r == 0) info->dropped++;
    if (r == 2) {
      info->after_exit = d.len - d.pos;
      ended = 1;
      break;
    }
  }
  if (d.epilogue && !ended) {
    struct gcs_stmt *st = program_add_stmt(prog);
    if (!st) goto oom;
    st->op = GCS_EXIT;
    st->line = prog->nstmts;
  }
  fix_unbound_roots(&d);
  info->used = d.pos;
  dec_keep(&d, sc);
  return 0;
oom:
  dec_keep(&d, sc);
  program_free(prog);
  program_init(prog);
  return -1;
}

/* ---- encoding ---- */

struct enc {
  struct gcs_buf *out;
  struct dec d; /* decodes what has been written, to follow its state */
  const struct gcs_program *src;
  char *err;
  size_t errlen;
  uint32_t stmt; /* index in src being encoded */
};

static int enc_fail(struct enc *e, const char *what) {
  const struct gcs_stmt *st = &e->src->stmts[e->stmt];
  if (st->line)
    snprintf(e->err, e->errlen, "line %u: %s", (unsigned)st->line, what);
  else
    snprintf(e->err, e->errlen, "statement %u: %s", (unsigned)e->stmt + 1,
             what);
  return -1;
}

static void put(struct enc *e, unsigned b) {
  uint8_t c = (uint8_t)b;
  buf_add(e->out, &c, 1);
}

/* The first byte value that picks code k (with every code enabled). */
static unsigned code_byte(const uint8_t *weight, unsigned k) {
  unsigned b = 0;
  for (unsigned i = 0; i < k; i++) b += weight[i];
  return b;
}

static uint32_t find_sym(const struct gcs_program *p, const char *name) {
  for (uint32_t i = 0; i < p->nsyms; i++)
    if (strcmp(program_sym_name(p, i), name) == 0) return i;
  return UINT32_MAX;
}

static int put_text(struct enc *e, const char *s, const char *chars) {
  size_t n = strlen(s);
  put(e, (unsigned)(n - 1));
  for (size_t i = 0; i < n; i++) {
    const char *c = strchr(chars, s[i]);
    if (!c || !s[i]) return enc_fail(e, "a character the format cannot hold");
    put(e, (unsigned)(c - chars));
  }
  return 0;
}

static int put_steps(struct enc *e, const struct gcs_path *pa) {
  if (!pa->nsteps) return 0;
  put(e, (pa->nsteps - 1u) | (pa->nsteps > 2 ? 0x80u : 0));
  for (unsigned i = 0; i < pa->nsteps; i++) {
    int32_t s = program_step(&e->src->steps, pa, i);
    if (s == GCS_STEP_CALL)
      put(e, STEP_CALL);
    else if (s >= 0 && s < 8)
      put(e, (unsigned)s);
    else if (s >= 0 && s <= CODEC_MAX_SLOT)
      put(e, 0x80u + (unsigned)s);
    else
      return enc_fail(e, "a slot number beyond the format's cap (126)");
  }
  return 0;
}

static int put_top_path(struct enc *e, const struct gcs_path *pa) {
  const char *name = program_sym_name(e->src, pa->sym);
  uint32_t i = 0;
  while (i < e->d.nbound &&
         strcmp(program_sym_name(e->d.p, e->d.bound[i]), name))
    i++;
  if (i == e->d.nbound || i >= (pa->nsteps ? 0x100 - TOP_STEPS : TOP_STEPS))
    return enc_fail(e, "a name beyond the format's caps on bound names");
  put(e, pa->nsteps ? TOP_STEPS + i : i);
  return put_steps(e, pa);
}

static int put_script_path(struct enc *e, int call, const struct gcs_path *pa) {
  unsigned steps = pa->nsteps ? 0x80u : 0;
  if (pa->root == GCS_ROOT_SELF) {
    put(e, steps);
  } else if (pa->root == GCS_ROOT_ARG) {
    put(e, 1 | steps);
  } else {
    const char *name = program_sym_name(e->src, pa->sym);
    uint32_t s = find_sym(e->d.p, name);
    if (s != UINT32_MAX && 1 + (uint32_t)call + s < SPATH_TEXT) {
      put(e, (1 + (unsigned)call + s) | steps);
    } else {
      put(e, SPATH_TEXT | steps);
      if (put_text(e, name, name_chars)) return -1;
      /* the decoder interns it now: do the same */
      if (s == UINT32_MAX && intern(&e->d, name) == UINT32_MAX)
        return enc_fail(e, "out of memory");
    }
  }
  return put_steps(e, pa);
}

static int put_bind_name(struct enc *e, uint32_t sym, uint8_t kind) {
  const char *name = program_sym_name(e->src, sym);
  char fresh[PROGRAM_NUMBERED_NAME];
  fresh_name(&e->d, kind, fresh);
  uint32_t s = find_sym(e->d.p, name);
  if (strcmp(fresh, name) == 0) {
    put(e, 0);
    e->d.fresh++;
    return 0;
  }
  if (s != UINT32_MAX && s < BIND_TEXT - BIND_SYM) {
    put(e, BIND_SYM + s);
    return 0;
  }
  put(e, BIND_TEXT);
  if (put_text(e, name, name_chars)) return -1;
  if (s == UINT32_MAX && intern(&e->d, name) == UINT32_MAX)
    return enc_fail(e, "out of memory");
  return 0;
}

static int put_action(struct enc *e, int call, const struct gcs_action *a) {
  put(e, code_byte(act_weight, a->act));
  switch (a->act) {
  case GCS_A_LINK:
  case GCS_A_UNLINK:
    return put_script_path(e, call, &a->a) ||
           put_script_path(e, call, &a->b);
  case GCS_A_WEAKREF:
    if (put_script_path(e, call, &a->a) || put_script_path(e, call, &a->b))
      return -1;
    put(e, a->has_c);
    return a->has_c ? put_script_path(e, call, &a->c) : 0;
  case GCS_A_GET_OBJECTS: return 0;
  case GCS_A_COLLECT: put(e, (unsigned)a->gen); return 0;
  default: return put_script_path(e, call, &a->a);
  }
}

static uint32_t bound_index(const struct enc *e, uint32_t sym) {
  const char *name = program_sym_name(e->src, sym);
  for (uint32_t i = 0; i < e->d.nbound; i++)
    if (strcmp(program_sym_name(e->d.p, e->d.bound[i]), name) == 0) return i;
  return UINT32_MAX;
}

/* Write the bytes of one statement from the decoder's state before it. The
   writer interns the names it spells out and counts fresh names, as the
   reader will; codec_encode() rolls both back and lets the reader redo
   them. */
static int put_stmt(struct enc *e, const struct gcs_stmt *st) {
  /* the kind of this statement in the format */
  static const int code_of[GCS_NOPS] = {
      [GCS_POLICY] = C_POLICY,       [GCS_NEW] = C_NEW,
      [GCS_LINK] = C_LINK,           [GCS_UNLINK] = C_UNLINK,
      [GCS_WEAKREF_OP] = C_WEAKREF,  [GCS_DEL] = C_DEL,
      [GCS_UNTRACK] = C_UNTRACK,     [GCS_TRACK] = C_TRACK,
      [GCS_COLLECT] = C_COLLECT,     [GCS_GC_ENABLE] = C_GC_ENABLE,
      [GCS_GC_DISABLE] = C_GC_DISABLE, [GCS_SAVEALL] = C_SAVEALL,
      [GCS_THRESHOLD] = C_THRESHOLD, [GCS_GET_OBJECTS] = C_GET_OBJECTS,
      [GCS_EXIT] = C_EXIT,           [GCS_ON_FINALIZE] = C_ON,
      [GCS_ON_CALL] = C_ON};
  if (st->op >= GCS_NOPS) return enc_fail(e, "unknown statement");
  put(e, code_byte(op_weight, (unsigned)code_of[st->op]));
  switch (st->op) {
  case GCS_NEW:
    put(e, st->flags * 5u + st->kind);
    return put_bind_name(e, st->sym, st->kind);
  case GCS_LINK:
  case GCS_UNLINK:
    return put_top_path(e, &st->a) || put_top_path(e, &st->b);
  case GCS_WEAKREF_OP:
    if (put_bind_name(e, st->sym, GCS_WEAKREF) || put_top_path(e, &st->b))
      return -1;
    put(e, st->has_c);
    return st->has_c ? put_top_path(e, &st->c) : 0;
  case GCS_DEL: {
    uint32_t i = bound_index(e, st->sym);
    if (i > 0xff) return enc_fail(e, "a name beyond the format's caps");
    put(e, i);
    return 0;
  }
  case GCS_UNTRACK:
  case GCS_TRACK: return put_top_path(e, &st->a);
  case GCS_COLLECT: put(e, (unsigned)st->n[0]); return 0;
  case GCS_SAVEALL: put(e, st->flags); return 0;
  case GCS_THRESHOLD:
    put(e, st->has_c - 1u);
    for (unsigned i = 0; i < st->has_c; i++) {
      uint64_t v = (uint64_t)st->n[i];
      do {
        put(e, (unsigned)(v & 0x7f) | (v > 0x7f ? 0x80u : 0));
        v >>= 7;
      } while (v);
    }
    return 0;
  case GCS_ON_FINALIZE:
  case GCS_ON_CALL: {
    const struct gcs_script *sc = &e->src->scripts[st->script];
    if (sc->count < 1 || sc->count > CODEC_MAX_SCRIPT)
      return enc_fail(e, "a script longer than the format's 16 actions");
    uint32_t i = bound_index(e, st->sym);
    if (i > 0xff) return enc_fail(e, "a name beyond the format's caps");
    put(e, i);
    put(e, (st->op == GCS_ON_FINALIZE) | (sc->count - 1u) << 1 |
               (sc->count > 4 ? 0xc0u : 0));
    for (uint32_t j = 0; j < sc->count; j++)
      if (put_action(e, st->op == GCS_ON_CALL,
                     &e->src->actions[sc->first + j]))
        return -1;
    return 0;
  }
  case GCS_POLICY: {
    size_t n = strlen(e->src->policy);
    if (n == 0 || n > CODEC_MAX_POLICY)
      return enc_fail(e, "a policy longer than the format's 255 characters");
    return put_text(e, e->src->policy, policy_chars);
  }
  default: return 0;
  }
}

int codec_encode(const struct gcs_program *prog, struct gcs_buf *out,
                 char *err, size_t errlen) {
  if (errlen) err[0] = '\0';
  if (prog->nstmts > CODEC_MAX_STMTS) {
    snprintf(err, errlen, "%u statements: the format holds at most %d",
             (unsigned)prog->nstmts, CODEC_MAX_STMTS);
    return -1;
  }
  struct gcs_program got;
  program_init(&got);
  struct enc e;
  memset(&e, 0, sizeof e);
  e.out = out;
  e.src = prog;
  e.err = err;
  e.errlen = errlen;
  size_t base = out->len;
  for (unsigned i = 0; i < CODEC_HEADER; i++) put(&e, i < 3 ? 0xff : 0);
  struct codec_scratch sc = {0};
  dec_init(&e.d, &got, NULL, 0, &sc);
  e.d.pos = base + CODEC_HEADER;
  int rc = sync_syms(&e.d);
  for (uint32_t i = 0; i < prog->nstmts && rc == 0; i++) {
    e.stmt = i;
    /* write with a scratch copy of the decoder's naming state, then let the
       real decoder read the bytes back */
    uint32_t fresh = e.d.fresh;
    uint32_t nsyms = got.nsyms;
    size_t at = out->len;
    rc = put_stmt(&e, &prog->stmts[i]);
    if (rc) break;
    /* names the writer interned: the reader re-interns */
    program_syms_truncate(&got, nsyms);
    e.d.fresh = fresh;
    if (out->oom) {
      rc = enc_fail(&e, "out of memory");
      break;
    }
    e.d.in = (const uint8_t *)out->p;
    e.d.len = out->len;
    e.d.pos = at;
    int r = read_stmt(&e.d);
    if (r <= 0 || e.d.pos != out->len ||
        !program_stmt_equal(prog, i, &got, got.nstmts - 1))
      rc = enc_fail(&e, "does not decode back to itself (a gcsim bug)");
  }
  if (rc == 0 && strcmp(prog->policy, got.policy) != 0)
    rc = enc_fail(&e, "the policy does not decode back (a gcsim bug)");
  dec_keep(&e.d, &sc);
  codec_scratch_free(&sc);
  program_free(&got);
  return rc ? -1 : 0;
}
