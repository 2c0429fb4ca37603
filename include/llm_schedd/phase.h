/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Marking a training job's phases for the llm_sched scheduler.
 *
 *   #include <llm_schedd/phase.h>
 *   llm_phase_set_process(LLM_PHASE_FORWARD); // every thread of the process, pools included
 *   llm_phase_set(LLM_PHASE_BACKWARD);        // this thread only; overrides the process mark
 *   llm_phase_set(LLM_PHASE_NONE);            // this thread follows the process again
 *
 * A mark is one prctl(PR_SET_TIMERSLACK) of a reserved value: unprivileged,
 * about a microsecond, and it only ever touches the calling thread. The
 * scheduler reads it at the thread's next decision; a mark yields once so
 * that decision is now. A process mark is kept by the scheduler for the
 * thread group: threads that exist and threads created later follow it.
 *
 * What is inherited: nothing is inherited across clone or fork. A thread or
 * process created while its parent is marked starts unmarked (the kernel
 * copies the timer slack, but the scheduler only acts on a change of it).
 * exec keeps both marks, since the thread and the process stay the same
 * (so `llm-schedctl phase forward --process -- CMD` marks all of CMD's
 * threads, and none of its children).
 *
 * Without llm_sched running, marks are harmless (a 50.1 us timer slack
 * instead of 50 us). Link with -lllm_schedd_client. All functions are
 * thread-safe.
 */
#ifndef LLM_SCHEDD_PHASE_H
#define LLM_SCHEDD_PHASE_H

#include <sys/types.h>

#include "intf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Marks the calling thread; LLM_PHASE_NONE clears its mark (the thread's
 * timer slack goes back to what it was). Returns 0, or -errno. */
int llm_phase_set(enum llm_phase phase);

/* Marks the calling thread's whole process; LLM_PHASE_NONE clears the
 * process mark. The calling thread gives up a mark of its own and follows
 * the process. Returns 0, or -errno. */
int llm_phase_set_process(enum llm_phase phase);

/* The mark the calling thread set for itself (NONE if it set none, or
 * only a process mark). */
enum llm_phase llm_phase_get(void);

/*
 * Marks another thread through /proc/TID/timerslack_ns. The kernel allows
 * this only with CAP_SYS_NICE over the target (-EPERM otherwise);
 * unprivileged callers ask the daemon, which checks that the thread is
 * theirs (`llm-schedctl phase ... --tid TID` does).
 */
int llm_phase_set_tid(pid_t tid, enum llm_phase phase);

/* "forward", "backward", "none"; NULL for anything else. */
const char *llm_phase_name(enum llm_phase phase);
/* Parses those names; returns -1 if unknown. */
int llm_phase_parse(const char *name);

#ifdef __cplusplus
}
#endif

#endif /* LLM_SCHEDD_PHASE_H */
