/* Attack (a check): list every fd above stdio this process was given.
 * Exit 0 and print LEAK lines when there is one (something of the launcher
 * reached the command), 1 when there is none. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void) {
  DIR *d = opendir("/proc/self/fd");
  if (!d) { perror("/proc/self/fd"); return 2; }
  int leaks = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    int fd = atoi(e->d_name);
    if (fd <= 2 || fd == dirfd(d)) continue;
    char link[64], target[256] = "?";
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n >= 0) target[n] = 0;
    printf("LEAK fd %d -> %s\n", fd, target);
    leaks++;
  }
  printf(leaks ? "ESCAPED\n" : "contained\n");
  return leaks ? 0 : 1;
}
