/* Placeholder until the runtime lands. */
#include <stdio.h>
#include "helper.h"
int sw_helper_exec(int argc, char **argv) { fputs("syswall-helper: exec is not built yet\n", stderr); return 2; }
