/* SPDX-License-Identifier: Apache-2.0 */
#include <sys/stat.h>

#include "base/util.h"
#include "bundle/location.h"
#include "bundle/shield.h"
#include "bundle/state.h"

/* The bundle must exist and, as the hook requires, be closed to others. */
static int check_prepared(const char *name, const char *state_dir, struct ts_error *err)
{
	struct stat st;
	if (lstat(state_dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return ts_error_set(err, ENOENT, "container '%s' is not prepared (no %s); run "
				    "'terok-shield prepare %s' first", name, state_dir, name);
	return ts_state_dir_check(state_dir, err);
}

int ts_bundle_open(const char *state_root, const char *name, bool audit, struct ts_shield *s,
		   struct ts_error *err)
{
	*s = (struct ts_shield){ .audit = audit };
	_cleanup_free_ char *state_dir = NULL;
	int r = ts_container_state_dir(state_root, name, &state_dir, err);
	if (r < 0)
		return r;
	r = check_prepared(name, state_dir, err);
	if (r < 0)
		return r;
	s->state_dir = TAKE_PTR(state_dir);
	s->name = ts_xstrdup(name);
	return 0;
}

void ts_bundle_close(struct ts_shield *s)
{
	free(s->name);
	free(s->state_dir);
	*s = (struct ts_shield){ 0 };
}
