/* SPDX-License-Identifier: Apache-2.0 */
#include "base/util.h"
#include "dns/dnsmasq.h"
#include "dns/dnstier.h"
#include "nft/nft_names.h"

int ts_dns_tier_pick(enum ts_dns_tier_choice choice, const char **tier, struct ts_error *err)
{
	switch (choice) {
	case TS_DNS_TIER_AUTO: /* the strict forwarder: no name leaves unless it is allowed */
	case TS_DNS_TIER_SHIELD:
		*tier = TS_TIER_SHIELD;
		return 0;
	case TS_DNS_TIER_DIG:
		*tier = TS_TIER_STATIC;
		return 0;
	case TS_DNS_TIER_DNSMASQ:
		if (!ts_dnsmasq_has_nftset())
			return ts_error_set(err, ENOTSUP, "DNS tier dnsmasq: dnsmasq is not installed "
					    "or was built without nftset support");
		*tier = TS_TIER_DNSMASQ;
		return 0;
	}
	return ts_error_set(err, EINVAL, "unknown DNS tier choice %d", (int)choice);
}
