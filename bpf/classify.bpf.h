/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Classification: which class a task belongs to, and when to ask again.
 *
 * The daemon compiles the policy's match rules into pol->rules, in file
 * order; the first rule whose conditions all hold names the class, and a
 * task no rule matches goes to the default class. A task is classified
 * lazily, at its next decision, whenever what the rules can look at has
 * changed since the last time: the policy generation, the thread's full
 * 16-byte comm, its group leader's comm, its cgroup, or its real uid. So a
 * rename (prctl(PR_SET_NAME) or a write to /proc/TID/comm), a cgroup move,
 * a setuid() without exec, or a reload all take effect at the next
 * decision, and no task is ever seen without a class.
 *
 * Kernel threads are never classified: they bypass the classes entirely
 * (see llm_sched.bpf.c).
 *
 * Trade-offs: the signature costs five small reads per decision. Comparing
 * it exactly, rather than a hash of it, means no change can go unseen.
 */
#ifndef LLM_CLASSIFY_BPF_H
#define LLM_CLASSIFY_BPF_H

#include "state.bpf.h"

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

static bool rule_matches(struct task_struct *p, const struct llm_rule *r, const struct llm_task_sig *sig)
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
	if ((f & LLM_MATCH_UID) && sig->uid != r->uid)
		return false;
	if ((f & LLM_MATCH_COMM) && !prefix_match((const char *)sig->comm, r->comm, r->comm_len))
		return false;
	if ((f & LLM_MATCH_LEADER_COMM) &&
	    !prefix_match((const char *)sig->leader_comm, r->leader_comm, r->leader_comm_len))
		return false;
	if ((f & LLM_MATCH_CGROUP) && !in_cgroup(p, r))
		return false;
	return true;
}

struct classify_ctx {
	struct task_struct *p;
	struct llm_policy *pol;
	const struct llm_task_sig *sig;
	u32 cls;
};

static long classify_one(u64 i, void *data)
{
	struct classify_ctx *cx = data;
	struct llm_rule *r = &cx->pol->rules[LLM_IDX(i, LLM_MAX_RULES)];

	if (!rule_matches(cx->p, r, cx->sig))
		return 0;
	cx->cls = r->class_id < cx->pol->nr_classes ? r->class_id : cx->pol->default_class;
	return 1; /* first match wins */
}

/*
 * bpf_loop, not bpf_for: the verifier checks the callback once, whatever
 * the number of rules. 6.12's verifier walked a bpf_for over 64 rules of
 * unrolled prefix compares state by state and gave up at a million
 * instructions in ops.select_cpu; 7.x prunes it.
 */
static u32 classify(struct task_struct *p, struct llm_policy *pol, const struct llm_task_sig *sig)
{
	struct classify_ctx cx = {.p = p, .pol = pol, .sig = sig, .cls = pol->default_class};
	u32 n = pol->nr_rules;

	bpf_loop(n < LLM_MAX_RULES ? n : LLM_MAX_RULES, classify_one, &cx, 0);
	return cx.cls;
}

static __always_inline void read_sig(struct task_struct *p, struct llm_task_sig *sig)
{
	bpf_probe_read_kernel(sig->comm, sizeof(sig->comm), p->comm);
	BPF_CORE_READ_INTO(&sig->leader_comm, p, group_leader, comm);
	sig->cgroup = (u64)BPF_CORE_READ(p, cgroups, dfl_cgrp);
	sig->uid = BPF_CORE_READ(p, real_cred, uid.val);
	sig->pad = 0;
}

static __always_inline bool sig_equal(const struct llm_task_sig *a, const struct llm_task_sig *b)
{
	return a->comm[0] == b->comm[0] && a->comm[1] == b->comm[1] && a->leader_comm[0] == b->leader_comm[0] &&
	       a->leader_comm[1] == b->leader_comm[1] && a->cgroup == b->cgroup && a->uid == b->uid;
}

/* Moves a task's runnable count from one class to another. */
static __always_inline void move_runnable(struct llm_task_ctx *tctx, u32 to_cls)
{
	struct class_state *from = cstate_of(tctx->runnable_class), *to = cstate_of(to_cls);

	if (from)
		__sync_fetch_and_sub(&from->nr_runnable, 1);
	if (to)
		__sync_fetch_and_add(&to->nr_runnable, 1);
	tctx->runnable_class = to_cls;
}

/* Task context with its class brought up to date. NULL for a task without
 * storage (exiting), which callers treat as classless. */
static struct llm_task_ctx *task_ctx(struct task_struct *p, struct llm_policy *pol)
{
	struct llm_task_ctx *tctx = task_ctx_may_fail(p);
	struct llm_task_sig sig = {};

	if (!tctx)
		return NULL;
	read_sig(p, &sig);
	if (tctx->generation != pol->generation || !sig_equal(&sig, &tctx->sig)) {
		tctx->class_id = classify(p, pol, &sig);
		tctx->generation = pol->generation;
		tctx->sig = sig;
	}
	if (tctx->class_id >= pol->nr_classes || tctx->class_id >= LLM_MAX_CLASSES)
		tctx->class_id = pol->default_class < LLM_MAX_CLASSES ? pol->default_class : 0;
	/*
	 * A CPU-bound task may change class without ever sleeping (rename,
	 * cgroup move, reload): move its runnable count along, or an exclusive
	 * owner would look idle while it runs.
	 */
	if (tctx->runnable_class != CLASS_NONE && tctx->runnable_class != tctx->class_id)
		move_runnable(tctx, tctx->class_id);
	return tctx;
}

#endif /* LLM_CLASSIFY_BPF_H */
