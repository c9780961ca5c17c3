/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <jansson.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/util.h"
#include "harness.h"
#include "nft/listing.h"
#include "nft/nft.h"
#include "test-helpers.h"

extern char **environ;

/* Every address the world owns: test servers, the DNS server and the rogue one. */
static const char *const world_addrs[] = {
	H_ALLOWED_IP, H_OTHER_IP, H_PRIVATE_IP, H_ROGUE_DNS, H_DOMAIN_ALLOWED_IP, H_DOMAIN_OTHER_IP,
};

double harness_now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

bool harness_supported(const char **why)
{
	if (geteuid() != 0) {
		*why = "needs root (network namespaces and nftables)";
		return false;
	}
	pid_t pid = fork();
	if (pid == 0)
		_exit(unshare(CLONE_NEWNET) == 0 ? 0 : 1);
	int status;
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		*why = "cannot create network namespaces here";
		return false;
	}
	return true;
}

void harness_die_with_parent(pid_t parent)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
}

int harness_join(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int r = setns(fd, CLONE_NEWNET);
	close(fd);
	return r;
}

pid_t harness_fork_ready(int (*prepare)(void *), void (*serve)(void *), void *arg)
{
	int ready[2];
	if (pipe2(ready, O_CLOEXEC) < 0)
		return -1;
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		harness_die_with_parent(parent);
		if (prepare(arg) != 0 || write(ready[1], "x", 1) != 1)
			_exit(1);
		serve(arg);
		_exit(0);
	}
	close(ready[1]);
	char c;
	ssize_t n = pid > 0 ? read(ready[0], &c, 1) : -1;
	close(ready[0]);
	return n == 1 ? pid : -1;
}

static int unshare_net(void *arg)
{
	(void)arg;
	return unshare(CLONE_NEWNET);
}

static void park_forever(void *arg)
{
	(void)arg;
	for (;;)
		pause();
}

pid_t harness_park(void)
{
	pid_t pid = harness_fork_ready(unshare_net, park_forever, NULL);
	if (pid < 0)
		return -1;
	const char *lo_up[] = { "ip", "link", "set", "lo", "up", NULL };
	return harness_ns_run(pid, lo_up) == 0 ? pid : -1;
}

int harness_ns_run(pid_t ns_pid, const char *const argv[])
{
	pid_t pid = fork();
	if (pid == 0) {
		if (harness_join(ns_pid) < 0)
			_exit(126);
		int null = open("/dev/null", O_WRONLY);
		dup2(null, STDOUT_FILENO);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	int status;
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Run a series of commands (NULL-separated argv lists ending in a double NULL). */
static int ns_script(pid_t pid, const char *const *cmds)
{
	while (*cmds) {
		int r = harness_ns_run(pid, cmds);
		if (r != 0) {
			fprintf(stderr, "# harness: '%s %s %s…' failed (%d)\n", cmds[0], cmds[1],
				cmds[2] ? cmds[2] : "", r);
			return -1;
		}
		while (*cmds)
			cmds++;
		cmds++;
	}
	return 0;
}

int harness_socket(struct harness *h, pid_t pid, int domain, int type)
{
	return harness_socket_proto(h, pid, domain, type, 0);
}

int harness_socket_proto(struct harness *h, pid_t pid, int domain, int type, int protocol)
{
	if (harness_join(pid) < 0)
		return -1;
	int fd = socket(domain, type | SOCK_CLOEXEC, protocol);
	int e = errno;
	if (setns(h->host_netns, CLONE_NEWNET) < 0)
		abort(); /* a test stuck in the wrong namespace must not go on */
	errno = e;
	return fd;
}

#define SCRATCH_PREFIX "/tmp/ts-netns-"

/* Whether pid's command line has an argument starting with prefix; *arg gets a copy. */
static bool has_arg(pid_t pid, const char *prefix, char *arg, size_t size)
{
	char path[64], buf[8192];
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	for (char *a = buf; a < buf + n; a += strlen(a) + 1)
		if (strncmp(a, prefix, strlen(prefix)) == 0) {
			snprintf(arg, size, "%s", a);
			return true;
		}
	return false;
}

/*
 * A test that crashed leaves the dnsmasq the hook daemonised (it holds a
 * namespace alive) and its scratch directory. Scratch names carry the
 * test's PID: whatever belongs to a dead test is removed here. Test-only
 * bluntness: a dnsmasq is recognised by its --conf-file prefix alone.
 */
static void reap_strays(void)
{
	DIR *proc = opendir("/proc");
	struct dirent *e;
	while (proc && (e = readdir(proc))) {
		pid_t pid = (pid_t)atoi(e->d_name);
		char arg[4096];
		if (pid <= 0 || !has_arg(pid, "--conf-file=" SCRATCH_PREFIX, arg, sizeof(arg)))
			continue;
		pid_t owner = (pid_t)atoi(arg + strlen("--conf-file=" SCRATCH_PREFIX));
		if (owner > 0 && kill(owner, 0) < 0 && errno == ESRCH)
			kill(pid, SIGKILL);
	}
	if (proc)
		closedir(proc);
	glob_t g;
	if (glob(SCRATCH_PREFIX "*", 0, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc; i++) {
			pid_t owner = (pid_t)atoi(g.gl_pathv[i] + strlen(SCRATCH_PREFIX));
			if (owner > 0 && kill(owner, 0) < 0 && errno == ESRCH)
				scratch_remove(strdup(g.gl_pathv[i]));
		}
		globfree(&g);
	}
}

static char *make_scratch(void)
{
	char tmpl[64];
	snprintf(tmpl, sizeof(tmpl), SCRATCH_PREFIX "%d-XXXXXX", (int)getpid());
	return mkdtemp(tmpl) ? strdup(tmpl) : NULL;
}

/* The OCI bundle the fake states name: config.json with podman's default, network-free capabilities. */
static char bundle_dir[128];

static int write_bundle_config(const char *scratch)
{
	snprintf(bundle_dir, sizeof(bundle_dir), "%s/bundle", scratch);
	if (mkdir(bundle_dir, 0700) < 0)
		return -1;
	harness_set_container_caps("\"CAP_CHOWN\", \"CAP_KILL\", \"CAP_SETUID\", \"CAP_SETGID\"");
	return 0;
}

void harness_set_container_caps(const char *caps)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/config.json", bundle_dir);
	FILE *f = fopen(path, "w");
	if (!f)
		abort();
	fprintf(f, "{\"ociVersion\": \"1.0.2\", \"process\": {\"capabilities\": {"
		   "\"bounding\": [%s], \"effective\": [%s], \"permitted\": [%s]}}}\n",
		caps, caps, caps);
	fclose(f);
}

static int init(struct harness *h)
{
	memset(h, 0, sizeof(*h));
	h->container = h->world = h->world_dns = h->world_tcp = -1;
	reap_strays();
	h->host_netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	h->scratch = make_scratch();
	if (h->host_netns < 0 || !h->scratch)
		return -1;
	if (asprintf(&h->state_root, "%s/state", h->scratch) < 0 || mkdir(h->state_root, 0700) < 0 ||
	    write_bundle_config(h->scratch) < 0)
		return -1;
	h->container = harness_park();
	return h->container > 0 ? 0 : -1;
}

int harness_bare(struct harness *h)
{
	return init(h);
}

static pid_t start_world_dns(struct harness *h)
{
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		harness_die_with_parent(parent);
		if (harness_join(h->world) < 0)
			_exit(126);
		int null = open("/dev/null", O_RDWR);
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		/* Root user and group: a credential change would clear the death signal. */
		execlp("dnsmasq", "dnsmasq", "--keep-in-foreground", "--user=root", "--group=root",
		       "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--bind-interfaces",
		       "--pid-file=", "--listen-address=" H_DNS, "--listen-address=" H_ROGUE_DNS,
		       "--address=/" H_DOMAIN_ALLOWED "/" H_DOMAIN_ALLOWED_IP,
		       "--address=/" H_DOMAIN_OTHER "/" H_DOMAIN_OTHER_IP, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Accept and close every TCP connection to the test ports on any world address. */
static pid_t start_world_tcp(struct harness *h)
{
	static const uint16_t ports[] = { H_TCP_PORT, H_LOOPBACK_PORT, H_OTHER_LOOPBACK_PORT };
	struct pollfd fds[ARRAY_SIZE(ports)];
	for (size_t i = 0; i < ARRAY_SIZE(ports); i++) {
		int fd = harness_socket(h, h->world, AF_INET, SOCK_STREAM);
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(ports[i]) };
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 128) < 0)
			return -1;
		fds[i] = (struct pollfd){ .fd = fd, .events = POLLIN };
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		harness_die_with_parent(parent);
		for (;;) {
			if (poll(fds, ARRAY_SIZE(fds), -1) <= 0)
				continue;
			for (size_t i = 0; i < ARRAY_SIZE(fds); i++) {
				int c = fds[i].revents & POLLIN ? accept(fds[i].fd, NULL, NULL) : -1;
				if (c >= 0)
					close(c);
			}
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		close(fds[i].fd);
	return pid;
}

int harness_full(struct harness *h)
{
	if (init(h) < 0)
		return -1;
	h->world = harness_park();
	if (h->world < 0)
		return -1;
	char pid_text[16];
	snprintf(pid_text, sizeof(pid_text), "%d", (int)h->container);
	const char *world[] = {
		"ip", "link", "add", "w0", "type", "veth", "peer", "name", "eth0", "netns", pid_text, NULL,
		"ip", "addr", "add", H_GATEWAY "/24", "dev", "w0", NULL,
		"ip", "addr", "add", H_DNS "/24", "dev", "w0", NULL,
		"ip", "link", "set", "w0", "up", NULL,
		NULL,
	};
	const char *container[] = {
		"ip", "addr", "add", H_CONTAINER_ADDR "/24", "dev", "eth0", NULL,
		"ip", "link", "set", "eth0", "up", NULL,
		"ip", "route", "add", "default", "via", H_GATEWAY, NULL,
		NULL,
	};
	if (ns_script(h->world, world) < 0 || ns_script(h->container, container) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(world_addrs) / sizeof(world_addrs[0]); i++) {
		char cidr[32];
		snprintf(cidr, sizeof(cidr), "%s/32", world_addrs[i]);
		/* On lo: no dummy interfaces in every kernel, and lo is just as local. */
		const char *add[] = { "ip", "addr", "add", cidr, "dev", "lo", NULL };
		if (harness_ns_run(h->world, add) != 0)
			return -1;
	}
	h->world_tcp = start_world_tcp(h);
	h->world_dns = start_world_dns(h);
	if (h->world_tcp < 0 || h->world_dns < 0)
		return -1;
	/* Ready when the world's DNS answers the (still unshielded) container. */
	char ips[4][16];
	for (int i = 0; i < 300; i++) {
		if (harness_dns_query(h, H_DNS, H_DOMAIN_ALLOWED, ips, 4) > 0)
			return 0;
		usleep(10000);
	}
	fprintf(stderr, "# harness: the world's dnsmasq never answered\n");
	return -1;
}

static void stop(pid_t *pid)
{
	if (*pid > 0) {
		kill(*pid, SIGKILL);
		waitpid(*pid, NULL, 0);
	}
	*pid = -1;
}

void harness_down(struct harness *h)
{
	for (int i = 0; i < h->n_extra; i++)
		stop(&h->extra[i]);
	h->n_extra = 0;
	stop(&h->world_dns);
	stop(&h->world_tcp);
	stop(&h->container);
	stop(&h->world);
	if (h->host_netns >= 0)
		close(h->host_netns);
	h->host_netns = -1;
	free(h->state_root);
	h->state_root = NULL;
	scratch_remove(h->scratch);
	h->scratch = NULL;
}

int harness_connect(struct harness *h, const char *addr, uint16_t port, int timeout_ms,
		    double *elapsed_ms)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		return EINVAL;
	int fd = harness_socket(h, h->container, AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
	if (fd < 0)
		return errno;
	int result = harness_connect_socket(fd, (struct sockaddr *)&sa, sizeof(sa), timeout_ms,
					    elapsed_ms);
	close(fd);
	return result;
}

int harness_connect_socket(int fd, const struct sockaddr *sa, socklen_t len, int timeout_ms,
			   double *elapsed_ms)
{
	double start = harness_now_ms();
	int result = 0;
	if (connect(fd, sa, len) < 0) {
		result = errno;
		if (result == EINPROGRESS) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };
			socklen_t rlen = sizeof(result);
			if (poll(&p, 1, timeout_ms) <= 0)
				result = ETIMEDOUT;
			else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &result, &rlen) < 0)
				result = errno;
		}
	}
	if (elapsed_ms)
		*elapsed_ms = harness_now_ms() - start;
	return result;
}

/* A standard query for name, type A, recursion desired. Returns its length. */
static size_t build_query(const char *name, uint8_t *buf, size_t size)
{
	static const uint8_t header[12] = { 0x54, 0x53, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
	size_t n = sizeof(header);
	memcpy(buf, header, n);
	for (const char *label = name; *label;) {
		size_t len = strcspn(label, ".");
		if (n + len + 6 > size)
			return 0;
		buf[n++] = (uint8_t)len;
		memcpy(buf + n, label, len);
		n += len;
		label += len + (label[len] == '.');
	}
	buf[n++] = 0;
	const uint8_t tail[4] = { 0, 1, 0, 1 }; /* QTYPE A, QCLASS IN */
	memcpy(buf + n, tail, 4);
	return n + 4;
}

/* Skip an encoded name at off; returns the offset after it, or 0 on malformed input. */
static size_t skip_name(const uint8_t *msg, size_t len, size_t off)
{
	while (off < len) {
		if ((msg[off] & 0xC0) == 0xC0)
			return off + 2 <= len ? off + 2 : 0;
		if (msg[off] == 0)
			return off + 1;
		off += (size_t)msg[off] + 1;
	}
	return 0;
}

static int parse_answers(const uint8_t *msg, size_t len, char ips[][16], int max)
{
	if (len < 12 || msg[0] != 0x54 || msg[1] != 0x53)
		return -EPROTO;
	int answers = msg[6] << 8 | msg[7];
	size_t off = skip_name(msg, len, 12);
	if (!off || off + 4 > len)
		return -EPROTO;
	off += 4;
	int found = 0;
	for (int i = 0; i < answers && found < max; i++) {
		off = skip_name(msg, len, off);
		if (!off || off + 10 > len)
			return -EPROTO;
		int type = msg[off] << 8 | msg[off + 1];
		size_t rdlen = (size_t)(msg[off + 8] << 8 | msg[off + 9]);
		off += 10;
		if (off + rdlen > len)
			return -EPROTO;
		if (type == 1 && rdlen == 4)
			inet_ntop(AF_INET, msg + off, ips[found++], 16);
		off += rdlen;
	}
	return found;
}

int harness_dns_query(struct harness *h, const char *server, const char *name, char ips[][16],
		      int max)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(53) };
	if (inet_pton(AF_INET, server, &sa.sin_addr) != 1)
		return -EINVAL;
	int fd = harness_socket(h, h->container, AF_INET, SOCK_DGRAM);
	if (fd < 0)
		return -errno;
	uint8_t query[512], reply[1500];
	size_t qlen = build_query(name, query, sizeof(query));
	int result = -ETIMEDOUT;
	/* Connected, so an ICMP refusal surfaces as the socket's error. */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || send(fd, query, qlen, 0) < 0) {
		result = -errno;
	} else {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 2000) > 0) {
			ssize_t n = recv(fd, reply, sizeof(reply), 0);
			result = n < 0 ? -errno : parse_answers(reply, (size_t)n, ips, max);
		}
	}
	close(fd);
	return result;
}

bool harness_drain(int fd, char **text, double deadline_ms)
{
	size_t size = 0;
	FILE *mem = open_memstream(text, &size);
	bool eof = fd < 0;
	while (!eof) {
		int left = (int)(deadline_ms - harness_now_ms());
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (left <= 0 || poll(&p, 1, left) <= 0)
			break;
		char buf[4096];
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n > 0)
			fwrite(buf, 1, (size_t)n, mem);
		eof = n == 0 || (n < 0 && errno != EINTR);
	}
	fclose(mem);
	return eof;
}

char **harness_cli_env(const char *config_dir)
{
	size_t n = 0;
	while (environ[n])
		n++;
	char **env = calloc(n + 2, sizeof(*env));
	if (!env)
		abort();
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "TEROK_SHIELD_", 13) != 0 && strncmp(environ[i], "XDG_", 4) != 0)
			env[k++] = strdup(environ[i]);
	if (asprintf(&env[k++], "TEROK_SHIELD_CONFIG_DIR=%s", config_dir) < 0)
		abort();
	env[k] = NULL;
	return env;
}

void harness_cli_env_free(char **env)
{
	for (char **e = env; e && *e; e++)
		free(*e);
	free(env);
}

int harness_run_hook_in(struct harness *h, pid_t ns_pid, const char *stage, const char *json,
			char **stderr_text)
{
	char in_path[4096];
	snprintf(in_path, sizeof(in_path), "%s/oci-state.json", h->scratch);
	FILE *f = fopen(in_path, "w");
	if (!f)
		return -1;
	fputs(json, f);
	fclose(f);

	char *state_env = NULL;
	if (asprintf(&state_env, "TEROK_SHIELD_STATE_DIR=%s", h->state_root) < 0)
		return -1;
	char *env[8];
	int n = 0;
	env[n++] = "TEROK_SHIELD_BUNDLE_VERSION=4";
	env[n++] = state_env;
	/* Sanitizer settings are the only thing passed through from the test's environment. */
	for (char **e = environ; *e && n < 7; e++)
		if (strncmp(*e, "ASAN_OPTIONS=", 13) == 0 || strncmp(*e, "UBSAN_OPTIONS=", 14) == 0)
			env[n++] = *e;
	env[n] = NULL;

	/* Pipes for stdout and stderr, as runc gives a hook: it waits for their EOF. */
	int out[2], errp[2];
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0)
		return -1;
	const char *hook = getenv("TS_TEST_HOOK");
	pid_t pid = fork();
	if (pid == 0) {
		int in = open(in_path, O_RDONLY);
		if (in < 0 || (ns_pid > 0 && harness_join(ns_pid) < 0))
			_exit(126);
		dup2(in, STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		dup2(errp[1], STDERR_FILENO);
		char *const argv[] = { "terok-shield-hook", (char *)stage, NULL };
		execve(hook, argv, env);
		_exit(127);
	}
	free(state_env);
	close(out[1]);
	close(errp[1]);
	char *errors = NULL, *output = NULL;
	int status = 0;
	bool exited = pid > 0 && waitpid(pid, &status, 0) == pid;
	double deadline = harness_now_ms() + 1000;
	bool closed = harness_drain(errp[0], &errors, deadline) &&
		      harness_drain(out[0], &output, deadline);
	close(out[0]);
	close(errp[0]);
	free(output);
	if (stderr_text)
		*stderr_text = errors;
	else
		free(errors);
	if (!exited)
		return -1;
	if (!closed) {
		fprintf(stderr, "# harness: the hook exited but its stdout/stderr stayed open\n");
		return 125;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int harness_run_hook(struct harness *h, const char *stage, const char *json, char **stderr_text)
{
	return harness_run_hook_in(h, 0, stage, json, stderr_text);
}

char *harness_oci_state(pid_t pid, const char *state_dir, const char *key, const char *value)
{
	json_t *ann = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
				"terok.shield.profiles", "dev-standard",
				"terok.shield.name", "ctest",
				"terok.shield.state_dir", state_dir,
				"terok.shield.loopback_ports", "",
				"terok.shield.version", "4",
				"terok.shield.audit_enabled", "true",
				"terok.shield.upstream_dns", H_DNS,
				"terok.shield.dns_tier", "dig",
				"terok.shield.interactive", "false");
	if (key && value)
		json_object_set_new(ann, key, json_string(value));
	else if (key)
		json_object_del(ann, key);
	json_t *doc = json_pack("{s:s, s:s, s:s, s:s, s:o}",
				"ociVersion", "1.0.2",
				"id", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
				"status", "created",
				"bundle", bundle_dir,
				"annotations", ann);
	if (pid > 0)
		json_object_set_new(doc, "pid", json_integer(pid));
	char *text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	return text;
}

char *harness_state_dir(struct harness *h, const char *name)
{
	char *dir = NULL;
	if (asprintf(&dir, "%s/%s", h->state_root, name) < 0 || mkdir(dir, 0700) < 0)
		abort();
	return dir;
}

/* Replace the digits at p by a single "0", in place; returns the position after it. */
static char *zero_number(char *p)
{
	size_t digits = strspn(p, "0123456789");
	if (digits == 0)
		return p;
	memmove(p + 1, p + digits, strlen(p + digits) + 1);
	*p = '0';
	return p + 1;
}

/* "counter packets N bytes M" → "counter packets 0 bytes 0", in place. */
static void zero_counters(char *listing)
{
	for (char *p = listing; (p = strstr(p, "counter packets "));) {
		p = zero_number(p + strlen("counter packets "));
		if (ts_startswith(p, " bytes "))
			p = zero_number(p + strlen(" bytes "));
	}
}

char *harness_list_table(struct harness *h, pid_t pid)
{
	char *listing = NULL;
	if (harness_join(pid) < 0)
		abort();
	int r = ts_nft_list_table(false, &listing, NULL);
	if (setns(h->host_netns, CLONE_NEWNET) < 0)
		abort();
	if (r < 0)
		return NULL;
	if (listing)
		zero_counters(listing);
	return listing;
}

char *harness_list_json(struct harness *h, pid_t pid)
{
	char *listing = NULL;
	if (harness_join(pid) < 0)
		abort();
	int r = ts_nft_list_table_json(&listing, NULL);
	if (setns(h->host_netns, CLONE_NEWNET) < 0)
		abort();
	return r < 0 ? NULL : listing;
}

int harness_nft(struct harness *h, pid_t pid, const char *script)
{
	if (harness_join(pid) < 0)
		abort();
	struct ts_error err = { 0 };
	int r = ts_nft_run(script, NULL, &err);
	if (setns(h->host_netns, CLONE_NEWNET) < 0)
		abort();
	if (r < 0)
		fprintf(stderr, "# harness: nft: %s\n", err.message);
	return r;
}

pid_t harness_bystander(struct harness *h)
{
	if (h->n_extra >= (int)(sizeof(h->extra) / sizeof(h->extra[0])))
		return -1;
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		harness_die_with_parent(parent);
		execlp("sleep", "sleep", "600", (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		h->extra[h->n_extra++] = pid;
	return pid;
}

bool harness_wait_gone(pid_t pid)
{
	for (int i = 0; i < 200; i++) {
		if (kill(pid, 0) < 0 && errno == ESRCH)
			return true;
		usleep(10000);
	}
	return false;
}
