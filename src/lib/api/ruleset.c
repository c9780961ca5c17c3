/* SPDX-License-Identifier: Apache-2.0 */
/* The ruleset and the shield states, public: wrappers of the pure nft/ modules. */
#include "nft/ruleset.h"
#include "nft/verify.h"

int ts_ruleset_generate(const struct ts_ruleset_params *params, char **out, struct ts_error *err)
{
	return ts_ruleset_script(params, out, err);
}

const char *ts_shield_state_name(enum ts_shield_state state)
{
	switch (state) {
	case TS_STATE_UP:
		return "up";
	case TS_STATE_DOWN:
		return "down";
	case TS_STATE_DOWN_ALL:
		return "down_all";
	case TS_STATE_INACTIVE:
		return "inactive";
	case TS_STATE_ERROR:
		return "error";
	case TS_STATE_BLOCK:
		return "block";
	}
	return "error";
}

enum ts_shield_state ts_shield_state_classify(const char *listing)
{
	return ts_verify_classify(listing);
}
