/* The unconfined control for listener_takeover: a naive supervisor that is
 * the parent of its sandbox (as syswall's was): the child installs a filter
 * that notifies mkdir, sends the listener up, and execs the attack; the
 * parent denies every notified mkdir with EPERM. An argument "PARENT" is
 * replaced by its pid.
 *   control_supervisor CMD [ARGS...] */
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  char self[32];
  snprintf(self, sizeof self, "%d", (int)getpid());
  for (int i = 1; i < argc; i++) if (!strcmp(argv[i], "PARENT")) argv[i] = self;
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) return 3;
  fflush(stdout);
  pid_t c = fork();
  if (c == 0) {
    close(sv[0]);
    struct sock_filter f[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mkdir, 1, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mkdirat, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog p = {sizeof f / sizeof f[0], f};
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    int fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &p);
    if (fd < 0) _exit(126);
    char b = 'L';
    struct iovec iov = {&b, 1};
    union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } ctl;
    memset(&ctl, 0, sizeof ctl);
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf};
    struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
    cm->cmsg_level = SOL_SOCKET; cm->cmsg_type = SCM_RIGHTS; cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &fd, sizeof fd);
    if (sendmsg(sv[1], &m, 0) != 1) _exit(126);
    close(fd);
    close(sv[1]);
    execv(argv[1], argv + 1);
    _exit(127);
  }
  close(sv[1]);
  char b;
  union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } ctl;
  struct iovec iov = {&b, 1};
  struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf};
  if (recvmsg(sv[0], &m, 0) != 1) return 4;
  int lfd;
  memcpy(&lfd, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof lfd);
  for (;;) {
    struct pollfd pf = {.fd = lfd, .events = POLLIN};
    if (poll(&pf, 1, -1) < 0) { if (errno == EINTR) continue; break; }
    if (!(pf.revents & POLLIN)) break; /* every task of the filter is gone */
    struct seccomp_notif n;
    memset(&n, 0, sizeof n);
    if (ioctl(lfd, SECCOMP_IOCTL_NOTIF_RECV, &n) != 0) { if (errno == EINTR || errno == ENOENT) continue; break; }
    struct seccomp_notif_resp r;
    memset(&r, 0, sizeof r);
    r.id = n.id;
    r.error = -EPERM;
    ioctl(lfd, SECCOMP_IOCTL_NOTIF_SEND, &r);
  }
  int st;
  waitpid(c, &st, 0);
  return 0;
}
