/* SPDX-License-Identifier: Apache-2.0 */
/* What the tool needs to know from podman. */
#ifndef TS_PODMAN_H
#define TS_PODMAN_H

#include <stdbool.h>

#include "base/util.h"

struct ts_error;

/* "4.3.1" from `podman --version`; -ENOENT when podman is not installed. */
int ts_podman_version(char **out, struct ts_error *err);

/* How rootless podman gives a container its network (docs/cli.md, prepare and run). */
enum ts_net_mode { TS_NET_SLIRP4NETNS, TS_NET_PASTA };

struct ts_podman_info {
	char *version;         /* "4.3.1" (version.Version) */
	bool rootless;         /* host.security.rootless */
	enum ts_net_mode mode; /* rootless network mode */
};

/*
 * Parse `podman info -f json`. Mode: host.rootlessNetworkCmd when present
 * ("slirp4netns" | "pasta"; anything else is an error naming the value,
 * never a guess); absent (podman 4) → slirp4netns when
 * host.slirp4netns.executable is a non-empty string, else pasta.
 * On error *info is left cleared.
 */
int ts_podman_info_parse(const char *json, struct ts_podman_info *info, struct ts_error *err);

/*
 * -EIO with "WHAT exited with status N: LINES": podman's own words from
 * its stderr (errors), the lines reporting an error (else its first
 * lines), at most three, logrus lines reduced to their msg, made
 * printable. Without errors (NULL or blank): just the status.
 */
int ts_podman_failed(struct ts_error *err, const char *what, int status, const char *errors);

/* Run `podman info -f json` once and parse it; -ENOENT when podman is not installed. */
int ts_podman_info_read(struct ts_podman_info *info, struct ts_error *err);

void ts_podman_info_clear(struct ts_podman_info *info);
#define _cleanup_podman_info_ _cleanup_(ts_podman_info_clear)

/* "slirp4netns" | "pasta" */
const char *ts_net_mode_name(enum ts_net_mode mode);

/* Upstream DNS the container sees: "10.0.2.3" (slirp4netns) | "169.254.1.1" (pasta). */
const char *ts_net_mode_dns(enum ts_net_mode mode);

/* The host gateway: "10.0.2.2" (slirp4netns) | NULL (pasta has none). */
const char *ts_net_mode_gateway(enum ts_net_mode mode);

#endif
