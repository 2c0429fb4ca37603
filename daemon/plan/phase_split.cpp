// SPDX-License-Identifier: GPL-2.0-only
#include "plan/phase_split.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace llm::plan {

namespace {

std::string pct(double x)
{
    char buf[16];
    std::snprintf(buf, sizeof(buf), "%.0f%%", x * 100);
    return buf;
}

std::string two(double x)
{
    char buf[24];
    std::snprintf(buf, sizeof(buf), "%.2f", x);
    return buf;
}

}  // namespace

SplitController::SplitController(unsigned total_cpus, unsigned forward_cpus, SplitTuning tuning)
    : total_(total_cpus), forward_(std::clamp(forward_cpus, 1u, total_cpus > 1 ? total_cpus - 1 : 1u)),
      tuning_(tuning)
{
}

double split_cost(double forward_share, unsigned forward, unsigned total)
{
    if (forward == 0 || forward >= total)
        return INFINITY;
    return std::max(forward_share / forward, (1 - forward_share) / (total - forward));
}

SplitDecision SplitController::step(const PhaseDemand& d, uint64_t now_ns)
{
    SplitDecision out{forward_, false, 0, ""};
    auto hold = [&](std::string why) {
        pending_count_ = 0;
        out.why = std::move(why);
        return out;
    };
    if (total_ < 2)
        return hold("hold: fewer than 2 CPUs to split");
    double sum = static_cast<double>(d.forward_ns) + static_cast<double>(d.backward_ns);
    if (d.interval_ns == 0 || sum < tuning_.idle_cpus * static_cast<double>(d.interval_ns))
        return hold("hold: the phases are idle");
    double share = static_cast<double>(d.forward_ns) / sum;
    out.forward_share = share;
    unsigned best = forward_;
    for (unsigned f = 1; f < total_; ++f)
        if (split_cost(share, f, total_) < split_cost(share, best, total_) - 1e-12)
            best = f;
    double now_cost = split_cost(share, forward_, total_), best_cost = split_cost(share, best, total_);
    std::string demand = "forward " + pct(share) + " of the demand";
    if (best == forward_ || now_cost - best_cost <= tuning_.band * now_cost)
        return hold("hold: " + demand + ", " + std::to_string(forward_) + " of " + std::to_string(total_) +
                    " CPUs forward is within the band");
    if (best != pending_target_)
        pending_count_ = 0;
    pending_target_ = best;
    if (++pending_count_ < tuning_.confirm) {
        out.why = "wait: " + demand + " points to " + std::to_string(best) + " forward CPUs (" +
                  std::to_string(pending_count_) + " of " + std::to_string(tuning_.confirm) + " samples)";
        return out;
    }
    if (last_move_ns_ && now_ns - *last_move_ns_ < tuning_.dwell_ns) {
        out.why = "wait: " + demand + " points to " + std::to_string(best) + " forward CPUs; dwell time";
        return out;
    }
    double cpus_of_demand = sum / static_cast<double>(d.interval_ns);
    out.why = demand + ": forward " + std::to_string(forward_) + " -> " + std::to_string(best) + " of " +
              std::to_string(total_) + " CPUs (the busiest phase's demand per CPU " + two(now_cost * cpus_of_demand) +
              " -> " + two(best_cost * cpus_of_demand) + ")";
    forward_ = best;
    out.forward_cpus = best;
    out.moved = true;
    last_move_ns_ = now_ns;
    pending_count_ = 0;
    ++moves_;
    return out;
}

void SplitController::revert(unsigned forward_cpus)
{
    forward_ = forward_cpus;
    if (moves_ > 0)
        --moves_;
}

std::pair<std::set<unsigned>, std::set<unsigned>> split_cpus(const std::set<unsigned>& cpus, unsigned forward)
{
    std::pair<std::set<unsigned>, std::set<unsigned>> out;
    unsigned i = 0;
    for (unsigned cpu : cpus)
        (i++ < forward ? out.first : out.second).insert(cpu);
    return out;
}

}  // namespace llm::plan
