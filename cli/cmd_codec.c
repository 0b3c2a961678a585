/*
** cmd_codec.c — gcsim encode and decode: a scenario as fuzz bytes and fuzz
** bytes as a scenario (the byte format is fuzz/codec.c's).
*/
#include <stdio.h>
#include <string.h>

#include "gcsim/codec.h"
#include "gcsim/fileio.h"
#include "gcsim/scenario.h"
#include "cli.h"

int cmd_encode(int argc, char **argv) {
  struct opts o;
  int rc = parse_opts("encode", "o", argc, argv, &o);
  if (rc) return rc;
  struct input in;
  if ((rc = load_input(o.file, 1, 0, &in))) {
    free_input(&in);
    return rc;
  }
  struct gcs_buf b;
  buf_init(&b);
  char err[400];
  if (codec_encode(&in.prog, &b, err, sizeof err)) {
    fprintf(stderr, "%s:%s\n", o.file,
            strncmp(err, "line ", 5) == 0 ? err + 5 : err);
    rc = 2;
  } else if (o.out) {
    rc = fileio_write(o.out, b.p, b.len) ? 2 : 0;
  } else {
    rc = fwrite(b.p, 1, b.len, stdout) == b.len ? 0 : 2;
  }
  buf_free(&b);
  free_input(&in);
  return rc;
}

int cmd_decode(int argc, char **argv) {
  struct opts o;
  int rc = parse_opts("decode", "o", argc, argv, &o);
  if (rc) return rc;
  struct input in;
  if ((rc = load_input(o.file, 2, 0, &in))) {
    free_input(&in);
    return rc;
  }
  struct gcs_buf b;
  buf_init(&b);
  buf_printf(&b, "# decoded by gcsim from %s (%zu bytes)\n", o.file, in.len);
  if (in.info.truncated_at)
    buf_printf(&b, "# the statement at byte %zu is cut off: dropped\n",
               in.info.truncated_at);
  scenario_print(&in.prog, &b);
  if (b.oom) rc = 3;
  else if (o.out) rc = fileio_write(o.out, b.p, b.len) ? 2 : 0;
  else fputs(b.p, stdout);
  buf_free(&b);
  free_input(&in);
  return rc;
}
