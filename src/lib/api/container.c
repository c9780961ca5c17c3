/* SPDX-License-Identifier: Apache-2.0 */
/* A container's bundle made, removed and listed: ts_prepare_container, ts_forget_container, ts_list_containers. */
#include "api/boundary.h"
#include "base/util.h"
#include "config/config.h"
#include "control/forget.h"
#include "control/inventory.h"
#include "control/prepare.h"

int ts_prepare_container(const struct ts_roots *roots, const char *name,
			 const char *const *profiles, bool interactive, char ***podman_args,
			 char ***warnings, struct ts_error *err)
{
	_cleanup_free_ char *config_root = NULL, *state_root = NULL;
	int r = ts_api_roots(roots, &config_root, &state_root, err);
	if (r < 0)
		return r;
	_cleanup_config_ struct ts_config config = { 0 };
	r = ts_config_load(config_root, &config, err);
	if (r < 0)
		return r;
	_cleanup_strv_ struct ts_strv names = TS_STRV_INIT;
	for (size_t i = 0; profiles && profiles[i]; i++)
		ts_strv_push(&names, profiles[i]);
	struct ts_prepare_request req = {
		.name = name,
		.state_root = state_root,
		.config_root = config_root,
		.config = &config,
		.profiles = &names,
		.interactive = interactive,
	};
	_cleanup_prepared_ struct ts_prepared prepared = { 0 };
	r = ts_prepare_with_podman(&req, &prepared, err);
	if (r < 0)
		return r;
	*podman_args = ts_api_take_list(&prepared.podman_args);
	if (warnings)
		*warnings = ts_api_take_list(&prepared.unresolved);
	return 0;
}

int ts_forget_container(const struct ts_roots *roots, const char *name, struct ts_error *err)
{
	_cleanup_free_ char *config_root = NULL, *state_root = NULL;
	int r = ts_api_roots(roots, &config_root, &state_root, err);
	if (r < 0)
		return r;
	_cleanup_forgotten_ struct ts_forgotten gone = { 0 };
	return ts_forget(state_root, name, &gone, err);
}

const char *ts_container_state_name(enum ts_container_state state)
{
	switch (state) {
	case TS_CONTAINER_RUNNING:
		return "running";
	case TS_CONTAINER_STOPPED:
		return "stopped";
	case TS_CONTAINER_GONE:
		return "gone";
	}
	return "gone";
}

int ts_list_containers(const struct ts_roots *roots, struct ts_listed **list, size_t *n,
		       struct ts_error *err)
{
	_cleanup_free_ char *config_root = NULL, *state_root = NULL;
	int r = ts_api_roots(roots, &config_root, &state_root, err);
	if (r < 0)
		return r;
	struct ts_inventory inv;
	r = ts_inventory_read(state_root, &inv, err);
	if (r < 0)
		return r;
	*list = inv.items;
	*n = inv.n;
	return 0;
}

void ts_listed_free(struct ts_listed *list, size_t n)
{
	struct ts_inventory inv = { .items = list, .n = list ? n : 0 };
	ts_inventory_clear(&inv);
}
