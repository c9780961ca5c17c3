/* SPDX-License-Identifier: Apache-2.0 */
/* containers.conf: adding our hooks directory to hooks_dir (SPEC 3.9). */
#ifndef TS_CONTAINERS_CONF_H
#define TS_CONTAINERS_CONF_H

#endif
