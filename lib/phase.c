/* SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE
#include "llm_schedd/phase.h"
#include "llm_schedd/slice_math.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

/* The kernel's timer slack for a normal thread, where nothing else is known. */
#define DEFAULT_SLACK_NS 50000UL

/*
 * What this thread last set, to skip repeating it and to undo it. Thread
 * storage starts fresh in a new thread; after fork the child's copy is
 * stale, which `pid` tells.
 */
static __thread struct {
	pid_t pid;                  /* the process that set it; 0: nothing set */
	enum llm_phase phase;       /* the thread's own mark */
	unsigned long mark;         /* the slack written for it */
	unsigned long before;       /* the slack before the first mark */
} mine;

static int valid(enum llm_phase phase)
{
	return phase == LLM_PHASE_NONE || phase == LLM_PHASE_FORWARD || phase == LLM_PHASE_BACKWARD;
}

static unsigned long current_slack(void)
{
	int s = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);

	return s < 0 ? DEFAULT_SLACK_NS : (unsigned long)s;
}

static int write_slack(unsigned long slack)
{
	if (prctl(PR_SET_TIMERSLACK, slack, 0, 0, 0) != 0)
		return -errno;
	/* Let the scheduler see it and place us now, not at the end of the slice. */
	sched_yield();
	return 0;
}

/* Starts this thread's record if nothing was set in it yet (or only by the
 * parent before fork); returns whether it did. */
static int first_in_thread(unsigned long now)
{
	if (mine.pid == getpid())
		return 0;
	mine.pid = getpid();
	mine.phase = LLM_PHASE_NONE;
	mine.mark = 0;
	mine.before = llm_slack_is_mark(now) ? DEFAULT_SLACK_NS : now;
	return 1;
}

int llm_phase_set(enum llm_phase phase)
{
	unsigned long now, mark;
	int ret;

	if (!valid(phase))
		return -EINVAL;
	now = current_slack();
	if (first_in_thread(now)) {
		if (phase == LLM_PHASE_NONE) {
			/* An inherited mark is not ours, but clearing must still clear it
			 * from the slack, so that our own children start plain. */
			return llm_slack_is_mark(now) ? write_slack(mine.before) : 0;
		}
	}
	if (phase == mine.phase && now == (phase == LLM_PHASE_NONE ? mine.before : mine.mark))
		return 0;
	if (phase == LLM_PHASE_NONE) {
		ret = write_slack(mine.before);
		if (!ret)
			mine.phase = LLM_PHASE_NONE;
		return ret;
	}
	if (!llm_slack_is_mark(now))
		mine.before = now; /* the application set its own slack meanwhile */
	mark = llm_slack_mark(phase, 0, now);
	ret = write_slack(mark);
	if (!ret) {
		mine.phase = phase;
		mine.mark = mark;
	}
	return ret;
}

int llm_phase_set_process(enum llm_phase phase)
{
	unsigned long now;
	int ret;

	if (!valid(phase))
		return -EINVAL;
	now = current_slack();
	if (!first_in_thread(now) && !llm_slack_is_mark(now))
		mine.before = now; /* the application set its own slack meanwhile */
	/* Always a new value, so the scheduler sees the change even if this
	 * thread's slack already held a process mark. */
	ret = write_slack(llm_slack_mark(phase, 1, now));
	if (!ret) {
		mine.phase = LLM_PHASE_NONE;
		mine.mark = 0;
	}
	return ret;
}

enum llm_phase llm_phase_get(void)
{
	if (mine.pid != getpid() || current_slack() != mine.mark)
		return LLM_PHASE_NONE;
	return mine.phase;
}

int llm_phase_set_tid(pid_t tid, enum llm_phase phase)
{
	char path[64], buf[32];
	unsigned long now = DEFAULT_SLACK_NS, slack;
	int fd, len, ret = 0;
	ssize_t n;

	if (!valid(phase) || tid <= 0)
		return -EINVAL;
	if (tid == gettid())
		return llm_phase_set(phase);
	snprintf(path, sizeof(path), "/proc/%d/timerslack_ns", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		ret = -errno; /* reading another's slack takes CAP_SYS_NICE too */
	else {
		buf[n] = '\0';
		now = strtoul(buf, NULL, 10);
	}
	close(fd);
	if (ret)
		return ret;
	/* A mark is a change the scheduler sees; none puts back the default. */
	slack = phase == LLM_PHASE_NONE ? DEFAULT_SLACK_NS : llm_slack_mark(phase, 0, now);
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
