/* Core of the syswall addon: the calls that must run inside the Node process.
 *
 *   seccompLoad(program: Uint8Array, flags: number, noNewPrivs?: boolean): number
 *       seccomp(SECCOMP_SET_MODE_FILTER, flags, program) on the calling thread
 *       (all threads with SECCOMP_FILTER_FLAG_TSYNC), after setting
 *       no_new_privs unless noNewPrivs === false. Returns the listener fd with
 *       SECCOMP_FILTER_FLAG_NEW_LISTENER, else 0. IRREVERSIBLE.
 *   socketpair(): [number, number]     AF_UNIX SOCK_STREAM, both close-on-exec
 *   recvFd(socketFd: number): number   receive one fd (SCM_RIGHTS), blocking
 *   recvFdAsync(socketFd: number): Promise<number>  the same on the libuv pool
 *   actionAvail(action: number): boolean   SECCOMP_GET_ACTION_AVAIL
 *   notifSizes(): {notif, resp, data}      SECCOMP_GET_NOTIF_SIZES
 *
 * Errors are thrown as Error objects with `code` (errno name, e.g. 'EINVAL'),
 * `errno` (positive number) and `syscall`; the TypeScript wrappers in
 * src/node/native.ts turn them into typed NativeErrors.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include "addon.h"

#define CHECK(call) do { if ((call) != napi_ok) return NULL; } while (0)

static const char *errno_name(int e) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
  const char *n = strerrorname_np(e);
  if (n) return n;
#endif
  return "EUNKNOWN";
}

static napi_value make_errno_error(napi_env env, int e, const char *syscall_name) {
  char buf[256];
  snprintf(buf, sizeof buf, "%s: %s", syscall_name, strerror(e));
  napi_value msg, err, code, num, sys;
  napi_create_string_utf8(env, buf, NAPI_AUTO_LENGTH, &msg);
  napi_create_string_utf8(env, errno_name(e), NAPI_AUTO_LENGTH, &code);
  napi_create_error(env, code, msg, &err);
  napi_create_int32(env, e, &num);
  napi_set_named_property(env, err, "errno", num);
  napi_create_string_utf8(env, syscall_name, NAPI_AUTO_LENGTH, &sys);
  napi_set_named_property(env, err, "syscall", sys);
  return err;
}

static napi_value throw_errno(napi_env env, int e, const char *syscall_name) {
  napi_throw(env, make_errno_error(env, e, syscall_name));
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

static napi_value seccomp_load(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  size_t argc;
  CHECK(get_args(env, info, 3, argv, &argc) == 0 ? napi_ok : napi_generic_failure);
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
  if (len == 0 || len % 8 != 0 || len / 8 > 4096) {
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
  /* Copy: the filter array must be suitably aligned. */
  struct sock_filter *insns = malloc(len);
  if (!insns) return throw_errno(env, ENOMEM, "seccomp");
  memcpy(insns, data, len);
  struct sock_fprog prog = {.len = (unsigned short)(len / 8), .filter = insns};
  if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    int e = errno;
    free(insns);
    return throw_errno(env, e, "prctl(PR_SET_NO_NEW_PRIVS)");
  }
  long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
  int e = errno;
  free(insns);
  if (rc < 0) return throw_errno(env, e, "seccomp");
  if (rc > 0 && (flags & SECCOMP_FILTER_FLAG_TSYNC) && !(flags & SECCOMP_FILTER_FLAG_NEW_LISTENER)) {
    /* TSYNC failed: rc is the id of a thread that could not be synchronised. */
    char buf[160];
    snprintf(buf, sizeof buf, "seccomp: thread %ld could not be synchronised (it has a diverging filter or mode)", rc);
    napi_value msg, code, err, tid;
    napi_create_string_utf8(env, buf, NAPI_AUTO_LENGTH, &msg);
    napi_create_string_utf8(env, "ESRCH", NAPI_AUTO_LENGTH, &code);
    napi_create_error(env, code, msg, &err);
    napi_create_int64(env, rc, &tid);
    napi_set_named_property(env, err, "tid", tid);
    napi_throw(env, err);
    return NULL;
  }
  napi_value out;
  CHECK(napi_create_int64(env, rc, &out));
  return out;
}

static napi_value make_socketpair(napi_env env, napi_callback_info info) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return throw_errno(env, errno, "socketpair");
  napi_value arr, a, b;
  CHECK(napi_create_array_with_length(env, 2, &arr));
  CHECK(napi_create_int32(env, sv[0], &a));
  CHECK(napi_create_int32(env, sv[1], &b));
  CHECK(napi_set_element(env, arr, 0, a));
  CHECK(napi_set_element(env, arr, 1, b));
  return arr;
}

/* Receives one fd; returns it (>= 0) or -errno. EPIPE means the peer closed
 * without sending one. */
static int recv_one_fd(int sock) {
  char byte;
  struct iovec iov = {.iov_base = &byte, .iov_len = 1};
  union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int) * 4)]; } ctl;
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf};
  ssize_t r;
  do r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC); while (r < 0 && errno == EINTR);
  if (r < 0) return -errno;
  if (r == 0) return -EPIPE;
  int found = -1;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    int fds[4];
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
  CHECK(get_args(env, info, 1, argv, &argc) == 0 ? napi_ok : napi_generic_failure);
  if (argc < 1 || get_fd(env, argv[0], &fd) < 0) {
    napi_throw_type_error(env, NULL, "Usage: recvFd(socketFd: number)");
    return NULL;
  }
  int r = recv_one_fd(fd);
  if (r < 0) return throw_errno(env, -r, "recvmsg");
  napi_value out;
  CHECK(napi_create_int32(env, r, &out));
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
    napi_reject_deferred(env, j->deferred, make_errno_error(env, ECANCELED, "recvmsg"));
  } else if (j->result < 0) {
    napi_reject_deferred(env, j->deferred, make_errno_error(env, -j->result, "recvmsg"));
  } else {
    napi_create_int32(env, j->result, &v);
    napi_resolve_deferred(env, j->deferred, v);
  }
  napi_delete_async_work(env, j->work);
  free(j);
}

static napi_value recv_fd_async(napi_env env, napi_callback_info info) {
  napi_value argv[1], promise, name;
  size_t argc;
  int32_t fd;
  CHECK(get_args(env, info, 1, argv, &argc) == 0 ? napi_ok : napi_generic_failure);
  if (argc < 1 || get_fd(env, argv[0], &fd) < 0) {
    napi_throw_type_error(env, NULL, "Usage: recvFdAsync(socketFd: number)");
    return NULL;
  }
  recv_job *j = calloc(1, sizeof *j);
  if (!j) return throw_errno(env, ENOMEM, "recvmsg");
  j->sock = fd;
  CHECK(napi_create_promise(env, &j->deferred, &promise));
  CHECK(napi_create_string_utf8(env, "syswall.recvFd", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_create_async_work(env, NULL, name, recv_execute, recv_complete, j, &j->work));
  CHECK(napi_queue_async_work(env, j->work));
  return promise;
}

static napi_value action_avail(napi_env env, napi_callback_info info) {
  napi_value argv[1], out;
  size_t argc;
  uint32_t action;
  CHECK(get_args(env, info, 1, argv, &argc) == 0 ? napi_ok : napi_generic_failure);
  if (argc < 1 || napi_get_value_uint32(env, argv[0], &action) != napi_ok) {
    napi_throw_type_error(env, NULL, "Usage: actionAvail(action: number)");
    return NULL;
  }
  long rc = syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action);
  if (rc < 0 && errno != EOPNOTSUPP) return throw_errno(env, errno, "seccomp(SECCOMP_GET_ACTION_AVAIL)");
  CHECK(napi_get_boolean(env, rc == 0, &out));
  return out;
}

static napi_value notif_sizes(napi_env env, napi_callback_info info) {
  struct seccomp_notif_sizes sz;
  if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz) != 0) return throw_errno(env, errno, "seccomp(SECCOMP_GET_NOTIF_SIZES)");
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

napi_status sw_register_core(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"seccompLoad", NULL, seccomp_load, NULL, NULL, NULL, napi_enumerable, NULL},
    {"socketpair", NULL, make_socketpair, NULL, NULL, NULL, napi_enumerable, NULL},
    {"recvFd", NULL, recv_fd, NULL, NULL, NULL, napi_enumerable, NULL},
    {"recvFdAsync", NULL, recv_fd_async, NULL, NULL, NULL, napi_enumerable, NULL},
    {"actionAvail", NULL, action_avail, NULL, NULL, NULL, napi_enumerable, NULL},
    {"notifSizes", NULL, notif_sizes, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
