// SPDX-License-Identifier: GPL-2.0-only
// Runs "memory": {"protect": ...}: the memory.high of lower classes follows
// the memory pressure of the classes that protect themselves.
//
// Each protecting class's cgroup memory.pressure is armed with a PSI
// trigger (plan/psi.h) and its fd waits in the daemon's poll() for
// POLLPRI, so a calm host costs nothing. When a trigger fires, or while
// any lower class is held down, it samples every `interval_ms`: it reads
// each protector's "some" avg10, and for each lower class (with a memory
// section, of lower priority) gives the largest pressure over target above
// it and the class's memory.current to that class's controller
// (plan/memory_protect.h), then writes the memory.high it decides. Where a
// trigger cannot be armed (no PSI, the cgroup not made yet) it samples
// every interval instead and says why in status.
//
// A trigger whose cgroup was removed (and recreated by the memory side)
// reports POLLERR for ever, which would spin the poll loop: it is closed at
// once and armed again an interval later on the new file.
//
// Every change is logged. On a reload the held-down classes get their new
// policy's memory.high back and the controllers start afresh; on stop they
// get their policy's value back. The floor is never passed.
#pragma once

#include <poll.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "memory/kernel_files.h"
#include "plan/memory_protect.h"
#include "report/drift.h"
#include "policy/policy.h"
#include "util/unique_fd.h"

namespace llm::service {

class MemoryProtector {
public:
    using Clock = std::chrono::steady_clock;

    // `mount`: where cgroupfs is (a fixture tree in tests).
    explicit MemoryProtector(memory::KernelFiles& files = memory::host_kernel_files(),
                             std::string mount = "/sys/fs/cgroup");

    // Takes the protecting and lower classes of `p`; a class held down by
    // the previous policy gets `p`'s memory.high for it back first.
    void reset(const policy::Policy& p);
    void add_pollfds(std::vector<pollfd>& out) const;
    [[nodiscard]] std::optional<Clock::time_point> next_deadline() const;
    // After the daemon's poll(): `polled` is its pollfd set, whose revents
    // say which triggers fired (or broke). Samples if one fired or a sample
    // is due; true when it wrote.
    bool tick(const std::vector<pollfd>& polled = {});
    // Puts each held-down class's policy value back (on stop).
    void restore();
    [[nodiscard]] bool active() const { return !protectors_.empty(); }
    // A held-down class's memory.high is expected at the value held, not
    // the policy's: `verify` does not call it drift.
    void expect_held(std::vector<report::Reading>& readings) const;

    [[nodiscard]] nlohmann::json to_json() const;
    [[nodiscard]] std::string to_text() const;
    [[nodiscard]] std::string prometheus() const;

private:
    struct Protector {
        std::string name;
        std::string cgroup;  // "/llm.slice/train"
        unsigned priority = 0;
        policy::MemoryProtect spec;
        util::UniqueFd trigger;
        std::string trigger_state;  // "armed: some 50000 1000000", or why not
        double avg10 = 0;
        uint64_t fired = 0;
        uint64_t rearmed = 0;
        std::optional<Clock::time_point> rearm_at;  // its trigger broke: arm again then
        std::string read_error;
    };
    struct Lower {
        std::string name;
        std::string cgroup;
        std::vector<size_t> by;  // protectors above it
        plan::HighController controller;
        double pressure = 0;
        std::string state = "free";
        std::string last_move;
        uint64_t write_failures = 0;
    };
    [[nodiscard]] std::string file(const std::string& cgroup, const char* name) const
    {
        return mount_ + cgroup + "/" + name;
    }
    void arm(Protector& p);
    bool sample();
    bool write_high(Lower& l, const std::string& value, const std::string& why);

    memory::KernelFiles& files_;
    std::string mount_;
    std::vector<Protector> protectors_;
    std::vector<Lower> lowers_;
    Clock::duration every_ = std::chrono::seconds(1);
    Clock::time_point last_sample_{};
    bool sampling_ = false;  // a trigger fired, or a class is held down, or no trigger could be armed
};

}  // namespace llm::service
