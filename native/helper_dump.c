/*
 * `syswall-helper dump`: capture seccomp filters with ptrace, in this helper
 * process (never in Node).
 *
 *   syswall-helper dump [--out-fd N] [--limit N] [--timeout SEC] [--continue] -- CMD [ARGS...]
 *   syswall-helper dump [--out-fd N] --pid PID
 *
 * Exec mode runs CMD under ptrace (following forks, vforks, clones and
 * execs; a clone asking for CLONE_UNTRACED has the flag cleared, so the child
 * is traced too, or is reported when that fails) and reports every filter a
 * traced task installs successfully with
 * prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, prog) or
 * seccomp(SECCOMP_SET_MODE_FILTER, flags, prog) -- including filters that
 * return a user-notification listener fd (SECCOMP_FILTER_FLAG_NEW_LISTENER)
 * -- and strict-mode installs. Syscall arch, number and arguments come from
 * PTRACE_GET_SYSCALL_INFO (Linux 5.3+), so 32-bit (i386, x32, arm compat)
 * tracees are understood on a 64-bit kernel. The program reported is the one
 * the kernel installed, read back with PTRACE_SECCOMP_GET_FILTER at the
 * syscall's exit ("source":"kernel"); where the kernel refuses that (no
 * CAP_SYS_ADMIN, or the helper itself runs under seccomp) it is read from the
 * task's memory ("source":"memory", which another thread could have changed
 * meanwhile) and a warning says so once. The syscall numbers of every arch
 * come from syswall_generated.h (the one syscall matrix).
 *
 * Without --limit the target runs to completion (every traced task has
 * exited). With --limit N the tracees are killed (or, with --continue,
 * detached and left running) once N filters have been captured. --timeout
 * does the same after SEC seconds and reports what was collected.
 *
 * Pid mode attaches with PTRACE_SEIZE + PTRACE_INTERRUPT and reads the
 * process's filters with PTRACE_SECCOMP_GET_FILTER, index 0 (the oldest)
 * upwards until ENOENT, then detaches.
 *
 * Output: one JSON object per line on --out-fd (default 1 = stdout; Node
 * passes a dedicated pipe so the target keeps its own stdio). Objects:
 *   {"type":"filter","pid":P,"tid":T,"via":"prctl"|"seccomp"|"ptrace",
 *    "mode":2,"flags":F,"arch":TOKEN,"nr":NR,"ret":R,"index":I,
 *    "source":"kernel"|"memory",
 *    "length":N,"program":"<hex of struct sock_filter[] in native order>"}
 *   {"type":"untraced","pid":P,"tid":T,"child":C}     a CLONE_UNTRACED child we could not catch
 *   {"type":"strict","pid":P,"tid":T,"via":"prctl"|"seccomp","mode":1,"arch":TOKEN}
 *   {"type":"mode","pid":P,"mode":M}                       (pid mode)
 *   {"type":"warning","message":"..."}
 *   {"type":"error","code":"...","errno":N|null,"message":"..."}   (the TypeScript side names errno N)
 *   {"type":"end","reason":"exit"|"limit"|"timeout"|"done","exitCode":C|null,
 *    "signal":S|null,"detached":bool,"count":N}
 * Exit status: 0 after "end", 1 on a runtime error, 2 on bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "helper.h"
#include "syswall_generated.h"

/* Request numbers and layouts as in <linux/ptrace.h>; spelled out here so the
 * helper builds against older headers. */
#define SW_PTRACE_SECCOMP_GET_FILTER 0x420c
#define SW_PTRACE_SECCOMP_GET_METADATA 0x420d
#define SW_PTRACE_GET_SYSCALL_INFO 0x420e
#define SW_PTRACE_SEIZE 0x4206
#define SW_PTRACE_INTERRUPT 0x4207
#define SW_PTRACE_SET_SYSCALL_INFO 0x4212
#define SW_CLONE_UNTRACED 0x00800000ULL
#define SW_OP_NONE 0
#define SW_OP_ENTRY 1
#define SW_OP_EXIT 2

#define SW_O_TRACESYSGOOD 0x01
#define SW_O_TRACEFORK 0x02
#define SW_O_TRACEVFORK 0x04
#define SW_O_TRACECLONE 0x08
#define SW_O_TRACEEXEC 0x10
#define SW_O_EXITKILL 0x100000
#define SW_EVENT_FORK 1
#define SW_EVENT_VFORK 2
#define SW_EVENT_CLONE 3
#define SW_EVENT_EXEC 4

#define SW_PR_SET_SECCOMP 22
#define SW_SECCOMP_MODE_STRICT 1
#define SW_SECCOMP_MODE_FILTER 2
#define SW_SECCOMP_SET_MODE_STRICT 0
#define SW_SECCOMP_SET_MODE_FILTER 1
#define SW_FLAG_NEW_LISTENER 8u

struct sw_syscall_info {
  uint8_t op;
  uint8_t pad[3];
  uint32_t arch;
  uint64_t instruction_pointer;
  uint64_t stack_pointer;
  union {
    struct { uint64_t nr; uint64_t args[6]; } entry;
    struct { int64_t rval; uint8_t is_error; } exit;
    struct { uint64_t nr; uint64_t args[6]; uint32_t ret_data; } seccomp;
  } u;
};

struct sw_seccomp_metadata {
  uint64_t filter_off;
  uint64_t flags;
};

#define X32_BIT 0x40000000ul

static FILE *out;

/* ---- JSON output ------------------------------------------------------ */

static void json_str(const char *s) {
  fputc('"', out);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') fprintf(out, "\\%c", c);
    else if (c < 0x20) fprintf(out, "\\u%04x", c);
    else fputc(c, out);
  }
  fputc('"', out);
}

/* Prints `syswall-helper: MESSAGE` on stderr and an error object on the stream. */
static int fail(const char *code, int err, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  /* With a dedicated stream (--out-fd) the caller reports the error. */
  if (out == stdout) fprintf(stderr, "syswall-helper: %s\n", msg);
  fputs("{\"type\":\"error\",\"code\":", out);
  json_str(code);
  fputs(",\"errno\":", out);
  if (err) fprintf(out, "%d", err); else fputs("null", out);
  fputs(",\"message\":", out);
  json_str(msg);
  fputs("}\n", out);
  fflush(out);
  return 1;
}

static void warn(const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  fputs("{\"type\":\"warning\",\"message\":", out);
  json_str(msg);
  fputs("}\n", out);
  fflush(out);
}

static void emit_filter(pid_t pid, pid_t tid, const char *via, uint64_t flags, uint32_t arch, long nr, long long ret,
                        long index, const char *source, const unsigned char *prog, size_t len) {
  fprintf(out, "{\"type\":\"filter\",\"pid\":%d,\"tid\":%d,\"via\":\"%s\",\"mode\":2,\"flags\":%llu,\"arch\":%u,\"source\":\"%s\"",
          (int)pid, (int)tid, via, (unsigned long long)flags, arch, source);
  if (nr >= 0) fprintf(out, ",\"nr\":%ld,\"ret\":%lld", nr, ret);
  if (index >= 0) fprintf(out, ",\"index\":%ld", index);
  fprintf(out, ",\"length\":%zu,\"program\":\"", len);
  for (size_t i = 0; i < len * 8; i++) fprintf(out, "%02x", prog[i]);
  fputs("\"}\n", out);
  fflush(out);
}

/* ---- helpers ---------------------------------------------------------- */

static int parse_long(const char *s, long min, long max, long *v) {
  char *end;
  errno = 0;
  long x = strtol(s, &end, 10);
  if (errno || end == s || *end || x < min || x > max) return -1;
  *v = x;
  return 0;
}

/* Thread group id of a task, from /proc/TID/status (the tid itself if unknown). */
static pid_t tgid_of(pid_t tid) {
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/status", (int)tid);
  FILE *f = fopen(path, "re");
  if (!f) return tid;
  pid_t tgid = tid;
  while (fgets(line, sizeof line, f)) {
    if (!strncmp(line, "Tgid:", 5)) { tgid = (pid_t)atoi(line + 5); break; }
  }
  fclose(f);
  return tgid;
}

/* Reads tracee memory: process_vm_readv, falling back to PTRACE_PEEKDATA. */
static int read_mem(pid_t tid, uint64_t addr, void *buf, size_t len) {
  struct iovec local = { buf, len };
  struct iovec remote = { (void *)(uintptr_t)addr, len };
  ssize_t n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
  if (n == (ssize_t)len) return 0;
  size_t done = 0;
  while (done < len) {
    errno = 0;
    long word = ptrace(PTRACE_PEEKDATA, tid, (void *)(uintptr_t)(addr + done), NULL);
    if (errno) return -1;
    size_t k = len - done < sizeof word ? len - done : sizeof word;
    memcpy((char *)buf + done, &word, k);
    done += k;
  }
  return 0;
}

/* ---- exec mode -------------------------------------------------------- */

struct task {
  pid_t tid;
  int initial_stop_pending; /* created by an event; its first SIGSTOP is ours */
  int have_entry;
  int untraced;             /* this entry is a CLONE_UNTRACED clone we could not change */
  struct sw_syscall_info entry;
};

static struct task *tasks;
static size_t ntasks, cap_tasks;

static struct task *find_task(pid_t tid) {
  for (size_t i = 0; i < ntasks; i++) if (tasks[i].tid == tid) return &tasks[i];
  return NULL;
}

static struct task *add_task(pid_t tid, int pending) {
  struct task *t = find_task(tid);
  if (t) return t;
  if (ntasks == cap_tasks) {
    size_t nc = cap_tasks ? cap_tasks * 2 : 16;
    struct task *nt = realloc(tasks, nc * sizeof *nt);
    if (!nt) { perror("syswall-helper: realloc"); exit(1); }
    tasks = nt;
    cap_tasks = nc;
  }
  t = &tasks[ntasks++];
  memset(t, 0, sizeof *t);
  t->tid = tid;
  t->initial_stop_pending = pending;
  return t;
}

static void remove_task(pid_t tid) {
  for (size_t i = 0; i < ntasks; i++) {
    if (tasks[i].tid == tid) { tasks[i] = tasks[--ntasks]; return; }
  }
}

static long captured;

/* The generated ABI entry whose prctl or seccomp number is `nr` on `arch`
 * (x32 calls come with the x86_64 token and the x32 bit). */
static const struct sw_abi *abi_for(uint32_t arch, uint64_t nr) {
  for (size_t i = 0; i < SW_ABI_COUNT; i++) {
    const struct sw_abi *a = &SW_ABIS[i];
    if (a->token != arch) continue;
    if ((long)nr == a->prctl_nr || (long)nr == a->seccomp_nr || (long)nr == a->clone_nr || (long)nr == a->clone3_nr) return a;
  }
  return NULL;
}

/* How many filters task `tid` holds (/proc/TID/status, Linux 5.9+), or -1. */
static long filter_count(pid_t tid) {
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/status", (int)tid);
  FILE *f = fopen(path, "re");
  if (!f) return -1;
  long n = -1;
  while (fgets(line, sizeof line, f)) {
    if (!strncmp(line, "Seccomp_filters:", 16)) { n = atol(line + 16); break; }
  }
  fclose(f);
  return n;
}

static int readback_warned;

/* Reads back the newest filter of stopped task `tid` as the kernel holds it.
 * Returns its length in instructions (prog malloc'd), or 0 and errno. */
static long read_back(pid_t tid, unsigned char **prog) {
  long count = filter_count(tid);
  if (count <= 0) {
    /* Old kernel: find the count by probing. */
    count = 0;
    while (ptrace((enum __ptrace_request)SW_PTRACE_SECCOMP_GET_FILTER, tid, (void *)count, NULL) > 0) count++;
    if (count == 0) return 0;
  }
  long n = ptrace((enum __ptrace_request)SW_PTRACE_SECCOMP_GET_FILTER, tid, (void *)(count - 1), NULL);
  if (n <= 0 || n > SW_BPF_MAXINSNS) { if (n > 0) errno = E2BIG; return 0; }
  *prog = calloc((size_t)n, 8);
  if (!*prog) { perror("syswall-helper: calloc"); exit(1); }
  if (ptrace((enum __ptrace_request)SW_PTRACE_SECCOMP_GET_FILTER, tid, (void *)(count - 1), *prog) != n) {
    int e = errno;
    free(*prog);
    *prog = NULL;
    errno = e;
    return 0;
  }
  return n;
}

/* Called at syscall-exit with the matching entry. */
static void check_install(pid_t tid, const struct sw_syscall_info *en, const struct sw_syscall_info *ex) {
  uint32_t arch = en->arch;
  uint64_t nr = en->u.entry.nr;
  const struct sw_abi *abi = abi_for(arch, nr);
  if (!abi) return;
  int ptr32 = abi->ptr32;
  const uint64_t *a = en->u.entry.args;
  const char *via;
  uint64_t flags = 0, prog_ptr;
  int strict;
  if ((long)nr == abi->prctl_nr) {
    if ((uint32_t)a[0] != SW_PR_SET_SECCOMP) return;
    if ((uint32_t)a[1] == SW_SECCOMP_MODE_STRICT) strict = 1;
    else if ((uint32_t)a[1] == SW_SECCOMP_MODE_FILTER) strict = 0;
    else return;
    via = "prctl";
    prog_ptr = a[2];
  } else if ((long)nr == abi->seccomp_nr) {
    if ((uint32_t)a[0] == SW_SECCOMP_SET_MODE_STRICT) strict = 1;
    else if ((uint32_t)a[0] == SW_SECCOMP_SET_MODE_FILTER) strict = 0;
    else return;
    via = "seccomp";
    flags = (uint32_t)a[1];
    prog_ptr = a[2];
  } else {
    return;
  }
  /* Success: 0, or a listener fd (>= 0) when NEW_LISTENER was asked for. A
   * positive return without NEW_LISTENER is a TSYNC failure (the thread that
   * could not be synchronised). */
  if (ex->u.exit.is_error) return;
  long long ret = ex->u.exit.rval;
  if (!(ret == 0 || (!strict && (flags & SW_FLAG_NEW_LISTENER) && ret >= 0))) return;
  pid_t pid = tgid_of(tid);
  captured++;
  if (strict) {
    fprintf(out, "{\"type\":\"strict\",\"pid\":%d,\"tid\":%d,\"via\":\"%s\",\"mode\":1,\"arch\":%u}\n", (int)pid, (int)tid, via, arch);
    fflush(out);
    return;
  }
  /* What the kernel installed, when it lets us read it back. */
  unsigned char *prog = NULL;
  long n = read_back(tid, &prog);
  if (n > 0) {
    emit_filter(pid, tid, via, flags, arch, (long)nr, ret, -1, "kernel", prog, (size_t)n);
    free(prog);
    return;
  }
  if (!readback_warned) {
    readback_warned = 1;
    int e = errno;
    warn("the kernel refused to read the installed filters back (PTRACE_SECCOMP_GET_FILTER: %s; it needs CAP_SYS_ADMIN and a syswall outside any seccomp filter): "
         "listings are from the tasks' memory, which another thread could have changed after the install", strerror(e));
  }
  if (ptr32) prog_ptr &= 0xffffffffu;
  unsigned char hdr[16];
  uint16_t len;
  uint64_t filter_ptr;
  if (ptr32) {
    if (read_mem(tid, prog_ptr, hdr, 8)) { warn("cannot read struct sock_fprog of task %d: %s", (int)tid, strerror(errno)); return; }
    uint32_t p32;
    memcpy(&len, hdr, 2);
    memcpy(&p32, hdr + 4, 4);
    filter_ptr = p32;
  } else {
    if (read_mem(tid, prog_ptr, hdr, 16)) { warn("cannot read struct sock_fprog of task %d: %s", (int)tid, strerror(errno)); return; }
    memcpy(&len, hdr, 2);
    memcpy(&filter_ptr, hdr + 8, 8);
  }
  if (len == 0 || len > SW_BPF_MAXINSNS) { warn("task %d installed a filter of impossible length %u", (int)tid, len); return; }
  prog = malloc((size_t)len * 8);
  if (!prog) { perror("syswall-helper: malloc"); exit(1); }
  if (read_mem(tid, filter_ptr, prog, (size_t)len * 8)) {
    warn("cannot read the filter program of task %d: %s", (int)tid, strerror(errno));
  } else {
    emit_filter(pid, tid, via, flags, arch, (long)nr, ret, -1, "memory", prog, len);
  }
  free(prog);
}

/* At a clone/clone3 entry asking for CLONE_UNTRACED: clear the flag so the
 * child is traced (auto-attached) like any other. Returns 1 when the call
 * asks for it and could not be changed (the caller reports the child). */
static int catch_untraced(pid_t tid, struct sw_syscall_info *en) {
  const struct sw_abi *abi = abi_for(en->arch, en->u.entry.nr);
  if (!abi) return 0;
  long nr = (long)en->u.entry.nr;
  if (nr == abi->clone_nr) {
    /* s390 takes (newsp, flags, ...); every other arch flags first. */
    int idx = (en->arch == 0x80000016u || en->arch == 0x00000016u) ? 1 : 0;
    if (!(en->u.entry.args[idx] & SW_CLONE_UNTRACED)) return 0;
    en->u.entry.args[idx] &= ~SW_CLONE_UNTRACED;
    if (ptrace((enum __ptrace_request)SW_PTRACE_SET_SYSCALL_INFO, tid, (void *)sizeof *en, en) == 0) return 0;
    en->u.entry.args[idx] |= SW_CLONE_UNTRACED;
    return 1;
  }
  if (nr == abi->clone3_nr) {
    /* struct clone_args starts with the 64-bit flags. */
    uint64_t flags;
    uint64_t at = en->u.entry.args[0];
    if (abi->ptr32) at &= 0xffffffffu;
    if (read_mem(tid, at, &flags, sizeof flags)) return 0;
    if (!(flags & SW_CLONE_UNTRACED)) return 0;
    flags &= ~SW_CLONE_UNTRACED;
    struct iovec local = {&flags, sizeof flags}, remote = {(void *)(uintptr_t)at, sizeof flags};
    if (process_vm_writev(tid, &local, 1, &remote, 1, 0) == (ssize_t)sizeof flags) return 0;
    return 1;
  }
  return 0;
}

static void on_syscall_stop(struct task *t) {
  struct sw_syscall_info info;
  memset(&info, 0, sizeof info);
  long n = ptrace((enum __ptrace_request)SW_PTRACE_GET_SYSCALL_INFO, t->tid, (void *)sizeof info, &info);
  if (n <= 0) return;
  if (info.op == SW_OP_ENTRY) {
    t->untraced = catch_untraced(t->tid, &info);
    t->entry = info;
    t->have_entry = 1;
  } else if (info.op == SW_OP_EXIT) {
    if (t->have_entry) check_install(t->tid, &t->entry, &info);
    if (t->have_entry && t->untraced && !info.u.exit.is_error && info.u.exit.rval > 0) {
      fprintf(out, "{\"type\":\"untraced\",\"pid\":%d,\"tid\":%d,\"child\":%lld}\n", (int)tgid_of(t->tid), (int)t->tid, (long long)info.u.exit.rval);
      fflush(out);
    }
    t->have_entry = 0;
    t->untraced = 0;
  }
}

static int cmp_ts(const struct timespec *a, const struct timespec *b) {
  if (a->tv_sec != b->tv_sec) return a->tv_sec < b->tv_sec ? -1 : 1;
  return a->tv_nsec < b->tv_nsec ? -1 : a->tv_nsec > b->tv_nsec;
}

/* Detaches every tracee: each running one is stopped with SIGSTOP, kept
 * running until that SIGSTOP is delivered, then detached suppressing it. */
static void detach_all(pid_t stopped_tid) {
  /* The task that triggered the limit is in a ptrace-stop: detach it now. */
  if (stopped_tid > 0 && find_task(stopped_tid)) {
    ptrace(PTRACE_DETACH, stopped_tid, NULL, NULL);
    remove_task(stopped_tid);
  }
  /* initial_stop_pending now means "a SIGSTOP of ours is on its way"; a new
   * task's auto-attach SIGSTOP already is one. */
  for (size_t i = 0; i < ntasks; i++) {
    if (!tasks[i].initial_stop_pending) syscall(SYS_tgkill, tgid_of(tasks[i].tid), tasks[i].tid, SIGSTOP);
    tasks[i].initial_stop_pending = 1;
  }
  while (ntasks > 0) {
    int status;
    pid_t tid = waitpid(-1, &status, __WALL);
    if (tid < 0) { if (errno == EINTR) continue; break; }
    struct task *t = find_task(tid);
    if (WIFEXITED(status) || WIFSIGNALED(status)) { remove_task(tid); continue; }
    if (!WIFSTOPPED(status)) continue;
    int sig = WSTOPSIG(status);
    int event = status >> 16;
    if (!t) {
      /* A task created during detaching: its first stop is the auto-attach SIGSTOP. */
      if (sig == SIGSTOP) { ptrace(PTRACE_DETACH, tid, NULL, NULL); continue; }
      t = add_task(tid, 0);
      syscall(SYS_tgkill, tgid_of(tid), tid, SIGSTOP);
      t->initial_stop_pending = 1;
    }
    if (sig == SIGSTOP && !event && t->initial_stop_pending) {
      ptrace(PTRACE_DETACH, tid, NULL, NULL);
      remove_task(tid);
      continue;
    }
    int inject = 0;
    if (sig == SIGTRAP && event) {
      if (event == SW_EVENT_FORK || event == SW_EVENT_VFORK || event == SW_EVENT_CLONE) {
        unsigned long msg = 0;
        ptrace(PTRACE_GETEVENTMSG, tid, NULL, &msg);
        if (msg && !find_task((pid_t)msg)) {
          struct task *nt = add_task((pid_t)msg, 1);
          (void)nt;
        }
      }
    } else if (sig != (SIGTRAP | 0x80)) {
      siginfo_t si;
      if (ptrace(PTRACE_GETSIGINFO, tid, NULL, &si) == 0) inject = sig;
    }
    ptrace(PTRACE_CONT, tid, NULL, (void *)(long)inject);
  }
}

static void kill_all(void) {
  for (size_t i = 0; i < ntasks; i++) kill(tasks[i].tid, SIGKILL);
  for (;;) {
    int status;
    pid_t tid = waitpid(-1, &status, __WALL);
    if (tid < 0) { if (errno == EINTR) continue; break; }
    if (WIFSTOPPED(status)) {
      /* A task attached meanwhile: kill it too. */
      kill(tid, SIGKILL);
      ptrace(PTRACE_CONT, tid, NULL, NULL);
    }
  }
  ntasks = 0;
}

static int dump_exec(char **cmd, long limit, long timeout_ms, int cont, int out_fd) {
  int errpipe[2];
  if (pipe2(errpipe, O_CLOEXEC)) return fail("HELPER_FAILED", errno, "pipe: %s", strerror(errno));
  sigset_t chld, old;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, &old);
  fflush(NULL);
  pid_t child = fork();
  if (child < 0) return fail("HELPER_FAILED", errno, "fork: %s", strerror(errno));
  if (child == 0) {
    close(errpipe[0]);
    if (out_fd > 2) close(out_fd);
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (ptrace(PTRACE_TRACEME, 0, NULL, NULL)) {
      int e = errno;
      (void)!write(errpipe[1], &e, sizeof e);
      _exit(127);
    }
    raise(SIGSTOP);
    execvp(cmd[0], cmd);
    int e = errno;
    (void)!write(errpipe[1], &e, sizeof e);
    _exit(127);
  }
  close(errpipe[1]);

  int status;
  if (waitpid(child, &status, __WALL) < 0 || !WIFSTOPPED(status)) {
    int e = 0;
    if (read(errpipe[0], &e, sizeof e) == sizeof e)
      return fail("PTRACE_DENIED", e, "cannot trace %s: PTRACE_TRACEME failed: %s", cmd[0], strerror(e));
    return fail("HELPER_FAILED", 0, "the traced child did not stop as expected");
  }
  long opts = SW_O_TRACESYSGOOD | SW_O_TRACEFORK | SW_O_TRACEVFORK | SW_O_TRACECLONE | SW_O_TRACEEXEC | SW_O_EXITKILL;
  if (ptrace(PTRACE_SETOPTIONS, child, NULL, (void *)opts)) {
    int e = errno;
    kill(child, SIGKILL);
    return fail("PTRACE_FAILED", e, "PTRACE_SETOPTIONS failed: %s", strerror(e));
  }
  /* Probe PTRACE_GET_SYSCALL_INFO (Linux 5.3+) while the child is stopped. */
  {
    struct sw_syscall_info info;
    if (ptrace((enum __ptrace_request)SW_PTRACE_GET_SYSCALL_INFO, child, (void *)sizeof info, &info) < 0 && errno == EIO) {
      kill(child, SIGKILL);
      return fail("NO_KERNEL_SUPPORT", EIO, "this kernel lacks PTRACE_GET_SYSCALL_INFO (Linux 5.3 or newer is needed)");
    }
  }
  add_task(child, 0);
  ptrace(PTRACE_SYSCALL, child, NULL, NULL);

  struct timespec deadline = {0, 0};
  if (timeout_ms > 0) {
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) { deadline.tv_sec++; deadline.tv_nsec -= 1000000000L; }
  }
  const char *reason = "exit";
  int exec_seen = 0;
  int child_code = -1, child_sig = -1;
  int detached = 0;
  for (;;) {
    pid_t tid = waitpid(-1, &status, __WALL | WNOHANG);
    if (tid < 0) {
      if (errno == EINTR) continue;
      break; /* ECHILD: every traced task is gone */
    }
    if (tid == 0) {
      if (timeout_ms > 0) {
        struct timespec now, left;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (cmp_ts(&now, &deadline) >= 0) {
          reason = "timeout";
          if (cont) { detach_all(0); detached = 1; } else kill_all();
          break;
        }
        left.tv_sec = deadline.tv_sec - now.tv_sec;
        left.tv_nsec = deadline.tv_nsec - now.tv_nsec;
        if (left.tv_nsec < 0) { left.tv_sec--; left.tv_nsec += 1000000000L; }
        sigtimedwait(&chld, NULL, &left);
      } else {
        sigwaitinfo(&chld, NULL);
      }
      continue;
    }
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      if (tid == child) {
        if (WIFEXITED(status)) child_code = WEXITSTATUS(status); else child_sig = WTERMSIG(status);
      }
      remove_task(tid);
      continue;
    }
    if (!WIFSTOPPED(status)) continue;
    struct task *t = find_task(tid);
    int sig = WSTOPSIG(status);
    int event = status >> 16;
    int inject = 0;
    if (!t) {
      /* A new task reported before its creator's event: this is the
       * auto-attach SIGSTOP. */
      t = add_task(tid, 0);
      if (sig == SIGSTOP && !event) { ptrace(PTRACE_SYSCALL, tid, NULL, NULL); continue; }
    }
    if (sig == (SIGTRAP | 0x80)) {
      long before = captured;
      on_syscall_stop(t);
      if (limit > 0 && captured >= limit && captured > before) {
        reason = "limit";
        if (cont) { detach_all(tid); detached = 1; } else kill_all();
        break;
      }
    } else if (sig == SIGTRAP && event) {
      unsigned long msg = 0;
      if (event == SW_EVENT_FORK || event == SW_EVENT_VFORK || event == SW_EVENT_CLONE) {
        if (ptrace(PTRACE_GETEVENTMSG, tid, NULL, &msg) == 0 && msg) {
          if (!find_task((pid_t)msg)) add_task((pid_t)msg, 1);
        }
      } else if (event == SW_EVENT_EXEC) {
        if (tid == child || tgid_of(tid) == child) exec_seen = 1;
        if (ptrace(PTRACE_GETEVENTMSG, tid, NULL, &msg) == 0 && (pid_t)msg != tid) remove_task((pid_t)msg);
        t = find_task(tid);
        if (t) t->have_entry = 0;
      }
    } else if (sig == SIGSTOP && t->initial_stop_pending) {
      t->initial_stop_pending = 0;
    } else {
      siginfo_t si;
      /* A group-stop (GETSIGINFO fails) is resumed; a real signal is delivered. */
      if (ptrace(PTRACE_GETSIGINFO, tid, NULL, &si) == 0) inject = sig;
    }
    ptrace(PTRACE_SYSCALL, tid, NULL, (void *)(long)inject);
  }

  if (!exec_seen && child_code == 127) {
    int e = 0;
    if (read(errpipe[0], &e, sizeof e) == sizeof e) {
      close(errpipe[0]);
      return fail("EXEC_FAILED", e, "cannot exec %s: %s", cmd[0], strerror(e));
    }
  }
  close(errpipe[0]);
  fprintf(out, "{\"type\":\"end\",\"reason\":\"%s\",\"exitCode\":", reason);
  if (child_code >= 0) fprintf(out, "%d", child_code); else fputs("null", out);
  fputs(",\"signal\":", out);
  if (child_sig >= 0) fprintf(out, "%d", child_sig); else fputs("null", out);
  fprintf(out, ",\"detached\":%s,\"count\":%ld}\n", detached ? "true" : "false", captured);
  fflush(out);
  return 0;
}

/* ---- pid mode --------------------------------------------------------- */

static int seccomp_mode_of(pid_t pid) {
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
  FILE *f = fopen(path, "re");
  if (!f) return -1;
  int mode = -1;
  while (fgets(line, sizeof line, f)) {
    if (!strncmp(line, "Seccomp:", 8)) { mode = atoi(line + 8); break; }
  }
  fclose(f);
  return mode;
}

static int dump_pid(pid_t pid) {
  if (pid == getpid()) return fail("BAD_PID", 0, "cannot dump the helper's own process");
  if (ptrace((enum __ptrace_request)SW_PTRACE_SEIZE, pid, NULL, NULL)) {
    int e = errno;
    if (e == ESRCH) return fail("NO_SUCH_PROCESS", e, "no such process: %d", (int)pid);
    if (e == EPERM)
      return fail("PTRACE_DENIED", e, "not permitted to attach to process %d", (int)pid);
    return fail("PTRACE_FAILED", e, "cannot attach to process %d: %s", (int)pid, strerror(e));
  }
  if (ptrace((enum __ptrace_request)SW_PTRACE_INTERRUPT, pid, NULL, NULL)) {
    int e = errno;
    ptrace(PTRACE_DETACH, pid, NULL, NULL);
    return fail("PTRACE_FAILED", e, "cannot stop process %d: %s", (int)pid, strerror(e));
  }
  int status;
  for (;;) {
    pid_t r = waitpid(pid, &status, __WALL);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return fail("PTRACE_FAILED", errno, "waiting for process %d: %s", (int)pid, strerror(errno));
    if (WIFEXITED(status) || WIFSIGNALED(status)) return fail("NO_SUCH_PROCESS", ESRCH, "process %d exited while attaching", (int)pid);
    if (WIFSTOPPED(status)) {
      int event = status >> 16;
      if (event == 128 /* PTRACE_EVENT_STOP */) break;
      /* Some other stop (a signal): let it through and wait for the interrupt. */
      siginfo_t si;
      int inject = ptrace(PTRACE_GETSIGINFO, pid, NULL, &si) == 0 ? WSTOPSIG(status) : 0;
      ptrace(PTRACE_CONT, pid, NULL, (void *)(long)inject);
      ptrace((enum __ptrace_request)SW_PTRACE_INTERRUPT, pid, NULL, NULL);
    }
  }
  uint32_t arch = 0;
  {
    struct sw_syscall_info info;
    memset(&info, 0, sizeof info);
    if (ptrace((enum __ptrace_request)SW_PTRACE_GET_SYSCALL_INFO, pid, (void *)sizeof info, &info) > 0) arch = info.arch;
  }
  int rc = 0;
  int mode = seccomp_mode_of(pid);
  fprintf(out, "{\"type\":\"mode\",\"pid\":%d,\"mode\":%d}\n", (int)pid, mode);
  fflush(out);
  long count = 0;
  if (mode == 2) {
    for (long i = 0;; i++) {
      long n = ptrace((enum __ptrace_request)SW_PTRACE_SECCOMP_GET_FILTER, pid, (void *)i, NULL);
      if (n < 0) {
        int e = errno;
        if (e == ENOENT) break;
        if (e == EACCES || e == EPERM)
          rc = fail("GET_FILTER_DENIED", e, "reading the filters of process %d needs CAP_SYS_ADMIN (and syswall itself must not run under seccomp)", (int)pid);
        else if (e == EIO)
          rc = fail("NO_KERNEL_SUPPORT", e, "this kernel does not support PTRACE_SECCOMP_GET_FILTER (it needs CONFIG_CHECKPOINT_RESTORE and CONFIG_SECCOMP_FILTER)");
        else if (e == EMEDIUMTYPE)
          rc = fail("GET_FILTER_FAILED", e, "filter %ld of process %d is not a classic BPF program", i, (int)pid);
        else
          rc = fail("GET_FILTER_FAILED", e, "PTRACE_SECCOMP_GET_FILTER(%ld) on process %d failed: %s", i, (int)pid, strerror(e));
        break;
      }
      if (n == 0 || n > SW_BPF_MAXINSNS) { warn("filter %ld of process %d has impossible length %ld", i, (int)pid, n); break; }
      unsigned char *prog = calloc((size_t)n, 8);
      if (!prog) { perror("syswall-helper: calloc"); exit(1); }
      long m = ptrace((enum __ptrace_request)SW_PTRACE_SECCOMP_GET_FILTER, pid, (void *)i, prog);
      if (m != n) {
        free(prog);
        rc = fail("GET_FILTER_FAILED", errno, "PTRACE_SECCOMP_GET_FILTER(%ld) on process %d failed: %s", i, (int)pid, strerror(errno));
        break;
      }
      struct sw_seccomp_metadata md = { (uint64_t)i, 0 };
      uint64_t flags = 0;
      if (ptrace((enum __ptrace_request)SW_PTRACE_SECCOMP_GET_METADATA, pid, (void *)sizeof md, &md) > 0) flags = md.flags;
      emit_filter(pid, pid, "ptrace", flags, arch, -1, 0, i, "kernel", prog, (size_t)n);
      free(prog);
      count++;
    }
  }
  ptrace(PTRACE_DETACH, pid, NULL, NULL);
  if (rc) return rc;
  fprintf(out, "{\"type\":\"end\",\"reason\":\"done\",\"exitCode\":null,\"signal\":null,\"detached\":true,\"count\":%ld}\n", count);
  fflush(out);
  return 0;
}

/* ---- entry ------------------------------------------------------------ */

static void usage(FILE *f) {
  fputs("Usage: syswall-helper dump [--out-fd N] [--limit N] [--timeout SEC] [--continue] -- CMD [ARGS...]\n"
        "       syswall-helper dump [--out-fd N] --pid PID\n"
        "Captures the seccomp filters CMD installs (ptrace), or reads those process PID holds\n"
        "(PTRACE_SECCOMP_GET_FILTER, needs CAP_SYS_ADMIN). One JSON object per line on --out-fd\n"
        "(default: stdout). Without --limit, CMD runs to completion; after N filters the\n"
        "tracees are killed, or detached with --continue. --timeout SEC (may be fractional)\n"
        "stops (kills or detaches) after SEC seconds.\n", f);
}

int sw_helper_dump(int argc, char **argv) {
  long limit = 0, pid = 0, out_fd = 1, timeout_ms = 0;
  int cont = 0;
  int i = 1;
  out = stdout;
  for (; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--")) { i++; break; }
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) { usage(stdout); return 0; }
    if (!strcmp(a, "--continue")) { cont = 1; continue; }
    if (i + 1 >= argc) break;
    if (!strcmp(a, "--limit")) {
      if (parse_long(argv[++i], 1, LONG_MAX, &limit)) { fprintf(stderr, "syswall-helper: --limit needs a positive integer\n"); return 2; }
    } else if (!strcmp(a, "--pid")) {
      if (parse_long(argv[++i], 1, INT_MAX, &pid)) { fprintf(stderr, "syswall-helper: --pid needs a process id\n"); return 2; }
    } else if (!strcmp(a, "--out-fd")) {
      if (parse_long(argv[++i], 1, INT_MAX, &out_fd)) { fprintf(stderr, "syswall-helper: --out-fd needs a file descriptor number\n"); return 2; }
    } else if (!strcmp(a, "--timeout")) {
      char *end;
      double s = strtod(argv[++i], &end);
      if (end == argv[i] || *end || !(s > 0) || s > 1e6) { fprintf(stderr, "syswall-helper: --timeout needs a positive number of seconds\n"); return 2; }
      timeout_ms = (long)(s * 1000 + 0.5);
      if (timeout_ms < 1) timeout_ms = 1;
    } else {
      break;
    }
  }
  if (i < argc && argv[i][0] == '-' && strcmp(argv[i - 1], "--")) {
    fprintf(stderr, "syswall-helper: unknown or incomplete option \"%s\"\n", argv[i]);
    usage(stderr);
    return 2;
  }
  if (out_fd != 1) {
    out = fdopen((int)out_fd, "w");
    if (!out) { fprintf(stderr, "syswall-helper: --out-fd %ld: %s\n", out_fd, strerror(errno)); return 2; }
    fcntl((int)out_fd, F_SETFD, FD_CLOEXEC);
  }
  if (pid) {
    if (i < argc) { fprintf(stderr, "syswall-helper: --pid and a command are mutually exclusive\n"); return 2; }
    return dump_pid((pid_t)pid);
  }
  if (i >= argc) {
    fprintf(stderr, "syswall-helper: dump needs a command after -- (or --pid PID)\n");
    usage(stderr);
    return 2;
  }
  return dump_exec(argv + i, limit, timeout_ms, cont, (int)out_fd);
}
