/* syswall-helper: a small executable Node starts with child_process.
 * Subcommands live in their own files. */
#ifndef SYSWALL_HELPER_H
#define SYSWALL_HELPER_H

/* helper_exec.c: `syswall-helper exec ...` (exec trampoline). */
int sw_helper_exec(int argc, char **argv);
/* helper_dump.c: `syswall-helper dump ...` (ptrace capture of filters). */
int sw_helper_dump(int argc, char **argv);

#endif
