/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>

#include "podman.h"
#include "process.h"
#include "util.h"

int ts_podman_version(char **out, struct ts_error *err)
{
	static const char *const argv[] = { "podman", "--version", NULL };
	_cleanup_free_ char *text = NULL;
	int r = ts_run_capture(argv, &text, err);
	if (r < 0)
		return r;
	if (r != 0)
		return ts_error_set(err, EIO, "podman --version exited with status %d", r);
	/* "podman version 4.3.1\n": the last word, digits and dots only. */
	char *word = strrchr(ts_strip(text), ' ');
	word = word ? word + 1 : text;
	size_t n = strspn(word, "0123456789.");
	if (n == 0 || !isdigit((unsigned char)word[0]))
		return ts_error_set(err, EPROTO, "unexpected podman --version output");
	word[n] = '\0';
	*out = ts_xstrdup(word);
	return 0;
}
