/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * schedprobe: measures what the VM scenarios assert, from inside a task.
 *
 *   schedprobe wake  [--comm NAME] [--fifo PRIO] [--loops N] [--period-us US]
 *       sleeps 1 ms, N times, and prints how late it woke:
 *       "wake p50_us=... p99_us=... max_us=... n=..."
 *   schedprobe spin  [--comm NAME] --seconds S [--gap-us US]
 *       spins and prints the longest time it was kept off the CPU and the
 *       CPUs it ran on: "spin max_gap_us=... gaps=... progress=... cpus=0,2"
 *   schedprobe burst [--comm NAME] --seconds S --burst-us B --sleep-us Z
 *       runs B us, sleeps Z us, repeatedly ("burst tid=... bursts=...")
 *   schedprobe phasecost [--loops N]
 *       times N forward/backward switches through the C API:
 *       "phasecost ns_per_switch=... slack_after=..."
 *
 * --comm renames the thread (prctl PR_SET_NAME) so policy rules can match.
 * Output is one line of key=value pairs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "llm_schedd/phase.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Each sample is one real wake-up: sleep period_us relative to now, and
 * measure how late the thread runs. (Absolute deadlines would let one late
 * wake-up make the next ones "late" without sleeping at all.)
 */
static int wake(long loops, long period_us)
{
	uint64_t *lat = calloc(loops, sizeof(*lat));
	struct timespec req = { .tv_sec = period_us / 1000000, .tv_nsec = (period_us % 1000000) * 1000 };

	if (!lat)
		return 1;
	for (long i = 0; i < loops; i++) {
		uint64_t due = now_ns() + (uint64_t)period_us * 1000;

		while (clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL) == EINTR)
			;
		lat[i] = now_ns() - due;
	}
	qsort(lat, loops, sizeof(*lat), cmp_u64);
	printf("wake p50_us=%.0f p99_us=%.0f max_us=%.0f n=%ld\n", lat[loops / 2] / 1e3,
	       lat[(loops * 99) / 100] / 1e3, lat[loops - 1] / 1e3, loops);
	free(lat);
	return 0;
}

static int spin(double seconds, long gap_us)
{
	uint64_t end = now_ns() + (uint64_t)(seconds * 1e9), last = now_ns(), max_gap = 0, gaps = 0,
		 progress = 0;
	static unsigned char ran_on[1024];
	char cpus[4096] = "", longest[512] = "";
	size_t len = 0, llen = 0;

	for (;;) {
		uint64_t t = now_ns(), d = t - last;

		if (d > (uint64_t)gap_us * 1000) {
			gaps++;
			if (d > max_gap)
				max_gap = d;
			/* Gaps over 150 ms: when they started (ms, CLOCK_MONOTONIC) and how long. */
			if (d > 150000000ull && llen + 40 < sizeof(longest))
				llen += snprintf(longest + llen, sizeof(longest) - llen, "%s%llu+%llu",
						 llen ? "," : "", (unsigned long long)(last / 1000000),
						 (unsigned long long)(d / 1000000));
		}
		last = t;
		/* Where it really runs (/proc's CPU field is a queued task's runqueue). */
		if (progress % 256 == 0) {
			int cpu = sched_getcpu();

			if (cpu >= 0 && cpu < 1024)
				ran_on[cpu] = 1;
		}
		progress++;
		if (t >= end)
			break;
	}
	for (int c = 0; c < 1024 && len + 8 < sizeof(cpus); c++)
		if (ran_on[c])
			len += snprintf(cpus + len, sizeof(cpus) - len, "%s%d", len ? "," : "", c);
	printf("spin max_gap_us=%.0f gaps=%llu progress=%llu cpus=%s long_gaps_ms=%s\n", max_gap / 1e3,
	       (unsigned long long)gaps, (unsigned long long)progress, cpus, llen ? longest : "-");
	return 0;
}

static int burst(double seconds, long burst_us, long sleep_us)
{
	uint64_t end = now_ns() + (uint64_t)(seconds * 1e9), n = 0;

	printf("burst tid=%d\n", gettid());
	fflush(stdout);
	while (now_ns() < end) {
		uint64_t stop = now_ns() + (uint64_t)burst_us * 1000;

		while (now_ns() < stop)
			;
		if (sleep_us)
			usleep(sleep_us);
		n++;
	}
	printf("burst tid=%d bursts=%llu\n", gettid(), (unsigned long long)n);
	return 0;
}

static int phasecost(long loops)
{
	uint64_t t0 = now_ns();

	for (long i = 0; i < loops; i++)
		llm_phase_set(i % 2 ? LLM_PHASE_BACKWARD : LLM_PHASE_FORWARD);
	printf("phasecost ns_per_switch=%.0f slack_after=%d\n", (double)(now_ns() - t0) / loops,
	       prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0));
	return 0;
}

int main(int argc, char **argv)
{
	long loops = 3000, period_us = 1000, gap_us = 1000, burst_us = 100, sleep_us = 1000;
	double seconds = 5;
	int fifo = 0;
	const char *mode = argc > 1 ? argv[1] : "";

	for (int i = 2; i + 1 < argc; i += 2) {
		const char *a = argv[i], *v = argv[i + 1];

		if (!strcmp(a, "--comm"))
			prctl(PR_SET_NAME, v, 0, 0, 0);
		else if (!strcmp(a, "--fifo"))
			fifo = atoi(v);
		else if (!strcmp(a, "--loops"))
			loops = atol(v);
		else if (!strcmp(a, "--period-us"))
			period_us = atol(v);
		else if (!strcmp(a, "--seconds"))
			seconds = atof(v);
		else if (!strcmp(a, "--gap-us"))
			gap_us = atol(v);
		else if (!strcmp(a, "--burst-us"))
			burst_us = atol(v);
		else if (!strcmp(a, "--sleep-us"))
			sleep_us = atol(v);
		else {
			fprintf(stderr, "schedprobe: unknown option %s\n", a);
			return 2;
		}
	}
	if (fifo) {
		struct sched_param sp = { .sched_priority = fifo };

		if (sched_setscheduler(0, SCHED_FIFO, &sp)) {
			perror("schedprobe: SCHED_FIFO");
			return 1;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(mode, "wake"))
		return loops > 0 ? wake(loops, period_us) : 2;
	if (!strcmp(mode, "spin"))
		return spin(seconds, gap_us);
	if (!strcmp(mode, "phasecost"))
		return loops > 0 ? phasecost(loops) : 2;
	if (!strcmp(mode, "burst"))
		return burst(seconds, burst_us, sleep_us);
	fprintf(stderr, "usage: schedprobe wake|spin|burst [options]\n");
	return 2;
}
