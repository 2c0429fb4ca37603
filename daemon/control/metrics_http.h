// The optional Prometheus endpoint: a loopback TCP listener that answers
// GET /metrics, one short connection at a time, from the daemon's loop.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "policy/policy.h"
#include "util/unique_fd.h"

namespace llm::control {

class MetricsHttp {
public:
    static std::optional<MetricsHttp> open(const policy::Endpoint& at, std::string* error);
    [[nodiscard]] int fd() const { return fd_.get(); }
    [[nodiscard]] const policy::Endpoint& endpoint() const { return at_; }
    // Serves every pending connection; `metrics` renders the body.
    void serve(const std::function<std::string()>& metrics);

private:
    MetricsHttp() = default;
    util::UniqueFd fd_;
    policy::Endpoint at_;
};

}  // namespace llm::control
