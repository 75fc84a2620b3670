/* Attack: the old in-kernel exemption let `sendmsg(5, *, MSG_NOSIGNAL)`
 * through under `run --explain --deny sendmsg`. Put a socket at fd 5 and
 * send on it. Exit 0 when the byte arrived. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv)) { perror("socketpair"); return 2; }
  if (dup2(sv[0], 5) != 5) { perror("dup2"); return 2; }
  char b = 'S';
  struct iovec iov = {&b, 1};
  struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
  ssize_t r = sendmsg(5, &m, MSG_NOSIGNAL);
  printf("sendmsg(5, ..., MSG_NOSIGNAL): %s\n", r == 1 ? "sent" : strerror(errno));
  char got = 0;
  int arrived = r == 1 && recv(sv[1], &got, 1, MSG_DONTWAIT) == 1 && got == 'S';
  printf(arrived ? "ESCAPED\n" : "contained\n");
  return arrived ? 0 : 1;
}
