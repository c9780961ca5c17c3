/* SPDX-License-Identifier: Apache-2.0 */
/* The verifier and the state classifier on arbitrary input where a JSON listing (`nft -j -t -p list table`) is expected. */
#include "base/util.h"
#include "fuzz.h"
#include "nft/verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *listing = fuzz_cstr(data, size);
	struct ts_error err = { 0 };
	int up = ts_verify_up(listing, &err);
	fuzz_check_message(err.message, sizeof(err.message));
	err = (struct ts_error){ 0 };
	int down = ts_verify_down(listing, false, &err);
	fuzz_check_message(err.message, sizeof(err.message));
	err = (struct ts_error){ 0 };
	int down_all = ts_verify_down(listing, true, &err);
	fuzz_check_message(err.message, sizeof(err.message));
	FUZZ_CHECK(up <= 0 && down <= 0 && down_all <= 0);
	/* A table that passes as up cannot pass as down (default-deny vs accept policy). */
	FUZZ_CHECK(!(up == 0 && down_all == 0));
	enum ts_shield_state state = ts_shield_state_classify(listing);
	FUZZ_CHECK(ts_shield_state_name(state) != NULL);
	free(listing);
	return 0;
}
