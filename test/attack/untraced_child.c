/* Attack on `dump`: install a filter in a child started with CLONE_UNTRACED,
 * which a ptrace tracer's automatic attach does not follow.
 *   untraced_child */
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

int main(void) {
  fflush(stdout);
  long c = syscall(SYS_clone, CLONE_UNTRACED | SIGCHLD, 0, 0, 0, 0);
  if (c < 0) { perror("clone"); return 2; }
  if (c == 0) {
    struct sock_filter f[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog p = {2, f};
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &p);
    syscall(SYS_exit_group, 0);
  }
  int st;
  waitpid((pid_t)c, &st, 0);
  printf("child %ld done\n", c);
  return 0;
}
