/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Marking a training thread's phase for the llm_sched scheduler.
 *
 *   #include <llm_schedd/phase.h>
 *   llm_phase_set(LLM_PHASE_FORWARD);   // this thread now runs on forward CPUs
 *   ... forward pass ...
 *   llm_phase_set(LLM_PHASE_BACKWARD);
 *
 * A mark is one prctl(PR_SET_TIMERSLACK) of a reserved value: unprivileged,
 * about a microsecond, and it only ever touches the calling thread. The
 * scheduler reads it at the thread's next decision; llm_phase_set() yields
 * once so that decision is now. Without llm_sched running, marks are
 * harmless (a 50.1 us timer slack instead of 50 us).
 *
 * Link with -lllm_schedd_client. All functions are thread-safe.
 */
#ifndef LLM_SCHEDD_PHASE_H
#define LLM_SCHEDD_PHASE_H

#include <sys/types.h>

#include "intf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Marks the calling thread. Returns 0, or -errno. */
int llm_phase_set(enum llm_phase phase);

/* Phase of the calling thread as the scheduler sees it. */
enum llm_phase llm_phase_get(void);

/*
 * Marks another thread through /proc/TID/timerslack_ns. The kernel allows
 * this only with CAP_SYS_NICE over the target (-EPERM otherwise); unprivileged
 * callers use `llm-schedctl phase ... --tid TID`, which asks the daemon to
 * check that the thread is theirs.
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
