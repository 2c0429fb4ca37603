// SPDX-License-Identifier: GPL-2.0-only
// Formatting of scheduler stats for people (table) and programs (JSON).
// Pure: the callers read the maps and sysfs.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "llm_schedd/intf.h"

namespace llm::sched {

struct ClassReport {
    std::string name;
    uint32_t priority = 0;
    llm_class_stats total{};
    std::vector<llm_class_stats> per_cpu;  // optional; index = CPU
};

std::string human_ns(uint64_t ns);
// `sched`, when given, adds a row for kernel threads and the guard's and
// RT hand-over counters.
std::string format_stats_table(const std::vector<ClassReport>& classes, const llm_sched_stats* sched = nullptr);
nlohmann::json stats_json(const std::vector<ClassReport>& classes, uint64_t generation,
                          const std::map<std::string, unsigned long long>& kernel_events,
                          const llm_sched_stats* sched = nullptr);

}  // namespace llm::sched
