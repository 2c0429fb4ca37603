/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Placement: which of a class's queues a task goes to, and which CPU runs
 * it when it wakes or must move.
 *
 * Queues. Each class has four DSQs: its default CPU set, the forward set,
 * the backward set, and "any" for a task whose own affinity misses its
 * phase set (affinity always wins).
 *
 * Phases. A thread's phase is, most specific first:
 *   1. its own mark: the phase it last set for itself in its timer slack;
 *   2. a mark the daemon set for it on its owner's request (phase_marks);
 *   3. its class's role for its name ("pt_autograd_" -> backward);
 *   4. its process's mark (phase_marks), set by any of its threads with a
 *      process-scope slack value, or by the daemon;
 *   5. none.
 * The slack is looked at on every decision, and only a change counts: a
 * thread created by clone or fork starts with its parent's slack recorded
 * as seen (ops.init_task), so it inherits no mark, its own or a process
 * one. exec keeps the thread and so its own mark and its process's mark.
 * A task that existed when the scheduler attached is looked at afresh
 * unless its slack is the one it was born with, so marks made before an
 * attach (or a re-attach after an ejection) count and inherited ones do not.
 * Known limit: a thread whose marks happen to come back to the exact value
 * it was born with (one phase in four, both toggles) loses its mark at a
 * re-attach until it marks again.
 * The map's entries go when their thread or process exits (ops.exit_task).
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
 * Soft phase sets (the default; "strict": true turns them off). The forward
 * and backward sets of a class lend each other their CPUs: a phase task
 * with no idle CPU of its own set takes an idle CPU of the other phase's
 * set while that phase has nothing waiting (cpu_lendable), and a CPU of
 * one set that finds its own phase's queue empty serves the other's
 * (try_class). The lender takes a CPU back at once: a waking owner that
 * finds no idle CPU of its set preempts a borrower there (pick_victim, as
 * an exclusive owner does), and a borrower's tick gives the CPU up as soon
 * as the owner phase has a task waiting or a CPU of the borrower's own set
 * is free (may_stay), so a job that runs forward then backward on the same
 * threads uses all of its class's CPUs in each phase and still goes home.
 * Borrowing is only ever between the two phase sets of one class: never
 * into the class's unmarked set, another class's CPUs or an exclusive
 * owner's. Counted in phase_borrows.
 *
 * Known limits: picking a CPU walks the task's set bit by bit, O(nr_cpus)
 * per wake-up: fine to a few hundred CPUs, bpf_cpumask kptrs beyond.
 */
#ifndef LLM_PLACEMENT_BPF_H
#define LLM_PLACEMENT_BPF_H

#include "state.bpf.h"

static __always_inline void set_mark(u32 kind, u32 id, u32 phase)
{
	u64 key = LLM_MARK_KEY(kind, id);

	if (phase == LLM_PHASE_NONE)
		bpf_map_delete_elem(&phase_marks, &key);
	else if (bpf_map_update_elem(&phase_marks, &key, &phase, BPF_ANY))
		sched_stat_inc(marks_dropped);
}

static __always_inline u32 mark_of(u32 kind, u32 id)
{
	u64 key = LLM_MARK_KEY(kind, id);
	u32 *m = bpf_map_lookup_elem(&phase_marks, &key);

	return m && *m < LLM_NR_PHASES ? *m : LLM_PHASE_NONE;
}

/* Acts on a change of the thread's timer slack since the last look. */
static __always_inline void observe_slack(struct task_struct *p, struct llm_task_ctx *tctx)
{
	u64 slack = p->timer_slack_ns;
	u32 phase;

	if (slack == tctx->seen_slack)
		return;
	tctx->seen_slack = slack;
	phase = llm_phase_from_slack(slack);
	if (llm_slack_is_process(slack)) {
		/* The thread hands its mark to the process and follows it. */
		tctx->own_phase = LLM_PHASE_NONE;
		set_mark(LLM_MARK_PROCESS, (u32)p->tgid, phase);
	} else {
		tctx->own_phase = phase; /* none for a slack that is not a mark */
	}
}

static u32 role_of(struct llm_class *c, struct llm_task_ctx *tctx)
{
	u32 n = c->nr_roles;

	s32 i;
	bpf_for(i, 0, n) {
		if (i >= LLM_MAX_PHASE_ROLES)
			break;
		struct llm_phase_role *r = &c->roles[LLM_IDX(i, LLM_MAX_PHASE_ROLES)];

		if (prefix_match((const char *)tctx->sig.comm, r->comm, r->comm_len))
			return r->phase < LLM_NR_PHASES ? r->phase : LLM_PHASE_NONE;
	}
	return LLM_PHASE_NONE;
}

static __always_inline u32 phase_of(struct task_struct *p, struct llm_task_ctx *tctx, struct llm_class *c)
{
	u32 ph;

	if (tctx->own_phase != LLM_PHASE_NONE && tctx->own_phase < LLM_NR_PHASES)
		return tctx->own_phase;
	if ((ph = mark_of(LLM_MARK_THREAD, (u32)p->pid)))
		return ph;
	if ((ph = role_of(c, tctx)))
		return ph;
	return mark_of(LLM_MARK_PROCESS, (u32)p->tgid);
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
static u32 queue_for(struct task_struct *p, struct llm_task_ctx *tctx, struct llm_class *c, u32 *phase_out)
{
	u32 q = LLM_PHASE_NONE;

	/* Whatever the class: a process mark made from it counts for its siblings. */
	observe_slack(p, tctx);
	if (c->flags & LLM_CLASS_HAS_PHASES)
		q = phase_of(p, tctx, c);
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
	tctx->queue = q;
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
static __always_inline s32 pick_victim(struct task_struct *p, struct llm_policy *pol, u32 cls,
				       struct llm_class *c, u32 q, bool *preempts)
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
		/* Soft phase sets: the owner phase takes its CPU back from a borrower. */
		if (cst->running_class == cls && READ_ONCE(cst->borrowed)) {
			if (reclaim < 0 || cpu == here)
				reclaim = cpu;
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

/* Soft phase sets: claims an idle CPU the task may borrow from its class's
 * other phase (cpu_lendable); -1 if none or the sets are strict. */
static s32 claim_lendable_idle(struct task_struct *p, struct llm_policy *pol, u32 cls, struct llm_class *c, u32 q)
{
	u32 n = lim_cpus();
	s32 cpu;

	if (!(c->flags & LLM_CLASS_SOFT_PHASES) || sibling_queue(q) >= LLM_NR_QUEUES)
		return -1;
	bpf_for(cpu, 0, n) {
		if (!cpu_lendable(c, cls, q, cpu) || !bpf_cpumask_test_cpu(cpu, p->cpus_ptr) ||
		    blocked_by_owner(pol, cls, cpu) || !cpu_usable(cpu))
			continue;
		if (scx_bpf_test_and_clear_cpu_idle(cpu))
			return cpu;
	}
	return -1;
}

/*
 * A CPU of the task's own set that runs nothing of ours and is not held by a
 * higher sched class: where a borrower should go home to. Accepted race:
 * cpu_state is read without locks; a stale read costs one extra move or one
 * tick more on the borrowed CPU.
 */
static bool home_cpu_free(struct task_struct *p, struct llm_policy *pol, u32 cls, struct llm_class *c, u32 q)
{
	u32 n = lim_cpus();
	s32 cpu;

	bpf_for(cpu, 0, n) {
		struct cpu_state *cst;

		if (!cpu_allowed_for(p, c, q, cpu) || blocked_by_owner(pol, cls, cpu))
			continue;
		cst = cpu_state_may_fail(cpu);
		if (cst && cst->running_class == CLASS_NONE && !cpu_held(cpu, cst) &&
		    !scx_bpf_dsq_nr_queued(SCX_DSQ_LOCAL_ON | cpu))
			return true;
	}
	return false;
}

/* Whether a task of queue q that runs on cpu may go on running there: a CPU
 * of its own set, or one it borrows while no CPU of its own set is free. */
static __always_inline bool may_stay(struct task_struct *p, struct llm_policy *pol, u32 cls, struct llm_class *c,
				     u32 q, s32 cpu)
{
	if (blocked_by_owner(pol, cls, cpu))
		return false;
	if (cpu_in_queue(c, q, cpu))
		return true;
	return cpu_lendable(c, cls, q, cpu) && !home_cpu_free(p, pol, cls, c, q);
}

#endif /* LLM_PLACEMENT_BPF_H */
