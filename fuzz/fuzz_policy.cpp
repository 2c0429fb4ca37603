// SPDX-License-Identifier: GPL-2.0-only
// libFuzzer target: policy text -> parse -> validate -> compile -> memory
// plans, the path every byte of an operator's file takes. Beyond "no crash,
// no sanitizer report" it checks what the daemon relies on: a refusal always
// names at least one problem, and a compiled table stays inside the limits
// BPF indexes by.
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>

#include "plan/cgroup_plan.h"
#include "plan/hugetlbfs_plan.h"
#include "plan/knob_plan.h"
#include "policy/compiler.h"
#include "report/check_report.h"
#include "policy/parser.h"
#include "policy/validate.h"

namespace {

using namespace llm;

// A two-node, 8-CPU machine with 2M and 1G pages and mTHP, so every
// machine-dependent check has something to accept and to refuse.
const policy::Machine& machine()
{
    static const policy::Machine m = [] {
        policy::Machine x;
        x.nr_possible_cpus = 8;
        x.online_cpus = {0, 1, 2, 3, 4, 5, 6, 7};
        x.mem_total_bytes = 16ULL << 30;
        x.hugepage_kb = {2048, 1048576};
        x.numa_nodes = {0, 1};
        x.mthp_kb = {64, 2048};
        return x;
    }();
    return m;
}

void require(bool ok, const char* what)
{
    if (!ok) {
        fprintf(stderr, "invariant broken: %s\n", what);
        abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string text(reinterpret_cast<const char*>(data), size);
    policy::Diagnostics diags;
    auto parsed = policy::parse_policy(text, diags);
    require(parsed.has_value() == diags.ok(), "parse result and diagnostics disagree");
    if (!parsed)
        return 0;
    if (!policy::resolve_and_validate(*parsed, machine(), diags)) {
        require(!diags.ok(), "validation refused without a diagnostic");
        for (const auto& d : diags.items())
            require(!d.what.empty(), "a diagnostic without a message");
        (void)diags.format("fuzz.json");
        return 0;
    }
    auto resolve = [](const std::string& path) -> std::optional<policy::CgroupRef> {
        if (path.size() % 2)
            return std::nullopt;  // "does not exist yet"
        return policy::CgroupRef{path.size(), static_cast<uint32_t>(path.size() % 7)};
    };
    auto compiled = policy::compile(*parsed, machine(), resolve, 7);
    const llm_policy& t = *compiled.table;
    require(t.nr_classes >= 1 && t.nr_classes <= LLM_MAX_CLASSES, "nr_classes out of range");
    require(t.nr_rules <= LLM_MAX_RULES, "nr_rules out of range");
    require(t.default_class < t.nr_classes, "default class out of range");
    std::set<uint32_t> seen;
    for (uint32_t i = 0; i < t.nr_classes; i++) {
        require(t.prio_order[i] < t.nr_classes, "prio_order entry out of range");
        seen.insert(t.prio_order[i]);
    }
    require(seen.size() == t.nr_classes, "prio_order is not a permutation");
    for (uint32_t i = 0; i < t.nr_rules; i++)
        require(t.rules[i].class_id < t.nr_classes, "rule points past the classes");
    for (uint32_t cpu = 0; cpu < LLM_MAX_CPUS; cpu++)
        require(t.cpu_owner[cpu] < static_cast<int32_t>(t.nr_classes), "cpu owner out of range");
    (void)llm::report::describe_plan(*parsed, compiled);

    (void)memory::plan(parsed->memory, machine().mem_total_bytes);
    (void)memory::cmdline_pins("transparent_hugepage=always hugepages=4", parsed->memory);
    (void)memory::plan_cgroups(*parsed, machine().hugepage_kb);
    for (const auto& m : parsed->memory.hugetlbfs)
        (void)memory::mount_options(m);
    return 0;
}
