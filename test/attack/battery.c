/* Runs the attack programs one after another (static, so that they start
 * even when close(2) is denied) and frames each one's output:
 *   === NAME
 *   ...its output...
 *   === end NAME: exit N | signal N
 * Every attack that needs a marker gets DIR/NAME.
 *   battery BINDIR DIR */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: battery BINDIR DIR\n"); return 2; }
  const char *bin = argv[1], *dir = argv[2];
  static const char *const attacks[][2] = {
    {"ptrace_escape", "marker"},
    {"procmem_escape", "marker"},
    {"vmwrite_escape", "400000"},
    {"listener_takeover", "marker"},
    {"sendmsg_fd5", NULL},
    {"fd_leak", NULL},
  };
  for (size_t i = 0; i < sizeof attacks / sizeof attacks[0]; i++) {
    char path[4096], arg[4096];
    snprintf(path, sizeof path, "%s/%s", bin, attacks[i][0]);
    const char *a = attacks[i][1];
    if (a && !strcmp(a, "marker")) { snprintf(arg, sizeof arg, "%s/%s", dir, attacks[i][0]); a = arg; }
    printf("=== %s\n", attacks[i][0]);
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
      char *args[] = {path, (char *)a, NULL};
      execv(path, args);
      perror("execv");
      _exit(127);
    }
    int st = 0;
    while (waitpid(c, &st, 0) < 0) {}
    if (WIFEXITED(st)) printf("=== end %s: exit %d\n", attacks[i][0], WEXITSTATUS(st));
    else printf("=== end %s: signal %d\n", attacks[i][0], WTERMSIG(st));
    fflush(stdout);
  }
  return 0;
}
