/* SPDX-License-Identifier: Apache-2.0 */
#include "base/util.h"
#include "bundle/location.h"

#define CONTAINER_NAME_MAX 255
/* How much of a rejected name is quoted back in a message. */
#define QUOTE_MAX 64

static bool name_char_ok(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
	       ch == '_' || ch == '.' || ch == '-';
}

/* The name may hold anything: keep the message on one line and short. */
static const char *printable(const char *s, char buf[static QUOTE_MAX + 4])
{
	size_t n = strnlen(s, QUOTE_MAX);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		buf[i] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
	}
	strcpy(buf + n, s[n] ? "..." : "");
	return buf;
}

int ts_container_name_validate(const char *name, struct ts_error *err)
{
	size_t len = strnlen(name, CONTAINER_NAME_MAX + 1);
	/* A leading '.' is refused, which also rules out "." and "..". */
	bool ok = len > 0 && len <= CONTAINER_NAME_MAX && name[0] != '.' && name[0] != '-' &&
		  name[0] != '_';
	char q[QUOTE_MAX + 4];

	for (size_t i = 0; ok && i < len; i++)
		ok = name_char_ok(name[i]);
	if (ok)
		return 0;
	return ts_error_set(err, EINVAL,
			    "invalid container name '%s': use letters, digits, '_', '.', '-' (not first), at most %d characters",
			    printable(name, q), CONTAINER_NAME_MAX);
}

char *ts_containers_dir(const char *state_root)
{
	return ts_path_join(state_root, "containers");
}

int ts_container_state_dir(const char *state_root, const char *name, char **out,
			   struct ts_error *err)
{
	int r = ts_container_name_validate(name, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *containers = ts_containers_dir(state_root);
	*out = ts_path_join(containers, name);
	return 0;
}
