/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The bundle's domain files as terok-shield-dns sees them: read again
 * whenever one of them changed (allow and deny replace them atomically,
 * so a new inode, size or mtime tells), so a decision takes effect on
 * the next query without a restart. With an inotify watch on the bundle
 * the files are looked at only after something in it changed: the event
 * is queued before the writer's rename returns, so no later query misses it.
 */
#ifndef TS_DNSDOMAINS_H
#define TS_DNSDOMAINS_H

#include <stdbool.h>
#include <sys/stat.h>
#include <time.h>

#include "base/scope.h"
#include "dns/dnspolicy.h"

struct ts_error;

#define TS_DNS_DOMAIN_FILES 8

/*
 * The scoped domains in force: their names are allowed (domains.allowed
 * holds them too) but what is learned for them goes to the scoped sets
 * with their scope (dns/dnsscope.h), unless a whole allow covers the name.
 */
struct ts_dns_scoped_domains {
	struct ts_scoped_domain *items;
	size_t n;
	struct ts_scoped_entry *fixed;       /* profile.scoped and live.scoped in force: */
	size_t n_fixed;                      /* what they cover is not learned again */
	time_t next_expiry;                  /* the earliest end among them all, 0: none ends */
};

struct ts_dns_domain_files {
	char *profile, *live, *denied;       /* paths */
	char *profile_scoped, *live_scoped;  /* paths of the scoped domain files */
	char *profile_fixed, *live_fixed;    /* paths of profile.scoped, live.scoped */
	char *blocked;                       /* the block record: anything there blocks */
	struct stat seen[TS_DNS_DOMAIN_FILES]; /* what they were when last read */
	bool loaded;
	int inotify;                         /* watch on the bundle, or -1: stat every time */
	struct ts_dns_domains domains;
	struct ts_strv whole;                /* profile.domains + live.domains: learned whole */
	struct ts_dns_scoped_domains scoped;
};

/*
 * Paths of state_dir's profile.domains, live.domains, denied.domains, the
 * scoped domain files, the scoped address files and the block record;
 * nothing read yet.
 */
void ts_dns_domain_files_init(struct ts_dns_domain_files *f, const char *state_dir);
void ts_dns_domain_files_clear(struct ts_dns_domain_files *f);

/*
 * An inotify descriptor watching state_dir, for the inotify member (which
 * then owns it), or a negative errno. Without one every refresh stats.
 */
int ts_dns_domain_files_watch(const char *state_dir, struct ts_error *err);

/*
 * Read the files again when one changed since the last call, or a scoped
 * domain ended since (*changed says whether). Lines that are no valid
 * domain (or scoped domain line) are skipped, and so are scoped domains
 * that have ended. On an error
 * the allowed list is emptied (fail closed) and the error returned.
 */
int ts_dns_domain_files_refresh(struct ts_dns_domain_files *f, bool *changed,
				struct ts_error *err);

#endif
