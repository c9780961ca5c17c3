/* SPDX-License-Identifier: Apache-2.0 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/addr.h"
#include "base/strbuf.h"
#include "base/util.h"
#include "nft/counters.h"
#include "nft/nft_names.h"

/* The counting sets, by name prefix ("allow" for allow_v4 and allow_v6). */
static const struct {
	const char *set;
	enum ts_traffic_verdict verdict;
} counting[] = {
	{ "allow", TS_TRAFFIC_ALLOWED }, { "dns", TS_TRAFFIC_ALLOWED },
	{ "scoped", TS_TRAFFIC_ALLOWED }, { "deny", TS_TRAFFIC_DENIED },
	{ "refused", TS_TRAFFIC_REFUSED },
};

/* The counting set a set name belongs to, or -1. */
static int counting_index(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_SIZE(counting); i++) {
		size_t len = strlen(counting[i].set);
		if (strncmp(name, counting[i].set, len) == 0 &&
		    (strcmp(name + len, "_v4") == 0 || strcmp(name + len, "_v6") == 0))
			return (int)i;
	}
	return -1;
}

/* A single address or a network, re-formatted canonically; false for anything else. */
static bool put_address(struct ts_strbuf *b, const json_t *v)
{
	struct ts_addr a;
	char text[TS_ADDR_STRLEN];
	const json_t *prefix = json_object_get(v, "prefix");
	_cleanup_free_ char *joined = NULL;
	const char *word = json_string_value(v);
	if (prefix) {
		const char *addr = json_string_value(json_object_get(prefix, "addr"));
		json_t *len = json_object_get(prefix, "len");
		if (!addr || !json_is_integer(len))
			return false;
		joined = ts_xasprintf("%s/%" JSON_INTEGER_FORMAT, addr, json_integer_value(len));
		word = joined;
	}
	if (!word || ts_addr_parse(word, &a, NULL) < 0)
		return false;
	ts_addr_format(&a, text);
	ts_strbuf_puts(b, text);
	return true;
}

/* An address, network or address range ("a-b"). */
static bool put_destination(struct ts_strbuf *b, const json_t *v)
{
	const json_t *range = json_object_get(v, "range");
	if (!range)
		return put_address(b, v);
	if (json_array_size(range) != 2 || !put_address(b, json_array_get(range, 0)))
		return false;
	ts_strbuf_puts(b, "-");
	return put_address(b, json_array_get(range, 1));
}

static bool port_value(const json_t *v, json_int_t *out)
{
	*out = json_integer_value(v);
	return json_is_integer(v) && *out >= 0 && *out <= 65535;
}

/* A scoped element: address . protocol . port or range, as "ADDR tcp 443" or "ADDR udp 1-2". */
static bool put_scoped(struct ts_strbuf *b, const json_t *parts)
{
	const json_t *proto = json_array_get(parts, 1), *port = json_array_get(parts, 2);
	const json_t *range = json_object_get(port, "range");
	json_int_t p = json_integer_value(proto), lo, hi;
	if (json_array_size(parts) != 3 || !put_destination(b, json_array_get(parts, 0)))
		return false;
	if (json_is_string(proto))
		p = strcmp(json_string_value(proto), "tcp") == 0   ? 6
		    : strcmp(json_string_value(proto), "udp") == 0 ? 17
								   : -1;
	if (p != 6 && p != 17)
		return false;
	ts_strbuf_puts(b, p == 6 ? " tcp " : " udp ");
	if (range ? !port_value(json_array_get(range, 0), &lo) ||
			    !port_value(json_array_get(range, 1), &hi)
		  : !port_value(port, &lo))
		return false;
	if (!range || lo == hi)
		ts_strbuf_printf(b, "%" JSON_INTEGER_FORMAT, lo);
	else
		ts_strbuf_printf(b, "%" JSON_INTEGER_FORMAT "-%" JSON_INTEGER_FORMAT, lo, hi);
	return true;
}

static bool counter_value(const json_t *c, const char *key, uint64_t *out)
{
	json_t *v = json_object_get(c, key);
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return false;
	*out = (uint64_t)json_integer_value(v);
	return true;
}

struct rows {
	struct ts_traffic *items;
	size_t n;
};

/* An allowed destination already listed from another allowed set, or NULL. */
static struct ts_traffic *find_allowed(struct rows *r, const char *destination)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->items[i].verdict == TS_TRAFFIC_ALLOWED &&
		    strcmp(r->items[i].destination, destination) == 0)
			return &r->items[i];
	return NULL;
}

static void add_element(struct rows *r, int set, const json_t *elem)
{
	const json_t *val = json_object_get(elem, "val"), *counter = json_object_get(elem, "counter");
	struct ts_traffic t = { .set = counting[set].set, .verdict = counting[set].verdict };
	if (!counter_value(counter, "packets", &t.packets) ||
	    !counter_value(counter, "bytes", &t.bytes) || t.packets == 0)
		return;
	_cleanup_strbuf_ struct ts_strbuf b = TS_STRBUF_INIT;
	const json_t *concat = json_object_get(val, "concat");
	if (!(concat ? put_scoped(&b, concat) : put_destination(&b, val)))
		return;
	struct ts_traffic *same = t.verdict == TS_TRAFFIC_ALLOWED ? find_allowed(r, b.data) : NULL;
	if (same) {
		if (t.bytes > same->bytes || (t.bytes == same->bytes && t.packets > same->packets)) {
			same->packets = t.packets;
			same->bytes = t.bytes;
			same->set = t.set;
		}
		return;
	}
	t.destination = ts_strbuf_take(&b);
	r->items = ts_xrealloc(r->items, (r->n + 1) * sizeof(*r->items));
	r->items[r->n++] = t;
}

static bool ours(const json_t *set)
{
	const char *family = json_string_value(json_object_get(set, "family"));
	const char *table = json_string_value(json_object_get(set, "table"));
	return family && table && strcmp(family, TS_NFT_FAMILY) == 0 &&
	       strcmp(table, TS_NFT_TABLE) == 0;
}

int ts_nft_counters_parse(const char *text, struct ts_traffic **list, size_t *n,
			  struct ts_error *err)
{
	json_t *root = json_loads(text ? text : "", 0, NULL);
	const json_t *items = json_object_get(root, "nftables");
	if (!json_is_array(items)) {
		json_decref(root);
		return ts_error_set(err, EPROTO, "nft: unexpected JSON listing");
	}
	struct rows r = { 0 };
	size_t i, j;
	const json_t *item, *elem;
	json_array_foreach(items, i, item) {
		const json_t *set = json_object_get(item, "set");
		int which = counting_index(json_string_value(json_object_get(set, "name")));
		if (which < 0 || !ours(set))
			continue;
		/* A bare value is an element without a counter: nothing to report. */
		json_array_foreach(json_object_get(set, "elem"), j, elem)
			add_element(&r, which, json_object_get(elem, "elem"));
	}
	json_decref(root);
	*list = r.items;
	*n = r.n;
	return 0;
}

static int traffic_cmp(const void *pa, const void *pb)
{
	const struct ts_traffic *a = pa, *b = pb;
	if (a->bytes != b->bytes)
		return a->bytes > b->bytes ? -1 : 1;
	if (a->packets != b->packets)
		return a->packets > b->packets ? -1 : 1;
	int c = strcmp(a->destination, b->destination);
	return c ? c : (int)a->verdict - (int)b->verdict;
}

void ts_traffic_sort(struct ts_traffic *list, size_t n)
{
	if (n > 1)
		qsort(list, n, sizeof(*list), traffic_cmp);
}

void ts_traffic_list_free(struct ts_traffic *list, size_t n)
{
	for (size_t i = 0; list && i < n; i++) {
		free(list[i].destination);
		free(list[i].domain);
	}
	free(list);
}
