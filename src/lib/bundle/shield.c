/* SPDX-License-Identifier: Apache-2.0 */
#include <sys/stat.h>

#include "base/util.h"
#include "bundle/location.h"
#include "bundle/shield.h"
#include "bundle/state.h"

int ts_shield_open(const char *state_root, const char *name, bool audit, struct ts_shield *s,
		   struct ts_error *err)
{
	*s = (struct ts_shield){ .audit = audit };
	int r = ts_container_state_dir(state_root, name, &s->state_dir, err);
	struct stat st;
	if (r == 0 && (lstat(s->state_dir, &st) < 0 || !S_ISDIR(st.st_mode)))
		r = ts_error_set(err, ENOENT, "container '%s' is not prepared (no %s); run "
				 "'terok-shield prepare %s' first", name, s->state_dir, name);
	/* The hook refuses a bundle others can reach: so does every command that changes it. */
	if (r == 0)
		r = ts_state_dir_check(s->state_dir, err);
	if (r < 0) {
		ts_shield_close(s);
		return r;
	}
	s->name = ts_xstrdup(name);
	return 0;
}

void ts_shield_close(struct ts_shield *s)
{
	free(s->name);
	free(s->state_dir);
	*s = (struct ts_shield){ 0 };
}
