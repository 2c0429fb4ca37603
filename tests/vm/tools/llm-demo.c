/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * llm-demo: a forward/backward workload that checks where its threads ran.
 *
 * Each thread marks a phase through the llm_schedd C API, spins in short
 * work units, and samples sched_getcpu() after each one. At --swap-at the
 * threads switch phase. It reports, per thread, the samples outside the
 * expected CPU set before the swap and after the settle window, and the
 * switch latency (swap to the first sample on the new set).
 *
 *   llm-demo --threads 2 --seconds 4 --swap-at 2 --forward 0-1 --backward 2-3
 *   llm-demo --live --forward 0-1 --backward 2-3   (phases alternate each second;
 *                                                   one line per second, forever)
 *   llm-demo ... --runs FILE   also writes every run of consecutive samples on
 *                              one CPU as "tid phase first_ns last_ns cpu", for
 *                              checks against a changing policy (reload scenario)
 *
 * SIGTERM ends a timed run early, with the report and the runs written;
 * it ends a --live run at once.
 *
 * Exit status is 1 when --strict is given and any sample was misplaced.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "llm_schedd/phase.h"

#define MAX_THREADS 64
#define MAX_CPUS 256

struct cpu_run {
	uint64_t first_ns, last_ns;
	int cpu, phase;
};

#define MAX_RUNS (1 << 18)

struct cfg {
	const char *runs_file;
	int threads;
	double seconds, swap_at, settle_ms, work_us;
	int strict, live;
	unsigned char fwd[MAX_CPUS], bwd[MAX_CPUS];
};

struct result {
	pid_t tid;
	int first_phase;
	uint64_t samples_before, misplaced_before;
	uint64_t samples_after, misplaced_after, samples_window;
	double switch_latency_us;
	uint64_t cpu_hits[2][MAX_CPUS]; /* [phase index][cpu] */
	struct cpu_run *runs;
	size_t nr_runs;
};

static struct cfg cfg = { .threads = 2, .seconds = 4, .swap_at = 2, .settle_ms = 50, .work_us = 50 };
static struct result results[MAX_THREADS];
static atomic_int live_phase_flip;
static volatile sig_atomic_t stop_early;

static void on_term(int sig)
{
	(void)sig;
	stop_early = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int parse_cpus(const char *s, unsigned char *set)
{
	memset(set, 0, MAX_CPUS);
	while (*s) {
		char *end;
		long lo = strtol(s, &end, 10), hi = lo;

		if (end == s)
			return -1;
		if (*end == '-')
			hi = strtol(end + 1, &end, 10);
		if (lo < 0 || hi >= MAX_CPUS || lo > hi)
			return -1;
		for (long c = lo; c <= hi; c++)
			set[c] = 1;
		s = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			return -1;
	}
	return 0;
}

static const unsigned char *set_of(int phase)
{
	return phase == LLM_PHASE_FORWARD ? cfg.fwd : cfg.bwd;
}

static void spin_us(double us)
{
	double end = now_s() + us / 1e6;
	volatile uint64_t x = 0;

	while (now_s() < end)
		x++;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void record_run(struct result *r, int cpu, int phase)
{
	uint64_t t = now_ns();
	struct cpu_run *last = r->nr_runs ? &r->runs[r->nr_runs - 1] : NULL;

	if (last && last->cpu == cpu && last->phase == phase) {
		last->last_ns = t;
		return;
	}
	if (r->nr_runs < MAX_RUNS)
		r->runs[r->nr_runs++] = (struct cpu_run){ t, t, cpu, phase };
}

static void *worker(void *arg)
{
	struct result *r = arg;
	int phase = r->first_phase;
	double t0 = now_s(), t_swap = t0 + cfg.swap_at, t_end = t0 + cfg.seconds;
	int swapped = 0;

	r->tid = gettid();
	r->switch_latency_us = -1;
	llm_phase_set(phase);
	for (;;) {
		double t = now_s();
		int cpu;

		if (cfg.live) {
			int want = (atomic_load(&live_phase_flip) & 1) ? 3 - r->first_phase : r->first_phase;

			if (want != phase) {
				phase = want;
				llm_phase_set(phase);
			}
		} else if (t >= t_end || stop_early) {
			break;
		} else if (!swapped && t >= t_swap) {
			phase = 3 - phase; /* forward <-> backward */
			llm_phase_set(phase);
			swapped = 1;
		}
		spin_us(cfg.work_us);
		cpu = sched_getcpu();
		if (cpu < 0 || cpu >= MAX_CPUS)
			continue;
		r->cpu_hits[phase - 1][cpu]++;
		if (r->runs)
			record_run(r, cpu, phase);
		if (cfg.live)
			continue;
		t = now_s();
		if (!swapped) {
			r->samples_before++;
			r->misplaced_before += !set_of(phase)[cpu];
		} else {
			if (r->switch_latency_us < 0 && set_of(phase)[cpu])
				r->switch_latency_us = (t - t_swap) * 1e6;
			if (t - t_swap > cfg.settle_ms / 1e3) {
				r->samples_after++;
				r->misplaced_after += !set_of(phase)[cpu];
			} else {
				r->samples_window++;
			}
		}
	}
	return NULL;
}

static void print_cpus(const uint64_t *hits)
{
	int first = 1;

	for (int c = 0; c < MAX_CPUS; c++) {
		if (!hits[c])
			continue;
		printf("%s%d", first ? "" : ",", c);
		first = 0;
	}
	if (first)
		printf("-");
}

static void usage(void)
{
	fprintf(stderr, "usage: llm-demo [--threads N] [--seconds S] [--swap-at S] [--settle-ms MS]\n"
			"                [--work-us US] --forward CPUS --backward CPUS [--strict] [--live]\n"
			"                [--runs FILE]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	pthread_t th[MAX_THREADS];
	int have_f = 0, have_b = 0, bad = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--strict")) { cfg.strict = 1; continue; }
		if (!strcmp(a, "--live")) { cfg.live = 1; continue; }
		if (!v)
			usage();
		i++;
		if (!strcmp(a, "--threads")) cfg.threads = atoi(v);
		else if (!strcmp(a, "--seconds")) cfg.seconds = atof(v);
		else if (!strcmp(a, "--swap-at")) cfg.swap_at = atof(v);
		else if (!strcmp(a, "--settle-ms")) cfg.settle_ms = atof(v);
		else if (!strcmp(a, "--work-us")) cfg.work_us = atof(v);
		else if (!strcmp(a, "--forward")) have_f = !parse_cpus(v, cfg.fwd);
		else if (!strcmp(a, "--backward")) have_b = !parse_cpus(v, cfg.bwd);
		else if (!strcmp(a, "--runs")) cfg.runs_file = v;
		else usage();
	}
	if (!have_f || !have_b || cfg.threads < 1 || cfg.threads > MAX_THREADS)
		usage();
	if (!cfg.live)
		signal(SIGTERM, on_term);  /* --live runs until killed, as before */
	for (int i = 0; i < cfg.threads; i++) {
		results[i].first_phase = (i % 2) ? LLM_PHASE_BACKWARD : LLM_PHASE_FORWARD;
		if (cfg.runs_file && !(results[i].runs = calloc(MAX_RUNS, sizeof(struct cpu_run)))) {
			perror("calloc");
			return 1;
		}
		pthread_create(&th[i], NULL, worker, &results[i]);
	}
	if (cfg.live) {
		for (unsigned tick = 1;; tick++) {
			uint64_t hits[2][MAX_CPUS] = { { 0 } }, wrong = 0, all = 0;

			sleep(1);
			atomic_fetch_add(&live_phase_flip, 1);
			for (int i = 0; i < cfg.threads; i++) {
				for (int ph = 0; ph < 2; ph++) {
					for (int c = 0; c < MAX_CPUS; c++) {
						uint64_t h = results[i].cpu_hits[ph][c];

						hits[ph][c] += h;
						all += h;
						wrong += h && !set_of(ph + 1)[c] ? h : 0;
					}
				}
				memset(results[i].cpu_hits, 0, sizeof(results[i].cpu_hits));
			}
			printf("llm-demo: t=%3us  %d threads swap phase each second: forward ran on CPUs ", tick,
			       cfg.threads);
			print_cpus(hits[0]);
			printf(", backward on CPUs ");
			print_cpus(hits[1]);
			/* Soft phase sets (the default) lend a phase's idle CPUs to the other. */
			printf(", samples on the other phase's CPUs: %llu of %llu\n", (unsigned long long)wrong,
			       (unsigned long long)all);
			fflush(stdout);
		}
	}
	for (int i = 0; i < cfg.threads; i++) {
		struct result *r = &results[i];

		pthread_join(th[i], NULL);
		printf("thread %d tid %d first %s: before %llu samples, %llu misplaced; after %llu samples, "
		       "%llu misplaced (%llu in the %.0f ms settle window); switch latency %.0f us; fwd cpus ",
		       i, r->tid, llm_phase_name(r->first_phase), (unsigned long long)r->samples_before,
		       (unsigned long long)r->misplaced_before, (unsigned long long)r->samples_after,
		       (unsigned long long)r->misplaced_after, (unsigned long long)r->samples_window,
		       cfg.settle_ms, r->switch_latency_us);
		print_cpus(r->cpu_hits[0]);
		printf(" bwd cpus ");
		print_cpus(r->cpu_hits[1]);
		printf("\n");
		bad += r->misplaced_before || r->misplaced_after || r->samples_before == 0 ||
		       r->samples_after == 0;
	}
	if (cfg.runs_file) {
		FILE *f = fopen(cfg.runs_file, "w");

		if (!f) {
			perror(cfg.runs_file);
			return 1;
		}
		for (int i = 0; i < cfg.threads; i++)
			for (size_t k = 0; k < results[i].nr_runs; k++) {
				const struct cpu_run *run = &results[i].runs[k];

				fprintf(f, "%d %s %llu %llu %d\n", results[i].tid, llm_phase_name(run->phase),
					(unsigned long long)run->first_ns, (unsigned long long)run->last_ns, run->cpu);
			}
		fclose(f);
	}
	return cfg.strict && bad ? 1 : 0;
}
