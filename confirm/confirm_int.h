/*
** confirm_int.h — what confirm.c and session.c share (not a public API).
**
** Invariants: every function that fails leaves one message in err (at most
** errlen bytes) and returns -1; none exits or aborts.
*/
#ifndef GCSIM_CONFIRM_INT_H
#define GCSIM_CONFIRM_INT_H

#include <stddef.h>

#include "gcsim/confirm.h"

#define RUN_TIMEOUT_S 60 /* a program's time in the interpreter */
#define RUN_TIMED_OUT (-2)

/* printf into err (at most errlen bytes; err may be NULL when errlen is 0). */
void confirm_set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
** Run argv; collect its stdout and stderr. Returns the exit status
** (128 + signal when killed by a signal), RUN_TIMED_OUT when it ran longer
** than RUN_TIMEOUT_S (it is killed), or -1 when it could not be started or
** waited for.
*/
int confirm_run_capture(char *const argv[], struct gcs_buf *out,
                        struct gcs_buf *errout);

/* The last line of a buffer (trailing blanks trimmed), for messages. */
const char *confirm_last_line(struct gcs_buf *b);

#endif
