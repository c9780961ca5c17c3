/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>

int main(void)
{
	printf("bench-live: not written yet\n");
	return 0;
}
