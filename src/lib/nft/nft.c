/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <fcntl.h>
#include <nftables/libnftables.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "base/util.h"
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

/* In the detached child: keep only netlink sockets (libnftables' among them) and keep_fd. */
static void close_all_but_netlink(int keep_fd)
{
	DIR *dir = opendir("/proc/self/fd");
	if (!dir) {
		close_range(3, ~0U, 0);
		return;
	}
	int dir_fd = dirfd(dir);
	struct dirent *e;
	while ((e = readdir(dir))) {
		int fd = atoi(e->d_name), domain;
		socklen_t len = sizeof(domain);
		if (e->d_name[0] == '.' || fd == keep_fd || fd == dir_fd ||
		    (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0 && domain == AF_NETLINK))
			continue;
		close(fd);
	}
	closedir(dir);
}

void ts_nft_close_detached(struct ts_nft *nft)
{
	int done[2];
	pid_t pid = -1;
	if (nft && pipe2(done, O_CLOEXEC) == 0) {
		pid = fork();
		if (pid == 0) {
			/*
			 * Hold the socket until the parent has dropped its copy, then let
			 * exit release it. Nothing else stays open: no pipe the runtime
			 * reads and no lock is held by this child.
			 */
			close_all_but_netlink(done[0]);
			char c;
			while (read(done[0], &c, 1) < 0 && errno == EINTR)
				;
			_exit(0);
		}
		close(done[0]);
		if (pid < 0)
			close(done[1]);
	}
	ts_nft_close(nft);
	if (pid >= 0)
		close(done[1]);
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
