/* `syswall-helper exec`: an exec trampoline.
 *
 *   syswall-helper exec [--fd N | PROG.bpf] [--strict] [--no-nnp] [--flags N]
 *                       [--listener-sock FD] [--report-fd FD] -- CMD [ARGS...]
 *
 * Reads a compiled program (raw struct sock_filter[] in this machine's byte
 * order) from an inherited fd or a file, sets no_new_privs, installs the filter
 * with seccomp(SECCOMP_SET_MODE_FILTER), optionally passes the notification
 * listener fd back over a unix socket (SCM_RIGHTS), then execve()s CMD (PATH is
 * searched as execvp does). It never runs CMD unless the filter is installed:
 * every failure before exec exits without exec'ing (fail closed).
 *
 * Exit codes of the helper itself (when CMD never ran):
 *   125  usage error or a setup failure (reading the program, no_new_privs,
 *        seccomp(2), passing the listener)
 *   126  CMD was found but could not be executed (EACCES, ENOEXEC, EPERM, ...)
 *   127  CMD was not found (ENOENT, ENOTDIR)
 * With --report-fd FD the helper marks FD close-on-exec; a successful exec
 * closes it silently, a failure writes one line "STAGE\tERRNAME\tMESSAGE\n" to
 * it first, so the parent can tell "could not exec" from "exited 126/127".
 *
 * --strict: SECCOMP_MODE_STRICT itself cannot be entered before execve, since
 * strict mode forbids execve. The helper instead installs a filter equivalent
 * to strict mode (the syscalls the kernel's strict mode allows: read, write,
 * exit, rt_sigreturn/sigreturn, for the native and the compat arch; anything
 * else is SECCOMP_RET_KILL_PROCESS), which also allows exactly one execve: the
 * helper's own call, recognised by its three pointer arguments (path, argv,
 * envp) compared in full. Differences from the kernel's strict mode: a
 * violation raises SIGSYS (seccomp kill) instead of SIGKILL, and the program
 * stays in filter mode (/proc/PID/status shows Seccomp: 2). As with the real
 * strict mode, only programs that make no other syscall survive: the dynamic
 * loader and libc start-up make many, so in practice the target must be a
 * static program written for strict mode.
 *
 * After the filter is installed the helper makes only these syscalls, which a
 * policy must allow: sendmsg and close (with --listener-sock), execve, and on
 * failure write and exit_group (exit in --strict).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include "helper.h"

#define EXIT_SETUP 125
#define EXIT_CANNOT_EXEC 126
#define EXIT_NOT_FOUND 127
#define MAX_INSNS 4096

extern char **environ;

static int report_fd = -1;
static int use_sys_exit = 0; /* --strict after install: only exit(2) is allowed */

static void usage(FILE *f) {
  fputs("Usage: syswall-helper exec [--fd N | PROG.bpf] [OPTIONS] -- CMD [ARGS...]\n"
        "Installs a seccomp filter, then executes CMD under it (fails closed).\n"
        "\n"
        "  PROG.bpf            read the program (raw struct sock_filter[], native byte order) from a file\n"
        "  --fd N              read the program from inherited fd N until EOF (then close it)\n"
        "  --strict            a strict-mode equivalent: only read, write, exit, rt_sigreturn (no program)\n"
        "  --no-nnp            do not set no_new_privs (needs CAP_SYS_ADMIN)\n"
        "  --flags N           SECCOMP_FILTER_FLAG_* bits for seccomp(2) (decimal or 0x hex)\n"
        "  --listener-sock FD  add SECCOMP_FILTER_FLAG_NEW_LISTENER and send the listener fd\n"
        "                      over unix socket FD (SCM_RIGHTS) before exec\n"
        "  --report-fd FD      on failure write \"STAGE\\tERRNAME\\tMESSAGE\\n\" to FD (close-on-exec)\n"
        "\n"
        "Exit codes when CMD did not run: 125 setup failure, 126 cannot execute, 127 not found.\n"
        "Example: syswall-helper exec prog.bpf -- /bin/true\n", f);
}

static const char *errno_name(int e) {
  if (e == 0) return "-";
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
  const char *n = strerrorname_np(e);
  if (n) return n;
#endif
  return "EUNKNOWN";
}

static void write_all(int fd, const char *s, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, s, n);
    if (w < 0) { if (errno == EINTR) continue; return; }
    s += w; n -= (size_t)w;
  }
}

static void leave(int code) {
  if (use_sys_exit) syscall(SYS_exit, code);
  _exit(code);
}

/* Reports a failure (to --report-fd if given, else to stderr) and exits.
 * Uses only snprintf, strerror and write, so it is safe after the filter is
 * installed (in strict mode only write and exit are allowed). */
static void fail(int code, const char *stage, int err, const char *fmt, const char *arg) {
  char msg[1024], line[1200];
  int n = snprintf(msg, sizeof msg, fmt, arg ? arg : "");
  if (n < 0) msg[0] = 0;
  if (err) {
    size_t len = strlen(msg);
    snprintf(msg + len, sizeof msg - len, ": %s", strerror(err));
  }
  if (report_fd >= 0) {
    n = snprintf(line, sizeof line, "%s\t%s\t%s\n", stage, errno_name(err), msg);
    if (n > 0) write_all(report_fd, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
  } else {
    n = snprintf(line, sizeof line, "syswall-helper: %s\n", msg);
    if (n > 0) write_all(2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
  }
  leave(code);
}

static int parse_int(const char *s, long max, long *out) {
  char *end;
  if (!s || !*s) return -1;
  errno = 0;
  long v = strtol(s, &end, 0);
  if (errno || *end || v < 0 || v > max) return -1;
  *out = v;
  return 0;
}

/* Reads the whole program from fd into buf; returns its length or -errno. */
static ssize_t read_program(int fd, unsigned char *buf, size_t cap) {
  size_t len = 0;
  for (;;) {
    if (len == cap) return -E2BIG;
    ssize_t r = read(fd, buf + len, cap - len);
    if (r < 0) { if (errno == EINTR) continue; return -errno; }
    if (r == 0) return (ssize_t)len;
    len += (size_t)r;
  }
}

/* Resolves CMD as execvp does (PATH search when it has no '/'). Returns 0 or an errno. */
static int resolve_command(const char *cmd, char *out, size_t cap) {
  if (!*cmd) return ENOENT;
  if (strchr(cmd, '/')) {
    if (strlen(cmd) >= cap) return ENAMETOOLONG;
    strcpy(out, cmd);
    return 0;
  }
  const char *path = getenv("PATH");
  if (!path) path = "/usr/local/bin:/bin:/usr/bin";
  int seen_eacces = 0;
  size_t clen = strlen(cmd);
  for (const char *p = path;; ) {
    const char *colon = strchr(p, ':');
    size_t dlen = colon ? (size_t)(colon - p) : strlen(p);
    const char *dir = dlen ? p : ".";
    if (!dlen) dlen = 1;
    if (dlen + 1 + clen < cap) {
      memcpy(out, dir, dlen);
      out[dlen] = '/';
      memcpy(out + dlen + 1, cmd, clen + 1);
      struct stat st;
      if (stat(out, &st) == 0 && S_ISREG(st.st_mode)) {
        if (access(out, X_OK) == 0) return 0;
        seen_eacces = 1;
      }
    }
    if (!colon) break;
    p = colon + 1;
  }
  return seen_eacces ? EACCES : ENOENT;
}

/* ---- the strict-mode equivalent filter ---------------------------------- */

#if defined(__x86_64__) && !defined(__ILP32__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#define COMPAT_ARCH AUDIT_ARCH_I386
static const uint32_t compat_nrs[] = {3, 4, 1, 119, 173}; /* read write exit sigreturn rt_sigreturn */
#elif defined(__aarch64__) && !defined(__ILP32__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#define COMPAT_ARCH AUDIT_ARCH_ARM
static const uint32_t compat_nrs[] = {3, 4, 1, 119, 173};
#elif defined(__i386__)
#define NATIVE_ARCH AUDIT_ARCH_I386
#elif defined(__arm__) && defined(__ARMEL__)
#define NATIVE_ARCH AUDIT_ARCH_ARM
#elif defined(__riscv) && __riscv_xlen == 64
#define NATIVE_ARCH AUDIT_ARCH_RISCV64
#endif

#ifdef NATIVE_ARCH
static const uint32_t native_nrs[] = {
  __NR_read, __NR_write, __NR_exit, __NR_rt_sigreturn,
#ifdef __NR_sigreturn
  __NR_sigreturn,
#endif
};
#endif

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i) + (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? 0 : 4))
#define ARG_HI(i) (offsetof(struct seccomp_data, args) + 8 * (i) + (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? 4 : 0))

/* Builds the strict-equivalent program into out; returns its length, or 0 when
 * this arch is not supported. The exec arguments are the helper's own execve
 * pointers. Layout (every jump is forward):
 *   ld arch; jeq NATIVE ? native : (jeq COMPAT ? compat : kill)
 *   native: ld nr; jeq each allowed nr -> allow; jeq execve -> execchk; kill
 *   execchk: for each of 6 words: ld word; jne value -> kill; allow
 *   compat: ld nr; jeq each -> allow; kill
 *   allow / kill */
static size_t build_strict(struct sock_filter *out, const void *path, char *const *argv, char *const *envp) {
#ifndef NATIVE_ARCH
  (void)out; (void)path; (void)argv; (void)envp;
  return 0;
#else
  size_t n = 0;
  const size_t nn = N_ELEMS(native_nrs);
#ifdef COMPAT_ARCH
  const size_t nc = N_ELEMS(compat_nrs);
#else
  const size_t nc = 0;
#endif
  uint64_t words[3] = {(uint64_t)(uintptr_t)path, (uint64_t)(uintptr_t)argv, (uint64_t)(uintptr_t)envp};
  /* section sizes */
  const size_t native_len = 1 + nn + 1 + 1;            /* ld nr, jeqs, jeq execve, kill */
  const size_t exec_len = 3 * 4 + 1;                   /* 3 args x (ld lo, jeq, ld hi, jeq), ja allow */
  const size_t compat_len = nc ? 1 + nc + 1 : 0;       /* ld nr, jeqs, kill */
  /* absolute positions */
  const size_t head_len = nc ? 3 : 2;                  /* ld arch, jeq native, [jeq compat] */
  const size_t native_at = head_len + 1;               /* +1: kill for unknown arch */
  const size_t exec_at = native_at + native_len;
  const size_t compat_at = exec_at + exec_len;
  const size_t allow_at = compat_at + compat_len;
  const size_t kill_at = allow_at + 1;
#define J(at, target_t, target_f, k) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (uint8_t)((target_t) - (at) - 1), (uint8_t)((target_f) - (at) - 1))
  out[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
  out[n] = (struct sock_filter)J(n, native_at, n + 1, NATIVE_ARCH); n++;
#ifdef COMPAT_ARCH
  out[n] = (struct sock_filter)J(n, compat_at, n + 1, COMPAT_ARCH); n++;
#endif
  out[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
  /* native */
  out[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
  for (size_t i = 0; i < nn; i++) { out[n] = (struct sock_filter)J(n, allow_at, n + 1, native_nrs[i]); n++; }
  out[n] = (struct sock_filter)J(n, exec_at, n + 1, __NR_execve); n++;
  out[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
  /* exec check */
  for (int i = 0; i < 3; i++) {
    out[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(i));
    out[n] = (struct sock_filter)J(n, n + 1, kill_at, (uint32_t)words[i]); n++;
    out[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_HI(i));
    out[n] = (struct sock_filter)J(n, n + 1, kill_at, (uint32_t)(words[i] >> 32)); n++;
  }
  out[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA | BPF_K, (uint32_t)(allow_at - n - 1), 0, 0); n++;
#ifdef COMPAT_ARCH
  out[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
  for (size_t i = 0; i < nc; i++) { out[n] = (struct sock_filter)J(n, allow_at, n + 1, compat_nrs[i]); n++; }
  out[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
#endif
  out[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  out[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
#undef J
  (void)kill_at;
  return n;
#endif
}

/* Sends fd over the unix socket sock with a one-byte payload. Returns 0 or an errno. */
static int send_fd(int sock, int fd) {
  char byte = 'L';
  struct iovec iov = {.iov_base = &byte, .iov_len = 1};
  union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } ctl;
  memset(&ctl, 0, sizeof ctl);
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof(int));
  for (;;) {
    ssize_t r = sendmsg(sock, &msg, MSG_NOSIGNAL);
    if (r == 1) return 0;
    if (r < 0 && errno == EINTR) continue;
    return r < 0 ? errno : EPIPE;
  }
}

static long parse_fd_opt(const char *name, const char *val) {
  long v;
  if (parse_int(val, INT_MAX, &v) < 0) fail(EXIT_SETUP, "usage", 0, "%s", name);
  if (fcntl((int)v, F_GETFD) < 0) fail(EXIT_SETUP, "usage", errno, "%s: fd is not open", name);
  return v;
}

int sw_helper_exec(int argc, char **argv) {
  const char *prog_file = NULL;
  long prog_fd = -1, listener_sock = -1, flags = 0;
  int strict = 0, nnp = 1, i;

  /* --report-fd first, so that usage errors go to it too. */
  for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
    if (!strcmp(argv[i], "--report-fd") && i + 1 < argc) {
      long v;
      if (parse_int(argv[i + 1], INT_MAX, &v) == 0 && fcntl((int)v, F_SETFD, FD_CLOEXEC) == 0) report_fd = (int)v;
    }
  }
  for (i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--")) { i++; break; }
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) { usage(stdout); return 0; }
    if (!strcmp(a, "--strict")) { strict = 1; continue; }
    if (!strcmp(a, "--no-nnp")) { nnp = 0; continue; }
    if (!strcmp(a, "--fd") || !strcmp(a, "--flags") || !strcmp(a, "--listener-sock") || !strcmp(a, "--report-fd")) {
      if (i + 1 >= argc) fail(EXIT_SETUP, "usage", 0, "option %s needs a value", a);
      const char *v = argv[++i];
      if (!strcmp(a, "--fd")) prog_fd = parse_fd_opt("--fd expects an open file descriptor number", v);
      else if (!strcmp(a, "--listener-sock")) listener_sock = parse_fd_opt("--listener-sock expects an open unix socket fd", v);
      else if (!strcmp(a, "--flags")) { if (parse_int(v, 0xffffffffL, &flags) < 0) fail(EXIT_SETUP, "usage", 0, "--flags expects a number (decimal or 0x hex), got \"%s\"", v); }
      else if (report_fd < 0) fail(EXIT_SETUP, "usage", 0, "--report-fd expects an open file descriptor number, got \"%s\"", v);
      continue;
    }
    if (a[0] == '-' && a[1]) fail(EXIT_SETUP, "usage", 0, "unknown option \"%s\" (see syswall-helper exec --help)", a);
    if (prog_file || prog_fd >= 0) fail(EXIT_SETUP, "usage", 0, "unexpected argument \"%s\": give one program (PROG.bpf or --fd N), then -- CMD", a);
    prog_file = a;
  }
  if (i >= argc) fail(EXIT_SETUP, "usage", 0, "missing command: syswall-helper exec [--fd N | PROG.bpf] [OPTIONS] -- CMD [ARGS...]%s", "");
  char **cmd_argv = argv + i;
  if (strict && (prog_file || prog_fd >= 0)) fail(EXIT_SETUP, "usage", 0, "--strict takes no program (it installs its own strict-mode filter)%s", "");
  if (strict && (listener_sock >= 0 || flags)) fail(EXIT_SETUP, "usage", 0, "--strict cannot be combined with --flags or --listener-sock%s", "");
  if (!strict && !prog_file && prog_fd < 0) fail(EXIT_SETUP, "usage", 0, "missing program: give PROG.bpf, --fd N or --strict%s", "");

  /* 1. Read the program. */
  static struct sock_filter insns[MAX_INSNS];
  unsigned short count = 0;
  if (!strict) {
    int fd = (int)prog_fd;
    if (prog_file) {
      fd = open(prog_file, O_RDONLY | O_CLOEXEC);
      if (fd < 0) fail(EXIT_SETUP, "program", errno, "cannot open program %s", prog_file);
    }
    ssize_t len = read_program(fd, (unsigned char *)insns, sizeof insns);
    close(fd);
    const char *src = prog_file ? prog_file : "the program fd";
    if (len == -E2BIG) fail(EXIT_SETUP, "program", E2BIG, "%s is larger than 4096 instructions (32768 bytes)", src);
    if (len < 0) fail(EXIT_SETUP, "program", (int)-len, "cannot read %s", src);
    if (len == 0) fail(EXIT_SETUP, "program", EINVAL, "%s is empty: expected raw struct sock_filter[] (8 bytes per instruction)", src);
    if (len % 8) fail(EXIT_SETUP, "program", EINVAL, "%s is not a multiple of 8 bytes: expected raw struct sock_filter[]", src);
    count = (unsigned short)(len / 8);
  }

  /* 2. Resolve the command before anything irreversible. */
  static char path[PATH_MAX];
  int err = resolve_command(cmd_argv[0], path, sizeof path);
  if (err) fail(err == EACCES ? EXIT_CANNOT_EXEC : EXIT_NOT_FOUND, "exec", err, "cannot exec %s", cmd_argv[0]);

  /* 3. no_new_privs. */
  if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail(EXIT_SETUP, "nnp", errno, "cannot set no_new_privs%s", "");

  /* 4. Install the filter. */
  char **envp = environ;
  if (strict) {
    count = (unsigned short)build_strict(insns, path, cmd_argv, envp);
    if (!count) fail(EXIT_SETUP, "seccomp", ENOSYS, "--strict is not supported on this architecture%s", "");
  }
  struct sock_fprog fprog = {.len = count, .filter = insns};
  unsigned int sflags = (unsigned int)flags;
  if (listener_sock >= 0) sflags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
  long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, sflags, &fprog);
  if (rc < 0) {
    int e = errno;
    if (e == EACCES && !nnp)
      fail(EXIT_SETUP, "seccomp", e, "installing a filter without no_new_privs (--no-nnp) needs CAP_SYS_ADMIN%s", "");
    if (e == EINVAL) {
      char fl[32];
      snprintf(fl, sizeof fl, "0x%x", sflags);
      fail(EXIT_SETUP, "seccomp", e, "the kernel rejected the filter (an invalid program, or flags %s it does not support)", fl);
    }
    fail(EXIT_SETUP, "seccomp", e, "seccomp(SECCOMP_SET_MODE_FILTER) failed%s", "");
  }
  if (strict) use_sys_exit = 1;

  /* 5. Pass the listener back. */
  if (listener_sock >= 0) {
    int lfd = (int)rc;
    int e = send_fd((int)listener_sock, lfd);
    if (e) fail(EXIT_SETUP, "listener", e, "cannot send the listener fd%s", "");
    close(lfd);
    close((int)listener_sock);
  }

  /* 6. Exec. The filter applies to this execve too. */
  execve(path, cmd_argv, envp);
  err = errno;
  fail(err == ENOENT || err == ENOTDIR ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC, "exec", err, "cannot exec %s", cmd_argv[0]);
  return EXIT_SETUP;
}
