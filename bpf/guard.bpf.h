/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The starvation guard: no runnable task waits longer than starvation_ms,
 * whatever its class, and the classes below a busy one keep a share of
 * its CPUs, without costing a synchronised thread pool more than that.
 *
 * Design
 *
 * Time is cut into windows of guard.period_ns (P), at the same instants on
 * every CPU (multiples of P on the scheduler clock). At the first tick of
 * a window each busy CPU looks once at the queues it serves:
 *   - a waiter queued guard.wait_ns (W) or longer is *overdue*, in any
 *     class, the top one included, and whatever CPU owns it (exclusivity
 *     never outranks the guard);
 *   - the classes below the running one are owed guard.share_ns (S') of
 *     this CPU per window if they have waiters here.
 * If either is due, the running slice ends now and ops.dispatch serves the
 * guard: overdue waiters first, each with a slice of guard.slice_ns (R),
 * oldest first across classes and up to GUARD_BATCH per walk of a queue,
 * then the share, oldest waiter first, until nothing is due. A per-CPU BPF timer ends each guard run at its slice, because the
 * kernel only checks slices at ticks (4 ms at HZ=250). Guard runs are not
 * preempted (PRIO_UNPREEMPTIBLE).
 *
 * Why windows: an OpenMP or ggml pool spins at a barrier each step, so one
 * CPU taken from it stalls every thread. Rescues that land on one CPU at a
 * time (the first guard) cost the pool one rescue per CPU; aligned windows
 * cost it one window. Ticks are not aligned across CPUs, so the first CPU
 * to cut in a window kicks the other CPUs of its class that have guard
 * work (guard_align_others): the pool stalls once, not once per tick. Measured before the change with a bpf_printk trace:
 * a rescue every ~28 ms on one CPU, each a whole 4 ms tick, each one a slow
 * pool step.
 *
 * The bound. A task queued at t0 is overdue from t0 + W; the next window
 * starts by t0 + W + P; every CPU that may run it ticks within T (one tick)
 * of that and cuts its slice; it runs after the k overdue waiters served
 * before it there. So wait <= W + P + T + k*R. The daemon compiles W = S/2,
 * P = S/4 and R = min(1 ms, S/200) for starvation_ms = S: with S = 200 ms,
 * 154 ms + k ms, inside S for k <= 46 overdue waiters per CPU per window.
 * In steady state a CPU-bound waiter is overdue about once per W + P/2, so
 * that is about 110 CPU-bound waiters per CPU. Past it, waits grow by R per
 * extra waiter; the kernel's watchdog (timeout_ms, 5 s by default) is not
 * reached before some 4800 overdue waiters per CPU per window.
 * How each case is bounded:
 *   - top class, a class sharing the top priority, FIFO order: the overdue
 *     test looks at neither priority nor order, so the running task of the
 *     same class is cut at the window start like any other. FIFO orders
 *     the class; it does not mean "runs until it blocks".
 *   - waiters of several classes: overdue waiters are served oldest first
 *     across classes, so no class keeps the guard to itself.
 *   - a task whose CPUs all lie inside another class's exclusive set: the
 *     overdue rescue ignores exclusivity (the share does not).
 *   - waiters outside the class queues: a local queue holds at most one
 *     task from placement (pick_victim never stacks preemptions) and runs
 *     it at that CPU's next switch; kernel threads are served before every
 *     class.
 *   - a CPU held by an RT, deadline or stop task runs no guard: its local
 *     waiters are re-enqueued elsewhere (ops.cpu_release).
 *
 * Trade-offs and known limits
 *
 * - The share is per contended CPU and window, not a global reservation: a
 *   class below gets S' of each CPU where something above it runs while it
 *   has waiters there. guard_share_pct = 0 leaves only the bound.
 * - The overdue scan walks the waiting tasks a CPU may run, O(queued), once
 *   per window per CPU, and again after each guard run while any is due.
 * - A window start is seen at a tick, so windows are aligned to within a
 *   tick across CPUs; idle CPUs have no tick and need none.
 * - Under an emulator a vCPU can stall for milliseconds; the bound holds on
 *   the scheduler's clock, and the tests allow the stalls they measure.
 */
#ifndef LLM_GUARD_BPF_H
#define LLM_GUARD_BPF_H

#include "state.bpf.h"

#define CLOCK_MONOTONIC 1
/* A share run shorter than this is not worth a switch. */
#define GUARD_MIN_RUN_NS 100000ULL
/* Overdue waiters moved to a CPU's local queue per walk of a queue. */
#define GUARD_BATCH 4

/* Ends a guard run at its slice: the kernel would wait for the next tick. */
struct slice_timer {
	struct bpf_timer timer;
	u64 armed_id; /* the cpu_state rescue_id it was armed for */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LLM_MAX_CPUS);
	__type(key, u32);
	__type(value, struct slice_timer);
} slice_timers SEC(".maps");

static int slice_timer_fn(void *map, int *key, struct slice_timer *t)
{
	s32 cpu = *key;
	struct cpu_state *cst = cpu_state_may_fail(cpu);

	/* Accepted race: the run may have ended since; then the id moved on,
	 * or the CPU runs something preemptible, and nothing is kicked. */
	if (cst && READ_ONCE(cst->rescue_id) == t->armed_id && cst->running_class < LLM_MAX_CLASSES &&
	    cst->running_prio == PRIO_UNPREEMPTIBLE) {
		scx_bpf_kick_cpu(cpu, SCX_KICK_PREEMPT);
		sched_stat_inc(slice_timer_kicks);
	}
	return 0;
}

/* From ops.init (sleepable): one timer per possible CPU. */
static __always_inline s32 guard_init_timers(void)
{
	s32 cpu;

	bpf_for(cpu, 0, LLM_MAX_CPUS) {
		u32 key = cpu;
		struct slice_timer *t = bpf_map_lookup_elem(&slice_timers, &key);

		if (!t)
			return -2; /* -ENOENT */
		if (bpf_timer_init(&t->timer, &slice_timers, CLOCK_MONOTONIC))
			return -22; /* -EINVAL */
		if (bpf_timer_set_callback(&t->timer, slice_timer_fn))
			return -22;
	}
	return 0;
}

/* From ops.running of a guard run: end it after `slice_ns`. */
static __always_inline void guard_arm_timer(s32 cpu, struct cpu_state *cst, u64 slice_ns)
{
	u32 key = cpu;
	struct slice_timer *t = bpf_map_lookup_elem(&slice_timers, &key);

	if (!t)
		return;
	t->armed_id = ++cst->rescue_id;
	bpf_timer_start(&t->timer, slice_ns, BPF_F_TIMER_CPU_PIN);
}

/*
 * The longest waiter of `dsq` that may run on `cpu` and has waited at
 * least min_wait; its pid, or -1. Global (not static) on purpose: the
 * verifier checks it once on its own instead of once per call site.
 */
__noinline s32 llm_oldest_waiter(u64 dsq, s32 cpu, u64 now, u64 min_wait, u64 *wait_out)
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
		if ((s64)w >= (s64)min_wait && (best_pid < 0 || w > best_wait)) {
			best_wait = w;
			best_pid = p->pid;
		}
	}
	if (wait_out)
		*wait_out = best_wait;
	return best_pid;
}

/* Moves task `pid` of `dsq` to this CPU's local queue as a guard run. */
__noinline bool llm_guard_take(u64 dsq, s32 pid, u32 kind, u64 slice_ns)
{
	struct task_struct *p;
	bool moved = false;

	bpf_for_each(scx_dsq, p, dsq, 0) {
		struct llm_task_ctx *t;

		if (p->pid != pid)
			continue;
		t = bpf_task_storage_get(&task_ctxs, p, 0, 0);
		if (t) {
			/* Set first: once moved the task may run on this CPU at once. */
			t->rescued = kind;
			t->rescue_slice_ns = slice_ns;
			moved = llm_dsq_move(BPF_FOR_EACH_ITER, p, SCX_DSQ_LOCAL, 0);
			if (!moved)
				t->rescued = LLM_RESCUE_NONE;
		}
		break;
	}
	return moved;
}

/*
 * Moves up to `max` overdue waiters of `dsq` that may run on `cpu` to this
 * CPU's local queue as guard runs, in queue order (arrival order for fifo
 * and rr classes). One walk for several rescues: with many overdue
 * waiters the walks, not the runs, were what a rescue cost (about 5 ms a
 * rescue under the emulator, against 1 ms of running). Returns how many.
 */
__noinline u32 llm_guard_take_overdue(u64 dsq, s32 cpu, u64 now, u32 max)
{
	struct llm_policy *pol = cur_policy();
	struct task_struct *p;
	u32 moved = 0;

	if (!pol)
		return 0;
	bpf_for_each(scx_dsq, p, dsq, 0) {
		struct llm_task_ctx *t = bpf_task_storage_get(&task_ctxs, p, 0, 0);

		if (moved >= max)
			break;
		if (!t || !t->enqueued_at || !bpf_cpumask_test_cpu(cpu, p->cpus_ptr) ||
		    (s64)(now - t->enqueued_at) < (s64)pol->guard.wait_ns)
			continue;
		t->rescued = LLM_RESCUE_OVERDUE;
		t->rescue_slice_ns = pol->guard.slice_ns;
		if (llm_dsq_move(BPF_FOR_EACH_ITER, p, SCX_DSQ_LOCAL, 0))
			moved++;
		else
			t->rescued = LLM_RESCUE_NONE;
	}
	return moved;
}

/* Some class below `prio` has waiters in a queue this CPU serves. */
static bool guard_share_wanted(struct llm_policy *pol, s32 cpu, u32 prio)
{
	u32 n = pol->nr_classes;

	if (!pol->guard.share_ns)
		return false;
	s32 i;
	bpf_for(i, 0, n) {
		u32 cls;
		struct llm_class *c = class_at_rank(pol, n - 1 - i, &cls);

		if (!c || c->priority >= prio)
			break;
		if (blocked_by_owner(pol, cls, cpu))
			continue;
		for (u32 q = 0; q < LLM_NR_QUEUES; q++)
			if (cpu_in_queue(c, q, cpu) && scx_bpf_dsq_nr_queued(dsq_of(cls, q)))
				return true;
	}
	return false;
}

/*
 * Window bookkeeping, from ops.tick and ops.dispatch. Returns true when
 * this call entered a new window for the CPU.
 */
static __always_inline bool guard_enter_window(struct llm_policy *pol, struct cpu_state *cst, u64 now)
{
	u64 win;

	if (!pol->guard.period_ns)
		return false;
	win = now / pol->guard.period_ns;
	if (cst->window == win)
		return false;
	cst->window = win;
	cst->share_left_ns = pol->guard.share_ns;
	cst->guard_active = 1;
	sched_stat_inc(guard_windows);
	return true;
}

/* What the guard looks for on a CPU, and what it found. */
struct guard_pick {
	u32 kind;  /* in: LLM_RESCUE_OVERDUE or LLM_RESCUE_SHARE */
	u32 prio;  /* in, SHARE: only classes below this priority */
	u64 dsq;   /* out: the queue of the longest waiter */
	u32 cls;   /* out: its class */
	s32 pid;   /* out: the waiter, or -1 */
	u64 wait;  /* out: how long it has waited */
};

/*
 * The longest waiter this CPU may run, oldest first across classes: for
 * LLM_RESCUE_OVERDUE any class, exclusivity ignored, waited at least
 * guard.wait_ns; for LLM_RESCUE_SHARE the classes below `prio` that do not
 * lose this CPU to an exclusive owner. Oldest first, not lowest class
 * first: with more overdue waiters than a window can serve, a lower class
 * must not keep the guard to itself (it did: waits of 3 s in a class above
 * it, vm.guard_scale). Returns pick->pid >= 0.
 */
static bool guard_find(struct llm_policy *pol, s32 cpu, u64 now, struct guard_pick *pick)
{
	u64 min_wait = pick->kind == LLM_RESCUE_OVERDUE ? pol->guard.wait_ns : 0;
	u32 n = pol->nr_classes;

	pick->pid = -1;
	pick->wait = 0;
	s32 i;
	bpf_for(i, 0, n) {
		u32 cls;
		struct llm_class *c = class_at_rank(pol, n - 1 - i, &cls);

		if (!c)
			break;
		if (pick->kind == LLM_RESCUE_SHARE && (c->priority >= pick->prio || blocked_by_owner(pol, cls, cpu)))
			continue;
		s32 q;
		bpf_for(q, 0, LLM_NR_QUEUES) {
			u64 dsq = dsq_of(cls, q), w = 0;
			s32 pid;

			if (!cpu_in_queue(c, q, cpu) || !scx_bpf_dsq_nr_queued(dsq))
				continue;
			pid = llm_oldest_waiter(dsq, cpu, now, min_wait, &w);
			if (pid >= 0 && (pick->pid < 0 || w > pick->wait)) {
				pick->pid = pid;
				pick->wait = w;
				pick->dsq = dsq;
				pick->cls = cls;
			}
		}
	}
	return pick->pid >= 0;
}

/* Overdue waiters this CPU may run, in any class, exclusivity ignored. */
static __always_inline bool guard_overdue_here(struct llm_policy *pol, s32 cpu, u64 now)
{
	struct guard_pick pick = { .kind = LLM_RESCUE_OVERDUE };

	return guard_find(pol, cpu, now, &pick);
}

/* The last window whose guard runs were aligned across CPUs. */
__u64 guard_aligned_window;

/*
 * The first CPU to cut a slice in window `win` also cuts, now, the other
 * CPUs running the same class that have guard work in this window, instead
 * of leaving each to its own next tick: ticks are not aligned across CPUs,
 * so a pool would otherwise stall once per CPU, up to a tick apart. A CPU
 * whose tick already entered the window, or that runs a guard run or a
 * kernel thread, is left alone.
 * Accepted races: another CPU's state may change between the read and the
 * kick; a kick that finds nothing due costs one switch back to the same
 * task (guard_dispatch finds nothing and clears guard_active). If that
 * CPU's own tick enters the window at the same instant, the window and the
 * cut are counted twice.
 */
static __always_inline void guard_align_others(struct llm_policy *pol, s32 cpu, u32 cls, u64 now)
{
	u64 win = now / pol->guard.period_ns, seen = guard_aligned_window;
	s32 o;

	if (seen >= win || __sync_val_compare_and_swap(&guard_aligned_window, seen, win) != seen)
		return;
	bpf_for(o, 0, lim_cpus()) {
		struct cpu_state *ost;

		if (o == cpu || !(ost = cpu_state_may_fail(o)) || ost->window == win || ost->held ||
		    ost->running_class != cls || ost->running_prio >= PRIO_UNPREEMPTIBLE)
			continue;
		if (!guard_overdue_here(pol, o, now) && !guard_share_wanted(pol, o, ost->running_prio))
			continue;
		/* Enter the window for it, so its own tick does not cut again. */
		if (!guard_enter_window(pol, ost, now))
			continue;
		scx_bpf_kick_cpu(o, SCX_KICK_PREEMPT);
		sched_stat_inc(guard_cuts);
	}
}

/*
 * ops.tick: at the first tick of a window, cut the running slice if the
 * guard has something to do here, and align the other CPUs of the running
 * class with it. running_prio is the running task's class priority.
 */
static __always_inline void guard_tick(struct llm_policy *pol, s32 cpu, struct task_struct *p, u32 cls,
				       u32 running_prio, u64 now)
{
	struct cpu_state *cst = cpu_state_of(cpu);

	if (!cst || !guard_enter_window(pol, cst, now))
		return;
	if (guard_overdue_here(pol, cpu, now) || guard_share_wanted(pol, cpu, running_prio)) {
		p->scx.slice = 0;
		sched_stat_inc(guard_cuts);
		guard_align_others(pol, cpu, cls, now);
	} else {
		cst->guard_active = 0;
	}
}

/* Takes what guard_find() picks: a batch of overdue waiters from the queue
 * of the oldest one, or the oldest waiter below `prio` for the share. */
static bool guard_take(struct llm_policy *pol, s32 cpu, u64 now, u32 kind, u32 prio)
{
	struct cpu_state *cst = cpu_state_of(cpu);
	struct guard_pick pick = { .kind = kind, .prio = prio };

	if (!cst || !guard_find(pol, cpu, now, &pick))
		return false;
	if (kind == LLM_RESCUE_OVERDUE) {
		u32 got = llm_guard_take_overdue(pick.dsq, cpu, now, GUARD_BATCH);
		struct llm_class_stats *st = stats_of(pick.cls);

		if (st) {
			st->starvation_rescues += got;
			st->dispatches += got;
		}
		return got > 0;
	}
	if (!llm_guard_take(pick.dsq, pick.pid, kind, cst->share_left_ns))
		return false;
	stat_inc(pick.cls, guard_share_runs);
	stat_inc(pick.cls, dispatches);
	return true;
}

/*
 * ops.dispatch, first: serve what the guard owes this CPU in this window.
 * `prio` is the priority of what would run here otherwise (prev's class,
 * or the top priority). Returns true if it put a task in the local queue.
 */
static bool guard_dispatch(struct llm_policy *pol, s32 cpu, u32 prio, u64 now)
{
	struct cpu_state *cst = cpu_state_of(cpu);

	if (!cst)
		return false;
	guard_enter_window(pol, cst, now);
	if (!cst->guard_active)
		return false;
	if (guard_take(pol, cpu, now, LLM_RESCUE_OVERDUE, 0))
		return true;
	if (cst->share_left_ns >= GUARD_MIN_RUN_NS && guard_take(pol, cpu, now, LLM_RESCUE_SHARE, prio))
		return true;
	cst->guard_active = 0;
	return false;
}

/* ops.stopping of a share run: what it used comes off the window's share. */
static __always_inline void guard_charge_share(struct cpu_state *cst, u64 ran_ns)
{
	u64 left = cst->share_left_ns;

	cst->share_left_ns = ran_ns >= left ? 0 : left - ran_ns;
}

#endif /* LLM_GUARD_BPF_H */
