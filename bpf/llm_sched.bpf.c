/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * llm_sched: a class-based sched_ext scheduler for hosts that run LLM jobs
 * beside other work.
 *
 * Design
 *
 * The daemon compiles the JSON policy into one struct llm_policy (see
 * include/llm_schedd/intf.h) and writes it into the inactive slot of the
 * two-slot `policy` map, then flips `active_slot`, then waits for an RCU
 * grace period before it may write that slot again. Every callback reads
 * the slot once, so a decision never mixes two generations. Tasks remember
 * what they were classified on and are classified again lazily
 * (classify.bpf.h).
 *
 * The parts, one translation unit:
 *   state.bpf.h      maps, per-CPU and per-class records, accessors
 *   classify.bpf.h   match rules, and when to classify again
 *   placement.bpf.h  queues, idle CPUs, victims, CPUs held by RT tasks
 *   guard.bpf.h      the starvation guard: the bound and the share
 *   this file        the sched_ext callbacks that tie them together
 *
 * Each class has four FIFO-or-vtime DSQs, one per queue (its CPUs, the
 * forward and backward sets, and "any" for affinity fallbacks). All inserts
 * are vtime inserts, which lets a reload change a class's order without
 * mixing FIFO and priority inserts on one DSQ: fifo and rr use an arrival
 * stamp as the key, fair uses weighted virtual time.
 *
 * A CPU serves, in this order: its local queue and the kernel's global
 * queue (unbound kernel threads); then ops.dispatch: what the guard owes
 * this CPU in this window, and the classes from highest to lowest priority,
 * where a still-runnable prev keeps the CPU until a queued class outranks
 * it. A waking task takes an idle CPU of its set, else a CPU between
 * tasks, else preempts the lowest class below it (placement.bpf.h).
 *
 * Kernel threads are not classified. A per-CPU kernel thread goes straight
 * to the head of its CPU's local queue, preempting a class task there, and
 * is never preempted or moved by class logic (its CPU is marked
 * PRIO_UNPREEMPTIBLE while it runs); an unbound one waits in the kernel's
 * global queue, served before every class, so RCU, reclaim and workqueues
 * keep moving under an LLM job that fills every CPU. Their waits and
 * runtime are counted in sched_stats.
 *
 * Phases come from the thread itself: prctl(PR_SET_TIMERSLACK) with one of
 * the reserved values (LLM_PHASE_SLACK_*), for the thread or for its whole
 * process. The kernel only lets a thread change its own slack (others need
 * CAP_SYS_NICE and ptrace rights), it costs one syscall, and the value is
 * read at every decision, so a switch applies at the next decision;
 * ops.tick moves a running thread that sits on a wrong-phase CPU within
 * one tick. A class's role rules and marks the daemon sets on an owner's
 * request (phase_marks) come next; placement.bpf.h gives the order, and
 * why a mark is not inherited at clone.
 *
 * Slices: in history mode a task's slice is clamp(scale * ewma, min, max)
 * where ewma averages its recent running->stopping bursts (guard runs
 * excluded: their length is the guard's, not the task's).
 *
 * Trade-offs and known limits
 *
 * - CPU hotplug: ops.cpu_online/offline keep the scheduler attached and
 *   stop it sending tasks to an offline CPU, but the sets stay as compiled
 *   until the daemon pushes new ones (within about 250 ms). Until then a
 *   queue whose only CPUs left waits; the guard and the kernel's watchdog
 *   (timeout_ms) are far longer. Without the daemon (killed), the kernel
 *   detaches the scheduler anyway.
 * - A woken task runs under the phase it had when it slept, until its
 *   next decision; workloads should mark a phase before blocking.
 * - Unbound kernel threads come before every class. A kernel thread that
 *   runs without end (kswapd under heavy reclaim) can take a CPU from the
 *   top class, as it would under the kernel's own scheduler; the guard
 *   still bounds everyone else's wait.
 */
#include "state.bpf.h"
#include "classify.bpf.h"
#include "placement.bpf.h"
#include "guard.bpf.h"

char _license[] SEC("license") = "GPL";

/* ---- kernel threads ---------------------------------------------------- */

/* The CPU a waking unbound kernel thread should preempt: the one running
 * the lowest class among those it may use. -1 if none. */
static s32 kthread_victim(struct task_struct *p)
{
	u32 n = lim_cpus(), best_prio = PRIO_UNPREEMPTIBLE;
	s32 best = -1, cpu;

	bpf_for(cpu, 0, n) {
		struct cpu_state *cst;

		if (!cpu_usable(cpu) || !bpf_cpumask_test_cpu(cpu, p->cpus_ptr))
			continue;
		cst = cpu_state_may_fail(cpu);
		if (!cst || cst->running_class >= LLM_MAX_CLASSES || cst->running_prio >= best_prio ||
		    cpu_held(cpu, cst))
			continue;
		best = cpu;
		best_prio = cst->running_prio;
	}
	return best;
}

/*
 * A per-CPU kernel thread goes to the head of its CPU's local queue and
 * preempts a class task running there (never a guard run or another kernel
 * thread): per-CPU work (vmstat, LRU drains, RCU) holds up callers that
 * wait for every CPU. An unbound one waits in the kernel's global DSQ,
 * which every CPU drains before it asks ops.dispatch (and even while a CPU
 * is between offline and online), and wakes an idle CPU or preempts the
 * lowest class. A custom DSQ would be served only by ops.dispatch: during
 * CPU hotplug, inserts into local DSQs fall back to the global DSQ and
 * CPUs that find work there never call ops.dispatch, so rcu_preempt waited
 * there while hotplug waited for an RCU grace period (an ejection in the
 * lane, the kernel's dump showing rcu_preempt queued for 3 s).
 */
static void enqueue_kthread(struct task_struct *p, u64 enq_flags, u64 now)
{
	struct llm_task_ctx *tctx = task_ctx_may_fail(p);
	s32 cpu;

	if (tctx)
		tctx->enqueued_at = now;
	if (is_percpu_kthread(p) || (enq_flags & LLM_ENQ_LAST)) {
		struct cpu_state *cst = cpu_state_may_fail(scx_bpf_task_cpu(p));
		u64 flags = enq_flags | LLM_ENQ_HEAD;

		if (!(enq_flags & LLM_ENQ_LAST) && cst && cst->running_class < LLM_MAX_CLASSES &&
		    cst->running_prio < PRIO_UNPREEMPTIBLE)
			flags |= LLM_ENQ_PREEMPT;
		llm_dsq_insert(p, SCX_DSQ_LOCAL, SCX_SLICE_DFL, flags);
		return;
	}
	llm_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
	cpu = scx_bpf_pick_idle_cpu(p->cpus_ptr, 0);
	if (cpu >= 0) {
		scx_bpf_kick_cpu(cpu, SCX_KICK_IDLE);
		return;
	}
	cpu = kthread_victim(p);
	if (cpu >= 0)
		scx_bpf_kick_cpu(cpu, SCX_KICK_PREEMPT);
}

/* ---- callbacks --------------------------------------------------------- */

s32 BPF_STRUCT_OPS(llm_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	struct llm_policy *pol = cur_policy();
	struct llm_task_ctx *tctx;
	struct llm_class *c;
	u32 q, phase, n = lim_cpus();
	s32 first = -1;

	if (!pol || is_percpu_kthread(p))
		return prev_cpu;
	if (is_kthread(p)) {
		bool idle = false;
		s32 cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &idle);

		if (idle) {
			if ((tctx = task_ctx_may_fail(p)))
				tctx->enqueued_at = llm_now();
			llm_dsq_insert(p, SCX_DSQ_LOCAL, SCX_SLICE_DFL, 0);
		}
		return cpu;
	}
	tctx = task_ctx(p, pol);
	if (!tctx || !(c = class_of(pol, tctx->class_id)))
		return prev_cpu;
	q = queue_for(p, tctx, c, &phase);

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
	/* Soft phase sets: an idle CPU of the other phase, while it waits for nothing. */
	{
		s32 lent = claim_lendable_idle(p, pol, tctx->class_id, c, q);

		if (lent >= 0) {
			prev_cpu = lent;
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
		struct cpu_state *hst = cpu_state_may_fail(here);

		if (hst && hst->running_class < LLM_MAX_CLASSES && hst->running_prio < c->priority &&
		    cpu_allowed_for(p, c, q, here) && !blocked_by_owner(pol, tctx->class_id, here))
			return here;
	}
	if (!cpu_allowed_for(p, c, q, prev_cpu) && first >= 0)
		return first;
	return prev_cpu;
direct:
	note_phase(p, tctx, c, q, phase);
	tctx->rescued = LLM_RESCUE_NONE;
	tctx->enqueued_at = llm_now();
	llm_dsq_insert(p, SCX_DSQ_LOCAL, give_slice(c, tctx), 0);
	stat_inc(tctx->class_id, enqueues);
	stat_inc(tctx->class_id, dispatches);
	if (q == LLM_PHASE_ANY)
		stat_inc(tctx->class_id, affinity_fallbacks);
	return prev_cpu;
}

void BPF_STRUCT_OPS(llm_enqueue, struct task_struct *p, u64 enq_flags)
{
	struct llm_policy *pol = cur_policy();
	struct llm_task_ctx *tctx;
	struct class_state *cs;
	struct llm_class *c;
	u32 q, phase, cls;
	u64 now = llm_now(), key;

	if (pol && is_kthread(p)) {
		enqueue_kthread(p, enq_flags, now);
		return;
	}
	if (!pol || !(tctx = task_ctx(p, pol)) || !(c = class_of(pol, tctx->class_id))) {
		llm_dsq_insert(p, SCX_DSQ_LOCAL, SCX_SLICE_DFL, enq_flags);
		return;
	}
	/* Only before 6.15: it may run nowhere but here (scx_compat.bpf.h). Its
	 * class's order is skipped for the short migrate-disabled section. */
	if (llm_migration_disabled(p)) {
		tctx->enqueued_at = now;
		llm_dsq_insert(p, SCX_DSQ_LOCAL, give_slice(c, tctx), enq_flags);
		stat_inc(tctx->class_id, enqueues);
		stat_inc(tctx->class_id, dispatches);
		return;
	}
	cls = tctx->class_id;
	q = queue_for(p, tctx, c, &phase);
	note_phase(p, tctx, c, q, phase);
	tctx->rescued = LLM_RESCUE_NONE;
	tctx->enqueued_at = now;
	stat_inc(cls, enqueues);
	if (q == LLM_PHASE_ANY)
		stat_inc(cls, affinity_fallbacks);
	/*
	 * The CPU's only task used up its slice (SCX_OPS_ENQ_LAST). If this CPU
	 * is still right for it, keep it here with a fresh fitted slice; if not
	 * (phase switch, reload), it goes below to a CPU of its set like a
	 * waking task, as this CPU is about to idle.
	 */
	if ((enq_flags & LLM_ENQ_LAST) && may_stay(p, pol, cls, c, q, scx_bpf_task_cpu(p))) {
		llm_dsq_insert(p, SCX_DSQ_LOCAL, give_slice(c, tctx), enq_flags);
		stat_inc(cls, dispatches);
		return;
	}
	cs = cstate_of(cls);

	if (c->order == LLM_ORDER_FAIR) {
		/* Accepted race: vtime_now is advanced by every CPU without a
		 * lock, so a reader may see a value a little behind; a new task
		 * then starts a little ahead in its class, never unboundedly. */
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
	 * victim when it arrived, and the guard bounds its wait.
	 */
	s32 idle = claim_idle(p, pol, cls, c, q);

	if (idle < 0) {
		bool preempts = false;
		s32 lent = claim_lendable_idle(p, pol, cls, c, q);

		/* An idle CPU lent by the other phase beats preempting anyone. */
		if (lent >= 0) {
			llm_dsq_insert(p, SCX_DSQ_LOCAL_ON | lent, give_slice(c, tctx), enq_flags);
			stat_inc(cls, dispatches);
			scx_bpf_kick_cpu(lent, SCX_KICK_IDLE);
			return;
		}
		s32 victim = pick_victim(p, pol, cls, c, q, &preempts);

		if (victim >= 0) {
			llm_dsq_insert(p, SCX_DSQ_LOCAL_ON | victim, give_slice(c, tctx),
				       enq_flags | (preempts ? LLM_ENQ_PREEMPT : 0));
			if (preempts)
				stat_inc(cls, preemptions);
			stat_inc(cls, dispatches);
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
	/* Soft phase sets: nothing of this CPU's own phase waits; serve the other's. */
	if (c->flags & LLM_CLASS_SOFT_PHASES) {
		for (u32 q = LLM_PHASE_FORWARD; q <= LLM_PHASE_BACKWARD; q++)
			if (cpu_lendable(c, cls, q, cpu) && llm_dsq_move_to_local(dsq_of(cls, q)))
				return true;
	}
	return false;
}

/* A guard run that dispatch lets go on becomes an ordinary run. */
static __always_inline void end_guard_run(struct llm_task_ctx *tctx, struct llm_class *c, s32 cpu, u64 now)
{
	struct cpu_state *cst = cpu_state_of(cpu);

	if (!cst)
		return;
	if (tctx->rescued == LLM_RESCUE_SHARE && now > tctx->started_at)
		guard_charge_share(cst, now - tctx->started_at);
	tctx->rescued = LLM_RESCUE_NONE;
	cst->running_prio = c->priority;
}

/*
 * ops.dispatch runs before an expired prev is re-enqueued, so prev competes
 * here: it keeps the CPU (with a fresh fitted slice) unless a kernel thread
 * waits, the guard is owed this CPU, or a queued class outranks it.
 * Within its own class a fifo task keeps its place; rr and fair let their
 * queue go first.
 */
void BPF_STRUCT_OPS(llm_dispatch, s32 cpu, struct task_struct *prev)
{
	struct llm_policy *pol = cur_policy();
	struct llm_task_ctx *ptctx = NULL;
	struct llm_class *pc = NULL;
	bool keep_prev = false;
	u32 n, pcls = CLASS_NONE, prio_here;
	u64 now = llm_now(), gen, gen_tail;

	if (!pol)
		return;
	gen = READ_ONCE(pol->generation);
	gen_tail = READ_ONCE(pol->generation_tail);
	n = pol->nr_classes;
	if (fault_error_after && ++nr_dispatches_total > fault_error_after) {
		llm_error("llm_sched: injected test fault after %llu dispatches", fault_error_after);
		return;
	}

	if (prev && (prev->scx.flags & SCX_TASK_QUEUED) && !is_kthread(prev) &&
	    (ptctx = task_ctx(prev, pol)) && (pc = class_of(pol, ptctx->class_id))) {
		u32 phase, q = queue_for(prev, ptctx, pc, &phase);

		pcls = ptctx->class_id;
		keep_prev = may_stay(prev, pol, pcls, pc, q, cpu);
	}
	prio_here = pc ? pc->priority : top_priority(pol);

	/* Unbound kernel threads were served before this call (global DSQ). */
	if (guard_dispatch(pol, cpu, prio_here, now))
		goto out;

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
			stat_inc(cls, dispatches);
			goto out;
		}
	}
	if (keep_prev && pc && ptctx) {
		if (ptctx->rescued)
			end_guard_run(ptctx, pc, cpu, now);
		prev->scx.slice = give_slice(pc, ptctx);
	}
out:
	/* The daemon never rewrites a slot that a running callback may hold
	 * (it waits for a grace period first); count it if that ever fails. */
	if (gen != gen_tail || READ_ONCE(pol->generation) != gen || READ_ONCE(pol->generation_tail) != gen_tail)
		__sync_fetch_and_add(&torn_reads, 1);
}

void BPF_STRUCT_OPS(llm_tick, struct task_struct *p)
{
	struct llm_policy *pol = cur_policy();
	struct llm_task_ctx *tctx;
	struct llm_class *c;
	s32 cpu = scx_bpf_task_cpu(p);
	u32 q, phase;

	if (!pol || is_kthread(p) || !(tctx = task_ctx(p, pol)) || !(c = class_of(pol, tctx->class_id)))
		return;
	account_runtime(tctx, llm_now());

	/* A phase switch, or a reload, left the task on a CPU it may not use; or
	 * it borrows a CPU that the owner phase wants back, or can go home. */
	q = queue_for(p, tctx, c, &phase);
	if (!may_stay(p, pol, tctx->class_id, c, q, cpu)) {
		note_phase(p, tctx, c, q, phase);
		p->scx.slice = 0;
		return;
	}
	/* A mark that needs no move (its CPU is in both sets) still shows. */
	tctx->phase = phase;
	/* A guard run ends by its own timer. */
	if (!tctx->rescued)
		guard_tick(pol, cpu, p, tctx->class_id, c->priority, llm_now());
}

void BPF_STRUCT_OPS(llm_runnable, struct task_struct *p, u64 enq_flags)
{
	struct llm_policy *pol = cur_policy();
	struct llm_task_ctx *tctx;
	struct class_state *cs;

	if (!pol || is_kthread(p) || !(tctx = task_ctx(p, pol)))
		return;
	tctx->fifo_key = llm_now();
	/* Count it in its class; quiescent() uncounts the same class even if a
	 * reload or a cgroup move reclassifies the task in between. */
	tctx->runnable_class = tctx->class_id;
	cs = cstate_of(tctx->class_id);
	if (cs)
		__sync_fetch_and_add(&cs->nr_runnable, 1);
}

static __always_inline void kthread_running(struct llm_task_ctx *tctx, struct cpu_state *cst, u64 now)
{
	struct llm_sched_stats *st = sched_stats_here();

	cst->running_class = CLASS_KTHREAD;
	cst->running_prio = PRIO_UNPREEMPTIBLE;
	if (!st)
		return;
	st->kthread_runs++;
	if (tctx->enqueued_at && now > tctx->enqueued_at) {
		u64 wait = now - tctx->enqueued_at;

		st->kthread_lat_hist[llm_lat_bucket(wait) & (LLM_LAT_BUCKETS - 1)]++;
		if (wait > st->kthread_wait_max_ns)
			st->kthread_wait_max_ns = wait;
		if (wait > tctx->max_wait_ns)
			tctx->max_wait_ns = wait;
	}
	tctx->enqueued_at = 0;
}

void BPF_STRUCT_OPS(llm_running, struct task_struct *p)
{
	struct llm_policy *pol = cur_policy();
	struct llm_task_ctx *tctx = task_ctx_may_fail(p);
	s32 cpu = scx_bpf_task_cpu(p);
	struct cpu_state *cst = cpu_state_of(cpu);
	struct class_state *cs;
	struct llm_class *c;
	u64 now = llm_now();

	if (!tctx || !cst)
		return;
	tctx->started_at = now;
	if (is_kthread(p)) {
		kthread_running(tctx, cst, now);
		return;
	}
	if (!pol)
		return;
	record_wait(stats_of(tctx->class_id), tctx, now);
	tctx->enqueued_at = 0;
	tctx->accounted_at = now;
	cs = cstate_of(tctx->class_id);
	/* Accepted race: a compare and a store, not an atomic max. Two CPUs
	 * starting tasks of one class at once may both store, and the smaller
	 * vtime may land last, so the clock steps back by at most one slice
	 * and moves on at the next start; a lock here would serialise every
	 * start of the class. */
	if (cs && (s64)(p->scx.dsq_vtime - cs->vtime_now) > 0)
		cs->vtime_now = p->scx.dsq_vtime;
	c = class_of(pol, tctx->class_id);
	if (!c)
		return;
	cst->running_class = tctx->class_id;
	cst->running_prio = tctx->rescued ? PRIO_UNPREEMPTIBLE : c->priority;
	{
		u32 home = tctx->queue, lender = sibling_queue(home);
		bool borrowed = (c->flags & LLM_CLASS_SOFT_PHASES) && lender < LLM_NR_QUEUES &&
				!cpu_in_queue(c, home, cpu) && cpu_in_queue(c, lender, cpu);

		WRITE_ONCE(cst->borrowed, borrowed);
		if (borrowed)
			stat_inc(tctx->class_id, phase_borrows);
	}
	if (tctx->rescued) {
		p->scx.slice = tctx->rescue_slice_ns;
		guard_arm_timer(cpu, cst, tctx->rescue_slice_ns);
	}
}

void BPF_STRUCT_OPS(llm_stopping, struct task_struct *p, bool runnable)
{
	struct llm_policy *pol = cur_policy();
	struct llm_task_ctx *tctx = task_ctx_may_fail(p);
	struct cpu_state *cst = cpu_state_of(scx_bpf_task_cpu(p));
	struct llm_class *c;
	u64 now = llm_now(), burst;
	u32 rescued;

	if (cst) {
		cst->running_class = CLASS_NONE;
		cst->borrowed = 0;
	}
	if (!tctx || !tctx->started_at)
		return;
	burst = now - tctx->started_at;
	if (is_kthread(p)) {
		struct llm_sched_stats *st = sched_stats_here();

		if (st)
			st->kthread_runtime_ns += burst;
		return;
	}
	rescued = tctx->rescued;
	tctx->rescued = LLM_RESCUE_NONE;
	if (rescued == LLM_RESCUE_SHARE && cst)
		guard_charge_share(cst, burst);
	if (!pol || !(c = class_of(pol, tctx->class_id)))
		return;
	if (!rescued) {
		tctx->ewma_ns = llm_ewma_update(tctx->ewma_ns, burst, c->ewma_q10, tctx->bursts);
		tctx->bursts++;
	}
	account_runtime(tctx, now);
	tctx->accounted_at = 0;
	if (p->scx.weight)
		tctx->vtime += burst * 100 / p->scx.weight;
	/* rr: an expired slice goes to the back of the class. */
	if (runnable && p->scx.slice == 0 && c->order == LLM_ORDER_RR)
		tctx->fifo_key = now;
}

void BPF_STRUCT_OPS(llm_quiescent, struct task_struct *p, u64 deq_flags)
{
	struct llm_task_ctx *tctx = task_ctx_may_fail(p);
	struct class_state *cs;

	if (!tctx || tctx->runnable_class == CLASS_NONE)
		return;
	cs = cstate_of(tctx->runnable_class);
	if (cs)
		__sync_fetch_and_sub(&cs->nr_runnable, 1);
	tctx->runnable_class = CLASS_NONE;
}

/*
 * An RT, deadline or stop task took this CPU. Tasks waiting in its local
 * queue would wait behind it; send them back through ops.enqueue, which
 * places them elsewhere (placement skips held CPUs).
 */
void BPF_STRUCT_OPS(llm_cpu_release, s32 cpu, struct scx_cpu_release_args *args)
{
	struct cpu_state *cst = cpu_state_of(cpu);
	struct llm_sched_stats *st = sched_stats_here();
	s32 waiting = scx_bpf_dsq_nr_queued(SCX_DSQ_LOCAL);

	if (cst) {
		WRITE_ONCE(cst->held, 1);
		cst->running_class = CLASS_NONE;
		cst->borrowed = 0;
	}
	if (st) {
		st->cpu_releases++;
		if (waiting > 0)
			st->reenqueued += waiting;
	}
	llm_reenqueue_local();
}

void BPF_STRUCT_OPS(llm_cpu_acquire, s32 cpu, struct scx_cpu_acquire_args *args)
{
	struct cpu_state *cst = cpu_state_of(cpu);

	if (cst)
		WRITE_ONCE(cst->held, 0);
}

s32 BPF_STRUCT_OPS(llm_init_task, struct task_struct *p, struct scx_init_task_args *args)
{
	struct llm_task_ctx *tctx;

	tctx = bpf_task_storage_get(&task_ctxs, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!tctx)
		return -12; /* -ENOMEM */
	tctx->generation = (u64)-1; /* classify at the first decision */
	tctx->runnable_class = CLASS_NONE;
	/*
	 * A new thread's slack is its parent's: seen already, so not its mark.
	 * For one that was there before the attach, a slack equal to the one it
	 * was born with (default_timer_slack_ns, copied at clone) is inherited
	 * too; any other is looked at afresh, so marks made before an attach or
	 * an ejection count again.
	 */
	if (args->fork || p->timer_slack_ns == p->default_timer_slack_ns)
		tctx->seen_slack = p->timer_slack_ns;
	else
		tctx->seen_slack = 0;
	tctx->own_phase = LLM_PHASE_NONE;
	return 0;
}

/*
 * Forgets the marks of a thread that exits, and of its process when the
 * group leader goes (its task is freed only after every thread has gone).
 * Accepted race: the leader's pid can be handed to a new process before
 * this runs (it is freed at release, the task a little later); a mark that
 * process made in that window is dropped with the old one.
 */
void BPF_STRUCT_OPS(llm_exit_task, struct task_struct *p, struct scx_exit_task_args *args)
{
	if (args->cancelled)
		return; /* the scheduler is going, not the task */
	set_mark(LLM_MARK_THREAD, (u32)p->pid, LLM_PHASE_NONE);
	if (p->pid == p->tgid)
		set_mark(LLM_MARK_PROCESS, (u32)p->tgid, LLM_PHASE_NONE);
}

s32 BPF_STRUCT_OPS_SLEEPABLE(llm_init)
{
	u32 n = LLM_MAX_CLASSES * LLM_NR_QUEUES;
	s32 ret;

	kernel_features = llm_kernel_features();
	s32 i;
	bpf_for(i, 0, n) {
		ret = scx_bpf_create_dsq(DSQ_BASE + i, -1);
		if (ret)
			return ret;
	}
	s32 cpu;
	bpf_for(cpu, 0, LLM_MAX_CPUS) {
		struct cpu_state *cst = cpu_state_may_fail(cpu);

		if (cst)
			cst->running_class = CLASS_NONE;
	}
	return guard_init_timers();
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
	struct cpu_state *cst = cpu_state_may_fail(cpu);

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
	bpf_probe_read_kernel_str(exit_info.dump, sizeof(exit_info.dump), BPF_CORE_READ(ei, dump));
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
	.cpu_acquire = (void *)llm_cpu_acquire,
	.cpu_release = (void *)llm_cpu_release,
	.init_task = (void *)llm_init_task,
	.exit_task = (void *)llm_exit_task,
	.cpu_online = (void *)llm_cpu_online,
	.cpu_offline = (void *)llm_cpu_offline,
	.init = (void *)llm_init,
	.exit = (void *)llm_exit,
	/* The last runnable task comes back through ops.enqueue, so it gets
	 * its fitted slice rather than the kernel's default refill. */
	.flags = SCX_OPS_ENQ_LAST,
	.timeout_ms = 5000,
	/* The kernel's dump of every CPU and task on an error exit; the daemon logs it. */
	.exit_dump_len = LLM_EXIT_DUMP_LEN,
	.name = "llm_sched",
};
