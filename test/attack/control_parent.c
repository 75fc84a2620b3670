/* The unconfined control: a parent of the same user that runs the attack as
 * its child and waits for it (blocked in wait4, as syswall's Node process
 * was). Arguments "PARENT" and "ADDR" are replaced by its pid and the address
 * of `flag` (for vmwrite_escape); it exits 42 when the flag was written.
 *   control_parent CMD [ARGS...] */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile char flag = 0;

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  char addr[32], self[32];
  snprintf(addr, sizeof addr, "%lx", (unsigned long)&flag);
  snprintf(self, sizeof self, "%d", (int)getpid());
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "ADDR")) argv[i] = addr;
    else if (!strcmp(argv[i], "PARENT")) argv[i] = self;
  }
  fflush(stdout);
  pid_t c = fork();
  if (c == 0) { execv(argv[1], argv + 1); _exit(127); }
  int st;
  while (waitpid(c, &st, 0) < 0) {}
  if (flag == 'X') return 42;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
