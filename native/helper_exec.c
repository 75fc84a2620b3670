/* `syswall-helper exec`: the sandbox launcher.
 *
 *   syswall-helper exec [--fd N | PROG.bpf] [--guard N] [--strict] [--no-nnp] [--flags N]
 *                       [--listener-sock FD] [--report-fd FD]
 *                       [--isolate auto|require|none] [--parent-pid PID]
 *                       -- CMD [ARGS...]
 *
 * Three processes, so that nothing the command can reach is outside its filter
 * (docs/security.md has the threat model):
 *
 *   launcher (this process, started by Node): reads the program, makes itself
 *     non-dumpable and dies with its parent (PR_SET_PDEATHSIG), creates the
 *     "init" in new PID and mount namespaces (and a user namespace when it
 *     lacks CAP_SYS_ADMIN), relays signals to it, and finally exits exactly
 *     as the command did (same exit code, or the same signal).
 *   init (pid 1 of the new PID namespace): replaces every /proc with a fresh
 *     one (the host's processes, syswall's included, cannot be named from
 *     inside), forks the command, takes the user-notification listener from it
 *     when one is wanted (below), then locks itself down with a filter of its
 *     own (wait, signal the command, report its status, exit) and reaps.
 *     When it exits the kernel kills everything left in the namespace; it dies
 *     with the launcher.
 *   command (pid 2): resets signals, drops CAP_SYS_PTRACE, closes every fd but
 *     stdio, sets no_new_privs, installs the guard (with --guard) and the
 *     filter, execs CMD.
 *
 * --guard N: the first N instructions read are a program of their own, the
 * guard (src/node/isolation.ts, sandboxGuard), installed as a filter before
 * the policy's program and never with a listener. The kernel runs every
 * installed filter and keeps the most restrictive answer, so the guard can
 * only make the policy stricter, and it takes no room from the policy's
 * 4,096 instructions.
 *
 * The listener (SECCOMP_FILTER_FLAG_NEW_LISTENER, with --listener-sock) is
 * handed over without the command making any syscall for it: the command
 * stops itself under ptrace(PTRACE_TRACEME) before installing the filter; the
 * init steps it through seccomp(2), copies the listener out of it with
 * pidfd_getfd(2) at the syscall-exit stop, sends it to Node over
 * --listener-sock, and only then detaches. So the installed program decides
 * exactly as the policy for the whole life of the command: no exemption for
 * our plumbing. (The listener fd itself is close-on-exec in the command.)
 *
 * Without namespaces (--isolate none, or auto on a host that refuses them)
 * the same three processes run in the caller's namespaces: the launcher and
 * the init are non-dumpable and the command has no CAP_SYS_PTRACE, so it can
 * neither trace nor write them; the caller is told (docs/security.md).
 *
 * It never runs CMD unless the filter is installed: every failure before exec
 * exits without exec'ing (fail closed).
 *
 * Exit codes of the helper itself (when CMD never ran):
 *   125  usage error or a setup failure
 *   126  CMD was found but could not be executed (EACCES, ENOEXEC, EPERM, ...)
 *   127  CMD was not found (ENOENT, ENOTDIR)
 * With --report-fd FD, FD is close-on-exec everywhere; the parent reads lines
 *   "fail\tSTAGE\tERRNO\tMESSAGE"  the command never ran (ERRNO is a number)
 *   "pid\tPID"                     the command's pid in the parent's namespace
 *   "isolation\tnone\tERRNO"       auto mode fell back to no namespaces
 * and end of file once the command was exec'd (or died trying).
 *
 * --report-exec NODE SCRIPT CONTEXT (with --isolate require): `syswall run` exec's this helper in
 *   place of its own Node process (src/node/exec-in-place.ts), so nobody is
 *   left to read a report fd. The launcher then does not die with its parent
 *   (it is the process the caller waits for), leaves the job-control stops
 *   (SIGTSTP, SIGTTIN, SIGTTOU) at their default so that it stops with the
 *   command's process group, and ends in one of two ways: exit 0 when the
 *   command exited 0, or else, once the whole sandbox is gone, it exec's
 *     NODE SCRIPT CONTEXT exit CODE PID     the command exited CODE (not 0)
 *     NODE SCRIPT CONTEXT signal SIG PID    a signal killed it
 *     NODE SCRIPT CONTEXT fail STAGE ERRNO MESSAGE   it never ran
 *   and that script says what happened, as `syswall run` does, and exits.
 *   CONTEXT is opaque here. With --report-exit TEXT, a non-zero exit is
 *   reported without Node: TEXT is written to stderr (empty: nothing), every
 *   "{code}" in it replaced by the exit code, and the launcher exits with it
 *   (a second Node start would cost more than the whole run).
 *
 * --strict: SECCOMP_MODE_STRICT itself cannot be entered before execve, since
 * strict mode forbids execve. The helper instead installs a filter equivalent
 * to strict mode (read, write, exit, rt_sigreturn/sigreturn, for the native and
 * the compat arch; anything else is SECCOMP_RET_KILL_PROCESS), which also
 * allows exactly one execve: the helper's own call, recognised by its three
 * pointer arguments compared in full. Differences from the kernel's strict
 * mode: a violation raises SIGSYS instead of SIGKILL, and /proc/PID/status
 * shows Seccomp: 2. Only static programs written for strict mode survive it.
 *
 * After the filter is installed the command process makes only execve, and on
 * failure write and exit_group (exit in --strict).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include "helper.h"
#include "syswall_generated.h"

#define EXIT_SETUP 125
#define EXIT_CANNOT_EXEC 126
#define EXIT_NOT_FOUND 127

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_LOWER 3
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef CLONE_NEWUSER
#define CLONE_NEWUSER 0x10000000
#endif
#ifndef CLONE_NEWPID
#define CLONE_NEWPID 0x20000000
#endif
#define SW_PTRACE_GET_SYSCALL_INFO 0x420e
#define SW_SYSCALL_INFO_ENTRY 1
#define SW_SYSCALL_INFO_EXIT 2
#define SW_O_TRACESYSGOOD 0x01
#define SW_O_EXITKILL 0x100000

enum isolate_mode { ISOLATE_AUTO, ISOLATE_REQUIRE, ISOLATE_NONE };

extern char **environ;

static int report_fd = -1;
static char **report_exec = NULL;  /* --report-exec: NODE SCRIPT CONTEXT */
static const char *report_exit = NULL; /* --report-exit TEXT: a non-zero exit is reported by this line, not by NODE */
static int is_launcher = 1;        /* 0 in the init and the command */
static int use_sys_exit = 0; /* --strict after install: only exit(2) is allowed */

static void usage(FILE *f) {
  fputs("Usage: syswall-helper exec [--fd N | PROG.bpf] [OPTIONS] -- CMD [ARGS...]\n"
        "Installs a seccomp filter, then executes CMD under it (fails closed), in its own\n"
        "PID and mount namespaces (see docs/security.md).\n"
        "\n"
        "  PROG.bpf            read the program (raw struct sock_filter[], native byte order) from a file\n"
        "  --fd N              read the program from inherited fd N until EOF (then close it)\n"
        "  --guard N           the first N instructions read are a separate filter, installed first\n"
        "  --strict            a strict-mode equivalent: only read, write, exit, rt_sigreturn (no program)\n"
        "  --no-nnp            do not set no_new_privs (needs CAP_SYS_ADMIN)\n"
        "  --flags N           SECCOMP_FILTER_FLAG_* bits for seccomp(2) (decimal or 0x hex)\n"
        "  --listener-sock FD  add SECCOMP_FILTER_FLAG_NEW_LISTENER and send the listener fd\n"
        "                      over unix socket FD (SCM_RIGHTS) before CMD runs\n"
        "  --report-fd FD      report to FD (close-on-exec): \"fail\\tSTAGE\\tERRNO\\tMESSAGE\",\n"
        "                      \"pid\\tPID\"; end of file once CMD was exec'd\n"
        "  --isolate MODE      auto (default: namespaces where the host allows them),\n"
        "                      require (fail closed without them), none\n"
        "  --parent-pid PID    exit at once unless PID is still this process's parent\n"
        "  --report-exec NODE SCRIPT CONTEXT\n"
        "                      unless CMD exits 0, end by exec'ing NODE SCRIPT CONTEXT\n"
        "                      exit|signal|fail ... (in place of syswall run; see helper_exec.c)\n"
        "  --report-exit TEXT  with --report-exec: a non-zero exit writes TEXT (\"{code}\": the\n"
        "                      exit code) to stderr and exits with it, without NODE\n"
        "\n"
        "Exit codes when CMD did not run: 125 setup failure, 126 cannot execute, 127 not found.\n"
        "Otherwise the exit status (or the signal) is CMD's.\n"
        "Example: syswall-helper exec prog.bpf -- /bin/true\n", f);
}

static void write_all(int fd, const char *s, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, s, n);
    if (w < 0) { if (errno == EINTR) continue; return; }
    s += w; n -= (size_t)w;
  }
}

/* Ends the process; after a filter that may deny exit_group, tries exit, then
 * a fault (never returns). */
static void leave(int code) {
  if (!use_sys_exit) syscall(SYS_exit_group, code);
  syscall(SYS_exit, code);
  __builtin_trap();
}

/* Reports a failure (to --report-fd if given, else to stderr) and exits. Uses
 * only snprintf, strerror and write, so it works after the filter is
 * installed (in strict mode only write and exit are allowed). */
static void exec_report(const char *kind, const char *a, const char *b, const char *c, int code);

static void fail(int code, const char *stage, int err, const char *fmt, const char *arg) {
  char msg[1024], line[1200];
  int n = snprintf(msg, sizeof msg, fmt, arg ? arg : "");
  if (n < 0) msg[0] = 0;
  if (report_exec && is_launcher) {
    char num[16];
    snprintf(num, sizeof num, "%d", err);
    exec_report("fail", stage, num, msg, code);
  }
  if (report_fd >= 0) {
    n = snprintf(line, sizeof line, "fail\t%s\t%d\t%s\n", stage, err, msg);
  } else {
    if (err) {
      size_t len = strlen(msg);
      snprintf(msg + len, sizeof msg - len, ": %s", strerror(err));
    }
    n = snprintf(line, sizeof line, "syswall-helper: %s\n", msg);
  }
  if (n > 0) write_all(report_fd >= 0 ? report_fd : 2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
  leave(code);
}

/* Parses a non-negative number (decimal or 0x hex) up to max; 0 or -1. */
static int parse_u64(const char *s, unsigned long long max, unsigned long long *out) {
  char *end;
  if (!s || !*s || *s == '-' || *s == '+') return -1;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 0);
  if (errno || *end || v > max) return -1;
  *out = v;
  return 0;
}

/* Reads the whole program from fd into buf (cap bytes); returns its length,
 * -E2BIG when the input is longer than cap, or -errno. */
static ssize_t read_program(int fd, unsigned char *buf, size_t cap) {
  size_t len = 0;
  for (;;) {
    if (len == cap) {
      /* Full: only end of file may follow. */
      unsigned char extra;
      ssize_t r;
      do r = read(fd, &extra, 1); while (r < 0 && errno == EINTR);
      if (r < 0) return -errno;
      return r == 0 ? (ssize_t)len : -E2BIG;
    }
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

/* ---- arch ----------------------------------------------------------------- */

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

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i) + (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? 0 : 4))
#define ARG_HI(i) (offsetof(struct seccomp_data, args) + 8 * (i) + (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? 4 : 0))
#define JEQ(at, target_t, target_f, k) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (uint8_t)((target_t) - (at) - 1), (uint8_t)((target_f) - (at) - 1))

/* A fork-like clone(2) with namespace flags, in the raw syscall's argument
 * order for this arch. The child must not use glibc's thread state (raise,
 * pthread_*): its cached thread id is the parent's. */
static pid_t fork_with(unsigned long flags) {
#if defined(__s390__) || defined(__CRIS__)
  return (pid_t)syscall(SYS_clone, 0, flags | SIGCHLD, 0, 0, 0);
#else
  return (pid_t)syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
#endif
}

/* ---- the strict-mode equivalent filter ---------------------------------- */

#ifdef NATIVE_ARCH
static const uint32_t native_nrs[] = {
  __NR_read, __NR_write, __NR_exit, __NR_rt_sigreturn,
#ifdef __NR_sigreturn
  __NR_sigreturn,
#endif
};
#endif

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
  const size_t native_len = 1 + nn + 1 + 1;            /* ld nr, jeqs, jeq execve, kill */
  const size_t exec_len = 3 * 4 + 1;                   /* 3 args x (ld lo, jeq, ld hi, jeq), ja allow */
  const size_t compat_len = nc ? 1 + nc + 1 : 0;       /* ld nr, jeqs, kill */
  const size_t head_len = nc ? 3 : 2;                  /* ld arch, jeq native, [jeq compat] */
  const size_t native_at = head_len + 1;               /* +1: kill for unknown arch */
  const size_t exec_at = native_at + native_len;
  const size_t compat_at = exec_at + exec_len;
  const size_t allow_at = compat_at + compat_len;
  const size_t kill_at = allow_at + 1;
  out[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
  out[n] = (struct sock_filter)JEQ(n, native_at, n + 1, NATIVE_ARCH); n++;
#ifdef COMPAT_ARCH
  out[n] = (struct sock_filter)JEQ(n, compat_at, n + 1, COMPAT_ARCH); n++;
#endif
  out[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
  out[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
  for (size_t i = 0; i < nn; i++) { out[n] = (struct sock_filter)JEQ(n, allow_at, n + 1, native_nrs[i]); n++; }
  out[n] = (struct sock_filter)JEQ(n, exec_at, n + 1, __NR_execve); n++;
  out[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
  for (int i = 0; i < 3; i++) {
    out[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(i));
    out[n] = (struct sock_filter)JEQ(n, n + 1, kill_at, (uint32_t)words[i]); n++;
    out[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_HI(i));
    out[n] = (struct sock_filter)JEQ(n, n + 1, kill_at, (uint32_t)(words[i] >> 32)); n++;
  }
  out[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA | BPF_K, (uint32_t)(allow_at - n - 1), 0, 0); n++;
#ifdef COMPAT_ARCH
  out[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
  for (size_t i = 0; i < nc; i++) { out[n] = (struct sock_filter)JEQ(n, allow_at, n + 1, compat_nrs[i]); n++; }
  out[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
#endif
  out[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  out[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
  (void)kill_at;
  return n;
#endif
}

/* ---- the init's own filter ---------------------------------------------- */

/* The init, once the command runs, needs: wait4/waitid (reap), kill of the
 * command (relay signals), write on the status socket, rt_sigreturn (its
 * signal handlers), restart_syscall, exit, exit_group. Everything else kills
 * it; so even a process that could trace it could only make it do that. */
static size_t build_init_filter(struct sock_filter *out, int cmd_pid, int status_fd) {
#ifndef NATIVE_ARCH
  (void)out; (void)cmd_pid; (void)status_fd;
  return 0;
#else
  static const uint32_t plain[] = {
    __NR_wait4,
#ifdef __NR_waitid
    __NR_waitid,
#endif
    __NR_rt_sigreturn, __NR_restart_syscall, __NR_exit, __NR_exit_group,
  };
  const size_t np = N_ELEMS(plain);
  /* ld arch; jeq native ? +1 : kill; ld nr; [jeq plain -> allow]; jeq kill -> kchk; jeq write -> wchk; kill;
   * kchk: ld a0 lo; jeq pid ? allow : kill;  wchk: ld a0 lo; jeq fd ? allow : kill;  allow; kill */
  size_t n = 0;
  const size_t nr_at = 2;
  const size_t kchk_at = nr_at + 1 + np + 2 + 1;
  const size_t wchk_at = kchk_at + 2;
  const size_t allow_at = wchk_at + 2;
  const size_t kill_at = allow_at + 1;
  out[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
  out[n] = (struct sock_filter)JEQ(n, n + 1, kill_at, NATIVE_ARCH); n++;
  out[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
  for (size_t i = 0; i < np; i++) { out[n] = (struct sock_filter)JEQ(n, allow_at, n + 1, plain[i]); n++; }
  out[n] = (struct sock_filter)JEQ(n, kchk_at, n + 1, __NR_kill); n++;
  out[n] = (struct sock_filter)JEQ(n, wchk_at, n + 1, __NR_write); n++;
  out[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
  out[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0));
  out[n] = (struct sock_filter)JEQ(n, allow_at, kill_at, (uint32_t)cmd_pid); n++;
  out[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0));
  out[n] = (struct sock_filter)JEQ(n, allow_at, kill_at, (uint32_t)status_fd); n++;
  out[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  out[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
  return n;
#endif
}

/* ---- fd passing ------------------------------------------------------------ */

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

/* The command tells the launcher its pid with SCM_CREDENTIALS: the kernel
 * translates it into the receiver's PID namespace. */
static int send_own_pid(int sock) {
  char byte = 'P';
  struct iovec iov = {.iov_base = &byte, .iov_len = 1};
  union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(struct ucred))]; } ctl;
  memset(&ctl, 0, sizeof ctl);
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  struct ucred cr = {.pid = getpid(), .uid = getuid(), .gid = getgid()};
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_CREDENTIALS;
  c->cmsg_len = CMSG_LEN(sizeof cr);
  memcpy(CMSG_DATA(c), &cr, sizeof cr);
  for (;;) {
    ssize_t r = sendmsg(sock, &msg, MSG_NOSIGNAL);
    if (r == 1) return 0;
    if (r < 0 && errno == EINTR) continue;
    return r < 0 ? errno : EPIPE;
  }
}

/* ---- process-wide state ---------------------------------------------------- */

struct launch {
  const char *path;            /* resolved command */
  char **argv;                 /* command argv */
  struct sock_filter *insns;
  unsigned short count;
  struct sock_filter *guard;   /* installed before insns, without a listener (guard_count 0: none) */
  unsigned short guard_count;
  unsigned int sflags;         /* seccomp(2) flags */
  int strict, nnp;
  int listener_sock;           /* -1: no listener wanted */
  int ns;                      /* running in new PID + mount namespaces */
  int userns;                  /* ... and a new user namespace */
  int ctl;                     /* SOCK_SEQPACKET to the launcher: the command's pid, its wait status */
  int lifeline;                /* read end; POLLHUP when the launcher is gone */
  pid_t init_pid;              /* the init's pid as the command sees it */
  uid_t uid;                   /* the launcher's euid and egid (mapped to themselves in a user namespace) */
  gid_t gid;
};

static volatile sig_atomic_t relay_target = 0; /* launcher: the init; init: the command */
static volatile sig_atomic_t relay_from = -1;  /* init: the only sender it relays for (0 = outside its namespace) */
static volatile sig_atomic_t relay_self = 0;   /* this process's pid (no getpid() in the handler: the init's filter denies it) */

static void relay(int sig, siginfo_t *si, void *uc) {
  (void)uc;
  int saved = errno;
  /* Only signals sent by a process (kill, sigqueue, tgkill), not the kernel's
   * (a terminal's ^C reaches the command's process group directly), and not
   * our own. */
  int from_process = si->si_code == SI_USER || si->si_code == SI_QUEUE || si->si_code == SI_TKILL;
  if (from_process && relay_target > 0 && si->si_pid != relay_self && (relay_from < 0 || si->si_pid == relay_from))
    syscall(SYS_kill, (pid_t)relay_target, sig);
  errno = saved;
}

static int relayable(int sig) {
  switch (sig) {
    case SIGKILL: case SIGSTOP: case SIGCHLD:
    case SIGSEGV: case SIGBUS: case SIGILL: case SIGFPE: case SIGTRAP: case SIGSYS:
      return 0;
    default:
      return 1;
  }
}

static void install_relay(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = relay;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigfillset(&sa.sa_mask);
  for (int sig = 1; sig < NSIG; sig++) {
    if (!relayable(sig)) continue;
    /* In place of `syswall run` the launcher is what the shell waits for: it stops with the job. */
    if (report_exec && is_launcher && (sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)) continue;
    sigaction(sig, &sa, NULL); /* glibc refuses its two internal signals: fine */
  }
}

static void reset_signals(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; sig++) sigaction(sig, &sa, NULL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
}

/* --report-exec: hands the outcome to NODE SCRIPT CONTEXT (see the top of
 * this file). Only the launcher calls it, once nothing of the sandbox runs.
 * If Node cannot be started, says so and exits with `code`. */
static void exec_report(const char *kind, const char *a, const char *b, const char *c, int code) {
  char *args[8];
  int k = 0;
  args[k++] = report_exec[0];
  args[k++] = report_exec[1];
  args[k++] = report_exec[2];
  args[k++] = (char *)kind;
  args[k++] = (char *)a;
  args[k++] = (char *)b;
  if (c) args[k++] = (char *)c;
  args[k] = NULL;
  reset_signals();
  execve(report_exec[0], args, environ);
  char line[1024];
  int n = snprintf(line, sizeof line, "syswall: error: cannot start %s to report how the command ended (%s %s %s%s%s): %s\n",
                   report_exec[0], kind, a, b, c ? " " : "", c ? c : "", strerror(errno));
  if (n > 0) write_all(2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
  _exit(code);
}

static int has_cap(int cap) {
  struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct d[2];
  memset(d, 0, sizeof d);
  if (syscall(SYS_capget, &h, d) != 0) return 0;
  return (d[cap / 32].effective >> (cap % 32)) & 1;
}

/* ---- the command (pid 2) --------------------------------------------------- */

/* Drops CAP_SYS_PTRACE from every set, so that the command cannot override
 * our processes' non-dumpable state (ptrace, /proc/PID/mem, process_vm_*).
 * Returns 0 or an errno. Without CAP_SETPCAP (an unprivileged user outside a
 * user namespace) there is nothing to drop but the bounding set, which no
 * exec under no_new_privs can use. */
static int drop_ptrace_cap(void) {
  if (prctl(PR_CAPBSET_READ, CAP_SYS_PTRACE, 0, 0, 0) == 1 && prctl(PR_CAPBSET_DROP, CAP_SYS_PTRACE, 0, 0, 0) != 0) {
    if (errno != EPERM || has_cap(CAP_SYS_PTRACE)) return errno ? errno : EPERM;
  }
  prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, CAP_SYS_PTRACE, 0, 0);
  struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct d[2];
  memset(d, 0, sizeof d);
  if (syscall(SYS_capget, &h, d) != 0) return errno;
  uint32_t bit = 1u << (CAP_SYS_PTRACE % 32);
  int i = CAP_SYS_PTRACE / 32;
  if ((d[i].effective | d[i].permitted | d[i].inheritable) & bit) {
    d[i].effective &= ~bit;
    d[i].permitted &= ~bit;
    d[i].inheritable &= ~bit;
    if (syscall(SYS_capset, &h, d) != 0) return errno;
  }
  return 0;
}

/* Closes every fd above 2 except keep. Returns 0 or an errno. */
static int close_all_but(int keep) {
  if (keep < 3) {
    if (syscall(SYS_close_range, 3u, ~0u, 0u) == 0) return 0;
  } else {
    if ((keep == 3 || syscall(SYS_close_range, 3u, (unsigned)keep - 1, 0u) == 0) &&
        syscall(SYS_close_range, (unsigned)keep + 1, ~0u, 0u) == 0)
      return 0;
  }
  if (errno != ENOSYS) return errno;
  /* Before Linux 5.9: close what /proc lists (a fresh /proc in our namespace). */
  long max = sysconf(_SC_OPEN_MAX);
  if (max < 0 || max > 1 << 20) max = 1 << 20;
  for (long fd = 3; fd < max; fd++) {
    if (fd == keep) continue;
    if (close((int)fd) != 0 && errno != EBADF) return errno;
  }
  return 0;
}

static void run_command(struct launch *L) {
  reset_signals();
  /* Die with the init; if it is already gone, do not start. */
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) fail(EXIT_SETUP, "helper", errno, "prctl(PR_SET_PDEATHSIG) failed%s", "");
  if (getppid() != L->init_pid) leave(EXIT_SETUP);
  int e = send_own_pid(L->ctl);
  if (e) fail(EXIT_SETUP, "helper", e, "cannot tell the launcher the command's pid%s", "");
  /* Nothing of ours but stdio and the (close-on-exec) report fd reaches the command. */
  e = close_all_but(report_fd);
  if (e) fail(EXIT_SETUP, "helper", e, "cannot close the launcher's file descriptors%s", "");
  e = drop_ptrace_cap();
  if (e) fail(EXIT_SETUP, "caps", e, "cannot drop CAP_SYS_PTRACE from the command%s", "");
  if (L->nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail(EXIT_SETUP, "nnp", errno, "cannot set no_new_privs%s", "");

  char **envp = environ;
  if (L->strict) {
    L->count = (unsigned short)build_strict(L->insns, L->path, L->argv, envp);
    if (!L->count) fail(EXIT_SETUP, "seccomp", ENOSYS, "--strict is not supported on this architecture%s", "");
  }
  if (L->listener_sock >= 0) {
    /* Stop under the init's ptrace: it takes the listener out of this
     * process at the exit of seccomp(2), before we make another syscall. */
    if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) != 0) fail(EXIT_SETUP, "listener", errno, "prctl(PR_SET_DUMPABLE) failed%s", "");
    if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0) fail(EXIT_SETUP, "listener", errno, "ptrace(PTRACE_TRACEME) failed (a Yama ptrace_scope of 3 forbids it)%s", "");
    syscall(SYS_kill, getpid(), SIGSTOP);
  }
  long rc = 0;
  if (L->guard_count) {
    /* The same flags but the listener (SPEC_ALLOW, LOG: a filter without them would undo them). */
    struct sock_fprog gprog = {.len = L->guard_count, .filter = L->guard};
    rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, L->sflags & ~(unsigned)SECCOMP_FILTER_FLAG_NEW_LISTENER, &gprog);
  }
  struct sock_fprog fprog = {.len = L->count, .filter = L->insns};
  if (rc == 0) rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, L->sflags, &fprog);
  if (rc < 0) {
    int err = errno;
    if (err == EACCES && !L->nnp)
      fail(EXIT_SETUP, "seccomp", err, "installing a filter without no_new_privs (--no-nnp) needs CAP_SYS_ADMIN%s", "");
    if (err == EINVAL) {
      char fl[32];
      snprintf(fl, sizeof fl, "0x%x", L->sflags);
      fail(EXIT_SETUP, "seccomp", err, "the kernel rejected the filter (an invalid program, or flags %s it does not support)", fl);
    }
    fail(EXIT_SETUP, "seccomp", err, "seccomp(SECCOMP_SET_MODE_FILTER) failed%s", "");
  }
  if (L->strict) use_sys_exit = 1;

  /* The filter applies to this execve too. */
  execve(L->path, L->argv, envp);
  int err = errno;
  fail(err == ENOENT || err == ENOTDIR ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC, "exec", err, "cannot exec %s", L->argv[0]);
}

/* ---- the init (pid 1) ------------------------------------------------------ */

static int write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  ssize_t n = write(fd, text, strlen(text));
  int e = n == (ssize_t)strlen(text) ? 0 : (n < 0 ? errno : EIO);
  close(fd);
  return e;
}

/* Unescapes a mountinfo path field (\040 for space, ...) in place. */
static void unescape(char *s) {
  char *o = s;
  while (*s) {
    if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
      *o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
      s += 4;
    } else {
      *o++ = *s++;
    }
  }
  *o = 0;
}

#define MAX_PROC_MOUNTS 64

/* Lists the mount points of every proc file system (deepest last). Returns
 * the count, or -errno. */
static int proc_mounts(char (*out)[PATH_MAX], int cap) {
  FILE *f = fopen("/proc/self/mountinfo", "re");
  if (!f) return -errno;
  char line[4096 + 2 * PATH_MAX];
  int n = 0;
  while (fgets(line, sizeof line, f)) {
    /* id parent maj:min root mountpoint options [optional...] - fstype source superopts */
    char *save = NULL, *field[5];
    int k = 0;
    for (char *t = strtok_r(line, " ", &save); t && k < 5; t = strtok_r(NULL, " ", &save)) field[k++] = t;
    if (k < 5) continue;
    char *rest = strtok_r(NULL, "\n", &save);
    if (!rest) continue;
    char *dash = strstr(rest, "- ");
    if (!dash) continue;
    char fstype[64];
    if (sscanf(dash + 2, "%63s", fstype) != 1 || strcmp(fstype, "proc") != 0) continue;
    if (n >= cap) { fclose(f); return -E2BIG; }
    unescape(field[4]);
    snprintf(out[n++], PATH_MAX, "%s", field[4]);
  }
  fclose(f);
  return n;
}

/* The mount namespace: nothing propagates back to the host, and every proc
 * file system shows this PID namespace only. Without a user namespace (root)
 * the host's proc mounts are detached, so nothing underneath can be
 * uncovered; inside a user namespace they are locked to us and to the command
 * alike, so a fresh proc is mounted over each. Returns 0 or an errno (in
 * *what, the step). */
static int setup_mounts(int userns, const char **what) {
  static char mps[MAX_PROC_MOUNTS][PATH_MAX];
  *what = "make / a slave mount";
  if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) != 0) return errno;
  *what = "list the proc mounts";
  int n = proc_mounts(mps, MAX_PROC_MOUNTS);
  if (n < 0) return -n;
  int have_root_proc = 0;
  for (int i = 0; i < n; i++) if (!strcmp(mps[i], "/proc")) have_root_proc = 1;
  if (!userns) {
    *what = "detach the host's proc mounts";
    for (int i = n - 1; i >= 0; i--) {
      if (umount2(mps[i], MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) return errno;
    }
  }
  *what = "mount a fresh /proc";
  if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) return errno;
  (void)have_root_proc;
  if (userns) {
    *what = "cover the host's other proc mounts";
    for (int i = 0; i < n; i++) {
      if (!strcmp(mps[i], "/proc")) continue;
      if (mount("/proc", mps[i], NULL, MS_BIND | MS_REC, NULL) != 0 && errno != ENOENT) return errno;
    }
  }
  return 0;
}

/* Steps the stopped command (ptrace'd by us) through seccomp(2) and takes the
 * listener it returns. Returns 0 (listener sent, command detached), 1 (the
 * command failed or died on its own; it reports), or an errno (the command is
 * killed). */
static int take_listener(struct launch *L, pid_t cmd, const char **what) {
  int status;
  *what = "wait for the command to stop";
  for (;;) {
    pid_t r = waitpid(cmd, &status, __WALL);
    if (r < 0) { if (errno == EINTR) continue; return errno; }
    break;
  }
  if (!WIFSTOPPED(status)) return 1; /* it failed before stopping, and reported */
  *what = "ptrace(PTRACE_SETOPTIONS)";
  if (ptrace(PTRACE_SETOPTIONS, cmd, NULL, (void *)(long)(SW_O_TRACESYSGOOD | SW_O_EXITKILL)) != 0) return errno;
  *what = "ptrace(PTRACE_SYSCALL)";
  if (ptrace(PTRACE_SYSCALL, cmd, NULL, NULL) != 0) return errno;
  int in_seccomp = 0;
  for (int stops = 0; stops < 64; stops++) {
    *what = "wait for the command";
    pid_t r = waitpid(cmd, &status, __WALL);
    if (r < 0) { if (errno == EINTR) { stops--; continue; } return errno; }
    if (WIFEXITED(status) || WIFSIGNALED(status)) return 1;
    if (!WIFSTOPPED(status)) continue;
    int sig = WSTOPSIG(status);
    if (sig != (SIGTRAP | 0x80)) {
      /* A signal for the command: deliver it (a fatal one ends this). */
      if (ptrace(PTRACE_SYSCALL, cmd, NULL, (void *)(long)(sig == SIGSTOP ? 0 : sig)) != 0) return errno;
      continue;
    }
    struct {
      uint8_t op; uint8_t pad[3]; uint32_t arch; uint64_t ip; uint64_t sp;
      union { struct { uint64_t nr; uint64_t args[6]; } entry; struct { int64_t rval; uint8_t is_error; } exit; } u;
    } info;
    memset(&info, 0, sizeof info);
    *what = "ptrace(PTRACE_GET_SYSCALL_INFO)";
    if (ptrace((enum __ptrace_request)SW_PTRACE_GET_SYSCALL_INFO, cmd, (void *)sizeof info, &info) <= 0) return errno ? errno : EIO;
    if (info.op == SW_SYSCALL_INFO_ENTRY) {
      /* The install that makes the listener (the guard's install comes first, without one). */
      in_seccomp = info.u.entry.nr == (uint64_t)SYS_seccomp && (info.u.entry.args[1] & SECCOMP_FILTER_FLAG_NEW_LISTENER);
    } else if (info.op == SW_SYSCALL_INFO_EXIT && in_seccomp) {
      if (info.u.exit.is_error) {
        /* The install failed: let the command report it. */
        *what = "ptrace(PTRACE_DETACH)";
        if (ptrace(PTRACE_DETACH, cmd, NULL, NULL) != 0) return errno;
        return 1;
      }
      int target_fd = (int)info.u.exit.rval;
      *what = "pidfd_open";
      int pidfd = (int)syscall(SYS_pidfd_open, cmd, 0);
      if (pidfd < 0) return errno;
      *what = "pidfd_getfd (take the listener out of the command)";
      int lfd = (int)syscall(SYS_pidfd_getfd, pidfd, target_fd, 0);
      int e = lfd < 0 ? errno : 0;
      close(pidfd);
      if (e) return e;
      char link[64], target[64];
      snprintf(link, sizeof link, "/proc/self/fd/%d", lfd);
      ssize_t tl = readlink(link, target, sizeof target - 1);
      *what = "check the listener";
      if (tl < 0 || (target[tl] = 0, strcmp(target, "anon_inode:seccomp notify") != 0)) { close(lfd); return EBADF; }
      *what = "send the listener";
      e = send_fd(L->listener_sock, lfd);
      close(lfd);
      if (e) return e;
      *what = "ptrace(PTRACE_DETACH)";
      if (ptrace(PTRACE_DETACH, cmd, NULL, NULL) != 0) return errno;
      return 0;
    }
    if (ptrace(PTRACE_SYSCALL, cmd, NULL, NULL) != 0) return errno;
  }
  *what = "step the command to seccomp(2)";
  return EPROTO;
}

static void run_init(struct launch *L) {
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) fail(EXIT_SETUP, "helper", errno, "prctl(PR_SET_PDEATHSIG) failed%s", "");
  struct pollfd lp = {.fd = L->lifeline, .events = POLLIN};
  if (poll(&lp, 1, 0) != 0) leave(EXIT_SETUP); /* the launcher is gone already */
  const char *what = NULL;
  if (L->userns) {
    char map[64];
    int e;
    /* /proc/self of a non-dumpable process belongs to root: be dumpable while
     * writing our own maps (nothing else runs in the namespace yet). */
    if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) != 0) fail(EXIT_SETUP, "helper", errno, "prctl(PR_SET_DUMPABLE) failed%s", "");
    if ((e = write_file("/proc/self/setgroups", "deny"))) fail(EXIT_SETUP, "isolation", e, "cannot write /proc/self/setgroups%s", "");
    snprintf(map, sizeof map, "%u %u 1\n", (unsigned)L->uid, (unsigned)L->uid);
    if ((e = write_file("/proc/self/uid_map", map))) fail(EXIT_SETUP, "isolation", e, "cannot write the user namespace's uid_map%s", "");
    snprintf(map, sizeof map, "%u %u 1\n", (unsigned)L->gid, (unsigned)L->gid);
    if ((e = write_file("/proc/self/gid_map", map))) fail(EXIT_SETUP, "isolation", e, "cannot write the user namespace's gid_map%s", "");
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) fail(EXIT_SETUP, "helper", errno, "prctl(PR_SET_DUMPABLE) failed%s", "");
  }
  if (L->ns) {
    int e = setup_mounts(L->userns, &what);
    if (e) fail(EXIT_SETUP, "isolation", e, "cannot %s in the sandbox's mount namespace", what);
  } else {
    /* Orphans of the command come back to us, not to the host's init. */
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  }
  L->init_pid = getpid();
  relay_self = L->init_pid;
  relay_from = L->ns ? 0 : (sig_atomic_t)getppid();
  install_relay();
  pid_t cmd = fork_with(0);
  if (cmd < 0) fail(EXIT_SETUP, "helper", errno, "fork failed%s", "");
  if (cmd == 0) {
    close(L->lifeline);
    run_command(L);
  }
  relay_target = cmd;
  if (L->listener_sock >= 0) {
    int e = take_listener(L, cmd, &what);
    if (e > 1) {
      syscall(SYS_kill, cmd, SIGKILL);
      fail(EXIT_SETUP, "listener", e, "cannot hand the listener over (%s)", what);
    }
    close(L->listener_sock);
  }
  close(report_fd);
  report_fd = -1;
  close(L->lifeline);

  /* From here on: reap, relay, report. */
  static struct sock_filter own[32];
  size_t n = build_init_filter(own, cmd, L->ctl);
  if (n) {
    struct sock_fprog fp = {.len = (unsigned short)n, .filter = own};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) != 0) {
      syscall(SYS_kill, cmd, SIGKILL);
      leave(EXIT_SETUP);
    }
  }
  for (;;) {
    int status;
    pid_t r = (pid_t)syscall(SYS_wait4, -1, &status, 0, NULL);
    if (r < 0) {
      if (errno == EINTR) continue;
      syscall(SYS_exit_group, EXIT_SETUP);
    }
    if (r != cmd) continue;
    char msg[1 + sizeof(int)];
    msg[0] = 'S';
    memcpy(msg + 1, &status, sizeof(int));
    syscall(SYS_write, L->ctl, msg, sizeof msg);
    syscall(SYS_exit_group, 0);
  }
}

/* ---- the launcher ---------------------------------------------------------- */

/* Ends the launcher as the command ended: its exit code, or its signal. */
static void mirror_status(int status) {
  if (WIFEXITED(status)) _exit(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    signal(sig, SIG_DFL);
    sigset_t one;
    sigemptyset(&one);
    sigaddset(&one, sig);
    sigprocmask(SIG_UNBLOCK, &one, NULL);
    syscall(SYS_kill, getpid(), sig);
  }
  _exit(EXIT_SETUP);
}

/* --report-exec: the end. The first failure the init or the command
 * reported (the pipe's writers are all gone with the init), else how the
 * command ended; exit 0 needs no report. Never returns. */
static void report_outcome(int rfd, int have_status, int cmd_status, pid_t cmd_pid, int init_status) {
  static char text[4096];
  size_t len = 0;
  fcntl(rfd, F_SETFL, O_NONBLOCK);
  for (;;) {
    ssize_t r = read(rfd, text + len, sizeof text - 1 - len);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    len += (size_t)r;
    if (len == sizeof text - 1) break;
  }
  text[len] = 0;
  if (!strncmp(text, "fail\t", 5)) {
    char *stage = text + 5, *num = strchr(stage, '\t'), *msg = num ? strchr(num + 1, '\t') : NULL;
    if (num && msg) {
      *num++ = 0;
      *msg++ = 0;
      char *nl = strchr(msg, '\n');
      if (nl) *nl = 0;
      exec_report("fail", stage, num, msg, EXIT_SETUP);
    }
  }
  char a[16], b[16];
  snprintf(b, sizeof b, "%d", (int)cmd_pid);
  if (have_status && WIFEXITED(cmd_status)) {
    if (WEXITSTATUS(cmd_status) == 0) _exit(0);
    snprintf(a, sizeof a, "%d", WEXITSTATUS(cmd_status));
    if (report_exit) {
      static char line[8192];
      size_t n = 0;
      for (const char *p = report_exit; *p && n < sizeof line - 16; ) {
        if (!strncmp(p, "{code}", 6)) { n += (size_t)snprintf(line + n, sizeof line - n, "%s", a); p += 6; }
        else line[n++] = *p++;
      }
      write_all(2, line, n);
      _exit(WEXITSTATUS(cmd_status));
    }
    exec_report("exit", a, b, NULL, WEXITSTATUS(cmd_status));
  }
  if (have_status && WIFSIGNALED(cmd_status)) {
    snprintf(a, sizeof a, "%d", WTERMSIG(cmd_status));
    exec_report("signal", a, b, NULL, 128 + WTERMSIG(cmd_status));
  }
  snprintf(text, sizeof text, "the sandbox's init ended before the command (wait status 0x%x)", (unsigned)init_status);
  exec_report("fail", "helper", "0", text, EXIT_SETUP);
}

int sw_helper_exec(int argc, char **argv) {
  const char *prog_file = NULL;
  long prog_fd = -1, listener_sock = -1, parent_pid = 0, guard_count = 0;
  unsigned long long flags = 0;
  int strict = 0, nnp = 1, i;
  enum isolate_mode isolate = ISOLATE_AUTO;

  /* --report-fd first, so that usage errors go to it too. */
  for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
    if (!strcmp(argv[i], "--report-fd") && i + 1 < argc) {
      unsigned long long v;
      if (parse_u64(argv[i + 1], INT_MAX, &v) == 0 && fcntl((int)v, F_SETFD, FD_CLOEXEC) == 0) report_fd = (int)v;
    }
    if (!strcmp(argv[i], "--report-exec") && i + 3 < argc && argv[i + 1][0] == '/' &&
        strcmp(argv[i + 1], "--") && strcmp(argv[i + 2], "--") && strcmp(argv[i + 3], "--"))
      report_exec = argv + i + 1;
  }
  for (i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--")) { i++; break; }
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) { usage(stdout); return 0; }
    if (!strcmp(a, "--strict")) { strict = 1; continue; }
    if (!strcmp(a, "--no-nnp")) { nnp = 0; continue; }
    if (!strcmp(a, "--report-exit")) {
      if (i + 1 >= argc) fail(EXIT_SETUP, "usage", 0, "option %s needs a value", a);
      report_exit = argv[++i];
      continue;
    }
    if (!strcmp(a, "--report-exec")) {
      if (i + 3 >= argc || !report_exec) fail(EXIT_SETUP, "usage", 0, "--report-exec expects NODE (an absolute path), SCRIPT and CONTEXT%s", "");
      i += 3;
      continue;
    }
    if (!strcmp(a, "--fd") || !strcmp(a, "--flags") || !strcmp(a, "--listener-sock") || !strcmp(a, "--report-fd") ||
        !strcmp(a, "--isolate") || !strcmp(a, "--parent-pid") || !strcmp(a, "--guard")) {
      if (i + 1 >= argc) fail(EXIT_SETUP, "usage", 0, "option %s needs a value", a);
      const char *v = argv[++i];
      unsigned long long n;
      if (!strcmp(a, "--flags")) {
        if (parse_u64(v, 0xffffffffULL, &flags) < 0) fail(EXIT_SETUP, "usage", 0, "--flags expects a number from 0 to 0xffffffff (decimal or 0x hex), got \"%s\"", v);
      } else if (!strcmp(a, "--isolate")) {
        if (!strcmp(v, "auto")) isolate = ISOLATE_AUTO;
        else if (!strcmp(v, "require")) isolate = ISOLATE_REQUIRE;
        else if (!strcmp(v, "none")) isolate = ISOLATE_NONE;
        else fail(EXIT_SETUP, "usage", 0, "--isolate expects auto, require or none, got \"%s\"", v);
      } else if (!strcmp(a, "--report-fd")) {
        if (report_fd < 0) fail(EXIT_SETUP, "usage", 0, "--report-fd expects an open file descriptor number, got \"%s\"", v);
      } else {
        if (parse_u64(v, INT_MAX, &n) < 0) fail(EXIT_SETUP, "usage", 0, "%s expects a number", a);
        if (!strcmp(a, "--parent-pid")) { parent_pid = (long)n; continue; }
        if (!strcmp(a, "--guard")) {
          if (n == 0 || n > SW_BPF_MAXINSNS) fail(EXIT_SETUP, "usage", 0, "--guard expects 1 to %s instructions", "4096");
          guard_count = (long)n;
          continue;
        }
        if (fcntl((int)n, F_GETFD) < 0) fail(EXIT_SETUP, "usage", errno, "%s: fd is not open", a);
        if (!strcmp(a, "--fd")) prog_fd = (long)n; else listener_sock = (long)n;
      }
      continue;
    }
    if (a[0] == '-' && a[1]) fail(EXIT_SETUP, "usage", 0, "unknown option \"%s\" (see syswall-helper exec --help)", a);
    if (prog_file || prog_fd >= 0) fail(EXIT_SETUP, "usage", 0, "unexpected argument \"%s\": give one program (PROG.bpf or --fd N), then -- CMD", a);
    prog_file = a;
  }
  if (i >= argc) fail(EXIT_SETUP, "usage", 0, "missing command: syswall-helper exec [--fd N | PROG.bpf] [OPTIONS] -- CMD [ARGS...]%s", "");
  if (strict && (prog_file || prog_fd >= 0)) fail(EXIT_SETUP, "usage", 0, "--strict takes no program (it installs its own strict-mode filter)%s", "");
  if (strict && guard_count) fail(EXIT_SETUP, "usage", 0, "--strict cannot be combined with --guard (strict mode allows no ioctl, kill or seccomp)%s", "");
  if (strict && (listener_sock >= 0 || flags)) fail(EXIT_SETUP, "usage", 0, "--strict cannot be combined with --flags or --listener-sock%s", "");
  if (!strict && !prog_file && prog_fd < 0) fail(EXIT_SETUP, "usage", 0, "missing program: give PROG.bpf, --fd N or --strict%s", "");
  if (report_exit && !report_exec) fail(EXIT_SETUP, "usage", 0, "--report-exit needs --report-exec%s", "");
  if (report_exec && (report_fd >= 0 || listener_sock >= 0 || parent_pid > 0 || isolate != ISOLATE_REQUIRE))
    fail(EXIT_SETUP, "usage", 0, "--report-exec needs --isolate require, and cannot be combined with --report-fd, --listener-sock or --parent-pid%s", "");

  /* Without no_new_privs the kernel wants CAP_SYS_ADMIN. The command gets it
   * inside a user namespace of ours, but that is not what the caller has. */
  if (!nnp && !has_cap(CAP_SYS_ADMIN))
    fail(EXIT_SETUP, "seccomp", EACCES, "installing a filter without no_new_privs (--no-nnp) needs CAP_SYS_ADMIN%s", "");

  /* Die with the parent (Node); if it is already gone, do nothing. In place
   * of `syswall run` (--report-exec) the parent is the caller's shell, which
   * waits for us like for any command. */
  if (!report_exec) {
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) fail(EXIT_SETUP, "helper", errno, "prctl(PR_SET_PDEATHSIG) failed%s", "");
    if (parent_pid > 0 && getppid() != (pid_t)parent_pid) leave(EXIT_SETUP);
  }
  /* Nothing in the sandbox may trace, or read or write the memory of, this process. */
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) fail(EXIT_SETUP, "helper", errno, "prctl(PR_SET_DUMPABLE) failed%s", "");

  /* 1. Read the program. */
  static struct sock_filter insns[2 * SW_BPF_MAXINSNS];
  struct launch L;
  memset(&L, 0, sizeof L);
  if (!strict) {
    int fd = (int)prog_fd;
    if (prog_file) {
      fd = open(prog_file, O_RDONLY | O_CLOEXEC);
      if (fd < 0) fail(EXIT_SETUP, "program", errno, "cannot open program %s", prog_file);
    }
    ssize_t len = read_program(fd, (unsigned char *)insns, (size_t)(guard_count + SW_BPF_MAXINSNS) * 8);
    close(fd);
    const char *src = prog_file ? prog_file : "the program fd";
    char what[PATH_MAX + 64];
    if (len == -E2BIG) {
      snprintf(what, sizeof what, "%s is larger than %d instructions (%d bytes)", src, SW_BPF_MAXINSNS, SW_BPF_MAXINSNS * 8);
      fail(EXIT_SETUP, "program", E2BIG, "%s", what);
    }
    if (len < 0) fail(EXIT_SETUP, "program", (int)-len, "cannot read %s", src);
    if (len == 0) fail(EXIT_SETUP, "program", EINVAL, "%s is empty: expected raw struct sock_filter[] (8 bytes per instruction)", src);
    if (len % 8) fail(EXIT_SETUP, "program", EINVAL, "%s is not a multiple of 8 bytes: expected raw struct sock_filter[]", src);
    if (len / 8 <= guard_count) fail(EXIT_SETUP, "program", EINVAL, "%s holds only the guard (--guard): no program follows it", src);
    L.guard = insns;
    L.guard_count = (unsigned short)guard_count;
    L.count = (unsigned short)(len / 8 - guard_count);
  }

  /* 2. Resolve the command before anything irreversible. */
  static char path[PATH_MAX];
  char **cmd_argv = argv + i;
  int err = resolve_command(cmd_argv[0], path, sizeof path);
  if (err) fail(err == EACCES ? EXIT_CANNOT_EXEC : EXIT_NOT_FOUND, "exec", err, "cannot exec %s", cmd_argv[0]);

  L.path = path;
  L.argv = cmd_argv;
  L.insns = insns + guard_count;
  L.sflags = (unsigned int)flags | (listener_sock >= 0 ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0);
  L.strict = strict;
  L.nnp = nnp;
  L.listener_sock = (int)listener_sock;
  L.uid = geteuid();
  L.gid = getegid();

  /* 3. The plumbing between the three processes. */
  int ctl[2], life[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl) != 0) fail(EXIT_SETUP, "helper", errno, "socketpair failed%s", "");
  int one = 1;
  if (setsockopt(ctl[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof one) != 0) fail(EXIT_SETUP, "helper", errno, "setsockopt(SO_PASSCRED) failed%s", "");
  if (pipe2(life, O_CLOEXEC) != 0) fail(EXIT_SETUP, "helper", errno, "pipe failed%s", "");
  L.ctl = ctl[1];
  L.lifeline = life[0];
  /* --report-exec: the init and the command report failures on a pipe that the launcher reads at the end. */
  int report_read = -1;
  if (report_exec) {
    int rp[2];
    if (pipe2(rp, O_CLOEXEC) != 0) fail(EXIT_SETUP, "helper", errno, "pipe failed%s", "");
    report_read = rp[0];
    report_fd = rp[1];
  }

  /* 4. The init, in new namespaces. */
  pid_t init = -1;
  int ns_errno = 0;
  if (isolate != ISOLATE_NONE) {
    unsigned long nsflags = CLONE_NEWPID | CLONE_NEWNS;
    if (!has_cap(CAP_SYS_ADMIN)) nsflags |= CLONE_NEWUSER;
    L.ns = 1;
    L.userns = (nsflags & CLONE_NEWUSER) != 0;
    init = fork_with(nsflags);
    if (init < 0) {
      ns_errno = errno;
      if (isolate == ISOLATE_REQUIRE)
        fail(EXIT_SETUP, "isolation", ns_errno, "cannot create the sandbox's PID and mount namespaces%s",
             L.userns ? " (this user needs a user namespace, and the host refuses one)" : "");
      L.ns = L.userns = 0;
    }
  }
  if (!L.ns) {
    if (report_fd >= 0) {
      char line[64];
      int n = snprintf(line, sizeof line, "isolation\tnone\t%d\n", ns_errno);
      write_all(report_fd, line, (size_t)n);
    } else if (isolate == ISOLATE_AUTO) {
      fprintf(stderr, "syswall-helper: warning: no PID namespace (%s): the command can see and signal this user's other processes\n", strerror(ns_errno));
    }
    init = fork_with(0);
    if (init < 0) fail(EXIT_SETUP, "helper", errno, "fork failed%s", "");
  }
  if (init == 0) {
    is_launcher = 0;
    if (report_read >= 0) close(report_read);
    close(ctl[0]);
    close(life[1]);
    run_init(&L);
    leave(EXIT_SETUP);
  }
  close(ctl[1]);
  close(life[0]);
  if (report_read >= 0) { close(report_fd); report_fd = -1; }
  if (listener_sock >= 0) close((int)listener_sock);
  relay_target = init;
  relay_self = getpid();
  install_relay();

  /* 5. Wait: the command's pid, then its status; then the init's end. */
  int have_status = 0, cmd_status = 0;
  pid_t cmd_pid = 0;
  for (;;) {
    struct pollfd p = {.fd = ctl[0], .events = POLLIN};
    int r = poll(&p, 1, -1);
    if (r < 0) { if (errno == EINTR) continue; break; }
    if (!(p.revents & POLLIN)) break; /* hang-up: the init and the command closed their ends */
    char buf[16];
    union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(struct ucred))]; } cbuf;
    struct iovec iov = {.iov_base = buf, .iov_len = sizeof buf};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf.b, .msg_controllen = sizeof cbuf.b};
    ssize_t got = recvmsg(ctl[0], &msg, 0);
    if (got < 0) { if (errno == EINTR) continue; break; }
    if (got == 0) break;
    if (buf[0] == 'P') {
      for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_CREDENTIALS) continue;
        struct ucred cr;
        memcpy(&cr, CMSG_DATA(c), sizeof cr);
        cmd_pid = cr.pid;
        if (report_fd < 0) continue;
        char line[32];
        int n = snprintf(line, sizeof line, "pid\t%d\n", (int)cr.pid);
        write_all(report_fd, line, (size_t)n);
      }
      if (report_fd >= 0) close(report_fd);
      report_fd = -1;
    } else if (buf[0] == 'S' && got == 1 + (ssize_t)sizeof(int)) {
      memcpy(&cmd_status, buf + 1, sizeof(int));
      have_status = 1;
    }
  }
  if (report_fd >= 0) { close(report_fd); report_fd = -1; }
  int init_status = 0;
  for (;;) {
    pid_t r = waitpid(init, &init_status, 0);
    if (r < 0 && errno == EINTR) continue;
    break;
  }
  if (report_exec) report_outcome(report_read, have_status, cmd_status, cmd_pid, init_status);
  if (have_status) mirror_status(cmd_status);
  /* The init failed (its report says why) or was killed: end the same way. */
  mirror_status(init_status);
  return EXIT_SETUP;
}
