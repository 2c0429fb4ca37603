// SPDX-License-Identifier: GPL-2.0-only
#include "report/kernel_features.h"

#include "llm_schedd/intf.h"

namespace llm::report {

std::string kfunc_generation(const KernelFeatures& f)
{
    if (!(f.bits & LLM_KF_DSQ_INSERT))
        return "6.12 (scx_bpf_dispatch, scx_bpf_consume, scx_bpf_dispatch_from_dsq)";
    if (f.bits & LLM_KF_MOVE_TO_LOCAL_V2)
        return "7.1+ (scx_bpf_dsq_insert, scx_bpf_dsq_move_to_local with enqueue flags, scx_bpf_dsq_move)";
    return "6.13+ (scx_bpf_dsq_insert, scx_bpf_dsq_move_to_local, scx_bpf_dsq_move)";
}

std::vector<std::string> degraded_features(const KernelFeatures& f)
{
    std::vector<std::string> out;
    if (!(f.bits & LLM_KF_NOW))
        out.emplace_back("no scx_bpf_now (6.14+): timestamps use bpf_ktime_get_ns, a little slower per decision");
    if (!(f.bits & LLM_KF_EVENTS))
        out.emplace_back("no kernel sched_ext event counters (6.15+): stats and Prometheus leave them out");
    if (!(f.bits & LLM_KF_EXT_SERVER))
        out.emplace_back(
            "no deadline server for sched_ext tasks (6.19 lacks it, 7.3 has it): an RT or deadline task that "
            "holds a CPU starves the sched_ext tasks queued there, and once a per-CPU kernel thread has waited "
            "past watchdog_ms the kernel ejects the scheduler (llm-schedd re-attaches with backoff)");
    if (!(f.bits & LLM_KF_CPU_CURR))
        out.emplace_back("no scx_bpf_cpu_curr (6.18+): the running task is read through scx_bpf_cpu_rq");
    return out;
}

nlohmann::json to_json(const KernelFeatures& f)
{
    return {{"kfuncs", kfunc_generation(f)},
            {"scx_bpf_now", (f.bits & LLM_KF_NOW) != 0},
            {"event_counters", (f.bits & LLM_KF_EVENTS) != 0},
            {"ext_server", (f.bits & LLM_KF_EXT_SERVER) != 0},
            {"migration_disabled_kept_local_by", (f.bits & LLM_KF_MIGRATION_BY_KERNEL) ? "kernel" : "llm_sched"},
            {"degraded", degraded_features(f)}};
}

}  // namespace llm::report
