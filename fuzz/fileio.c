/*
** fileio.c — see include/gcsim/fileio.h.
*/
#define _GNU_SOURCE /* MAP_POPULATE */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gcsim/fileio.h"

char *fileio_read(const char *path, size_t *len) {
  return fileio_read_max(path, len, FILEIO_MAX);
}

char *fileio_read_max(const char *path, size_t *len, size_t max) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "%s:0: cannot open: %s\n", path, strerror(errno));
    return NULL;
  }
  /* a regular file is read into a buffer of its size (refused before
     anything is read when it is over the limit); a pipe grows by doubling */
  struct stat st;
  size_t cap = 4096, n = 0;
  if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode)) {
    if ((unsigned long long)st.st_size > max) {
      fprintf(stderr, "%s:0: larger than %zu MiB\n", path, max >> 20);
      fclose(f);
      return NULL;
    }
    cap = (size_t)st.st_size + 2; /* + the NUL, + 1 to see the end */
  }
  char *buf = malloc(cap);
  while (buf) {
    if (n + 1 >= cap) {
      if (n >= max) {
        fprintf(stderr, "%s:0: larger than %zu MiB\n", path, max >> 20);
        free(buf);
        fclose(f);
        return NULL;
      }
      size_t ncap = cap * 2 < max + 2 ? cap * 2 : max + 2;
      char *q = realloc(buf, ncap);
      if (!q) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = q;
      cap = ncap;
    }
    size_t got = fread(buf + n, 1, cap - n - 1, f);
    n += got;
    if (got == 0) break;
  }
  if (!buf || ferror(f)) {
    fprintf(stderr, "%s:0: cannot read: %s\n", path,
            buf ? strerror(errno) : "out of memory");
    free(buf);
    fclose(f);
    return NULL;
  }
  fclose(f);
  buf[n] = '\0';
  *len = n;
  return buf;
}

char *fileio_map(const char *path, size_t *len, size_t max, int *mapped) {
  *mapped = 0;
  int fd = open(path, O_RDONLY);
  struct stat st;
  if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
      st.st_size > 0 && (unsigned long long)st.st_size <= max) {
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ,
                   MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (p != MAP_FAILED) {
      close(fd);
      posix_madvise(p, (size_t)st.st_size, POSIX_MADV_SEQUENTIAL);
      *mapped = 1;
      *len = (size_t)st.st_size;
      return p;
    }
  }
  if (fd >= 0) close(fd);
  /* empty, too large, not a regular file, or not mappable: read it (which
     also says why it cannot be read) */
  return fileio_read_max(path, len, max);
}

void fileio_unmap(char *p, size_t len, int mapped) {
  if (mapped)
    munmap(p, len);
  else
    free(p);
}

int fileio_write(const char *path, const void *data, size_t len) {
  size_t n = strlen(path) + 16;
  char *tmp = malloc(n);
  if (!tmp) {
    fprintf(stderr, "%s:0: out of memory\n", path);
    return -1;
  }
  /* a unique temporary name: concurrent writers of one path never share
     a temporary file, and the last rename wins whole */
  snprintf(tmp, n, "%s.XXXXXX", path);
  int fd = mkstemp(tmp);
  if (fd >= 0) fchmod(fd, 0644); /* mkstemp makes it 0600 */
  FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
  if (fd >= 0 && !f) close(fd);
  int ok = f && fwrite(data, 1, len, f) == len;
  if (f && fclose(f) != 0) ok = 0;
  if (ok && rename(tmp, path) != 0) ok = 0;
  if (!ok) {
    fprintf(stderr, "%s:0: cannot write: %s\n", path, strerror(errno));
    remove(tmp);
  }
  free(tmp);
  return ok ? 0 : -1;
}
