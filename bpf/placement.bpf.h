/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Placement: which of a class's queues a task goes to, and which CPU runs
 * it when it wakes or must move.
 *
 * Queues. Each class has four DSQs: its default CPU set, the forward set,
 * the backward set, and "any" for a task whose own affinity misses its
 * phase set (affinity always wins). The phase comes from the thread's
 * timer slack (LLM_PHASE_SLACK_*), read at every decision.
 *
 * CPUs. A waking task takes an idle CPU of its set. With none, it goes to a
 * CPU of its set that is between tasks (see pick_victim), or to the head of
 * the local queue of the CPU running the lowest class below it, with
 * SCX_ENQ_PREEMPT. Never chosen, whatever their state says:
 *   - a CPU held by an RT, deadline or stop task (ops.cpu_release marks
 *     it, and the running task's prio is checked, because a CPU that went
 *     from idle straight to an RT task never passed through llm_sched);
 *   - a CPU running a guard run or a kernel thread (PRIO_UNPREEMPTIBLE);
 *   - a CPU whose local queue already holds a task, so preemptions never
 *     stack there (each would go to the head, pushing the earlier one back).
 *
 * Known limits: picking a CPU walks the task's set bit by bit, O(nr_cpus)
 * per wake-up: fine to a few hundred CPUs, bpf_cpumask kptrs beyond.
 */
#ifndef LLM_PLACEMENT_BPF_H
#define LLM_PLACEMENT_BPF_H

#include "state.bpf.h"

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

static __always_inline bool cpu_allowed_for(struct task_struct *p, struct llm_class *c, u32 q, s32 cpu)
{
	return cpu_usable(cpu) && cpu_in_queue(c, q, cpu) && bpf_cpumask_test_cpu(cpu, p->cpus_ptr);
}

/*
 * Counts a placement that a phase change forced: the task's phase differs
 * from the one it was last placed for and its CPU is not in the new set.
 * Records the phase either way.
 */
static __always_inline void note_phase(struct task_struct *p, struct llm_task_ctx *tctx, struct llm_class *c,
				       u32 q, u32 phase)
{
	if (phase != tctx->phase && !cpu_in_queue(c, q, scx_bpf_task_cpu(p)))
		stat_inc(tctx->class_id, phase_migrations);
	tctx->phase = phase;
}

/* A higher sched class holds the CPU (or did when we looked). */
static __always_inline bool cpu_held(s32 cpu, struct cpu_state *cst)
{
	struct task_struct *curr;

	if (READ_ONCE(cst->held))
		return true;
	curr = llm_cpu_curr(cpu);
	return curr && BPF_CORE_READ(curr, prio) < MAX_RT_PRIO;
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
 *
 * Accepted race: cpu_state is read without locks. A stale read can send
 * the task to a CPU that just started something else; the task then waits
 * there for one slice, or the kicked CPU re-runs dispatch and keeps the
 * best task. Either way the guard still bounds the wait.
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
		cst = cpu_state_may_fail(cpu);
		if (!cst || (cst->running_class != CLASS_NONE && cst->running_prio >= PRIO_UNPREEMPTIBLE))
			continue;
		if (scx_bpf_dsq_nr_queued(SCX_DSQ_LOCAL_ON | cpu))
			continue;
		if (cst->running_class == CLASS_NONE) {
			if (cpu != own && between < 0 && !cpu_held(cpu, cst))
				between = cpu;
			continue;
		}
		if (cst->running_class == cls || cst->running_class == CLASS_KTHREAD)
			continue;
		/* The owner of a CPU takes it back from a borrower of any class. */
		if (pol->cpu_owner[LLM_IDX(cpu, LLM_MAX_CPUS)] == (s32)cls) {
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

#endif /* LLM_PLACEMENT_BPF_H */
