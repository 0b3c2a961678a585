/*
** codec.h — fuzz bytes to programs, and programs back to bytes.
**
** Library: gcsim_fuzz (fuzz/).
**
** Invariants:
**   - codec_decode() accepts every byte string. It always yields a program
**     that satisfies program.h's invariants and the CODEC_MAX_* caps, and
**     that prints (scenario_print) as a scenario that parses back to an
**     equal program. It never aborts, whatever the bytes.
**   - Operands are indices into what exists at that point of the program
**     (names bound there, symbols known there), taken modulo their count:
**     one mutated byte changes one operand, not the program's shape.
**   - A header chooses the statement and action kinds that may appear
**     (swarm testing): a disabled kind decodes as the next enabled one; a
**     header flag ends the program with `exit` (shutdown drops every name).
**   - codec_encode() succeeds on every program within the caps, and
**     codec_decode(codec_encode(p)) is program_equal() to p.
**   - Pure: no I/O, no globals; the same bytes give the same program.
**
** The format (byte by byte) is documented in fuzz/codec.c and README.md.
*/
#ifndef GCSIM_CODEC_H
#define GCSIM_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "gcsim/program.h"
#include "gcsim/scenario.h"

#define CODEC_MAX_STMTS 128  /* statements per program */
#define CODEC_MAX_SCRIPT 16  /* actions per script */
#define CODEC_MAX_SLOT 126   /* slot numbers in paths */
#define CODEC_MAX_POLICY 255 /* characters of a policy line */
#define CODEC_HEADER 4 /* header bytes: statement mask (2), action mask, flags */

struct codec_info {
  size_t used;          /* bytes that made the program (header included) */
  size_t truncated_at;  /* offset of a statement cut off by the end of the
                           input (dropped), or 0 when none was */
  size_t after_exit;    /* bytes ignored after `exit` or the statement cap */
  uint32_t dropped;     /* statements that decoded to nothing (no bound
                           name to apply to, an invalid policy, ...) */
};

/* Decode len bytes into *prog (initialized here). Returns 0, or -1 when out
   of memory (prog is then empty). info may be NULL. */
int codec_decode(const uint8_t *data, size_t len, struct gcs_program *prog,
                 struct codec_info *info);

/* The decoder's working memory, kept between decodes by an engine that
   decodes millions of inputs. Zero it (= {0}) before the first use. */
struct codec_scratch {
  uint32_t *bound, capbound; /* bound symbols, in binding order */
  uint32_t *binder;          /* per symbol (capsym of them) */
  uint8_t *ever;
  uint32_t capsym;
};
void codec_scratch_free(struct codec_scratch *sc);

/* codec_decode() into a prog that was initialized before (program_init, or
   an earlier decode): it is emptied first (program_clear) and its memory
   reused, as is sc's. The same bytes give the same program as
   codec_decode(). On -1 (out of memory) prog is empty and initialized. */
int codec_decode_reuse(const uint8_t *data, size_t len,
                       struct gcs_program *prog, struct codec_scratch *sc,
                       struct codec_info *info);

/* Encode prog as bytes appended to out. Returns 0, or -1 with a message in
   err when prog is beyond the format's caps (or out of memory). */
int codec_encode(const struct gcs_program *prog, struct gcs_buf *out,
                 char *err, size_t errlen);

#endif
