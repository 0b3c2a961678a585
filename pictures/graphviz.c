/*
** graphviz.c — see include/gcsim/graphviz.h.
*/
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gcsim/graphviz.h"

extern char **environ;

/*
** Run argv (argv[0] looked up on PATH) with stdin from /dev/null, stdout
** to /dev/null and stderr to errfd (or /dev/null when -1). Returns the exit
** status, 127 when it cannot be started, -1 when it died of a signal.
*/
static int run(char *const argv[], int errfd) {
  posix_spawn_file_actions_t fa;
  if (posix_spawn_file_actions_init(&fa)) return 127;
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  if (errfd >= 0) posix_spawn_file_actions_adddup2(&fa, errfd, 2);
  else posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid;
  int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc) return 127;
  int st;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int graphviz_available(void) {
  char *argv[] = {"dot", "-V", NULL};
  return run(argv, -1) == 0;
}

/* A temporary file's name in $TMPDIR (or /tmp), created empty. */
static int temp_file(char *name, size_t n, const char *what) {
  const char *dir = getenv("TMPDIR");
  if (!dir || !*dir) dir = "/tmp";
  snprintf(name, n, "%s/gcsim-%s-XXXXXX", dir, what);
  return mkstemp(name);
}

/* Read a whole open file from its start into out. */
static int slurp(int fd, struct gcs_buf *out) {
  if (lseek(fd, 0, SEEK_SET) < 0) return -1;
  char chunk[8192];
  ssize_t got;
  while ((got = read(fd, chunk, sizeof chunk)) > 0)
    buf_add(out, chunk, (size_t)got);
  return got < 0 || out->oom ? -1 : 0;
}

static int write_all(int fd, const char *p, size_t len) {
  while (len) {
    ssize_t w = write(fd, p, len);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    p += w;
    len -= (size_t)w;
  }
  return 0;
}

int graphviz_render(const char *dot, size_t len, const char *format,
                    struct gcs_buf *out, char *err, size_t errlen) {
  char in_name[512], out_name[512], err_name[512], fmt[32];
  int in_fd = temp_file(in_name, sizeof in_name, "dot");
  int out_fd = in_fd < 0 ? -1 : temp_file(out_name, sizeof out_name, "out");
  int err_fd = out_fd < 0 ? -1 : temp_file(err_name, sizeof err_name, "err");
  int rc = -1;
  if (err_fd < 0) {
    snprintf(err, errlen, "cannot make a temporary file: %s", strerror(errno));
    goto done;
  }
  if (write_all(in_fd, dot, len)) {
    snprintf(err, errlen, "cannot write %s: %s", in_name, strerror(errno));
    goto done;
  }
  snprintf(fmt, sizeof fmt, "-T%s", format);
  char *argv[] = {"dot", fmt, "-o", out_name, in_name, NULL};
  int st = run(argv, err_fd);
  if (st == 127) {
    snprintf(err, errlen, "%s", GRAPHVIZ_HOWTO);
    goto done;
  }
  if (st != 0) {
    struct gcs_buf msg;
    buf_init(&msg);
    slurp(err_fd, &msg);
    const char *m = msg.p ? msg.p : "";
    snprintf(err, errlen, "dot -T%s failed (%s %d): %.*s", format,
             st < 0 ? "signal" : "exit status", st, (int)strcspn(m, "\n"), m);
    buf_free(&msg);
    goto done;
  }
  /* dot may have replaced the file: read it by its name */
  int fd = open(out_name, O_RDONLY);
  int bad = fd < 0 || slurp(fd, out);
  if (fd >= 0) close(fd);
  if (bad) {
    snprintf(err, errlen, "cannot read dot's output (%s)",
             out->oom ? "out of memory" : strerror(errno));
    goto done;
  }
  rc = 0;
done:
  if (in_fd >= 0) close(in_fd), unlink(in_name);
  if (out_fd >= 0) close(out_fd), unlink(out_name);
  if (err_fd >= 0) close(err_fd), unlink(err_name);
  return rc;
}
