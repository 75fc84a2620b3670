/* User-notification listener for the syswall addon.
 *
 * A seccomp listener fd (SECCOMP_FILTER_FLAG_NEW_LISTENER) is driven from
 * Node's event loop: a uv_poll watches the fd, and when it is readable we
 * RECV notifications one by one and hand each to a JS callback. Responses
 * (SEND), ID_VALID and ADDFD are plain synchronous calls. No policy here: the
 * TypeScript supervisor decides.
 *
 * Exports:
 *   notifStart(fd, onNotif(n), onEnd(errnoOrZero)) -> handle
 *       n = { id: bigint, pid, flags, data: { nr, arch, ip: bigint, args: bigint[6] } }
 *       onEnd(0) when every task using the filter is gone (POLLHUP);
 *       onEnd(errno) when the fd fails. After onEnd the watcher is stopped.
 *   notifStop(handle)            stop polling (idempotent; does not close fd)
 *   notifRespond(fd, id, val, error, flags) -> 0 or errno (ENOENT: target gone)
 *   notifIdValid(fd, id) -> boolean
 *   notifAddFd(fd, id, srcfd, newfd, flags, newfdFlags) -> fd number in target
 *   notifSetFlags(fd, flags) -> 0 or errno (SECCOMP_IOCTL_NOTIF_SET_FLAGS, 6.6+)
 *   notifKill(fd, id, tid) -> 0 or errno: SIGKILL the caller's process, through a
 *       pidfd opened before the notification is checked still pending (so a
 *       recycled tid is never signalled). ENOENT: the caller is gone.
 * Errors are thrown as Error with `errno` (a number; the TypeScript side names
 * it) and `syscall`.
 */
#include "addon.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <uv.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

#ifndef SECCOMP_GET_NOTIF_SIZES
#define SECCOMP_GET_NOTIF_SIZES 3
#endif
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif

/* Most notifications handled in one poll callback before yielding to the loop. */
#define SW_BATCH 128

typedef struct {
  uv_poll_t poll;
  int fd;
  int stopped;
  int closing;
  int closed;    /* uv_close finished */
  int finalized; /* the JS handle was garbage-collected */
  napi_env env;
  napi_ref on_notif;
  napi_ref on_end;
  napi_async_context async;
  struct seccomp_notif *buf;
  size_t buf_size;
} sw_watch;

static struct seccomp_notif_sizes g_sizes;
static int g_sizes_ok;

static int get_sizes(void) {
  if (g_sizes_ok) return 0;
  if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &g_sizes) != 0) return errno;
  g_sizes_ok = 1;
  return 0;
}

static void throw_errno(napi_env env, const char *what, int err) {
  sw_throw_errno(env, err, what);
}

static void throw_type(napi_env env, const char *msg) { napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg); }

static int arg_int32(napi_env env, napi_value v, int32_t *out) {
  return napi_get_value_int32(env, v, out) == napi_ok ? 0 : -1;
}

static int arg_u64(napi_env env, napi_value v, uint64_t *out) {
  bool lossless;
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return -1;
  if (t == napi_bigint) return napi_get_value_bigint_uint64(env, v, out, &lossless) == napi_ok ? 0 : -1;
  if (t == napi_number) {
    int64_t i;
    if (napi_get_value_int64(env, v, &i) != napi_ok) return -1;
    *out = (uint64_t)i;
    return 0;
  }
  return -1;
}

static int arg_i64(napi_env env, napi_value v, int64_t *out) {
  bool lossless;
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return -1;
  if (t == napi_bigint) return napi_get_value_bigint_int64(env, v, out, &lossless) == napi_ok ? 0 : -1;
  if (t == napi_number) return napi_get_value_int64(env, v, out) == napi_ok ? 0 : -1;
  return -1;
}

/* A JS number, or NULL (an exception is pending) when N-API fails. */
static napi_value js_int(napi_env env, int64_t v) {
  napi_value r;
  return napi_create_int64(env, v, &r) == napi_ok ? r : NULL;
}

/* ------------------------------------------------------------ watcher */

static void on_closed(uv_handle_t *h) {
  sw_watch *w = (sw_watch *)h->data;
  if (w->on_notif) napi_delete_reference(w->env, w->on_notif);
  if (w->on_end) napi_delete_reference(w->env, w->on_end);
  if (w->async) napi_async_destroy(w->env, w->async);
  free(w->buf);
  w->buf = NULL;
  w->closed = 1;
  if (w->finalized) free(w);
}

static void watch_stop(sw_watch *w) {
  if (w->closing) return;
  w->stopped = 1;
  w->closing = 1;
  uv_poll_stop(&w->poll);
  uv_close((uv_handle_t *)&w->poll, on_closed);
}

/* Calls a JS function from the loop with a proper callback scope (microtasks run after). */
static void call_js(sw_watch *w, napi_ref fn_ref, size_t argc, napi_value *argv) {
  napi_env env = w->env;
  napi_value fn, recv, result;
  napi_status st = napi_get_reference_value(env, fn_ref, &fn);
  if (st == napi_ok) st = napi_get_global(env, &recv); /* make_callback wants an object receiver */
  if (st == napi_ok) st = napi_make_callback(env, w->async, recv, fn, argc, argv, &result);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (st == napi_pending_exception || pending) {
    napi_value exc;
    napi_get_and_clear_last_exception(env, &exc);
    napi_fatal_exception(env, exc);
  } else if (st != napi_ok) {
    napi_fatal_error("syswall addon_notify", NAPI_AUTO_LENGTH, "cannot call the notification callback", NAPI_AUTO_LENGTH);
  }
}

static void deliver_end(sw_watch *w, int err) {
  napi_handle_scope scope;
  watch_stop(w);
  if (napi_open_handle_scope(w->env, &scope) != napi_ok) {
    napi_fatal_error("syswall addon_notify", NAPI_AUTO_LENGTH, "cannot open a handle scope", NAPI_AUTO_LENGTH);
  }
  napi_value arg = js_int(w->env, err);
  if (!arg) napi_fatal_error("syswall addon_notify", NAPI_AUTO_LENGTH, "cannot report the end of supervision", NAPI_AUTO_LENGTH);
  call_js(w, w->on_end, 1, &arg);
  napi_close_handle_scope(w->env, scope);
}

/* Builds the JS object of a notification; NULL when N-API fails. */
static napi_value notif_object(napi_env env, const struct seccomp_notif *n) {
  napi_value o, data, args, v, x;
  if (napi_create_object(env, &o) != napi_ok || napi_create_object(env, &data) != napi_ok) return NULL;
  if (napi_create_bigint_uint64(env, n->id, &v) != napi_ok || napi_set_named_property(env, o, "id", v) != napi_ok) return NULL;
  if (!(x = js_int(env, n->pid)) || napi_set_named_property(env, o, "pid", x) != napi_ok) return NULL;
  if (!(x = js_int(env, n->flags)) || napi_set_named_property(env, o, "flags", x) != napi_ok) return NULL;
  if (!(x = js_int(env, n->data.nr)) || napi_set_named_property(env, data, "nr", x) != napi_ok) return NULL;
  if (!(x = js_int(env, n->data.arch)) || napi_set_named_property(env, data, "arch", x) != napi_ok) return NULL;
  if (napi_create_bigint_uint64(env, n->data.instruction_pointer, &v) != napi_ok || napi_set_named_property(env, data, "ip", v) != napi_ok) return NULL;
  if (napi_create_array_with_length(env, 6, &args) != napi_ok) return NULL;
  for (uint32_t i = 0; i < 6; i++) {
    if (napi_create_bigint_uint64(env, n->data.args[i], &v) != napi_ok || napi_set_element(env, args, i, v) != napi_ok) return NULL;
  }
  if (napi_set_named_property(env, data, "args", args) != napi_ok || napi_set_named_property(env, o, "data", data) != napi_ok) return NULL;
  return o;
}

static void deliver(sw_watch *w, const struct seccomp_notif *n) {
  napi_env env = w->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) {
    napi_fatal_error("syswall addon_notify", NAPI_AUTO_LENGTH, "cannot open a handle scope", NAPI_AUTO_LENGTH);
  }
  napi_value o = notif_object(env, n);
  if (o) {
    call_js(w, w->on_notif, 1, &o);
  } else {
    /* Fail closed: the call does not run. */
    bool pending = false;
    napi_value exc;
    if (napi_is_exception_pending(env, &pending) == napi_ok && pending) napi_get_and_clear_last_exception(env, &exc);
    struct seccomp_notif_resp resp;
    memset(&resp, 0, sizeof resp);
    resp.id = n->id;
    resp.error = -EPERM;
    ioctl(w->fd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
  }
  napi_close_handle_scope(env, scope);
}

static void on_poll(uv_poll_t *h, int status, int events) {
  sw_watch *w = (sw_watch *)h->data;
  (void)events;
  if (w->stopped) return;
  if (status < 0) {
    deliver_end(w, -status);
    return;
  }
  for (int i = 0; i < SW_BATCH && !w->stopped; i++) {
    /* Ask the fd itself: RECV blocks when nothing is pending, and a listener
     * whose tasks are all gone reports POLLHUP (and libuv shows that as readable). */
    struct pollfd p = {.fd = w->fd, .events = POLLIN};
    int r = poll(&p, 1, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      deliver_end(w, errno);
      return;
    }
    if (r == 0) return;
    if (p.revents & POLLIN) {
      memset(w->buf, 0, w->buf_size); /* the kernel insists on a zeroed struct */
      if (ioctl(w->fd, SECCOMP_IOCTL_NOTIF_RECV, w->buf) != 0) {
        int e = errno;
        if (e == EINTR || e == ENOENT) continue; /* interrupted, or the target died before we got it */
        deliver_end(w, e);
        return;
      }
      deliver(w, w->buf);
      continue;
    }
    if (p.revents & POLLNVAL) {
      deliver_end(w, EBADF);
      return;
    }
    if (p.revents & (POLLHUP | POLLERR)) {
      deliver_end(w, 0);
      return;
    }
    return; /* only POLLOUT: notifications received, awaiting our answers */
  }
}

/* The watcher is freed once both the uv handle is closed and the JS handle is gone. */
static void free_watch_external(napi_env env, void *data, void *hint) {
  sw_watch *w = (sw_watch *)data;
  w->finalized = 1;
  if (w->closed) free(w);
}

static napi_value notif_start(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  int32_t fd;
  napi_valuetype t1, t2;
  if (argc < 3 || arg_int32(env, argv[0], &fd) != 0) {
    throw_type(env, "notifStart(fd, onNotif, onEnd): fd must be a number");
    return NULL;
  }
  if (napi_typeof(env, argv[1], &t1) != napi_ok || napi_typeof(env, argv[2], &t2) != napi_ok) return NULL;
  if (t1 != napi_function || t2 != napi_function) {
    throw_type(env, "notifStart(fd, onNotif, onEnd): callbacks must be functions");
    return NULL;
  }
  int err = get_sizes();
  if (err) {
    throw_errno(env, "seccomp(SECCOMP_GET_NOTIF_SIZES)", err);
    return NULL;
  }
  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) {
    napi_throw_error(env, NULL, "notifStart: no event loop");
    return NULL;
  }
  sw_watch *w = calloc(1, sizeof *w);
  if (!w) {
    throw_errno(env, "notifStart", ENOMEM);
    return NULL;
  }
  w->buf_size = g_sizes.seccomp_notif > sizeof(struct seccomp_notif) ? g_sizes.seccomp_notif : sizeof(struct seccomp_notif);
  w->buf = calloc(1, w->buf_size);
  w->fd = fd;
  w->env = env;
  int rc = w->buf ? uv_poll_init(loop, &w->poll, fd) : UV_ENOMEM;
  if (rc != 0) {
    free(w->buf);
    free(w);
    throw_errno(env, "uv_poll_init", -rc);
    return NULL;
  }
  w->poll.data = w;
  napi_value name, ext;
  if (napi_create_reference(env, argv[1], 1, &w->on_notif) != napi_ok || napi_create_reference(env, argv[2], 1, &w->on_end) != napi_ok ||
      napi_create_string_utf8(env, "syswall:notify", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_async_init(env, NULL, name, &w->async) != napi_ok) {
    /* on_closed releases what was made; the JS handle never existed. */
    w->finalized = 1;
    watch_stop(w);
    return NULL;
  }
  rc = uv_poll_start(&w->poll, UV_READABLE | UV_DISCONNECT, on_poll);
  if (rc != 0) {
    w->finalized = 1;
    watch_stop(w);
    throw_errno(env, "uv_poll_start", -rc);
    return NULL;
  }
  if (napi_create_external(env, w, free_watch_external, NULL, &ext) != napi_ok) {
    w->finalized = 1;
    watch_stop(w);
    return NULL;
  }
  return ext;
}

static napi_value notif_stop(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  void *p = NULL;
  if (argc < 1 || napi_get_value_external(env, argv[0], &p) != napi_ok || !p) {
    throw_type(env, "notifStop(handle): not a watcher handle");
    return NULL;
  }
  watch_stop((sw_watch *)p);
  return NULL;
}

/* ------------------------------------------------------------ ioctls */

static napi_value notif_respond(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  int32_t fd, error, flags;
  uint64_t id;
  int64_t val;
  if (argc < 5 || arg_int32(env, argv[0], &fd) || arg_u64(env, argv[1], &id) || arg_i64(env, argv[2], &val) ||
      arg_int32(env, argv[3], &error) || arg_int32(env, argv[4], &flags)) {
    throw_type(env, "notifRespond(fd, id, val, error, flags): bad arguments");
    return NULL;
  }
  struct seccomp_notif_resp resp;
  memset(&resp, 0, sizeof resp);
  resp.id = id;
  resp.val = val;
  resp.error = error;
  resp.flags = (uint32_t)flags;
  int r;
  do r = ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
  while (r != 0 && errno == EINTR);
  if (r == 0) return js_int(env, 0);
  int e = errno;
  if (e == ENOENT) return js_int(env, e); /* the target died or the call was interrupted: nothing to answer */
  if (e == EINPROGRESS || e == EINVAL || e == EBADF) return js_int(env, e);
  throw_errno(env, "ioctl(SECCOMP_IOCTL_NOTIF_SEND)", e);
  return NULL;
}

static napi_value notif_id_valid(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  int32_t fd;
  uint64_t id;
  if (argc < 2 || arg_int32(env, argv[0], &fd) || arg_u64(env, argv[1], &id)) {
    throw_type(env, "notifIdValid(fd, id): bad arguments");
    return NULL;
  }
  int r;
  do r = ioctl(fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id);
  while (r != 0 && errno == EINTR);
  napi_value b;
  if (r == 0 || errno == ENOENT) {
    int e = errno;
    if (napi_get_boolean(env, r == 0, &b) != napi_ok) return NULL;
    (void)e;
    return b;
  }
  throw_errno(env, "ioctl(SECCOMP_IOCTL_NOTIF_ID_VALID)", errno);
  return NULL;
}

static napi_value notif_add_fd(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  int32_t fd, srcfd, newfd, flags, newfd_flags;
  uint64_t id;
  if (argc < 6 || arg_int32(env, argv[0], &fd) || arg_u64(env, argv[1], &id) || arg_int32(env, argv[2], &srcfd) ||
      arg_int32(env, argv[3], &newfd) || arg_int32(env, argv[4], &flags) || arg_int32(env, argv[5], &newfd_flags)) {
    throw_type(env, "notifAddFd(fd, id, srcfd, newfd, flags, newfdFlags): bad arguments");
    return NULL;
  }
  struct seccomp_notif_addfd a;
  memset(&a, 0, sizeof a);
  a.id = id;
  a.flags = (uint32_t)flags;
  a.srcfd = (uint32_t)srcfd;
  a.newfd = (uint32_t)newfd;
  a.newfd_flags = (uint32_t)newfd_flags;
  int r;
  do r = ioctl(fd, SECCOMP_IOCTL_NOTIF_ADDFD, &a);
  while (r < 0 && errno == EINTR);
  if (r < 0) {
    throw_errno(env, "ioctl(SECCOMP_IOCTL_NOTIF_ADDFD)", errno);
    return NULL;
  }
  return js_int(env, r);
}

static napi_value notif_set_flags(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  int32_t fd;
  uint64_t flags;
  if (argc < 2 || arg_int32(env, argv[0], &fd) || arg_u64(env, argv[1], &flags)) {
    throw_type(env, "notifSetFlags(fd, flags): bad arguments");
    return NULL;
  }
  /* The flags travel by value in the ioctl argument. */
  int r = ioctl(fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, (unsigned long)flags);
  return js_int(env, r == 0 ? 0 : errno);
}

/* The thread-group id of a thread, from /proc/TID/status; -1 if gone. */
static pid_t tgid_of(pid_t tid) {
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/status", (int)tid);
  FILE *f = fopen(path, "re");
  if (!f) return -1;
  pid_t tgid = -1;
  while (fgets(line, sizeof line, f)) {
    if (!strncmp(line, "Tgid:", 5)) { tgid = (pid_t)atoi(line + 5); break; }
  }
  fclose(f);
  return tgid;
}

static napi_value notif_kill(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  int32_t fd, tid;
  uint64_t id;
  if (argc < 3 || arg_int32(env, argv[0], &fd) || arg_u64(env, argv[1], &id) || arg_int32(env, argv[2], &tid) || tid <= 0) {
    throw_type(env, "notifKill(fd, id, tid): bad arguments");
    return NULL;
  }
  /* A pidfd pins the task: open it first, then check that the notification
   * (and so this tid) is still the caller's, then signal through the pidfd. */
  int pidfd = (int)syscall(SYS_pidfd_open, tid, PIDFD_THREAD);
  if (pidfd < 0 && errno == EINVAL) {
    pid_t tgid = tgid_of(tid);
    pidfd = tgid > 0 ? (int)syscall(SYS_pidfd_open, tgid, 0) : -1;
    if (tgid <= 0) errno = ESRCH;
  }
  if (pidfd < 0) return js_int(env, errno == ESRCH ? ENOENT : errno);
  int r;
  do r = ioctl(fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id);
  while (r != 0 && errno == EINTR);
  if (r != 0) {
    int e = errno;
    close(pidfd);
    return js_int(env, e);
  }
  /* SIGKILL: nothing can catch, block or ignore it; it ends the whole process. */
  r = (int)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
  int e = r == 0 ? 0 : errno;
  close(pidfd);
  return js_int(env, e == ESRCH ? ENOENT : e);
}

napi_status sw_register_notify(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"notifStart", NULL, notif_start, NULL, NULL, NULL, napi_enumerable, NULL},
    {"notifStop", NULL, notif_stop, NULL, NULL, NULL, napi_enumerable, NULL},
    {"notifRespond", NULL, notif_respond, NULL, NULL, NULL, napi_enumerable, NULL},
    {"notifIdValid", NULL, notif_id_valid, NULL, NULL, NULL, napi_enumerable, NULL},
    {"notifAddFd", NULL, notif_add_fd, NULL, NULL, NULL, napi_enumerable, NULL},
    {"notifSetFlags", NULL, notif_set_flags, NULL, NULL, NULL, napi_enumerable, NULL},
    {"notifKill", NULL, notif_kill, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
