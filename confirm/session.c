/*
** session.c — the interpreter's side of gcsim confirm (confirm.h): a
** program through the probe in a real interpreter, and its record.
**
** A native interpreter runs each program in a fresh process (the probe
** module and the driver below). A pyodide interpreter is one node process
** (confirm/pyodide/driver.mjs) that loads CPython once and then runs the
** programs of a session one after the other, resetting the interpreter
** between them; it is started on the first program and again after it was
** killed.
*/
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "confirm_int.h"
#include "gcsim/fileio.h"

/* Runs in the interpreter: load the digest, one statement per iteration of
   a bytecode loop (so that 3.12+ runs a scheduled collection after the
   statement, at the loop's eval-breaker check), and leave without
   interpreter shutdown. The probe writes each event to stdout as it
   happens. driver.mjs runs the same steps. */
static const char driver[] =
    "import sys\n"
    "sys.path.insert(0, sys.argv[1])\n"
    "import _gcsimprobe as p\n"
    "f = open(sys.argv[2], 'rb')\n"
    "d = f.read()\n"
    "f.close()\n"
    "f = None\n"
    "n = p.load(d)\n"
    "d = None\n"
    "i = 0\n"
    "while i < n and p.step(i):\n"
    "    i += 1\n"
    "p.finish()\n"
    "import os\n"
    "os._exit(0)\n";

/* Seconds gcsim waits for driver.mjs beyond the program's own timeout
   (which driver.mjs enforces), and for it to load. */
#define NODE_SLACK_S 30

struct confirm_session {
  struct confirm_python py;
  pid_t pid;             /* node, or 0 (native, or not started) */
  int to, from, errfd;   /* its stdin, stdout, stderr */
  struct gcs_buf errtail; /* what it printed on stderr */
};

static size_t count_lines(const struct gcs_buf *b) {
  size_t n = 0;
  for (size_t i = 0; i < b->len; i++) n += b->p[i] == '\n';
  return n;
}

/* The record of a run whose lines are in out->lines and whose verdict says
   how it ended ("clean": normally). */
static void parse_record(struct confirm_side *out) {
  /* "- oldgen N": the first line, not an event */
  out->oldgen = -1;
  if (out->lines.p && !strncmp(out->lines.p, "- oldgen ", 9)) {
    out->oldgen = strtol(out->lines.p + 9, NULL, 10);
    const char *nl = strchr(out->lines.p, '\n');
    size_t skip = nl ? (size_t)(nl + 1 - out->lines.p) : out->lines.len;
    memmove(out->lines.p, out->lines.p + skip, out->lines.len - skip + 1);
    out->lines.len -= skip;
  }
  /* "- budget": the action budget ran out (the last line) */
  const char *b = out->lines.p ? strstr(out->lines.p, "- budget\n") : NULL;
  if (b) {
    out->lines.len = (size_t)(b - out->lines.p);
    out->lines.p[out->lines.len] = 0;
    snprintf(out->verdict, sizeof out->verdict, "budget");
  }
  out->nlines = count_lines(&out->lines);
  /* the verdict: the violation event line ("STEP violation KIND OBJ") */
  const char *v = !b && !strcmp(out->verdict, "clean")
                      ? confirm_find_event(&out->lines, "violation")
                      : NULL;
  if (v)
    snprintf(out->verdict, sizeof out->verdict, "%.*s",
             (int)strcspn(v, "\n"), v);
}

/* ---- native: a fresh process per program ---- */

static int native_real(const struct confirm_python *py, const char *digest,
                       size_t dlen, struct confirm_side *out, char *err,
                       size_t errlen) {
  /* a name no other process (or container sharing the cache) can pick */
  char path[1200];
  snprintf(path, sizeof path, "%s/digest-XXXXXX", py->module_dir);
  int fd = mkstemp(path);
  int ok = fd >= 0 && write(fd, digest, dlen) == (ssize_t)dlen;
  if (fd >= 0 && close(fd) != 0) ok = 0;
  if (!ok) {
    if (fd >= 0) unlink(path);
    confirm_set_err(err, errlen, "%s: cannot write the program's digest",
                    path);
    return -1;
  }
  char *argv[] = {(char *)py->path, "-S", "-E", "-c", (char *)driver,
                  (char *)py->module_dir, path, NULL};
  struct gcs_buf eout;
  buf_init(&eout);
  int rc = confirm_run_capture(argv, &out->lines, &eout);
  unlink(path);
  if (rc == RUN_TIMED_OUT) {
    /* never a crash: a loop of the interpreter is not a verdict */
    snprintf(out->verdict, sizeof out->verdict, "timeout (%d s)",
             RUN_TIMEOUT_S);
  } else if (rc > 128 && rc < 128 + 65) {
    /* the interpreter crashed: its events up to the crash are the record */
    snprintf(out->verdict, sizeof out->verdict, "crash (signal %d)",
             rc - 128);
  } else if (rc != 0) {
    confirm_set_err(err, errlen, "Python %s exited with status %d: %s",
                    py->version, rc, confirm_last_line(&eout));
    buf_free(&eout);
    return -1;
  }
  buf_free(&eout);
  return 0;
}

/* ---- pyodide: one node process per session ---- */

static void node_stop(struct confirm_session *s) {
  if (!s->pid) return;
  close(s->to);
  close(s->from);
  close(s->errfd);
  kill(s->pid, SIGKILL);
  while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR) {
  }
  s->pid = 0;
}

/*
** Move bytes between node and us until out holds a line that starts with
** mark (after a newline, or at its start), or the deadline passes: send
** what is left of (*in, *inlen) on its stdin meanwhile, keep its stderr in
** s->errtail. Returns the offset of the mark in out, or -1 (node ended or
** the time ran out: *timed_out tells which).
*/
static long node_exchange(struct confirm_session *s, const char **in,
                          size_t *inlen, struct gcs_buf *out,
                          const char *mark, time_t deadline,
                          int *timed_out) {
  *timed_out = 0;
  size_t mlen = strlen(mark), scanned = 0;
  char chunk[8192];
  for (;;) {
    /* the mark, in what came so far */
    for (; out->p && scanned + mlen <= out->len; scanned++)
      if ((scanned == 0 || out->p[scanned - 1] == '\n') &&
          !memcmp(out->p + scanned, mark, mlen)) {
        const char *nl = memchr(out->p + scanned, '\n', out->len - scanned);
        if (!nl) break; /* the mark's line is not complete yet */
        return (long)scanned;
      }
    time_t now = time(NULL);
    if (now >= deadline) {
      *timed_out = 1;
      return -1;
    }
    struct pollfd fds[3] = {{s->from, POLLIN, 0},
                            {s->errfd, POLLIN, 0},
                            {s->to, *inlen ? POLLOUT : 0, 0}};
    int r = poll(fds, 3, 1000);
    if (r < 0 && errno != EINTR) return -1;
    if (r <= 0) continue;
    if (*inlen && (fds[2].revents & POLLOUT)) {
      ssize_t n = write(s->to, *in, *inlen);
      if (n < 0 && errno != EAGAIN && errno != EINTR) return -1;
      if (n > 0) *in += n, *inlen -= (size_t)n;
    }
    for (int i = 0; i < 2; i++) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = read(fds[i].fd, chunk, sizeof chunk);
      if (n <= 0) {
        if (i == 0) return -1; /* node closed its stdout: it ended */
        continue;
      }
      if (i == 0) {
        buf_add(out, chunk, (size_t)n);
      } else {
        buf_add(&s->errtail, chunk, (size_t)n);
        if (s->errtail.len > 8192) { /* keep the end */
          memmove(s->errtail.p, s->errtail.p + s->errtail.len - 4096, 4096);
          s->errtail.len = 4096;
          s->errtail.p[4096] = 0;
        }
      }
    }
  }
}

static int node_start(struct confirm_session *s, char *err, size_t errlen) {
  int pin[2], pout[2], perr[2];
  if (pipe(pin)) return -1;
  if (pipe(pout)) {
    close(pin[0]), close(pin[1]);
    return -1;
  }
  if (pipe(perr)) {
    close(pin[0]), close(pin[1]), close(pout[0]), close(pout[1]);
    return -1;
  }
  signal(SIGPIPE, SIG_IGN); /* a node that died: write() fails, no signal */
  signal(SIGCHLD, SIG_DFL);
  pid_t pid = fork();
  if (pid < 0) {
    close(pin[0]), close(pin[1]), close(pout[0]), close(pout[1]);
    close(perr[0]), close(perr[1]);
    confirm_set_err(err, errlen, "cannot start node: %s", strerror(errno));
    return -1;
  }
  if (pid == 0) {
    dup2(pin[0], 0);
    dup2(pout[1], 1);
    dup2(perr[1], 2);
    close(pin[0]), close(pin[1]), close(pout[0]), close(pout[1]);
    close(perr[0]), close(perr[1]);
    char probe[1300];
    snprintf(probe, sizeof probe, "%s/_gcsimprobe.py", s->py.module_dir);
    char *argv[] = {"node", s->py.driver, s->py.pyodide_pkg, probe, NULL};
    execvp(argv[0], argv);
    fprintf(stderr, "cannot run node: %s\n", strerror(errno));
    _exit(127);
  }
  close(pin[0]), close(pout[1]), close(perr[1]);
  s->pid = pid, s->to = pin[1], s->from = pout[0], s->errfd = perr[0];
  fcntl(s->to, F_SETFL, fcntl(s->to, F_GETFL) | O_NONBLOCK);
  struct gcs_buf out;
  buf_init(&out);
  const char *none = "";
  size_t zero = 0;
  int timed_out;
  long at = node_exchange(s, &none, &zero, &out, "=gcsim-ready ",
                          time(NULL) + NODE_SLACK_S, &timed_out);
  buf_free(&out);
  if (at < 0) {
    confirm_set_err(err, errlen, "%s: node did not load pyodide%s: %s",
                    s->py.path, timed_out ? " in time" : "",
                    confirm_last_line(&s->errtail));
    node_stop(s);
    return -1;
  }
  return 0;
}

static int pyodide_real(struct confirm_session *s, const char *digest,
                        size_t dlen, struct confirm_side *out, char *err,
                        size_t errlen) {
  if (!s->pid && node_start(s, err, errlen)) return -1;
  char head[64];
  int hn = snprintf(head, sizeof head, "=gcsim-run %d %zu\n",
                    RUN_TIMEOUT_S * 1000, dlen);
  struct gcs_buf req;
  buf_init(&req);
  buf_add(&req, head, (size_t)hn);
  buf_add(&req, digest, dlen);
  const char *in = req.p;
  size_t inlen = req.oom ? 0 : req.len;
  int timed_out;
  long at = node_exchange(s, &in, &inlen, &out->lines, "=gcsim-end ",
                          time(NULL) + RUN_TIMEOUT_S + NODE_SLACK_S,
                          &timed_out);
  buf_free(&req);
  if (at < 0) {
    node_stop(s); /* the next program starts a new one */
    if (timed_out) {
      snprintf(out->verdict, sizeof out->verdict, "timeout (%d s)",
               RUN_TIMEOUT_S);
      return 0;
    }
    confirm_set_err(err, errlen, "%s: node ended: %s", s->py.path,
                    confirm_last_line(&s->errtail));
    return -1;
  }
  /* "=gcsim-end STATUS DETAIL": after the probe's lines and a newline */
  char status[16] = "", detail[300] = "";
  sscanf(out->lines.p + at, "=gcsim-end %15s %299[^\n]", status, detail);
  out->lines.len = (size_t)(at ? at - 1 : 0);
  out->lines.p[out->lines.len] = 0;
  if (!strcmp(status, "ok")) return 0;
  if (!strcmp(status, "timeout")) {
    snprintf(out->verdict, sizeof out->verdict, "timeout (%d s)",
             RUN_TIMEOUT_S);
    return 0;
  }
  if (!strcmp(status, "crash")) {
    snprintf(out->verdict, sizeof out->verdict, "crash (%.80s)", detail);
    return 0;
  }
  confirm_set_err(err, errlen, "Python %s (%s): %s", s->py.version,
                  s->py.path, detail[0] ? detail : status);
  return -1;
}

/* ---- sessions ---- */

struct confirm_session *confirm_session_open(const struct confirm_python *py,
                                             char *err, size_t errlen) {
  struct confirm_session *s = calloc(1, sizeof *s);
  if (!s) {
    confirm_set_err(err, errlen, "out of memory");
    return NULL;
  }
  s->py = *py;
  buf_init(&s->errtail);
  return s;
}

void confirm_session_close(struct confirm_session *s) {
  if (!s) return;
  node_stop(s);
  buf_free(&s->errtail);
  free(s);
}

const struct confirm_python *confirm_session_python(
    const struct confirm_session *s) {
  return &s->py;
}

int confirm_real(struct confirm_session *s, const struct gcs_program *prog,
                 struct confirm_side *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  buf_init(&out->lines);
  snprintf(out->verdict, sizeof out->verdict, "clean");
  struct gcs_buf dg;
  buf_init(&dg);
  confirm_digest(prog, &dg);
  if (dg.oom) {
    buf_free(&dg);
    confirm_set_err(err, errlen, "out of memory");
    return -1;
  }
  int rc = s->py.pyodide_pkg[0]
               ? pyodide_real(s, dg.p, dg.len, out, err, errlen)
               : native_real(&s->py, dg.p, dg.len, out, err, errlen);
  out->no_trap = s->py.pyodide_pkg[0] != 0;
  buf_free(&dg);
  if (rc == 0) parse_record(out);
  return rc;
}

int confirm_run(struct confirm_session *s, const struct gcs_program *prog,
                const struct policy *pol, struct confirm_side *model,
                struct confirm_side *real, char *err, size_t errlen) {
  memset(model, 0, sizeof *model);
  if (confirm_real(s, prog, real, err, errlen)) {
    confirm_side_free(real);
    return -1;
  }
  struct policy p = *pol;
  if (real->oldgen >= 0) p.oldgen_base = (int)real->oldgen;
  int st = confirm_model(prog, &p, model);
  if (st < 0) {
    confirm_set_err(err, errlen, "out of memory");
    confirm_side_free(model);
    confirm_side_free(real);
  }
  return st;
}
