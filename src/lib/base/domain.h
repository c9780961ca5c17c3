/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Domain names as they appear in profiles and allow/deny targets
 * (docs/cli.md, profiles): letters, digits, hyphens and dots, an optional leading
 * "*.", a top-level label of at least two letters. Depends on libc only.
 */
#ifndef TS_DOMAIN_H
#define TS_DOMAIN_H

#include <stdbool.h>

struct ts_error;

#define TS_DOMAIN_MAX 253
/* Room for "*." + name + NUL. */
#define TS_DOMAIN_BUFLEN (TS_DOMAIN_MAX + 3)

/*
 * Validate and normalise: lower-case, one trailing dot dropped, a leading
 * "*." kept. Writes the result to out.
 */
int ts_domain_normalize(const char *text, char out[TS_DOMAIN_BUFLEN], struct ts_error *err);

/* The name without a leading "*." (pointer into domain). */
const char *ts_domain_strip_wildcard(const char *domain);

/* true when name equals parent or is a subdomain of it (both normalised). */
bool ts_domain_matches(const char *name, const char *parent);

#endif
