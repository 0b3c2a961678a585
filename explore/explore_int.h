/*
** explore_int.h — what the explore/ modules share (not a public API).
**
** Invariants:
**   - A skeleton's items are its objects in creation order; item i is bound
**     to the name ex_name(i) ("a", "b", ...), which is program symbol i of
**     every program built from it (ex_build interns them first, in order).
**   - A move is one statement after the skeleton; a program is its
**     skeleton, its moves from the root down, and `exit`.
**   - A context's action catalog (ex_actions) is a pure function of the
**     skeleton, the hooked item, the hook and the bounds.
*/
#ifndef GCSIM_EXPLORE_INT_H
#define GCSIM_EXPLORE_INT_H

#include <stdint.h>

#include "gcsim/explore.h"
#include "gcsim/program.h"

#define EX_MAX_ITEMS (EX_MAX_OBJECTS + EX_MAX_WEAKREFS)

struct ex_item {
  uint8_t op;    /* GCS_NEW or GCS_WEAKREF_OP */
  uint8_t kind;  /* new: enum gcs_kind; weakref: GCS_WEAKREF */
  uint8_t flags; /* new: GCS_FLAG_* */
  int8_t target, callback; /* weakref: items; callback -1 = none */
};

struct ex_skel {
  int8_t threshold; /* index in bounds.thresholds, -1 = no threshold line */
  uint8_t n;        /* items */
  struct ex_item it[EX_MAX_ITEMS];
};

struct explore_space {
  struct explore_bounds b;
  struct ex_skel *sk;
  uint64_t n, cap;
};

/* Moves: the statements after the skeleton. */
enum ex_op { EXM_LINK = 1, EXM_ON, EXM_UNTRACK, EXM_DEL, EXM_COLLECT };
enum ex_phase { EXP_LINK = 0, EXP_SCRIPT, EXP_UNTRACK, EXP_DROP };

struct ex_move {
  uint8_t op;   /* enum ex_op */
  uint8_t x;    /* link: holder; on / untrack / del: item; collect: gen */
  uint8_t y;    /* link: target; on: 0 finalize, 1 call */
  uint8_t nact; /* on: actions */
  uint16_t act[EX_MAX_ACTIONS]; /* on: indices in the context's catalog */
};

/*
** Scripts chosen at run time (explore's violations mode): an `on` move
** attaches an open script, and a node's assignment says what its scripts
** do so far. Hook h is item h/2's finalize (h even) or call (h odd).
** Action i of the assignment is the next action of hook hook[i]'s script,
** catalog entry act[i]; unless pinned, it stands for every entry of its
** catalog that did the same thing (resolved every path to the same
** objects) where the script first ran it, and the search splits it into
** those entries, pinned, the first time they would differ.
*/
struct ex_assign {
  uint8_t n;                      /* actions in all */
  uint8_t hook[EX_MAX_ACTIONS];
  uint16_t act[EX_MAX_ACTIONS];
  uint8_t pinned;                 /* bit i: action i stands for itself */
  uint32_t closed;                /* bit h: hook h's script has ended */
};

/* A run of catalog entries of one action whose paths are every
   combination of the context's paths, in lexicographic order: entry
   first + c0*dom[1]*dom[2] + c1*dom[2] + c2 has path c0 at position 0 (and
   c1, c2 after it; a weakref's callback position has one choice more,
   npaths, for none). Arity 0: entries without paths (each one a class of
   its own). */
struct ex_block {
  uint32_t first, n;
  uint8_t act;
  uint8_t arity;   /* positions (paths) per entry, 0 to 3 */
  uint16_t dom[3]; /* choices per position; 1 past the arity */
};

/* Block bk's entry at coordinates c, and the coordinates of its entry e. */
static inline uint32_t ex_block_entry(const struct ex_block *bk,
                                      const uint32_t c[3]) {
  return bk->first + (c[0] * bk->dom[1] + c[1]) * bk->dom[2] + c[2];
}
static inline void ex_block_coords(const struct ex_block *bk, uint32_t e,
                                   uint32_t c[3]) {
  uint32_t r = e - bk->first;
  c[2] = r % bk->dom[2];
  r /= bk->dom[2];
  c[1] = r % bk->dom[1];
  c[0] = r / bk->dom[1];
}

/* The actions a script on item x's hook may do (paths from self, arg,
   names), in a fixed order: its blocks, one after the other. */
struct ex_catalog {
  struct gcs_action *a;
  uint32_t n, cap;
  uint16_t (*pi)[3];      /* per action: its paths a, b, c in `paths`
                             (UINT16_MAX: none) */
  struct gcs_path *paths; /* the context's paths */
  uint32_t npaths;
  struct gcs_steps steps; /* the steps of `paths` (and so of `a`) */
  struct ex_block blocks[GCS_NACTS];
  uint32_t nblocks;
};

const char *ex_name(uint32_t i);
/* 0, -1 when out of memory, or -2 when the catalog would have more than
   EXPLORE_MAX_CATALOG actions. */
int ex_actions(const struct ex_skel *sk, const struct explore_bounds *b,
               uint32_t x, int call, struct ex_catalog *out);
void ex_catalog_free(struct ex_catalog *c);

/* Build skeleton + moves + exit into p (cleared first). catalogs[2x+hook]
   is the catalog of item x's hook. as: NULL, the scripts are the moves'
   own actions; else the assignment's (and `clean` leaves out the `on`
   statements whose scripts have no action: they never ran). script_hook,
   when not NULL, gets the hook of each of p's scripts. 0, or -1 when out
   of memory. */
int ex_build(struct gcs_program *p, const struct ex_skel *sk,
             const struct explore_bounds *b, const struct ex_move *mv,
             uint32_t nmv, const struct ex_catalog *catalogs,
             const struct ex_assign *as, int clean, uint8_t *script_hook);

/* Whether an item's kind holds references / is tracked by gc. */
int ex_container(uint8_t kind);
int ex_gc_kind(uint8_t kind);

#endif
