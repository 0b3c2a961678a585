/*
** confirm.h — run a program in a real CPython and compare with the model.
**
** Library: gcsim_confirm (confirm/).
**
** The real side is the module _gcsimprobe: the C extension confirm/probe/
** gcsim_probe.c, built on the fly with the headers of the interpreter
** under test and cached, or its pure-Python twin confirm/probe/
** gcsim_probe.py (both embedded in gcsim). A native interpreter is a path
** ("python3"); "pyodide:3.14", "pyodide:3.15" or "pyodide:NPM_VERSION"
** names CPython compiled to WebAssembly, run by node with the Python
** probe. The program travels to the probe as a digest (confirm_digest);
** the probe records events in the vocabulary below, and the model's trace
** is projected onto the same vocabulary.
**
** Invariants:
**   - The compared vocabulary is what real CPython can show: one line per
**     event, "STEP EVENT ARGS", with EVENT one of gc_start, gc_end,
**     collect, finalize, tp_del, tp_clear, dealloc, callback, garbage,
**     violation. Events of weakref objects other than callbacks and
**     garbage (their tp_clear and dealloc) are invisible to the probe and
**     left out of the model's side too. A run stops at its first violation
**     on both sides.
**   - The model side is a pure function of (program, policy). The real side
**     depends only on the interpreter and the program: each program runs in
**     a fresh interpreter process (native), or in one interpreter per
**     session reset between programs to a fresh one's gc state (pyodide,
**     whose load takes seconds).
**   - A run that takes the interpreter longer than 60 s is reported as the
**     verdict "timeout", never as agreement.
**   - No function here exits or aborts: failures return -1 with a message.
*/
#ifndef GCSIM_CONFIRM_H
#define GCSIM_CONFIRM_H

#include <stddef.h>

#include "gcsim/policy.h"
#include "gcsim/program.h"
#include "gcsim/scenario.h"
#include "gcsim/sim.h"

/* Script actions either side runs before it gives up (verdict "budget"). */
#define CONFIRM_MAX_ACTIONS 20000

/* Which probe runs in the interpreter. */
enum confirm_probe {
  CONFIRM_PROBE_AUTO = 0, /* C natively, Python under pyodide */
  CONFIRM_PROBE_C,
  CONFIRM_PROBE_PYTHON
};

/* An interpreter named "pyodide:VERSION"; where the pinned packages are
   installed unless $GCSIM_PYODIDE_DIR says otherwise. */
#define CONFIRM_PYODIDE_PREFIX "pyodide:"
#define CONFIRM_PYODIDE_DIR "/usr/local/lib/gcsim/pyodide"

struct confirm_python {
  char path[1024];        /* the interpreter as given */
  char version[32];       /* "3.8.18" */
  int major, minor;
  char preset[32];        /* the model's preset for this version */
  char module_dir[1100];  /* where _gcsimprobe is (built or written) */
  enum confirm_probe probe; /* CONFIRM_PROBE_C or CONFIRM_PROBE_PYTHON */
  char pyodide_pkg[1200]; /* pyodide: its npm package's directory; else "" */
  char driver[1300];      /* pyodide: driver.mjs in module_dir */
};

/*
** Query the interpreter and build (or reuse) the probe for it, in
** $GCSIM_CACHE, else $XDG_CACHE_HOME/gcsim, else ~/.cache/gcsim. The C
** compiler is $GCSIM_CC, else cc. A pyodide interpreter needs node and its
** package (bash scripts/install-deps.sh installs both); the message says
** so when either is missing. Returns 0, or -1 with a message in err.
*/
int confirm_python_open(const char *python, enum confirm_probe probe,
                        struct confirm_python *py, char *err, size_t errlen);

/*
** A session runs programs in one interpreter, one after the other: pyodide
** loads once per session. Open one per process (a worker of differential
** opens its own). confirm_session_open returns NULL with a message in err.
*/
struct confirm_session;
struct confirm_session *confirm_session_open(const struct confirm_python *py,
                                             char *err, size_t errlen);
void confirm_session_close(struct confirm_session *s);
const struct confirm_python *confirm_session_python(
    const struct confirm_session *s);

/* The model preset that stands for CPython major.minor, or NULL. */
const char *confirm_preset_for(int major, int minor);

/* The digest of prog that the probe reads. */
void confirm_digest(const struct gcs_program *prog, struct gcs_buf *out);

/* A side's outcome: its event lines and its verdict. */
struct confirm_side {
  struct gcs_buf lines;  /* "STEP EVENT ARGS\n" lines */
  size_t nlines;
  char verdict[96];      /* "clean", "violation KIND OBJ", "budget" */
  long oldgen;           /* real side: the interpreter's own objects in
                            generation 2 at the start (-1: unknown) */
  int no_trap;           /* real side: a WebAssembly build, where a NULL
                            write or a read of freed memory does not
                            crash (address 0 is memory there) */
};
void confirm_side_free(struct confirm_side *c);

/*
** The model's side under pol (run the real side first and pass its oldgen
** as pol's oldgen_base, so that the long-lived rule sees the same heap).
** Returns the sim status (SIM_BADINPUT when a
** budget ran out, SIM_INTERNAL on a model bug), or -1 when out of memory.
*/
int confirm_model(const struct gcs_program *prog, const struct policy *pol,
                  struct confirm_side *out);

/* The interpreter's side. Returns 0, or -1 with a message in err (the
   interpreter could not run the program: an "unsupported: ..." refusal of
   the Python probe is one). */
int confirm_real(struct confirm_session *s, const struct gcs_program *prog,
                 struct confirm_side *out, char *err, size_t errlen);

/*
** Both sides: the interpreter first, then the model under pol with
** oldgen_base set to what the interpreter reported. Returns the model's
** sim status, or -1 with a message in err (then both sides are empty).
*/
int confirm_run(struct confirm_session *s, const struct gcs_program *prog,
                const struct policy *pol,
                struct confirm_side *model, struct confirm_side *real,
                char *err, size_t errlen);

/* The first line "STEP WORD ..." of lines whose event word is word (a name
   that happens to be the word does not count): a pointer to WORD in it, or
   NULL. */
const char *confirm_find_event(const struct gcs_buf *lines, const char *word);

/* Where two sides' event streams first differ. */
struct confirm_diff {
  int agree;             /* same lines and same verdict */
  int upto_crash;        /* agree only up to the model's violation, a
                            crash natively, which a no_trap side runs
                            past */
  size_t index;          /* 0-based line of the first difference */
  char model[160], real[160]; /* those lines ("(end)" past the end) */
};
void confirm_compare(const struct confirm_side *model,
                     const struct confirm_side *real,
                     struct confirm_diff *d);

#endif
