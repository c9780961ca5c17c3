/* SPDX-License-Identifier: Apache-2.0 */
/* Port numbers as the annotations, the bundle and config.yml write them. */
#ifndef TS_PORT_H
#define TS_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ts_error;

/* Plain decimal 1-65535 only: no sign, no leading zero, no 0x, no exponent. */
bool ts_port_parse(const char *s, size_t len, uint16_t *out);

/* "a:b:c" → ports (empty string → none); each 1-65535, duplicates dropped. */
int ts_parse_port_list(const char *text, uint16_t **ports, size_t *n, struct ts_error *err);

#endif
