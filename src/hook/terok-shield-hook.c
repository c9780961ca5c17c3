/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Placeholder until the OCI hook lands: podman runs this at createRuntime
 * for every shielded container, and exiting non-zero makes podman refuse
 * to start it. Never exit 0 here: that would start a container unshielded.
 */
#include <stdio.h>

int main(void)
{
	fputs("terok-shield-hook: not implemented yet; refusing to start the container\n", stderr);
	return 1;
}
