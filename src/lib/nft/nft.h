/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libnftables in-process, in whatever network namespace the calling
 * thread is in. Each script runs as one transaction.
 */
#ifndef TS_NFT_H
#define TS_NFT_H

#include <stdbool.h>

struct ts_error;

/*
 * A libnftables context with one netlink socket, bound to the network
 * namespace the caller was in when it was opened.
 */
struct ts_nft;

int ts_nft_open(struct ts_nft **nft, struct ts_error *err);
void ts_nft_close(struct ts_nft *nft);

/*
 * For a process about to exit, done with nft (the hook, the helper in a
 * container's namespace): what closing costs happens off its path. After
 * a commit the kernel's release of an nf_tables socket waits for an RCU
 * barrier (10-15 ms here) that only frees the replaced table; a
 * short-lived holder keeps the socket until we have exited and releases
 * it then. The context's memory (a 10,000-element cache frees object by
 * object, ~25 ms) is left to exit, and the holder, sharing our memory,
 * also takes the address space's teardown. nft must not be used again.
 */
void ts_nft_leave(struct ts_nft *nft);

/*
 * The errno a libnftables error message names ("...: File exists" is
 * -EEXIST), as a negative number; -EINVAL when it names none (a syntax or
 * type error of the script). Every failure below returns this code with
 * nft's own "Error:" lines as the message.
 */
int ts_nft_errno(const char *message);

/* Run a script (one transaction); *output (optional) receives what nft printed. */
int ts_nft_exec(struct ts_nft *nft, const char *script, char **output, struct ts_error *err);

/* The same with libnftables' NFT_CTX_OUTPUT_* flags (JSON, terse, ...) for this run. */
int ts_nft_exec_flags(struct ts_nft *nft, unsigned output_flags, const char *script,
		      char **output, struct ts_error *err);

/*
 * The table's listing as text, for people (`rules`), into *listing, or
 * NULL when it does not exist. terse: leave out set elements. Verification
 * reads the JSON listing instead (nft/listing.h).
 */
int ts_nft_list(struct ts_nft *nft, bool terse, char **listing, struct ts_error *err);

/* One-shot forms of ts_nft_exec and ts_nft_list. */
int ts_nft_run(const char *script, char **output, struct ts_error *err);

int ts_nft_list_table(bool terse, char **listing, struct ts_error *err);

/*
 * Whether nf_tables works for this user: a child process creates a table
 * in a fresh network namespace (and a user namespace when not root).
 */
int ts_nft_probe(struct ts_error *err);

#endif
