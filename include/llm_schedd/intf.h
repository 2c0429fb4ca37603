/* SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause */
/*
 * Types shared by the BPF scheduler (bpf/llm_sched.bpf.c) and the daemon.
 *
 * Plain C with fixed-width fields only, so clang -target bpf and g++ lay the
 * structs out identically. The daemon compiles the JSON policy into one
 * struct llm_policy and writes it into the inactive slot of the `policy`
 * map; flipping `active_slot` then switches every table at once.
 */
#ifndef LLM_SCHEDD_INTF_H
#define LLM_SCHEDD_INTF_H

#ifdef __bpf__
/* vmlinux.h provides __u32 and friends. */
#else
#include <linux/types.h>
#endif

#define LLM_MAX_CLASSES 32
#define LLM_MAX_RULES 64
#define LLM_MAX_CPUS 256
#define LLM_CPU_WORDS (LLM_MAX_CPUS / 64)
#define LLM_COMM_LEN 16
#define LLM_LAT_BUCKETS 32
#define LLM_POLICY_SLOTS 2
#define LLM_CLASS_NAME_LEN 32

/* Order of tasks inside one class. */
enum llm_order {
	LLM_ORDER_FIFO = 0, /* arrival order; a preempted task keeps its place */
	LLM_ORDER_RR = 1,   /* arrival order; an expired slice goes to the tail */
	LLM_ORDER_FAIR = 2, /* weighted virtual time (nice/weight) */
};

enum llm_slice_mode {
	LLM_SLICE_FIXED = 0,
	LLM_SLICE_HISTORY = 1,
};

/*
 * Phase of a thread. Index into llm_class.cpus[]. LLM_PHASE_ANY is not a
 * phase a thread sets: it is the queue for tasks whose own affinity misses
 * their phase set (affinity wins, see affinity_fallbacks).
 */
enum llm_phase {
	LLM_PHASE_NONE = 0,
	LLM_PHASE_FORWARD = 1,
	LLM_PHASE_BACKWARD = 2,
	LLM_NR_PHASES = 3,
	LLM_PHASE_ANY = 3,
	LLM_NR_QUEUES = 4,
};

/*
 * Phase channel: a thread marks itself with prctl(PR_SET_TIMERSLACK, v).
 * The kernel only lets a thread set its own slack (or, through
 * /proc/TID/timerslack_ns, with CAP_SYS_NICE), which gives the permission
 * model for free, and the scheduler reads p->timer_slack_ns at every
 * decision. The values sit next to the 50 us default so timers are not
 * affected in practice.
 *
 * A mark is BASE + code, code < LLM_PHASE_SLACK_CODES:
 *   bits 0-1  the phase (enum llm_phase; 3 is not a mark)
 *   bit 2     scope: 0 the thread itself, 1 its whole process
 *   bit 3     a toggle, flipped at every mark, so that each mark is a new
 *             value even when it repeats the phase the thread inherited
 * The scheduler acts on a change of a thread's slack, never on a value
 * copied at clone: a child starts with its parent's slack and no mark.
 */
#define LLM_PHASE_SLACK_BASE 50100ULL
#define LLM_PHASE_SLACK_CODES 16u
#define LLM_PHASE_SLACK_PROCESS 4u
#define LLM_PHASE_SLACK_TOGGLE 8u
#define LLM_PHASE_SLACK_FORWARD (LLM_PHASE_SLACK_BASE + LLM_PHASE_FORWARD)
#define LLM_PHASE_SLACK_BACKWARD (LLM_PHASE_SLACK_BASE + LLM_PHASE_BACKWARD)

/*
 * Marks kept by the scheduler (BPF map phase_marks): a process's mark, set
 * by one of its threads or from outside, and a thread's mark set from
 * outside by the daemon for the thread's owner. Key: kind << 32 | id.
 */
enum llm_mark_kind {
	LLM_MARK_THREAD = 1,  /* id: thread id */
	LLM_MARK_PROCESS = 2, /* id: process id (tgid) */
};
#define LLM_MAX_MARKS 8192
#define LLM_MARK_KEY(kind, id) (((__u64)(kind) << 32) | (__u32)(id))

/* Threads of a class that take a phase by name ("pt_autograd_" -> backward). */
#define LLM_MAX_PHASE_ROLES 4
struct llm_phase_role {
	__u32 phase;
	__u32 comm_len;
	char comm[LLM_COMM_LEN];
};

/* Conditions of one match rule; all set conditions must hold (AND). */
enum llm_match_flags {
	LLM_MATCH_CGROUP = 1u << 0,      /* task's cgroup is cgroup_id or below */
	LLM_MATCH_COMM = 1u << 1,        /* thread comm starts with comm */
	LLM_MATCH_LEADER_COMM = 1u << 2, /* group leader comm starts with leader_comm */
	LLM_MATCH_PID = 1u << 3,         /* thread id */
	LLM_MATCH_TGID = 1u << 4,        /* process id */
	LLM_MATCH_UID = 1u << 5,         /* real uid */
	LLM_MATCH_ALL = 1u << 6,         /* catch-all (the default class) */
	LLM_MATCH_NEVER = 1u << 7,       /* unresolved cgroup: rule is inert */
};

struct llm_rule {
	__u32 class_id;
	__u32 flags;         /* enum llm_match_flags */
	__u64 cgroup_id;     /* kernfs id of the cgroup directory */
	__u32 cgroup_level;  /* its depth below the root (root = 0) */
	__u32 pid;
	__u32 tgid;
	__u32 uid;
	__u32 comm_len;
	__u32 leader_comm_len;
	char comm[LLM_COMM_LEN];
	char leader_comm[LLM_COMM_LEN];
};

enum llm_class_flags {
	LLM_CLASS_EXCLUSIVE = 1u << 0, /* others never borrow its CPUs while it is runnable */
	LLM_CLASS_HAS_PHASES = 1u << 1,
	/* Soft phase sets: a phase runs on the other phase's CPUs while that
	 * phase has nothing waiting, and gives them back when it has. */
	LLM_CLASS_SOFT_PHASES = 1u << 2,
};

struct llm_cpumask {
	__u64 bits[LLM_CPU_WORDS];
};

struct llm_class {
	__u32 priority;    /* 0..99, higher runs first */
	__u32 order;       /* enum llm_order */
	__u32 slice_mode;  /* enum llm_slice_mode */
	__u32 flags;       /* enum llm_class_flags */
	__u64 slice_ns;    /* fixed mode, and the first slice in history mode */
	__u64 slice_min_ns;
	__u64 slice_max_ns;
	__u32 ewma_q10;    /* EWMA weight of a new sample, x/1024 */
	__u32 scale_q10;   /* slice = scale * ewma, x/1024 */
	/* CPUs per phase; [LLM_PHASE_ANY] is the union, used for fallbacks. */
	struct llm_cpumask cpus[LLM_NR_QUEUES];
	__u32 nr_roles;
	__u32 pad;
	struct llm_phase_role roles[LLM_MAX_PHASE_ROLES];
};

/*
 * The starvation guard's timing, compiled by the daemon from starvation_ms
 * and guard_share_pct (see bpf/guard.bpf.h for how they bound a wait).
 */
struct llm_guard {
	__u64 period_ns;  /* windows start at multiples of this, on every CPU at once */
	__u64 wait_ns;    /* a waiter queued this long is overdue */
	__u64 slice_ns;   /* what an overdue waiter gets per rescue */
	__u64 share_ns;   /* per window and CPU: the time lower classes may take */
};

struct llm_policy {
	__u64 generation;
	__u64 starvation_ns;  /* longest wait of any runnable task */
	struct llm_guard guard;
	__u32 nr_classes;
	__u32 nr_rules;
	__u32 default_class;
	__u32 nr_cpus;        /* possible CPUs the masks were compiled for */
	/* Class ids from highest to lowest priority. */
	__u32 prio_order[LLM_MAX_CLASSES];
	/* CPUs that some exclusive class owns: the owner id, or -1. */
	__s32 cpu_owner[LLM_MAX_CPUS];
	struct llm_class classes[LLM_MAX_CLASSES];
	struct llm_rule rules[LLM_MAX_RULES];
	/* For readers of the map (llm-schedctl, bpftool); BPF ignores them. */
	char class_names[LLM_MAX_CLASSES][LLM_CLASS_NAME_LEN];
	/* A copy of generation, written last: a reader that finds the two
	 * different saw a slot being rewritten (see torn_reads). */
	__u64 generation_tail;
};

/* Per-class, per-CPU counters (a PERCPU_ARRAY keyed by class id). */
struct llm_class_stats {
	__u64 enqueues;
	__u64 dispatches;
	__u64 preemptions;        /* inserts that preempted a task of a lower class */
	__u64 starvation_rescues; /* overdue waiters run by the starvation guard */
	__u64 guard_share_runs;   /* runs given from the lower classes' share */
	__u64 phase_migrations;   /* placements on another CPU set because the phase changed */
	__u64 affinity_fallbacks; /* enqueues whose affinity missed the phase set */
	__u64 phase_borrows;      /* runs on the other phase's CPUs (soft phase sets) */
	__u64 runtime_ns;
	__u64 wait_ns;            /* sum of runnable->running waits */
	__u64 lat_hist[LLM_LAT_BUCKETS]; /* runnable->running, bucket = log2(ns) */
	/* By the phase a task was placed for (enum llm_phase): what the
	 * daemon's auto split reads as each phase's demand. */
	__u64 phase_runtime_ns[LLM_NR_PHASES];
	__u64 phase_wait_ns[LLM_NR_PHASES];
};

/*
 * Scheduler-wide, per-CPU counters (a PERCPU_ARRAY of one entry). Kernel
 * threads are not classified; their waits and runtime are kept here.
 */
struct llm_sched_stats {
	__u64 guard_windows;      /* guard windows a CPU entered */
	__u64 guard_cuts;         /* running slices cut at a window start for the guard */
	__u64 slice_timer_kicks;  /* guard runs ended by their slice timer */
	__u64 cpu_releases;       /* an RT, deadline or stop task took a CPU from llm_sched */
	__u64 reenqueued;         /* waiters moved off such a CPU */
	__u64 kthread_runs;
	__u64 kthread_runtime_ns;
	__u64 kthread_wait_max_ns;
	__u64 kthread_lat_hist[LLM_LAT_BUCKETS];
	__u64 marks_dropped;      /* process marks not kept: phase_marks was full */
};

enum llm_rescue_kind {
	LLM_RESCUE_NONE = 0,
	LLM_RESCUE_OVERDUE = 1, /* waited guard.wait_ns */
	LLM_RESCUE_SHARE = 2,   /* from the lower classes' share of a window */
};

/* What a task was classified on; a change in any of it classifies again. */
struct llm_task_sig {
	__u64 comm[2];        /* the thread's full 16-byte comm */
	__u64 leader_comm[2]; /* its group leader's */
	__u64 cgroup;         /* cgroup v2 pointer */
	__u32 uid;            /* real uid */
	__u32 pad;
};

/* Per-task state, readable from user space through a pidfd. */
struct llm_task_ctx {
	__u32 class_id;
	__u32 phase;          /* phase the task was last placed for */
	__u32 runnable_class; /* class whose nr_runnable counts it, or ~0 */
	__u32 rescued;        /* enum llm_rescue_kind of this run: not preemptible */
	__u64 generation;     /* policy generation class_id belongs to */
	struct llm_task_sig sig;
	__u64 rescue_slice_ns; /* the slice the guard gave this run */
	__u64 enqueued_at;    /* when it last became queued (ns) */
	__u64 started_at;     /* when it last started running (ns) */
	__u64 ewma_ns;        /* EWMA of running->stopping bursts */
	__u64 slice_ns;       /* slice given the last time it was queued */
	__u64 vtime;
	__u64 fifo_key;       /* arrival stamp for fifo order */
	__u64 bursts;         /* number of samples in ewma_ns */
	__u64 max_wait_ns;    /* longest runnable->running wait seen */
	__u64 seen_slack;     /* timer slack at the last look (at clone: the inherited one) */
	__u32 own_phase;      /* the last phase the thread marked for itself */
	__u32 queue;          /* the queue it was last placed for (enum llm_phase) */
	__u64 accounted_at;   /* runtime counted in its class's stats up to here (ns) */
};

/*
 * What the running kernel offers, as ops.init found it (bss
 * kernel_features). The program carries every variant; these bits say
 * which one the kernel picked, for `status` and the attach log line.
 */
enum llm_kernel_feature {
	LLM_KF_DSQ_INSERT = 1u << 0,     /* scx_bpf_dsq_insert* (6.13+); else 6.12's scx_bpf_dispatch* */
	LLM_KF_MOVE_TO_LOCAL_V2 = 1u << 1, /* scx_bpf_dsq_move_to_local with enq_flags (7.1+) */
	LLM_KF_DSQ_MOVE = 1u << 2,       /* scx_bpf_dsq_move (6.13+); else scx_bpf_dispatch_from_dsq */
	LLM_KF_NOW = 1u << 3,            /* scx_bpf_now (6.14+); else bpf_ktime_get_ns */
	LLM_KF_CPU_CURR = 1u << 4,       /* scx_bpf_cpu_curr (6.18+); else scx_bpf_cpu_rq()->curr */
	LLM_KF_MIGRATION_FIELD = 1u << 5, /* task_struct.migration_disabled is readable */
	LLM_KF_MIGRATION_BY_KERNEL = 1u << 6, /* 6.15+: the kernel keeps migration-disabled tasks local */
	LLM_KF_EVENTS = 1u << 7,         /* scx_bpf_events (6.15+): the kernel's event counters */
	LLM_KF_EXT_SERVER = 1u << 8,     /* rq->ext_server: a deadline server runs sched_ext tasks beside RT */
};

/* Exit information copied out of ops.exit for the daemon to log. */
#define LLM_EXIT_REASON_LEN 128
#define LLM_EXIT_MSG_LEN 1024
#define LLM_EXIT_DUMP_LEN 16384
struct llm_exit_info {
	__s32 kind;
	__s32 exit_cpu;
	__s64 exit_code;
	char reason[LLM_EXIT_REASON_LEN];
	char msg[LLM_EXIT_MSG_LEN];
	char dump[LLM_EXIT_DUMP_LEN]; /* the kernel's state dump on an error exit */
};

#endif /* LLM_SCHEDD_INTF_H */
