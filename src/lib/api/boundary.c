/* SPDX-License-Identifier: Apache-2.0 */
#include "api/boundary.h"
#include "base/util.h"
#include "config/dirs.h"

void ts_string_list_free(char **list)
{
	if (!list)
		return;
	for (char **p = list; *p; p++)
		free(*p);
	free(list);
}

char **ts_api_take_list(struct ts_strv *v)
{
	ts_strv_push_take(v, NULL);
	char **items = v->items;
	*v = (struct ts_strv)TS_STRV_INIT;
	return items;
}

int ts_api_roots(const struct ts_roots *roots, char **config_root, char **state_root,
		 struct ts_error *err)
{
	const char *config = roots ? roots->config_root : NULL;
	const char *state = roots ? roots->state_root : NULL;
	*config_root = *state_root = NULL;
	int r = config ? (*config_root = ts_xstrdup(config), 0) : ts_config_root(config_root, err);
	if (r < 0)
		return r;
	r = ts_state_root(state, state_root, err);
	if (r < 0)
		free(TAKE_PTR(*config_root));
	return r;
}
