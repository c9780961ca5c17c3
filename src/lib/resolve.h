/* SPDX-License-Identifier: Apache-2.0 */
/* Static DNS tier (SPEC 3.2): every name resolved at once with c-ares. */
#ifndef TS_RESOLVE_H
#define TS_RESOLVE_H

#endif
