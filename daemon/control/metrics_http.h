// SPDX-License-Identifier: GPL-2.0-only
// The optional Prometheus endpoint: a loopback TCP listener that answers
// GET /metrics, from the daemon's loop; connections wait for their request
// in PendingRequests.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "control/pending_requests.h"
#include "policy/policy.h"
#include "util/result.h"
#include "util/unique_fd.h"

namespace llm::control {

class MetricsHttp {
public:
    [[nodiscard]] static util::Result<MetricsHttp> open(const policy::Endpoint& at);
    [[nodiscard]] int fd() const { return fd_.get(); }
    [[nodiscard]] const policy::Endpoint& endpoint() const { return at_; }
    // Takes new connections and answers those whose request is in (or
    // overdue); call it on every turn of the loop. `metrics` renders the body.
    void serve(const std::function<std::string()>& metrics);
    [[nodiscard]] const PendingRequests& pending() const { return *pending_; }

private:
    MetricsHttp() = default;
    util::UniqueFd fd_;
    policy::Endpoint at_;
    std::unique_ptr<PendingRequests> pending_;
};

}  // namespace llm::control
