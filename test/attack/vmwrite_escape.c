/* Attack: process_vm_writev into a process outside the filter. Exit 0 when
 * a write went through.
 *   vmwrite_escape ADDR [PID...]   (ADDR in hex: where to write "X") */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include "targets.h"

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: vmwrite_escape ADDR [PID...]\n"); return 2; }
  unsigned long addr = strtoul(argv[1], NULL, 16);
  pid_t t[256];
  int n = attack_targets(argc, argv, 2, t, 256);
  int wrote = 0;
  for (int i = 0; i < n; i++) {
    char x = 'X';
    struct iovec local = {&x, 1}, remote = {(void *)addr, 1};
    ssize_t r = process_vm_writev(t[i], &local, 1, &remote, 1, 0);
    printf("pid %d: process_vm_writev: %s\n", (int)t[i], r == 1 ? "wrote 1 byte" : strerror(errno));
    if (r == 1) wrote = 1;
  }
  printf(wrote ? "ESCAPED\n" : "contained\n");
  return wrote ? 0 : 1;
}
