/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef TS_HAVE_VALGRIND_H
#include <valgrind/valgrind.h>
#endif

#include "base/util.h"
#include "base/vmchild.h"

#if defined(__SANITIZE_ADDRESS__)
#define TS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TS_ASAN 1
#endif
#endif

#define CHILD_STACK (8u << 20) /* libnftables' parser recurses; reserved, touched only as used */

bool ts_vm_child_allowed(void)
{
#ifdef TS_ASAN
	return false;
#elif defined(TS_HAVE_VALGRIND_H)
	return !RUNNING_ON_VALGRIND;
#else
	return true;
#endif
}

/* Shared with the child either way (a forked child too): its result. */
struct outcome {
	int (*fn)(void *, struct ts_error *);
	void *arg;
	int result;
	bool finished;
	struct ts_error err;
};

static int child_main(void *p)
{
	struct outcome *o = p;
	o->result = o->fn(o->arg, &o->err);
	o->finished = true;
	_exit(0); /* no atexit handlers, no stdio flush: both belong to the parent */
}

static pid_t start_child(struct outcome *o, void **stack)
{
	if (!ts_vm_child_allowed()) {
		pid_t pid = fork();
		if (pid == 0)
			child_main(o);
		return pid;
	}
	*stack = mmap(NULL, CHILD_STACK, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
	if (*stack == MAP_FAILED) {
		*stack = NULL;
		return -1;
	}
	/* CLONE_VFORK: we resume only once it has ended, so nothing runs beside it. */
	return clone(child_main, (char *)*stack + CHILD_STACK, CLONE_VM | CLONE_VFORK | SIGCHLD, o);
}

int ts_vm_child_run(int (*fn)(void *arg, struct ts_error *err), void *arg, struct ts_error *err)
{
	struct outcome *o = mmap(NULL, sizeof(*o), PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (o == MAP_FAILED)
		return ts_error_set(err, errno, "mmap: %s", strerror(errno));
	*o = (struct outcome){ .fn = fn, .arg = arg };
	void *stack = NULL;
	pid_t pid = start_child(o, &stack);
	int saved = errno;
	int status = 0;
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (stack)
		munmap(stack, CHILD_STACK);
	int r;
	if (pid < 0)
		r = ts_error_set(err, saved, "cannot start a child: %s", strerror(saved));
	else if (!o->finished)
		r = ts_error_set(err, EIO, "the child ended without a result (%s %d)",
				 WIFSIGNALED(status) ? "signal" : "exit",
				 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	else {
		r = o->result;
		if (r < 0 && err)
			*err = o->err;
	}
	munmap(o, sizeof(*o));
	return r;
}
