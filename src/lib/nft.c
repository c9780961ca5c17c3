/* SPDX-License-Identifier: Apache-2.0 */
#include <nftables/libnftables.h>
#include <sched.h>
#include <sys/wait.h>

#include "nft.h"
#include "nft_names.h"
#include "util.h"

static void ctx_freep(struct nft_ctx **ctx)
{
	if (*ctx)
		nft_ctx_free(*ctx);
}
#define _cleanup_nft_ctx_ _cleanup_(ctx_freep)

static struct nft_ctx *ctx_new(unsigned output_flags)
{
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!ctx)
		return NULL;
	nft_ctx_output_set_flags(ctx, output_flags);
	if (nft_ctx_buffer_output(ctx) < 0 || nft_ctx_buffer_error(ctx) < 0) {
		nft_ctx_free(ctx);
		return NULL;
	}
	return ctx;
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

static int run(unsigned flags, const char *script, char **output, char *errbuf, size_t errsize)
{
	_cleanup_nft_ctx_ struct nft_ctx *ctx = ctx_new(flags);
	if (!ctx) {
		snprintf(errbuf, errsize, "cannot initialise libnftables");
		return -ENOMEM;
	}
	int rc = nft_run_cmd_from_buffer(ctx, script);
	if (rc != 0) {
		summarize_error(nft_ctx_get_error_buffer(ctx), errbuf, errsize);
		return -EPROTO;
	}
	if (output)
		*output = ts_xstrdup(nft_ctx_get_output_buffer(ctx));
	return 0;
}

int ts_nft_run(const char *script, char **output, struct ts_error *err)
{
	char msg[TS_ERROR_MESSAGE_MAX - 32];
	int r = run(0, script, output, msg, sizeof(msg));
	if (r < 0)
		return ts_error_set(err, r, "nft: %s", msg);
	return 0;
}

int ts_nft_list_table(bool terse, char **listing, struct ts_error *err)
{
	char msg[TS_ERROR_MESSAGE_MAX - 32];
	*listing = NULL;
	int r = run(terse ? NFT_CTX_OUTPUT_TERSE : 0,
		    "list table " TS_NFT_FAMILY " " TS_NFT_TABLE, listing, msg, sizeof(msg));
	if (r == -EPROTO && strstr(msg, "No such file or directory"))
		return 0;
	if (r < 0)
		return ts_error_set(err, r, "nft: %s", msg);
	return 0;
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
		char msg[256];
		_exit(run(0, "add table inet terok_shield_probe", NULL, msg, sizeof(msg)) < 0 ? 3 : 0);
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
