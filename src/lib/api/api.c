/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The embedding API of the public header: thin wrappers over the internal
 * modules (prepare.h, live.h) with opaque handles and plain string lists,
 * so no internal type crosses the library boundary.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <terok-shield/terok-shield.h>

#include "base/strv.h"
#include "base/util.h"
#include "config/config.h"
#include "config/dirs.h"
#include "container/podman.h"
#include "control/forget.h"
#include "control/live.h"
#include "control/prepare.h"

struct ts_shielded {
	struct ts_shield shield;
	char *config_root;
};

void ts_string_list_free(char **list)
{
	if (!list)
		return;
	for (char **p = list; *p; p++)
		free(*p);
	free(list);
}

/* A NULL-terminated list the caller owns; v is left empty. */
static char **take_list(struct ts_strv *v)
{
	ts_strv_push_take(v, NULL);
	char **items = v->items;
	*v = (struct ts_strv)TS_STRV_INIT;
	return items;
}

/* The roots the caller named, else the defaults; both newly allocated. */
static int resolve_roots(const struct ts_roots *roots, char **config_root, char **state_root,
			 struct ts_error *err)
{
	const char *config = roots ? roots->config_root : NULL;
	const char *state = roots ? roots->state_root : NULL;
	int r = config ? (*config_root = ts_xstrdup(config), 0) : ts_config_root(config_root, err);
	if (r == 0)
		r = ts_state_root(state, state_root, err);
	if (r < 0) {
		free(*config_root);
		*config_root = NULL;
	}
	return r;
}

int ts_prepare_container(const struct ts_roots *roots, const char *name,
			 const char *const *profiles, bool interactive, char ***podman_args,
			 char ***warnings, struct ts_error *err)
{
	_cleanup_free_ char *config_root = NULL, *state_root = NULL;
	int r = resolve_roots(roots, &config_root, &state_root, err);
	if (r < 0)
		return r;
	_cleanup_strv_ struct ts_strv names = TS_STRV_INIT;
	for (size_t i = 0; profiles && profiles[i]; i++)
		ts_strv_push(&names, profiles[i]);

	struct ts_config config;
	r = ts_config_load(config_root, &config, err);
	struct ts_podman_info info = { 0 };
	if (r == 0)
		r = ts_podman_info_read(&info, err);
	/* Rootful podman networks use other DNS and gateway addresses than the rootless modes. */
	if (r == 0 && !info.rootless)
		r = ts_error_set(err, EPERM, "podman runs rootful here; terok-shield shields rootless "
				 "containers (run it as the user who runs them)");
	struct ts_prepared prepared = { 0 };
	if (r == 0) {
		struct ts_prepare_request req = {
			.name = name,
			.state_root = state_root,
			.config_root = config_root,
			.config = &config,
			.profiles = &names,
			.interactive = interactive,
			.podman = &info,
			.privileged = geteuid() == 0,
		};
		r = ts_prepare(&req, &prepared, err);
	}
	if (r == 0) {
		*podman_args = take_list(&prepared.podman_args);
		if (warnings)
			*warnings = take_list(&prepared.warnings);
	}
	ts_prepared_clear(&prepared);
	ts_podman_info_clear(&info);
	ts_config_clear(&config);
	return r;
}

int ts_shielded_open(const struct ts_roots *roots, const char *name, struct ts_shielded **out,
		     struct ts_error *err)
{
	_cleanup_free_ char *config_root = NULL, *state_root = NULL;
	int r = resolve_roots(roots, &config_root, &state_root, err);
	if (r < 0)
		return r;
	struct ts_config config;
	r = ts_config_load(config_root, &config, err);
	bool audit = config.audit_enabled;
	ts_config_clear(&config);
	if (r < 0)
		return r;
	struct ts_shielded *s = calloc(1, sizeof(*s));
	if (!s)
		return ts_error_set(err, ENOMEM, "out of memory");
	r = ts_shield_open(state_root, name, audit, &s->shield, err);
	if (r < 0) {
		free(s);
		return r;
	}
	s->config_root = TAKE_PTR(config_root);
	*out = s;
	return 0;
}

void ts_shielded_close(struct ts_shielded *s)
{
	if (!s)
		return;
	ts_shield_close(&s->shield);
	free(s->config_root);
	free(s);
}

const char *ts_shielded_name(const struct ts_shielded *s)
{
	return s->shield.name;
}

const char *ts_shielded_state_dir(const struct ts_shielded *s)
{
	return s->shield.state_dir;
}

static int change(const struct ts_shielded *s, const char *target, bool allow, char ***ips,
		  struct ts_error *err)
{
	struct ts_change c = { 0 };
	int r = allow ? ts_shield_allow(&s->shield, target, &c, err)
		      : ts_shield_deny(&s->shield, target, &c, err);
	if (r == 0) {
		r = c.running ? 1 : 0;
		if (ips)
			*ips = take_list(&c.ips);
	}
	ts_change_clear(&c);
	return r;
}

int ts_shielded_allow(const struct ts_shielded *s, const char *target, char ***ips,
		      struct ts_error *err)
{
	return change(s, target, true, ips, err);
}

int ts_shielded_deny(const struct ts_shielded *s, const char *target, char ***ips,
		     struct ts_error *err)
{
	return change(s, target, false, ips, err);
}

int ts_shielded_up(const struct ts_shielded *s, struct ts_error *err)
{
	return ts_shield_up(&s->shield, err);
}

int ts_shielded_down(const struct ts_shielded *s, bool all, struct ts_error *err)
{
	return ts_shield_down(&s->shield, all, err);
}

int ts_shielded_state(const struct ts_shielded *s, enum ts_shield_state *state, char **rules,
		      struct ts_error *err)
{
	return ts_shield_state(&s->shield, state, rules, err);
}

int ts_shielded_resolve(const struct ts_shielded *s, bool force, char ***ips,
			struct ts_error *err)
{
	struct ts_resolved res = { 0 };
	int r = ts_resolve_bundle(s->shield.state_dir, s->config_root, force, &res, err);
	if (r == 0) {
		r = (int)res.ips.n;
		if (ips)
			*ips = take_list(&res.ips);
	}
	ts_resolved_clear(&res);
	return r;
}

int ts_forget_container(const struct ts_roots *roots, const char *name, struct ts_error *err)
{
	_cleanup_free_ char *config_root = NULL, *state_root = NULL;
	int r = resolve_roots(roots, &config_root, &state_root, err);
	struct ts_forgotten gone = { 0 };
	if (r == 0)
		r = ts_forget(state_root, name, &gone, err);
	ts_forgotten_clear(&gone);
	return r;
}
