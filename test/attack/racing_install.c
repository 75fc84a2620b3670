/* Attack on `dump`: install a filter while another thread keeps rewriting
 * the program in memory (between two valid programs that answer getppid with
 * ERRNO(11) or ERRNO(22)), so that memory read after the install need not be
 * what the kernel installed. Each of N children installs once and prints
 * which one the kernel took ("child PID installed ERRNO(E)").
 *   racing_install N */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

/* ld nr; jeq getppid ? ret ERRNO(11 or 22) : padding...; ret ALLOW. The
 * padding (loads) makes the kernel take longer between copying the program
 * and returning, which widens the window for the rewriting thread. */
#define PROG_LEN 4000
static struct sock_filter prog[PROG_LEN];

static void build(void) {
  prog[0] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
  prog[1] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1);
  prog[2] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 11);
  for (int i = 3; i < PROG_LEN - 1; i++) prog[i] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
  prog[PROG_LEN - 1] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
}

static void *flip(void *arg) {
  (void)arg;
  volatile unsigned int *k = &prog[2].k;
  for (;;) {
    *k = SECCOMP_RET_ERRNO | 22;
    *k = SECCOMP_RET_ERRNO | 11;
  }
  return NULL;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 10;
  build();
  for (int i = 0; i < n; i++) {
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
      pthread_t t;
      pthread_create(&t, NULL, flip, NULL);
      struct sock_fprog p = {PROG_LEN, prog};
      prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
      if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &p) != 0) { perror("seccomp"); _exit(2); }
      long r = syscall(SYS_getppid);
      printf("child %d installed ERRNO(%d)\n", (int)getpid(), r < 0 ? errno : 0);
      fflush(stdout);
      _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
  }
  return 0;
}
