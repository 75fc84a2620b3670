/* Core of the syswall addon: the calls that must run inside the Node process.
 *
 *   seccompLoad(program: Uint8Array, flags: number, noNewPrivs?: boolean): number
 *       seccomp(SECCOMP_SET_MODE_FILTER, flags, program) on the calling thread
 *       (all threads with SECCOMP_FILTER_FLAG_TSYNC), after setting
 *       no_new_privs unless noNewPrivs === false. The flags are probed first
 *       (nothing is set when the kernel refuses them). Returns the listener fd
 *       with SECCOMP_FILTER_FLAG_NEW_LISTENER, else 0. IRREVERSIBLE.
 *   filterFlagsSupported(flags: number): boolean   probe: would the kernel take these flags?
 *   socketpair(): [number, number]     AF_UNIX SOCK_STREAM, both close-on-exec
 *   recvFd(socketFd: number): number   receive one fd (SCM_RIGHTS), blocking
 *   recvFdAsync(socketFd: number): Promise<number>  the same on the libuv pool
 *   actionAvail(action: number): boolean   SECCOMP_GET_ACTION_AVAIL
 *   notifSizes(): {notif, resp, data}      SECCOMP_GET_NOTIF_SIZES
 *   isolationProbe(userns: boolean): {ok: boolean, errno: number, step: string}
 *       can a child of this process get new PID and mount namespaces (and a
 *       user namespace) and mount a fresh /proc, as syswall-helper does?
 *   setDumpable(on: boolean): boolean      prctl(PR_SET_DUMPABLE); returns the previous value
 *   hasCapability(cap: number): boolean    in the effective set
 *
 * Errors are thrown as Error objects with `errno` (positive number) and
 * `syscall`; the TypeScript wrappers in src/node/native.ts name the errno
 * with src/core's table and turn them into typed NativeErrors.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/types.h>
#include "addon.h"

extern char **environ;
#include "syswall_generated.h"

#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif

/* Fds one recvmsg may bring in (the peer sends one; extras are closed). */
#define RECV_MAX_FDS 4

#define CHECK(call) do { if ((call) != napi_ok) return NULL; } while (0)

napi_value sw_errno_error(napi_env env, int e, const char *syscall_name) {
  napi_value msg, err, num, sys, code;
  if (napi_create_string_utf8(env, syscall_name, NAPI_AUTO_LENGTH, &msg) != napi_ok) return NULL;
  if (napi_create_string_utf8(env, "ENATIVE", NAPI_AUTO_LENGTH, &code) != napi_ok) return NULL;
  if (napi_create_error(env, code, msg, &err) != napi_ok) return NULL;
  if (napi_create_int32(env, e, &num) != napi_ok || napi_set_named_property(env, err, "errno", num) != napi_ok) return NULL;
  if (napi_create_string_utf8(env, syscall_name, NAPI_AUTO_LENGTH, &sys) != napi_ok || napi_set_named_property(env, err, "syscall", sys) != napi_ok) return NULL;
  return err;
}

napi_value sw_throw_errno(napi_env env, int e, const char *syscall_name) {
  napi_value err = sw_errno_error(env, e, syscall_name);
  if (err) napi_throw(env, err);
  return NULL;
}

static int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv, size_t *got) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return -1;
  *got = argc;
  return 0;
}

static int get_fd(napi_env env, napi_value v, int32_t *fd) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number) return -1;
  if (napi_get_value_int32(env, v, fd) != napi_ok || *fd < 0) return -1;
  return 0;
}

/* 0 when the kernel accepts these filter flags (probed with a NULL program:
 * flags are checked before the program is copied in), else an errno. */
static int probe_flags(uint32_t flags) {
  long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, NULL);
  if (rc < 0 && errno == EFAULT) return 0;
  return rc < 0 ? errno : EINVAL;
}

static napi_value seccomp_load(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  size_t argc;
  if (get_args(env, info, 3, argv, &argc) != 0) return NULL;
  bool is_ta = false;
  if (argc < 2 || napi_is_typedarray(env, argv[0], &is_ta) != napi_ok || !is_ta) {
    napi_throw_type_error(env, NULL, "Usage: seccompLoad(program: Uint8Array, flags: number, noNewPrivs?: boolean)");
    return NULL;
  }
  napi_typedarray_type tt;
  size_t len;
  void *data;
  napi_value ab;
  size_t off;
  CHECK(napi_get_typedarray_info(env, argv[0], &tt, &len, &data, &ab, &off));
  if (tt != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "seccompLoad: program must be a Uint8Array of raw struct sock_filter[]");
    return NULL;
  }
  if (len == 0 || len % 8 != 0 || len / 8 > SW_BPF_MAXINSNS) {
    napi_throw_range_error(env, NULL, "seccompLoad: program must be 1..4096 instructions (a non-zero multiple of 8 bytes)");
    return NULL;
  }
  uint32_t flags;
  if (napi_get_value_uint32(env, argv[1], &flags) != napi_ok) {
    napi_throw_type_error(env, NULL, "seccompLoad: flags must be a number");
    return NULL;
  }
  bool nnp = true;
  if (argc >= 3) {
    napi_valuetype t;
    CHECK(napi_typeof(env, argv[2], &t));
    if (t == napi_boolean) CHECK(napi_get_value_bool(env, argv[2], &nnp));
  }
  /* A listener with TSYNC needs TSYNC_ESRCH (the return value is the fd, so a
   * thread that cannot be synchronised must be reported as ESRCH). */
  if ((flags & SECCOMP_FILTER_FLAG_TSYNC) && (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER)) flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
  /* Refuse before setting anything: flags the kernel does not take. */
  int pe = probe_flags(flags);
  if (pe) return sw_throw_errno(env, pe, "seccomp");
  /* Copy: the filter array must be suitably aligned. */
  struct sock_filter *insns = malloc(len);
  if (!insns) return sw_throw_errno(env, ENOMEM, "seccomp");
  memcpy(insns, data, len);
  struct sock_fprog prog = {.len = (unsigned short)(len / 8), .filter = insns};
  if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    int e = errno;
    free(insns);
    return sw_throw_errno(env, e, "prctl(PR_SET_NO_NEW_PRIVS)");
  }
  long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
  int e = errno;
  free(insns);
  if (rc < 0) return sw_throw_errno(env, e, "seccomp");
  if (rc > 0 && (flags & SECCOMP_FILTER_FLAG_TSYNC) && !(flags & SECCOMP_FILTER_FLAG_NEW_LISTENER)) {
    /* TSYNC failed: rc is the id of a thread that could not be synchronised. */
    napi_value err = sw_errno_error(env, ESRCH, "seccomp");
    napi_value tid;
    if (!err || napi_create_int64(env, rc, &tid) != napi_ok || napi_set_named_property(env, err, "tid", tid) != napi_ok) return NULL;
    napi_throw(env, err);
    return NULL;
  }
  napi_value out;
  CHECK(napi_create_int64(env, rc, &out));
  return out;
}

static napi_value filter_flags_supported(napi_env env, napi_callback_info info) {
  napi_value argv[1], out;
  size_t argc;
  uint32_t flags;
  if (get_args(env, info, 1, argv, &argc) != 0) return NULL;
  if (argc < 1 || napi_get_value_uint32(env, argv[0], &flags) != napi_ok) {
    napi_throw_type_error(env, NULL, "Usage: filterFlagsSupported(flags: number)");
    return NULL;
  }
  CHECK(napi_get_boolean(env, probe_flags(flags) == 0, &out));
  return out;
}

static napi_value make_socketpair(napi_env env, napi_callback_info info) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return sw_throw_errno(env, errno, "socketpair");
  napi_value arr, a, b;
  if (napi_create_array_with_length(env, 2, &arr) != napi_ok || napi_create_int32(env, sv[0], &a) != napi_ok ||
      napi_create_int32(env, sv[1], &b) != napi_ok || napi_set_element(env, arr, 0, a) != napi_ok ||
      napi_set_element(env, arr, 1, b) != napi_ok) {
    close(sv[0]);
    close(sv[1]);
    return NULL;
  }
  return arr;
}

/* Receives one fd; returns it (>= 0) or -errno. EPIPE means the peer closed
 * without sending one. Any further fds in the message are closed. */
static int recv_one_fd(int sock) {
  char byte;
  struct iovec iov = {.iov_base = &byte, .iov_len = 1};
  union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int) * RECV_MAX_FDS)]; } ctl;
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf};
  ssize_t r;
  do r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC); while (r < 0 && errno == EINTR);
  if (r < 0) return -errno;
  if (r == 0) return -EPIPE;
  int found = -1;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || c->cmsg_len < CMSG_LEN(0)) continue;
    size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    if (n > RECV_MAX_FDS) n = RECV_MAX_FDS; /* the control buffer holds no more (MSG_CTRUNC) */
    int fds[RECV_MAX_FDS];
    memcpy(fds, CMSG_DATA(c), n * sizeof(int));
    for (size_t i = 0; i < n; i++) {
      if (found < 0) found = fds[i];
      else close(fds[i]);
    }
  }
  if (found < 0) return (msg.msg_flags & MSG_CTRUNC) ? -EMSGSIZE : -EBADMSG;
  return found;
}

static napi_value recv_fd(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  size_t argc;
  int32_t fd;
  if (get_args(env, info, 1, argv, &argc) != 0) return NULL;
  if (argc < 1 || get_fd(env, argv[0], &fd) < 0) {
    napi_throw_type_error(env, NULL, "Usage: recvFd(socketFd: number)");
    return NULL;
  }
  int r = recv_one_fd(fd);
  if (r < 0) return sw_throw_errno(env, -r, "recvmsg");
  napi_value out;
  if (napi_create_int32(env, r, &out) != napi_ok) {
    close(r);
    return NULL;
  }
  return out;
}

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  int sock;
  int result;
} recv_job;

static void recv_execute(napi_env env, void *data) {
  recv_job *j = data;
  j->result = recv_one_fd(j->sock);
}

static void recv_complete(napi_env env, napi_status status, void *data) {
  recv_job *j = data;
  napi_value v;
  if (status != napi_ok) {
    if (j->result >= 0) close(j->result);
    napi_value err = sw_errno_error(env, ECANCELED, "recvmsg");
    if (err) napi_reject_deferred(env, j->deferred, err);
  } else if (j->result < 0) {
    napi_value err = sw_errno_error(env, -j->result, "recvmsg");
    if (err) napi_reject_deferred(env, j->deferred, err);
  } else if (napi_create_int32(env, j->result, &v) == napi_ok) {
    napi_resolve_deferred(env, j->deferred, v);
  } else {
    close(j->result);
  }
  napi_delete_async_work(env, j->work);
  free(j);
}

static napi_value recv_fd_async(napi_env env, napi_callback_info info) {
  napi_value argv[1], promise, name;
  size_t argc;
  int32_t fd;
  if (get_args(env, info, 1, argv, &argc) != 0) return NULL;
  if (argc < 1 || get_fd(env, argv[0], &fd) < 0) {
    napi_throw_type_error(env, NULL, "Usage: recvFdAsync(socketFd: number)");
    return NULL;
  }
  recv_job *j = calloc(1, sizeof *j);
  if (!j) return sw_throw_errno(env, ENOMEM, "recvmsg");
  j->sock = fd;
  if (napi_create_string_utf8(env, "syswall.recvFd", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_async_work(env, NULL, name, recv_execute, recv_complete, j, &j->work) != napi_ok) {
    free(j);
    return NULL;
  }
  if (napi_create_promise(env, &j->deferred, &promise) != napi_ok) {
    napi_delete_async_work(env, j->work);
    free(j);
    return NULL;
  }
  if (napi_queue_async_work(env, j->work) != napi_ok) {
    napi_value err = sw_errno_error(env, EAGAIN, "recvmsg");
    if (err) napi_reject_deferred(env, j->deferred, err);
    napi_delete_async_work(env, j->work);
    free(j);
  }
  return promise;
}

static napi_value action_avail(napi_env env, napi_callback_info info) {
  napi_value argv[1], out;
  size_t argc;
  uint32_t action;
  if (get_args(env, info, 1, argv, &argc) != 0) return NULL;
  if (argc < 1 || napi_get_value_uint32(env, argv[0], &action) != napi_ok) {
    napi_throw_type_error(env, NULL, "Usage: actionAvail(action: number)");
    return NULL;
  }
  long rc = syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action);
  if (rc < 0 && errno != EOPNOTSUPP) return sw_throw_errno(env, errno, "seccomp(SECCOMP_GET_ACTION_AVAIL)");
  CHECK(napi_get_boolean(env, rc == 0, &out));
  return out;
}

static napi_value notif_sizes(napi_env env, napi_callback_info info) {
  struct seccomp_notif_sizes sz;
  if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz) != 0) return sw_throw_errno(env, errno, "seccomp(SECCOMP_GET_NOTIF_SIZES)");
  napi_value out, a, b, c;
  CHECK(napi_create_object(env, &out));
  CHECK(napi_create_uint32(env, sz.seccomp_notif, &a));
  CHECK(napi_create_uint32(env, sz.seccomp_notif_resp, &b));
  CHECK(napi_create_uint32(env, sz.seccomp_data, &c));
  CHECK(napi_set_named_property(env, out, "notif", a));
  CHECK(napi_set_named_property(env, out, "resp", b));
  CHECK(napi_set_named_property(env, out, "data", c));
  return out;
}

/* ---- isolation -------------------------------------------------------------- */

/* Set by the probe child, which shares our memory (CLONE_VM). */
static volatile int probe_errno;

/* Runs in the probe child on its own stack: what syswall-helper's init does
 * first. Returns 0, 1 (making / a slave failed) or 2 (mounting proc failed). */
static int probe_child(void *arg) {
  (void)arg;
  if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) != 0) { probe_errno = errno; return 1; }
  if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) { probe_errno = errno; return 2; }
  return 0;
}

static napi_value isolation_probe(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  size_t argc;
  bool userns = false;
  if (get_args(env, info, 1, argv, &argc) != 0) return NULL;
  if (argc >= 1) CHECK(napi_get_value_bool(env, argv[0], &userns));
  static char stack[64 * 1024] __attribute__((aligned(16)));
  /* CLONE_VM | CLONE_VFORK: no copy of Node's memory; no exit signal, so
   * libuv's SIGCHLD handling never sees it. */
  int flags = CLONE_VM | CLONE_VFORK | CLONE_NEWPID | CLONE_NEWNS | (userns ? CLONE_NEWUSER : 0);
  const char *step = "clone";
  int err = 0;
  probe_errno = 0;
  pid_t pid = clone(probe_child, stack + sizeof stack, flags, NULL);
  if (pid < 0) {
    err = errno;
  } else {
    int status = 0;
    pid_t r;
    do r = waitpid(pid, &status, __WALL); while (r < 0 && errno == EINTR);
    if (r < 0) {
      err = errno;
      step = "waitpid";
    } else if (!WIFEXITED(status)) {
      err = EIO;
      step = "probe";
    } else if (WEXITSTATUS(status) != 0) {
      step = WEXITSTATUS(status) == 1 ? "make / a slave mount" : "mount a fresh /proc";
      err = probe_errno ? probe_errno : EPERM;
    }
  }
  napi_value out, ok, num, st;
  CHECK(napi_create_object(env, &out));
  CHECK(napi_get_boolean(env, err == 0, &ok));
  CHECK(napi_create_int32(env, err, &num));
  CHECK(napi_create_string_utf8(env, step, NAPI_AUTO_LENGTH, &st));
  CHECK(napi_set_named_property(env, out, "ok", ok));
  CHECK(napi_set_named_property(env, out, "errno", num));
  CHECK(napi_set_named_property(env, out, "step", st));
  return out;
}

static napi_value set_dumpable(napi_env env, napi_callback_info info) {
  napi_value argv[1], out;
  size_t argc;
  bool on;
  if (get_args(env, info, 1, argv, &argc) != 0) return NULL;
  if (argc < 1 || napi_get_value_bool(env, argv[0], &on) != napi_ok) {
    napi_throw_type_error(env, NULL, "Usage: setDumpable(on: boolean)");
    return NULL;
  }
  int prev = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
  if (prev < 0) return sw_throw_errno(env, errno, "prctl(PR_GET_DUMPABLE)");
  if (prctl(PR_SET_DUMPABLE, on ? 1 : 0, 0, 0, 0) != 0) return sw_throw_errno(env, errno, "prctl(PR_SET_DUMPABLE)");
  CHECK(napi_get_boolean(env, prev == 1, &out));
  return out;
}

static napi_value has_capability(napi_env env, napi_callback_info info) {
  napi_value argv[1], out;
  size_t argc;
  uint32_t cap;
  if (get_args(env, info, 1, argv, &argc) != 0) return NULL;
  if (argc < 1 || napi_get_value_uint32(env, argv[0], &cap) != napi_ok || cap >= 64) {
    napi_throw_type_error(env, NULL, "Usage: hasCapability(cap: number 0..63)");
    return NULL;
  }
  struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct d[2];
  memset(d, 0, sizeof d);
  if (syscall(SYS_capget, &h, d) != 0) return sw_throw_errno(env, errno, "capget");
  CHECK(napi_get_boolean(env, ((d[cap / 32].effective >> (cap % 32)) & 1) != 0, &out));
  return out;
}

/* memfdWith(bytes): a memfd holding bytes, at offset 0, inherited across
 * execve (not close-on-exec): the program for execInPlace's helper. */
static napi_value memfd_with(napi_env env, napi_callback_info info) {
  napi_value argv[1], out;
  size_t argc;
  void *data;
  size_t len;
  if (get_args(env, info, 1, argv, &argc) != 0) return NULL;
  if (argc < 1 || napi_get_typedarray_info(env, argv[0], NULL, &len, &data, NULL, NULL) != napi_ok) {
    napi_throw_type_error(env, NULL, "Usage: memfdWith(bytes: Uint8Array)");
    return NULL;
  }
  int fd = (int)syscall(SYS_memfd_create, "syswall-program", 0u);
  if (fd < 0) return sw_throw_errno(env, errno, "memfd_create");
  const char *p = data;
  size_t left = len;
  while (left > 0) {
    ssize_t w = write(fd, p, left);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      int e = w < 0 ? errno : EIO;
      close(fd);
      return sw_throw_errno(env, e, "write");
    }
    p += w;
    left -= (size_t)w;
  }
  if (lseek(fd, 0, SEEK_SET) != 0) {
    int e = errno;
    close(fd);
    return sw_throw_errno(env, e, "lseek");
  }
  CHECK(napi_create_int32(env, fd, &out));
  return out;
}

/* The flags of fds 0-2 before Node's streams touched them (noteStdio). */
static int stdio_flags[3];
static int stdio_noted = 0;

/* noteStdio(): remembers the file status flags of fds 0-2 as this process
 * got them, for execInPlace (Node makes a pipe it writes to non-blocking
 * and restores it only when it exits itself). */
static napi_value note_stdio(napi_env env, napi_callback_info info) {
  (void)info;
  for (int fd = 0; fd < 3; fd++) stdio_flags[fd] = fcntl(fd, F_GETFL);
  stdio_noted = 1;
  napi_value out;
  CHECK(napi_get_undefined(env, &out));
  return out;
}

/* execInPlace(path, argv): replaces this process (Node) with path. Signal
 * dispositions and the mask are reset first (Node ignores SIGPIPE, and an
 * ignored signal stays ignored across execve), fds 0-2 are handed on as
 * this process got them (Node marks them close-on-exec, and may have made a
 * pipe non-blocking: noteStdio remembers how they were), and the
 * environment is Node's (process.env). Returns only by throwing the errno of
 * execve, with Node's state as it was. */
static napi_value exec_in_place(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  size_t argc;
  uint32_t n = 0;
  bool is_array = false;
  if (get_args(env, info, 2, argv, &argc) != 0) return NULL;
  if (argc < 2 || napi_is_array(env, argv[1], &is_array) != napi_ok || !is_array || napi_get_array_length(env, argv[1], &n) != napi_ok || n == 0 || n > 4096) {
    napi_throw_type_error(env, NULL, "Usage: execInPlace(path: string, argv: string[])");
    return NULL;
  }
  char path[4096];
  size_t got;
  if (napi_get_value_string_utf8(env, argv[0], path, sizeof path, &got) != napi_ok || got >= sizeof path - 1) {
    napi_throw_type_error(env, NULL, "execInPlace: path must be a string shorter than 4096 bytes");
    return NULL;
  }
  char **args = calloc((size_t)n + 1, sizeof *args);
  if (!args) return sw_throw_errno(env, ENOMEM, "calloc");
  int bad = 0;
  for (uint32_t i = 0; i < n && !bad; i++) {
    napi_value v;
    size_t l = 0;
    if (napi_get_element(env, argv[1], i, &v) != napi_ok || napi_get_value_string_utf8(env, v, NULL, 0, &l) != napi_ok) { bad = 1; break; }
    args[i] = malloc(l + 1);
    if (!args[i] || napi_get_value_string_utf8(env, v, args[i], l + 1, &l) != napi_ok || strlen(args[i]) != l) bad = 1;
  }
  int e = EINVAL;
  if (!bad) {
    /* Node's own dispositions come back if execve fails. */
    static struct sigaction saved[NSIG];
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) sigaction(sig, &sa, &saved[sig]);
    sigset_t none, mask;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, &mask);
    int fdflags[3], flflags[3];
    for (int fd = 0; fd < 3; fd++) {
      fdflags[fd] = fcntl(fd, F_GETFD);
      flflags[fd] = fcntl(fd, F_GETFL);
      if (fdflags[fd] >= 0 && (fdflags[fd] & FD_CLOEXEC)) fcntl(fd, F_SETFD, fdflags[fd] & ~FD_CLOEXEC);
      if (stdio_noted && stdio_flags[fd] >= 0 && flflags[fd] >= 0 && ((stdio_flags[fd] ^ flflags[fd]) & O_NONBLOCK))
        fcntl(fd, F_SETFL, (flflags[fd] & ~O_NONBLOCK) | (stdio_flags[fd] & O_NONBLOCK));
    }
    execve(path, args, environ);
    e = errno;
    for (int fd = 0; fd < 3; fd++) {
      if (fdflags[fd] >= 0) fcntl(fd, F_SETFD, fdflags[fd]);
      if (flflags[fd] >= 0) fcntl(fd, F_SETFL, flflags[fd]);
    }
    for (int sig = 1; sig < NSIG; sig++) sigaction(sig, &saved[sig], NULL);
    sigprocmask(SIG_SETMASK, &mask, NULL);
  }
  for (uint32_t i = 0; i < n; i++) free(args[i]);
  free(args);
  if (bad) {
    napi_throw_type_error(env, NULL, "execInPlace: argv must be strings without NUL bytes");
    return NULL;
  }
  return sw_throw_errno(env, e, "execve");
}

napi_status sw_register_core(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"seccompLoad", NULL, seccomp_load, NULL, NULL, NULL, napi_enumerable, NULL},
    {"filterFlagsSupported", NULL, filter_flags_supported, NULL, NULL, NULL, napi_enumerable, NULL},
    {"socketpair", NULL, make_socketpair, NULL, NULL, NULL, napi_enumerable, NULL},
    {"recvFd", NULL, recv_fd, NULL, NULL, NULL, napi_enumerable, NULL},
    {"recvFdAsync", NULL, recv_fd_async, NULL, NULL, NULL, napi_enumerable, NULL},
    {"actionAvail", NULL, action_avail, NULL, NULL, NULL, napi_enumerable, NULL},
    {"notifSizes", NULL, notif_sizes, NULL, NULL, NULL, napi_enumerable, NULL},
    {"isolationProbe", NULL, isolation_probe, NULL, NULL, NULL, napi_enumerable, NULL},
    {"setDumpable", NULL, set_dumpable, NULL, NULL, NULL, napi_enumerable, NULL},
    {"hasCapability", NULL, has_capability, NULL, NULL, NULL, napi_enumerable, NULL},
    {"memfdWith", NULL, memfd_with, NULL, NULL, NULL, napi_enumerable, NULL},
    {"noteStdio", NULL, note_stdio, NULL, NULL, NULL, napi_enumerable, NULL},
    {"execInPlace", NULL, exec_in_place, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
