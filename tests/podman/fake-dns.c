/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The podman suite's upstream resolver: fake-upstream.h's recording DNS
 * server, run in the network namespace this program is started in (the
 * test's own, through `ip netns exec`, which must hold FAKE_UPSTREAM_ADDR).
 * Usage: fake-dns LOG. Prints "ready" once it serves; runs until killed.
 */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fake-upstream.h"

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: fake-dns LOG\n");
		return 2;
	}
	pid_t server = fake_upstream_start(getpid(), argv[1]);
	if (server < 0) {
		fprintf(stderr, "fake-dns: cannot serve on " FAKE_UPSTREAM_ADDR ":53\n");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	/* The server dies with this process; this one waits for it (or a signal). */
	int status;
	while (waitpid(server, &status, 0) < 0)
		;
	return 1;
}
