// A test aid, loaded with LD_PRELOAD into a sweep: it counts the calls that change the results
// file or its journal (write, pwrite, writev, pwritev, ftruncate, fsync, fdatasync, unlink,
// rename) and ends the process at the N-th, as a kill or a power cut would. The product's code
// is unchanged: the shim sits between it and the C library.
//
//   AECNN_CRASH_FILE=/abs/results.h5   the file watched (and FILE.journal, and FILE.compacting:
//                                      the copy that replaces it at a run's end)
//   AECNN_CRASH_AT=N                   1-based call to stop at; 0 counts only
//   AECNN_CRASH_MODE=exit|torn         exit: _exit(86) before the call; torn: a write is cut to
//                                      half its bytes first (a sector that never reached the disk)
//   AECNN_CRASH_REPORT=/abs/path       gets one line: "crashed at N: CALL PATH SIZE" or, at a
//                                      normal exit, "completed after N calls"
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static char watched[PATH_MAX], journal[PATH_MAX + 16], copy[PATH_MAX + 16];
static long crash_at, calls;
static int torn, active;

__attribute__((constructor)) static void setup(void) {
  const char* file = getenv("AECNN_CRASH_FILE");
  if (file == NULL || file[0] != '/') return;
  snprintf(watched, sizeof watched, "%s", file);
  snprintf(journal, sizeof journal, "%s.journal", file);
  snprintf(copy, sizeof copy, "%s.compacting", file);
  const char* at = getenv("AECNN_CRASH_AT");
  crash_at = at ? atol(at) : 0;
  const char* mode = getenv("AECNN_CRASH_MODE");
  torn = mode != NULL && strcmp(mode, "torn") == 0;
  active = 1;
}

static void report(const char* line) {
  const char* path = getenv("AECNN_CRASH_REPORT");
  if (path == NULL) return;
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return;
  ssize_t ignored = write(fd, line, strlen(line));
  (void)ignored;
  close(fd);
}

__attribute__((destructor)) static void finish(void) {
  if (!active || calls == 0) return;
  char line[64];
  snprintf(line, sizeof line, "completed after %ld calls\n", calls);
  report(line);
}

static int is_watched(const char* path) {
  return path != NULL && (strcmp(path, watched) == 0 || strcmp(path, journal) == 0 || strcmp(path, copy) == 0);
}

static int fd_is_watched(int fd) {
  if (!active || fd < 0) return 0;
  char link[64], path[PATH_MAX];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, path, sizeof path - 1);
  if (n <= 0) return 0;
  path[n] = '\0';
  return is_watched(path);
}

// Counts one call; at the chosen one, reports and returns 1 (the caller then tears or exits).
static int reached(const char* call, const char* path, size_t size) {
  ++calls;
  if (crash_at == 0 || calls != crash_at) return 0;
  char line[PATH_MAX + 96];
  snprintf(line, sizeof line, "crashed at %ld: %s %s %zu%s\n", calls, call, path, size, torn ? " (torn)" : "");
  report(line);
  return 1;
}

static const char* fd_name(int fd) {
  static char path[PATH_MAX];
  char link[64];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, path, sizeof path - 1);
  path[n > 0 ? n : 0] = '\0';
  return path;
}

#define REAL(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

ssize_t write(int fd, const void* buffer, size_t size) {
  if (fd_is_watched(fd) && reached("write", fd_name(fd), size)) {
    if (torn && size > 1) REAL(write)(fd, buffer, size / 2);
    _exit(86);
  }
  return REAL(write)(fd, buffer, size);
}

ssize_t pwrite(int fd, const void* buffer, size_t size, off_t offset) {
  if (fd_is_watched(fd) && reached("pwrite", fd_name(fd), size)) {
    if (torn && size > 1) REAL(pwrite)(fd, buffer, size / 2, offset);
    _exit(86);
  }
  return REAL(pwrite)(fd, buffer, size, offset);
}

ssize_t pwrite64(int fd, const void* buffer, size_t size, off_t offset) { return pwrite(fd, buffer, size, offset); }

ssize_t writev(int fd, const struct iovec* iov, int count) {
  if (fd_is_watched(fd) && reached("writev", fd_name(fd), count > 0 ? iov[0].iov_len : 0)) {
    if (torn && count > 0 && iov[0].iov_len > 1) REAL(write)(fd, iov[0].iov_base, iov[0].iov_len / 2);
    _exit(86);
  }
  return REAL(writev)(fd, iov, count);
}

ssize_t pwritev(int fd, const struct iovec* iov, int count, off_t offset) {
  if (fd_is_watched(fd) && reached("pwritev", fd_name(fd), count > 0 ? iov[0].iov_len : 0)) {
    if (torn && count > 0 && iov[0].iov_len > 1) REAL(pwrite)(fd, iov[0].iov_base, iov[0].iov_len / 2, offset);
    _exit(86);
  }
  return REAL(pwritev)(fd, iov, count, offset);
}

int ftruncate(int fd, off_t length) {
  if (fd_is_watched(fd) && reached("ftruncate", fd_name(fd), (size_t)length)) _exit(86);
  return REAL(ftruncate)(fd, length);
}

int ftruncate64(int fd, off_t length) { return ftruncate(fd, length); }

int fsync(int fd) {
  if (fd_is_watched(fd) && reached("fsync", fd_name(fd), 0)) _exit(86);
  return REAL(fsync)(fd);
}

int fdatasync(int fd) {
  if (fd_is_watched(fd) && reached("fdatasync", fd_name(fd), 0)) _exit(86);
  return REAL(fdatasync)(fd);
}

int unlink(const char* path) {
  if (active && is_watched(path) && reached("unlink", path, 0)) _exit(86);
  return REAL(unlink)(path);
}

int rename(const char* from, const char* to) {
  if (active && (is_watched(from) || is_watched(to)) && reached("rename", from, 0)) _exit(86);
  return REAL(rename)(from, to);
}
