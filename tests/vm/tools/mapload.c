/* SPDX-License-Identifier: GPL-2.0-only */
/* Maps a model file as llama.cpp's loader does (read-only, MAP_SHARED,
 * MAP_POPULATE), or runs a command, and says what it cost: wall time and the
 * minor and major faults. The VM lane and bench/model-load.sh compare a model
 * in the page cache with its copy on hugetlbfs (llm-schedctl stage).
 *
 *   mapload FILE                   ms=.. minflt=.. majflt=.. page_kb=.. bytes=..
 *   mapload --exec CMD [ARGS...]   the same for CMD (page_kb=0), its exit status as rc=;
 *                                  CMD's own output goes to stderr
 *
 * page_kb is the kernel page size that backs the mapping (from smaps): 2048
 * on hugetlbfs 2 MiB pages, 4 on the page cache. Faults come from
 * getrusage/wait4, so they count only this process (or CMD and its
 * threads), never the rest of the machine. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* KernelPageSize of the mapping that starts at addr, in KiB (0 if unknown). */
static long page_kb(const void *addr)
{
	char line[256];
	long kb = 0;
	int inside = 0;
	FILE *f = fopen("/proc/self/smaps", "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof line, f)) {
		unsigned long start, end;
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2)
			inside = start == (uintptr_t)addr;
		else if (inside && sscanf(line, "KernelPageSize: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

static int map_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0 || st.st_size == 0) {
		perror(path);
		return 1;
	}
	struct rusage a, b;
	getrusage(RUSAGE_SELF, &a);
	double t0 = now_ms();
	void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
	double t1 = now_ms();
	getrusage(RUSAGE_SELF, &b);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	printf("ms=%.3f minflt=%ld majflt=%ld page_kb=%ld bytes=%lld\n", t1 - t0, b.ru_minflt - a.ru_minflt,
	       b.ru_majflt - a.ru_majflt, page_kb(p), (long long)st.st_size);
	munmap(p, (size_t)st.st_size);
	close(fd);
	return 0;
}

static int run(char **argv)
{
	double t0 = now_ms();
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		dup2(2, 1); /* this tool's stdout carries its one line only */
		execvp(argv[0], argv);
		perror(argv[0]);
		_exit(127);
	}
	int status;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("wait4");
		return 1;
	}
	printf("ms=%.3f minflt=%ld majflt=%ld page_kb=0 rc=%d\n", now_ms() - t0, ru.ru_minflt, ru.ru_majflt,
	       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "--exec"))
		return run(argv + 2);
	if (argc == 2 && argv[1][0] != '-')
		return map_file(argv[1]);
	fprintf(stderr, "usage: %s FILE | --exec CMD [ARGS...]\n", argv[0]);
	return 2;
}
