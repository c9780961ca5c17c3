/* SPDX-License-Identifier: Apache-2.0 */
/* prepare and run: build the bundle, then print the podman arguments or exec podman. */
#include <jansson.h>
#include <stdio.h>
#include <unistd.h>

#include "base/util.h"
#include "cli.h"
#include "control/prepare.h"

static const char prepare_usage[] =
	"Usage: terok-shield prepare NAME [--profiles P...] [--interactive]\n"
	"                            [--dns-policy strict|open] [--json]\n"
	"\n"
	"Build the state bundle of container NAME and print the podman arguments\n"
	"that shield it, shell-quoted on one line:\n"
	"\n"
	"  eval \"podman run $(terok-shield prepare NAME) [OPTIONS] IMAGE [COMMAND...]\"\n"
	"\n"
	"When it fails and its output is not a terminal, it prints the one word\n"
	"--terok-shield-prepare-failed (with --json: a JSON array holding it),\n"
	"which podman refuses, so the line above starts nothing. A container\n"
	"that runs, or that podman still has, is refused: change a running one\n"
	"with allow, deny, up or down.\n"
	"\n"
	"  --profiles P...  allowlist profiles (default: default_profiles of config.yml);\n"
	"                   several names may follow, or a comma-separated list\n"
	"  --interactive    blocked connections wait for an operator's verdict\n"
	"  --dns-policy P   shield DNS tier: strict (refuse names outside the allowed\n"
	"                   domains) or open (forward every name); default dns_policy\n"
	"                   of config.yml, else strict\n"
	"  --json           print the arguments as a JSON array\n"
	"  -h, --help       print this help\n"
	"\n"
	"Needs the global hook: run 'terok-shield setup' once.\n";

static const char run_usage[] =
	"Usage: terok-shield run NAME [--profiles P...] [--interactive]\n"
	"                        [--dns-policy strict|open] -- PODMAN_ARGS...\n"
	"\n"
	"Prepare container NAME (see 'terok-shield prepare --help') and exec\n"
	"'podman run' with the shield's arguments followed by PODMAN_ARGS, e.g.\n"
	"\n"
	"  terok-shield run web -- -d docker.io/library/nginx\n"
	"\n"
	"PODMAN_ARGS must not set what the shield manages: --name, --hooks-dir,\n"
	"--annotation, --cap-drop, --cap-add, --security-opt, --network, --net,\n"
	"--privileged.\n";

/*
 * What a failed prepare prints on stdout, for podman to refuse: an option
 * podman does not know makes `podman run` exit before it creates anything,
 * so `podman run $(terok-shield prepare NAME) IMAGE` never starts an
 * unshielded container when prepare fails. One word, no shell
 * metacharacters: it survives $(...) and eval unchanged.
 */
#define FAIL_CLOSED_ARG "--terok-shield-prepare-failed"

/* Flags whose value the shield sets; a user value would undo it. */
static const char *const managed_flags[] = {
	"--name", "--hooks-dir", "--annotation", "--cap-drop", "--cap-add",
	"--security-opt", "--network", "--net",
	/* --privileged grants every capability back, whatever --cap-drop said. */
	"--privileged",
};

struct prepare_opts {
	const char *name;
	struct ts_strv profiles;
	bool interactive;
	const char *dns_policy; /* NULL: config.yml's */
	bool json;
	char **podman_args; /* run: after "--" */
	int n_podman_args;
};

static void prepare_opts_clear(struct prepare_opts *o)
{
	ts_strv_clear(&o->profiles);
}

/* "a,b" or "a:b" → a, b; false when the list names nothing. */
static bool add_profile_list(struct ts_strv *profiles, const char *list)
{
	_cleanup_free_ char *copy = ts_xstrdup(list);
	char *save = NULL;
	size_t before = profiles->n;
	for (char *p = strtok_r(copy, ",:", &save); p; p = strtok_r(NULL, ",:", &save))
		ts_strv_push(profiles, p);
	return profiles->n > before;
}

/*
 * Options may come before or after NAME; --profiles takes every following
 * word up to the next option. run: everything after "--" goes to podman.
 * true when the command ends here, with *code.
 */
static bool parse(int argc, char **argv, bool is_run, struct prepare_opts *o, int *code)
{
	const char *cmd = is_run ? "run" : "prepare";
	const char *usage = is_run ? run_usage : prepare_usage;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(usage, stdout);
			*code = 0;
			return true;
		}
		if (is_run && strcmp(a, "--") == 0) {
			o->podman_args = argv + i + 1;
			o->n_podman_args = argc - i - 1;
			break;
		}
		if (strcmp(a, "--profiles") == 0) {
			if (i + 1 >= argc || argv[i + 1][0] == '-') {
				*code = cli_usage_error(cmd, "option '--profiles' needs a value");
				return true;
			}
			while (i + 1 < argc && argv[i + 1][0] != '-')
				if (!add_profile_list(&o->profiles, argv[++i])) {
					*code = cli_usage_error(cmd, "'--profiles %s' names no profile", argv[i]);
					return true;
				}
		} else if (ts_startswith(a, "--profiles=") && a[11]) {
			if (!add_profile_list(&o->profiles, a + 11)) {
				*code = cli_usage_error(cmd, "'%s' names no profile", a);
				return true;
			}
		} else if (strcmp(a, "--interactive") == 0) {
			o->interactive = true;
		} else if (strcmp(a, "--dns-policy") == 0 || ts_startswith(a, "--dns-policy=")) {
			const char *v = a[12] == '=' ? a + 13 : (i + 1 < argc ? argv[++i] : NULL);
			if (!v || (strcmp(v, "strict") != 0 && strcmp(v, "open") != 0)) {
				*code = cli_usage_error(cmd, "--dns-policy takes strict or open%s%s%s",
							v ? ", not '" : "", v ? v : "", v ? "'" : "");
				return true;
			}
			o->dns_policy = v;
		} else if (!is_run && strcmp(a, "--json") == 0) {
			o->json = true;
		} else if (a[0] == '-') {
			*code = cli_usage_error(cmd, "unrecognised option '%s'", a);
			return true;
		} else if (!o->name) {
			o->name = a;
		} else {
			*code = cli_usage_error(cmd, "unexpected argument '%s'", a);
			return true;
		}
	}
	if (!o->name) {
		*code = cli_usage_error(cmd, "missing container NAME");
		return true;
	}
	if (is_run && !o->podman_args) {
		*code = cli_usage_error(cmd, "missing '--' before the podman arguments");
		return true;
	}
	return false;
}

/* --flag value and --flag=value both count. */
static const char *managed_flag(const char *arg)
{
	for (size_t i = 0; i < ARRAY_SIZE(managed_flags); i++) {
		size_t n = strlen(managed_flags[i]);
		if (strncmp(arg, managed_flags[i], n) == 0 && (arg[n] == '\0' || arg[n] == '='))
			return managed_flags[i];
	}
	return NULL;
}

/* POSIX shell single quoting, only where needed. */
static void print_quoted(const char *s)
{
	if (*s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
			    "_@%+=:,./-") == strlen(s)) {
		fputs(s, stdout);
		return;
	}
	putchar('\'');
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", stdout);
		else
			putchar(*s);
	}
	putchar('\'');
}

static int print_json(const struct ts_strv *args)
{
	json_t *array = json_array();
	for (size_t i = 0; i < args->n; i++) {
		json_t *s = json_string(args->items[i]);
		if (!s || json_array_append_new(array, s) < 0) {
			json_decref(array);
			return cli_error("argument '%s' is not valid UTF-8; use the shell form", args->items[i]);
		}
	}
	char *text = json_dumps(array, JSON_COMPACT);
	json_decref(array);
	if (!text)
		return cli_error("cannot format the arguments as JSON");
	puts(text);
	free(text);
	return 0;
}

static int print_args(const struct ts_strv *args, bool json)
{
	if (json)
		return print_json(args);
	for (size_t i = 0; i < args->n; i++) {
		if (i)
			putchar(' ');
		print_quoted(args->items[i]);
	}
	putchar('\n');
	return 0;
}

/* Tell what the bundle carries over from an earlier container of the name, and how to drop it. */
static void note_kept(const char *name, const struct ts_kept *k)
{
	if (k->blocked)
		fprintf(stderr,
			"terok-shield: note: %s is still blocked from its earlier use, so its next "
			"container starts blocked (loopback only); 'terok-shield up %s' lifts the block "
			"once it runs, 'terok-shield forget %s' drops it with everything else\n",
			name, name, name);
	if (k->allows == 0 && k->denies == 0)
		return;
	fprintf(stderr,
		"terok-shield: note: %s keeps %zu allow%s and %zu den%s from its earlier use "
		"(live.allowed, live.domains, deny.list, denied.domains); to start without them, "
		"run 'terok-shield forget %s' and prepare again\n",
		name, k->allows, k->allows == 1 ? "" : "s", k->denies, k->denies == 1 ? "y" : "ies",
		name);
}

static int do_prepare(struct cli *cli, const struct prepare_opts *o, struct ts_prepared *out)
{
	struct ts_error err = { 0 };
	struct ts_prepare_request req = {
		.name = o->name,
		.state_root = cli->state_root,
		.config_root = cli->config_root,
		.config = &cli->config,
		.profiles = &o->profiles,
		.interactive = o->interactive,
		.dns_policy = o->dns_policy,
	};
	if (ts_prepare_with_podman(&req, out, &err) < 0)
		return cli_fail(&err);
	cli_print_warnings(&out->warnings);
	cli_warn_unresolved(&out->unresolved);
	note_kept(o->name, &out->kept);
	return 0;
}

/* `podman run`, the shield's arguments, then the user's: returns only when podman cannot run. */
static int exec_podman(const struct ts_strv *shield_args, const struct prepare_opts *o)
{
	_cleanup_strv_ struct ts_strv argv_run = TS_STRV_INIT;
	ts_strv_push(&argv_run, "podman");
	ts_strv_push(&argv_run, "run");
	ts_strv_push_all(&argv_run, shield_args);
	for (int i = 0; i < o->n_podman_args; i++)
		ts_strv_push(&argv_run, o->podman_args[i]);
	fflush(NULL);
	execvp("podman", argv_run.items);
	return cli_error("cannot run podman: %s", strerror(errno));
}

static int prepare_or_run(int argc, char **argv, struct cli *cli, bool is_run)
{
	_cleanup_(prepare_opts_clear) struct prepare_opts o = { .profiles = TS_STRV_INIT };
	int code = 0;
	if (parse(argc, argv, is_run, &o, &code))
		return code;
	for (int i = 0; i < o.n_podman_args; i++) {
		const char *flag = managed_flag(o.podman_args[i]);
		if (flag)
			return cli_usage_error("run", "'%s' is managed by terok-shield; remove it from "
					       "the podman arguments", flag);
	}
	_cleanup_prepared_ struct ts_prepared prepared = { 0 };
	code = do_prepare(cli, &o, &prepared);
	if (code != 0)
		return code;
	return is_run ? exec_podman(&prepared.podman_args, &o)
		      : print_args(&prepared.podman_args, o.json);
}

/*
 * Only when stdout is not a terminal: there it feeds another program
 * (podman, through $(...) or a pipe) that must refuse to start. A person
 * at a terminal reads the error on stderr; a stray word would only confuse.
 */
void prepare_fail_closed(int argc, char **argv)
{
	if (isatty(STDOUT_FILENO))
		return;
	bool json = false;
	for (int i = 1; i < argc; i++)
		json = json || strcmp(argv[i], "--json") == 0;
	puts(json ? "[\"" FAIL_CLOSED_ARG "\"]" : FAIL_CLOSED_ARG);
	fflush(stdout);
}

int prepare_main(int argc, char **argv, struct cli *cli)
{
	return prepare_or_run(argc, argv, cli, false);
}

int run_main(int argc, char **argv, struct cli *cli)
{
	return prepare_or_run(argc, argv, cli, true);
}
