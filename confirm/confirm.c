/*
** confirm.c — the model against a real interpreter (confirm.h).
*/
#define _POSIX_C_SOURCE 200809L
#include "confirm_int.h"

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

/* The probes and the pyodide driver, embedded by CMake (probe_source.c). */
extern const unsigned char gcsim_probe_source[], gcsim_probe_py_source[],
    gcsim_pyodide_driver_source[];
extern const unsigned long gcsim_probe_source_len, gcsim_probe_py_source_len,
    gcsim_pyodide_driver_source_len;

void confirm_set_err(char *err, size_t errlen, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

/* ---- running a child process ---- */

int confirm_run_capture(char *const argv[], struct gcs_buf *out,
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
  if (minor == 14) return "cpython-3.14";
  if (minor == 15) return "cpython-3.15";
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

const char *confirm_last_line(struct gcs_buf *b) {
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

/* The cache key of a probe: its source (and the driver that runs it, if
   any), the interpreter and where its headers are. */
static unsigned long long probe_key(const unsigned char *src, size_t len,
                                    const unsigned char *drv, size_t drvlen,
                                    const char *python, const char *version,
                                    const char *inc) {
  XXH3_state_t *h = XXH3_createState();
  if (!h) return 0;
  XXH3_64bits_reset(h);
  XXH3_64bits_update(h, src, len);
  XXH3_64bits_update(h, drv, drvlen);
  XXH3_64bits_update(h, python, strlen(python) + 1);
  XXH3_64bits_update(h, version, strlen(version) + 1);
  XXH3_64bits_update(h, inc, strlen(inc) + 1);
  unsigned long long key = (unsigned long long)XXH3_64bits_digest(h);
  XXH3_freeState(h);
  return key;
}

/* Write len bytes to dir/name unless that file is there already. */
static int write_once(const char *dir, const char *name,
                      const unsigned char *data, size_t len, char *path,
                      size_t pathlen, char *err, size_t errlen) {
  snprintf(path, pathlen, "%s/%s", dir, name);
  struct stat st;
  if (stat(path, &st) == 0) return 0;
  if (mkdirs(dir)) {
    confirm_set_err(err, errlen, "%s: cannot create the probe's cache "
                    "directory: %s", dir, strerror(errno));
    return -1;
  }
  if (fileio_write(path, data, len)) {
    confirm_set_err(err, errlen, "%s: cannot write the probe", path);
    return -1;
  }
  return 0;
}

/* The pure-Python probe in its cache directory (nothing to build); under
   pyodide the driver (drv) goes beside it. */
static int python_probe(struct confirm_python *py, const char *inc,
                        const unsigned char *drv, size_t drvlen, char *err,
                        size_t errlen) {
  char root[900], path[1300];
  cache_root(root, sizeof root);
  snprintf(py->module_dir, sizeof py->module_dir, "%s/pyprobe-%016llx", root,
           probe_key(gcsim_probe_py_source, gcsim_probe_py_source_len, drv,
                     drvlen, py->path, py->version, inc));
  return write_once(py->module_dir, "_gcsimprobe.py", gcsim_probe_py_source,
                    gcsim_probe_py_source_len, path, sizeof path, err,
                    errlen);
}

/* The C probe, built for this interpreter (or found built). */
static int c_probe(struct confirm_python *py, const char *inc,
                   const char *suffix, char *err, size_t errlen) {
  const char *python = py->path;
  char root[900];
  cache_root(root, sizeof root);
  snprintf(py->module_dir, sizeof py->module_dir, "%s/probe-%016llx", root,
           probe_key(gcsim_probe_source, gcsim_probe_source_len, NULL, 0,
                     python, py->version, inc));
  char module[1300], tmpmod[1320], src[1300];
  snprintf(module, sizeof module, "%s/_gcsimprobe%s", py->module_dir, suffix);
  struct stat st;
  if (stat(module, &st) == 0) return 0;
  if (write_once(py->module_dir, "gcsim_probe.c", gcsim_probe_source,
                 gcsim_probe_source_len, src, sizeof src, err, errlen))
    return -1;
  snprintf(tmpmod, sizeof tmpmod, "%s.%ld.tmp", module, (long)getpid());
  char incflag[1040];
  snprintf(incflag, sizeof incflag, "-I%s", inc);
  const char *cc = getenv("GCSIM_CC");
  char *cargv[] = {(char *)(cc && *cc ? cc : "cc"), "-shared", "-fPIC", "-O1",
                   "-w", incflag, src, "-o", tmpmod, NULL};
  struct gcs_buf out, eout;
  buf_init(&out);
  buf_init(&eout);
  int rc = confirm_run_capture(cargv, &out, &eout);
  if (rc != 0 || rename(tmpmod, module)) {
    confirm_set_err(err, errlen,
            "building the probe for Python %s failed (%s %s): %s "
            "(a C compiler and the interpreter's headers are needed; "
            "--probe python needs neither)",
            py->version, cargv[0], src, confirm_last_line(&eout));
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

/* The preset for the interpreter's version, or an error. */
static int choose_preset(struct confirm_python *py, char *err,
                         size_t errlen) {
  const char *preset = confirm_preset_for(py->major, py->minor);
  if (!preset) {
    confirm_set_err(err, errlen, "%s: Python %s is not supported (3.6 or "
                    "later)", py->path, py->version);
    return -1;
  }
  snprintf(py->preset, sizeof py->preset, "%s", preset);
  return 0;
}

static int native_open(const char *python, enum confirm_probe probe,
                       struct confirm_python *py, char *err, size_t errlen) {
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
  int rc = confirm_run_capture(qargv, &out, &eout);
  char inc[1024] = "", suffix[128] = "";
  int ok = rc == 0 && out.p &&
           sscanf(out.p, "%31s %1023s %127s", py->version, inc, suffix) == 3 &&
           sscanf(py->version, "%d.%d", &py->major, &py->minor) == 2;
  if (!ok) {
    confirm_set_err(err, errlen, "%s: not a usable Python interpreter (%s)",
                    python,
                    rc == 127 || rc < 0 ? "cannot run it"
                                        : confirm_last_line(&eout));
    buf_free(&out);
    buf_free(&eout);
    return -1;
  }
  buf_free(&out);
  buf_free(&eout);
  if (choose_preset(py, err, errlen)) return -1;
  py->probe = probe == CONFIRM_PROBE_PYTHON ? CONFIRM_PROBE_PYTHON
                                            : CONFIRM_PROBE_C;
  if (py->probe == CONFIRM_PROBE_PYTHON && (py->major < 3 || py->minor < 8)) {
    confirm_set_err(err, errlen, "%s: the pure-Python probe needs Python 3.8 "
                    "or later (_testcapi's ContainerNoGC), not %s; the C "
                    "probe runs on 3.6+", python, py->version);
    return -1;
  }
  return py->probe == CONFIRM_PROBE_PYTHON
             ? python_probe(py, inc, NULL, 0, err, errlen)
             : c_probe(py, inc, suffix, err, errlen);
}

/* ---- pyodide: CPython compiled to WebAssembly, run by node ---- */

/* "3.14" and "3.15": the pinned npm versions (confirm/pyodide/package.json). */
static const struct {
  const char *python, *npm;
} pyodide_pins[] = {{"3.14", "314.0.8"}, {"3.15", "315.0.0-alpha.2"}};

/* Is prog on PATH (or a path that can be run)? */
static int on_path(const char *prog) {
  if (strchr(prog, '/')) return access(prog, X_OK) == 0;
  const char *path = getenv("PATH");
  while (path && *path) {
    size_t len = strcspn(path, ":");
    char exe[1200];
    snprintf(exe, sizeof exe, "%.*s/%s", (int)len, path, prog);
    if (len && access(exe, X_OK) == 0) return 1;
    path += len;
    if (*path == ':') path++;
  }
  return 0;
}

static int pyodide_open(const char *spec, enum confirm_probe probe,
                        struct confirm_python *py, char *err, size_t errlen) {
  const char *ver = spec + strlen(CONFIRM_PYODIDE_PREFIX);
  const char *npm = NULL;
  for (size_t i = 0; i < sizeof pyodide_pins / sizeof *pyodide_pins; i++)
    if (!strcmp(ver, pyodide_pins[i].python)) npm = pyodide_pins[i].npm;
  int major, minor, end = 0;
  if (!npm && sscanf(ver, "%d.%d%n", &major, &minor, &end) == 2 &&
      !ver[end]) {
    confirm_set_err(err, errlen, "%s: no pinned pyodide for CPython %s "
                    "(pinned: pyodide:3.14 is pyodide@314.0.8, pyodide:3.15 "
                    "is pyodide@315.0.0-alpha.2; pyodide:NPM_VERSION names "
                    "any other)", spec, ver);
    return -1;
  }
  if (!npm) npm = ver;
  if (!*npm || strspn(npm, "0123456789abcdefghijklmnopqrstuvwxyz"
                           "ABCDEFGHIJKLMNOPQRSTUVWXYZ.-+") != strlen(npm) ||
      strlen(npm) > 40) {
    confirm_set_err(err, errlen, "%s: '%s' is not a pyodide version (e.g. "
                    "pyodide:3.14, or an npm version: pyodide:0.29.5)", spec,
                    ver);
    return -1;
  }
  if (probe == CONFIRM_PROBE_C) {
    confirm_set_err(err, errlen, "%s: the C probe cannot be built for "
                    "WebAssembly; pyodide runs the pure-Python probe "
                    "(--probe python, its default)", spec);
    return -1;
  }
  py->probe = CONFIRM_PROBE_PYTHON;
  if (!on_path("node")) {
    confirm_set_err(err, errlen, "%s: node is not installed (bash "
                    "scripts/install-deps.sh installs it, or apt-get install "
                    "nodejs npm)", spec);
    return -1;
  }
  const char *root = getenv("GCSIM_PYODIDE_DIR");
  if (!root || !*root) root = CONFIRM_PYODIDE_DIR;
  snprintf(py->pyodide_pkg, sizeof py->pyodide_pkg,
           "%s/node_modules/pyodide-%s", root, npm);
  char lock[1300];
  snprintf(lock, sizeof lock, "%s/pyodide-lock.json", py->pyodide_pkg);
  size_t len = 0;
  char *text = access(lock, R_OK) == 0 ? fileio_read(lock, &len) : NULL;
  const char *pv = text ? strstr(text, "\"python\"") : NULL;
  if (!text) {
    confirm_set_err(err, errlen, "%s: pyodide@%s is not installed in %s "
                    "(bash scripts/install-deps.sh installs the pinned ones "
                    "there; another with npm install --prefix %s "
                    "pyodide-%s@npm:pyodide@%s; $GCSIM_PYODIDE_DIR names "
                    "another directory)", spec, npm, root, root, npm, npm);
    return -1;
  }
  /* "python": "3.14.2" (a blank in the format matches any blanks) */
  if (!pv || sscanf(pv, "\"python\" : \"%31[0-9.a-z]\"", py->version) != 1) {
    confirm_set_err(err, errlen, "%s: no Python version in %s", spec, lock);
    free(text);
    return -1;
  }
  free(text);
  if (sscanf(py->version, "%d.%d", &py->major, &py->minor) != 2) {
    confirm_set_err(err, errlen, "%s: '%s' in %s is not a Python version",
                    spec, py->version, lock);
    return -1;
  }
  if (choose_preset(py, err, errlen)) return -1;
  if (python_probe(py, py->pyodide_pkg, gcsim_pyodide_driver_source,
                   gcsim_pyodide_driver_source_len, err, errlen))
    return -1;
  return write_once(py->module_dir, "driver.mjs", gcsim_pyodide_driver_source,
                    gcsim_pyodide_driver_source_len, py->driver,
                    sizeof py->driver, err, errlen);
}

int confirm_python_open(const char *python, enum confirm_probe probe,
                        struct confirm_python *py, char *err, size_t errlen) {
  memset(py, 0, sizeof *py);
  snprintf(py->path, sizeof py->path, "%s", python);
  if (!strncmp(python, CONFIRM_PYODIDE_PREFIX, strlen(CONFIRM_PYODIDE_PREFIX)))
    return pyodide_open(python, probe, py, err, errlen);
  return native_open(python, probe, py, err, errlen);
}

/* ---- the digest ---- */

/* A path the statement does not use is written empty ("0 0 0"). */
static void digest_path(const struct gcs_program *prog,
                        const struct gcs_path *p, int used,
                        struct gcs_buf *out) {
  if (!used) {
    buf_puts(out, " 0 0 0");
    return;
  }
  buf_printf(out, " %u %u %u", (unsigned)p->root,
             p->root == GCS_ROOT_NAME ? (unsigned)p->sym : 0u,
             (unsigned)p->nsteps);
  for (unsigned i = 0; i < p->nsteps; i++)
    buf_printf(out, " %d", (int)program_step(&prog->steps, p, i));
}

void confirm_digest(const struct gcs_program *prog, struct gcs_buf *out) {
  buf_printf(out, "gcsim-probe-1 %d %d %d %d\n%u\n", GCS_NOPS, GCS_NACTS,
             GCS_NKINDS, CONFIRM_MAX_ACTIONS, (unsigned)prog->nsyms);
  for (uint32_t i = 0; i < prog->nsyms; i++)
    buf_printf(out, "%s\n", program_sym_name(prog, i));
  buf_printf(out, "%u\n", (unsigned)prog->nstmts);
  for (uint32_t i = 0; i < prog->nstmts; i++) {
    const struct gcs_stmt *s = &prog->stmts[i];
    int binds = s->op == GCS_NEW || s->op == GCS_WEAKREF_OP ||
                s->op == GCS_DEL || s->op == GCS_ON_FINALIZE ||
                s->op == GCS_ON_CALL;
    unsigned paths = program_stmt_paths(s);
    int nums = s->op == GCS_COLLECT || s->op == GCS_THRESHOLD;
    buf_printf(out, "%u %u %u %u %u %d %lld %lld %lld", (unsigned)s->op,
               (unsigned)s->kind, (unsigned)s->flags, (unsigned)s->has_c,
               binds ? (unsigned)s->sym : 0u,
               s->op == GCS_ON_FINALIZE || s->op == GCS_ON_CALL
                   ? (int)s->script
                   : -1,
               nums ? (long long)s->n[0] : 0, nums ? (long long)s->n[1] : 0,
               nums ? (long long)s->n[2] : 0);
    digest_path(prog, &s->a, (paths & GCS_PATH_A) != 0, out);
    digest_path(prog, &s->b, (paths & GCS_PATH_B) != 0, out);
    digest_path(prog, &s->c, (paths & GCS_PATH_C) != 0, out);
    buf_puts(out, "\n");
  }
  buf_printf(out, "%u\n", (unsigned)prog->nactions);
  for (uint32_t i = 0; i < prog->nactions; i++) {
    const struct gcs_action *a = &prog->actions[i];
    buf_printf(out, "%u %u %d", (unsigned)a->act, (unsigned)a->has_c,
               (int)a->gen);
    digest_path(prog, &a->a, 1, out);
    digest_path(prog, &a->b, 1, out);
    digest_path(prog, &a->c, 1, out);
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
  /* WebAssembly has memory at address 0 and no guard pages: where a native
     interpreter dies of the model's violation, it goes on. The events
     before that violation are what can be compared. */
  int upto = !crashed && real->no_trap && crash_kind(model->verdict);
  /* a crash: compare the events before it with the model's before its
     violation line */
  if ((crashed || upto) && crash_kind(model->verdict) && mlines) mlines--;
  size_t n = upto ? mlines : mlines > real->nlines ? mlines : real->nlines;
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
  d->upto_crash = upto;
  d->agree = crashed || upto ? crash_kind(model->verdict)
                             : !strcmp(model->verdict, real->verdict);
}
