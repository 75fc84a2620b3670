/* Placeholder until dump lands. */
#include <stdio.h>
#include "helper.h"
int sw_helper_dump(int argc, char **argv) { fputs("syswall-helper: dump is not built yet\n", stderr); return 2; }
