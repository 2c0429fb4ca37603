// SPDX-License-Identifier: GPL-2.0-only
// Scheduler and daemon stats in the Prometheus text exposition format
// (version 0.0.4). Pure: the caller gathers the numbers.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "report/stats_report.h"

namespace llm::sched {

struct DaemonCounters {
    uint64_t generation = 0;
    bool attached = false;
    uint64_t reloads = 0;          // accepted, not counting the first load
    uint64_t reloads_refused = 0;
    uint64_t ejections = 0;
    uint64_t settings_checked = 0;  // verify's readings: knobs, cgroup files, mounts, the scheduler
    uint64_t settings_drifted = 0;
};

// A label value escaped by the exposition format's rules (backslash, quote, newline).
std::string prometheus_label(const std::string& v);

std::string format_prometheus(const std::vector<ClassReport>& classes, const DaemonCounters& daemon,
                              const std::map<std::string, unsigned long long>& kernel_events,
                              const llm_sched_stats* sched = nullptr);

}  // namespace llm::sched
