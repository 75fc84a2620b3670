/* Attack: survive a KILL decision. Each of N children starts a thread that
 * installs and removes a SIGSYS handler in a tight loop, then makes the
 * killed call (getppid). A supervisor that checks "is SIGSYS caught?" and
 * then sends SIGSYS loses the race now and then: the handler runs and the
 * child exits 42 ("survived"). Prints and exits with the number that survived
 * (0: none).
 *   sigsys_survivor N [PERIOD_US [--until-survived]]   (eight children at a time) */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void caught(int sig) { (void)sig; _exit(42); }

static long period_us = 40;

static void spin_us(long us) {
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a); /* vDSO: no syscall */
  do clock_gettime(CLOCK_MONOTONIC, &b);
  while ((b.tv_sec - a.tv_sec) * 1000000L + (b.tv_nsec - a.tv_nsec) / 1000 < us);
}

/* Handler off for half a period, on for the other half: a supervisor that
 * looks, then signals a few tens of microseconds later, sees "not caught"
 * and delivers to a handler about a quarter of the time. */
static void *flip(void *arg) {
  (void)arg;
  struct sigaction on, off;
  memset(&on, 0, sizeof on);
  memset(&off, 0, sizeof off);
  on.sa_handler = caught;
  off.sa_handler = SIG_DFL;
  for (;;) {
    sigaction(SIGSYS, &on, NULL);
    spin_us(period_us / 2);
    sigaction(SIGSYS, &off, NULL);
    spin_us(period_us / 2);
  }
  return NULL;
}

static int run_child(void) {
  fflush(stdout);
  pid_t c = fork();
  if (c == 0) {
    pthread_t t;
    pthread_create(&t, NULL, flip, NULL);
    usleep(200);
    syscall(SYS_getppid);
    /* Not killed (the call was refused): the handler decides nothing now. */
    _exit(7);
  }
  return c;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 50;
  if (argc > 2) period_us = atol(argv[2]);
  int until = argc > 3 && !strcmp(argv[3], "--until-survived");
  int survived = 0, killed = 0, started = 0, running = 0;
  /* Eight at a time. */
  while ((started < n || running > 0) && !(until && survived)) {
    while (running < 8 && started < n && !(until && survived)) {
      if (run_child() > 0) { running++; started++; }
    }
    int st;
    if (wait(&st) < 0) break;
    running--;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 42) survived++;
    else if (WIFSIGNALED(st)) killed++;
  }
  while (running > 0) {
    int st;
    if (wait(&st) < 0) break;
    running--;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 42) survived++;
    else if (WIFSIGNALED(st)) killed++;
  }
  printf("survived %d of %d (killed %d)\n", survived, started, killed);
  return survived > 255 ? 255 : survived;
}
