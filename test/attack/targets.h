/* Shared by the attack programs: the processes an attacker goes for.
 *
 * SAFETY: these programs really do what they say (inject syscalls, overwrite
 * code). They attack only (1) the pids given on the command line (the
 * unconfined controls pass their own parent), or (2) their parent, plus every
 * other process /proc lists when /proc looks like a sandbox's view (at most
 * MAX_SANDBOX_VIEW processes). On a host's /proc they never scan: a
 * regression in the sandbox must not let a test shoot at the machine. */
#ifndef ATTACK_TARGETS_H
#define ATTACK_TARGETS_H
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define MAX_SANDBOX_VIEW 16

static int attack_targets(int argc, char **argv, int first_pid_arg, pid_t *out, int cap) {
  int n = 0;
  if (argc > first_pid_arg) {
    for (int i = first_pid_arg; i < argc && n < cap; i++) {
      pid_t p = (pid_t)atoi(argv[i]);
      if (p <= 0) { fprintf(stderr, "attack: refusing target \"%s\" (kill(0) and kill(-1) mean groups)\n", argv[i]); exit(2); }
      out[n++] = p;
    }
    return n;
  }
  pid_t self = getpid(), parent = getppid();
  if (parent > 0) out[n++] = parent;
  pid_t seen[MAX_SANDBOX_VIEW + 1];
  int count = 0;
  DIR *d = opendir("/proc");
  if (!d) return n;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (!isdigit((unsigned char)e->d_name[0])) continue;
    if (count > MAX_SANDBOX_VIEW) break;
    seen[count++] = (pid_t)atoi(e->d_name);
  }
  closedir(d);
  if (count > MAX_SANDBOX_VIEW) {
    printf("note: /proc lists more than %d processes (a host's view): attacking only the parent\n", MAX_SANDBOX_VIEW);
    return n;
  }
  for (int i = 0; i < count && n < cap; i++) {
    if (seen[i] == self || seen[i] == parent) continue;
    out[n++] = seen[i];
  }
  return n;
}
#endif
