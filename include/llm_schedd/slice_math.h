/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Slice and latency arithmetic shared by the BPF scheduler and the daemon.
 * Static inline, integer-only, no loops the verifier cannot bound, so the
 * same code runs in BPF and in the Catch2 unit tests.
 */
#ifndef LLM_SCHEDD_SLICE_MATH_H
#define LLM_SCHEDD_SLICE_MATH_H

#include "intf.h"

/* Keeps clang from folding a bounds check away before the verifier sees it. */
#ifdef __bpf__
#define LLM_VERIFIER_BARRIER(v) asm volatile("" : "+r"(v))
#else
#define LLM_VERIFIER_BARRIER(v) ((void)0)
#endif

/* ewma' = ewma + w*(sample - ewma), w = ewma_q10/1024; the first sample seeds it. */
static inline __u64 llm_ewma_update(__u64 ewma, __u64 sample, __u32 ewma_q10, __u64 nr_samples)
{
	if (nr_samples == 0 || ewma_q10 >= 1024)
		return sample;
	if (sample >= ewma)
		return ewma + (((sample - ewma) * ewma_q10) >> 10);
	return ewma - (((ewma - sample) * ewma_q10) >> 10);
}

static inline __u64 llm_clamp_u64(__u64 v, __u64 lo, __u64 hi)
{
	if (v < lo)
		return lo;
	if (v > hi)
		return hi;
	return v;
}

/* The slice a task gets next: fixed, or clamp(scale * ewma, min, max). */
static inline __u64 llm_slice_for(const struct llm_class *c, __u64 ewma_ns, __u64 nr_samples)
{
	if (c->slice_mode != LLM_SLICE_HISTORY || nr_samples == 0)
		return c->slice_ns;
	return llm_clamp_u64((ewma_ns * c->scale_q10) >> 10, c->slice_min_ns, c->slice_max_ns);
}

/* log2 bucket of a latency in ns: bucket b holds [2^b, 2^(b+1)). */
static inline __u32 llm_lat_bucket(__u64 ns)
{
	__u32 b = 0;

	if (ns >> 32) { ns >>= 32; b += 32; }
	if (ns >> 16) { ns >>= 16; b += 16; }
	if (ns >> 8) { ns >>= 8; b += 8; }
	if (ns >> 4) { ns >>= 4; b += 4; }
	if (ns >> 2) { ns >>= 2; b += 2; }
	if (ns >> 1) { b += 1; }
	return b < LLM_LAT_BUCKETS ? b : LLM_LAT_BUCKETS - 1;
}

static inline int llm_cpumask_test(const struct llm_cpumask *m, __u32 cpu)
{
	__u32 word;

	if (cpu >= LLM_MAX_CPUS)
		return 0;
	word = cpu / 64;
	LLM_VERIFIER_BARRIER(word);
	return (m->bits[word & (LLM_CPU_WORDS - 1)] >> (cpu % 64)) & 1;
}

/* Whether a timer slack value is a phase mark (see intf.h). */
static inline int llm_slack_is_mark(__u64 slack_ns)
{
	return slack_ns >= LLM_PHASE_SLACK_BASE && slack_ns < LLM_PHASE_SLACK_BASE + LLM_PHASE_SLACK_CODES &&
	       ((slack_ns - LLM_PHASE_SLACK_BASE) & 3) < LLM_NR_PHASES;
}

/* Whether a mark is for the whole process. */
static inline int llm_slack_is_process(__u64 slack_ns)
{
	return llm_slack_is_mark(slack_ns) && ((slack_ns - LLM_PHASE_SLACK_BASE) & LLM_PHASE_SLACK_PROCESS);
}

/* Phase encoded in a thread's timer slack, or LLM_PHASE_NONE. */
static inline __u32 llm_phase_from_slack(__u64 slack_ns)
{
	if (!llm_slack_is_mark(slack_ns))
		return LLM_PHASE_NONE;
	return (__u32)((slack_ns - LLM_PHASE_SLACK_BASE) & 3);
}

/* The mark for `phase` (and the process, if `process`) that differs from
 * `current`, the thread's slack now: the toggle is flipped if `current` is
 * a mark, so the scheduler sees a change even when the phase repeats. */
static inline __u64 llm_slack_mark(__u32 phase, int process, __u64 current)
{
	__u64 toggle = 0;

	if (llm_slack_is_mark(current))
		toggle = ((current - LLM_PHASE_SLACK_BASE) & LLM_PHASE_SLACK_TOGGLE) ^ LLM_PHASE_SLACK_TOGGLE;
	return LLM_PHASE_SLACK_BASE + (phase & 3) + (process ? LLM_PHASE_SLACK_PROCESS : 0) + toggle;
}

#endif /* LLM_SCHEDD_SLICE_MATH_H */
