// SPDX-License-Identifier: GPL-2.0-only
// The memory knobs the daemon may touch, and the list of file writes a
// policy asks for. Pure: paths are computed, not probed.
//
// Only the allowlisted sysctls (policy/vocabulary.h), the THP and MGLRU files and hugetlb pool
// sizes can be reached from a policy; a key outside the allowlist is a
// validation error, so no policy string ever becomes an arbitrary path.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "policy/policy.h"
#include "policy/vocabulary.h"

namespace llm::memory {

// How a knob's file reads back.
enum class Format {
    Number,    // "60"
    Choice,    // "always [madvise] never": the bracketed word is the value
    LruGen,    // "0x0007" (write "y"/"n"); any non-zero mask means enabled
    Pool,      // nr_hugepages: the kernel may grant fewer than asked
};

struct Knob {
    std::string name;   // "vm.swappiness", "thp.enabled", "hugetlb.2048kB.node0"
    std::string path;   // "/proc/sys/vm/swappiness"
    std::string value;  // what to write
    Format format = Format::Number;
    bool required = false;  // pools only: a shortfall is an error
    std::string wanted;     // pools: what the policy asked for, when capped below it (see plan())
};

// Whether a policy can make the daemon write `path`: one of the files
// plan() can produce. Paths read back from the daemon's own state files
// are checked with it before anything is written to them.
bool knob_path_allowed(const std::string& path);

// The kernel paths the daemon writes, as the systemd unit's ReadWritePaths=
// must list them ("-" where a kernel may lack the file): the allowlisted
// sysctl files, the THP, hugetlb and MGLRU directories, the NUMA node tree
// (per-node pools), compact_memory, and the cgroup tree. Sorted as the unit
// lists them; `llm-schedd --writable-paths` prints them.
std::vector<std::string> unit_writable_paths();

// With mem_total_bytes, a pool is capped so that hugetlb never takes the
// last eighth of RAM (at least 256 MiB): the kernel would otherwise fill
// every free page and the host would run out of memory.
std::vector<Knob> plan(const policy::MemorySpec& spec, uint64_t mem_total_bytes = 0);

// At apply time: a pool may only grow into memory that is available now
// (MemAvailable), keeping the same headroom. Growing it into memory that
// running processes need made the VM lane's OOM killer take both a 600 MiB
// job and the daemon. current_pages(knob) reads the pool's size now.
void cap_pools_to_available(std::vector<Knob>& plan, uint64_t mem_total_bytes, uint64_t mem_available_bytes,
                            const std::function<uint64_t(const Knob&)>& current_pages);

// Notices for boot parameters (/proc/cmdline) that pin a value the policy
// changes at run time, e.g. transparent_hugepage=never.
std::vector<std::string> cmdline_pins(const std::string& cmdline, const policy::MemorySpec& spec);

// The value a read of the file means, in the terms `value` was written in.
std::string normalize(Format f, const std::string& raw);
// Whether a read-back value satisfies the wanted one.
bool satisfied(const Knob& k, const std::string& readback);

}  // namespace llm::memory
