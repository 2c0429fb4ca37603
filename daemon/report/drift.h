// SPDX-License-Identifier: GPL-2.0-only
// Drift: what the host holds now against what the daemon left it holding
// (`llm-schedctl verify`, the `drift` count in status). Pure: the daemon
// reads the files and hands the readings in.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace llm::report {

// One setting the live policy put in place, read again now.
struct Reading {
    std::string kind;      // "knob", "pool", "cgroup", "mount", "scheduler"
    std::string name;      // "vm.swappiness", "/llm.slice/train memory.max"
    std::string path;      // the file it lives in
    std::string expected;  // what the daemon left there (normalized as the kernel reads it)
    std::optional<std::string> now;  // nullopt: it could not be read (error says why)
    std::string error;
};

struct Drift {
    std::string kind, name, path, expected, now;
};

struct DriftReport {
    size_t checked = 0;
    std::vector<Drift> drifted;
};

[[nodiscard]] DriftReport compare(const std::vector<Reading>& readings);
[[nodiscard]] nlohmann::json to_json(const DriftReport& r);
// "in line with the live policy: 14 settings checked", or a line per drift:
// "drift: knob vm.swappiness (/proc/sys/vm/swappiness): 17 -> 60".
[[nodiscard]] std::string to_text(const DriftReport& r);

}  // namespace llm::report
