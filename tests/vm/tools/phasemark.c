/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * phasemark: where each kind of thread of a job runs as process marks,
 * thread marks and role rules come and go. Time runs in epochs of
 * --epoch-ms (1000); at the start of each:
 *   0  threads start: pm-pool-0 and pm-pool-1 (plain), pm-bwd-0 (named for
 *      a role rule), pm-own (marks itself forward)
 *   1  the main thread marks the process backward
 *   2  the main thread starts pm-late; pm-own starts pm-ownkid (created
 *      while pm-own is marked forward); the main thread forks pm-child (a
 *      process created while its parent holds a process mark)
 *   3  the main thread clears the process mark
 *   4  pm-own clears its own mark
 * Every thread spins and counts the CPU it is on, per epoch, leaving out
 * the first --settle-ms (250) of each. At the end, one line per thread and
 * epoch: "sample name=pm-pool-0 epoch=1 total=N cpu0=... cpu1=..."
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "llm_schedd/phase.h"

#define EPOCHS 5
#define MAX_THREADS 8
#define MAX_CPUS 64

struct record {
	char name[16];
	uint64_t counts[EPOCHS][MAX_CPUS];
};

/* Shared with the forked child, count included. */
static struct shared {
	int nr;
	struct record records[MAX_THREADS];
} *shm;
static uint64_t t0_ns, epoch_ns, settle_ns;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}


static void sleep_until_epoch(int e)
{
	uint64_t at = t0_ns + (uint64_t)e * epoch_ns;
	struct timespec ts;

	while (now_ns() < at) {
		uint64_t left = at - now_ns();
		ts.tv_sec = (time_t)(left / 1000000000ull);
		ts.tv_nsec = (long)(left % 1000000000ull);
		nanosleep(&ts, NULL);
	}
}

static void spin_us(unsigned us)
{
	uint64_t end = now_ns() + us * 1000ull;

	while (now_ns() < end)
		;
}

struct worker {
	const char *name;
	int role; /* 0 plain, 1 marks itself forward, starts a child thread, clears at epoch 4 */
};

static void *run(void *arg);

static void start_thread(const char *name, int role)
{
	static struct worker ws[MAX_THREADS];
	static int nw; /* two threads start threads at epoch 2 */
	int i = __atomic_fetch_add(&nw, 1, __ATOMIC_SEQ_CST);
	pthread_t t;

	ws[i].name = name;
	ws[i].role = role;
	if (pthread_create(&t, NULL, run, &ws[i]) != 0) {
		perror("pthread_create");
		exit(1);
	}
	pthread_detach(t);
}

static struct record *claim(const char *name)
{
	int i = __atomic_fetch_add(&shm->nr, 1, __ATOMIC_SEQ_CST);
	struct record *r;

	if (i >= MAX_THREADS) {
		fprintf(stderr, "phasemark: too many threads\n");
		exit(1);
	}
	r = &shm->records[i];

	strncpy(r->name, name, sizeof(r->name) - 1);
	return r;
}

static void spin_and_count(struct record *r, int own)
{
	int started_kid = 0, cleared = 0;

	for (;;) {
		uint64_t t = now_ns() - t0_ns;
		int e = (int)(t / epoch_ns);
		int cpu;

		if (e >= EPOCHS)
			return;
		if (own && e >= 2 && !started_kid) {
			started_kid = 1;
			start_thread("pm-ownkid", 0);
		}
		if (own && e >= 4 && !cleared) {
			cleared = 1;
			llm_phase_set(LLM_PHASE_NONE);
		}
		spin_us(20);
		cpu = sched_getcpu();
		if (t % epoch_ns >= settle_ns && cpu >= 0 && cpu < MAX_CPUS)
			r->counts[e][cpu]++;
	}
}

static void *run(void *arg)
{
	struct worker *w = arg;
	struct record *r;

	prctl(PR_SET_NAME, w->name, 0, 0, 0);
	r = claim(w->name);
	if (w->role == 1)
		llm_phase_set(LLM_PHASE_FORWARD);
	spin_and_count(r, w->role == 1);
	return NULL;
}

int main(int argc, char **argv)
{
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	pid_t child;

	epoch_ns = 1000 * 1000000ull;
	settle_ns = 250 * 1000000ull;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--epoch-ms"))
			epoch_ns = strtoull(argv[i + 1], NULL, 10) * 1000000ull;
		else if (!strcmp(argv[i], "--settle-ms"))
			settle_ns = strtoull(argv[i + 1], NULL, 10) * 1000000ull;
	}
	shm = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shm == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	t0_ns = now_ns();
	start_thread("pm-pool-0", 0);
	start_thread("pm-pool-1", 0);
	start_thread("pm-bwd-0", 0);
	start_thread("pm-own", 1);

	sleep_until_epoch(1);
	llm_phase_set_process(LLM_PHASE_BACKWARD);
	sleep_until_epoch(2);
	start_thread("pm-late", 0);
	child = fork();
	if (child == 0) {
		prctl(PR_SET_NAME, "pm-child", 0, 0, 0);
		spin_and_count(claim("pm-child"), 0);
		_exit(0);
	}
	sleep_until_epoch(3);
	llm_phase_set_process(LLM_PHASE_NONE);
	sleep_until_epoch(EPOCHS);
	waitpid(child, NULL, 0);
	usleep(100 * 1000); /* the threads see the end and stop counting */

	for (int i = 0; i < shm->nr && i < MAX_THREADS; i++) {
		struct record *r = &shm->records[i];

		for (int e = 0; e < EPOCHS; e++) {
			uint64_t total = 0;

			for (int c = 0; c < ncpu && c < MAX_CPUS; c++)
				total += r->counts[e][c];
			if (!total)
				continue;
			printf("sample name=%s epoch=%d total=%llu", r->name, e, (unsigned long long)total);
			for (int c = 0; c < ncpu && c < MAX_CPUS; c++)
				printf(" cpu%d=%llu", c, (unsigned long long)r->counts[e][c]);
			printf("\n");
		}
	}
	return 0;
}
