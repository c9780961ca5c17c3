/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/util.h"
#include "dns/forwarder.h"
#include "fake-upstream.h"
#include "shieldtier.h"
#include "test-helpers.h"

/* createRuntime as the runtime runs it: inside the runtime namespace, with its resolv.conf. */
static int hook(struct shielded *s, struct shieldtier *t)
{
	struct harness *h = &s->h;
	char *json = harness_oci_state(h->container, s->state_dir, "terok.shield.dns_tier", "shield");
	write_text(h->scratch, "oci-state.json", json);
	free(json);
	char *in = ts_xasprintf("%s/oci-state.json", h->scratch);
	char *err_path = ts_xasprintf("%s/hook.err", h->scratch);
	char *resolv = ts_xasprintf("%s/runtime-resolv.conf", h->scratch);
	setenv("TEROK_SHIELD_STATE_DIR", h->state_root, 1);
	const char *argv[] = { "/bin/sh", "-c", "exec \"$0\" \"$1\" < \"$2\" > /dev/null",
			       getenv("TS_TEST_HOOK"), "createRuntime", in, NULL };
	pid_t pid = fake_runtime_spawn(t->runtime, resolv, argv, err_path, -1);
	int status = 0;
	int rc = pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status)
			 ? WEXITSTATUS(status) : 128;
	if (rc != 0) {
		char *errors = NULL;
		ts_file_read(err_path, &errors, NULL, NULL);
		fprintf(stderr, "# hook exited %d: %s", rc, errors ? errors : "");
		free(errors);
	}
	free(in);
	free(err_path);
	free(resolv);
	return rc;
}

int shieldtier_setup(struct shielded *s, struct shieldtier *t, bool interactive)
{
	*s = (struct shielded){ 0 };
	*t = (struct shieldtier){ .runtime = -1, .upstream = -1 };
	if (harness_full(&s->h) < 0)
		goto fail;
	s->config_dir = ts_xasprintf("%s/config", s->h.scratch);
	if (mkdir(s->config_dir, 0700) < 0)
		goto fail;
	s->env = harness_cli_env(s->config_dir);
	s->state_dir = shielded_container_dir(s, SHIELDED_NAME);
	if (interactive)
		write_text(s->state_dir, "interactive", "nflog\n");
	write_text(s->state_dir, "dns.tier", "shield\n");
	write_text(s->state_dir, "dns.policy", "strict\n");
	write_text(s->state_dir, "network.mode", "slirp4netns\n");
	write_text(s->state_dir, "profile.domains", H_DOMAIN_ALLOWED "\n");
	shielded_write_bundle(s->state_dir, H_ALLOWED_IP "\n");
	t->upstream_log = ts_xasprintf("%s/upstream.log", s->h.scratch);
	if ((t->runtime = fake_runtime_park()) < 0 ||
	    (t->upstream = fake_upstream_start(t->runtime, t->upstream_log)) < 0)
		goto fail;
	write_text(s->h.scratch, "runtime-resolv.conf", "nameserver " FAKE_UPSTREAM_ADDR "\n");
	if (hook(s, t) == 0)
		return 0;
fail:
	shieldtier_teardown(s, t);
	return -1;
}

void shieldtier_teardown(struct shielded *s, struct shieldtier *t)
{
	if (s->state_dir)
		ts_forwarder_stop(s->state_dir, true, NULL);
	shielded_teardown(s);
	/* Ours: the next test makes its own. */
	pid_t ours[] = { t->upstream, t->runtime };
	for (size_t i = 0; i < ARRAY_SIZE(ours); i++)
		if (ours[i] > 0 && kill(ours[i], SIGKILL) == 0)
			waitpid(ours[i], NULL, 0);
	free(t->upstream_log);
	*t = (struct shieldtier){ .runtime = -1, .upstream = -1 };
}

int shieldtier_upstream_count(const struct shieldtier *t, const char *name)
{
	return fake_upstream_count(t->upstream_log, name, "A");
}

void dns_client_ask(struct shielded *s, struct dns_client *c, const char *name, uint16_t id)
{
	c->fd = harness_socket(&s->h, s->h.container, AF_INET, SOCK_DGRAM);
	assert_true(c->fd >= 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(53),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	assert_int_equal(connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	c->len = fake_query_build(c->q, id, name, 1);
	assert_int_equal(send(c->fd, c->q, c->len, 0), (ssize_t)c->len);
}

void dns_client_resend(struct dns_client *c)
{
	assert_int_equal(send(c->fd, c->q, c->len, 0), (ssize_t)c->len);
}

int dns_client_answer(struct dns_client *c, int timeout_ms, int *answers)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	uint8_t a[1500];
	if (poll(&p, 1, timeout_ms) != 1)
		return -1;
	ssize_t n = recv(c->fd, a, sizeof(a), MSG_DONTWAIT);
	if (n < 12 || a[0] != c->q[0] || a[1] != c->q[1])
		return -1;
	if (answers)
		*answers = a[6] << 8 | a[7];
	return a[3] & 0x0f;
}
