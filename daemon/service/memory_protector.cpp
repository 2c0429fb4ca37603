// SPDX-License-Identifier: GPL-2.0-only
#include "service/memory_protector.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include "plan/cgroup_plan.h"
#include "plan/psi.h"
#include "policy/units.h"
#include "report/stats_prometheus.h"

namespace llm::service {

namespace {

std::string policy_value(const std::optional<uint64_t>& high) { return memory::limit_text(high.value_or(UINT64_MAX)); }

std::optional<uint64_t> read_bytes(memory::KernelFiles& files, const std::string& path)
{
    auto text = files.read(path);
    if (!text)
        return std::nullopt;
    char* end = nullptr;
    uint64_t v = std::strtoull(text->c_str(), &end, 10);
    if (end == text->c_str())
        return std::nullopt;
    return v;
}

}  // namespace

MemoryProtector::MemoryProtector(memory::KernelFiles& files, std::string mount)
    : files_(files), mount_(std::move(mount))
{
}

void MemoryProtector::reset(const policy::Policy& p)
{
    // What the old controllers held down gets the new policy's value.
    for (auto& l : lowers_) {
        if (!l.controller.imposed())
            continue;
        std::optional<uint64_t> high;
        bool found = false;
        for (const auto& c : p.classes)
            if (c.name == l.name && c.memory) {
                high = c.memory->high;
                found = true;
            }
        if (found)
            (void)write_high(l, policy_value(high), "policy reloaded");
    }
    protectors_.clear();
    lowers_.clear();
    sampling_ = false;
    every_ = std::chrono::seconds(1);
    for (const auto& c : p.classes)
        if (c.memory && c.memory->protect) {
            Protector pr;
            pr.name = c.name;
            pr.cgroup = p.memory.cgroup_root + "/" + c.name;
            pr.priority = c.priority;
            pr.spec = *c.memory->protect;
            every_ = std::min<Clock::duration>(every_, std::chrono::nanoseconds(pr.spec.interval_ns));
            protectors_.push_back(std::move(pr));
        }
    if (protectors_.empty())
        return;
    for (const auto& c : p.classes) {
        if (!c.memory)
            continue;
        std::vector<size_t> by;
        plan::ProtectTuning t;
        t.step = 0.5;
        for (size_t i = 0; i < protectors_.size(); ++i)
            if (c.priority < protectors_[i].priority) {
                by.push_back(i);
                t.floor = std::max(t.floor, protectors_[i].spec.floor);
                t.step = std::min(t.step, protectors_[i].spec.step);
            }
        if (by.empty())
            continue;
        lowers_.push_back({c.name, p.memory.cgroup_root + "/" + c.name, by, plan::HighController(t, c.memory->high),
                           0, "free", "", 0});
    }
    for (auto& pr : protectors_)
        arm(pr);
    last_sample_ = Clock::now();
}

void MemoryProtector::arm(Protector& p)
{
    auto path = file(p.cgroup, "memory.pressure");
    auto before = p.trigger_state;
    p.trigger.reset(open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
    if (!p.trigger) {
        p.trigger_state = std::string("not armed: cannot open ") + path + ": " + std::strerror(errno) +
                          "; sampling every interval instead";
        sampling_ = true;
        p.rearm_at = Clock::now() + 4 * every_;  // the cgroup may come (back) later
        if (p.trigger_state != before)  // once, not at every retry
            spdlog::warn("memory protect {}: {}", p.name, p.trigger_state);
        return;
    }
    // The window: one interval, within what the kernel takes (0.5-10 s).
    auto window_us = std::clamp<uint64_t>(p.spec.interval_ns / 1000, 500'000, 10'000'000);
    auto trig = plan::psi_trigger(p.spec.psi_some_avg10_max, window_us);
    if (write(p.trigger.get(), trig.c_str(), trig.size() + 1) < 0) {
        p.trigger_state = "not armed: writing \"" + trig + "\" to " + path + ": " + std::strerror(errno) +
                          "; sampling every interval instead";
        p.trigger.reset();
        sampling_ = true;
        p.rearm_at = Clock::now() + 4 * every_;  // the cgroup may come (back) later
        if (p.trigger_state != before)  // once, not at every retry
            spdlog::warn("memory protect {}: {}", p.name, p.trigger_state);
        return;
    }
    p.trigger_state = "armed: " + trig;
    spdlog::info("memory protect {}: PSI trigger {} on {}", p.name, trig, path);
}

void MemoryProtector::add_pollfds(std::vector<pollfd>& out) const
{
    for (const auto& p : protectors_)
        if (p.trigger)
            out.push_back({p.trigger.get(), POLLPRI, 0});
}

std::optional<MemoryProtector::Clock::time_point> MemoryProtector::next_deadline() const
{
    if (protectors_.empty() || !sampling_)
        return std::nullopt;
    return last_sample_ + every_;
}

bool MemoryProtector::tick(const std::vector<pollfd>& polled)
{
    if (protectors_.empty())
        return false;
    // What the daemon's poll() saw on our triggers. Reading a trigger's
    // state consumes its event (the kernel clears it in ->poll), so only
    // that poll's revents can tell; a second poll here would miss it.
    bool fired = false;
    auto now = Clock::now();
    for (const auto& pf : polled) {
        if (pf.fd < 0 || !pf.revents)
            continue;
        for (auto& p : protectors_) {
            if (!p.trigger || p.trigger.get() != pf.fd)
                continue;
            if (pf.revents & (POLLERR | POLLHUP | POLLNVAL)) {
                // The cgroup went away under it: no more waiting on this fd.
                p.trigger.reset();
                p.trigger_state = "broken (its cgroup was removed?); arming again";
                p.rearm_at = now + every_;
                sampling_ = true;
                spdlog::warn("memory protect {}: the PSI trigger broke; arming it again in {} ms", p.name,
                             std::chrono::duration_cast<std::chrono::milliseconds>(every_).count());
            } else if (pf.revents & POLLPRI) {
                ++p.fired;
                fired = true;
            }
        }
    }
    for (auto& p : protectors_)
        if (p.rearm_at && now >= *p.rearm_at) {
            p.rearm_at.reset();
            ++p.rearmed;
            arm(p);
        }
    if (fired && !sampling_) {
        spdlog::info("memory protect: PSI trigger fired; sampling every {} ms",
                     std::chrono::duration_cast<std::chrono::milliseconds>(every_).count());
        sampling_ = true;
    } else if (!sampling_ || now - last_sample_ < every_) {
        return false;
    }
    last_sample_ = now;
    return sample();
}

bool MemoryProtector::sample()
{
    for (auto& p : protectors_) {
        auto text = files_.read(file(p.cgroup, "memory.pressure"));
        auto some = text ? plan::parse_psi_some(*text) : util::Result<plan::PsiSome>(util::error(text.error()));
        if (!some) {
            p.read_error = some.error();
            p.avg10 = 0;
            continue;
        }
        p.read_error.clear();
        p.avg10 = some->avg10;
    }
    bool wrote = false, held = false, warm = false;
    for (auto& l : lowers_) {
        double pressure = 0;
        for (size_t i : l.by)
            pressure = std::max(pressure, protectors_[i].avg10 / protectors_[i].spec.psi_some_avg10_max);
        l.pressure = pressure;
        auto usage = read_bytes(files_, file(l.cgroup, "memory.current"));
        if (!usage) {
            l.state = "cannot read " + file(l.cgroup, "memory.current");
            continue;
        }
        auto d = l.controller.step(pressure, *usage);
        l.state = d.why;
        switch (d.action) {
        case plan::HighAction::lower:
        case plan::HighAction::raise:
            wrote |= write_high(l, std::to_string(d.high), d.why);
            break;
        case plan::HighAction::lift:
            wrote |= write_high(l, policy_value(l.controller.policy_high()), d.why);
            break;
        case plan::HighAction::hold:
            break;
        }
        held |= l.controller.imposed().has_value();
        warm |= pressure > l.controller.tuning().release;
    }
    bool untriggered = std::any_of(protectors_.begin(), protectors_.end(), [](const Protector& p) { return !p.trigger; });
    // (a broken trigger has no fd either: sampling goes on until it is armed again)
    if (!held && !warm && !untriggered && sampling_) {
        sampling_ = false;  // calm and nothing held: back to waiting for a trigger
        spdlog::info("memory protect: calm, nothing held down; waiting for a PSI trigger");
    }
    return wrote;
}

bool MemoryProtector::write_high(Lower& l, const std::string& value, const std::string& why)
{
    auto path = file(l.cgroup, "memory.high");
    if (auto st = files_.write(path, value); !st) {
        ++l.write_failures;
        spdlog::error("memory protect {}: cannot write {} to {}: {}", l.name, value, path, st.error());
        return false;
    }
    l.last_move = why;
    spdlog::info("memory protect {}: {} ({} = {})", l.name, why, path, value);
    return true;
}

void MemoryProtector::restore()
{
    for (auto& l : lowers_)
        if (l.controller.imposed())
            (void)write_high(l, policy_value(l.controller.policy_high()), "stopping: the policy's memory.high back");
    lowers_.clear();
    protectors_.clear();
}

void MemoryProtector::expect_held(std::vector<report::Reading>& readings) const
{
    for (const auto& l : lowers_)
        if (auto held = l.controller.imposed())
            for (auto& r : readings)
                if (r.kind == "cgroup" && r.name == l.cgroup + " memory.high")
                    r.expected = std::to_string(*held);
}

nlohmann::json MemoryProtector::to_json() const
{
    auto prot = nlohmann::json::array();
    for (const auto& p : protectors_)
        prot.push_back({{"class", p.name},
                        {"psi_some_avg10", p.avg10},
                        {"target", p.spec.psi_some_avg10_max},
                        {"trigger", p.trigger_state},
                        {"triggers_fired", p.fired},
                        {"rearmed", p.rearmed},
                        {"read_error", p.read_error}});
    auto low = nlohmann::json::array();
    for (const auto& l : lowers_) {
        nlohmann::json by = nlohmann::json::array();
        for (size_t i : l.by)
            by.push_back(protectors_[i].name);
        auto imposed = l.controller.imposed();
        low.push_back({{"class", l.name},
                       {"protected_by", by},
                       {"pressure", l.pressure},
                       {"memory_high", imposed ? nlohmann::json(*imposed) : nlohmann::json(nullptr)},
                       {"floor", l.controller.tuning().floor},
                       {"lowered", l.controller.lowered()},
                       {"raised", l.controller.raised()},
                       {"write_failures", l.write_failures},
                       {"last_move", l.last_move},
                       {"state", l.state}});
    }
    return {{"sampling", sampling_}, {"protectors", prot}, {"lower", low}};
}

std::string MemoryProtector::to_text() const
{
    std::string out;
    for (const auto& p : protectors_)
        out += "memory protect " + p.name + ": some avg10 " + fmt::format("{:.2f}", p.avg10) + "% (target " +
               fmt::format("{:.2f}", p.spec.psi_some_avg10_max) + "%), trigger " + p.trigger_state + ", fired " +
               std::to_string(p.fired) + "\n";
    for (const auto& l : lowers_) {
        auto imposed = l.controller.imposed();
        out += "memory protect " + l.name + ": memory.high " +
               (imposed ? policy::format_size(*imposed) + " (held down)" : "the policy's") + ", floor " +
               policy::format_size(l.controller.tuning().floor) + ", lowered " +
               std::to_string(l.controller.lowered()) + ", raised " + std::to_string(l.controller.raised()) +
               (l.last_move.empty() ? "" : "; last: " + l.last_move) + "; now: " + l.state + "\n";
    }
    return out;
}

std::string MemoryProtector::prometheus() const
{
    if (protectors_.empty())
        return "";
    auto label = [](const std::string& s) { return sched::prometheus_label(s); };
    std::string s = "# HELP llm_schedd_memory_protect_psi_some_avg10 Memory PSI (some, avg10, percent) of a "
                    "protecting class, last sample.\n"
                    "# TYPE llm_schedd_memory_protect_psi_some_avg10 gauge\n";
    for (const auto& p : protectors_)
        s += "llm_schedd_memory_protect_psi_some_avg10{class=\"" + label(p.name) + "\"} " + std::to_string(p.avg10) + "\n";
    s += "# HELP llm_schedd_memory_protect_high_bytes memory.high the daemon holds a lower class at (0: the policy's own).\n"
         "# TYPE llm_schedd_memory_protect_high_bytes gauge\n";
    for (const auto& l : lowers_)
        s += "llm_schedd_memory_protect_high_bytes{class=\"" + label(l.name) + "\"} " +
             std::to_string(l.controller.imposed().value_or(0)) + "\n";
    s += "# HELP llm_schedd_memory_protect_moves_total memory.high steps on a lower class, by direction.\n"
         "# TYPE llm_schedd_memory_protect_moves_total counter\n";
    for (const auto& l : lowers_) {
        s += "llm_schedd_memory_protect_moves_total{class=\"" + label(l.name) + "\",direction=\"down\"} " +
             std::to_string(l.controller.lowered()) + "\n";
        s += "llm_schedd_memory_protect_moves_total{class=\"" + label(l.name) + "\",direction=\"up\"} " +
             std::to_string(l.controller.raised()) + "\n";
    }
    return s;
}

}  // namespace llm::service
