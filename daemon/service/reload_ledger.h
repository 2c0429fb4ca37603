// SPDX-License-Identifier: GPL-2.0-only
// What the daemon remembers of reloads, for status, Prometheus and
// systemd's STATUS= line.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace llm::service {

struct ReloadResult {
    bool ok = false;
    uint64_t generation = 0;  // live after the attempt
    std::string trigger;
    std::string error;                         // why it was refused
    std::vector<std::string> rollback_errors;  // undo steps of a refused reload that failed
    uint64_t received_ns = 0;  // CLOCK_MONOTONIC when the request arrived
    uint64_t applied_ns = 0;   // CLOCK_MONOTONIC when the new generation was live
};

struct ReloadLedger {
    ReloadResult last;
    uint64_t ok = 0;
    uint64_t refused = 0;
    // Refused reloads whose rollback failed: the host matches neither
    // generation until a reload or restart succeeds. Never reset silently.
    uint64_t rollbacks_failed = 0;
    std::vector<std::string> last_rollback_errors;
};

}  // namespace llm::service
