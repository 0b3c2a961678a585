/*
** fileio.h — reading and writing whole files for the fuzz layer and the
** gcsim command (sim/ does no I/O).
**
** Library: gcsim_fuzz (fuzz/).
**
** Invariants: every failure leaves one "PATH:0: message" on stderr and
** returns NULL / -1; nothing is left half-written under the final name.
*/
#ifndef GCSIM_FILEIO_H
#define GCSIM_FILEIO_H

#include <stddef.h>

#define FILEIO_MAX (64u << 20) /* larger inputs are refused */

/* The whole file (NUL-terminated, *len excludes the NUL); caller frees. */
char *fileio_read(const char *path, size_t *len);

/* Write len bytes to path (through a temporary file renamed into place). */
int fileio_write(const char *path, const void *data, size_t len);

#endif
