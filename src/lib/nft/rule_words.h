/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A rule of libnftables' JSON listing as the words `nft list` prints for
 * it ("ip daddr @allow_v4 meta l4proto { tcp, udp } ... accept"), so the
 * verifier states its rule shapes in nft's own syntax. Shapes the shield
 * writes render exactly; anything else renders to words that match none of
 * them, with every verdict (accept, drop, jump, goto, queue), however deep
 * it sits, still present as a word of its own.
 */
#ifndef TS_NFT_RULE_WORDS_H
#define TS_NFT_RULE_WORDS_H

#include <jansson.h>

#include "base/strv.h"

/* Append the words of a rule object's "expr" array (and its comment) to words. */
void ts_rule_words(const json_t *rule, struct ts_strv *words);

#endif
