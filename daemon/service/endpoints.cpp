// SPDX-License-Identifier: GPL-2.0-only
#include "service/endpoints.h"

#include <grp.h>
#include <spdlog/spdlog.h>

namespace llm::service {
namespace {

std::optional<gid_t> group_id(const std::optional<std::string>& name)
{
    if (!name)
        return std::nullopt;
    if (const group* g = getgrnam(name->c_str()))
        return g->gr_gid;
    return std::nullopt;  // validation already refused a missing group
}

bool same_endpoint(const std::optional<policy::Endpoint>& a, const std::optional<policy::Endpoint>& b)
{
    return a.has_value() == b.has_value() && (!a || (a->host == b->host && a->port == b->port));
}

}  // namespace

util::Status Endpoints::open(const std::string& socket_path, const policy::DaemonSpec& spec)
{
    gid_ = group_id(spec.control_group);
    auto sock = control::ControlSocket::open(socket_path, gid_);
    if (!sock)
        return util::error(sock.error());
    control_ = std::move(*sock);
    auto st = stage(spec);
    if (st)
        st = commit();
    finish();
    return st;
}

// Binds the new listener beside the old one: both are loopback addresses
// (validation), and two specific addresses never conflict, so the old one
// serves until commit and comes back on undo.
util::Status Endpoints::stage(const policy::DaemonSpec& spec)
{
    finish();
    staged_ = true;
    swap_metrics_ = !same_endpoint(spec.metrics_listen, metrics_ ? std::optional(metrics_->endpoint()) : std::nullopt);
    if (swap_metrics_ && spec.metrics_listen) {
        auto m = control::MetricsHttp::open(*spec.metrics_listen);
        if (!m)
            return util::error(m.error());
        other_.metrics = std::move(*m);
    }
    swap_watch_ = spec.watch_config != watch_.has_value();
    if (swap_watch_ && spec.watch_config) {
        auto w = ConfigWatch::open(config_path_);
        if (!w)
            return util::error(w.error());
        other_.watch = std::move(*w);
    }
    other_.gid = group_id(spec.control_group);
    swap_group_ = other_.gid != gid_;
    return {};
}

// The group first: it is the one part that can fail, and then nothing
// else has been swapped yet.
util::Status Endpoints::commit()
{
    if (!staged_ || committed_)
        return util::error("endpoints: commit without a staged set");
    committed_ = true;
    if (swap_group_ && control_) {
        if (auto st = control_->set_group(other_.gid); !st)
            return st;  // undo() sets the old owner and mode again, in case chown worked and chmod did not
    }
    if (swap_group_) {
        std::swap(gid_, other_.gid);
        group_swapped_ = true;
    }
    if (swap_metrics_) {
        std::swap(metrics_, other_.metrics);
        if (metrics_)
            spdlog::info("serving metrics on {}", metrics_url());
    }
    if (swap_watch_)
        std::swap(watch_, other_.watch);
    rest_swapped_ = true;
    return {};
}

util::Status Endpoints::undo()
{
    if (!committed_)
        return {};  // never swapped: finish() closes the staged side
    committed_ = false;
    if (rest_swapped_) {
        if (swap_watch_)
            std::swap(watch_, other_.watch);
        if (swap_metrics_)
            std::swap(metrics_, other_.metrics);
        rest_swapped_ = false;
    }
    if (group_swapped_) {
        std::swap(gid_, other_.gid);
        group_swapped_ = false;
    }
    if (swap_group_ && control_)
        return control_->set_group(gid_);
    return {};
}

void Endpoints::finish()
{
    other_ = Side{};
    staged_ = committed_ = group_swapped_ = rest_swapped_ = false;
    swap_metrics_ = swap_watch_ = swap_group_ = false;
}

std::string Endpoints::metrics_url() const
{
    if (!metrics_)
        return "off";
    return "http://" + metrics_->endpoint().host + ":" + std::to_string(metrics_->endpoint().port) + "/metrics";
}

}  // namespace llm::service
