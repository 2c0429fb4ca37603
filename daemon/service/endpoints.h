// SPDX-License-Identifier: GPL-2.0-only
// What the policy's daemon section opens: the control socket (its group),
// the optional metrics listener and the optional watch on the policy file.
// A reload changes them as the reload transaction's endpoints port: stage
// opens the new ones beside the old, commit swaps them in, undo swaps the
// old back, finish closes whichever side lost.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "control/control_socket.h"
#include "control/metrics_http.h"
#include "policy/policy.h"
#include "service/config_watch.h"
#include "service/reload_transaction.h"
#include "util/result.h"

namespace llm::service {

class Endpoints final : public EndpointsPort {
public:
    explicit Endpoints(std::string config_path) : config_path_(std::move(config_path)) {}

    // At start: binds the control socket, then opens the rest of `spec`.
    [[nodiscard]] util::Status open(const std::string& socket_path, const policy::DaemonSpec& spec);

    [[nodiscard]] util::Status stage(const policy::DaemonSpec& spec) override;
    [[nodiscard]] util::Status commit() override;
    [[nodiscard]] util::Status undo() override;
    void finish() override;

    [[nodiscard]] control::ControlSocket& control() { return *control_; }
    [[nodiscard]] control::MetricsHttp* metrics() { return metrics_ ? &*metrics_ : nullptr; }
    [[nodiscard]] const control::MetricsHttp* metrics() const { return metrics_ ? &*metrics_ : nullptr; }
    [[nodiscard]] ConfigWatch* watch() { return watch_ ? &*watch_ : nullptr; }
    [[nodiscard]] bool watching() const { return watch_.has_value(); }
    [[nodiscard]] std::optional<gid_t> control_gid() const { return gid_; }
    // "http://127.0.0.1:9464/metrics" or "off".
    [[nodiscard]] std::string metrics_url() const;
    void close_control() { control_.reset(); }

private:
    // One side of a swap: what is live, or what a reload brings.
    struct Side {
        std::optional<control::MetricsHttp> metrics;
        std::optional<ConfigWatch> watch;
        std::optional<gid_t> gid;
    };

    std::string config_path_;
    std::optional<control::ControlSocket> control_;
    std::optional<control::MetricsHttp> metrics_;
    std::optional<ConfigWatch> watch_;
    std::optional<gid_t> gid_;

    // Between stage() and finish().
    bool staged_ = false;
    bool swap_metrics_ = false, swap_watch_ = false, swap_group_ = false;
    Side other_;  // before commit: the staged side; after: the replaced one
    bool committed_ = false;
    bool group_swapped_ = false, rest_swapped_ = false;  // how far commit() got
};

}  // namespace llm::service
