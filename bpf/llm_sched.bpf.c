/* SPDX-License-Identifier: GPL-2.0 */
/*
 * llm_sched: a class-based sched_ext scheduler for hosts that run LLM jobs
 * beside other work.
 *
 * Design
 *
 * The daemon compiles the JSON policy into one struct llm_policy (see
 * include/llm_schedd/intf.h) and writes it into the inactive slot of the
 * two-slot `policy` map, then flips `active_slot`. Every callback reads the
 * slot once, so a decision never mixes two generations. Tasks remember the
 * generation they were classified under and are classified again lazily on
 * their next decision, so no task is ever seen without a class.
 *
 * Each class has four FIFO-or-vtime DSQs, one per queue: its default CPU
 * set, the forward set, the backward set, and "any" for tasks whose own
 * affinity misses their phase set (affinity always wins; the kernel skips
 * tasks that cannot run on the consuming CPU). All inserts are vtime
 * inserts, which lets a reload change a class's order without mixing FIFO
 * and priority inserts on one DSQ: fifo and rr use an arrival stamp as the
 * key, fair uses weighted virtual time.
 *
 * ops.dispatch walks the classes from highest to lowest priority and takes
 * the first task whose queue covers this CPU; a still-runnable prev keeps
 * the CPU until a queued class outranks it. A waking task kicks an idle
 * CPU of its set; failing that it goes to a CPU of its set that is between
 * tasks (see pick_victim: such a CPU may be on its way to idle, unseen by
 * the idle mask), or straight to the head of the local queue of the CPU
 * running the lowest class below it, with SCX_ENQ_PREEMPT, so its wait is
 * bounded by the preemption latency rather than by a slice. A task that
 * must leave its CPU (a phase switch seen at its slice's end) is placed
 * the same way.
 *
 * The starvation guard runs first in dispatch: every starvation_ns/8 a CPU moves the longest waiter of the
 * classes below the top one, if it has waited half of starvation_ns, to its
 * local queue (a DSQ iterator walk); ops.tick ends the running slice when a
 * scan is due and someone below waits, so the bound holds even when every
 * CPU runs long high-priority slices.
 *
 * Phases come from the thread itself: prctl(PR_SET_TIMERSLACK) with one of
 * two reserved values (LLM_PHASE_SLACK_*). The kernel only lets a thread
 * change its own slack (others need CAP_SYS_NICE and ptrace rights), it
 * costs one syscall, and the value is read here at every decision, so a
 * switch applies at the next decision; ops.tick moves a running thread that
 * sits on a wrong-phase CPU within one tick.
 *
 * Slices: in history mode a task's slice is clamp(scale * ewma, min, max)
 * where ewma averages its recent running->stopping bursts, so CPU-bound
 * threads get long slices (fewer switches) and short sleepers short ones.
 *
 * Trade-offs and known limits
 *
 * - Picking a CPU walks the task's CPU set bit by bit: O(nr_cpus) per
 *   wakeup. Fine up to a few hundred CPUs; bpf_cpumask kptrs would be the
 *   next step beyond.
 * - cpu_state is read by other CPUs without locks. A stale read can kick a
 *   CPU that no longer runs a lower class; the kicked CPU simply re-runs
 *   dispatch and keeps the best task. Accepted.
 * - A policy slot is rewritten only two reloads after it was last live, so
 *   a reader holding the old slot across a whole reload is the only way to
 *   see a torn table; a decision takes microseconds, reloads milliseconds.
 * - The starvation scan walks the waiting tasks of lower classes, O(queued),
 *   at most eight times per starvation_ns per CPU. Tasks of the top priority
 *   are never rescued: they already run first, and their own order rules.
 * - Per-CPU kernel threads bypass classes and go straight to their CPU's
 *   local queue, so they are never starved or moved.
 * - CPU hotplug: ops.cpu_online/offline keep the scheduler attached and
 *   stop it sending tasks to an offline CPU, but the sets stay as compiled
 *   until the daemon pushes new ones (within about 250 ms). Until then a
 *   queue whose only CPUs left waits; the kernel's watchdog (timeout_ms)
 *   is far longer. Without the daemon (killed), the kernel detaches the
 *   scheduler anyway.
 * - A woken task runs under the phase it had when it slept, until its
 *   next decision; workloads should mark a phase before blocking.
 */
#include "scx_compat.bpf.h"
#include "llm_schedd/intf.h"
#include "llm_schedd/slice_math.h"

char _license[] SEC("license") = "GPL";

#define DSQ_BASE 0x100ULL
#define CLASS_NONE ((u32)-1)
#define PF_KTHREAD 0x00200000

const volatile __u32 nr_cpus = 1;       /* possible CPUs, set by the loader */
const volatile __u64 fault_error_after = 0; /* test only: scx_bpf_error after N dispatches */

__u32 active_slot;                      /* written by the daemon */
struct llm_exit_info exit_info;        /* filled by ops.exit */
__u64 nr_dispatches_total;
__u64 hotplug_seq;                      /* bumped on every CPU on/offline; the daemon polls it */
/* -1: offline (set by the daemon before attach, or by ops.cpu_offline), 1: came online, 0: no news. */
__s8 cpu_hotplug_state[LLM_MAX_CPUS];

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

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LLM_MAX_CLASSES);
	__type(key, u32);
	__type(value, struct llm_class_stats);
} class_stats SEC(".maps");

struct cpu_state {
	u32 running_class; /* CLASS_NONE when idle or running a non-scx task */
	u32 running_prio;
	u64 next_scan_ns;  /* next starvation scan on this CPU */
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

static __always_inline struct llm_class_stats *stats_of(u32 cls)
{
	return bpf_map_lookup_elem(&class_stats, &cls);
}

static __always_inline struct class_state *cstate_of(u32 cls)
{
	return bpf_map_lookup_elem(&class_states, &cls);
}

static __always_inline struct cpu_state *cpu_state_of(s32 cpu)
{
	u32 key = cpu;

	return bpf_map_lookup_elem(&cpu_states, &key);
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

static __always_inline u64 comm_head(struct task_struct *p)
{
	u64 head = 0;

	bpf_probe_read_kernel(&head, sizeof(head), p->comm);
	return head;
}

static __always_inline u64 cgroup_ptr(struct task_struct *p)
{
	return (u64)BPF_CORE_READ(p, cgroups, dfl_cgrp);
}

static bool in_cgroup(struct task_struct *p, const struct llm_rule *r)
{
	struct cgroup *cg = BPF_CORE_READ(p, cgroups, dfl_cgrp);
	struct cgroup *anc = NULL;
	u32 lvl = r->cgroup_level;

	if (!cg || (u32)BPF_CORE_READ(cg, level) < lvl || lvl > 64)
		return false;
	bpf_probe_read_kernel(&anc, sizeof(anc),
			      (void *)cg + bpf_core_field_offset(struct cgroup, ancestors) +
				      lvl * sizeof(void *));
	return anc && BPF_CORE_READ(anc, kn, id) == r->cgroup_id;
}

static bool rule_matches(struct task_struct *p, const struct llm_rule *r)
{
	u32 f = r->flags;

	if (f & LLM_MATCH_NEVER)
		return false;
	if (f & LLM_MATCH_ALL)
		return true;
	if ((f & LLM_MATCH_PID) && (u32)p->pid != r->pid)
		return false;
	if ((f & LLM_MATCH_TGID) && (u32)p->tgid != r->tgid)
		return false;
	if ((f & LLM_MATCH_UID) && BPF_CORE_READ(p, real_cred, uid.val) != r->uid)
		return false;
	if (f & LLM_MATCH_COMM) {
		char comm[LLM_COMM_LEN] = {};

		bpf_probe_read_kernel(comm, sizeof(comm), p->comm);
		if (!prefix_match(comm, r->comm, r->comm_len))
			return false;
	}
	if (f & LLM_MATCH_LEADER_COMM) {
		char comm[LLM_COMM_LEN] = {};

		BPF_CORE_READ_INTO(&comm, p, group_leader, comm);
		if (!prefix_match(comm, r->leader_comm, r->leader_comm_len))
			return false;
	}
	if ((f & LLM_MATCH_CGROUP) && !in_cgroup(p, r))
		return false;
	return true;
}

static u32 classify(struct task_struct *p, struct llm_policy *pol)
{
	u32 n = pol->nr_rules;

	s32 i;
	bpf_for(i, 0, n) {
		if (i >= LLM_MAX_RULES)
			break;
		struct llm_rule *r = &pol->rules[LLM_IDX(i, LLM_MAX_RULES)];

		if (rule_matches(p, r)) {
			u32 cls = r->class_id;

			return cls < pol->nr_classes ? cls : pol->default_class;
		}
	}
	return pol->default_class;
}

/* Task context with its class brought up to date: new policy, cgroup or comm. */
static struct llm_task_ctx *task_ctx(struct task_struct *p, struct llm_policy *pol)
{
	struct llm_task_ctx *tctx = bpf_task_storage_get(&task_ctxs, p, 0, 0);
	u64 head;

	if (!tctx)
		return NULL;
	head = comm_head(p) ^ cgroup_ptr(p);
	if (tctx->generation != pol->generation || tctx->comm_head != head) {
		tctx->class_id = classify(p, pol);
		tctx->generation = pol->generation;
		tctx->comm_head = head;
	}
	if (tctx->class_id >= pol->nr_classes || tctx->class_id >= LLM_MAX_CLASSES)
		tctx->class_id = pol->default_class < LLM_MAX_CLASSES ? pol->default_class : 0;
	/*
	 * A CPU-bound task may change class without ever sleeping (rename,
	 * cgroup move, reload): move its runnable count along, or an exclusive
	 * owner would look idle while it runs.
	 */
	if (tctx->runnable_class != CLASS_NONE && tctx->runnable_class != tctx->class_id) {
		struct class_state *from = cstate_of(tctx->runnable_class), *to = cstate_of(tctx->class_id);

		if (from)
			__sync_fetch_and_sub(&from->nr_runnable, 1);
		if (to)
			__sync_fetch_and_add(&to->nr_runnable, 1);
		tctx->runnable_class = tctx->class_id;
	}
	return tctx;
}

static __always_inline u32 phase_of(struct task_struct *p)
{
	return llm_phase_from_slack(p->timer_slack_ns);
}

static bool mask_meets_affinity(struct task_struct *p, const struct llm_cpumask *m)
{
	u32 n = lim_cpus();

	s32 cpu;
	bpf_for(cpu, 0, n) {
		if (llm_cpumask_test(m, cpu) && bpf_cpumask_test_cpu(cpu, p->cpus_ptr))
			return true;
	}
	return false;
}

/* Which of the class's queues the task goes to. */
static u32 queue_for(struct task_struct *p, struct llm_class *c, u32 *phase_out)
{
	u32 q = LLM_PHASE_NONE;

	if (c->flags & LLM_CLASS_HAS_PHASES)
		q = phase_of(p);
	*phase_out = q;
	if (q >= LLM_NR_QUEUES)
		q = LLM_PHASE_NONE;
	if (p->nr_cpus_allowed >= (int)lim_cpus())
		return q;
	return mask_meets_affinity(p, &c->cpus[LLM_IDX(q, LLM_NR_QUEUES)]) ? q : LLM_PHASE_ANY;
}

static __always_inline bool cpu_in_queue(struct llm_class *c, u32 q, s32 cpu)
{
	if (q == LLM_PHASE_ANY)
		return true;
	if (q >= LLM_NR_QUEUES)
		return false;
	return llm_cpumask_test(&c->cpus[LLM_IDX(q, LLM_NR_QUEUES)], cpu);
}

static __always_inline u64 class_nr_queued(u32 cls)
{
	u64 n = 0;

	for (u32 q = 0; q < LLM_NR_QUEUES; q++)
		n += scx_bpf_dsq_nr_queued(dsq_of(cls, q));
	return n;
}

static __always_inline bool is_percpu_kthread(struct task_struct *p)
{
	return (p->flags & PF_KTHREAD) && p->nr_cpus_allowed == 1;
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

/*
 * Where a task should go when no CPU of its set is idle: a CPU between
 * tasks (see below), else the CPU running the lowest class below it (the
 * waker's own CPU first, as that needs no IPI), or an owner's CPU held by a
 * borrower. -1 if none.
 *
 * "Between tasks" is a CPU whose task stopped, that has not started the
 * next and has nothing in its local queue: it may be on its way to idle,
 * past its last look at the queues but before its idle bit is set, so
 * claim_idle() misses it and a task left in a shared queue would wait for
 * its next timer. Inserting into its local queue wakes it whatever state it
 * is in. It is not preempted: a CPU between tasks may be starting a task
 * that was just woken onto it directly. The task's own CPU is left out: its
 * next dispatch sees the shared queue anyway, and a task that was just
 * preempted there must not jump back ahead.
 */
static s32 pick_victim(struct task_struct *p, struct llm_policy *pol, u32 cls, struct llm_class *c, u32 q,
		       bool *preempts)
{
	s32 victim = -1, reclaim = -1, between = -1, here = bpf_get_smp_processor_id();
	s32 own = scx_bpf_task_cpu(p);
	u32 victim_prio = c->priority;
	u32 n = lim_cpus();
	s32 cpu;

	bpf_for(cpu, 0, n) {
		struct cpu_state *cst;

		if (!cpu_in_queue(c, q, cpu) || !bpf_cpumask_test_cpu(cpu, p->cpus_ptr) || !cpu_usable(cpu))
			continue;
		if (blocked_by_owner(pol, cls, cpu))
			continue;
		cst = cpu_state_of(cpu);
		if (!cst)
			continue;
		if (cst->running_class == CLASS_NONE) {
			if (cpu != own && between < 0 && !scx_bpf_dsq_nr_queued(SCX_DSQ_LOCAL_ON | cpu))
				between = cpu;
			continue;
		}
		if (cst->running_class == cls)
			continue;
		/* The owner of a CPU takes it back from a borrower of any class. */
		if (cst->running_prio < 100 && pol->cpu_owner[LLM_IDX(cpu, LLM_MAX_CPUS)] == (s32)cls) {
			if (reclaim < 0 || cpu == here)
				reclaim = cpu;
			continue;
		}
		/* Lowest class wins; among equals the waker's CPU (no IPI). */
		if (cst->running_prio < victim_prio || (cpu == here && victim >= 0 && cst->running_prio == victim_prio)) {
			victim = cpu;
			victim_prio = cst->running_prio;
		}
	}
	*preempts = between < 0;
	if (between >= 0)
		return between;
	return reclaim >= 0 ? reclaim : victim;
}

/* Claims an idle CPU of the task's set (clears its idle bit); -1 if none. */
static s32 claim_idle(struct task_struct *p, struct llm_policy *pol, u32 cls, struct llm_class *c, u32 q)
{
	u32 n = lim_cpus();
	s32 cpu;

	bpf_for(cpu, 0, n) {
		if (!cpu_in_queue(c, q, cpu) || !bpf_cpumask_test_cpu(cpu, p->cpus_ptr) ||
		    blocked_by_owner(pol, cls, cpu) || !cpu_usable(cpu))
			continue;
		if (scx_bpf_test_and_clear_cpu_idle(cpu))
			return cpu;
	}
	return -1;
}

/* The slice the task gets now; recorded, as p->scx.slice only says what is left. */
static __always_inline u64 give_slice(struct llm_class *c, struct llm_task_ctx *tctx)
{
	u64 s = llm_slice_for(c, tctx->ewma_ns, tctx->bursts);

	tctx->slice_ns = s ? s : SCX_SLICE_DFL;
	return tctx->slice_ns;
}

static __always_inline bool cpu_allowed_for(struct task_struct *p, struct llm_class *c, u32 q, s32 cpu)
{
	return cpu_usable(cpu) && cpu_in_queue(c, q, cpu) && bpf_cpumask_test_cpu(cpu, p->cpus_ptr);
}

s32 BPF_STRUCT_OPS(llm_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	struct llm_policy *pol = cur_policy();
	struct llm_task_ctx *tctx;
	struct llm_class *c;
	u32 q, phase, n = lim_cpus();
	s32 first = -1;

	if (!pol || is_percpu_kthread(p))
		return prev_cpu;
	tctx = task_ctx(p, pol);
	if (!tctx || !(c = class_of(pol, tctx->class_id)))
		return prev_cpu;
	q = queue_for(p, c, &phase);

	if (cpu_allowed_for(p, c, q, prev_cpu) && !blocked_by_owner(pol, tctx->class_id, prev_cpu) &&
	    scx_bpf_test_and_clear_cpu_idle(prev_cpu))
		goto direct;
	s32 cpu;
	bpf_for(cpu, 0, n) {
		if (!cpu_allowed_for(p, c, q, cpu) || blocked_by_owner(pol, tctx->class_id, cpu))
			continue;
		if (first < 0)
			first = cpu;
		if (scx_bpf_test_and_clear_cpu_idle(cpu)) {
			prev_cpu = cpu;
			goto direct;
		}
	}
	/*
	 * No idle CPU. If the waker's CPU runs a lower class, wake the task
	 * right here: enqueue then preempts locally, with no wake-up IPI (the
	 * RT class does the same). Otherwise stay where the phase allows.
	 */
	{
		s32 here = bpf_get_smp_processor_id();
		struct cpu_state *hst = cpu_state_of(here);

		if (hst && hst->running_class != CLASS_NONE && hst->running_prio < c->priority &&
		    cpu_allowed_for(p, c, q, here) && !blocked_by_owner(pol, tctx->class_id, here))
			return here;
	}
	if (!cpu_allowed_for(p, c, q, prev_cpu) && first >= 0)
		return first;
	return prev_cpu;
direct:
	tctx->phase = phase;
	tctx->enqueued_at = llm_now();
	llm_dsq_insert(p, SCX_DSQ_LOCAL, give_slice(c, tctx), 0);
	{
		struct llm_class_stats *st = stats_of(tctx->class_id);

		if (st) {
			st->enqueues++;
			st->dispatches++;
			if (q == LLM_PHASE_ANY)
				st->affinity_fallbacks++;
		}
	}
	return prev_cpu;
}

void BPF_STRUCT_OPS(llm_enqueue, struct task_struct *p, u64 enq_flags)
{
	struct llm_policy *pol = cur_policy();
	struct llm_task_ctx *tctx;
	struct llm_class_stats *st;
	struct class_state *cs;
	struct llm_class *c;
	u32 q, phase, cls;
	u64 now = llm_now(), key;

	if (!pol || is_percpu_kthread(p) || !(tctx = task_ctx(p, pol)) ||
	    !(c = class_of(pol, tctx->class_id))) {
		llm_dsq_insert(p, SCX_DSQ_LOCAL, SCX_SLICE_DFL, enq_flags);
		return;
	}
	cls = tctx->class_id;
	q = queue_for(p, c, &phase);
	tctx->phase = phase;
	tctx->enqueued_at = now;
	st = stats_of(cls);
	if (st) {
		st->enqueues++;
		if (q == LLM_PHASE_ANY)
			st->affinity_fallbacks++;
	}
	/*
	 * The CPU's only task used up its slice (SCX_OPS_ENQ_LAST). If this CPU
	 * is still right for it, keep it here with a fresh fitted slice; if not
	 * (phase switch, reload), it goes below to a CPU of its set like a
	 * waking task, as this CPU is about to idle.
	 */
	if ((enq_flags & SCX_ENQ_LAST) && cpu_in_queue(c, q, scx_bpf_task_cpu(p)) &&
	    !blocked_by_owner(pol, cls, scx_bpf_task_cpu(p))) {
		llm_dsq_insert(p, SCX_DSQ_LOCAL, give_slice(c, tctx), enq_flags);
		if (st)
			st->dispatches++;
		return;
	}
	cs = cstate_of(cls);

	if (c->order == LLM_ORDER_FAIR) {
		if (cs && (s64)(tctx->vtime - (cs->vtime_now - c->slice_max_ns)) < 0)
			tctx->vtime = cs->vtime_now - c->slice_max_ns;
		key = tctx->vtime;
	} else {
		key = tctx->fifo_key;
	}
	/*
	 * An idle CPU of the set is woken after the task is queued, so it finds
	 * it. With none idle, the task goes to the head of the best victim's
	 * local queue with SCX_ENQ_PREEMPT, which ends the running slice at once
	 * (on the waker's own CPU without an IPI); a kick through irq_work is
	 * slower. A same-class task queued earlier may be passed: it had no
	 * victim when it arrived.
	 */
	s32 idle = claim_idle(p, pol, cls, c, q);

	if (idle < 0) {
		bool preempts = false;
		s32 victim = pick_victim(p, pol, cls, c, q, &preempts);

		if (victim >= 0) {
			llm_dsq_insert(p, SCX_DSQ_LOCAL_ON | victim, give_slice(c, tctx),
				       enq_flags | (preempts ? SCX_ENQ_PREEMPT : 0));
			if (st) {
				st->preemptions += preempts;
				st->dispatches++;
			}
			return;
		}
	}
	llm_dsq_insert_vtime(p, dsq_of(cls, q), give_slice(c, tctx), key, enq_flags);
	if (idle >= 0)
		scx_bpf_kick_cpu(idle, SCX_KICK_IDLE);
}

static __always_inline bool try_class(struct llm_policy *pol, u32 cls, s32 cpu)
{
	struct llm_class *c = class_of(pol, cls);

	if (!c || blocked_by_owner(pol, cls, cpu))
		return false;
	for (u32 q = 0; q < LLM_NR_QUEUES; q++) {
		if (!cpu_in_queue(c, q, cpu))
			continue;
		if (llm_dsq_move_to_local(dsq_of(cls, q)))
			return true;
	}
	return false;
}

/*
 * Starvation guard. Every starvation_ns/8 each CPU looks through the queues
 * of the classes below the top priority it may serve, and moves the task
 * that has waited longest, if that is over half of starvation_ns, to its
 * local queue. The bound is per task, so a class's
 * frequent sleepers cannot keep its CPU hog waiting forever.
 */
static __always_inline u64 scan_interval(struct llm_policy *pol)
{
	return pol->starvation_ns / 8;
}

/*
 * Global (not static) on purpose: the verifier checks it once on its own
 * instead of once per call site, which older verifiers need to accept
 * dispatch at all (6.19: "sequence of 8193 jumps is too complex").
 */
__noinline bool llm_rescue_from(u64 dsq, s32 cpu, u64 now, u64 min_wait)
{
	struct task_struct *p;
	u64 best_wait = 0;
	s32 best_pid = -1;

	bpf_for_each(scx_dsq, p, dsq, 0) {
		struct llm_task_ctx *t = bpf_task_storage_get(&task_ctxs, p, 0, 0);
		u64 w;

		if (!t || !t->enqueued_at || !bpf_cpumask_test_cpu(cpu, p->cpus_ptr))
			continue;
		w = now - t->enqueued_at;
		if ((s64)w >= (s64)min_wait && w > best_wait) {
			best_wait = w;
			best_pid = p->pid;
		}
	}
	if (best_pid < 0)
		return false;
	bpf_for_each(scx_dsq, p, dsq, 0) {
		struct llm_task_ctx *t;

		if (p->pid != best_pid)
			continue;
		/* Protected for this run, or the next waking high task takes it back. */
		t = bpf_task_storage_get(&task_ctxs, p, 0, 0);
		if (t)
			t->rescued = 1;
		return llm_dsq_move(BPF_FOR_EACH_ITER, p, SCX_DSQ_LOCAL, 0);
	}
	return false;
}

/* Classes at the top priority are never "starved": they already run first. */
static __always_inline u32 top_priority(struct llm_policy *pol)
{
	struct llm_class *c = class_of(pol, pol->prio_order[0]);

	return c ? c->priority : 0;
}

static bool starvation_scan(struct llm_policy *pol, s32 cpu, u64 now)
{
	struct cpu_state *cst = cpu_state_of(cpu);
	u64 interval = scan_interval(pol);
	u32 n = pol->nr_classes, top = top_priority(pol);

	if (!interval || !cst || (s64)(now - cst->next_scan_ns) < 0)
		return false;
	cst->next_scan_ns = now + interval;
	s32 i;
	bpf_for(i, 0, n) {
		u32 cls;
		struct llm_class *c = class_at_rank(pol, n - 1 - i, &cls);

		if (!c || c->priority >= top)
			break;
		if (blocked_by_owner(pol, cls, cpu))
			continue;
		s32 q;
		bpf_for(q, 0, LLM_NR_QUEUES) {
			if (!cpu_in_queue(c, q, cpu))
				continue;
			/*
			 * Rescue at half the bound: a scan interval to be found, and
			 * the rest for the CPU switch and the machine's own hiccups.
			 */
			if (llm_rescue_from(dsq_of(cls, q), cpu, now, pol->starvation_ns / 2)) {
				struct llm_class_stats *st = stats_of(cls);

				if (st) {
					st->starvation_rescues++;
					st->dispatches++;
				}
				return true;
			}
		}
	}
	return false;
}

/* A scan is due here and some class below `prio` has queued tasks. */
static bool scan_due(struct llm_policy *pol, s32 cpu, u32 prio, u64 now)
{
	struct cpu_state *cst = cpu_state_of(cpu);
	u32 n = pol->nr_classes;

	if (!scan_interval(pol) || !cst || (s64)(now - cst->next_scan_ns) < 0)
		return false;
	s32 i;
	bpf_for(i, 0, n) {
		u32 cls;
		struct llm_class *c = class_at_rank(pol, i, &cls);

		if (c && c->priority < prio && class_nr_queued(cls) > 0)
			return true;
	}
	return false;
}

/*
 * ops.dispatch runs before an expired prev is re-enqueued, so prev competes
 * here: it keeps the CPU (with a fresh fitted slice) unless a queued class
 * outranks it, or the starvation guard is due. Within its own class a fifo
 * task keeps its place; rr and fair let their queue go first.
 */
void BPF_STRUCT_OPS(llm_dispatch, s32 cpu, struct task_struct *prev)
{
	struct llm_policy *pol = cur_policy();
	struct llm_task_ctx *ptctx = NULL;
	struct llm_class *pc = NULL;
	bool keep_prev = false;
	u32 n, pcls = CLASS_NONE;
	u64 now = llm_now();

	if (!pol)
		return;
	n = pol->nr_classes;
	if (fault_error_after && ++nr_dispatches_total > fault_error_after) {
		llm_error("llm_sched: injected test fault after %llu dispatches", fault_error_after);
		return;
	}

	if (starvation_scan(pol, cpu, now))
		return;

	if (prev && (prev->scx.flags & SCX_TASK_QUEUED) && !is_percpu_kthread(prev) &&
	    (ptctx = task_ctx(prev, pol)) && (pc = class_of(pol, ptctx->class_id))) {
		u32 phase, q = queue_for(prev, pc, &phase);

		pcls = ptctx->class_id;
		keep_prev = cpu_in_queue(pc, q, cpu) && !blocked_by_owner(pol, pcls, cpu);
	}

	s32 i;
	bpf_for(i, 0, n) {
		u32 cls;
		struct llm_class *c = class_at_rank(pol, i, &cls);

		if (!c)
			break;
		if (keep_prev && pc && ptctx &&
		    (c->priority < pc->priority || (cls == pcls && pc->order == LLM_ORDER_FIFO)))
			break;
		if (try_class(pol, cls, cpu)) {
			struct llm_class_stats *st = stats_of(cls);

			if (st)
				st->dispatches++;
			return;
		}
	}
	if (keep_prev && pc && ptctx)
		prev->scx.slice = give_slice(pc, ptctx);
}

void BPF_STRUCT_OPS(llm_tick, struct task_struct *p)
{
	struct llm_policy *pol = cur_policy();
	struct llm_task_ctx *tctx;
	struct llm_class *c;
	s32 cpu = scx_bpf_task_cpu(p);
	u32 q, phase;
	u64 now = llm_now();

	if (!pol || is_percpu_kthread(p) || !(tctx = task_ctx(p, pol)) ||
	    !(c = class_of(pol, tctx->class_id)))
		return;

	/* A phase switch, or a reload, left the task on a CPU it may not use. */
	q = queue_for(p, c, &phase);
	if (!cpu_in_queue(c, q, cpu) || blocked_by_owner(pol, tctx->class_id, cpu)) {
		struct llm_class_stats *st = stats_of(tctx->class_id);

		p->scx.slice = 0;
		if (st && phase != tctx->phase)
			st->phase_migrations++;
		return;
	}
	/* A mark that needs no move (its CPU is in both sets) still shows. */
	tctx->phase = phase;

	/* A starvation scan is due and someone below us waits: go through dispatch. */
	if (scan_due(pol, cpu, c->priority, now))
		p->scx.slice = 0;
}

void BPF_STRUCT_OPS(llm_runnable, struct task_struct *p, u64 enq_flags)
{
	struct llm_policy *pol = cur_policy();
	struct llm_task_ctx *tctx;
	struct class_state *cs;

	if (!pol || !(tctx = task_ctx(p, pol)))
		return;
	tctx->fifo_key = llm_now();
	/* Count it in its class; quiescent() uncounts the same class even if a
	 * reload or a cgroup move reclassifies the task in between. */
	tctx->runnable_class = tctx->class_id;
	cs = cstate_of(tctx->class_id);
	if (cs)
		__sync_fetch_and_add(&cs->nr_runnable, 1);
}

void BPF_STRUCT_OPS(llm_running, struct task_struct *p)
{
	struct llm_policy *pol = cur_policy();
	struct llm_task_ctx *tctx = bpf_task_storage_get(&task_ctxs, p, 0, 0);
	struct llm_class_stats *st;
	struct class_state *cs;
	struct cpu_state *cst;
	struct llm_class *c;
	u64 now = llm_now();

	if (!pol || !tctx)
		return;
	tctx->started_at = now;
	st = stats_of(tctx->class_id);
	if (tctx->enqueued_at && now > tctx->enqueued_at) {
		u64 wait = now - tctx->enqueued_at;

		if (wait > tctx->max_wait_ns)
			tctx->max_wait_ns = wait;
		if (st) {
			st->lat_hist[llm_lat_bucket(wait) & (LLM_LAT_BUCKETS - 1)]++;
			st->wait_ns += wait;
		}
	}
	tctx->enqueued_at = 0;
	cs = cstate_of(tctx->class_id);
	if (cs && (s64)(p->scx.dsq_vtime - cs->vtime_now) > 0)
		cs->vtime_now = p->scx.dsq_vtime;
	cst = cpu_state_of(scx_bpf_task_cpu(p));
	c = class_of(pol, tctx->class_id);
	if (cst && c) {
		cst->running_class = tctx->class_id;
		/* Above every class (0..99): pick_victim() never picks it. */
		cst->running_prio = tctx->rescued ? 100 : c->priority;
	}
}

void BPF_STRUCT_OPS(llm_stopping, struct task_struct *p, bool runnable)
{
	struct llm_policy *pol = cur_policy();
	struct llm_task_ctx *tctx = bpf_task_storage_get(&task_ctxs, p, 0, 0);
	struct llm_class_stats *st;
	struct cpu_state *cst;
	struct llm_class *c;
	u64 now = llm_now(), burst;

	cst = cpu_state_of(scx_bpf_task_cpu(p));
	if (cst)
		cst->running_class = CLASS_NONE;
	if (tctx)
		tctx->rescued = 0;
	if (!pol || !tctx || !tctx->started_at || !(c = class_of(pol, tctx->class_id)))
		return;
	burst = now - tctx->started_at;
	tctx->ewma_ns = llm_ewma_update(tctx->ewma_ns, burst, c->ewma_q10, tctx->bursts);
	tctx->bursts++;
	st = stats_of(tctx->class_id);
	if (st)
		st->runtime_ns += burst;
	if (p->scx.weight)
		tctx->vtime += burst * 100 / p->scx.weight;
	/* rr: an expired slice goes to the back of the class. */
	if (runnable && p->scx.slice == 0 && c->order == LLM_ORDER_RR)
		tctx->fifo_key = now;
}

void BPF_STRUCT_OPS(llm_quiescent, struct task_struct *p, u64 deq_flags)
{
	struct llm_task_ctx *tctx = bpf_task_storage_get(&task_ctxs, p, 0, 0);
	struct class_state *cs;

	if (!tctx || tctx->runnable_class == CLASS_NONE)
		return;
	cs = cstate_of(tctx->runnable_class);
	if (cs)
		__sync_fetch_and_sub(&cs->nr_runnable, 1);
	tctx->runnable_class = CLASS_NONE;
}

s32 BPF_STRUCT_OPS(llm_init_task, struct task_struct *p, struct scx_init_task_args *args)
{
	struct llm_task_ctx *tctx;

	tctx = bpf_task_storage_get(&task_ctxs, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!tctx)
		return -12; /* -ENOMEM */
	tctx->generation = (u64)-1; /* classify at the first decision */
	tctx->runnable_class = CLASS_NONE;
	return 0;
}

s32 BPF_STRUCT_OPS_SLEEPABLE(llm_init)
{
	u32 n = LLM_MAX_CLASSES * LLM_NR_QUEUES;

	s32 i;
	bpf_for(i, 0, n) {
		s32 ret = scx_bpf_create_dsq(DSQ_BASE + i, -1);

		if (ret)
			return ret;
	}
	s32 cpu;
	bpf_for(cpu, 0, LLM_MAX_CPUS) {
		struct cpu_state *cst = cpu_state_of(cpu);

		if (cst)
			cst->running_class = CLASS_NONE;
	}
	return 0;
}

/*
 * CPU hotplug. Without these two callbacks the kernel ejects the scheduler
 * on every hotplug event. Tasks are moved off a dying CPU by the core; what
 * a queue needs is a CPU that serves it, and the compiled sets may name the
 * one that left. The daemon sees hotplug_seq move, probes the online CPUs
 * again and reloads the policy compiled for them (offline CPUs left out, a
 * set with none left falls back to the class's CPUs), well inside the
 * watchdog's timeout_ms.
 */
void BPF_STRUCT_OPS(llm_cpu_online, s32 cpu)
{
	if (cpu >= 0 && cpu < LLM_MAX_CPUS)
		WRITE_ONCE(cpu_hotplug_state[LLM_IDX(cpu, LLM_MAX_CPUS)], 1);
	__sync_fetch_and_add(&hotplug_seq, 1);
}

/* Called before the CPU leaves the online mask, so the daemon reads the
 * news here rather than from sysfs. */
void BPF_STRUCT_OPS(llm_cpu_offline, s32 cpu)
{
	struct cpu_state *cst = cpu_state_of(cpu);

	if (cst)
		cst->running_class = CLASS_NONE;
	if (cpu >= 0 && cpu < LLM_MAX_CPUS)
		WRITE_ONCE(cpu_hotplug_state[LLM_IDX(cpu, LLM_MAX_CPUS)], -1);
	__sync_fetch_and_add(&hotplug_seq, 1);
}

void BPF_STRUCT_OPS(llm_exit, struct scx_exit_info *ei)
{
	exit_info.exit_cpu = -1;
	if (bpf_core_field_exists(ei->exit_cpu)) /* Linux 7.0+ */
		exit_info.exit_cpu = BPF_CORE_READ(ei, exit_cpu);
	exit_info.exit_code = BPF_CORE_READ(ei, exit_code);
	bpf_probe_read_kernel_str(exit_info.reason, sizeof(exit_info.reason), BPF_CORE_READ(ei, reason));
	bpf_probe_read_kernel_str(exit_info.msg, sizeof(exit_info.msg), BPF_CORE_READ(ei, msg));
	/* kind last: the daemon polls it. */
	WRITE_ONCE(exit_info.kind, BPF_CORE_READ(ei, kind));
}

SEC(".struct_ops.link")
struct sched_ext_ops llm_sched_ops = {
	.select_cpu = (void *)llm_select_cpu,
	.enqueue = (void *)llm_enqueue,
	.dispatch = (void *)llm_dispatch,
	.tick = (void *)llm_tick,
	.runnable = (void *)llm_runnable,
	.running = (void *)llm_running,
	.stopping = (void *)llm_stopping,
	.quiescent = (void *)llm_quiescent,
	.init_task = (void *)llm_init_task,
	.cpu_online = (void *)llm_cpu_online,
	.cpu_offline = (void *)llm_cpu_offline,
	.init = (void *)llm_init,
	.exit = (void *)llm_exit,
	/* The last runnable task comes back through ops.enqueue, so it gets
	 * its fitted slice rather than the kernel's default refill. */
	.flags = SCX_OPS_ENQ_LAST,
	.timeout_ms = 5000,
	.name = "llm_sched",
};
