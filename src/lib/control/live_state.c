/* SPDX-License-Identifier: Apache-2.0 */
#include "base/util.h"
#include "bundle/shield.h"
#include "container/locate.h"
#include "container/nsexec.h"
#include "container/procid.h"
#include "control/live_state.h"
#include "nft/listing.h"
#include "nft/nft.h"
#include "nft/verify.h"

/*
 * In the helper: classify the JSON listing there and answer the state's
 * number on the first line, followed by the text listing when asked for
 * (one snapshot for both).
 */
static int state_in_container(struct ts_nft *nft, void *arg, char **output, struct ts_error *err)
{
	const bool *with_text = arg;
	_cleanup_free_ char *json = NULL, *text = NULL;
	int r = ts_nft_list_json(nft, &json, err);
	if (r == 0 && json && *with_text)
		r = ts_nft_list(nft, false, &text, err);
	if (r < 0)
		return r;
	*output = ts_xasprintf("%d\n%s", (int)ts_verify_classify(json), text ? text : "");
	return 0;
}

int ts_live_state(const struct ts_shield *s, enum ts_shield_state *state, char **listing,
		  struct ts_error *err)
{
	struct ts_proc_identity id;
	_cleanup_free_ char *answer = NULL;
	bool with_text = listing != NULL;
	*state = TS_STATE_INACTIVE;
	if (listing)
		*listing = NULL;
	int r = ts_container_locate(s->state_dir, s->name, &id, err);
	if (r == 1)
		r = ts_in_container(&id, state_in_container, &with_text, &answer, err);
	if (r < 0 || !answer)
		return r < 0 ? r : 0;
	char *text = NULL;
	long n = strtol(answer, &text, 10);
	/* TS_STATE_BLOCK is the last state (the public enum keeps older values in place). */
	*state = n >= TS_STATE_UP && n <= TS_STATE_BLOCK && *text == '\n' ? (enum ts_shield_state)n
									  : TS_STATE_ERROR;
	if (listing && *text && text[1])
		*listing = ts_xstrdup(text + 1);
	return 0;
}
