/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The few sched_ext helpers llm_sched needs, written for this project so the
 * build does not depend on the kernel source tree's tools/sched_ext headers.
 *
 * Kernel 6.12 named the dispatch kfuncs scx_bpf_dispatch*, 6.13 renamed them
 * scx_bpf_dsq_insert*, and 7.1 added an enq_flags argument to
 * scx_bpf_dsq_move_to_local (exported as ...___v2 in 7.3's BTF, beside the
 * old names; libbpf 1.4 looks an extern up by its name without the ___
 * suffix and so binds the old ones, which 7.3 still has). Every
 * variant is declared __weak; bpf_ksym_exists() is folded to a constant when
 * libbpf loads the program, so the verifier only sees the branch for the
 * running kernel.
 */
#ifndef LLM_SCX_COMPAT_BPF_H
#define LLM_SCX_COMPAT_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "llm_schedd/intf.h"

/*
 * Enqueue flags are read from the running kernel's BTF (CO-RE), not taken
 * from the header: their values moved between kernels (SCX_ENQ_HEAD is
 * 1 << 4 on 6.12 and 1 << 16 on 7.x), and a stale bit is silently a
 * different flag. The other SCX_* constants this program uses (DSQ ids,
 * kick flags, SCX_SLICE_DFL, SCX_TASK_QUEUED, SCX_OPS_ENQ_LAST) are equal
 * on 6.12 and 7.3; scripts/check-kernel-enums.sh compares them.
 */
#define LLM_ENQ_HEAD bpf_core_enum_value(enum scx_enq_flags, SCX_ENQ_HEAD)
#define LLM_ENQ_PREEMPT bpf_core_enum_value(enum scx_enq_flags, SCX_ENQ_PREEMPT)
#define LLM_ENQ_LAST bpf_core_enum_value(enum scx_enq_flags, SCX_ENQ_LAST)

/*
 * Index clamp for arrays inside map values. clang may compute &a[i] before
 * the bounds check it was written after; the empty asm pins the value and
 * the mask (sizes are powers of two) gives the verifier a bound it can see.
 */
#define barrier_var(var) asm volatile("" : "+r"(var))
#define LLM_IDX(i, size) ({ u32 ___i = (i); barrier_var(___i); ___i & ((size) - 1); })

/*
 * Before 6.15 (SCX_OPS_ENQ_MIGRATION_DISABLED), a task that disabled its
 * migration still reaches ops.enqueue, and sending it to another CPU's
 * local queue is a scheduler error that ejects us ("cannot move migration
 * disabled"). Its cpus_ptr may not show it yet, so the count is read. BPF
 * itself runs with migration disabled, so for the current task a count of
 * one is our own program, not the task's.
 */
static __always_inline bool llm_migration_disabled(const struct task_struct *p)
{
	if (!bpf_core_field_exists(p->migration_disabled))
		return false;
	if (p->migration_disabled == 1)
		return bpf_get_current_task_btf() != p;
	return p->migration_disabled > 1;
}

/* 6.12 names (absent from the 7.3 BTF the header was generated from). */
void scx_bpf_dispatch(struct task_struct *p, u64 dsq_id, u64 slice, u64 enq_flags) __weak __ksym;
void scx_bpf_dispatch_vtime(struct task_struct *p, u64 dsq_id, u64 slice, u64 vtime,
			    u64 enq_flags) __weak __ksym;
bool scx_bpf_consume(u64 dsq_id) __weak __ksym;

static __always_inline void llm_dsq_insert(struct task_struct *p, u64 dsq_id, u64 slice,
					   u64 enq_flags)
{
	if (bpf_ksym_exists(scx_bpf_dsq_insert___v2))
		scx_bpf_dsq_insert___v2(p, dsq_id, slice, enq_flags);
	else if (bpf_ksym_exists(scx_bpf_dsq_insert))
		scx_bpf_dsq_insert(p, dsq_id, slice, enq_flags);
	else
		scx_bpf_dispatch(p, dsq_id, slice, enq_flags);
}

static __always_inline void llm_dsq_insert_vtime(struct task_struct *p, u64 dsq_id, u64 slice,
						 u64 vtime, u64 enq_flags)
{
	if (bpf_ksym_exists(scx_bpf_dsq_insert_vtime))
		scx_bpf_dsq_insert_vtime(p, dsq_id, slice, vtime, enq_flags);
	else
		scx_bpf_dispatch_vtime(p, dsq_id, slice, vtime, enq_flags);
}

static __always_inline bool llm_dsq_move_to_local(u64 dsq_id)
{
	if (bpf_ksym_exists(scx_bpf_dsq_move_to_local___v2))
		return scx_bpf_dsq_move_to_local___v2(dsq_id, 0);
	if (bpf_ksym_exists(scx_bpf_dsq_move_to_local))
		return scx_bpf_dsq_move_to_local(dsq_id);
	return scx_bpf_consume(dsq_id);
}

/* Moving a task found by a DSQ iterator: 6.12's name, then 6.13's. */
bool scx_bpf_dispatch_from_dsq(struct bpf_iter_scx_dsq *it__iter, struct task_struct *p, u64 dsq_id,
			       u64 enq_flags) __weak __ksym;

static __always_inline bool llm_dsq_move(struct bpf_iter_scx_dsq *it, struct task_struct *p, u64 dsq_id,
					 u64 enq_flags)
{
	if (bpf_ksym_exists(scx_bpf_dsq_move))
		return scx_bpf_dsq_move(it, p, dsq_id, enq_flags);
	return scx_bpf_dispatch_from_dsq(it, p, dsq_id, enq_flags);
}

#define BPF_FOR_EACH_ITER (&___it)

/* Re-enqueues the tasks waiting in this CPU's local DSQ (from
 * ops.cpu_release). 7.x made it void and callable from more places. */
static __always_inline void llm_reenqueue_local(void)
{
	if (bpf_ksym_exists(scx_bpf_reenqueue_local___v2))
		scx_bpf_reenqueue_local___v2();
	else
		scx_bpf_reenqueue_local();
}

/* The task running on a CPU: scx_bpf_cpu_curr() (6.18+) or, before it,
 * scx_bpf_cpu_rq()->curr. NULL if the kernel has neither. */
struct rq *scx_bpf_cpu_rq(s32 cpu) __weak __ksym;

static __always_inline struct task_struct *llm_cpu_curr(s32 cpu)
{
	if (bpf_ksym_exists(scx_bpf_cpu_curr))
		return scx_bpf_cpu_curr(cpu);
	if (bpf_ksym_exists(scx_bpf_cpu_rq)) {
		struct rq *rq = scx_bpf_cpu_rq(cpu);

		return rq ? BPF_CORE_READ(rq, curr) : NULL;
	}
	return NULL;
}

/* scx_bpf_now() (6.14+) reads the run queue's cached clock; before it,
 * bpf_ktime_get_ns(), the same clock read afresh, a little slower per call. */
static __always_inline u64 llm_now(void)
{
	if (bpf_ksym_exists(scx_bpf_now))
		return scx_bpf_now();
	return bpf_ktime_get_ns();
}

/* Which variants the running kernel has (intf.h's llm_kernel_feature). */
static __always_inline u32 llm_kernel_features(void)
{
	u32 f = 0;

	/* One test per kfunc, with f pinned between them: clang folds
	 * "a || b" over two ksym addresses into "(a | b) != 0", and the
	 * verifier refuses bitwise operations on pointers. */
	if (bpf_ksym_exists(scx_bpf_dsq_insert))
		f |= LLM_KF_DSQ_INSERT;
	barrier_var(f);
	if (bpf_ksym_exists(scx_bpf_dsq_insert___v2))
		f |= LLM_KF_DSQ_INSERT;
	barrier_var(f);
	if (bpf_ksym_exists(scx_bpf_dsq_move_to_local___v2))
		f |= LLM_KF_MOVE_TO_LOCAL_V2;
	if (bpf_ksym_exists(scx_bpf_dsq_move))
		f |= LLM_KF_DSQ_MOVE;
	if (bpf_ksym_exists(scx_bpf_now))
		f |= LLM_KF_NOW;
	if (bpf_ksym_exists(scx_bpf_cpu_curr))
		f |= LLM_KF_CPU_CURR;
	if (bpf_core_field_exists(struct task_struct, migration_disabled))
		f |= LLM_KF_MIGRATION_FIELD;
	if (bpf_core_enum_value_exists(enum scx_ops_flags, SCX_OPS_ENQ_MIGRATION_DISABLED))
		f |= LLM_KF_MIGRATION_BY_KERNEL;
	if (bpf_ksym_exists(scx_bpf_events))
		f |= LLM_KF_EVENTS;
	if (bpf_core_field_exists(struct rq, ext_server))
		f |= LLM_KF_EXT_SERVER;
	return f;
}

/* Formatted scx_bpf_error()/scx_bpf_exit(): arguments go through a u64 array. */
#define LLM_BSTR_PREAMBLE(fmt, args...)                                            \
	static char ___fmt[] = fmt;                                                \
	unsigned long long ___param[___bpf_narg(args)] = {};                       \
	_Pragma("GCC diagnostic push")                                             \
	_Pragma("GCC diagnostic ignored \"-Wint-conversion\"")                     \
	___bpf_fill(___param, args);                                               \
	_Pragma("GCC diagnostic pop")

#define llm_error(fmt, args...)                                                    \
	({                                                                         \
		LLM_BSTR_PREAMBLE(fmt, ##args)                                     \
		scx_bpf_error_bstr(___fmt, ___param, sizeof(___param));            \
	})

#define BPF_STRUCT_OPS(name, args...) SEC("struct_ops/" #name) BPF_PROG(name, ##args)
#define BPF_STRUCT_OPS_SLEEPABLE(name, args...) SEC("struct_ops.s/" #name) BPF_PROG(name, ##args)

#ifndef READ_ONCE
#define READ_ONCE(x) (*(volatile typeof(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile typeof(x) *)&(x) = (v))
#endif

#ifndef likely
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif

#endif /* LLM_SCX_COMPAT_BPF_H */
