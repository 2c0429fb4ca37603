/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * schedprobe: measures what the VM scenarios assert, from inside a task.
 *
 *   schedprobe wake  [--comm NAME] [--fifo PRIO] [--loops N] [--period-us US]
 *       sleeps 1 ms, N times, and prints how late it woke:
 *       "wake p50_us=... p99_us=... max_us=... n=..."
 *   schedprobe spin  [--comm NAME] --seconds S [--gap-us US] [--setuid-at S2 --uid U]
 *       spins and prints the longest time it was kept off the CPU and the
 *       CPUs it ran on: "spin max_gap_us=... gaps=... progress=... cpus=0,2";
 *       with --setuid-at it switches to uid U (setresuid, no exec) after S2 s,
 *       with --rename-at "S3 NAME" it renames itself (PR_SET_NAME) after S3 s;
 *       with --fork N it runs as N processes (forked, not exec'd, so a
 *       loaded system starts them at once), each printing "spin-start
 *       pid=..." first and its own result line at the end
 *   schedprobe burst [--comm NAME] --seconds S --burst-us B --sleep-us Z
 *       runs B us, sleeps Z us, repeatedly ("burst tid=... bursts=...")
 *   schedprobe phasecost [--loops N]
 *       times N forward/backward switches through the C API:
 *       "phasecost ns_per_switch=... slack_after=..."
 *   schedprobe pool [--comm NAME] --threads N --seconds S --step-us W
 *       a barrier-synchronised pool shaped like OpenMP's and ggml's: N
 *       threads each spin W us of work per step, then spin-wait at a
 *       barrier for the others. One slow thread stalls the step. Prints
 *       "pool steps=... steps_per_s=... p50_us=... p99_us=... max_us=..."
 *       and the start (ms, CLOCK_MONOTONIC) of steps over 3 x p50.
 *
 * --comm renames the thread (prctl PR_SET_NAME) so policy rules can match.
 * Output is one line of key=value pairs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
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

static int spin(double seconds, long gap_us, double setuid_at, long uid, const char *rename_at)
{
	double rename_s = 0;
	char rename_to[32] = "";
	uint64_t end = now_ns() + (uint64_t)(seconds * 1e9), last = now_ns(), max_gap = 0, gaps = 0,
		 progress = 0, setuid_ns = setuid_at > 0 ? now_ns() + (uint64_t)(setuid_at * 1e9) : 0, rename_ns = 0;

	if (rename_at && sscanf(rename_at, "%lf %31s", &rename_s, rename_to) == 2)
		rename_ns = now_ns() + (uint64_t)(rename_s * 1e9);
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
		if (rename_ns && t >= rename_ns) {
			rename_ns = 0;
			prctl(PR_SET_NAME, rename_to, 0, 0, 0);
		}
		if (setuid_ns && t >= setuid_ns) {
			setuid_ns = 0;
			if (setresuid(uid, uid, uid))
				perror("schedprobe: setresuid");
		}
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


/* ---- pool: N threads meeting at a spinning barrier every step ---------- */

static struct {
	int threads;
	long step_us;
	uint64_t end_ns;
	atomic_uint arrived;
	atomic_uint generation;
	atomic_int stop;
} pl;

static void spin_us(long us)
{
	uint64_t stop = now_ns() + (uint64_t)us * 1000;

	while (now_ns() < stop)
		;
}

/* Sense-reversing barrier that spins: the last thread to arrive releases the
 * others. Returns 1 once the run is over. */
static int pool_barrier(unsigned *gen)
{
	unsigned g = *gen;

	if (atomic_fetch_add(&pl.arrived, 1) + 1 == (unsigned)pl.threads) {
		atomic_store(&pl.arrived, 0);
		if (now_ns() >= pl.end_ns)
			atomic_store(&pl.stop, 1);
		atomic_store(&pl.generation, g + 1);
	} else {
		while (atomic_load(&pl.generation) == g)
			;
	}
	*gen = g + 1;
	return atomic_load(&pl.stop);
}

static void *pool_worker(void *arg)
{
	unsigned gen = atomic_load(&pl.generation);

	(void)arg;
	do
		spin_us(pl.step_us);
	while (!pool_barrier(&gen));
	return NULL;
}

static int pool(const char *comm, int threads, double seconds, long step_us)
{
	size_t cap = (size_t)(seconds * 1e6 / (step_us > 0 ? step_us : 1)) + 16, n = 0;
	uint64_t *dur = calloc(cap, sizeof(*dur)), *start = calloc(cap, sizeof(*start)), t0;
	pthread_t *tid = calloc(threads, sizeof(*tid));
	unsigned gen;
	char slow[1024] = "";
	size_t slen = 0;

	if (!dur || !start || !tid || threads < 1)
		return 2;
	pl.threads = threads;
	pl.step_us = step_us;
	t0 = now_ns();
	pl.end_ns = t0 + (uint64_t)(seconds * 1e9);
	gen = atomic_load(&pl.generation);
	for (int i = 1; i < threads; i++) {
		pthread_create(&tid[i], NULL, pool_worker, NULL);
		if (comm)
			pthread_setname_np(tid[i], comm);
	}
	/* Thread 0 times the steps. */
	for (;;) {
		uint64_t s = now_ns();
		int over;

		spin_us(step_us);
		over = pool_barrier(&gen);
		if (n < cap) {
			start[n] = s;
			dur[n++] = now_ns() - s;
		}
		if (over)
			break;
	}
	for (int i = 1; i < threads; i++)
		pthread_join(tid[i], NULL);
	double secs = (now_ns() - t0) / 1e9;
	uint64_t *sorted = malloc(n * sizeof(*sorted));

	memcpy(sorted, dur, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_u64);
	uint64_t p50 = sorted[n / 2];

	for (size_t i = 0; i < n && slen + 32 < sizeof(slow); i++)
		if (dur[i] > 3 * p50)
			slen += snprintf(slow + slen, sizeof(slow) - slen, "%s%llu+%llu", slen ? "," : "",
					 (unsigned long long)(start[i] / 1000000),
					 (unsigned long long)(dur[i] / 1000));
	printf("pool threads=%d steps=%zu steps_per_s=%.1f p50_us=%.0f p99_us=%.0f max_us=%.0f slow_ms_plus_us=%s\n",
	       threads, n, n / secs, p50 / 1e3, sorted[(n * 99) / 100] / 1e3, sorted[n - 1] / 1e3,
	       slen ? slow : "-");
	free(sorted);
	free(dur);
	free(start);
	free(tid);
	return 0;
}

int main(int argc, char **argv)
{
	long loops = 3000, period_us = 1000, gap_us = 1000, burst_us = 100, sleep_us = 1000;
	double seconds = 5, setuid_at = 0;
	int fifo = 0, threads = 2;
	long uid = 65534;
	const char *rename_at = NULL;
	int forks = 1;
	const char *mode = argc > 1 ? argv[1] : "", *comm = NULL;

	for (int i = 2; i + 1 < argc; i += 2) {
		const char *a = argv[i], *v = argv[i + 1];

		if (!strcmp(a, "--comm")) {
			prctl(PR_SET_NAME, v, 0, 0, 0);
			comm = v;
		} else if (!strcmp(a, "--threads"))
			threads = atoi(v);
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
		else if (!strcmp(a, "--setuid-at"))
			setuid_at = atof(v);
		else if (!strcmp(a, "--uid"))
			uid = atol(v);
		else if (!strcmp(a, "--rename-at"))
			rename_at = v;
		else if (!strcmp(a, "--fork"))
			forks = atoi(v);
		else if (!strcmp(a, "--burst-us") || !strcmp(a, "--step-us"))
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
	if (!strcmp(mode, "spin")) {
		for (int i = 1; i < forks; i++) {
			pid_t c = fork();

			if (c < 0) {
				perror("schedprobe: fork");
				return 1;
			}
			if (c == 0)
				break;
		}
		printf("spin-start pid=%d\n", getpid());
		return spin(seconds, gap_us, setuid_at, uid, rename_at);
	}
	if (!strcmp(mode, "phasecost"))
		return loops > 0 ? phasecost(loops) : 2;
	if (!strcmp(mode, "burst"))
		return burst(seconds, burst_us, sleep_us);
	if (!strcmp(mode, "pool"))
		return pool(comm, threads, seconds, burst_us);
	fprintf(stderr, "usage: schedprobe wake|spin|burst|phasecost|pool [options]\n");
	return 2;
}
