// SPDX-License-Identifier: GPL-2.0-only
#include "memory/memory_manager.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "memory/host_mountinfo.h"
#include "plan/cgroup_plan.h"
#include "plan/hugetlbfs_plan.h"
#include "plan/knob_plan.h"
#include "plan/placement.h"
#include "memory/process_scan.h"
#include "util/read_file.h"

namespace llm::memory {

namespace {

uint64_t mem_available_bytes()
{
    int err = 0;
    auto text = util::read_file("/proc/meminfo", &err).value_or("");
    auto pos = text.find("MemAvailable:");
    return pos == std::string::npos ? UINT64_MAX : std::strtoull(text.c_str() + pos + 13, nullptr, 10) * 1024;
}

}  // namespace

MemoryManager::MemoryManager(const std::string& state_dir, policy::Machine machine)
    : machine_(std::move(machine)), knobs_(state_dir), mounts_(state_dir, host_mounter()), cgroups_(state_dir)
{
}

util::Status MemoryManager::adopt(const policy::Policy& p)
{
    size_t knobs = 0, mounts = 0, cgroups = 0;
    // What a damaged or hostile record held is reported and not used; the
    // daemon goes on (a crash here would only loop under Restart=).
    std::vector<std::string> dropped;
    if (auto st = knobs_.adopt(&knobs, &dropped); !st)
        return st;
    if (auto st = mounts_.adopt(&mounts, &dropped); !st)
        return st;
    if (auto st = cgroups_.adopt(&cgroups, &dropped, p.memory.cgroup_root); !st)
        return st;
    for (const auto& d : dropped) {
        spdlog::error("memory: {}", d);
        adopt_notes_.push_back(d);
    }
    if (knobs + mounts + cgroups)
        spdlog::warn("memory: adopted {} original values, {} mounts and {} cgroup records saved by a previous "
                     "llm-schedd (it did not stop cleanly)",
                     knobs, mounts, cgroups);
    return {};
}

util::Status MemoryManager::apply(const policy::Policy& p, const char* when)
{
    notes_.clear();
    // A mount path the rules refuse stops the policy before any knob moves.
    if (auto s = mounts_.check(p.memory.hugetlbfs); !s)
        return util::error(s.error() + " (nothing was changed)");
    int err = 0;
    for (const auto& n : cmdline_pins(util::read_file("/proc/cmdline", &err).value_or(""), p.memory)) {
        spdlog::warn("memory ({}): {}", when, n);
        notes_.push_back(n);
    }
    auto knobs = plan(p.memory, machine_.mem_total_bytes);
    cap_pools_to_available(knobs, machine_.mem_total_bytes, mem_available_bytes(), [](const Knob& k) {
        int e = 0;
        auto t = util::read_file(k.path, &e);
        return t ? std::strtoull(t->c_str(), nullptr, 10) : 0ULL;
    });
    auto rep = knobs_.apply(knobs, p.memory.compact_retry_ns);
    knob_plan_ = knobs;
    for (const auto& r : rep.restored)
        spdlog::info("memory ({}): restored {}, which the policy no longer sets", when, r);
    for (const auto& k : rep.knobs) {
        if (k.ok)
            spdlog::info("memory ({}): {} = {} (was {})", when, k.name, k.got, k.original);
        else
            spdlog::warn("memory ({}): {} wanted {}, the kernel has {}{}{}{}", when, k.name, k.wanted, k.got,
                         k.error.empty() ? "" : ": ", k.error,
                         k.compactions ? " after " + std::to_string(k.compactions) + " compactions" : "");
    }
    knob_report_ = rep.knobs;
    if (rep.fatal)
        return util::error(*rep.fatal);

    auto mrep = mounts_.apply(p.memory.hugetlbfs);
    for (const auto& path : mrep.released)
        spdlog::info("memory ({}): unmounted {}, which the policy no longer has", when, path);
    for (const auto& b : mrep.busy) {
        spdlog::warn("memory ({}): {}", when, b);
        notes_.push_back(b);
    }
    for (const auto& m : mrep.mounts)
        spdlog::info("memory ({}): hugetlbfs {} {} ({})", when, m.path, m.action, m.options);
    mount_report_ = mrep.mounts;
    if (mrep.fatal)
        return util::error(*mrep.fatal);

    auto crep = cgroups_.apply(plan_cgroups(p, machine_.hugepage_kb));
    for (const auto& f : crep.files)
        if (f.ok)
            spdlog::debug("memory ({}): {}/{} = {}", when, f.cgroup, f.file, f.got);
        else
            spdlog::warn("memory ({}): {}", when, f.error);
    for (const auto& n : crep.notes) {
        spdlog::warn("memory ({}): {}", when, n);
        notes_.push_back(n);
    }
    if (!crep.files.empty())
        spdlog::info("memory ({}): {} class cgroups below {} ({} files written)", when, cgroups_.plan().classes.size(),
                     cgroups_.plan().root, crep.files.size());
    cgroup_report_ = crep.files;
    if (crep.fatal)
        return util::error(*crep.fatal);
    policy_ = p;
    if (!cgroups_.plan().empty()) {
        open_events();
        place_all(when);
    }
    return {};
}

void MemoryManager::open_events()
{
    if (events_tried_)
        return;
    events_tried_ = true;
    ProcEvents ev;
    if (auto err = ev.open(); !err) {
        spdlog::warn("memory: no process events ({}); new processes are found by a /proc scan every {} ms", err.error(),
                     tick_every().count());
        return;
    }
    events_ = std::move(ev);
    spdlog::info("memory: placing new processes as they exec (proc connector)");
}

void MemoryManager::place(const ProcessFacts& proc)
{
    if (proc.tgid == static_cast<uint32_t>(getpid()))
        return;  // the daemon stays in the cgroup systemd gave it
    auto cls = cgroup_class_of(policy_, proc);
    if (!cls)
        return;
    const auto& name = policy_.classes[*cls].name;
    auto path = cgroups_.class_path(name);
    if (!path || cgroup_under(proc.cgroup, *path))
        return;
    if (auto err = cgroups_.place(proc.tgid, proc.start_time, name, proc.cgroup); !err) {
        spdlog::warn("memory: {}", err.error());
        return;
    }
    ++placed_total_;
    spdlog::info("memory: moved process {} ({}) from {} to {}", proc.tgid, proc.comm, proc.cgroup, *path);
}

void MemoryManager::place_all(const char* why)
{
    for (const auto& proc : scan_processes())
        place(proc);
    spdlog::debug("memory: placement scan ({})", why);
}

void MemoryManager::on_events()
{
    if (!events_)
        return;
    bool overrun = false;
    auto tgids = events_->drain(&overrun);
    if (cgroups_.plan().empty())
        return;
    if (overrun) {
        spdlog::warn("memory: process events were lost (socket buffer full); rescanning /proc");
        place_all("overrun");
        return;
    }
    for (uint32_t tgid : tgids)
        if (auto proc = read_process(tgid))
            place(*proc);
}

void MemoryManager::tick()
{
    cgroups_.prune();
    if (cgroups_.plan().empty())
        return;
    for (const auto& msg : cgroups_.repair()) {
        spdlog::warn("memory: {}", msg);
        notes_.push_back(msg);
    }
    if (!events_)
        place_all("periodic scan");
}

void MemoryManager::restore(bool keep_originals)
{
    events_.reset();
    events_tried_ = false;
    if (keep_originals) {
        spdlog::info("memory: restore_on_exit is off; knobs, mounts and cgroups stay as they are, and what they "
                     "replaced stays on record for the next llm-schedd");
        return;
    }
    for (const auto& e : cgroups_.release_all())
        spdlog::error("memory: {}", e);
    auto mrep = mounts_.release_all();
    for (const auto& path : mrep.released)
        spdlog::info("memory: unmounted {}", path);
    for (const auto& b : mrep.busy)
        spdlog::warn("memory: {}", b);
    size_t n = knobs_.originals().size();
    auto failed = knobs_.restore_all();
    for (const auto& f : failed)
        spdlog::error("memory: restore failed: {}", f);
    if (n)
        spdlog::info("memory: restored {} of {} original values", n - failed.size(), n);
    knob_plan_.clear();
    knob_report_.clear();
    mount_report_.clear();
    cgroup_report_.clear();
}

nlohmann::json MemoryManager::status_json() const
{
    nlohmann::json j;
    j["knobs"] = nlohmann::json::array();
    for (const auto& k : knob_report_)
        j["knobs"].push_back({{"name", k.name},
                              {"path", k.path},
                              {"wanted", k.wanted},
                              {"now", k.got},
                              {"original", k.original},
                              {"ok", k.ok},
                              {"error", k.error}});
    j["hugetlbfs"] = nlohmann::json::array();
    for (const auto& m : mount_report_)
        j["hugetlbfs"].push_back({{"path", m.path}, {"options", m.options}, {"action", m.action}, {"error", m.error}});
    j["cgroups"] = nlohmann::json::array();
    for (const auto& f : cgroup_report_)
        j["cgroups"].push_back({{"cgroup", f.cgroup}, {"file", f.file}, {"wanted", f.wanted}, {"now", f.got},
                                {"ok", f.ok}, {"error", f.error}});
    j["placed"] = placed_total_;
    j["process_events"] = events_ ? "proc connector" : cgroups_.plan().empty() ? "off" : "periodic /proc scan";
    auto notes = adopt_notes_;  // what a previous daemon's records held that was not used
    notes.insert(notes.end(), notes_.begin(), notes_.end());
    j["notes"] = notes;
    return j;
}

std::vector<report::Reading> MemoryManager::observe() const
{
    std::vector<report::Reading> out;
    // A knob the kernel refused (a pool it filled only partly) is compared
    // with what it held then: verify reports change, not the old shortfall.
    for (size_t i = 0; i < knob_report_.size() && i < knob_plan_.size(); ++i) {
        const auto& k = knob_plan_[i];
        const auto& r = knob_report_[i];
        report::Reading x{k.format == Format::Pool ? "pool" : "knob", k.name, k.path, r.got, std::nullopt, ""};
        int err = 0;
        if (auto raw = util::read_file(k.path, &err))
            x.now = normalize(k.format, *raw);
        else
            x.error = std::strerror(err);
        out.push_back(std::move(x));
    }
    for (const auto& f : cgroup_report_) {
        if (!f.ok)
            continue;
        auto path = cgroups_.file_path(f.cgroup, f.file);
        report::Reading x{"cgroup", f.cgroup + " " + f.file, path, f.got, std::nullopt, ""};
        int err = 0;
        if (auto raw = util::read_file(path, &err))
            x.now = *raw;
        else
            x.error = std::strerror(err);
        out.push_back(std::move(x));
    }
    auto mountinfo = host_mountinfo();
    for (const auto& m : mount_report_) {
        if (!m.error.empty())
            continue;
        report::Reading x{"mount", m.path, m.path, "hugetlbfs (" + m.options + ")", std::nullopt, ""};
        auto e = mount_at(mountinfo, m.path);
        if (!e)
            x.now = "not mounted";
        else if (e->fstype != "hugetlbfs")
            x.now = e->fstype + " mounted over it";
        else
            x.now = x.expected;  // its options are the kernel's words for ours: the page size is checked at apply
        out.push_back(std::move(x));
    }
    return out;
}

}  // namespace llm::memory
