/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Embedding libterok-shield: prepare a container, allow a destination,
 * read its shield state. Build against an installed library with
 *
 *   cc -o embed embed.c $(pkg-config --cflags --libs libterok-shield)
 *
 * Usage: embed NAME [TARGET [PROFILE...]]
 * Prepares NAME with PROFILEs (default: config.yml's default_profiles)
 * and prints the podman arguments, then allows TARGET (an IP, a CIDR or
 * a domain) and prints the container's state. Start the container with
 * `podman run ARGS... IMAGE` to have TARGET applied at once next time.
 */
#include <stdio.h>
#include <stdlib.h>

#include <terok-shield/terok-shield.h>

static int fail(const char *what, const struct ts_error *err)
{
	fprintf(stderr, "embed: %s: %s\n", what, err->message);
	return 1;
}

static void print_list(const char *label, char **list)
{
	printf("%s:", label);
	for (char **p = list; *p; p++)
		printf(" %s", *p);
	printf("\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: embed NAME [TARGET [PROFILE...]]\n");
		return 2;
	}
	const char *name = argv[1];
	const char *target = argc > 2 ? argv[2] : NULL;
	const char *const *profiles = argc > 3 ? (const char *const *)argv + 3 : NULL;
	struct ts_error err = { 0 };
	printf("libterok-shield %s\n", ts_version());

	/* NULL roots: the same config and state directories as terok-shield(1). */
	char **args = NULL, **warnings = NULL;
	if (ts_prepare_container(NULL, name, profiles, false, &args, &warnings, &err) < 0)
		return fail("prepare", &err);
	print_list("podman run", args);
	for (char **w = warnings; *w; w++)
		fprintf(stderr, "embed: not resolved, skipped: %s\n", *w);
	ts_string_list_free(args);
	ts_string_list_free(warnings);

	struct ts_shielded *s = NULL;
	if (ts_shielded_open(NULL, name, &s, &err) < 0)
		return fail("open", &err);
	int rc = 0;
	if (target) {
		char **ips = NULL;
		int r = ts_shielded_allow(s, target, &ips, &err);
		if (r < 0) {
			rc = fail("allow", &err);
			goto out;
		}
		print_list("allowed", ips);
		printf("applied: %s\n", r == 1 ? "now (running)" : "at the next start");
		ts_string_list_free(ips);
	}
	enum ts_shield_state state;
	if (ts_shielded_state(s, &state, NULL, &err) < 0) {
		rc = fail("state", &err);
		goto out;
	}
	printf("state: %s\n", ts_shield_state_name(state));
	printf("state_dir: %s\n", ts_shielded_state_dir(s));
out:
	ts_shielded_close(s);
	return rc;
}
