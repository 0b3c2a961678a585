/*
** program.h — a scenario as data: statements, scripts and paths.
**
** Library: gcsim_sim (sim/).
**
** Invariants:
**   - A program is self-contained plain data: names are indices into its own
**     symbol table, scripts are index ranges into prog->actions. The names
**     lie back to back in one pool (prog->names), each NUL-terminated, and
**     program_sym_name() finds one: a name takes its length + 5 bytes. The
**     pool moves only when program_sym_new() adds a name, so a pointer to a
**     name stays good while no name is added (the model's labels rely on
**     it: a run never adds names).
**   - Every program the parser accepts, and every program built through this
**     API, prints as a valid .gcs scenario (scenario.h) that parses back to an
**     equal program (program_equal).
**   - Top-level statements only name symbols that are bound at that point
**     (new / weakref bind, del unbinds): the parser checks it statically.
**     Scripts may name any symbol the program binds somewhere; at run time an
**     unbound name resolves to nothing.
**   - A path's steps live out of line, in a step pool (struct gcs_steps):
**     the path holds their count and the index of the first. A program's
**     paths use prog->steps; a pool is append-only and a step once written
**     never changes, so a copied path (struct assignment) may share its
**     steps safely: program_step_push and program_step_set copy a path's
**     steps to the end of the pool before they change them, unless they
**     already end it. Paths are compared by their steps' contents
**     (program_equal), never by where the steps are.
**   - A statement is 40 bytes: the paths of link, unlink, weakref, untrack
**     and track share their memory with the numbers of collect and
**     threshold (a union). Only the paths program_stmt_paths() names are
**     meaningful; code that walks a statement's paths asks it first.
**   - Sizes are bounded by the GCS_MAX_* constants below. A parsed
**     scenario holds at most GCS_MAX_STMTS statements and script actions
**     together and GCS_MAX_SYMS names: with scenario files of at most
**     1 GiB (fileio.h) parsing then takes at most about 6 GB whatever the
**     file holds (docs/scenarios.md#limits); the parser refuses the line
**     that would pass a limit.
*/
#ifndef GCSIM_PROGRAM_H
#define GCSIM_PROGRAM_H

#include <stddef.h>
#include <stdint.h>

#define GCS_MAX_PATH_STEPS 16
#define GCS_MAX_NAME 63
#define GCS_MAX_STMTS (1u << 25) /* statements + actions of a scenario */
#define GCS_MAX_SYMS (1u << 24)  /* names of a scenario */
#define GCS_MAX_STEPS (1u << 25) /* path steps in a pool (gcs_path.first) */

/* Object kinds of the scenario language (weakref objects are made by the
   weakref statement and action, never by `new`). */
enum gcs_kind {
  GCS_OBJECT = 0, /* tracked, tp_traverse, tp_clear (instance, dict, list) */
  GCS_NOCLEAR,    /* tracked, tp_traverse, no tp_clear (tuple-like) */
  GCS_FUNCTION,   /* tracked, callable, tp_clear as the policy says */
  GCS_OPAQUE,     /* not gc: holds references gc cannot see (cffi CField) */
  GCS_LEAF,       /* not gc, holds no references (str, int) */
  GCS_WEAKREF,    /* weakref.ref: tracked, traverses its callback only */
  GCS_NKINDS
};

#define GCS_FLAG_FIN 1u    /* tp_finalize (__del__, PEP 442) */
#define GCS_FLAG_LEGACY 2u /* legacy tp_del: uncollectable in cycles */

/* A path: root then steps. A step >= 0 follows slot N; GCS_STEP_CALL calls
   a weakref for its referent. */
enum gcs_root { GCS_ROOT_NONE = 0, GCS_ROOT_SELF, GCS_ROOT_ARG, GCS_ROOT_NAME };
#define GCS_STEP_CALL (-1)

struct gcs_path {
  uint32_t sym;        /* GCS_ROOT_NAME: a symbol (program_sym_name) */
  uint32_t first : 25; /* its steps: pool->v[first .. first + nsteps) */
  uint32_t root : 2;   /* enum gcs_root */
  uint32_t nsteps : 5; /* <= GCS_MAX_PATH_STEPS */
};

/* A pool of path steps (append-only; see the invariants above), of at
   most GCS_MAX_STEPS. */
struct gcs_steps {
  int32_t *v;
  uint32_t n, cap;
};

/* Top-level statements. */
enum gcs_op {
  GCS_POLICY = 0, /* policy SPEC (text in prog->policy) */
  GCS_NEW,        /* new NAME KIND [FLAG...] */
  GCS_LINK,       /* link A B */
  GCS_UNLINK,     /* unlink A B */
  GCS_WEAKREF_OP, /* weakref W T [C] */
  GCS_DEL,        /* del NAME */
  GCS_UNTRACK,    /* untrack A */
  GCS_TRACK,      /* track A */
  GCS_COLLECT,    /* collect [GEN] */
  GCS_GC_ENABLE,  /* gc enable */
  GCS_GC_DISABLE, /* gc disable */
  GCS_SAVEALL,    /* gc saveall on|off  (gc.set_debug(gc.DEBUG_SAVEALL)) */
  GCS_THRESHOLD,  /* threshold T0 [T1 [T2]] */
  GCS_GET_OBJECTS,/* get_objects */
  GCS_EXIT,       /* exit: interpreter shutdown */
  GCS_ON_FINALIZE,/* on NAME finalize: ACTIONS */
  GCS_ON_CALL,    /* on NAME call: ACTIONS */
  GCS_NOPS
};

/* Script actions. */
enum gcs_act {
  GCS_A_TOUCH = 0,   /* touch PATH */
  GCS_A_CALL,        /* call PATH */
  GCS_A_KEEP,        /* keep PATH */
  GCS_A_LINK,        /* link PATH PATH */
  GCS_A_UNLINK,      /* unlink PATH PATH */
  GCS_A_DROP,        /* drop PATH */
  GCS_A_WEAKREF,     /* weakref HOLDER TARGET [CALLBACK] */
  GCS_A_GET_OBJECTS, /* get_objects */
  GCS_A_COLLECT,     /* collect GEN */
  GCS_NACTS
};

struct gcs_action {
  uint8_t act;        /* enum gcs_act */
  uint8_t has_c;      /* weakref: a callback path is given */
  int32_t gen;        /* collect */
  struct gcs_path a, b, c;
};

struct gcs_stmt {
  uint8_t op;         /* enum gcs_op */
  uint8_t kind;       /* new: enum gcs_kind */
  uint8_t flags;      /* new: GCS_FLAG_*; saveall: 1 = on */
  uint8_t has_c;      /* weakref: a callback is given; threshold: count */
  uint32_t line;      /* 1-based source line (0 when built, not parsed) */
  uint32_t sym;       /* new/weakref/del/on: the name */
  uint32_t script;    /* on: index into prog->scripts */
  union {             /* which one: program_stmt_paths() */
    int64_t n[3];     /* collect: gen; threshold: T0..T2 */
    struct {
      struct gcs_path a, b, c; /* link/unlink: a b; weakref: b = target,
                                  c = cb; untrack/track: a */
    };
  };
};

struct gcs_script {
  uint32_t first, count; /* range in prog->actions */
};

struct gcs_program {
  struct gcs_steps steps; /* the steps of every path of the program */
  struct gcs_stmt *stmts;
  uint32_t nstmts, capstmts;
  struct gcs_action *actions;
  uint32_t nactions, capactions;
  struct gcs_script *scripts;
  uint32_t nscripts, capscripts;
  char *names;       /* the pool: every name, NUL-terminated, back to back */
  uint32_t *name_at; /* symbol i's name starts at names + name_at[i] */
  uint32_t nsyms, capsyms;
  uint32_t names_len, names_cap; /* bytes (< 2^30: GCS_MAX_SYMS names of at
                                    most GCS_MAX_NAME + 1 bytes) */
  char policy[256]; /* text of the last `policy` statement, "" if none */
};

void program_init(struct gcs_program *p);
void program_free(struct gcs_program *p);
/* Empty p (as program_init() leaves it), keeping the memory of its arrays
   for the next program built in it. */
void program_clear(struct gcs_program *p);

/* Symbol i's name (i < p->nsyms). */
static inline const char *program_sym_name(const struct gcs_program *p,
                                           uint32_t i) {
  return p->names + p->name_at[i];
}

/* Intern a name; returns its index, or UINT32_MAX if out of memory or the
   name is longer than GCS_MAX_NAME. */
uint32_t program_sym(struct gcs_program *p, const char *name);
/* The same for a name the caller knows is not interned yet (no search). */
uint32_t program_sym_new(struct gcs_program *p, const char *name);

/* Forget every symbol from n on (n <= p->nsyms), and their names. */
void program_syms_truncate(struct gcs_program *p, uint32_t n);

/* Write prefix then n in decimal ("w12"): the names made up for unnamed
   objects and fresh fuzz bindings. out holds PROGRAM_NUMBERED_NAME bytes;
   prefix is at most 4 characters. Returns out. */
#define PROGRAM_NUMBERED_NAME 16
char *program_numbered_name(char *out, const char *prefix, uint32_t n);

/* Append; return a pointer to the zeroed new element, NULL on OOM. */
struct gcs_stmt *program_add_stmt(struct gcs_program *p);
struct gcs_action *program_add_action(struct gcs_program *p);
/* Start a script whose actions are the next ones added; returns its index. */
uint32_t program_add_script(struct gcs_program *p);

/* May an `on` statement of op (GCS_ON_FINALIZE or GCS_ON_CALL) hook the
   object that statement `binder` (new or weakref) bound? A finalize hook
   needs the fin or legacy flag; a weakref cannot be called. */
int program_hook_ok(const struct gcs_stmt *binder, int op);

/* The paths statement st uses: a bit set of GCS_PATH_A/B/C (the others
   share their memory with st->n). An action uses all three (unused ones
   are zero). */
#define GCS_PATH_A 1u
#define GCS_PATH_B 2u
#define GCS_PATH_C 4u
unsigned program_stmt_paths(const struct gcs_stmt *st);

/* Step i (< pa->nsteps) of path pa, whose steps are in pool. */
static inline int32_t program_step(const struct gcs_steps *pool,
                                   const struct gcs_path *pa, unsigned i) {
  return pool->v[pa->first + i];
}
/* Append a step to pa (its steps copied to the end of pool first unless
   they end it): 0, or -1 when out of memory or pa has
   GCS_MAX_PATH_STEPS steps. */
int program_step_push(struct gcs_steps *pool, struct gcs_path *pa,
                      int32_t step);
/* Replace step i (< pa->nsteps) of pa, on a copy of its steps: 0 or -1. */
int program_step_set(struct gcs_steps *pool, struct gcs_path *pa, unsigned i,
                     int32_t step);
/* *out = *in with in's steps (in pool src) copied to pool dst: 0 or -1.
   The name is left as it is (a symbol of in's program). */
int program_path_copy(struct gcs_steps *dst, struct gcs_path *out,
                      const struct gcs_steps *src, const struct gcs_path *in);
void program_steps_free(struct gcs_steps *pool);

/* Names of kinds, ops and actions as the scenario language spells them. */
const char *program_kind_name(enum gcs_kind k);
int program_kind_from_name(const char *s); /* -1 if unknown */

/* Structural equality (same statements, scripts, names, policy). */
int program_equal(const struct gcs_program *a, const struct gcs_program *b);
/* Equality of statement i of a and statement j of b (with its script). */
int program_stmt_equal(const struct gcs_program *a, uint32_t i,
                       const struct gcs_program *b, uint32_t j);

#endif
