/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The per-container dnsmasq configuration (docs/bundle.md). Pure: text in,
 * text out. Every value is validated before it reaches the file.
 */
#ifndef TS_DNSMASQ_CONF_H
#define TS_DNSMASQ_CONF_H

#include <stddef.h>

struct ts_error;

/*
 * dnsmasq.conf for a container: answer on 127.0.0.1:53, forward to
 * upstream, log queries to log_path, write pid_path, and add every A/AAAA
 * answer for each domain (and its subdomains) to dns_v4 / dns_v6.
 * Domains are normalised (lower case, a leading "*." stripped) and
 * de-duplicated; any invalid value fails the call.
 */
int ts_dnsmasq_config(const char *upstream, const char *pid_path, const char *log_path,
		      const char *const *domains, size_t n_domains, char **out,
		      struct ts_error *err);

#endif
