/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * State shared by the parts of llm_sched (classify, placement, guard and
 * the ops in llm_sched.bpf.c), which are one translation unit: this header
 * defines the maps and globals, the per-CPU and per-class records, and the
 * small accessors everything else uses.
 *
 * Lookups of array maps with an index below their size cannot fail; the
 * plain accessors call scx_bpf_error() if one does anyway, so a broken
 * invariant ejects the scheduler with a message instead of going unseen.
 * Task storage can be missing for a task that is exiting, so
 * task_ctx_may_fail() is the one lookup whose NULL is normal.
 */
#ifndef LLM_STATE_BPF_H
#define LLM_STATE_BPF_H

#include "scx_compat.bpf.h"
#include "llm_schedd/intf.h"
#include "llm_schedd/slice_math.h"

#define DSQ_BASE 0x100ULL
#define CLASS_NONE ((u32)-1)        /* idle, between tasks, or another sched class */
#define CLASS_KTHREAD ((u32)-2)     /* a kernel thread, which has no class */
#define PRIO_UNPREEMPTIBLE 100      /* above every class (0..99): never chosen as a victim */
#define PF_KTHREAD 0x00200000
#define MAX_RT_PRIO 100             /* task prio below this: RT, deadline or stop */

const volatile __u32 nr_cpus = 1;           /* possible CPUs, set by the loader */
const volatile __u64 fault_error_after = 0; /* test only: scx_bpf_error after N dispatches */

__u32 active_slot;              /* written by the daemon */
struct llm_exit_info exit_info; /* filled by ops.exit */
__u64 nr_dispatches_total;
__u64 hotplug_seq;              /* bumped on every CPU on/offline; the daemon polls it */
/* -1: offline (set by the daemon before attach, or by ops.cpu_offline), 1: came online, 0: no news. */
__s8 cpu_hotplug_state[LLM_MAX_CPUS];
/* Dispatches that found their policy slot rewritten under them; the
 * daemon's push protocol keeps it at 0 (see BpfScheduler::push). */
__u64 torn_reads;
/* enum llm_kernel_feature bits: which kfunc variants this kernel has (ops.init). */
__u32 kernel_features;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LLM_POLICY_SLOTS);
	__type(key, u32);
	__type(value, struct llm_policy);
} policy SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct llm_task_ctx);
} task_ctxs SEC(".maps");

/* Process marks and marks set for threads from outside (see placement.bpf.h).
 * Written here and by the daemon; value: enum llm_phase. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LLM_MAX_MARKS);
	__type(key, u64);
	__type(value, u32);
} phase_marks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LLM_MAX_CLASSES);
	__type(key, u32);
	__type(value, struct llm_class_stats);
} class_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct llm_sched_stats);
} sched_stats SEC(".maps");

/*
 * Read and written by other CPUs without locks. Each field is one aligned
 * word, so a reader sees an old or a new value, never a mix; the races that
 * follow are accepted where they happen (see pick_victim and the guard).
 */
struct cpu_state {
	u32 running_class;  /* CLASS_NONE, CLASS_KTHREAD or the running task's class */
	u32 running_prio;   /* its priority; PRIO_UNPREEMPTIBLE for guard runs and kernel threads */
	u64 window;         /* the guard window this CPU last entered */
	u64 share_left_ns;  /* what lower classes may still take in this window */
	u64 rescue_id;      /* bumped at each guard run; its slice timer checks it */
	u32 guard_active;   /* serving the guard until nothing is due */
	u32 held;           /* between ops.cpu_release and ops.cpu_acquire */
	u32 borrowed;       /* its task borrows it from its class's other phase */
	u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LLM_MAX_CPUS);
	__type(key, u32);
	__type(value, struct cpu_state);
} cpu_states SEC(".maps");

struct class_state {
	u64 vtime_now; /* fair order: the class's virtual clock */
	s64 nr_runnable;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LLM_MAX_CLASSES);
	__type(key, u32);
	__type(value, struct class_state);
} class_states SEC(".maps");

/* ---- accessors ------------------------------------------------------- */

static __always_inline u64 dsq_of(u32 cls, u32 queue)
{
	return DSQ_BASE + (u64)cls * LLM_NR_QUEUES + queue;
}

static __always_inline struct llm_policy *cur_policy(void)
{
	u32 slot = READ_ONCE(active_slot) & 1;

	return bpf_map_lookup_elem(&policy, &slot);
}

static __always_inline struct llm_class *class_of(struct llm_policy *pol, u32 cls)
{
	if (cls >= LLM_MAX_CLASSES)
		return NULL;
	return &pol->classes[LLM_IDX(cls, LLM_MAX_CLASSES)];
}

/* The class at position `rank` from the top priority; NULL past the end. */
static __always_inline struct llm_class *class_at_rank(struct llm_policy *pol, u32 rank, u32 *cls)
{
	if (rank >= LLM_MAX_CLASSES || rank >= pol->nr_classes)
		return NULL;
	*cls = pol->prio_order[LLM_IDX(rank, LLM_MAX_CLASSES)];
	return class_of(pol, *cls);
}

/* Classes at the top priority run first; the guard alone bounds their waits. */
static __always_inline u32 top_priority(struct llm_policy *pol)
{
	struct llm_class *c = class_of(pol, pol->prio_order[0]);

	return c ? c->priority : 0;
}

static __always_inline struct llm_class_stats *stats_of(u32 cls)
{
	struct llm_class_stats *st;

	if (cls >= LLM_MAX_CLASSES)
		return NULL;
	st = bpf_map_lookup_elem(&class_stats, &cls);
	if (!st)
		llm_error("llm_sched: no stats slot for class %u", cls);
	return st;
}

/* stat_inc(cls, field): one counter of a class on this CPU. */
#define stat_inc(cls, field)                                                       \
	({                                                                         \
		struct llm_class_stats *___st = stats_of(cls);                     \
		if (___st)                                                         \
			___st->field++;                                            \
	})

static __always_inline struct llm_sched_stats *sched_stats_here(void)
{
	u32 zero = 0;
	struct llm_sched_stats *st = bpf_map_lookup_elem(&sched_stats, &zero);

	if (!st)
		llm_error("llm_sched: no scheduler stats slot");
	return st;
}

#define sched_stat_inc(field)                                                      \
	({                                                                         \
		struct llm_sched_stats *___s = sched_stats_here();                 \
		if (___s)                                                          \
			___s->field++;                                             \
	})

static __always_inline struct class_state *cstate_of(u32 cls)
{
	struct class_state *cs;

	if (cls >= LLM_MAX_CLASSES)
		return NULL;
	cs = bpf_map_lookup_elem(&class_states, &cls);
	if (!cs)
		llm_error("llm_sched: no state slot for class %u", cls);
	return cs;
}

/* NULL for a CPU number out of range, which callers treat as "no CPU". */
static __always_inline struct cpu_state *cpu_state_may_fail(s32 cpu)
{
	u32 key = cpu;

	if (cpu < 0 || cpu >= LLM_MAX_CPUS)
		return NULL;
	return bpf_map_lookup_elem(&cpu_states, &key);
}

static __always_inline struct cpu_state *cpu_state_of(s32 cpu)
{
	struct cpu_state *cst = cpu_state_may_fail(cpu);

	if (!cst)
		llm_error("llm_sched: no state for CPU %d", cpu);
	return cst;
}

/* NULL is normal here: a task that is exiting may have lost its storage. */
static __always_inline struct llm_task_ctx *task_ctx_may_fail(struct task_struct *p)
{
	return bpf_task_storage_get(&task_ctxs, p, 0, 0);
}

static __always_inline u32 lim_cpus(void)
{
	return nr_cpus < LLM_MAX_CPUS ? nr_cpus : LLM_MAX_CPUS;
}

/* Not known to be offline. An offline CPU is never claimed nor sent a task:
 * the kernel would move such a task to its global queue, which every CPU
 * drains before asking this scheduler, ahead of all classes. */
static __always_inline bool cpu_usable(s32 cpu)
{
	return cpu >= 0 && cpu < LLM_MAX_CPUS && cpu_hotplug_state[LLM_IDX(cpu, LLM_MAX_CPUS)] >= 0;
}

static __always_inline bool is_kthread(struct task_struct *p)
{
	return p->flags & PF_KTHREAD;
}

static __always_inline bool is_percpu_kthread(struct task_struct *p)
{
	return is_kthread(p) && p->nr_cpus_allowed == 1;
}

static __always_inline bool cpu_in_queue(struct llm_class *c, u32 q, s32 cpu)
{
	if (q == LLM_PHASE_ANY)
		return true;
	if (q >= LLM_NR_QUEUES)
		return false;
	return llm_cpumask_test(&c->cpus[LLM_IDX(q, LLM_NR_QUEUES)], cpu);
}

/* The other phase of a phase queue; LLM_NR_QUEUES for the rest. */
static __always_inline u32 sibling_queue(u32 q)
{
	if (q == LLM_PHASE_FORWARD)
		return LLM_PHASE_BACKWARD;
	if (q == LLM_PHASE_BACKWARD)
		return LLM_PHASE_FORWARD;
	return LLM_NR_QUEUES;
}

/*
 * Soft phase sets: a task of phase queue q may use a CPU of its class's
 * other phase while that phase has nothing waiting in its queue. Accepted
 * race: the queue is read without a lock, so an owner queued a moment ago
 * may be missed; it then takes the CPU back through pick_victim or at the
 * borrower's next tick, and the guard bounds its wait either way.
 */
static __always_inline bool cpu_lendable(struct llm_class *c, u32 cls, u32 q, s32 cpu)
{
	u32 s = sibling_queue(q);

	if (!(c->flags & LLM_CLASS_SOFT_PHASES) || s >= LLM_NR_QUEUES || !cpu_in_queue(c, s, cpu) ||
	    cpu_in_queue(c, q, cpu))
		return false;
	return !scx_bpf_dsq_nr_queued(dsq_of(cls, s));
}

static __always_inline u64 class_nr_queued(u32 cls)
{
	u64 n = 0;

	for (u32 q = 0; q < LLM_NR_QUEUES; q++)
		n += scx_bpf_dsq_nr_queued(dsq_of(cls, q));
	return n;
}

/* An exclusive owner with runnable threads keeps other classes off cpu. */
static __always_inline bool blocked_by_owner(struct llm_policy *pol, u32 cls, s32 cpu)
{
	struct class_state *cs;
	struct llm_class *oc;
	s32 owner;

	if (cpu < 0 || cpu >= LLM_MAX_CPUS)
		return false;
	owner = pol->cpu_owner[LLM_IDX(cpu, LLM_MAX_CPUS)];
	if (owner < 0 || (u32)owner == cls)
		return false;
	oc = class_of(pol, owner);
	if (!oc || !(oc->flags & LLM_CLASS_EXCLUSIVE))
		return false;
	cs = cstate_of(owner);
	return cs && READ_ONCE(cs->nr_runnable) > 0;
}

/* The slice the task gets now; recorded, as p->scx.slice only says what is left. */
static __always_inline u64 give_slice(struct llm_class *c, struct llm_task_ctx *tctx)
{
	u64 s = llm_slice_for(c, tctx->ewma_ns, tctx->bursts);

	tctx->slice_ns = s ? s : SCX_SLICE_DFL;
	return tctx->slice_ns;
}

/* Whether a 16-byte comm starts with the first `len` bytes of `prefix`. */
static __always_inline bool prefix_match(const char *s, const char *prefix, u32 len)
{
	for (u32 i = 0; i < LLM_COMM_LEN; i++) {
		if (i >= len)
			return true;
		if (s[i] != prefix[i])
			return false;
	}
	return true;
}

/* arr[phase] += v, for the per-phase counters of llm_class_stats. */
static __always_inline void add_by_phase(u64 *arr, u32 phase, u64 v)
{
	barrier_var(phase);
	if (phase < LLM_NR_PHASES)
		arr[phase] += v;
}

/*
 * Adds the task's runtime since the last account to its class's counters.
 * ops.tick calls it as well as ops.stopping, so a thread that runs for
 * seconds without stopping (a spinner that keeps its CPU) shows its
 * runtime within a tick: the daemon's controllers read these counters
 * every second, and lumps of seconds would mislead them.
 */
static __always_inline void account_runtime(struct llm_task_ctx *tctx, u64 now)
{
	struct llm_class_stats *st;
	u64 d;

	if (!tctx->accounted_at || now <= tctx->accounted_at) {
		tctx->accounted_at = now;
		return;
	}
	d = now - tctx->accounted_at;
	tctx->accounted_at = now;
	st = stats_of(tctx->class_id);
	if (st) {
		st->runtime_ns += d;
		add_by_phase(st->phase_runtime_ns, tctx->phase, d);
	}
}

static __always_inline void record_wait(struct llm_class_stats *st, struct llm_task_ctx *tctx, u64 now)
{
	u64 wait;

	if (!tctx->enqueued_at || now <= tctx->enqueued_at)
		return;
	wait = now - tctx->enqueued_at;
	if (wait > tctx->max_wait_ns)
		tctx->max_wait_ns = wait;
	if (st) {
		st->lat_hist[llm_lat_bucket(wait) & (LLM_LAT_BUCKETS - 1)]++;
		st->wait_ns += wait;
		add_by_phase(st->phase_wait_ns, tctx->phase, wait);
	}
}

#endif /* LLM_STATE_BPF_H */
