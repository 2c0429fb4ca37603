/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * reloader: many live reloads from one process, for vm.reload_load. Under
 * emulation every fork+exec of a shell loop costs more than the reload
 * itself, so this writes the next policy (atomic rename), asks the daemon
 * to reload over its control socket, and records the daemon's own
 * CLOCK_MONOTONIC stamps, with no process started per reload:
 *
 *   reloader SOCKET POLICY FILE_A FILE_B COUNT INTERVAL_MS DAEMON_PID >reloads.txt
 *
 * Reload i uses FILE_B when i is odd, FILE_A when even. Stdout: one line
 * "received_ns applied_ns a|b" per reload. Stderr: the daemon's RSS (KiB)
 * and open fds at reloads 10 and COUNT ("rss10= fds10= rssN= fdsN=") and
 * every 100th, and the seconds taken ("secs=").
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	static char buf[1 << 16];

	if (!f)
		return NULL;
	*len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	char *copy = malloc(*len);
	if (copy)
		memcpy(copy, buf, *len);
	return copy;
}

static int put(const char *path, const char *text, size_t len)
{
	char tmp[4096];
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len) {
		perror(tmp);
		return -1;
	}
	close(fd);
	return rename(tmp, path);
}

static long rss_kib(int pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (!(f = fopen(path, "r")))
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

static int nr_fds(int pid)
{
	char path[64];
	struct dirent *e;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	if (!(d = opendir(path)))
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static unsigned long long field(const char *reply, const char *key)
{
	const char *p = strstr(reply, key);

	return p ? strtoull(p + strlen(key), NULL, 10) : 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	static const char req[] = "{\"command\":\"reload\",\"format\":\"json\"}\n";
	size_t len_a, len_b;
	char *a, *b;
	int count, interval_ms, pid;
	double t0 = now_s();

	if (argc != 8) {
		fprintf(stderr, "usage: reloader SOCKET POLICY FILE_A FILE_B COUNT INTERVAL_MS DAEMON_PID\n");
		return 2;
	}
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", argv[1]);
	a = slurp(argv[3], &len_a);
	b = slurp(argv[4], &len_b);
	count = atoi(argv[5]);
	interval_ms = atoi(argv[6]);
	pid = atoi(argv[7]);
	if (!a || !b) {
		fprintf(stderr, "reloader: cannot read the policies\n");
		return 1;
	}
	for (int i = 1; i <= count; i++) {
		char reply[65536];
		size_t got = 0;
		ssize_t n;
		int odd = i % 2, s;

		if (put(argv[2], odd ? b : a, odd ? len_b : len_a))
			return 1;
		s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s < 0 || connect(s, (struct sockaddr *)&addr, sizeof(addr)) ||
		    write(s, req, sizeof(req) - 1) != (ssize_t)(sizeof(req) - 1)) {
			perror("reloader: control socket");
			return 1;
		}
		while (got + 1 < sizeof(reply) && (n = read(s, reply + got, sizeof(reply) - 1 - got)) > 0)
			got += (size_t)n;
		reply[got] = 0;
		close(s);
		if (!strstr(reply, "\"ok\":true")) {
			fprintf(stderr, "reloader: reload %d refused: %s", i, reply);
			return 1;
		}
		printf("%llu %llu %c\n", field(reply, "\"received_ns\":"), field(reply, "\"applied_ns\":"),
		       odd ? 'b' : 'a');
		fflush(stdout);
		if (i == 10 || i == count)
			fprintf(stderr, "rss%d=%ld fds%d=%d\n", i == 10 ? 10 : count, rss_kib(pid), i == 10 ? 10 : count,
				nr_fds(pid));
		if (i % 100 == 0)
			fprintf(stderr, "note: reload %d: RSS %ld KiB, %d fds, %.0f s\n", i, rss_kib(pid), nr_fds(pid),
				now_s() - t0);
		usleep((useconds_t)interval_ms * 1000);
	}
	fprintf(stderr, "secs=%.0f\n", now_s() - t0);
	return 0;
}
