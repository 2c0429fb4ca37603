/* SPDX-License-Identifier: GPL-2.0-only */
/* Allocates a weights buffer through the huge-page C API (hugemem.h), touches
 * it, and says what it got: the VM lane checks HugePages_Free against it,
 * and bench/hugepage-faults.sh compares first-touch cost across page kinds.
 *
 *   weights [--mb N] [--mode auto|hugetlbfs|hugetlb|thp|4k] [--dir PATH]
 *           [--hold SEC] [--no-touch] [--wait-cgroup PREFIX]
 *           [--steps N] [--retouch-ms MS]
 *
 * Prints one line of key=value pairs, then holds the buffer for --hold
 * seconds (-1: until killed) so a test can look at the pool meanwhile.
 * --steps N allocates, touches and frees N times, a line per step (a
 * training step's activations; bench/memory-protect.sh times them).
 * --retouch-ms MS writes every page again each MS ms while holding: a hog
 * that keeps using its memory, so pages taken from it come back.
 * --wait-cgroup waits (up to 10 s) until llm-schedd has moved the process
 * into a cgroup below PREFIX, so the memory is charged there. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "llm_schedd/hugemem.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static long minflt(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

static int in_cgroup(const char *prefix)
{
	char line[4096];
	int found = 0;
	FILE *f = fopen("/proc/self/cgroup", "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, "0::", 3) && !strncmp(line + 3, prefix, strlen(prefix)))
			found = 1;
	fclose(f);
	return found;
}

/* One write per 4 KiB, as loading weights would: the fault count then
 * shows the page size the kernel really used. */
static void touch_pages(struct llm_hugemem *buf, char salt)
{
	volatile char *p = buf->addr;
	for (size_t off = 0; off < buf->len; off += 4096)
		p[off] = (char)(off + salt);
}

/* Holds the buffer hold seconds (< 0: until killed), writing every page
 * again each retouch_ms if that is >= 0. */
static void hold_buffer(struct llm_hugemem *buf, double hold, double retouch_ms)
{
	double end = now_ms() + hold * 1e3;
	if (retouch_ms < 0) {
		if (hold < 0)
			pause();
		else if (hold > 0)
			usleep((useconds_t)(hold * 1e6));
		return;
	}
	for (char salt = 1; hold < 0 || now_ms() < end; ++salt) {
		touch_pages(buf, salt);
		usleep((useconds_t)(retouch_ms * 1e3));
	}
}

int main(int argc, char **argv)
{
	size_t mb = 64;
	const char *mode = "auto", *dir = NULL, *wait_cgroup = NULL;
	double hold = 0, retouch_ms = -1;
	int touch = 1;
	long steps = 1;
	for (int i = 1; i < argc; ++i) {
		if (!strcmp(argv[i], "--mb") && i + 1 < argc)
			mb = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--mode") && i + 1 < argc)
			mode = argv[++i];
		else if (!strcmp(argv[i], "--dir") && i + 1 < argc)
			dir = argv[++i];
		else if (!strcmp(argv[i], "--hold") && i + 1 < argc)
			hold = atof(argv[++i]);
		else if (!strcmp(argv[i], "--wait-cgroup") && i + 1 < argc)
			wait_cgroup = argv[++i];
		else if (!strcmp(argv[i], "--no-touch"))
			touch = 0;
		else if (!strcmp(argv[i], "--steps") && i + 1 < argc)
			steps = atol(argv[++i]);
		else if (!strcmp(argv[i], "--retouch-ms") && i + 1 < argc)
			retouch_ms = atof(argv[++i]);
		else {
			fprintf(stderr, "usage: %s [--mb N] [--mode auto|hugetlbfs|hugetlb|thp|4k] [--dir PATH] [--hold SEC] [--no-touch] [--wait-cgroup PREFIX] [--steps N] [--retouch-ms MS]\n", argv[0]);
			return 2;
		}
	}
	unsigned flags = 0;
	if (!strcmp(mode, "4k"))
		flags = LLM_HUGEMEM_NO_HUGETLB | LLM_HUGEMEM_NO_THP;
	else if (!strcmp(mode, "thp"))
		flags = LLM_HUGEMEM_NO_HUGETLB;
	else if (!strcmp(mode, "hugetlb"))
		dir = "";
	else if (!strcmp(mode, "hugetlbfs") && !dir)
		dir = getenv("LLM_SCHEDD_HUGETLBFS");
	for (int i = 0; wait_cgroup && !in_cgroup(wait_cgroup); ++i) {
		if (i == 1000) {
			fprintf(stderr, "weights: not moved into %s within 10 s\n", wait_cgroup);
			return 3;
		}
		usleep(10000);
	}
	for (long step = 0; step < steps; ++step) {
		struct llm_hugemem buf;
		long f0 = minflt();
		double t0 = now_ms();
		int err = llm_hugemem_alloc(&buf, mb << 20, dir, flags);
		if (err) {
			fprintf(stderr, "weights: allocation of %zu MiB failed: %s\n", mb, strerror(-err));
			return 1;
		}
		double t1 = now_ms();
		if (touch)
			touch_pages(&buf, 0);
		double t2 = now_ms();
		long faults = minflt() - f0;
		printf("kind=%s page_size=%zu len=%zu minflt=%ld alloc_ms=%.2f touch_ms=%.2f thp_bytes=%lld fallback_errno=%d\n",
		       llm_hugemem_kind_name(buf.kind), buf.page_size, buf.len, faults, t1 - t0, t2 - t1,
		       llm_hugemem_thp_bytes(&buf), buf.fallback_errno);
		fflush(stdout);
		if (step + 1 == steps)
			hold_buffer(&buf, hold, retouch_ms);
		llm_hugemem_free(&buf);
	}
	return 0;
}

