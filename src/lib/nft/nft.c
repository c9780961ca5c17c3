/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <fcntl.h>
#include <nftables/libnftables.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "base/util.h"
#include "base/vmchild.h"
#include "nft/nft.h"
#include "nft/nft_names.h"

struct ts_nft {
	struct nft_ctx *ctx;
};

int ts_nft_open(struct ts_nft **nft, struct ts_error *err)
{
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!ctx)
		return ts_error_set(err, ENOMEM, "cannot initialise libnftables");
	if (nft_ctx_buffer_output(ctx) < 0 || nft_ctx_buffer_error(ctx) < 0) {
		nft_ctx_free(ctx);
		return ts_error_set(err, ENOMEM, "cannot initialise libnftables");
	}
	*nft = ts_xmalloc(sizeof(**nft));
	(*nft)->ctx = ctx;
	return 0;
}

void ts_nft_close(struct ts_nft *nft)
{
	if (!nft)
		return;
	nft_ctx_free(nft->ctx);
	free(nft);
}

static void nft_closep(struct ts_nft **nft)
{
	ts_nft_close(*nft);
}
#define _cleanup_nft_ _cleanup_(nft_closep)

/*
 * The holder of the netlink sockets of a process that is about to exit:
 * filled in before it starts, read by it only (raw system calls: it may
 * share the process's memory, so no malloc, no stdio).
 */
static struct {
	int close[64];   /* what the holder must not keep open: pipes the runtime reads, ... */
	size_t n_close;
	bool close_rest; /* more than fit: the holder closes every non-netlink fd itself */
	int done;        /* read end of a pipe whose write end our exit closes */
} holder;

static bool is_netlink(int fd)
{
	int domain;
	socklen_t len = sizeof(domain);
	return getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0 && domain == AF_NETLINK;
}

/* Sort our descriptors: netlink sockets into keep (the caller closes them), the rest for the holder. */
static void plan_holder(int done, int *keep, size_t max_keep, size_t *n_keep)
{
	holder = (typeof(holder)){ .done = done };
	*n_keep = 0;
	DIR *dir = opendir("/proc/self/fd");
	if (!dir) {
		holder.close_rest = true;
		return;
	}
	int dir_fd = dirfd(dir);
	struct dirent *e;
	while ((e = readdir(dir))) {
		int fd = atoi(e->d_name);
		if (e->d_name[0] == '.' || fd == done || fd == dir_fd)
			continue;
		if (is_netlink(fd)) {
			if (*n_keep < max_keep)
				keep[(*n_keep)++] = fd;
		} else if (holder.n_close < ARRAY_SIZE(holder.close)) {
			holder.close[holder.n_close++] = fd;
		} else {
			holder.close_rest = true;
		}
	}
	closedir(dir);
}

static int hold(void *arg)
{
	(void)arg;
	for (size_t i = 0; i < holder.n_close; i++)
		close(holder.close[i]);
	for (int fd = 0; holder.close_rest && fd < 1024; fd++)
		if (fd != holder.done && !is_netlink(fd))
			close(fd);
	char c;
	/* EOF when the process has exited; EINTR cannot happen without handlers. */
	while (read(holder.done, &c, 1) > 0)
		;
	_exit(0);
}

/*
 * Start the holder. A child sharing our memory (clone(CLONE_VM)) costs no
 * copy of the page tables, and when we exit it takes the address space's
 * teardown too.
 */
static pid_t start_holder(void)
{
	if (!ts_vm_child_allowed()) {
		pid_t pid = fork();
		if (pid == 0)
			hold(NULL);
		return pid;
	}
	static char stack[16384] __attribute__((aligned(16)));
	return clone(hold, stack + sizeof(stack), CLONE_VM | SIGCHLD, NULL);
}

/* The context left to exit(): still reachable, so leak checkers count no leak. */
static struct ts_nft *left_to_exit;

void ts_nft_leave(struct ts_nft *nft)
{
	int done[2];
	if (!nft)
		return;
	if (left_to_exit || pipe2(done, O_CLOEXEC) < 0) {
		ts_nft_close(nft);
		return;
	}
	int keep[8];
	size_t n_keep;
	plan_holder(done[0], keep, ARRAY_SIZE(keep), &n_keep);
	pid_t pid = start_holder();
	close(done[0]);
	if (pid < 0) {
		close(done[1]);
		ts_nft_close(nft);
		return;
	}
	/* The holder has its copies: drop ours, so its exit is the sockets' last release. */
	for (size_t i = 0; i < n_keep; i++)
		close(keep[i]);
	/* done[1] stays open: our exit closes it, and the holder ends after us. */
	left_to_exit = nft;
}

/* nft's message is multi-line (source excerpt, carets); keep the "Error:" lines. */
static void summarize_error(const char *text, char *out, size_t size)
{
	out[0] = '\0';
	const char *p = text ? text : "";
	size_t used = 0;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		const char *e = memmem(p, len, "Error: ", 7);
		if (e && used < size) {
			size_t n = len - (size_t)(e - p) - 7;
			int w = snprintf(out + used, size - used, "%s%.*s", used ? "; " : "", (int)n, e + 7);
			used += w > 0 ? (size_t)w : 0;
		}
		p += len + (nl ? 1 : 0);
	}
	if (!out[0])
		snprintf(out, size, "%s", text && *text ? text : "unknown error");
}

/* True when line ends in `text` standing alone or after ": ". */
static bool ends_with_reason(const char *line, size_t len, const char *text)
{
	size_t n = strlen(text);
	if (n == 0 || n > len || memcmp(line + len - n, text, n) != 0)
		return false;
	return n == len || (len - n >= 2 && memcmp(line + len - n - 2, ": ", 2) == 0);
}

int ts_nft_errno(const char *message)
{
	for (const char *p = message ? message : ""; *p;) {
		size_t len = strcspn(p, "\n");
		const char *e = memmem(p, len, "Error: ", 7);
		const char *text = e ? e + 7 : p;
		size_t n = len - (size_t)(text - p);
		while (n && (text[n - 1] == ' ' || text[n - 1] == '\r'))
			n--;
		/* strerrordesc_np: the C locale's wording, which libnftables prints. */
		for (int code = 1; code < 256; code++) {
			const char *desc = strerrordesc_np(code);
			if (desc && ends_with_reason(text, n, desc))
				return -code;
		}
		p += len + (p[len] ? 1 : 0);
	}
	return -EINVAL;
}

static int run(struct ts_nft *nft, unsigned flags, const char *script, char **output, char *errbuf,
	       size_t errsize)
{
	nft_ctx_output_set_flags(nft->ctx, flags);
	int rc = nft_run_cmd_from_buffer(nft->ctx, script);
	/* Reading a buffer also resets it for the next command. */
	const char *out = nft_ctx_get_output_buffer(nft->ctx);
	const char *errors = nft_ctx_get_error_buffer(nft->ctx);
	if (rc != 0) {
		summarize_error(errors, errbuf, errsize);
		return ts_nft_errno(errors);
	}
	if (output)
		*output = ts_xstrdup(out);
	return 0;
}

int ts_nft_exec_flags(struct ts_nft *nft, unsigned output_flags, const char *script,
		      char **output, struct ts_error *err)
{
	char msg[TS_ERROR_MESSAGE_MAX - 32];
	int r = run(nft, output_flags, script, output, msg, sizeof(msg));
	if (r < 0)
		return ts_error_set(err, -r, "nft: %s", msg);
	return 0;
}

int ts_nft_exec(struct ts_nft *nft, const char *script, char **output, struct ts_error *err)
{
	return ts_nft_exec_flags(nft, 0, script, output, err);
}

int ts_nft_list(struct ts_nft *nft, bool terse, char **listing, struct ts_error *err)
{
	*listing = NULL;
	struct ts_error why = { 0 };
	int r = ts_nft_exec_flags(nft, terse ? NFT_CTX_OUTPUT_TERSE : 0,
				  "list table " TS_NFT_FAMILY " " TS_NFT_TABLE, listing, &why);
	if (r == -ENOENT)
		return 0;
	if (r < 0 && err)
		*err = why;
	return r;
}

int ts_nft_run(const char *script, char **output, struct ts_error *err)
{
	_cleanup_nft_ struct ts_nft *nft = NULL;
	int r = ts_nft_open(&nft, err);
	return r < 0 ? r : ts_nft_exec(nft, script, output, err);
}

int ts_nft_list_table(bool terse, char **listing, struct ts_error *err)
{
	_cleanup_nft_ struct ts_nft *nft = NULL;
	int r = ts_nft_open(&nft, err);
	return r < 0 ? r : ts_nft_list(nft, terse, listing, err);
}

int ts_nft_probe(struct ts_error *err)
{
	pid_t pid = fork();
	if (pid < 0)
		return ts_error_set(err, errno, "fork: %s", strerror(errno));
	if (pid == 0) {
		int flags = CLONE_NEWNET | (geteuid() == 0 ? 0 : CLONE_NEWUSER);
		if (unshare(flags) < 0)
			_exit(2);
		_exit(ts_nft_run("add table inet terok_shield_probe", NULL, NULL) < 0 ? 3 : 0);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return ts_error_set(err, errno, "waitpid: %s", strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 2)
		return ts_error_set(err, EPERM, "cannot create a network namespace to test nf_tables");
	return ts_error_set(err, EOPNOTSUPP, "the kernel refused an nf_tables table");
}
