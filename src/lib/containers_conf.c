/* SPDX-License-Identifier: Apache-2.0 */
#include "containers_conf.h"
