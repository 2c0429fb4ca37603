/* SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE
#include "llm_schedd/phase.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static unsigned long slack_for(enum llm_phase phase)
{
	switch (phase) {
	case LLM_PHASE_FORWARD: return LLM_PHASE_SLACK_FORWARD;
	case LLM_PHASE_BACKWARD: return LLM_PHASE_SLACK_BACKWARD;
	default: return 0; /* 0 restores the thread's default slack */
	}
}

static int valid(enum llm_phase phase)
{
	return phase == LLM_PHASE_NONE || phase == LLM_PHASE_FORWARD || phase == LLM_PHASE_BACKWARD;
}

int llm_phase_set(enum llm_phase phase)
{
	if (!valid(phase))
		return -EINVAL;
	if (llm_phase_get() == phase)
		return 0;
	if (prctl(PR_SET_TIMERSLACK, slack_for(phase), 0, 0, 0) != 0)
		return -errno;
	/* Let the scheduler place us now rather than at the end of the slice. */
	sched_yield();
	return 0;
}

enum llm_phase llm_phase_get(void)
{
	int slack = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);

	if (slack == (int)LLM_PHASE_SLACK_FORWARD)
		return LLM_PHASE_FORWARD;
	if (slack == (int)LLM_PHASE_SLACK_BACKWARD)
		return LLM_PHASE_BACKWARD;
	return LLM_PHASE_NONE;
}

int llm_phase_set_tid(pid_t tid, enum llm_phase phase)
{
	char path[64], buf[32];
	unsigned long slack = slack_for(phase);
	int fd, len, ret = 0;

	if (!valid(phase) || tid <= 0)
		return -EINVAL;
	if (tid == gettid())
		return llm_phase_set(phase);
	/* Writing 0 to timerslack_ns restores the default slack. */
	snprintf(path, sizeof(path), "/proc/%d/timerslack_ns", (int)tid);
	len = snprintf(buf, sizeof(buf), "%lu", slack);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, (size_t)len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

const char *llm_phase_name(enum llm_phase phase)
{
	switch (phase) {
	case LLM_PHASE_NONE: return "none";
	case LLM_PHASE_FORWARD: return "forward";
	case LLM_PHASE_BACKWARD: return "backward";
	default: return NULL;
	}
}

int llm_phase_parse(const char *name)
{
	if (!name)
		return -1;
	if (!strcmp(name, "forward") || !strcmp(name, "fwd"))
		return LLM_PHASE_FORWARD;
	if (!strcmp(name, "backward") || !strcmp(name, "bwd"))
		return LLM_PHASE_BACKWARD;
	if (!strcmp(name, "none"))
		return LLM_PHASE_NONE;
	return -1;
}
