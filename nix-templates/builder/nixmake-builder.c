/*
 * nixmake-builder: the one helper process of every nixmake derivation.
 *
 * It lays out a node's inputs without a process per file, then runs one
 * program (the compiler, the linker or ar) and reports how long that
 * program took, so the engine can tell compile time from Nix's overhead.
 *
 *   nixmake-builder [OP...] -- PROGRAM [ARG...]
 *
 *   --mkdir DIR           create DIR and its parents (like mkdir -p)
 *   --ln TARGET LINK      create the symbolic link LINK -> TARGET, and
 *                         LINK's parent folders
 *   --cd DIR              change the working folder
 *   --workdir DIR         make DIR the working folder, backed by the
 *                         sandbox's private tmpfs when it has one: DIR
 *                         becomes a symbolic link to /dev/shm/nixmake, and
 *                         PWD (which GCC prefers to getcwd) names DIR, and
 *                         TMPDIR the tmpfs, for the program's temporary
 *                         files. Without a writable /dev/shm DIR is a
 *                         plain folder. When the program fails, the tree
 *                         is copied back to DIR (so that a build kept with
 *                         --keep-failed holds it). Why: every file, folder and link a
 *                         build creates on the build folder's disk costs an
 *                         inode there, and on ext4 allocating inodes in a
 *                         folder that builds create and delete all the time
 *                         was the helper's whole cost (perf: 5 ms per
 *                         object for 31 links); on tmpfs it is free.
 *   --objects DIR N P...  for each of the N store paths P (objects), create
 *                         DIR/<k>/<name> -> P, where <name> is P's name
 *                         without its hash, so archive members and linker
 *                         messages get readable names; the program argument
 *                         @nixmake-objects@ stands for those links, in order
 *                         (one argument each). Store paths are not listed
 *                         twice, so a link of 10,000 objects stays well
 *                         under the kernel's argument limit.
 *   --stdout FILE         the program's standard output goes to FILE
 *                         (created, parents too; for a generator such as
 *                         `gen > table.h`)
 *   --collect FROM TO     after the program succeeded, copy the regular
 *                         file FROM (relative to the working folder) to TO
 *                         (parents created); a FROM the program did not
 *                         write fails the build, naming it. How a
 *                         generator's outputs reach $out
 *
 * Operations run in the order given (--collect after the program). PROGRAM is run with its arguments as
 * they are (no shell, no PATH search unless PROGRAM has no slash); its exit
 * status becomes ours. On the standard error it then prints one line
 *
 *   @nixmake run_ms=<milliseconds> status=<exit status>
 *
 * which nixmake takes out of the log it shows. It does not read
 * environment variables (it sets PWD and TMPDIR for --workdir), does not
 * copy files and does not interpret the program's arguments.
 *
 * Built statically by a derivation of its own (engine/derivations.ts), so it
 * needs nothing at run time.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what, const char *path) {
  fprintf(stderr, "nixmake-builder: %s %s: %s\n", what, path, strerror(errno));
  exit(1);
}

/* mkdir -p: every prefix of PATH ending at a slash, then PATH itself. */
static void make_dirs(const char *path) {
  size_t n = strlen(path);
  char *buf = malloc(n + 1);
  if (!buf) die("out of memory for", path);
  memcpy(buf, path, n + 1);
  for (size_t i = 1; i <= n; i++) {
    if (buf[i] == '/' || buf[i] == '\0') {
      char c = buf[i];
      buf[i] = '\0';
      if (mkdir(buf, 0755) != 0 && errno != EEXIST) die("cannot create folder", buf);
      buf[i] = c;
    }
  }
  free(buf);
}

static void make_parent(const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash || slash == path) return;
  size_t n = (size_t)(slash - path);
  char *dir = malloc(n + 1);
  if (!dir) die("out of memory for", path);
  memcpy(dir, path, n);
  dir[n] = '\0';
  make_dirs(dir);
  free(dir);
}

static const char shm[] = "/dev/shm/nixmake";
/* The folder --workdir made a symbolic link to the tmpfs, if it did. */
static const char *workdir_link = NULL;

/* Copies the tree at FROM (folders, symbolic links, files) to TO, which must not exist. */
static void copy_tree(const char *from, const char *to) {
  struct stat st;
  if (lstat(from, &st) != 0) return;
  if (S_ISLNK(st.st_mode)) {
    char target[4096];
    ssize_t n = readlink(from, target, sizeof target - 1);
    if (n < 0) return;
    target[n] = '\0';
    if (symlink(target, to) != 0) return;
  } else if (S_ISDIR(st.st_mode)) {
    if (mkdir(to, 0755) != 0) return;
    DIR *d = opendir(from);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
      if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
      size_t a = strlen(from) + strlen(e->d_name) + 2, b = strlen(to) + strlen(e->d_name) + 2;
      char *f = malloc(a), *t = malloc(b);
      if (f && t) {
        snprintf(f, a, "%s/%s", from, e->d_name);
        snprintf(t, b, "%s/%s", to, e->d_name);
        copy_tree(f, t);
      }
      free(f);
      free(t);
    }
    closedir(d);
  } else if (S_ISREG(st.st_mode)) {
    int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_EXCL, st.st_mode & 0777);
    char buf[65536];
    ssize_t n;
    while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof buf)) > 0) {
      if (write(out, buf, (size_t)n) != n) break;
    }
    if (in >= 0) close(in);
    if (out >= 0) close(out);
  }
}

/*
 * After a failure, the tree on the tmpfs (which goes with the sandbox) is
 * copied to where --workdir pointed, so that a build kept with
 * --keep-failed holds its sources as it would without the tmpfs.
 */
static void keep_workdir(void) {
  if (!workdir_link) return;
  if (chdir("/") != 0 || unlink(workdir_link) != 0) return;
  copy_tree(shm, workdir_link);
}

static void enter_workdir(const char *dir) {
  int on_tmpfs = mkdir(shm, 0700) == 0;
  if (on_tmpfs) {
    make_parent(dir);
    if (symlink(shm, dir) != 0) die("cannot create link", dir);
    workdir_link = dir;
  } else {
    make_dirs(dir);
  }
  if (chdir(dir) != 0) die("cannot enter folder", dir);
  if (setenv("PWD", dir, 1) != 0) die("cannot set PWD for", dir);
  if (on_tmpfs && setenv("TMPDIR", shm, 1) != 0) die("cannot set TMPDIR for", dir);
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* A store path's name: its last component without the 32-character hash and the dash. */
static const char *store_name(const char *p) {
  const char *base = strrchr(p, '/');
  base = base ? base + 1 : p;
  return strlen(base) > 33 && base[32] == '-' ? base + 33 : base;
}

/* Copies the regular file FROM to TO (parents created), keeping its executable bits; fails the build otherwise. */
static int collect(const char *from, const char *to) {
  struct stat st;
  if (lstat(from, &st) != 0 || !S_ISREG(st.st_mode)) {
    fprintf(stderr, "nixmake-builder: the program did not write %s (an output it is declared to make)\n", from);
    return 1;
  }
  make_parent(to);
  int in = open(from, O_RDONLY);
  if (in < 0) die("cannot read", from);
  int out = open(to, O_WRONLY | O_CREAT | O_EXCL, (st.st_mode & 0111) ? 0755 : 0644);
  if (out < 0) die("cannot create", to);
  char buf[65536];
  ssize_t n;
  while ((n = read(in, buf, sizeof buf)) > 0) {
    if (write(out, buf, (size_t)n) != n) die("cannot write", to);
  }
  if (n < 0) die("cannot read", from);
  close(in);
  if (close(out) != 0) die("cannot write", to);
  return 0;
}

int main(int argc, char **argv) {
  char **objects = NULL;
  size_t n_objects = 0;
  const char *stdout_file = NULL;
  /* --collect pairs, done after the program. */
  const char **collects = NULL;
  size_t n_collects = 0;
  int i = 1;
  for (; i < argc; i++) {
    const char *op = argv[i];
    if (strcmp(op, "--") == 0) {
      i++;
      break;
    } else if (strcmp(op, "--mkdir") == 0 && i + 1 < argc) {
      make_dirs(argv[++i]);
    } else if (strcmp(op, "--ln") == 0 && i + 2 < argc) {
      const char *target = argv[++i];
      const char *link = argv[++i];
      make_parent(link);
      if (symlink(target, link) != 0) die("cannot create link", link);
    } else if (strcmp(op, "--objects") == 0 && i + 2 < argc) {
      const char *dir = argv[++i];
      long n = strtol(argv[++i], NULL, 10);
      if (n < 0 || n > argc - i - 1) {
        fprintf(stderr, "nixmake-builder: bad object count %s\n", argv[i]);
        return 2;
      }
      objects = realloc(objects, (n_objects + (size_t)n) * sizeof *objects);
      if (!objects) die("out of memory for", dir);
      for (long k = 0; k < n; k++) {
        const char *target = argv[++i];
        size_t len = strlen(dir) + strlen(store_name(target)) + 32;
        char *link = malloc(len);
        if (!link) die("out of memory for", target);
        snprintf(link, len, "%s/%zu/%s", dir, n_objects, store_name(target));
        make_parent(link);
        if (symlink(target, link) != 0) die("cannot create link", link);
        objects[n_objects++] = link;
      }
    } else if (strcmp(op, "--workdir") == 0 && i + 1 < argc) {
      enter_workdir(argv[++i]);
    } else if (strcmp(op, "--stdout") == 0 && i + 1 < argc) {
      stdout_file = argv[++i];
    } else if (strcmp(op, "--collect") == 0 && i + 2 < argc) {
      collects = realloc(collects, (n_collects + 2) * sizeof *collects);
      if (!collects) die("out of memory for", argv[i + 1]);
      collects[n_collects++] = argv[++i];
      collects[n_collects++] = argv[++i];
    } else if (strcmp(op, "--cd") == 0 && i + 1 < argc) {
      if (chdir(argv[++i]) != 0) die("cannot enter folder", argv[i]);
    } else {
      fprintf(stderr, "nixmake-builder: bad argument %s\n", op);
      return 2;
    }
  }
  if (i >= argc) {
    fprintf(stderr, "nixmake-builder: no program after --\n");
    return 2;
  }
  /* The program's argv, with @nixmake-objects@ expanded. */
  size_t n_args = 0;
  for (int k = i; k < argc; k++) n_args += strcmp(argv[k], "@nixmake-objects@") == 0 ? n_objects : 1;
  char **args = malloc((n_args + 1) * sizeof *args);
  if (!args) die("out of memory for", argv[i]);
  size_t a = 0;
  for (int k = i; k < argc; k++) {
    if (strcmp(argv[k], "@nixmake-objects@") == 0) {
      for (size_t o = 0; o < n_objects; o++) args[a++] = objects[o];
    } else {
      args[a++] = argv[k];
    }
  }
  args[a] = NULL;
  fflush(stderr);
  double t0 = now_ms();
  pid_t pid = fork();
  if (pid < 0) die("cannot fork for", argv[i]);
  if (pid == 0) {
    if (stdout_file) {
      make_parent(stdout_file);
      int fd = open(stdout_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd < 0 || dup2(fd, 1) < 0) {
        fprintf(stderr, "nixmake-builder: cannot write %s: %s\n", stdout_file, strerror(errno));
        _exit(127);
      }
      close(fd);
    }
    execvp(args[0], args);
    fprintf(stderr, "nixmake-builder: cannot run %s: %s\n", argv[i], strerror(errno));
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) die("cannot wait for", argv[i]);
  }
  double ms = now_ms() - t0;
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  for (size_t c = 0; code == 0 && c < n_collects; c += 2) code = collect(collects[c], collects[c + 1]);
  if (code != 0) keep_workdir();
  fprintf(stderr, "@nixmake run_ms=%.3f status=%d\n", ms, code);
  return code;
}
