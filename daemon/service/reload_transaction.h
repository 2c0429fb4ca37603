// SPDX-License-Identifier: GPL-2.0-only
// A reload as one transaction: stage, commit, roll back. The rules are in
// reload_transaction.cpp's opening comment; the effects sit behind the
// three ports below, so the ordering and the rollback are unit-tested with
// fakes (tests/unit/test_reload_transaction.cpp).
#pragma once

#include <string>
#include <vector>

#include "llm_schedd/intf.h"
#include "policy/policy.h"
#include "util/result.h"

namespace llm::service {

// The scheduler's live tables. With no scheduler attached a push is a no-op
// that succeeds: the next attach pushes the live generation.
class TablesPort {
public:
    virtual ~TablesPort() = default;
    [[nodiscard]] virtual util::Status push(const llm_policy& table) = 0;
    // Makes an older table live again, and leaves no slot holding the newer
    // one: readers outside the daemon take the slot with the highest generation.
    [[nodiscard]] virtual util::Status restore(const llm_policy& table) = 0;
};

// Knobs, mounts and class cgroups (memory/memory_manager.h).
class MemoryPort {
public:
    virtual ~MemoryPort() = default;
    // What can be known to fail without changing anything (mount paths).
    [[nodiscard]] virtual util::Status check(const policy::Policy& p) = 0;
    // Makes the host match `p`; may fail half-way. Applying the previous
    // policy again undoes what this apply did, finished or not.
    [[nodiscard]] virtual util::Status apply(const policy::Policy& p, const char* when) = 0;
};

// The daemon section: control socket group, metrics listener, file watch.
class EndpointsPort {
public:
    virtual ~EndpointsPort() = default;
    // Opens what `spec` needs that is not open yet; nothing is swapped in.
    [[nodiscard]] virtual util::Status stage(const policy::DaemonSpec& spec) = 0;
    // Swaps the staged endpoints in, keeping what they replace.
    [[nodiscard]] virtual util::Status commit() = 0;
    // Swaps back what commit() swapped in, even after a partial commit.
    [[nodiscard]] virtual util::Status undo() = 0;
    // Closes what is no longer used: the replaced endpoints after a commit,
    // the staged ones after a refusal.
    virtual void finish() = 0;
};

struct ReloadPorts {
    TablesPort& tables;
    MemoryPort& memory;
    EndpointsPort& endpoints;
};

// The two generations a reload moves between: the live one and the next.
struct ReloadSides {
    const policy::Policy& live_policy;
    const llm_policy& live_table;
    const policy::Policy& next_policy;
    const llm_policy& next_table;
};

struct ReloadOutcome {
    bool ok = false;
    std::string failed_step;                   // "stage memory", "push tables", ...
    std::string error;                         // why the reload was refused, as the port said it
    std::string reason;                        // the same, with what it concerns: "memory: ..."
    bool tables_pushed = false;                // the next generation's number reached the kernel
    std::vector<std::string> rollback_errors;  // undo steps that failed: the host is not back
};

[[nodiscard]] ReloadOutcome run_reload_transaction(const ReloadSides& sides, const ReloadPorts& ports);

}  // namespace llm::service
