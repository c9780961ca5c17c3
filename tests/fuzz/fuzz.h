/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the libFuzzer targets: each defines LLVMFuzzerTestOneInput,
 * feeds one parser arbitrary bytes and checks the invariants its callers
 * rely on. A broken invariant aborts, which libFuzzer reports as a crash.
 */
#ifndef TS_FUZZ_H
#define TS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                   \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, \
				#cond);                                                    \
			abort();                                                           \
		}                                                                          \
	} while (0)

/* The input as a C string (parsers of text take NUL-terminated input); free() it. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* An error message: NUL-terminated within its buffer and one line (no control bytes). */
static inline void fuzz_check_message(const char *s, size_t cap)
{
	FUZZ_CHECK(memchr(s, '\0', cap) != NULL);
	for (const char *p = s; *p; p++)
		FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
}

/* A field a parser filled: NUL-terminated within its buffer, printable ASCII only. */
static inline void fuzz_check_text(const char *s, size_t cap)
{
	FUZZ_CHECK(memchr(s, '\0', cap) != NULL);
	for (const char *p = s; *p; p++)
		FUZZ_CHECK(*p > ' ' && *p < 0x7f);
}

#endif
