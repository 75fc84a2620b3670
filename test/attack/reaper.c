/* Runs the unconfined controls as pid 1 of a throwaway PID namespace (made by
 * `unshare --pid --fork --mount-proc`), so that whatever they do can reach
 * nothing else on the machine: starts CMD, then reaps every process of the
 * namespace (orphans come to pid 1) until none is left, and exits with CMD's
 * status.
 *   reaper CMD [ARGS...] */
#include <errno.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  fflush(stdout);
  pid_t c = fork();
  if (c == 0) { execv(argv[1], argv + 1); _exit(127); }
  int code = 0, st;
  for (;;) {
    pid_t r = waitpid(-1, &st, 0);
    if (r < 0) { if (errno == EINTR) continue; break; }
    if (r == c) code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  }
  return code;
}
