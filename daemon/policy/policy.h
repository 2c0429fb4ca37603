// SPDX-License-Identifier: GPL-2.0-only
// The validated, immutable policy: what the operator asked for, in typed
// form, before it is compiled against a machine.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace llm::policy {

enum class Order { Fifo, RoundRobin, Fair };
enum class SliceMode { Fixed, History };

struct SliceSpec {
    SliceMode mode = SliceMode::Fixed;
    uint64_t fixed_ns = 3'000'000;
    uint64_t min_ns = 500'000;
    uint64_t max_ns = 20'000'000;
    double ewma = 0.25;   // weight of the newest burst
    double scale = 1.5;   // slice = scale * ewma
};

// One alternative of a class's match list; every condition set must hold.
struct MatchRule {
    bool catch_all = false;
    std::optional<std::string> cgroup_prefix;  // "/llm.slice/train"
    std::optional<std::string> comm_prefix;
    std::optional<std::string> leader_comm_prefix;
    std::optional<uint32_t> pid;
    std::optional<uint32_t> tgid;
    std::optional<uint32_t> uid;
};

// "protect": {"psi_some_avg10_max": 5, "floor": "512M"}: while this
// class's memory pressure (PSI "some" avg10, percent) is above the target,
// the daemon lowers memory.high of every lower-priority class that has a
// memory section, a step at a time and never below `floor`, and raises it
// again when the pressure has fallen (plan/memory_protect.h).
struct MemoryProtect {
    double psi_some_avg10_max = 5;      // percent of wall time
    uint64_t floor = 0;                 // bytes: the lowest memory.high it sets
    double step = 0.1;                  // of the lower class's current value, per move
    uint64_t interval_ns = 1'000'000'000;
};

// A class's cgroup v2 limits. A class with this section gets its own cgroup,
// <memory.cgroup_root>/<class name>, and its processes are moved into it.
struct ClassMemory {
    std::optional<MemoryProtect> protect;
    std::optional<uint64_t> min, low, high, max, swap_max;  // bytes
    std::optional<bool> oom_group;
    std::map<uint64_t, uint64_t> hugetlb;   // page kB -> bytes (both .max and .rsvd.max)
    std::optional<std::set<unsigned>> mems;  // cpuset.mems
};

// "split": "auto": the daemon resizes the forward and backward sets within
// their union from each phase's measured demand (plan/phase_split.h).
struct AutoSplit {
    uint64_t dwell_ns = 2'000'000'000;  // no move sooner than this after the last one
    double band = 0.1;                  // a move must cut the busiest phase's load per CPU by this fraction
};

// "cpus": {"min": 2, "max": 12, "util": [0.6, 0.9]}: the daemon grows and
// shrinks the class's CPU set to keep its per-CPU utilisation inside the
// band (plan/class_size.h), in topology order (policy/cpu_spec.h).
struct CpuRange {
    unsigned min = 1;
    unsigned max = 1;
    double util_low = 0.6;
    double util_high = 0.9;
    uint64_t dwell_ns = 2'000'000'000;
};

// Threads of a class that take a phase by name, with no mark of their own.
struct PhaseRole {
    std::string comm_prefix;  // "pt_autograd_"
    unsigned phase = 0;       // enum llm_phase: forward or backward
};

struct ClassSpec {
    std::string name;
    std::vector<MatchRule> match;
    unsigned priority = 50;
    Order order = Order::Fair;
    SliceSpec slice;
    std::optional<std::set<unsigned>> cpus;      // default set; all CPUs if unset
    std::optional<std::set<unsigned>> forward;   // phase sets
    std::optional<std::set<unsigned>> backward;
    std::vector<PhaseRole> roles;                // phases by thread name, first match wins
    bool strict_phases = false;                  // no lending between the phase sets
    std::optional<AutoSplit> auto_split;         // sets resized from demand; the lists are the start
    std::optional<CpuRange> cpu_range;           // cpus sized from utilisation; `cpus` is the start
    // Sets written relative to the machine ("first half"), by key ("cpus",
    // "forward", "backward"); policy/cpu_spec.h resolves them into the sets above.
    std::map<std::string, std::string> cpu_text;
    bool cpus_exclusive = false;
    std::optional<ClassMemory> memory;
};

struct SchedulerSpec {
    bool enabled = true;
    uint64_t watchdog_ns = 5'000'000'000;
    uint64_t default_slice_ns = 3'000'000;
    uint64_t starvation_ns = 200'000'000;      // longest wait of any runnable task
    unsigned guard_share_pct = 2;               // of each busy CPU, for the classes below (per window)
    unsigned max_reattach = 3;                  // re-attaches allowed per window
    uint64_t reattach_window_ns = 60'000'000'000;
    uint64_t test_fault_after_dispatches = 0;   // test only: inject scx_bpf_error
};

// A loopback address for the optional Prometheus endpoint.
struct Endpoint {
    std::string host;  // "127.0.0.1" or "::1"
    uint16_t port = 0;
};

// How the daemon itself runs: reloads and who may talk to it.
struct DaemonSpec {
    bool watch_config = true;                   // reload when the file changes (inotify)
    uint64_t reload_debounce_ns = 250'000'000;  // quiet time after the last change
    std::optional<std::string> control_group;   // read-only socket access; root only if unset
    std::optional<Endpoint> metrics_listen;     // loopback HTTP /metrics; off if unset
};

// A hugetlb pool: `pages` huge pages of `page_kb`, on one NUMA node or
// system-wide.
struct HugetlbPool {
    uint64_t page_kb = 2048;
    std::optional<unsigned> node;
    uint64_t pages = 0;
    bool required = false;  // a shortfall refuses the policy instead of being reported
};

// A hugetlbfs mount the daemon makes (and unmounts on stop if unused).
struct HugetlbfsMount {
    std::string path;                   // absolute, normalized
    uint64_t page_kb = 2048;
    std::optional<uint64_t> size;       // bytes
    std::optional<uint64_t> min_size;   // bytes, reserved at mount time
    std::optional<uint32_t> uid, gid;
    std::optional<uint32_t> mode;       // of the mount's root directory
};

// Host memory settings. Each is recorded before the daemon first changes
// it and restored on stop (restore_on_exit).
struct MemorySpec {
    bool restore_on_exit = true;
    std::map<std::string, uint64_t> sysctl;     // allowlisted: "vm.swappiness" -> 10
    std::map<std::string, std::string> thp;     // "enabled" -> "madvise", "khugepaged/defrag" -> "1"
    std::optional<bool> lru_gen_enabled;
    std::optional<uint64_t> lru_gen_min_ttl_ms;
    std::map<uint64_t, std::string> mthp;       // per-size THP: page kB -> "always"|"inherit"|"madvise"|"never"
    std::vector<HugetlbPool> hugetlb;
    uint64_t compact_retry_ns = 0;              // on a pool shortfall, compact and retry for this long
    std::vector<HugetlbfsMount> hugetlbfs;
    std::string cgroup_root = "/llm.slice";     // parent of the class cgroups

    [[nodiscard]] bool empty() const
    {
        return sysctl.empty() && thp.empty() && mthp.empty() && !lru_gen_enabled && !lru_gen_min_ttl_ms &&
               hugetlb.empty() && hugetlbfs.empty();
    }
};

struct Policy {
    DaemonSpec daemon;
    MemorySpec memory;
    SchedulerSpec scheduler;
    std::vector<ClassSpec> classes;

    [[nodiscard]] bool has_phases(const ClassSpec& c) const { return c.forward || c.backward; }
    [[nodiscard]] bool has_class_cgroups() const
    {
        for (const auto& c : classes)
            if (c.memory)
                return true;
        return false;
    }
};

const char* to_string(Order o);
const char* to_string(SliceMode m);

}  // namespace llm::policy
