/* The OCI seccomp agent's socket plumbing for the syswall addon.
 *
 * Node's net module cannot receive file descriptors (SCM_RIGHTS) on a unix
 * socket, and a container runtime sends the container's seccomp listener fd
 * that way. These few calls give the TypeScript agent (src/node/agent.ts) a
 * listening AF_UNIX stream socket, non-blocking accept with the peer's
 * credentials, non-blocking recvmsg with the fds that came along, and a
 * readiness watcher on Node's event loop. No protocol or policy here.
 *
 * Exports:
 *   agentListen(path, mode, backlog) -> fd
 *       socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK), bind with
 *       umask 0177 (the file is never more open than 0600 before the chmod),
 *       chmod(path, mode), listen. The caller removes stale files first.
 *   agentAccept(listenFd) -> { fd, pid, uid, gid } | null (nothing pending)
 *       accept4(SOCK_CLOEXEC|SOCK_NONBLOCK) and SO_PEERCRED.
 *   agentRecv(fd, maxBytes) -> { data: Buffer, fds: number[], ctrunc: boolean } | null (EAGAIN)
 *       one recvmsg(MSG_DONTWAIT|MSG_CMSG_CLOEXEC); data.length 0 is end of
 *       stream. Every SCM_RIGHTS fd received is returned (close-on-exec); the
 *       caller owns and closes them. ctrunc: the kernel dropped fds that did
 *       not fit (it closes those itself).
 *   agentWatch(fd, onEvent(statusOrEvents)) -> handle
 *       level-triggered uv_poll for readability/hang-up; the callback gets the
 *       libuv events (> 0) or a negative errno. Never closes the fd.
 *   agentUnwatch(handle)   stop watching (idempotent)
 * Errors are thrown as Error with `code` (errno name), `errno` and `syscall`.
 */
#include "addon.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <uv.h>

/* Most fds accepted in one message; more than runc or crun ever send (one). */
#define SW_AGENT_MAX_FDS 16
/* Largest single read. */
#define SW_AGENT_MAX_READ (1 << 20)

static napi_value agent_error(napi_env env, int err, const char *syscall_name) {
  char msg[256];
  const char *name = strerrorname_np(err);
  snprintf(msg, sizeof msg, "%s: %s", syscall_name, strerror(err));
  napi_value m, e, code, num, sys;
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &m);
  napi_create_string_utf8(env, name ? name : "EUNKNOWN", NAPI_AUTO_LENGTH, &code);
  napi_create_error(env, code, m, &e);
  napi_create_int32(env, err, &num);
  napi_set_named_property(env, e, "errno", num);
  napi_create_string_utf8(env, syscall_name, NAPI_AUTO_LENGTH, &sys);
  napi_set_named_property(env, e, "syscall", sys);
  napi_throw(env, e);
  return NULL;
}

static int get_i32(napi_env env, napi_value v, int32_t *out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number) return -1;
  return napi_get_value_int32(env, v, out) == napi_ok ? 0 : -1;
}

static napi_value mk_int(napi_env env, int64_t v) {
  napi_value r;
  napi_create_int64(env, v, &r);
  return r;
}

/* ------------------------------------------------------------ listen */

static napi_value agent_listen(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
  size_t len = 0;
  int32_t mode, backlog;
  if (argc < 3 || napi_get_value_string_utf8(env, argv[0], path, sizeof path, &len) != napi_ok || get_i32(env, argv[1], &mode) ||
      get_i32(env, argv[2], &backlog)) {
    napi_throw_type_error(env, NULL, "agentListen(path: string, mode: number, backlog: number)");
    return NULL;
  }
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  if (len == 0 || len >= sizeof addr.sun_path) return agent_error(env, ENAMETOOLONG, "bind");
  memcpy(addr.sun_path, path, len);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return agent_error(env, errno, "socket");
  mode_t old = umask(0177);
  int r = bind(fd, (struct sockaddr *)&addr, sizeof addr);
  int e = errno;
  umask(old);
  if (r != 0) {
    close(fd);
    return agent_error(env, e, "bind");
  }
  /* Nobody can connect before listen(): set the final mode first. */
  if (chmod(path, (mode_t)mode & 07777) != 0) {
    e = errno;
    unlink(path);
    close(fd);
    return agent_error(env, e, "chmod");
  }
  if (listen(fd, backlog > 0 ? backlog : 64) != 0) {
    e = errno;
    unlink(path);
    close(fd);
    return agent_error(env, e, "listen");
  }
  return mk_int(env, fd);
}

/* ------------------------------------------------------------ accept */

static napi_value agent_accept(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t lfd;
  if (argc < 1 || get_i32(env, argv[0], &lfd)) {
    napi_throw_type_error(env, NULL, "agentAccept(listenFd: number)");
    return NULL;
  }
  int fd;
  do fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    napi_value n;
    /* Nothing pending, or the connection was reset before we took it. */
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNABORTED) {
      napi_get_null(env, &n);
      return n;
    }
    return agent_error(env, errno, "accept4");
  }
  struct ucred cred;
  socklen_t clen = sizeof cred;
  memset(&cred, 0, sizeof cred);
  int have = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0;
  napi_value o;
  napi_create_object(env, &o);
  napi_set_named_property(env, o, "fd", mk_int(env, fd));
  napi_set_named_property(env, o, "pid", mk_int(env, have ? cred.pid : -1));
  napi_set_named_property(env, o, "uid", mk_int(env, have ? (int64_t)cred.uid : -1));
  napi_set_named_property(env, o, "gid", mk_int(env, have ? (int64_t)cred.gid : -1));
  return o;
}

/* ------------------------------------------------------------ recv */

static napi_value agent_recv(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd, max;
  if (argc < 2 || get_i32(env, argv[0], &fd) || get_i32(env, argv[1], &max) || max <= 0) {
    napi_throw_type_error(env, NULL, "agentRecv(fd: number, maxBytes: number)");
    return NULL;
  }
  if (max > SW_AGENT_MAX_READ) max = SW_AGENT_MAX_READ;
  char *buf = malloc((size_t)max);
  if (!buf) return agent_error(env, ENOMEM, "recvmsg");
  union {
    struct cmsghdr h;
    char b[CMSG_SPACE(sizeof(int) * SW_AGENT_MAX_FDS)];
  } ctl;
  memset(&ctl, 0, sizeof ctl);
  struct iovec iov = {.iov_base = buf, .iov_len = (size_t)max};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b, .msg_controllen = sizeof ctl.b};
  ssize_t n;
  do n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    int e = errno;
    free(buf);
    if (e == EAGAIN || e == EWOULDBLOCK) {
      napi_value nul;
      napi_get_null(env, &nul);
      return nul;
    }
    return agent_error(env, e, "recvmsg");
  }
  napi_value o, data, fds;
  napi_create_object(env, &o);
  void *dst;
  napi_create_buffer_copy(env, (size_t)n, buf, &dst, &data);
  free(buf);
  napi_set_named_property(env, o, "data", data);
  napi_create_array(env, &fds);
  uint32_t count = 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < k; i++) {
      int f;
      memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof f);
      napi_set_element(env, fds, count++, mk_int(env, f));
    }
  }
  napi_set_named_property(env, o, "fds", fds);
  napi_value tr;
  napi_get_boolean(env, (msg.msg_flags & MSG_CTRUNC) != 0, &tr);
  napi_set_named_property(env, o, "ctrunc", tr);
  return o;
}

/* ------------------------------------------------------------ watch */

typedef struct {
  uv_poll_t poll;
  napi_env env;
  napi_ref cb;
  napi_async_context async;
  int closing;
  int closed;
  int finalized;
} sw_agent_watch;

static void watch_closed(uv_handle_t *h) {
  sw_agent_watch *w = (sw_agent_watch *)h->data;
  napi_delete_reference(w->env, w->cb);
  napi_async_destroy(w->env, w->async);
  w->closed = 1;
  if (w->finalized) free(w);
}

static void watch_stop(sw_agent_watch *w) {
  if (w->closing) return;
  w->closing = 1;
  uv_poll_stop(&w->poll);
  uv_close((uv_handle_t *)&w->poll, watch_closed);
}

static void watch_cb(uv_poll_t *h, int status, int events) {
  sw_agent_watch *w = (sw_agent_watch *)h->data;
  if (w->closing) return;
  napi_env env = w->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value fn, recv, result, arg = mk_int(env, status < 0 ? status : (events ? events : UV_READABLE));
  napi_get_reference_value(env, w->cb, &fn);
  napi_get_global(env, &recv);
  napi_status st = napi_make_callback(env, w->async, recv, fn, 1, &arg, &result);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (st == napi_pending_exception || pending) {
    napi_value exc;
    napi_get_and_clear_last_exception(env, &exc);
    napi_fatal_exception(env, exc);
  }
  /* A poll error cannot recover: stop so it does not spin. */
  if (status < 0) watch_stop(w);
  napi_close_handle_scope(env, scope);
}

static void watch_finalize(napi_env env, void *data, void *hint) {
  sw_agent_watch *w = (sw_agent_watch *)data;
  w->finalized = 1;
  if (w->closed) free(w);
}

static napi_value agent_watch(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd;
  napi_valuetype t;
  if (argc < 2 || get_i32(env, argv[0], &fd) || fd < 0 || napi_typeof(env, argv[1], &t) != napi_ok || t != napi_function) {
    napi_throw_type_error(env, NULL, "agentWatch(fd: number, onEvent: function)");
    return NULL;
  }
  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return agent_error(env, EINVAL, "uv_default_loop");
  sw_agent_watch *w = calloc(1, sizeof *w);
  if (!w) return agent_error(env, ENOMEM, "agentWatch");
  w->env = env;
  int rc = uv_poll_init(loop, &w->poll, fd);
  if (rc != 0) {
    free(w);
    return agent_error(env, -rc, "uv_poll_init");
  }
  w->poll.data = w;
  napi_create_reference(env, argv[1], 1, &w->cb);
  napi_value name;
  napi_create_string_utf8(env, "syswall:agent", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &w->async);
  rc = uv_poll_start(&w->poll, UV_READABLE | UV_DISCONNECT, watch_cb);
  if (rc != 0) {
    watch_stop(w);
    return agent_error(env, -rc, "uv_poll_start");
  }
  napi_value ext;
  napi_create_external(env, w, watch_finalize, NULL, &ext);
  return ext;
}

static napi_value agent_unwatch(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  void *p = NULL;
  if (argc < 1 || napi_get_value_external(env, argv[0], &p) != napi_ok || !p) {
    napi_throw_type_error(env, NULL, "agentUnwatch(handle): not a watch handle");
    return NULL;
  }
  watch_stop((sw_agent_watch *)p);
  return NULL;
}

napi_status sw_register_agent(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"agentListen", NULL, agent_listen, NULL, NULL, NULL, napi_enumerable, NULL},
    {"agentAccept", NULL, agent_accept, NULL, NULL, NULL, napi_enumerable, NULL},
    {"agentRecv", NULL, agent_recv, NULL, NULL, NULL, napi_enumerable, NULL},
    {"agentWatch", NULL, agent_watch, NULL, NULL, NULL, napi_enumerable, NULL},
    {"agentUnwatch", NULL, agent_unwatch, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
