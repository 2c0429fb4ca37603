/* SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE
#include "llm_schedd/hugemem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif
#ifndef HUGETLBFS_MAGIC
#define HUGETLBFS_MAGIC 0x958458f6
#endif

#define THP_SIZE (2UL << 20)

static size_t round_up(size_t n, size_t to) { return (n + to - 1) / to * to; }

static size_t default_hugepage_size(void)
{
	FILE *f = fopen("/proc/meminfo", "re");
	char line[128];
	size_t kb = 0;
	if (!f)
		return 2UL << 20;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "Hugepagesize: %zu kB", &kb) == 1)
			break;
	fclose(f);
	return kb ? kb * 1024 : 2UL << 20;
}

static void populate(void *addr, size_t len, size_t step)
{
	volatile char *p = addr;
	for (size_t off = 0; off < len; off += step)
		p[off] = 0;
}

/* The huge page size of a hugetlbfs mount, or -ENOTSUP if dir is not one. */
static long hugetlbfs_page_size(const char *dir)
{
	struct statfs sfs;
	if (statfs(dir, &sfs) != 0)
		return -errno;
	if ((unsigned long)sfs.f_type != HUGETLBFS_MAGIC)
		return -ENOTSUP;
	return (long)sfs.f_bsize;
}

/* Step 1: an unlinked file on hugetlbfs; the mapping keeps the pages. */
static int try_hugetlbfs(struct llm_hugemem *buf, size_t bytes, const char *dir)
{
	long got = hugetlbfs_page_size(dir);
	if (got < 0)
		return (int)got;
	size_t page = (size_t)got;
	char path[4096];
	if (snprintf(path, sizeof path, "%s/llm-hugemem.XXXXXX", dir) >= (int)sizeof path)
		return -ENAMETOOLONG;
	int fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	unlink(path);
	size_t len = round_up(bytes, page);
	int err = 0;
	if (ftruncate(fd, (off_t)len) != 0) {
		err = -errno;
	} else {
		void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED) {
			err = -errno; /* ENOMEM: the pool or the mount's size is short */
		} else {
			buf->addr = p;
			buf->len = len;
			buf->page_size = page;
			buf->kind = LLM_HUGEMEM_HUGETLBFS;
		}
	}
	close(fd);
	return err;
}

/* Step 2: anonymous memory from the default pool. */
static int try_map_hugetlb(struct llm_hugemem *buf, size_t bytes)
{
	size_t page = default_hugepage_size();
	size_t len = round_up(bytes, page);
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	buf->addr = p;
	buf->len = len;
	buf->page_size = page;
	buf->kind = LLM_HUGEMEM_HUGETLB;
	return 0;
}

/* Steps 3 and 4: a 2 MiB-aligned mapping, so every extent can be a huge page. */
static int map_anonymous(struct llm_hugemem *buf, size_t bytes, int thp)
{
	size_t len = round_up(bytes, thp ? THP_SIZE : (size_t)sysconf(_SC_PAGESIZE));
	size_t slack = thp ? THP_SIZE : 0;
	char *raw = mmap(NULL, len + slack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return -errno;
	char *p = raw;
	if (slack) {
		p = (char *)round_up((uintptr_t)raw, THP_SIZE);
		if (p > raw)
			munmap(raw, (size_t)(p - raw));
		size_t tail = (size_t)(raw + len + slack - (p + len));
		if (tail)
			munmap(p + len, tail);
	}
	buf->addr = p;
	buf->len = len;
	buf->page_size = (size_t)sysconf(_SC_PAGESIZE);
	buf->kind = LLM_HUGEMEM_SMALL;
	if (thp && madvise(p, len, MADV_HUGEPAGE) == 0) {
		buf->kind = LLM_HUGEMEM_THP;
		buf->page_size = THP_SIZE;
	}
	return 0;
}

int llm_hugemem_alloc(struct llm_hugemem *buf, size_t bytes, const char *hugetlbfs_dir, unsigned flags)
{
	int err = 0;
	if (!buf || bytes == 0)
		return -EINVAL;
	memset(buf, 0, sizeof *buf);
	if (!hugetlbfs_dir)
		hugetlbfs_dir = getenv("LLM_SCHEDD_HUGETLBFS");
	if (!(flags & LLM_HUGEMEM_NO_HUGETLB)) {
		if (hugetlbfs_dir && *hugetlbfs_dir)
			err = try_hugetlbfs(buf, bytes, hugetlbfs_dir);
		if (!buf->addr)
			err = try_map_hugetlb(buf, bytes);
	}
	if (!buf->addr) {
		int e = map_anonymous(buf, bytes, !(flags & LLM_HUGEMEM_NO_THP));
		if (e)
			return e;
		if (buf->kind == LLM_HUGEMEM_SMALL && !(flags & LLM_HUGEMEM_NO_THP) && !err)
			err = -EINVAL; /* madvise refused: THP is off in this kernel */
	}
	buf->fallback_errno = err < 0 ? -err : 0;
	if (flags & LLM_HUGEMEM_POPULATE) {
		populate(buf->addr, buf->len, buf->kind == LLM_HUGEMEM_THP ? (size_t)sysconf(_SC_PAGESIZE) : buf->page_size);
		/* Whatever the fault path left as small pages, khugepaged would
		 * collapse some time later; do it now. Failure is harmless. */
		if (buf->kind == LLM_HUGEMEM_THP)
			madvise(buf->addr, buf->len, MADV_COLLAPSE);
	}
	return 0;
}

void llm_hugemem_free(struct llm_hugemem *buf)
{
	if (!buf || !buf->addr)
		return;
	munmap(buf->addr, buf->len);
	buf->addr = NULL;
	buf->len = 0;
}

long long llm_hugemem_thp_bytes(const struct llm_hugemem *buf)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	char line[256];
	long long total = 0;
	int inside = 0;
	if (!f)
		return -errno;
	uintptr_t lo = (uintptr_t)buf->addr, hi = lo + buf->len;
	while (fgets(line, sizeof line, f)) {
		unsigned long start, end;
		long long kb;
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2)
			inside = start >= lo && end <= hi;
		else if (inside && sscanf(line, "AnonHugePages: %lld kB", &kb) == 1)
			total += kb * 1024;
	}
	fclose(f);
	return total;
}

static int same_version(const struct stat *a, const struct stat *b)
{
	return a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Reads the whole source into the mapping; the source's length was taken
 * before, so a file that shrinks meanwhile is an error, not a short copy. */
static int read_all(int in, char *to, size_t size)
{
	size_t off = 0;
	while (off < size) {
		size_t chunk = size - off < (64UL << 20) ? size - off : (64UL << 20);
		ssize_t n = read(in, to + off, chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EAGAIN;
		off += (size_t)n;
	}
	return 0;
}

int llm_hugemem_stage(const char *src, const char *hugetlbfs_dir, char *dst, size_t dst_len)
{
	if (!src)
		return -EINVAL;
	if (!hugetlbfs_dir)
		hugetlbfs_dir = getenv("LLM_SCHEDD_HUGETLBFS");
	if (!hugetlbfs_dir || !*hugetlbfs_dir)
		return -EINVAL;
	const long got = hugetlbfs_page_size(hugetlbfs_dir);
	if (got < 0)
		return (int)got;
	const size_t page = (size_t)got;

	const char *slash = strrchr(src, '/');
	const char *name = slash ? slash + 1 : src;
	char final[4096], tmp[4096];
	if (!*name || snprintf(final, sizeof final, "%s/%s", hugetlbfs_dir, name) >= (int)sizeof final ||
	    snprintf(tmp, sizeof tmp, "%s/.%s.staging-XXXXXX", hugetlbfs_dir, name) >= (int)sizeof tmp)
		return -ENAMETOOLONG;
	if (dst && snprintf(dst, dst_len, "%s", final) >= (int)dst_len)
		return -ENAMETOOLONG;

	int in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	struct stat before, staged;
	if (fstat(in, &before) != 0 || !S_ISREG(before.st_mode) || before.st_size == 0) {
		close(in);
		return -EINVAL;
	}
	const size_t size = (size_t)before.st_size, len = round_up(size, page);
	if (stat(final, &staged) == 0 && S_ISREG(staged.st_mode) && (size_t)staged.st_size == len &&
	    same_version(&staged, &before)) {
		close(in);
		return 1;
	}

	int err = 0;
	int out = mkostemp(tmp, O_CLOEXEC);
	if (out < 0) {
		err = -errno;
		close(in);
		return err;
	}
	void *p = MAP_FAILED;
	if (fchmod(out, 0644) != 0 || ftruncate(out, (off_t)len) != 0)
		err = -errno;
	else if ((p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, out, 0)) == MAP_FAILED)
		err = -errno; /* ENOMEM: hugetlbfs reserves every page here */
	else
		err = read_all(in, p, size);
	if (p != MAP_FAILED)
		munmap(p, len);

	/* The copy is good only if the source did not change under it. */
	struct stat after;
	if (!err && (fstat(in, &after) != 0 || after.st_size != before.st_size || !same_version(&after, &before)))
		err = -EAGAIN;
	const struct timespec times[2] = { before.st_atim, before.st_mtim };
	if (!err && futimens(out, times) != 0)
		err = -errno;
	if (!err && rename(tmp, final) != 0)
		err = -errno;
	if (err)
		unlink(tmp);
	close(out);
	close(in);
	return err;
}

const char *llm_hugemem_kind_name(enum llm_hugemem_kind kind)
{
	switch (kind) {
	case LLM_HUGEMEM_HUGETLBFS: return "hugetlbfs";
	case LLM_HUGEMEM_HUGETLB: return "hugetlb";
	case LLM_HUGEMEM_THP: return "thp";
	case LLM_HUGEMEM_SMALL: return "4k";
	}
	return "?";
}
