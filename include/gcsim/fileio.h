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
/* A scenario may be larger: one of 10^7 objects is about 570 MB of text.
   What it parses to is bounded by GCS_MAX_STMTS (program.h). */
#define FILEIO_MAX_SCENARIO (1u << 30)

/* The whole file (NUL-terminated, *len excludes the NUL); caller frees.
   A file larger than FILEIO_MAX is refused ("PATH:0: larger than 64 MiB"). */
char *fileio_read(const char *path, size_t *len);
/* The same with another limit, in bytes (a multiple of 1 MiB). */
char *fileio_read_max(const char *path, size_t *len, size_t max);

/* The whole file for reading only, without a copy: a regular file is
   mapped (its pages are the page cache's; a scenario of 10^7 objects is
   570 MB the process never allocates), anything else is read as
   fileio_read_max() reads it. Not NUL-terminated when mapped: use *len.
   *mapped says which; give the three back to fileio_unmap(). A mapped
   file that another process truncates faults its reader: gcsim run keeps a
   scenario mapped only while it parses, and copies fuzz bytes. */
char *fileio_map(const char *path, size_t *len, size_t max, int *mapped);
void fileio_unmap(char *p, size_t len, int mapped);

/* Write len bytes to path (through a temporary file renamed into place). */
int fileio_write(const char *path, const void *data, size_t len);

#endif
