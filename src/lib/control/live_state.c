/* SPDX-License-Identifier: Apache-2.0 */
#include "base/util.h"
#include "bundle/shield.h"
#include "container/locate.h"
#include "container/nsexec.h"
#include "container/procid.h"
#include "control/live_state.h"
#include "nft/nft.h"
#include "nft/verify.h"

/* In the helper: the table as nft lists it, terse (no elements) unless the caller shows it. */
static int list_in_container(struct ts_nft *nft, void *arg, char **output, struct ts_error *err)
{
	const bool *terse = arg;
	return ts_nft_list(nft, *terse, output, err);
}

int ts_live_state(const struct ts_shield *s, enum ts_shield_state *state, char **listing,
		  struct ts_error *err)
{
	struct ts_proc_identity id;
	_cleanup_free_ char *text = NULL;
	bool terse = listing == NULL;
	*state = TS_STATE_INACTIVE;
	if (listing)
		*listing = NULL;
	int r = ts_container_locate(s->state_dir, s->name, &id, err);
	if (r == 1)
		r = ts_in_container(&id, list_in_container, &terse, &text, err);
	if (r < 0)
		return r;
	if (text && *text) {
		*state = ts_verify_classify(text);
		if (listing)
			*listing = TAKE_PTR(text);
	}
	return 0;
}
