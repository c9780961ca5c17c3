/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What crosses the public API's boundary (include/terok-shield/terok-shield.h):
 * the caller's roots become paths, internal lists plain string lists, so no
 * internal type leaves the library. For the api/ files only.
 */
#ifndef TS_API_BOUNDARY_H
#define TS_API_BOUNDARY_H

#include <terok-shield/terok-shield.h>

#include "base/strv.h"

/* A NULL-terminated list the caller owns (ts_string_list_free()); v is left empty. */
char **ts_api_take_list(struct ts_strv *v);

/*
 * The roots the caller named, else the defaults (terok-shield(1)); both
 * newly allocated, and both NULL on error.
 */
int ts_api_roots(const struct ts_roots *roots, char **config_root, char **state_root,
		 struct ts_error *err);

#endif
