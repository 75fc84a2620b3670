# Every statement form of seccomp-tools' assembly (written for syswall's fuzz seeds).
A = arch
if (A != ARCH_X86_64) goto dead
A = sys_number
if (A >= 0x40000000) goto dead
if (A == execve) goto dead else goto next
if (A > 400) goto enosys
A = args[0]
X = A
A = args_h[0]
A = instruction_pointer
A = data[20]
A = len
X = 7
X = mem[3]
mem[3] = A
mem[15] = X
A = mem[3]
A += 1
A -= X
A *= 3
A /= 2
A |= 0x10
A &= 0xff
A ^= X
A <<= 2
A >>= 1
A %= 7
A = -A
A = X
X = A
if (A & 4) goto allow
if (!(A & X)) goto next
if (A <= X) goto allow else goto errno
if (A < 10) goto allow
goto errno
enosys: return ERRNO(38)
errno: return ERRNO(1)
allow: return ALLOW
dead: return KILL_PROCESS
return TRAP
return TRACE
return LOG
return USER_NOTIF
return KILL
return 0x7ffc0000
return A
