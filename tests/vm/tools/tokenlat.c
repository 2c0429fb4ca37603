/* SPDX-License-Identifier: GPL-2.0-only */
/* A small request loop against llama-server: streams completions from its
 * /completion endpoint and times every token as it arrives, which
 * llama-bench (rates per run) cannot do.
 *
 *   tokenlat --wait SECONDS [--port P]   until GET /health answers 200
 *   tokenlat [--port P] [--requests N] [--tokens N] [--samples]
 *       requests=.. tokens=.. tok_s=.. ttft_p50_ms=.. p50_ms=.. p99_ms=.. max_ms=..
 *       with --samples, two more lines: samples=MS,MS,... (every token's latency)
 *       and ttft=MS,... (every request's time to first token)
 *
 * A token's latency is the gap since the previous token arrived (the
 * inter-token latency a user of a chat front end sees); the first token of
 * each request is time to first token instead, reported apart. The server
 * holds back a token that ends inside a UTF-8 sequence and sends it with
 * the next one, so an event may carry several tokens (its
 * "tokens_predicted" jumps): the gap is then shared evenly among them.
 * tok_s is decode tokens over decode time, summed over requests.
 * Requests are one at a time (one slot), with ignore_eos so each one
 * generates exactly --tokens tokens; the prompt is fixed and short. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int connect_to(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int health_ok(int port)
{
	static const char req[] = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
	char buf[64] = { 0 };
	int fd = connect_to(port), ok = 0;
	if (fd < 0)
		return 0;
	if (send_all(fd, req, sizeof req - 1) == 0 && read(fd, buf, sizeof buf - 1) > 12)
		ok = strncmp(buf + 9, "200", 3) == 0;
	close(fd);
	return ok;
}

struct samples {
	double *v;
	size_t n, cap;
};

static void push(struct samples *s, double x)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 256;
		s->v = realloc(s->v, s->cap * sizeof *s->v);
		if (!s->v) {
			perror("tokenlat: realloc");
			exit(1);
		}
	}
	s->v[s->n++] = x;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Nearest-rank percentile of a sorted copy. */
static double percentile(const struct samples *s, double p)
{
	double *c, r;
	size_t i;
	if (!s->n)
		return 0;
	c = malloc(s->n * sizeof *c);
	if (!c)
		exit(1);
	memcpy(c, s->v, s->n * sizeof *c);
	qsort(c, s->n, sizeof *c, cmp_double);
	i = (size_t)(p / 100.0 * (double)s->n + 0.999999);
	r = c[i ? i - 1 : 0];
	free(c);
	return r;
}

/* The response body arrives in HTTP/1.1 chunks, and an event could in
 * principle straddle two of them: the body is de-chunked into `line`, and
 * only whole "data: " lines are looked at. */
struct stream {
	char line[1 << 16];
	size_t line_len;
	long chunk_left; /* bytes left in the current chunk; -1: reading a size line */
	char size_line[32];
	size_t size_len;
	int headers_done, chunked, stopped;
	char head[4096];
	size_t head_len;
	long last_predicted, first_predicted;
	double last_ms, first_ms;
};

/* One complete body line; returns the tokens it reports in total so far,
 * or -1 for a line that is not an event. */
static long event_tokens(struct stream *st, const char *line)
{
	const char *p;
	if (strncmp(line, "data: ", 6) != 0)
		return -1;
	if (strstr(line, "\"stop\":true"))
		st->stopped = 1;
	p = strstr(line, "\"tokens_predicted\":");
	return p ? strtol(p + 19, NULL, 10) : -1;
}

static void on_body_byte(struct stream *st, char c, double t, struct samples *itl,
			 struct samples *ttft, double t_sent)
{
	long k;
	if (c != '\n') {
		if (st->line_len + 1 < sizeof st->line)
			st->line[st->line_len++] = c;
		return;
	}
	st->line[st->line_len] = 0;
	st->line_len = 0;
	k = event_tokens(st, st->line);
	if (k <= st->last_predicted)
		return;
	if (st->last_predicted == 0) {
		push(ttft, t - t_sent);
		st->first_ms = t;
		st->first_predicted = k; /* tokens that came with the first: part of ttft */
	} else {
		for (long i = st->last_predicted; i < k; i++)
			push(itl, (t - st->last_ms) / (double)(k - st->last_predicted));
	}
	st->last_predicted = k;
	st->last_ms = t;
}

static void feed(struct stream *st, const char *buf, size_t n, double t, struct samples *itl,
		 struct samples *ttft, double t_sent)
{
	for (size_t i = 0; i < n; i++) {
		char c = buf[i];
		if (!st->headers_done) {
			if (st->head_len + 1 < sizeof st->head)
				st->head[st->head_len++] = c;
			st->head[st->head_len] = 0;
			if (st->head_len >= 4 && !strcmp(st->head + st->head_len - 4, "\r\n\r\n")) {
				st->headers_done = 1;
				st->chunked = strcasestr(st->head, "transfer-encoding: chunked") != NULL;
				st->chunk_left = -1;
			}
			continue;
		}
		if (!st->chunked) {
			on_body_byte(st, c, t, itl, ttft, t_sent);
			continue;
		}
		if (st->chunk_left < 0) { /* size line, then CRLF */
			if (c == '\n') {
				st->size_line[st->size_len] = 0;
				st->chunk_left = strtol(st->size_line, NULL, 16);
				st->size_len = 0;
				if (st->chunk_left == 0)
					st->stopped = 1;
			} else if (c != '\r' && st->size_len + 1 < sizeof st->size_line) {
				st->size_line[st->size_len++] = c;
			}
			continue;
		}
		if (st->chunk_left == 0) { /* the CRLF that closes a chunk */
			if (c == '\n')
				st->chunk_left = -1;
			continue;
		}
		on_body_byte(st, c, t, itl, ttft, t_sent);
		st->chunk_left--;
	}
}

/* One streamed completion; its decode time and tokens are added to the totals. */
static int one_request(int port, int tokens, struct samples *itl, struct samples *ttft,
		       double *decode_ms, long *decode_tokens)
{
	char body[512], req[1024], buf[8192];
	static struct stream st;
	double t_sent;
	int fd, len;
	ssize_t n;

	len = snprintf(body, sizeof body,
		       "{\"prompt\":\"The quick brown fox jumps over the lazy dog\",\"n_predict\":%d,"
		       "\"stream\":true,\"ignore_eos\":true,\"cache_prompt\":false,\"temperature\":0}",
		       tokens);
	len = snprintf(req, sizeof req,
		       "POST /completion HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
		       "Content-Length: %d\r\nConnection: close\r\n\r\n%s",
		       len, body);
	fd = connect_to(port);
	if (fd < 0) {
		fprintf(stderr, "tokenlat: cannot connect to 127.0.0.1:%d: %s\n", port, strerror(errno));
		return -1;
	}
	memset(&st, 0, sizeof st);
	t_sent = now_ms();
	if (send_all(fd, req, (size_t)len) < 0) {
		fprintf(stderr, "tokenlat: send: %s\n", strerror(errno));
		close(fd);
		return -1;
	}
	while (!st.stopped && (n = read(fd, buf, sizeof buf)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "tokenlat: read: %s\n", strerror(errno));
			break;
		}
		feed(&st, buf, (size_t)n, now_ms(), itl, ttft, t_sent);
	}
	close(fd);
	if (st.headers_done && strncmp(st.head + 9, "200", 3) != 0) {
		fprintf(stderr, "tokenlat: server answered %.40s\n", st.head);
		return -1;
	}
	if (st.last_predicted < tokens) {
		fprintf(stderr, "tokenlat: got %ld of %d tokens\n", st.last_predicted, tokens);
		return -1;
	}
	*decode_ms += st.last_ms - st.first_ms;
	*decode_tokens += st.last_predicted - st.first_predicted;
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: tokenlat --wait SECONDS [--port P]\n"
			"       tokenlat [--port P] [--requests N] [--tokens N] [--samples]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int port = 8080, requests = 3, tokens = 32, wait_s = -1, print_samples = 0;
	struct samples itl = { 0 }, ttft = { 0 };
	double decode_ms = 0;
	long decode_tokens = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--samples"))
			print_samples = 1;
		else if (i + 1 < argc && !strcmp(a, "--port"))
			port = atoi(argv[++i]);
		else if (i + 1 < argc && !strcmp(a, "--requests"))
			requests = atoi(argv[++i]);
		else if (i + 1 < argc && !strcmp(a, "--tokens"))
			tokens = atoi(argv[++i]);
		else if (i + 1 < argc && !strcmp(a, "--wait"))
			wait_s = atoi(argv[++i]);
		else
			usage();
	}
	if (port <= 0 || port > 65535 || requests <= 0 || tokens < 2)
		usage();
	if (wait_s >= 0) {
		double end = now_ms() + wait_s * 1e3;
		while (!health_ok(port)) {
			if (now_ms() > end) {
				fprintf(stderr, "tokenlat: no healthy server on 127.0.0.1:%d after %d s\n", port,
					wait_s);
				return 1;
			}
			usleep(200 * 1000);
		}
		return 0;
	}
	for (int r = 0; r < requests; r++)
		if (one_request(port, tokens, &itl, &ttft, &decode_ms, &decode_tokens) < 0)
			return 1;
	printf("requests=%d tokens=%ld tok_s=%.2f ttft_p50_ms=%.2f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
	       requests, decode_tokens, decode_ms > 0 ? decode_tokens * 1e3 / decode_ms : 0,
	       percentile(&ttft, 50), percentile(&itl, 50), percentile(&itl, 99), percentile(&itl, 100));
	if (print_samples) {
		printf("samples=");
		for (size_t i = 0; i < itl.n; i++)
			printf("%s%.2f", i ? "," : "", itl.v[i]);
		printf("\nttft=");
		for (size_t i = 0; i < ttft.n; i++)
			printf("%s%.2f", i ? "," : "", ttft.v[i]);
		printf("\n");
	}
	return 0;
}
