# A small x86_64 allow-list in seccomp-tools' assembly language.
# Build: syswall asm examples/sample.asm --arch x86_64 -o examples/sample.bpf
A = arch
if (A != ARCH_X86_64) goto kill
A = sys_number
if (A >= 0x40000000) goto kill     # no x32 syscalls
if (A == read) goto allow
if (A == write) goto allow
if (A == close) goto allow
if (A == exit_group) goto allow
if (A != openat) goto deny
A = args[2]                        # openat(dfd, filename, flags, mode)
A &= 3                             # O_ACCMODE
if (A == 0) goto allow             # read-only opens only
return ERRNO(13)
allow: return ALLOW
deny: return ERRNO(1)
kill: return KILL_PROCESS
