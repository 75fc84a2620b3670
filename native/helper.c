/* syswall-helper entry point: dispatches to a subcommand. */
#include <stdio.h>
#include <string.h>
#include "helper.h"

static void usage(FILE *f) {
  fputs("Usage: syswall-helper exec [OPTIONS] PROG.bpf -- CMD [ARGS...]\n"
        "       syswall-helper dump [OPTIONS] ...\n"
        "Run `syswall-helper SUBCOMMAND --help` for details.\n", f);
}

int main(int argc, char **argv) {
  if (argc < 2) { usage(stderr); return 2; }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) { usage(stdout); return 0; }
  if (!strcmp(argv[1], "exec")) return sw_helper_exec(argc - 1, argv + 1);
  if (!strcmp(argv[1], "dump")) return sw_helper_dump(argc - 1, argv + 1);
  fprintf(stderr, "syswall-helper: unknown subcommand \"%s\"\n", argv[1]);
  usage(stderr);
  return 2;
}
