/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * scrapers: metrics clients that ask and never read, for vm.metrics_backpressure.
 * Opens N loopback TCP connections to the metrics port with a tiny receive
 * buffer (set before connect, so the window stays small), sends each a
 * GET /metrics, and holds them all open without reading a byte. It times
 * ROUNDS `status` requests over the control socket, from connect to the
 * reply's end, with no process started per request: first with no
 * scrapers (after one warm-up request), then with all N stuck.
 *
 *   scrapers PORT N RCVBUF SOCKET ROUNDS
 *
 * Stdout: "quiet_ms R MS" and "status_ms R MS" per round, then
 * "quiet_ms_max MS" and "status_ms_max MS".
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double status_round_trip(const char *path)
{
	static const char req[] = "{\"command\":\"status\",\"format\":\"json\"}\n";
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char buf[65536];
	int s, ok = 0;
	ssize_t n;
	double t0 = now_ms();

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&addr, sizeof(addr)) ||
	    write(s, req, sizeof(req) - 1) != (ssize_t)(sizeof(req) - 1)) {
		perror("scrapers: control socket");
		exit(1);
	}
	while ((n = read(s, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = 0;
		ok = ok || strstr(buf, "\"ok\":true") != NULL;
	}
	close(s);
	if (!ok) {
		fprintf(stderr, "scrapers: status did not answer ok\n");
		exit(1);
	}
	return now_ms() - t0;
}

int main(int argc, char **argv)
{
	static const char get[] = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
	struct sockaddr_in at = { .sin_family = AF_INET };
	int n, rcvbuf, rounds, *fds;
	double worst = 0, quiet = 0;

	if (argc != 6) {
		fprintf(stderr, "usage: scrapers PORT N RCVBUF SOCKET ROUNDS\n");
		return 2;
	}
	at.sin_port = htons((unsigned short)atoi(argv[1]));
	at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	n = atoi(argv[2]);
	rcvbuf = atoi(argv[3]);
	rounds = atoi(argv[5]);
	status_round_trip(argv[4]);  /* warm-up: the first request of a fresh client pays for page faults */
	for (int r = 1; r <= rounds; r++) {
		double ms = status_round_trip(argv[4]);

		printf("quiet_ms %d %.1f\n", r, ms);
		quiet = ms > quiet ? ms : quiet;
		usleep(50 * 1000);
	}
	fds = calloc((size_t)n, sizeof(*fds));
	for (int i = 0; i < n; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fds[i] < 0 || setsockopt(fds[i], SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) ||
		    connect(fds[i], (struct sockaddr *)&at, sizeof(at)) ||
		    write(fds[i], get, sizeof(get) - 1) != (ssize_t)(sizeof(get) - 1)) {
			perror("scrapers: metrics port");
			return 1;
		}
	}
	usleep(500 * 1000);  /* every request read, every reply stuck */
	for (int r = 1; r <= rounds; r++) {
		double ms = status_round_trip(argv[4]);

		printf("status_ms %d %.1f\n", r, ms);
		worst = ms > worst ? ms : worst;
		usleep(50 * 1000);
	}
	printf("quiet_ms_max %.1f\nstatus_ms_max %.1f\n", quiet, worst);
	return 0;
}
