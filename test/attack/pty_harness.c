/* A terminal for the TIOCSTI attack, standing in for the user's shell:
 * makes a new pseudo-terminal (ours alone), runs CMD... as a new session
 * with it as controlling terminal and stdio, drains its output to our
 * stdout, and when CMD has exited prints the input a shell reading the
 * terminal would now get:
 *   "queued input: <text>"   or   "queued input: (none)" */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static void drain(int m, int wait_ms) {
  char buf[4096];
  struct pollfd p = {.fd = m, .events = POLLIN};
  while (poll(&p, 1, wait_ms) > 0 && (p.revents & POLLIN)) {
    ssize_t n = read(m, buf, sizeof buf);
    if (n <= 0) break;
    fwrite(buf, 1, (size_t)n, stdout);
  }
}

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: pty_harness CMD [ARGS...]\n"); return 2; }
  int m = posix_openpt(O_RDWR | O_NOCTTY);
  if (m < 0 || grantpt(m) || unlockpt(m)) { perror("posix_openpt"); return 2; }
  const char *name = ptsname(m);
  /* Held open by us, so that the terminal (and its input queue) outlives CMD. */
  int keep = open(name, O_RDWR | O_NOCTTY | O_NONBLOCK);
  if (keep < 0) { perror(name); return 2; }
  fflush(stdout);
  pid_t c = fork();
  if (c < 0) { perror("fork"); return 2; }
  if (c == 0) {
    setsid();
    int s = open(name, O_RDWR);
    if (s < 0 || ioctl(s, TIOCSCTTY, 0) != 0) { perror("controlling terminal"); _exit(2); }
    dup2(s, 0); dup2(s, 1); dup2(s, 2);
    if (s > 2) close(s);
    close(m); close(keep);
    execvp(argv[1], argv + 1);
    perror(argv[1]);
    _exit(127);
  }
  int status;
  for (;;) {
    drain(m, 20);
    pid_t r = waitpid(c, &status, WNOHANG);
    if (r == c) break;
    if (r < 0 && errno != EINTR) { perror("waitpid"); return 2; }
  }
  drain(m, 50);
  printf("\nexit: %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  char in[4096];
  ssize_t n = read(keep, in, sizeof in - 1);
  if (n > 0) {
    in[n] = 0;
    if (in[n - 1] == '\n') in[n - 1] = 0;
    printf("queued input: %s\n", in);
  } else {
    printf("queued input: (none)\n");
  }
  return 0;
}
