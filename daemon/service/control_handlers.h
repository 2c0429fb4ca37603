// SPDX-License-Identifier: GPL-2.0-only
// The answers to control requests (status, stats, reload, verify) and the
// Prometheus text, from a read-only view of the daemon. Reload is the one
// request that changes anything; it goes through the callback.
#pragma once

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "memory/memory_manager.h"
#include "protocol/options.h"
#include "protocol/request.h"
#include "report/drift.h"
#include "service/endpoints.h"
#include "service/live_policy.h"
#include "service/phase_marks.h"
#include "service/class_sizer.h"
#include "service/memory_protector.h"
#include "service/phase_splitter.h"
#include "service/reload_ledger.h"
#include "service/supervisor.h"

namespace llm::service {

struct DaemonView {
    const Options& opt;
    const policy::Machine& machine;
    const LivePolicy& live;
    const Supervisor& supervisor;
    const memory::MemoryManager& memory;
    const Endpoints& endpoints;
    const ReloadLedger& reloads;
    const PhaseMarks& phase_marks;
    const PhaseSplitter& splitter;
    const ClassSizer& sizer;
    const MemoryProtector& protector;
    std::chrono::steady_clock::time_point started;
};

using ReloadFn = std::function<ReloadResult(const std::string& why, uint64_t received_ns)>;

[[nodiscard]] nlohmann::json status_json(const DaemonView& d);
// Every setting of the live generation read again (memory::observe) and the
// scheduler's state, against what the daemon left: `verify`, and status's count.
[[nodiscard]] report::DriftReport drift_report(const DaemonView& d);
[[nodiscard]] std::string prometheus_text(const DaemonView& d);
// The periodic log line of --stats-interval.
[[nodiscard]] std::string stats_log_text(const DaemonView& d);
[[nodiscard]] nlohmann::json handle_request(const control::Request& req, const control::Peer& peer,
                                            uint64_t received_ns, const DaemonView& d, const ReloadFn& reload);

}  // namespace llm::service
