/* Attack: the sandbox's init (pid 1, syswall's process) as a target. Sends it
 * SIGSTOP, SIGTERM, SIGSEGV, SIGUSR1 and SIGKILL, through kill(2) and through
 * a pidfd (pidfd_send_signal), then checks it is still there and running, and
 * finally makes a call the policy denies (mkdir MARKER): under --explain the
 * supervisor must still answer it.
 *   init_target TARGET MARKER    (TARGET: a pid; the tests pass 1, or the
 *                                 control's own parent)
 * Prints "target alive" (exit 1: contained) or "TARGET DOWN" (exit 0). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* The state letter of pid (R, S, T, Z, ...), or 0 when it is gone. */
static char state(pid_t pid) {
  char path[64], buf[512];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  FILE *f = fopen(path, "re");
  if (!f) return 0;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  char *p = strrchr(buf, ')');
  return p && p[1] == ' ' ? p[2] : 0;
}

int main(int argc, char **argv) {
  if (argc != 3) { fprintf(stderr, "usage: init_target TARGET MARKER\n"); return 2; }
  pid_t target = (pid_t)atoi(argv[1]);
  if (target <= 0) { fprintf(stderr, "init_target: refusing target \"%s\"\n", argv[1]); return 2; }
  const int sigs[] = {SIGSTOP, SIGTERM, SIGSEGV, SIGUSR1, SIGKILL};
  int pidfd = (int)syscall(SYS_pidfd_open, target, 0);
  printf("pidfd_open(%d): %s\n", (int)target, pidfd >= 0 ? "ok" : strerror(errno));
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
    int r = kill(target, sigs[i]);
    printf("kill(%d, %s): %s\n", (int)target, strsignal(sigs[i]), r ? strerror(errno) : "sent");
    if (pidfd >= 0) {
      r = (int)syscall(SYS_pidfd_send_signal, pidfd, sigs[i], NULL, 0);
      printf("pidfd_send_signal(%s): %s\n", strsignal(sigs[i]), r ? strerror(errno) : "sent");
    }
  }
  struct timespec t = {0, 200 * 1000 * 1000};
  nanosleep(&t, NULL);
  char st = state(target);
  int alive = st && st != 'Z' && st != 'X' && st != 'T' && st != 't';
  printf("target state: %c\n", st ? st : '-');
  int r = mkdir(argv[2], 0755);
  printf("mkdir: %s\n", r ? strerror(errno) : "done");
  printf(alive ? "target alive\n" : "TARGET DOWN\n");
  fflush(stdout);
  return alive ? 1 : 0;
}
