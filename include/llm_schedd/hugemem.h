/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Large buffers (model weights, KV caches) on the best huge pages the host
 * offers, falling back step by step:
 *
 *   1. a file on a hugetlbfs mount (the class's, from the policy), or
 *   2. anonymous MAP_HUGETLB memory from the default hugetlb pool;
 *      both are reserved at mmap() time, so a short pool fails here, not
 *      with SIGBUS later;
 *   3. transparent huge pages: a 2 MiB-aligned mapping with MADV_HUGEPAGE,
 *      and MADV_COLLAPSE (Linux 6.1+) once populated;
 *   4. ordinary 4 KiB pages.
 *
 *   struct llm_hugemem buf;
 *   if (llm_hugemem_alloc(&buf, 8ULL << 30, NULL, LLM_HUGEMEM_POPULATE) == 0)
 *       printf("weights on %s\n", llm_hugemem_kind_name(buf.kind));
 *   ...
 *   llm_hugemem_free(&buf);
 *
 * The hugetlbfs directory is the argument, or else $LLM_SCHEDD_HUGETLBFS;
 * with neither, step 1 is skipped. Thread-safe; no global state.
 * Link with -lllm_schedd_client.
 */
#ifndef LLM_SCHEDD_HUGEMEM_H
#define LLM_SCHEDD_HUGEMEM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum llm_hugemem_kind {
	LLM_HUGEMEM_HUGETLBFS = 1, /* a file on a hugetlbfs mount */
	LLM_HUGEMEM_HUGETLB = 2,   /* anonymous MAP_HUGETLB */
	LLM_HUGEMEM_THP = 3,       /* transparent huge pages (advised) */
	LLM_HUGEMEM_SMALL = 4,     /* base pages */
};

/* Flags. */
#define LLM_HUGEMEM_POPULATE 0x1u    /* touch every page now (and collapse THP) */
#define LLM_HUGEMEM_NO_HUGETLB 0x2u  /* skip steps 1 and 2 */
#define LLM_HUGEMEM_NO_THP 0x4u      /* skip step 3 */

struct llm_hugemem {
	void *addr;
	size_t len;        /* mapped length: the request rounded up to page_size */
	size_t page_size;  /* of the kind it got: hugetlb's or 2 MiB for THP, else 4 KiB */
	enum llm_hugemem_kind kind;
	int fallback_errno; /* why the step before the one it got failed (0 if none) */
};

/*
 * Maps at least `bytes` bytes. hugetlbfs_dir may be NULL. Returns 0, or
 * -errno if even base pages could not be mapped.
 */
int llm_hugemem_alloc(struct llm_hugemem *buf, size_t bytes, const char *hugetlbfs_dir, unsigned flags);

/* Unmaps; safe to call twice. */
void llm_hugemem_free(struct llm_hugemem *buf);

/*
 * How much of the buffer the kernel backs with transparent huge pages right
 * now (AnonHugePages from /proc/self/smaps); -errno on failure.
 */
long long llm_hugemem_thp_bytes(const struct llm_hugemem *buf);

/*
 * Stages a file (model weights) onto a hugetlbfs mount, so that a loader
 * that mmap()s it (llama.cpp does) maps huge pages instead of page cache.
 * hugetlbfs takes no write(2): the copy is read(2) into a shared mapping of
 * the new file. The file's length is rounded up to whole huge pages with
 * zeros (hugetlbfs has no other lengths); GGUF readers ignore the tail, a
 * format that checks its exact length must be told the source's.
 *
 * The copy is written under a hidden temporary name and renamed into place,
 * so no reader ever maps half a model, and removed if anything fails. A
 * staged copy whose length and modification time already match the source
 * is kept as it is (return 1). A reader that still maps an older copy keeps
 * its pages until it unmaps them: the pool must hold both meanwhile.
 *
 * hugetlbfs_dir may be NULL: then $LLM_SCHEDD_HUGETLBFS. dst receives the
 * staged path (dst_len bytes; may be NULL). Returns 0 (copied), 1 (already
 * staged), or -errno: -ENOTSUP (the directory is not hugetlbfs), -ENOMEM
 * (the pool or the mount's size is short), -EINVAL (no directory given, or
 * the source is not a non-empty regular file), -EAGAIN (the source changed
 * during the copy), -ENAMETOOLONG (dst too short), or what open, read or
 * rename failed with.
 */
int llm_hugemem_stage(const char *src, const char *hugetlbfs_dir, char *dst, size_t dst_len);

/* "hugetlbfs", "hugetlb", "thp", "4k". */
const char *llm_hugemem_kind_name(enum llm_hugemem_kind kind);

#ifdef __cplusplus
}
#endif

#endif
