/*
** confirm.c — the model against a real interpreter (confirm.h).
*/
#define _POSIX_C_SOURCE 200809L
#include "gcsim/confirm.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "gcsim/event.h"
#include "gcsim/fileio.h"

/* confirm/probe/gcsim_probe.c, embedded by CMake (probe_source.c). */
extern const unsigned char gcsim_probe_source[];
extern const unsigned long gcsim_probe_source_len;

#define RUN_TIMEOUT_S 60

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

/* ---- running a child process ---- */

#define RUN_TIMED_OUT (-2)

/*
** Run argv; collect its stdout and stderr. Returns the exit status
** (128 + signal when killed by a signal), RUN_TIMED_OUT when it ran longer
** than RUN_TIMEOUT_S (it is killed), or -1 when it could not be started or
** waited for.
*/
static int run_capture(char *const argv[], struct gcs_buf *out,
                       struct gcs_buf *errout) {
  /* an inherited SIG_IGN would let the kernel reap the child before
     waitpid() could report its status */
  signal(SIGCHLD, SIG_DFL);
  int po[2], pe[2];
  if (pipe(po)) return -1;
  if (pipe(pe)) {
    close(po[0]);
    close(po[1]);
    return -1;
  }
  pid_t pid = fork();
  if (pid < 0) {
    close(po[0]), close(po[1]), close(pe[0]), close(pe[1]);
    return -1;
  }
  if (pid == 0) {
    dup2(po[1], 1);
    dup2(pe[1], 2);
    close(po[0]), close(po[1]), close(pe[0]), close(pe[1]);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    execvp(argv[0], argv);
    fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  close(po[1]);
  close(pe[1]);
  struct pollfd fds[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
  int open_fds = 2;
  time_t start = time(NULL);
  int timed_out = 0;
  char chunk[8192];
  while (open_fds) {
    int r = poll(fds, 2, 1000);
    if (r < 0 && errno != EINTR) break;
    if (time(NULL) - start > RUN_TIMEOUT_S) {
      kill(pid, SIGKILL);
      buf_puts(errout, "(timed out)\n");
      timed_out = 1;
      break;
    }
    for (int i = 0; i < 2; i++) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
        continue;
      ssize_t n = read(fds[i].fd, chunk, sizeof chunk);
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        open_fds--;
        continue;
      }
      buf_add(i == 0 ? out : errout, chunk, (size_t)n);
    }
  }
  for (int i = 0; i < 2; i++)
    if (fds[i].fd >= 0) close(fds[i].fd);
  int status = 0;
  pid_t w;
  while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
  }
  if (w < 0) return -1;
  if (timed_out) return RUN_TIMED_OUT;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

/* ---- the interpreter and its probe ---- */

const char *confirm_preset_for(int major, int minor) {
  static const char *const presets[] = {
      "cpython-3.6",  "cpython-3.7",  "cpython-3.8",  "cpython-3.9",
      "cpython-3.9",  "cpython-3.11", "cpython-3.12", "cpython-3.13"};
  if (major != 3 || minor < 6) return NULL;
  if (minor <= 13) return presets[minor - 6];
  return "cpython-main";
}

static int mkdirs(const char *path) {
  char tmp[1100];
  snprintf(tmp, sizeof tmp, "%s", path);
  for (char *p = tmp + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    if (mkdir(tmp, 0755) && errno != EEXIST) return -1;
    *p = '/';
  }
  return mkdir(tmp, 0755) && errno != EEXIST ? -1 : 0;
}

static void cache_root(char *out, size_t len) {
  const char *c = getenv("GCSIM_CACHE");
  if (c && *c) {
    snprintf(out, len, "%s", c);
    return;
  }
  const char *x = getenv("XDG_CACHE_HOME");
  if (x && *x) {
    snprintf(out, len, "%s/gcsim", x);
    return;
  }
  const char *h = getenv("HOME");
  snprintf(out, len, "%s/.cache/gcsim", h && *h ? h : "/tmp");
}

/* The last line of a buffer, for error messages. */
static const char *last_line(struct gcs_buf *b) {
  if (!b->p || !b->len) return "(no output)";
  while (b->len && (b->p[b->len - 1] == '\n' || b->p[b->len - 1] == ' '))
    b->p[--b->len] = 0;
  char *nl = strrchr(b->p, '\n');
  return nl ? nl + 1 : b->p;
}

/*
** After a new probe was built in dir: write dir/origin (the interpreter and
** its version), and remove the other probe-* directories of root with the
** same origin (builds of an older probe source for the same interpreter).
** Best effort: a failure leaves a stale build behind, nothing worse.
*/
static void prune_stale(const char *root, const char *dir, const char *python,
                        const char *version) {
  char origin[1200], line[1200];
  int n = snprintf(line, sizeof line, "%s %s\n", version, python);
  snprintf(origin, sizeof origin, "%s/origin", dir);
  if (n <= 0 || fileio_write(origin, line, (size_t)n)) return;
  DIR *d = opendir(root);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (strncmp(e->d_name, "probe-", 6)) continue;
    char other[1300], path[1600];
    snprintf(other, sizeof other, "%s/%s", root, e->d_name);
    if (!strcmp(other, dir)) continue;
    snprintf(path, sizeof path, "%s/origin", other);
    size_t len = 0;
    char *text = NULL;
    FILE *f = fopen(path, "r");
    if (f) {
      char buf[1200];
      len = fread(buf, 1, sizeof buf - 1, f);
      buf[len] = 0;
      fclose(f);
      text = strcmp(buf, line) == 0 ? buf : NULL;
    }
    if (!text) continue;
    DIR *od = opendir(other);
    struct dirent *oe;
    while (od && (oe = readdir(od))) {
      if (oe->d_name[0] == '.') continue;
      snprintf(path, sizeof path, "%s/%s", other, oe->d_name);
      unlink(path);
    }
    if (od) closedir(od);
    rmdir(other);
  }
  closedir(d);
}

int confirm_python_open(const char *python, struct confirm_python *py,
                        char *err, size_t errlen) {
  memset(py, 0, sizeof *py);
  snprintf(py->path, sizeof py->path, "%s", python);
  char *qargv[] = {
      (char *)python, "-S", "-E", "-c",
      "import sys, sysconfig\n"
      "print('%d.%d.%d' % tuple(sys.version_info[:3]))\n"
      "print(sysconfig.get_paths()['include'])\n"
      "print(sysconfig.get_config_var('EXT_SUFFIX') or '.so')\n",
      NULL};
  struct gcs_buf out, eout;
  buf_init(&out);
  buf_init(&eout);
  int rc = run_capture(qargv, &out, &eout);
  char inc[1024] = "", suffix[128] = "";
  int ok = rc == 0 && out.p &&
           sscanf(out.p, "%31s %1023s %127s", py->version, inc, suffix) == 3 &&
           sscanf(py->version, "%d.%d", &py->major, &py->minor) == 2;
  if (!ok) {
    set_err(err, errlen, "%s: not a usable Python interpreter (%s)", python,
            rc == 127 || rc < 0 ? "cannot run it" : last_line(&eout));
    buf_free(&out);
    buf_free(&eout);
    return -1;
  }
  buf_free(&out);
  buf_free(&eout);
  const char *preset = confirm_preset_for(py->major, py->minor);
  if (!preset) {
    set_err(err, errlen, "%s: Python %s is not supported (3.6 or later)",
            python, py->version);
    return -1;
  }
  snprintf(py->preset, sizeof py->preset, "%s", preset);

  /* the cache key: the probe's source, the interpreter and its headers */
  XXH3_state_t *h = XXH3_createState();
  if (!h) {
    set_err(err, errlen, "out of memory");
    return -1;
  }
  XXH3_64bits_reset(h);
  XXH3_64bits_update(h, gcsim_probe_source, gcsim_probe_source_len);
  XXH3_64bits_update(h, python, strlen(python) + 1);
  XXH3_64bits_update(h, py->version, strlen(py->version) + 1);
  XXH3_64bits_update(h, inc, strlen(inc) + 1);
  unsigned long long key = (unsigned long long)XXH3_64bits_digest(h);
  XXH3_freeState(h);
  char root[900];
  cache_root(root, sizeof root);
  snprintf(py->module_dir, sizeof py->module_dir, "%s/probe-%016llx", root,
           key);
  char module[1300], tmpmod[1320], src[1300];
  snprintf(module, sizeof module, "%s/_gcsimprobe%s", py->module_dir, suffix);
  struct stat st;
  if (stat(module, &st) == 0) return 0;

  if (mkdirs(py->module_dir)) {
    set_err(err, errlen, "%s: cannot create the probe's cache directory: %s",
            py->module_dir, strerror(errno));
    return -1;
  }
  snprintf(src, sizeof src, "%s/gcsim_probe.c", py->module_dir);
  if (fileio_write(src, gcsim_probe_source, gcsim_probe_source_len)) {
    set_err(err, errlen, "%s: cannot write the probe's source", src);
    return -1;
  }
  snprintf(tmpmod, sizeof tmpmod, "%s.%ld.tmp", module, (long)getpid());
  char incflag[1040];
  snprintf(incflag, sizeof incflag, "-I%s", inc);
  const char *cc = getenv("GCSIM_CC");
  char *cargv[] = {(char *)(cc && *cc ? cc : "cc"), "-shared", "-fPIC", "-O1",
                   "-w", incflag, src, "-o", tmpmod, NULL};
  buf_init(&out);
  buf_init(&eout);
  rc = run_capture(cargv, &out, &eout);
  if (rc != 0 || rename(tmpmod, module)) {
    set_err(err, errlen,
            "building the probe for Python %s failed (%s %s): %s "
            "(a C compiler and the interpreter's headers are needed)",
            py->version, cargv[0], src, last_line(&eout));
    unlink(tmpmod);
    buf_free(&out);
    buf_free(&eout);
    return -1;
  }
  buf_free(&out);
  buf_free(&eout);
  prune_stale(root, py->module_dir, python, py->version);
  return 0;
}

/* ---- the digest ---- */

static void digest_path(const struct gcs_path *p, struct gcs_buf *out) {
  buf_printf(out, " %u %u %u", (unsigned)p->root,
             p->root == GCS_ROOT_NAME ? (unsigned)p->sym : 0u,
             (unsigned)p->nsteps);
  for (unsigned i = 0; i < p->nsteps; i++)
    buf_printf(out, " %d", (int)p->step[i]);
}

void confirm_digest(const struct gcs_program *prog, struct gcs_buf *out) {
  buf_printf(out, "gcsim-probe-1 %d %d %d %d\n%u\n", GCS_NOPS, GCS_NACTS,
             GCS_NKINDS, CONFIRM_MAX_ACTIONS, (unsigned)prog->nsyms);
  for (uint32_t i = 0; i < prog->nsyms; i++)
    buf_printf(out, "%s\n", prog->syms[i]);
  buf_printf(out, "%u\n", (unsigned)prog->nstmts);
  for (uint32_t i = 0; i < prog->nstmts; i++) {
    const struct gcs_stmt *s = &prog->stmts[i];
    int binds = s->op == GCS_NEW || s->op == GCS_WEAKREF_OP ||
                s->op == GCS_DEL || s->op == GCS_ON_FINALIZE ||
                s->op == GCS_ON_CALL;
    buf_printf(out, "%u %u %u %u %u %d %lld %lld %lld", (unsigned)s->op,
               (unsigned)s->kind, (unsigned)s->flags, (unsigned)s->has_c,
               binds ? (unsigned)s->sym : 0u,
               s->op == GCS_ON_FINALIZE || s->op == GCS_ON_CALL
                   ? (int)s->script
                   : -1,
               (long long)s->n[0], (long long)s->n[1], (long long)s->n[2]);
    digest_path(&s->a, out);
    digest_path(&s->b, out);
    digest_path(&s->c, out);
    buf_puts(out, "\n");
  }
  buf_printf(out, "%u\n", (unsigned)prog->nactions);
  for (uint32_t i = 0; i < prog->nactions; i++) {
    const struct gcs_action *a = &prog->actions[i];
    buf_printf(out, "%u %u %d", (unsigned)a->act, (unsigned)a->has_c,
               (int)a->gen);
    digest_path(&a->a, out);
    digest_path(&a->b, out);
    digest_path(&a->c, out);
    buf_puts(out, "\n");
  }
  buf_printf(out, "%u\n", (unsigned)prog->nscripts);
  for (uint32_t i = 0; i < prog->nscripts; i++)
    buf_printf(out, "%u %u\n", (unsigned)prog->scripts[i].first,
               (unsigned)prog->scripts[i].count);
}

/* ---- the model's side ---- */

void confirm_side_free(struct confirm_side *c) { buf_free(&c->lines); }

struct proj {
  const struct gcs_program *prog;
  struct confirm_side *side;
};

static void project(void *user, const struct gcs_event *e, const char *jsonl,
                    size_t len) {
  (void)jsonl;
  (void)len;
  struct proj *p = user;
  struct gcs_buf *o = &p->side->lines;
  size_t before = o->len;
  buf_printf(o, "%u ", (unsigned)e->step);
  switch (e->ev) {
  case EV_GC_START: buf_printf(o, "gc_start %d", e->gen); break;
  case EV_GC_END:
    buf_printf(o, "gc_end %d collected=%lld uncollectable=%lld", e->gen,
               (long long)e->x, (long long)e->y);
    break;
  case EV_COLLECT_RESULT:
    buf_printf(o, "collect %d -> %lld%s", e->gen, (long long)e->x,
               e->y ? " nested" : "");
    break;
  case EV_FINALIZE: buf_printf(o, "finalize %s", e->a); break;
  case EV_TP_DEL: buf_printf(o, "tp_del %s", e->a); break;
  case EV_TP_CLEAR:
  case EV_DEALLOC:
    /* a weakref's tp_clear and dealloc are invisible to the probe */
    if (e->a_kind == GCS_WEAKREF + 1) goto skip;
    buf_printf(o, "%s %s", e->ev == EV_TP_CLEAR ? "tp_clear" : "dealloc",
               e->a);
    break;
  case EV_CALLBACK: buf_printf(o, "callback %s %s", e->a, e->b); break;
  case EV_GARBAGE: buf_printf(o, "garbage %s", e->a); break;
  case EV_VIOLATION:
    buf_printf(o, "violation %s %s", e->text2, e->a);
    snprintf(p->side->verdict, sizeof p->side->verdict, "violation %s %s",
             e->text2, e->a);
    break;
  default: goto skip;
  }
  buf_puts(o, "\n");
  p->side->nlines++;
  return;
skip:
  o->len = before;
  if (o->p) o->p[before] = 0;
}

int confirm_model(const struct gcs_program *prog, const struct policy *pol,
                  struct confirm_side *out) {
  memset(out, 0, sizeof *out);
  buf_init(&out->lines);
  snprintf(out->verdict, sizeof out->verdict, "clean");
  struct proj p = {prog, out};
  struct sim_options opt;
  memset(&opt, 0, sizeof opt);
  opt.policy = *pol;
  opt.sink = project;
  opt.sink_user = &p;
  opt.max_actions = CONFIRM_MAX_ACTIONS;
  struct sim *s = sim_create(&opt);
  if (!s) return -1;
  enum sim_status st = sim_run(s, prog);
  if (st == SIM_BADINPUT)
    snprintf(out->verdict, sizeof out->verdict, "budget");
  else if (st == SIM_INTERNAL)
    snprintf(out->verdict, sizeof out->verdict, "internal error: %s",
             sim_internal_error(s));
  sim_destroy(s);
  return out->lines.oom ? -1 : (int)st;
}

/* ---- the interpreter's side ---- */

/* Runs in the interpreter: load the digest, one statement per iteration of
   a bytecode loop (so that 3.12+ runs a scheduled collection after the
   statement, at the loop's eval-breaker check), and leave without
   interpreter shutdown. The probe writes each event to stdout as it
   happens. */
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

static size_t count_lines(const struct gcs_buf *b) {
  size_t n = 0;
  for (size_t i = 0; i < b->len; i++) n += b->p[i] == '\n';
  return n;
}

int confirm_real(const struct confirm_python *py,
                 const struct gcs_program *prog, struct confirm_side *out,
                 char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  buf_init(&out->lines);
  snprintf(out->verdict, sizeof out->verdict, "clean");
  struct gcs_buf dg;
  buf_init(&dg);
  confirm_digest(prog, &dg);
  /* a name no other process (or container sharing the cache) can pick */
  char path[1200];
  snprintf(path, sizeof path, "%s/digest-XXXXXX", py->module_dir);
  int fd = dg.oom ? -1 : mkstemp(path);
  int ok = fd >= 0 && write(fd, dg.p, dg.len) == (ssize_t)dg.len;
  if (fd >= 0 && close(fd) != 0) ok = 0;
  if (!ok) {
    if (fd >= 0) unlink(path);
    buf_free(&dg);
    set_err(err, errlen, "%s: cannot write the program's digest", path);
    return -1;
  }
  buf_free(&dg);
  char *argv[] = {(char *)py->path, "-S", "-E", "-c", (char *)driver,
                  (char *)py->module_dir, path, NULL};
  struct gcs_buf eout;
  buf_init(&eout);
  int rc = run_capture(argv, &out->lines, &eout);
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
    set_err(err, errlen, "Python %s exited with status %d: %s", py->version,
            rc, last_line(&eout));
    buf_free(&eout);
    return -1;
  }
  buf_free(&eout);
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
  const char *v = !b && rc == 0 ? confirm_find_event(&out->lines, "violation")
                                : NULL;
  if (v)
    snprintf(out->verdict, sizeof out->verdict, "%.*s",
             (int)strcspn(v, "\n"), v);
  return 0;
}

const char *confirm_find_event(const struct gcs_buf *lines, const char *word) {
  size_t wl = strlen(word);
  for (const char *p = lines->p; p && *p;) {
    size_t len = strcspn(p, "\n");
    const char *sp = memchr(p, ' ', len);
    if (sp && (size_t)(sp + 1 - p) + wl <= len &&
        !strncmp(sp + 1, word, wl) && (sp[1 + wl] == ' ' || sp + 1 + wl == p + len))
      return sp + 1;
    p += len + (p[len] == '\n');
  }
  return NULL;
}

int confirm_run(const struct confirm_python *py,
                const struct gcs_program *prog, const struct policy *pol,
                struct confirm_side *model, struct confirm_side *real,
                char *err, size_t errlen) {
  memset(model, 0, sizeof *model);
  if (confirm_real(py, prog, real, err, errlen)) {
    confirm_side_free(real);
    return -1;
  }
  struct policy p = *pol;
  if (real->oldgen >= 0) p.oldgen_base = (int)real->oldgen;
  int st = confirm_model(prog, &p, model);
  if (st < 0) {
    set_err(err, errlen, "out of memory");
    confirm_side_free(model);
    confirm_side_free(real);
  }
  return st;
}

/* ---- comparing ---- */

static const char *nth_line(const struct gcs_buf *b, size_t n, char *dst,
                            size_t len) {
  const char *p = b->p ? b->p : "";
  for (size_t i = 0; i < n && *p; i++) {
    const char *nl = strchr(p, '\n');
    p = nl ? nl + 1 : p + strlen(p);
  }
  if (!*p) {
    snprintf(dst, len, "(end)");
    return dst;
  }
  const char *nl = strchr(p, '\n');
  int m = nl ? (int)(nl - p) : (int)strlen(p);
  snprintf(dst, len, "%.*s", m, p);
  return dst;
}

/* Model violations that are memory corruption in CPython: the real
   interpreter shows them by crashing. */
static int crash_kind(const char *verdict) {
  return !strcmp(verdict, "violation list-corrupt") ||
         !strncmp(verdict, "violation list-corrupt ", 23) ||
         !strncmp(verdict, "violation use-after-free ", 25);
}

void confirm_compare(const struct confirm_side *model,
                     const struct confirm_side *real,
                     struct confirm_diff *d) {
  memset(d, 0, sizeof *d);
  size_t mlines = model->nlines;
  int crashed = !strncmp(real->verdict, "crash", 5);
  /* a crash: compare the events before it with the model's before its
     violation line */
  if (crashed && crash_kind(model->verdict) && mlines) mlines--;
  size_t n = mlines > real->nlines ? mlines : real->nlines;
  for (size_t i = 0; i < n; i++) {
    if (i < mlines)
      nth_line(&model->lines, i, d->model, sizeof d->model);
    else
      snprintf(d->model, sizeof d->model, "(end)");
    nth_line(&real->lines, i, d->real, sizeof d->real);
    if (strcmp(d->model, d->real)) {
      d->index = i;
      return;
    }
  }
  d->index = n;
  d->model[0] = d->real[0] = 0;
  d->agree = crashed ? crash_kind(model->verdict)
                     : !strcmp(model->verdict, real->verdict);
}
