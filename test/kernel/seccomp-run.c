/*
 * Test harness for test/kernel-interpreter.test.ts: asks the running kernel
 * what a seccomp filter does. Never used outside tests.
 *
 * stdin (native byte order):
 *   u32 nprogs
 *   per program: u32 len, len x struct sock_filter, u32 ninputs,
 *                ninputs x { u32 nr, u32 pad, u64 args[6] }
 * With ninputs == 0 the program is only loaded (to test the validator).
 *
 * For every input (or every load-only program) one child is forked. The
 * child installs the filter (no_new_privs, seccomp(2)), makes the syscall
 * with syscall(2) and records the outcome in shared memory: after the filter
 * is installed every syscall, exit included, is subject to it, so nothing is
 * reported through a syscall. One line per case on stdout:
 *   LOADERR <errno>          seccomp(2) refused the filter
 *   LOADED                   load-only case: the filter was accepted
 *   OK <ret>                 the syscall returned ret >= 0
 *   ERR <errno>              the syscall failed with errno
 *   TRAP <si_errno> <si_syscall>  SIGSYS from SECCOMP_RET_TRAP
 *   SIG <signo>              the child died by a signal before recording
 *   EXIT <status>            the child exited before recording
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct outcome {
	volatile int32_t state; /* 0 none, 1 load error, 2 syscall returned, 3 trap, 4 loaded */
	int32_t err;
	int64_t ret;
	int32_t trap_errno;
	int32_t trap_syscall;
};

struct input {
	uint32_t nr;
	uint32_t pad;
	uint64_t args[6];
};

static struct outcome *shared;

static void read_exact(void *buf, size_t len)
{
	if (len > 0 && fread(buf, 1, len, stdin) != len) {
		fprintf(stderr, "seccomp-run: short input\n");
		exit(2);
	}
}

static void die_quietly(void)
{
	/* Every syscall is filtered now: try to exit, else crash (not dumpable: no core). */
	syscall(SYS_exit_group, 0);
	__builtin_trap();
}

static void on_sigsys(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)ctx;
	if (shared->state != 0)
		die_quietly(); /* a trap while exiting after the outcome was recorded */
	shared->trap_errno = si->si_errno;
	shared->trap_syscall = si->si_syscall;
	shared->state = 3;
	die_quietly();
}

static void run_child(struct sock_fprog *prog, const struct input *in)
{
	struct rlimit no_core = { 0, 0 };
	struct sigaction sa;

	setrlimit(RLIMIT_CORE, &no_core);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSYS, &sa, NULL);
	alarm(10);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		shared->err = errno;
		shared->state = 1;
		_exit(0);
	}
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog) != 0) {
		shared->err = errno;
		shared->state = 1;
		_exit(0);
	}
	if (in == NULL) {
		shared->state = 4;
		die_quietly();
	}
	errno = 0;
	long r = syscall((long)(int32_t)in->nr, in->args[0], in->args[1], in->args[2], in->args[3], in->args[4], in->args[5]);
	shared->err = errno;
	shared->ret = r;
	shared->state = 2;
	die_quietly();
}

static void run_case(struct sock_fprog *prog, const struct input *in)
{
	int status;
	memset((void *)shared, 0, sizeof(*shared));
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		perror("seccomp-run: fork");
		exit(2);
	}
	if (pid == 0)
		run_child(prog, in);
	if (waitpid(pid, &status, 0) < 0) {
		perror("seccomp-run: waitpid");
		exit(2);
	}
	switch (shared->state) {
	case 1:
		printf("LOADERR %d\n", shared->err);
		return;
	case 2:
		if (shared->ret == -1)
			printf("ERR %d\n", shared->err);
		else
			printf("OK %lld\n", (long long)shared->ret);
		return;
	case 3:
		printf("TRAP %d %d\n", shared->trap_errno, shared->trap_syscall);
		return;
	case 4:
		printf("LOADED\n");
		return;
	}
	if (WIFSIGNALED(status))
		printf("SIG %d\n", WTERMSIG(status));
	else
		printf("EXIT %d\n", WEXITSTATUS(status));
}

int main(void)
{
	uint32_t nprogs;
	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED) {
		perror("seccomp-run: mmap");
		return 2;
	}
	read_exact(&nprogs, sizeof(nprogs));
	for (uint32_t p = 0; p < nprogs; p++) {
		uint32_t len, ninputs;
		read_exact(&len, sizeof(len));
		struct sock_filter *insns = calloc(len ? len : 1, sizeof(*insns));
		if (!insns)
			return 2;
		read_exact(insns, (size_t)len * sizeof(*insns));
		struct sock_fprog prog = { .len = (unsigned short)len, .filter = insns };
		if (len > 0xffff) {
			fprintf(stderr, "seccomp-run: program too long for sock_fprog\n");
			return 2;
		}
		read_exact(&ninputs, sizeof(ninputs));
		if (ninputs == 0) {
			run_case(&prog, NULL);
		} else {
			for (uint32_t i = 0; i < ninputs; i++) {
				struct input in;
				read_exact(&in, sizeof(in));
				run_case(&prog, &in);
			}
		}
		free(insns);
	}
	fflush(stdout);
	return 0;
}
