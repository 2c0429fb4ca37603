/* SPDX-License-Identifier: GPL-2.0-only */
/* Samples, from outside, where the threads of marked processes run: for a
 * training job whose phases are marked by its own hooks (auto_phases), the
 * lane checks that every thread, pool threads included, runs on its
 * phase's CPUs.
 *
 *   phasewatch --fwd CPUS --bwd CPUS [--seconds S] [--interval-ms I]
 *              [--grace-ms G] PID...
 *
 * Every I ms, for each PID: its phase is the process mark one of its
 * threads holds in its timer slack (include/llm_schedd/intf.h); a thread
 * with a mark of its own follows that instead. Each thread in state R
 * (running, or queued) gives a sample: its CPU (/proc stat field 39) is on
 * its phase's set or not. Samples within G ms of a phase change are left
 * out: a thread is placed again at its next scheduling decision, and a
 * queued one keeps its last CPU until it runs. Runs until S seconds or all
 * PIDs are gone; prints one line per PID and phase,
 *   "watch pid=P phase=forward samples=N on_set=M"
 * and a total "phasewatch samples=N on_set=M skipped=K changes=C". */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "llm_schedd/intf.h"

#define MAX_PIDS 8

struct watched {
	int pid;
	int phase;          /* the process mark now: LLM_PHASE_* */
	double changed_ms;  /* when it last changed */
	long samples[3], on_set[3];
	int gone;
};

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int parse_cpus(const char *s, unsigned long long *set)
{
	*set = 0;
	while (*s) {
		char *end;
		long a = strtol(s, &end, 10), b = a;
		if (end == s || a < 0 || a > 63)
			return -1;
		if (*end == '-')
			b = strtol(end + 1, &end, 10);
		for (long c = a; c <= b && c < 64; ++c)
			*set |= 1ULL << c;
		s = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			return -1;
	}
	return 0;
}

static long read_long(const char *path)
{
	FILE *f = fopen(path, "re");
	long v = -1;
	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* State and CPU from /proc/PID/task/TID/stat; 0 if unreadable. */
static int thread_stat(int pid, const char *tid, char *state, int *cpu)
{
	char path[320], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/task/%s/stat", pid, tid);
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')'); /* the comm may hold spaces */
	if (!p)
		return 0;
	*state = p[2];
	/* Field 39 (processor) is the 37th after the comm. */
	for (int field = 3; field <= 39 && p; ++field)
		p = strchr(p + 1, ' ');
	if (!p)
		return 0;
	*cpu = atoi(p + 1);
	return 1;
}

/* A slack value as a mark: phase and scope, or -1 if it is no mark. */
static int mark_of(long slack, int *process)
{
	if (slack < (long)LLM_PHASE_SLACK_BASE || slack >= (long)(LLM_PHASE_SLACK_BASE + LLM_PHASE_SLACK_CODES))
		return -1;
	unsigned code = (unsigned)(slack - LLM_PHASE_SLACK_BASE);
	*process = !!(code & LLM_PHASE_SLACK_PROCESS);
	return (code & 3) == 3 ? -1 : (int)(code & 3);
}

static void sample(struct watched *w, const unsigned long long sets[3], double grace_ms, long *skipped, long *changes)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/task", w->pid);
	DIR *d = opendir(path);
	if (!d) {
		w->gone = 1;
		return;
	}
	struct { char tid[256]; char state; int cpu; int own; } t[256];
	int n = 0, process_phase = -1, conflict = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < 256) {
		if (e->d_name[0] == '.')
			continue;
		char sp[320];
		snprintf(sp, sizeof sp, "/proc/%s/timerslack_ns", e->d_name); /* per thread only at /proc/TID */
		int process = 0, m = mark_of(read_long(sp), &process);
		if (!thread_stat(w->pid, e->d_name, &t[n].state, &t[n].cpu))
			continue;
		snprintf(t[n].tid, sizeof t[n].tid, "%s", e->d_name);
		t[n].own = m >= 0 && !process ? m : -1;
		if (m >= 0 && process) {
			if (process_phase >= 0 && process_phase != m)
				conflict = 1;
			process_phase = m;
		}
		++n;
	}
	closedir(d);
	if (conflict) {
		++*skipped;
		return;
	}
	int phase = process_phase < 0 ? LLM_PHASE_NONE : process_phase;
	double now = now_ms();
	if (phase != w->phase) {
		w->phase = phase;
		w->changed_ms = now;
		++*changes;
	}
	if (now - w->changed_ms < grace_ms) {
		++*skipped;
		return;
	}
	for (int i = 0; i < n; ++i) {
		int ph = t[i].own >= 0 ? t[i].own : phase;
		if (t[i].state != 'R' || ph == LLM_PHASE_NONE)
			continue;
		w->samples[ph]++;
		if (t[i].cpu >= 0 && t[i].cpu < 64 && (sets[ph] >> t[i].cpu & 1))
			w->on_set[ph]++;
	}
}

int main(int argc, char **argv)
{
	unsigned long long sets[3] = { 0 };
	double seconds = 600, interval_ms = 5, grace_ms = 25;
	struct watched w[MAX_PIDS];
	int npids = 0;
	for (int i = 1; i < argc; ++i) {
		if (!strcmp(argv[i], "--fwd") && i + 1 < argc) {
			if (parse_cpus(argv[++i], &sets[LLM_PHASE_FORWARD]))
				goto usage;
		} else if (!strcmp(argv[i], "--bwd") && i + 1 < argc) {
			if (parse_cpus(argv[++i], &sets[LLM_PHASE_BACKWARD]))
				goto usage;
		} else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
			seconds = atof(argv[++i]);
		} else if (!strcmp(argv[i], "--interval-ms") && i + 1 < argc) {
			interval_ms = atof(argv[++i]);
		} else if (!strcmp(argv[i], "--grace-ms") && i + 1 < argc) {
			grace_ms = atof(argv[++i]);
		} else if (argv[i][0] != '-' && npids < MAX_PIDS) {
			memset(&w[npids], 0, sizeof w[npids]);
			w[npids].pid = atoi(argv[i]);
			w[npids].phase = LLM_PHASE_NONE;
			++npids;
		} else {
			goto usage;
		}
	}
	if (!npids || !sets[LLM_PHASE_FORWARD] || !sets[LLM_PHASE_BACKWARD])
		goto usage;

	long skipped = 0, changes = 0;
	double end = now_ms() + seconds * 1e3;
	for (;;) {
		int alive = 0;
		for (int i = 0; i < npids; ++i)
			if (!w[i].gone) {
				sample(&w[i], sets, grace_ms, &skipped, &changes);
				alive += !w[i].gone;
			}
		if (!alive || now_ms() > end)
			break;
		usleep((useconds_t)(interval_ms * 1e3));
	}
	long samples = 0, on_set = 0;
	static const char *names[] = { "none", "forward", "backward" };
	for (int i = 0; i < npids; ++i)
		for (int ph = LLM_PHASE_FORWARD; ph <= LLM_PHASE_BACKWARD; ++ph) {
			printf("watch pid=%d phase=%s samples=%ld on_set=%ld\n", w[i].pid, names[ph], w[i].samples[ph],
			       w[i].on_set[ph]);
			samples += w[i].samples[ph];
			on_set += w[i].on_set[ph];
		}
	printf("phasewatch samples=%ld on_set=%ld skipped=%ld changes=%ld\n", samples, on_set, skipped, changes);
	return 0;
usage:
	fprintf(stderr, "usage: %s --fwd CPUS --bwd CPUS [--seconds S] [--interval-ms I] [--grace-ms G] PID...\n", argv[0]);
	return 2;
}
