/* SPDX-License-Identifier: Apache-2.0 */
#include "build-config.h"
#include "base/util.h"

const char *ts_version(void)
{
	return TS_VERSION;
}
