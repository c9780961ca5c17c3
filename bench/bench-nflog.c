/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>

int main(void)
{
	printf("bench-nflog: not written yet\n");
	return 0;
}
