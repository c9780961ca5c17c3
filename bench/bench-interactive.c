/* SPDX-License-Identifier: Apache-2.0 */
/* Placeholder: the interactive benchmark is being written. */
#include <stdio.h>

int main(void)
{
	puts("bench-interactive: not written yet");
	return 1;
}
