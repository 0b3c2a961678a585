/*
** mutator.h — structure-aware mutation of fuzz inputs: statements, not bytes.
**
** Library: gcsim_fuzz (fuzz/).
**
** Invariants:
**   - An input is decoded (codec_decode), lifted to a list of statements,
**     changed by one or a few statement-level operations (mutator_op below),
**     rebuilt as a valid program and encoded back (codec_encode). Whatever
**     the input, an output decodes to exactly the program the mutator built
**     (m->prog after the call; tested statement by statement): names are
**     bound before use, `on` hooks only objects that have the hook, scripts
**     hold 1 to 16 actions, at most CODEC_MAX_STMTS statements, `exit` last.
**   - The codec's decoding is untouched: the mutator only writes bytes that
**     the existing format reads. Seeds and saved crashes replay unchanged.
**   - Operands refer to names bound at that point. An operand left dangling
**     by an operation (a deleted `new`, a statement moved before its
**     binding) is re-pointed at a random name bound there, or the statement
**     is dropped when none is. Bound names are renamed to the names the
**     decoder makes up itself (ob1, wr2, ...), which encode in one byte.
**   - Deterministic: the output is a function of the input bytes, the seed
**     and max_size only. No globals, no clock: all state is in struct
**     mutator (scratch memory and statistics; the statistics never steer).
**   - A result that the encoder refuses or that exceeds max_size is retried
**     a few times, then the call returns 0: the caller then mutates bytes
**     instead (LLVMFuzzerMutate in gcsim-fuzz). A mutator never fails hard.
*/
#ifndef GCSIM_MUTATOR_H
#define GCSIM_MUTATOR_H

#include <stddef.h>
#include <stdint.h>

#include "gcsim/codec.h"
#include "gcsim/program.h"
#include "gcsim/scenario.h"

/* The operations. MUT_SPLICE takes statements from a second input
   (mutator_crossover only). */
enum mutator_op {
  MUT_INSERT = 0, /* a statement of a random kind, operands bound there */
  MUT_DELETE,     /* one statement, or a run of up to 4 */
  MUT_DUPLICATE,  /* a copy elsewhere (a binding copy may get a new name) */
  MUT_SWAP,       /* two statements */
  MUT_MOVE,       /* one statement to another place */
  MUT_KIND,       /* new's kind, link/unlink, track/untrack, finalize/call,
                     collect's generation, gc enable/disable, ... */
  MUT_FLAG,       /* fin/legacy, saveall on/off, a weakref's callback */
  MUT_OPERAND,    /* a name, a path step, a threshold value */
  MUT_ACTION,     /* a script action: insert, delete, replace, change a
                     path, swap two */
  MUT_SPLICE,     /* statements of the other parent */
  MUT_NOPS
};

struct mutator_stmt; /* fuzz/mutator.c */

struct mutator {
  uint64_t rng;
  /* the statements being mutated; names are ids (see mutator.c) */
  struct mutator_stmt *list, *other; /* the child; the other parent */
  uint32_t n, nother;
  struct gcs_action *pool; /* scripts' actions, append-only per attempt */
  uint32_t npool;
  struct gcs_steps steps; /* the steps of the list's and the pool's paths */
  uint32_t nnames;
  uint32_t *map, *bound, *binder; /* per name id, for rebuilding */
  uint32_t *sym_of; /* per name id, while a program is emitted: its symbol
                       there, UINT32_MAX before its first use */
  uint8_t *map_kind, *ever;
  struct gcs_program in, in2; /* the decoded parents */
  struct gcs_program prog;    /* the program built by the last success */
  struct codec_scratch sc;
  struct gcs_buf buf;
  /* statistics (tests, benchmarks): operations applied in successful
     calls, calls that gave up (caller falls back), and successes */
  uint64_t applied[MUT_NOPS];
  uint64_t gave_up, produced;
};

/* Zero-initialize m and allocate its scratch memory: 0, or -1 (OOM). */
int mutator_init(struct mutator *m);
void mutator_free(struct mutator *m);

/* Mutate data[0..size) in place (data holds max_size bytes). Returns the
   new size (1..max_size), or 0 when no structure-aware mutation fitted:
   data is then unchanged. */
size_t mutator_mutate(struct mutator *m, uint8_t *data, size_t size,
                      size_t max_size, unsigned seed);

/* Write to out (max_out bytes) a child of two inputs: statements of d1
   with a run of d2's statements spliced in (inserted, replacing some, or
   as the tail). Returns its size, or 0 (out unchanged) as above. */
size_t mutator_crossover(struct mutator *m, const uint8_t *d1, size_t s1,
                         const uint8_t *d2, size_t s2, uint8_t *out,
                         size_t max_out, unsigned seed);

#endif
