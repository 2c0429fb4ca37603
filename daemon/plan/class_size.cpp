// SPDX-License-Identifier: GPL-2.0-only
#include "plan/class_size.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace llm::plan {

namespace {

std::string two(double x)
{
    char buf[24];
    std::snprintf(buf, sizeof(buf), "%.2f", x);
    return buf;
}

}  // namespace

SizeController::SizeController(SizeTuning tuning, unsigned start_cpus)
    : tuning_(tuning), cpus_(std::clamp(start_cpus, tuning.min, std::max(tuning.min, tuning.max)))
{
}

void SizeController::revert(unsigned cpus)
{
    cpus_ = cpus;
    if (moves_ > 0)
        --moves_;
}

SizeDecision SizeController::step(const ClassLoad& load, uint64_t now_ns, unsigned available)
{
    SizeDecision out{cpus_, false, 0, ""};
    unsigned cap = std::max(1u, std::min(tuning_.max, available));
    auto move = [&](unsigned to, std::string why) {
        out.why = why + ": " + std::to_string(cpus_) + " -> " + std::to_string(to) + " CPUs";
        cpus_ = to;
        out.cpus = to;
        out.moved = true;
        pending_count_ = 0;
        pending_dir_ = 0;
        last_move_ns_ = now_ns;
        ++moves_;
        return out;
    };
    if (cpus_ > cap)
        return move(cap, "only " + std::to_string(cap) + " CPUs may be taken now");
    if (load.interval_ns == 0 || cpus_ == 0) {
        out.why = "hold: no sample";
        return out;
    }
    double interval = static_cast<double>(load.interval_ns);
    double busy = static_cast<double>(load.runtime_ns) / interval;
    double demand = static_cast<double>(load.runtime_ns + load.wait_ns) / interval;
    double util = busy / cpus_;
    double mid = (tuning_.util_low + tuning_.util_high) / 2;
    out.util = util;
    std::string words = "utilisation " + two(util) + " per CPU (band " + two(tuning_.util_low) + "-" +
                        two(tuning_.util_high) + ", demand " + two(demand) + " CPUs)";
    int dir = 0;
    unsigned target = cpus_;
    if (util > tuning_.util_high && cpus_ < cap) {
        dir = 1;
        target = std::clamp(static_cast<unsigned>(std::ceil(demand / mid)), cpus_ + 1, cap);
    } else if (util < tuning_.util_low && cpus_ > tuning_.min) {
        // Sized from demand, not runtime: tasks that waited while higher
        // sched classes (RT, deadline) took the class's CPUs still want
        // them, so a class is never shrunk under its queued work.
        auto want = static_cast<unsigned>(std::ceil(demand / mid));
        target = std::clamp(want, tuning_.min, cpus_ - 1);
        // Only if the smaller set would sit at or under the band's middle:
        // no flapping between n and n-1 for a load that fits neither count,
        // even when its measured demand dips (one spinner read 0.89 CPUs
        // on a loaded emulator, just under a 0.9 band top).
        if (demand / target <= mid)
            dir = -1;
        else
            target = cpus_;
    }
    if (dir == 0) {
        pending_count_ = 0;
        pending_dir_ = 0;
        out.why = "hold: " + words +
                  (util > tuning_.util_high  ? ", at its most"
                   : util < tuning_.util_low ? (cpus_ > tuning_.min ? ", one CPU fewer would be over the band's middle"
                                                                    : ", at its least")
                                             : "");
        return out;
    }
    if (dir != pending_dir_)
        pending_count_ = 0;
    pending_dir_ = dir;
    if (++pending_count_ < tuning_.confirm) {
        out.why = "wait: " + words + " (" + std::to_string(pending_count_) + " of " +
                  std::to_string(tuning_.confirm) + " samples)";
        return out;
    }
    if (last_move_ns_ && now_ns - *last_move_ns_ < tuning_.dwell_ns) {
        out.why = "wait: " + words + "; dwell time";
        return out;
    }
    return move(target, (dir > 0 ? "grow, " : "shrink, ") + words);
}

}  // namespace llm::plan
